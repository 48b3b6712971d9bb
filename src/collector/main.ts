// Entry of the collector process.
//   node dist/collector/main.js --state-dir D      the shared collector of a state directory
//   node dist/collector/main.js --session-dir S    a collector for one session (no private state
//                                                  directory could be had: the fallback)
// Started in the background by `qwen-otel run` or by the first instrumented process; nobody
// waits for it. It ignores the terminal's signals (it serves every terminal's sessions).
import { readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { parseConfig } from '../config';
import { STATE } from '../contracts/session-layout';
import { readProcStat } from '../probes/proc-stat';
import { Collector } from './daemon';
import { acquireLock, type CollectorLock } from './lock';
import { appendLine, type NoticeSinks } from './notices';
import { setRecordFallbackDir } from './record-writer';
import { Spool } from './spool';

/** Past this size the log is rotated once (collector.log.1). */
const MAX_LOG_BYTES = 1024 * 1024;

export function buildId(): string {
  try {
    return readFileSync(path.join(__dirname, '..', 'build-id'), 'utf8').trim();
  } catch {
    return '0.0.0+0';
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'state-dir': { type: 'string' }, 'session-dir': { type: 'string' } }, strict: false });
  const stateDir = typeof values['state-dir'] === 'string' ? values['state-dir'] : null;
  const sessionDir = typeof values['session-dir'] === 'string' ? values['session-dir'] : null;
  for (const signal of ['SIGINT', 'SIGQUIT', 'SIGHUP', 'SIGPIPE'] as const) process.on(signal, () => undefined);
  if (stateDir) await runShared(stateDir);
  else if (sessionDir) runSingle(sessionDir);
  else process.stderr.write('qwen-otel: the collector needs --state-dir or --session-dir\n');
}

async function runShared(stateDir: string): Promise<void> {
  const sinks = fileSinks(stateDir);
  let collector: Collector | null = null;
  let lock: CollectorLock | null = null;
  const leave = (why: string): void => {
    sinks.log(`qwen-otel: collector ${process.pid} leaves: ${why}`);
    collector?.stop();
    lock?.close();
    removeOwnId(stateDir);
    process.exit(0);
  };
  const outcome = await acquireLock(stateDir, buildId(), () => leave('a newer collector took over'));
  if ('runningBuild' in outcome) {
    removeIfOurs(path.join(stateDir, STATE.collectorStarting));
    return; // Another collector serves this state directory.
  }
  lock = outcome.lock;
  setRecordFallbackDir(stateDir);
  const { config, problems } = parseConfig(process.env);
  for (const line of problems) sinks.log(line);
  collector = new Collector({
    sessionsDir: path.join(stateDir, STATE.sessions),
    singleSessionDir: null,
    sinks,
    spool: new Spool(path.join(stateDir, STATE.spool), (line) => sinks.log(line)),
    lingerMs: config.collectorLingerMs,
    deliveryDeadlineMs: (runner) => runner.config.deliveryDeadlineMs,
    onIdle: () => leave('idle'),
  });
  process.on('SIGTERM', () => leave('SIGTERM'));
  collector.start();
  writeOwnId(stateDir);
  setInterval(() => {
    if (!lock?.stillHeld()) leave('another collector holds the state directory');
  }, 5000).unref();
  process.on('uncaughtException', (error) => sinks.log(`qwen-otel: collector error: ${error.stack ?? error.message}`));
}

/**
 * One session (no private state directory for a shared collector): no spool, no log; lines after
 * the wrapper returned go to our stderr (the wrapper's), which we hold for at most this long.
 */
const FALLBACK_DELIVERY_MS = 500;

function runSingle(sessionDir: string): void {
  const sinks: NoticeSinks = {
    log: () => undefined,
    pending: (line) => writeStderr(line),
  };
  const collector = new Collector({
    sessionsDir: null,
    singleSessionDir: sessionDir,
    sinks,
    spool: null,
    lingerMs: 0,
    deliveryDeadlineMs: (runner) => Math.min(runner.config.deliveryDeadlineMs, FALLBACK_DELIVERY_MS),
    onIdle: () => process.exit(0),
  });
  process.on('SIGTERM', () => process.exit(0));
  collector.start();
}

/** `<pid> <start ticks> <build>`: the wrapper checks the pid is still this process before trusting it. */
function writeOwnId(stateDir: string): void {
  const file = path.join(stateDir, STATE.collectorId);
  try {
    writeFileSync(`${file}.${process.pid}`, `${process.pid} ${readProcStat(process.pid)?.startTicks ?? 0} ${buildId()}\n`, { mode: 0o600 });
    renameSync(`${file}.${process.pid}`, file);
    removeIfOurs(path.join(stateDir, STATE.collectorStarting));
  } catch {
    // A full disk: wrappers will start a collector that finds us through the socket and leaves.
  }
}

function removeOwnId(stateDir: string): void {
  removeIfOurs(path.join(stateDir, STATE.collectorId));
}

/** Removes a file that starts with our pid (a newer collector may have replaced it). */
function removeIfOurs(file: string): void {
  try {
    if (readFileSync(file, 'utf8').split(/\s/)[0] === String(process.pid)) unlinkSync(file);
  } catch {
    // Not ours, or gone.
  }
}

function fileSinks(stateDir: string): NoticeSinks {
  const log = path.join(stateDir, STATE.collectorLog);
  return {
    log: (line) => {
      rotateIfLarge(log);
      appendLine(log, `${new Date().toISOString()} ${line}`);
    },
    pending: (line) => appendLine(path.join(stateDir, STATE.pendingNotices), line),
  };
}

function rotateIfLarge(file: string): void {
  try {
    if (statSync(file).size > MAX_LOG_BYTES) renameSync(file, `${file}.1`);
  } catch {
    // No log yet.
  }
}

function writeStderr(line: string): void {
  try {
    process.stderr.write(`${line}\n`);
  } catch {
    // stderr closed.
  }
}

void main();
