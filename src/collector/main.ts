// Entry of the collector process: `node dist/collector/main.js --session-dir D --root-pid N ...`.
// Started by `qwen-otel run` (mode run) or by the first instrumented process (mode sidecar).
import { parseConfig } from '../config';
import { Collector, type CollectorOptions } from './collector';

/** After SIGTERM, let the CLI write its last lines before we close the run. */
const TERM_GRACE_MS = 300;
/** Whatever the backends do, the collector is gone this long after the run ended (the 500 ms
 * bound, less room for the CLI's own teardown and the wrapper's exit). */
const HARD_STOP_MS = 430;

function parseArgs(argv: string[]): CollectorOptions | null {
  const value = (flag: string): string | null => {
    const i = argv.indexOf(flag);
    return i >= 0 && i + 1 < argv.length ? argv[i + 1] : null;
  };
  const sessionDir = value('--session-dir');
  const rootPid = Number(value('--root-pid'));
  if (!sessionDir || !(rootPid > 0)) return null;
  return {
    sessionDir,
    sessionId: process.env.QWEN_OTEL_SESSION_ID ?? 'unknown',
    rootPid,
    mode: value('--mode') === 'run' ? 'run' : 'sidecar',
    command: value('--command'),
    startedMs: Date.now(),
  };
}

/**
 * Everything is written (record, pushes, traces) before this is called. A normal exit waited
 * ~100 ms for V8's platform threads to wind down (measured with strace), and `qwen-otel run` waits
 * for us: so the collector ends itself at once. Output to pipes and files is synchronous on Linux.
 */
function exitNow(): void {
  process.kill(process.pid, 'SIGKILL');
}

function main(): void {
  const notice = (line: string): void => {
    try {
      process.stderr.write(`${line}\n`);
    } catch {
      // stderr closed: nothing to tell.
    }
  };
  const options = parseArgs(process.argv.slice(2));
  if (!options) {
    notice('qwen-otel: collector started without --session-dir and --root-pid; nothing to do');
    return;
  }
  const { config, problems } = parseConfig(process.env);
  for (const line of problems) notice(line);
  const collector = new Collector(options, config, notice);
  let finishing = false;
  const finishAndExit = (exitCode: number | null): void => {
    if (finishing) return;
    finishing = true;
    // The bound on what qwen-otel adds to the end of a run, counted from the CLI's end.
    setTimeout(exitNow, Math.max(0, HARD_STOP_MS - (Date.now() - collector.runEndedAt())));
    void collector.finish(exitCode).finally(exitNow);
  };
  // Signals to the terminal's group reach us too: the CLI decides when the run ends.
  for (const signal of ['SIGINT', 'SIGQUIT'] as const) process.on(signal, () => undefined);
  for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      // Under `qwen-otel run` the wrapper says when the CLI is done; a sidecar told to stop stops.
      if (options.mode === 'sidecar') setTimeout(() => finishAndExit(null), TERM_GRACE_MS);
    });
  }
  process.on('SIGUSR2', () => finishAndExit(collector.exitCodeFromWrapper()));
  process.on('uncaughtException', (error) => {
    notice(`qwen-otel: collector failed: ${error.message}`);
    finishAndExit(collector.exitCodeFromWrapper());
  });
  collector.start(() => finishAndExit(collector.exitCodeFromWrapper()));
}

main();
