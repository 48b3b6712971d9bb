// One sample of a 10-process tree while 1,000 unrelated processes run: the collector's walk
// through children files does not grow with the machine (target <= 1 ms); a full /proc scan does.
import { spawn, type ChildProcess } from 'node:child_process';
import { scanParents } from '../../probes/proc-scan';
import { descendantsViaParents } from '../../probes/process-tree';
import { createLinuxProcReader } from '../../session/proc-reader';
import { Session } from '../../session/session';
import { spread } from '../results/stats';
import { fmt, table } from './report';

const UNRELATED = 1000;
const SAMPLES = 300;

export async function measureTreeSample(progress: (line: string) => void): Promise<{ data: unknown; markdown: string }> {
  progress(`tree sample: starting ${UNRELATED} unrelated processes`);
  const crowd = spawn('sh', ['-c', `i=0; while [ $i -lt ${UNRELATED} ]; do sleep 600 & i=$((i+1)); done; wait`], {
    stdio: 'ignore',
    detached: true,
  });
  const tree = spawn(
    process.execPath,
    [
      '-e',
      "for (let i = 0; i < 9; i++) require('child_process').spawn('sleep', ['600'], { stdio: 'ignore' }); setInterval(() => {}, 1000);",
    ],
    { stdio: 'ignore', detached: true },
  );
  try {
    await waitFor(() => (scanParents().size > UNRELATED ? true : null), 30_000);
    const session = new Session(
      {
        id: 'bench',
        start: Date.now(),
        rootPid: tree.pid as number,
        rootIsObserver: false,
        observerPids: new Set(),
        timelinePoints: 512,
        spanAttributes: {},
      },
      createLinuxProcReader(),
    );
    const seen = await waitFor(() => {
      const n = session.sampleTree(Date.now()).count;
      return n === 10 ? n : null;
    }, 10_000);
    const machine = scanParents().size;
    const walk: number[] = [];
    const scan: number[] = [];
    for (let i = 0; i < SAMPLES; i += 1) {
      if (i % 50 === 0) progress(`tree sample: ${i}/${SAMPLES} (${machine} processes on the machine)`);
      walk.push(timeMs(() => session.sampleTree(Date.now())));
      scan.push(timeMs(() => descendantsViaParents(tree.pid as number, scanParents())));
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const w = spread(walk);
    const s = spread(scan);
    const markdown = [
      `## One sample of a ${seen}-process tree with ${machine} processes on the machine (${SAMPLES} samples)`,
      '',
      table(
        ['method', 'median ms', 'p75 ms', 'max ms'],
        [
          ['collector sample (children files + status of each process)', fmt(w.median, 3), fmt(w.q3, 3), fmt(w.max, 3)],
          ['full /proc scan (parents only; the fallback)', fmt(s.median, 3), fmt(s.q3, 3), fmt(s.max, 3)],
        ],
      ),
      '',
      'Target: <= 1 ms for the collector sample.',
    ].join('\n');
    return { data: { machineProcesses: machine, treeProcesses: seen, walk, scan }, markdown };
  } finally {
    kill(tree);
    kill(crowd);
  }
}

function timeMs(fn: () => unknown): number {
  const began = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - began) / 1e6;
}

async function waitFor<T>(probe: () => T | null, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error('tree sample: the processes did not start in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function kill(child: ChildProcess): void {
  try {
    process.kill(-(child.pid as number), 'SIGKILL');
  } catch {
    // Gone.
  }
}
