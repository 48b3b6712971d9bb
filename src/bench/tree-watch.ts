// An independent view of a process tree, for checking the plugin and for benchmarks: every
// interval it scans all of /proc (a different method from the collector's children-file walk),
// sums the RSS of the tree and keeps each process's largest VmHWM before it disappears.
import { readFileSync } from 'node:fs';
import { readCmdline } from '../probes/cmdline';
import { childrenFilesSupported } from '../probes/proc-children';
import { scanParents } from '../probes/proc-scan';
import { parseProcStatus } from '../probes/proc-status';
import { descendantsViaParents } from '../probes/process-tree';
import { childrenWalk } from './tree-watch-children';
import { roleDecider, type WatchedProcess } from './tree-watch-roles';

export type { WatchedProcess } from './tree-watch-roles';

export interface TreeWatch {
  /** Scans now (for a caller that paces the scans itself). */
  sample(): void;
  /** Largest sum of RSS over the tree seen in one scan. */
  peak(): number;
  /** Per role, the largest sum of RSS of the processes with that role seen in one scan. */
  rolePeaks(): Record<string, number>;
  processes(): WatchedProcess[];
  stop(): void;
}

/** What not to count: processes by short name, or whose command line has an argument ending so. */
export interface Exclusions {
  names: string[];
  argvSuffixes: string[];
}

/** qwen-otel's own processes: the `run` wrapper and the collector. */
export const QWEN_OTEL_PROCESSES: Exclusions = { names: ['qwen-otel'], argvSuffixes: ['collector/main.js'] };

export function isExcluded(p: Pick<WatchedProcess, 'name' | 'argv'>, exclusions: Exclusions): boolean {
  return exclusions.names.includes(p.name) || p.argv.some((arg) => exclusions.argvSuffixes.some((suffix) => arg.endsWith(suffix)));
}

/**
 * How the tree is found at each scan: `scan` reads every /proc/<pid>/stat (a method independent of
 * the collector's, for checking it); `children` walks /proc/<pid>/task/<tid>/children from the
 * root, which costs a fraction of a millisecond whatever else the machine runs (the matrix's
 * sampler, where the harness's own cost matters), falling back to `scan` without children files.
 */
export type TreeMethod = 'scan' | 'children';

export function watchTree(
  rootPid: number,
  intervalMs = 20,
  exclusions: Exclusions = { names: [], argvSuffixes: [] },
  method: TreeMethod = 'scan',
  /** false: no timer; the caller calls sample() every intervalMs. */
  timer = true,
): TreeWatch {
  const exclude = (p: WatchedProcess): boolean => isExcluded(p, exclusions);
  const seen = new Map<number, WatchedProcess>();
  const roleOf = roleDecider(rootPid, seen, exclude);
  const rolePeaks: Record<string, number> = {};
  let peak = 0;
  const walk = method === 'children' && childrenFilesSupported() ? childrenWalk(rootPid) : null;
  const scan = (): void => {
    let sum = 0;
    const counted: Array<[WatchedProcess, number]> = [];
    const tree = walk ? walk.tree() : [rootPid, ...descendantsViaParents(rootPid, scanParents())];
    for (const pid of tree) {
      const status = parseProcStatus(walk ? walk.status(pid) : safeRead(`/proc/${pid}/status`));
      if (status.rssBytes === null) continue;
      let known = seen.get(pid);
      if (!known) {
        known = { pid, ppid: status.ppid, name: status.name, argv: readCmdline(pid) ?? [], hwm: 0, firstSeen: Date.now() };
        seen.set(pid, known);
        if (execedAfterStatus(known, seen.get(status.ppid))) continue;
      }
      refreshIfExeced(known, status.name, pid);
      known.hwm = Math.max(known.hwm, status.hwmBytes ?? 0);
      known.threads = status.threads ?? undefined;
      if (!exclude(known) && !isForkCopy(known, seen.get(known.ppid), 3 * intervalMs)) {
        sum += status.rssBytes;
        counted.push([known, status.rssBytes]);
      }
    }
    peak = Math.max(peak, sum);
    const byRole: Record<string, number> = {};
    for (const [p, rss] of counted) byRole[roleOf(p)] = (byRole[roleOf(p)] ?? 0) + rss;
    for (const [role, rss] of Object.entries(byRole)) rolePeaks[role] = Math.max(rolePeaks[role] ?? 0, rss);
  };
  scan();
  const interval = timer ? setInterval(scan, intervalMs) : null;
  return {
    sample: scan,
    peak: () => peak,
    rolePeaks: () => ({ ...rolePeaks }),
    processes: () => [...seen.values()],
    stop: () => {
      if (interval) clearInterval(interval);
      walk?.close();
    },
  };
}

/**
 * Between fork and exec a child is a copy of its parent: its RSS is the parent's pages again. One
 * that keeps its parent's command line past a few samples is a process of its own (Qwen Code
 * 0.24.4 forks a worker with its own argv): it counts, as the collector counts it, unless it still
 * has the one thread a fork copies while its parent has more (an exec slowed by a loaded machine).
 */
function isForkCopy(p: WatchedProcess, parent: WatchedProcess | undefined, graceMs: number): boolean {
  if (parent === undefined || parent.name !== p.name || parent.argv.join('\0') !== p.argv.join('\0')) return false;
  return Date.now() - p.firstSeen <= graceMs || (p.threads === 1 && (parent.threads ?? 0) > 1);
}

/**
 * A fork copy that exec'd between the reads of its status (still the parent's name, a copy of its
 * memory) and of its command line (the new program's): its status figures are the copy's, so it
 * is read again at the next scan. Counted, it put ~100 MiB that never existed into a Qwen Code
 * tree's peak.
 */
function execedAfterStatus(p: WatchedProcess, parent: WatchedProcess | undefined): boolean {
  if (parent === undefined || parent.name !== p.name || parent.argv.join('\0') === p.argv.join('\0')) return false;
  return parseProcStatus(safeRead(`/proc/${p.pid}/status`)).name !== p.name;
}

const youngChecks = new WeakMap<WatchedProcess, number>();

function dueForCmdline(p: WatchedProcess): boolean {
  const checks = (youngChecks.get(p) ?? 0) + 1;
  youngChecks.set(p, checks);
  return checks % 5 === 0;
}

/** A process that exec'd is a new program: new name or command line, and a new high-water mark. */
function refreshIfExeced(p: WatchedProcess, name: string, pid: number): void {
  // An exec changes the name, except into a program of the same name: for a young process the
  // command line is read again too, every fifth scan (each read costs what a whole scan does).
  if (p.name === name && (Date.now() - p.firstSeen > 1000 || !dueForCmdline(p))) return;
  const argv = readCmdline(pid) ?? [];
  if (name === p.name && argv.join('\0') === p.argv.join('\0')) return;
  p.name = name;
  p.argv = argv;
  p.hwm = 0;
  p.role = undefined;
}

function safeRead(file: string): string {
  try {
    return readFileSync(file, 'latin1');
  } catch {
    return '';
  }
}

export interface WatchResult {
  peak: number;
  rolePeaks: Record<string, number>;
  processes: WatchedProcess[];
}

/**
 * The same watch in a worker thread, so its scans (a few ms each) do not delay the event loop of
 * the harness that also serves the model and receives the telemetry. The worker sleeps between
 * scans in Atomics.wait: a libuv timer's wake-up cost ~180 µs of CPU on our VMs, a futex's less.
 */
export function watchTreeInWorker(
  rootPid: number,
  intervalMs: number,
  exclusions: Exclusions,
  method: TreeMethod = 'scan',
): { stop(): Promise<WatchResult> } {
  const watch = treeWatchWorker(intervalMs, exclusions, method);
  watch.start(rootPid);
  return watch;
}

export interface TreeWatchWorker {
  /** Resolves once the worker has loaded and waits for a root: start it before the process it watches. */
  ready: Promise<void>;
  start(rootPid: number): void;
  stop(): Promise<WatchResult>;
}

/**
 * A worker that boots (~40 ms of CPU) before the watched process exists, then watches the root it
 * is given: a short run is not charged for the boot.
 */
export function treeWatchWorker(intervalMs: number, exclusions: Exclusions, method: TreeMethod = 'scan'): TreeWatchWorker {
  const { Worker } = require('node:worker_threads') as typeof import('node:worker_threads');
  // [0] stop flag, [1] root pid (0 until given).
  const shared = new Int32Array(new SharedArrayBuffer(8));
  const worker = new Worker(require('node:path').join(__dirname, 'tree-watch-worker.js'), {
    workerData: { intervalMs, exclusions, method, shared },
  });
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  const result = new Promise<WatchResult>((resolve, reject) => {
    worker.on('message', (message: 'ready' | WatchResult) => {
      if (message === 'ready') return onReady();
      void worker.terminate();
      resolve(message);
    });
    worker.once('error', reject);
  });
  return {
    ready,
    start: (rootPid) => {
      Atomics.store(shared, 1, rootPid);
      Atomics.notify(shared, 1);
    },
    stop: () => {
      Atomics.store(shared, 0, 1);
      Atomics.notify(shared, 0);
      Atomics.notify(shared, 1);
      return result;
    },
  };
}
