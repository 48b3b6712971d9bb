// Heap snapshots, only when asked for: they hold the heap's strings (prompts, file text, keys),
// so they are written with mode 0600 and announced with a warning. V8 writes one in a single
// synchronous call that nothing can interrupt, so a snapshot is taken only where it can end
// within the bound (QWEN_OTEL_HEAP_SNAPSHOT `within:<s>`), and signals still end the process.
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { SESSION } from '../contracts/session-layout';
import { v8Api } from '../probes/v8-heap';
import { guardSignals, restoreDefaultSignals, type SignalGuard } from './snapshot-signals';

export type SnapshotReason = 'exit' | 'signal' | 'above';

/**
 * CPU milliseconds V8 (Node 20.20) spends writing a snapshot, per MiB of heap used after a full
 * GC: 127-158 on heaps of small objects (an agent's history, parsed JSON; 16-256 MiB), 40-100 on
 * Qwen Code 0.15.10's processes, whose heaps are mostly code (`npm run bench:heap-snapshot`).
 * The worst shape is the estimate, so that it errs towards skipping.
 */
export const SNAPSHOT_CPU_MS_PER_MIB = 160;
const MiB = 1048576;

export interface SnapshotPlan {
  dir: string;
  sessionId: string;
  sessionDir: string;
  reason: SnapshotReason;
  /** The longest this process may spend in the write. */
  withinMs: number;
}

export interface WrittenSnapshot {
  file: string;
  bytes: number;
  ms: number;
}

/** The highest rate this process's own snapshots took, when above the constant. */
let observedMsPerMiB = SNAPSHOT_CPU_MS_PER_MIB;

/**
 * The largest heap a snapshot may hold to end within `withinMs`. The write gets a share of a
 * core: on 2 cores at load 19-24, writes took 4-6x their CPU time in wall time, so dividing by
 * the load per core (~10 there) errs towards skipping.
 */
export function largestHeapMiB(withinMs: number, loadPerCore = currentLoadPerCore()): number {
  return Math.floor(withinMs / (observedMsPerMiB * Math.max(1, loadPerCore)));
}

function currentLoadPerCore(): number {
  try {
    const load = Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
    // Loaded here, not with the agent: node:os costs every small instrumented process its compile.
    const os = require('node:os') as typeof import('node:os');
    const cores = os.availableParallelism?.() ?? os.cpus().length;
    return Number.isFinite(load) && cores > 0 ? load / cores : 1;
  } catch {
    return 1;
  }
}

/** Writes a snapshot, or says in one line why none was written; never throws. */
export function takeHeapSnapshot(plan: SnapshotPlan): WrittenSnapshot | null {
  const label = `qwen-otel: heap snapshot (${plan.reason}) of pid ${process.pid}`;
  const skip = (why: string): null => {
    process.stderr.write(`${label} skipped: ${why}\n`);
    return null;
  };
  try {
    const relaunched = relaunchedChild(plan.sessionDir);
    if (plan.reason === 'exit' && relaunched) {
      return skip(`it relaunched itself as pid ${relaunched} and only waited for it; that process's snapshot holds the run`);
    }
    const loadPerCore = currentLoadPerCore();
    const limitMiB = largestHeapMiB(plan.withinMs, loadPerCore);
    let usedMiB = heapUsedMiB();
    if (usedMiB > limitMiB) {
      collectGarbage();
      usedMiB = heapUsedMiB();
    }
    if (usedMiB > limitMiB) {
      return skip(
        `its heap holds ${usedMiB.toFixed(0)} MiB after a full GC, more than the ${limitMiB} MiB V8 can write within ` +
          `${(plan.withinMs / 1000).toFixed(0)} s at ~${observedMsPerMiB} ms of CPU per MiB and a load of ${loadPerCore.toFixed(1)} per core; ` +
          'QWEN_OTEL_HEAP_SNAPSHOT=within:<seconds> raises the bound',
      );
    }
    let guard: SignalGuard | null = null;
    if (plan.reason === 'exit') restoreDefaultSignals();
    else {
      try {
        guard = guardSignals();
      } catch (error) {
        return skip(`a second SIGTERM/SIGINT could not end the process during the write (${(error as Error).message})`);
      }
    }
    try {
      return write(plan, label, usedMiB);
    } finally {
      guard?.release();
    }
  } catch (error) {
    process.stderr.write(`${label} failed: ${(error as Error).message}\n`);
    return null;
  }
}

function write(plan: SnapshotPlan, label: string, usedMiB: number): WrittenSnapshot {
  const file = path.join(plan.dir, `qwen-otel-${plan.sessionId}-${process.pid}-${plan.reason}-${Date.now()}.heapsnapshot`);
  mkdirSync(plan.dir, { recursive: true, mode: 0o700 });
  closeSync(openSync(file, 'wx', 0o600));
  const cpuBefore = process.cpuUsage();
  const began = Date.now();
  cacheLineEnds();
  v8Api().writeHeapSnapshot(file);
  const ms = Date.now() - began;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  if (usedMiB > 0) observedMsPerMiB = Math.max(observedMsPerMiB, Math.ceil(cpuMs / usedMiB));
  chmodSync(file, 0o600);
  const bytes = statSync(file).size;
  process.stderr.write(
    `${label} written to ${file} (${(bytes / MiB).toFixed(0)} MiB in ${(ms / 1000).toFixed(1)} s); ` +
      'it holds strings from the heap (prompts, file text, secrets): keep it private\n',
  );
  return { file, bytes, ms };
}

/**
 * V8 11.3 (Node 20) gives every function in a snapshot its line: for a script whose line ends are
 * not cached yet it scans the source from the start, once per function. On Qwen Code 0.15.10's
 * 26 MB bundle that is quadratic: a `--version` snapshot spun for over 10 minutes (later V8s cache
 * the line ends first). Enabling the debugger caches them for every script (it reports each
 * script's last line); it is disabled again at once.
 */
function cacheLineEnds(): void {
  if (process.versions.bun) return;
  try {
    const { Session } = require('node:inspector') as typeof import('node:inspector');
    const session = new Session();
    session.connect();
    try {
      session.post('Debugger.enable');
      session.post('Debugger.disable');
    } finally {
      session.disconnect();
    }
  } catch {
    // No inspector in this build: the snapshot is slower, still bounded by the signals.
  }
}

function heapUsedMiB(): number {
  return v8Api().getHeapStatistics().used_heap_size / MiB;
}

/** A full collection, so that garbage (Qwen's worker: 513 MiB used, ~110 MiB live) does not count. */
function collectGarbage(): void {
  const bun = (globalThis as { Bun?: { gc(force: boolean): void } }).Bun;
  if (bun) {
    bun.gc(true);
    return;
  }
  v8Api().setFlagsFromString('--expose-gc');
  (require('node:vm') as typeof import('node:vm')).runInNewContext('gc')();
}

/** The pid of the process that said it is this one relaunched (see noteRelaunch), or null. */
function relaunchedChild(sessionDir: string): number | null {
  try {
    const child = Number(readFileSync(path.join(sessionDir, `${SESSION.relaunchedPrefix}${process.pid}`), 'utf8'));
    return Number.isInteger(child) && child > 0 ? child : null;
  } catch {
    return null;
  }
}
