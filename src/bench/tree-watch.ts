// An independent view of a process tree, for checking the plugin and for benchmarks: every
// interval it scans all of /proc (a different method from the collector's children-file walk),
// sums the RSS of the tree and keeps each process's largest VmHWM before it disappears.
import { readdirSync, readFileSync } from 'node:fs';
import { parseProcStat } from '../probes/proc-stat';
import { parseProcStatus } from '../probes/proc-status';

export interface WatchedProcess {
  pid: number;
  ppid: number;
  name: string;
  argv: string[];
  hwm: number;
  firstSeen: number;
}

export interface TreeWatch {
  /** Largest sum of RSS over the tree seen in one scan. */
  peak(): number;
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

export function watchTree(rootPid: number, intervalMs = 20, exclusions: Exclusions = { names: [], argvSuffixes: [] }): TreeWatch {
  const exclude = (p: WatchedProcess): boolean => isExcluded(p, exclusions);
  const seen = new Map<number, WatchedProcess>();
  let peak = 0;
  const scan = (): void => {
    const parents = new Map<number, number>();
    for (const entry of safeReaddir('/proc')) {
      const pid = Number(entry);
      if (!(pid > 0)) continue;
      const stat = parseProcStat(safeRead(`/proc/${pid}/stat`));
      if (stat) parents.set(pid, stat.ppid);
    }
    let sum = 0;
    for (const pid of inTree(rootPid, parents)) {
      const status = parseProcStatus(safeRead(`/proc/${pid}/status`));
      if (status.rssBytes === null) continue;
      let known = seen.get(pid);
      if (!known) {
        known = { pid, ppid: status.ppid, name: status.name, argv: safeRead(`/proc/${pid}/cmdline`).split('\0').filter(Boolean), hwm: 0, firstSeen: Date.now() };
        seen.set(pid, known);
      }
      refreshIfExeced(known, status.name, pid);
      known.hwm = Math.max(known.hwm, status.hwmBytes ?? 0);
      if (!exclude(known) && !isForkCopy(known, seen.get(known.ppid))) sum += status.rssBytes;
    }
    peak = Math.max(peak, sum);
  };
  scan();
  const timer = setInterval(scan, intervalMs);
  return {
    peak: () => peak,
    processes: () => [...seen.values()],
    stop: () => clearInterval(timer),
  };
}

/** Between fork and exec a child is a copy of its parent: its RSS is the parent's pages again. */
function isForkCopy(p: WatchedProcess, parent: WatchedProcess | undefined): boolean {
  return parent !== undefined && parent.name === p.name && parent.argv.join('\0') === p.argv.join('\0');
}

/** A process that exec'd is a new program: new name or command line, and a new high-water mark. */
function refreshIfExeced(p: WatchedProcess, name: string, pid: number): void {
  if (p.name === name && Date.now() - p.firstSeen > 1000) return;
  const argv = safeRead(`/proc/${pid}/cmdline`).split('\0').filter(Boolean);
  if (name === p.name && argv.join('\0') === p.argv.join('\0')) return;
  p.name = name;
  p.argv = argv;
  p.hwm = 0;
}

function inTree(root: number, parents: Map<number, number>): number[] {
  const out: number[] = [];
  for (const pid of parents.keys()) {
    let cursor: number | undefined = pid;
    for (let depth = 0; cursor !== undefined && depth < 64; depth += 1) {
      if (cursor === root) {
        out.push(pid);
        break;
      }
      cursor = parents.get(cursor);
    }
  }
  return out;
}

function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
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
  processes: WatchedProcess[];
}

/**
 * The same watch in a worker thread, so its scans (a few ms each) do not delay the event loop of
 * the harness that also serves the model and receives the telemetry.
 */
export function watchTreeInWorker(rootPid: number, intervalMs: number, exclusions: Exclusions): { stop(): Promise<WatchResult> } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Worker } = require('node:worker_threads') as typeof import('node:worker_threads');
  const worker = new Worker(require('node:path').join(__dirname, 'tree-watch-worker.js'), { workerData: { rootPid, intervalMs, exclusions } });
  return {
    stop: () =>
      new Promise<WatchResult>((resolve, reject) => {
        worker.once('message', (result: WatchResult) => {
          void worker.terminate();
          resolve(result);
        });
        worker.once('error', reject);
        worker.postMessage('stop');
      }),
  };
}
