// Seeing every way a process ends, without changing how it ends.
// - `exit` runs for a normal end and for process.exit(): only synchronous work completes there.
// - A signal listener would stop Node's default "terminate", and would make libraries such as
//   signal-exit think someone else handles the signal. So ours records, removes itself at once,
//   and re-raises the signal only when no other listener is left: the default then applies.
// - uncaughtExceptionMonitor observes a crash without handling it.
import type { EndReason } from '../channel/protocol';

export interface EndDetails {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  errorName: string | null;
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** `last` is true when the process is certainly ending now (an exit, or a signal we re-raise). */
export type EndHandler = (reason: EndReason, details: EndDetails, last: boolean) => void;

export function installExitHooks(onEnd: EndHandler): void {
  process.on('exit', (code) => onEnd('exit', { exitCode: code, signal: null, errorName: null }, true));
  process.on('uncaughtExceptionMonitor', (error: unknown) => {
    const errorName = error instanceof Error ? error.constructor.name : typeof error;
    onEnd('exception', { exitCode: null, signal: null, errorName }, false);
  });
  for (const signal of SIGNALS) {
    const listener = (): void => {
      process.removeListener(signal, listener);
      const reRaise = process.listenerCount(signal) === 0;
      onEnd('signal', { exitCode: null, signal, errorName: null }, reRaise);
      if (reRaise) process.kill(process.pid, signal);
    };
    process.on(signal, listener);
  }
}
