// Worker-thread side of watchTreeInWorker.
import { parentPort, workerData } from 'node:worker_threads';
import { type Exclusions, watchTree } from './tree-watch';

const { rootPid, intervalMs, exclusions } = workerData as { rootPid: number; intervalMs: number; exclusions: Exclusions };
const watch = watchTree(rootPid, intervalMs, exclusions);
parentPort?.on('message', () => {
  watch.stop();
  parentPort?.postMessage({ peak: watch.peak(), processes: watch.processes() });
});
