// One session across processes: the first instrumented process (or `qwen-otel run`) creates the
// session directory and starts the collector; every later process, a relaunched worker, a Node
// MCP server or a subagent, finds it in the environment it inherited and joins.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const SESSION_DIR_ENV = 'QWEN_OTEL_SESSION_DIR';
export const SESSION_ID_ENV = 'QWEN_OTEL_SESSION_ID';
/** Set for the collector's own process so the preload never instruments the observer. */
export const OBSERVER_ENV = 'QWEN_OTEL_OBSERVER';
export const COLLECTOR_PID_FILE = 'collector.pid';
/** Written by the collector once SIGUSR2 is handled (before that the signal would kill it). */
export const COLLECTOR_READY_FILE = 'collector.ready';
/** Same as in bin/qwen-otel: V8's memory reducer turns each idle wake-up into GC work. */
const COLLECTOR_NODE_FLAGS = ['--no-memory-reducer', '--single-threaded-gc'];

export interface SessionHandle {
  dir: string;
  id: string;
  /** true when this process created the session (and started its collector). */
  created: boolean;
  /** The collector this process started (a sidecar), to tell it at once when the CLI ends. */
  sidecarPid: number | null;
}

export function newSessionId(): string {
  // Required here, not at the top: only the process that creates a session pays for loading it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('node:crypto') as typeof import('node:crypto')).randomBytes(8).toString('hex');
}

export function joinOrCreateSession(collectorScript: string): SessionHandle | null {
  const joined = joinExisting();
  if (joined) return joined;
  try {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'qwen-otel-'));
    const id = newSessionId();
    process.env[SESSION_DIR_ENV] = dir;
    process.env[SESSION_ID_ENV] = id;
    pinRecordFile();
    return { dir, id, created: true, sidecarPid: startSidecar(collectorScript, dir) };
  } catch {
    return null;
  }
}

function joinExisting(): SessionHandle | null {
  const dir = process.env[SESSION_DIR_ENV];
  const id = process.env[SESSION_ID_ENV];
  if (!dir || !id || !existsSync(dir)) return null;
  return collectorAlive(dir) ? { dir, id, created: false, sidecarPid: null } : null;
}

/** A relative record file would land in each process's own working directory: pin it for all. */
function pinRecordFile(): void {
  const file = process.env.QWEN_OTEL_RECORD_FILE;
  if (file && !path.isAbsolute(file) && !/^(off|none|false|no)$/i.test(file)) process.env.QWEN_OTEL_RECORD_FILE = path.resolve(file);
}

export function collectorAlive(dir: string): boolean {
  try {
    const pid = Number(readFileSync(path.join(dir, COLLECTOR_PID_FILE), 'utf8'));
    if (!(pid > 0)) return false;
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The collector runs beside the CLI, not inside it: it holds the OpenTelemetry SDK and the
 * exporters (~20 MB and ~100 ms to load) and outlives the CLI to deliver its final figures.
 * Detached so the terminal's Ctrl-C does not reach it; its stderr is kept for one notice line.
 */
function startSidecar(collectorScript: string, dir: string): number | null {
  // child_process costs ~7.5 ms to load: only the session's creator needs it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { spawn } = require('node:child_process') as typeof import('node:child_process');
  const env: NodeJS.ProcessEnv = { ...process.env, [OBSERVER_ENV]: '1' };
  // The user's Node options are the CLI's (an --inspect there would take its debugger port).
  delete env.NODE_OPTIONS;
  delete env.BUN_OPTIONS;
  // Its stderr only when it is a terminal: a caller reading the CLI's stderr through a pipe
  // would otherwise wait for the collector to end to see the pipe close.
  const stderr = process.stderr.isTTY ? 'inherit' : 'ignore';
  const child = spawn(nodeBinary(), [...COLLECTOR_NODE_FLAGS, collectorScript, '--session-dir', dir, '--root-pid', String(process.pid)], {
    detached: true,
    stdio: ['ignore', 'ignore', stderr],
    env,
  });
  child.on('error', () => undefined);
  child.unref();
  if (child.pid) writeFileSync(path.join(dir, COLLECTOR_PID_FILE), String(child.pid));
  return child.pid ?? null;
}

/** The collector needs Node: under Bun (or a single-file binary) process.execPath is not it. */
function nodeBinary(): string {
  if (process.env.QWEN_OTEL_NODE) return process.env.QWEN_OTEL_NODE;
  return process.versions.bun || !/(^|\/)node(js)?$/.test(process.execPath) ? 'node' : process.execPath;
}

/** The CLI's root process is ending: its sidecar can deliver now rather than at its next sample. */
export function tellSidecarTheEnd(session: SessionHandle): void {
  // Before it is ready SIGUSR2 would kill it; it will see the end at its first sample instead.
  if (session.sidecarPid === null || !existsSync(path.join(session.dir, COLLECTOR_READY_FILE))) return;
  try {
    process.kill(session.sidecarPid, 'SIGUSR2');
  } catch {
    // Already gone.
  }
}
