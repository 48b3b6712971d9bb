// Seeing every way a process ends, without changing how it ends.
// - `exit` runs for a normal end and for process.exit(): only synchronous work completes there.
// - Signals: a JS listener would turn the kernel's immediate "terminate" into "terminate when the
//   event loop turns", so a busy or hung CLI could no longer be stopped with Ctrl-C. So we listen
//   only while the CLI itself listens for that signal: ours then goes first, records, removes
//   itself, and the CLI's handler decides (libraries such as signal-exit, which re-raise when only
//   their own listeners are left, see no foreign one). A signal the CLI does not handle kills it
//   at once, as without qwen-otel; the collector still has its figures and the wrapper its status.
// - uncaughtExceptionMonitor observes a crash without handling it.
import type { EndReason } from '../channel/protocol';
import { errorName } from '../traffic/error-name';

export interface EndDetails {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  errorName: string | null;
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** `last` is true when the process is certainly ending now (an exit, or a crash nobody handles). */
type EndHandler = (reason: EndReason, details: EndDetails, last: boolean) => void;

export function installExitHooks(onEnd: EndHandler): void {
  process.on('exit', (code) => onEnd('exit', { exitCode: code, signal: null, errorName: null }, true));
  process.on('uncaughtExceptionMonitor', (error: unknown) => {
    onEnd('exception', { exitCode: null, signal: null, errorName: errorName(error) }, process.listenerCount('uncaughtException') === 0);
  });
  const ours = new Map<NodeJS.Signals, () => void>();
  const listen = (signal: NodeJS.Signals): void => {
    const listener = (): void => {
      process.removeListener(signal, listener);
      onEnd('signal', { exitCode: null, signal, errorName: null }, false);
    };
    ours.set(signal, listener);
    process.prependListener(signal, listener);
  };
  process.on('newListener', (event: string | symbol) => {
    const signal = event as NodeJS.Signals;
    if (SIGNALS.includes(signal) && !ours.has(signal)) listen(signal);
  });
  process.on('removeListener', (event: string | symbol, listener: unknown) => {
    const signal = event as NodeJS.Signals;
    const mine = ours.get(signal);
    if (!mine) return;
    if (listener === mine) ours.delete(signal);
    else if (process.listenerCount(signal) === 1) {
      // The CLI stopped listening: so do we, and the default applies again.
      ours.delete(signal);
      process.removeListener(signal, mine);
    }
  });
  for (const signal of SIGNALS) if (process.listenerCount(signal) > 0 && !ours.has(signal)) listen(signal);
}
