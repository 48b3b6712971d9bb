// Signals while V8 writes a heap snapshot. The write is one synchronous call that can take
// seconds to minutes; JS listeners cannot run meanwhile, so a CLI that listens for SIGTERM or
// SIGINT (Qwen Code does) would have the signal held until the write ends: the wrapper's
// forwarded SIGTERM did not end a snapshotting Qwen parent in 739 s.
// - At exit no listener of the CLI can run any more: the listeners are dropped, the default
//   disposition applies, and a signal ends the process at once (status 128 + n).
// - While the CLI runs, its listeners must still see the first signal (after the write), so a
//   watchdog thread holds a libuv signal handle of its own (libuv tells every loop watching a
//   signal) and kills the process on the second.
import type { Worker } from 'node:worker_threads';

export const ENDING_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Lets any of ENDING_SIGNALS end the process at once: for a snapshot taken on the way out. */
export function restoreDefaultSignals(): void {
  for (const signal of ENDING_SIGNALS) process.removeAllListeners(signal);
}

export interface SignalGuard {
  /** Called once the write is over: later signals are the CLI's business again. */
  release(): void;
}

/** How long the main thread may wait for the watchdog thread to listen (70-150 ms idle, more under load). */
const WATCHDOG_READY_MS = 10_000;

/**
 * The watchdog thread's code. process.binding('signal_wrap') is deprecated but still served to
 * worker threads on Node 20-24; its deprecation warning is silenced in this thread only, so the
 * CLI's stderr is untouched. States in flag[0]: 0 starting, 1 listening, 2 could not listen.
 * flag[1] set to 1: the write is over, stop counting.
 */
const WATCHDOG = `
const { workerData } = require('node:worker_threads');
const flag = new Int32Array(workerData.shared);
let seen = 0;
try {
  process.noDeprecation = true;
  const { Signal } = process.binding('signal_wrap');
  for (const signum of workerData.signums) {
    const handle = new Signal();
    handle.onsignal = () => {
      if (Atomics.load(flag, 1) === 1) return;
      if (++seen >= 2) process.kill(process.pid, 'SIGKILL');
    };
    if (handle.start(signum) !== 0) throw new Error('start');
  }
  Atomics.store(flag, 0, 1);
} catch {
  Atomics.store(flag, 0, 2);
}
Atomics.notify(flag, 0);
`;

/**
 * While the CLI listens for an ending signal: a watchdog that ends the process on the second one.
 * Returns null (nothing to guard) when the CLI listens for none: the kernel's default already ends
 * the process at once. Throws when no watchdog could start (Bun has no signal_wrap).
 */
export function guardSignals(): SignalGuard | null {
  const handled = ENDING_SIGNALS.filter((signal) => process.listenerCount(signal) > 0);
  if (handled.length === 0) return null;
  // Loaded only here, when a snapshot is asked for while the CLI runs (3.6 ms to load).
  const { Worker: WorkerClass } = require('node:worker_threads') as typeof import('node:worker_threads');
  const { constants } = require('node:os') as typeof import('node:os');
  const shared = new SharedArrayBuffer(8);
  const flag = new Int32Array(shared);
  // An empty environment: the preload in NODE_OPTIONS then stays off in the thread.
  const worker: Worker = new WorkerClass(WATCHDOG, {
    eval: true,
    env: {},
    workerData: { shared, signums: handled.map((s) => constants.signals[s]) },
  });
  worker.unref();
  Atomics.wait(flag, 0, 0, WATCHDOG_READY_MS);
  if (Atomics.load(flag, 0) !== 1) {
    void worker.terminate();
    throw new Error('no watchdog thread could listen for signals');
  }
  return {
    release(): void {
      Atomics.store(flag, 1, 1);
      void worker.terminate();
    },
  };
}
