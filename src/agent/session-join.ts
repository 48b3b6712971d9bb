// One session across processes: the first instrumented process (or `qwen-otel run`) creates the
// session directory in the per-user state directory and makes sure the shared collector runs;
// every later process, a relaunched worker, a Node MCP server or a subagent, finds the session in
// the environment it inherited and joins.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { formatSessionEnv } from '../contracts/session-env';
import { ENV, SESSION, SESSION_META, STATE } from '../contracts/session-layout';
import { resolveStateDir } from '../contracts/state-dir';

/**
 * Same as in bin/qwen-otel: V8's memory reducer turns each idle wake-up into GC work; lite mode
 * (no optimising compilers) keeps the collector at 50 MiB of RSS instead of 58, and 64 MiB
 * instead of 132 after 3,000 scrapes of 5 sessions, for the same CPU on a 20-process run (measured).
 * It turns WebAssembly off, with a warning on stderr unless --no-expose-wasm comes first.
 */
const COLLECTOR_NODE_FLAGS = ['--no-memory-reducer', '--single-threaded-gc', '--no-expose-wasm', '--lite-mode'];

export interface SessionHandle {
  dir: string;
  id: string;
  /** true when this process created the session. */
  created: boolean;
}

export function joinOrCreateSession(collectorScript: string): SessionHandle | null {
  const dir = process.env[ENV.sessionDir];
  const id = process.env[ENV.sessionId];
  if (dir && id && existsSync(dir)) return { dir, id, created: false };
  try {
    return createSession(collectorScript);
  } catch {
    return null;
  }
}

function createSession(collectorScript: string): SessionHandle {
  const { state, problems } = resolveStateDir(process.env);
  // node:os only here: loading it costs every process that joins a session ~0.2 MiB (measured).
  const dir = mkdtempSync(
    state ? `${state.sessions}/` : path.join((require('node:os') as typeof import('node:os')).tmpdir(), 'qwen-otel-'),
  );
  const id = path.basename(dir).replace(/^qwen-otel-/, '');
  process.env[ENV.sessionDir] = dir;
  process.env[ENV.sessionId] = id;
  pinRecordFile();
  const meta = {
    [SESSION_META.mode]: 'sidecar',
    [SESSION_META.rootPid]: String(process.pid),
    [SESSION_META.command]: process.argv[1] ?? '',
  };
  writeFileSync(path.join(dir, SESSION.env), formatSessionEnv(meta, process.env), { mode: 0o600 });
  if (state) ensureCollector(collectorScript, state.dir);
  else {
    process.stderr.write(`qwen-otel: no private state directory (${problems.join('; ')}); this session has a collector of its own\n`);
    startCollector(collectorScript, ['--session-dir', dir]);
  }
  return { dir, id, created: true };
}

/** A relative record file would land in each process's own working directory: pin it for all. */
function pinRecordFile(): void {
  const file = process.env.QWEN_OTEL_RECORD_FILE;
  if (file && !path.isAbsolute(file) && !/^(off|none|false|no)$/i.test(file)) process.env.QWEN_OTEL_RECORD_FILE = path.resolve(file);
}

/**
 * Starts the shared collector unless one of this build runs (a pid reused since is not it) or is
 * being started: as bin/qwen-otel does, the first to create the marker (O_EXCL) starts it.
 */
function ensureCollector(collectorScript: string, stateDir: string): void {
  if (collectorRuns(stateDir, readBuild(collectorScript))) return;
  const marker = path.join(stateDir, STATE.collectorStarting);
  const starter = Number(readText(marker));
  if (starter > 0 && pidAlive(starter)) return;
  if (starter > 0) rmSync(marker, { force: true });
  try {
    writeFileSync(marker, String(process.pid), { flag: 'wx', mode: 0o600 });
  } catch {
    return; // Another process is starting it.
  }
  const pid = startCollector(collectorScript, ['--state-dir', stateDir]);
  if (pid) writeFileSync(marker, String(pid));
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function collectorRuns(stateDir: string, build: string): boolean {
  try {
    const [pid, ticks, running] = readFileSync(path.join(stateDir, STATE.collectorId), 'utf8').trim().split(' ');
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return running === build && stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] === ticks;
  } catch {
    return false;
  }
}

function readBuild(collectorScript: string): string {
  try {
    return readFileSync(path.join(path.dirname(collectorScript), '..', 'build-id'), 'utf8').trim();
  } catch {
    return '';
  }
}

/**
 * The collector runs beside the CLI, not inside it, and outlives it to deliver its final figures.
 * Detached (a session of its own: the terminal's Ctrl-C does not reach it), no stdio of the CLI's
 * (a caller reading the CLI's output through a pipe would wait for the collector to end).
 */
function startCollector(collectorScript: string, args: string[]): number | undefined {
  // child_process costs ~7.5 ms to load: only the session's creator needs it.
  const { spawn } = require('node:child_process') as typeof import('node:child_process');
  const env: NodeJS.ProcessEnv = { ...process.env, [ENV.observer]: '1' };
  // The user's Node options are the CLI's (an --inspect there would take its debugger port).
  delete env.NODE_OPTIONS;
  delete env.BUN_OPTIONS;
  const child = spawn(nodeBinary(), [...COLLECTOR_NODE_FLAGS, collectorScript, ...args], { detached: true, stdio: 'ignore', env });
  child.on('error', () => undefined);
  child.unref();
  return child.pid;
}

/** The collector needs Node: under Bun (or a single-file binary) process.execPath is not it. */
function nodeBinary(): string {
  if (process.env.QWEN_OTEL_NODE) return process.env.QWEN_OTEL_NODE;
  return process.versions.bun || !/(^|\/)node(js)?$/.test(process.execPath) ? 'node' : process.execPath;
}

/** The session's root process is ending: the collector finishes the run now rather than at its next look. */
export function markSessionEnd(session: SessionHandle, exitCode: number): void {
  try {
    writeFileSync(path.join(session.dir, `${SESSION.exitPrefix}${exitCode & 0xff}`), '');
  } catch {
    // The collector sees the root gone at its next sample.
  }
}
