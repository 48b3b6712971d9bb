// Worker-thread side of treeWatchWorker: waits for a root pid, then scans paced by Atomics.wait
// until the stop flag is set, and posts what it saw.
import { parentPort, workerData } from 'node:worker_threads';
import { type Exclusions, type TreeMethod, watchTree } from './tree-watch';

const { intervalMs, exclusions, method, shared } = workerData as {
  intervalMs: number;
  exclusions: Exclusions;
  method: TreeMethod;
  shared: Int32Array;
};
parentPort?.postMessage('ready');
while (Atomics.load(shared, 1) === 0 && Atomics.load(shared, 0) === 0) Atomics.wait(shared, 1, 0);
const rootPid = Atomics.load(shared, 1);
if (rootPid === 0) {
  parentPort?.postMessage({ peak: 0, rolePeaks: {}, processes: [] });
} else {
  const watch = watchTree(rootPid, intervalMs, exclusions, method, false);
  while (Atomics.wait(shared, 0, 0, intervalMs) === 'timed-out') watch.sample();
  watch.stop();
  parentPort?.postMessage({ peak: watch.peak(), rolePeaks: watch.rolePeaks(), processes: watch.processes() });
}
