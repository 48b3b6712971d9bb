// Heap snapshots on real Qwen Code 0.15.10, offline against the scripted model server:
// what V8 takes to snapshot each of its processes, how much later the CLI ends with
// QWEN_OTEL_HEAP_SNAPSHOT=exit, and how soon a SIGTERM ends a process that is writing one.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCommand, type CommandResult } from '../run-command';
import { qwenInvocation } from '../targets/qwen';
import { harnessStateDir, runCliAgainstModel } from '../targets/session';

export type QwenCommand = 'version' | 'prompt';
const PROMPT = 'Run the two echo commands, then say Done.';
const TIMEOUT_MS = 1_200_000;

export interface ProcessCost {
  command: QwenCommand;
  /** The relaunch parent or the worker (the process that ran the prompt), by its parent. */
  process: 'parent' | 'worker' | 'single';
  heapUsedMiB: number;
  liveMiB: number;
  ms: number;
  cpuMs: number;
}

/** Times V8's own writeHeapSnapshot at exit in each Qwen process (plain Node, no qwen-otel). */
const TIMER = `
const v8 = require('v8'); const fs = require('fs');
process.on('exit', () => {
  const used = v8.getHeapStatistics().used_heap_size;
  v8.setFlagsFromString('--expose-gc'); require('vm').runInNewContext('gc')();
  const live = v8.getHeapStatistics().used_heap_size;
  const file = process.env.QO_SNAP_DIR + '/' + process.pid + '.heapsnapshot';
  const c0 = process.cpuUsage(); const t0 = process.hrtime.bigint();
  v8.writeHeapSnapshot(file);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6; const c = process.cpuUsage(c0);
  fs.unlinkSync(file);
  fs.writeSync(2, 'QO_SNAP ' + JSON.stringify({ pid: process.pid, ppid: process.ppid, used, live, ms, cpuMs: (c.user + c.system) / 1000 }) + '\\n');
});`;

function runQwen(
  qwen: string,
  command: QwenCommand,
  extraEnv: Record<string, string>,
  wrapper?: string[],
  onSpawn?: (pid: number) => void,
): Promise<CommandResult | { code: number | null; stdout: string; stderr: string; wallMs: number }> {
  if (command === 'prompt') {
    return runCliAgainstModel({ bin: qwen, invocation: qwenInvocation, prompt: PROMPT, timeoutMs: TIMEOUT_MS, wrapper, extraEnv }).then(
      (r) => ({ code: r.exitCode, stdout: r.stdout, stderr: r.stderr, wallMs: r.wallMs }),
    );
  }
  const home = mkdtempSync(path.join(os.tmpdir(), 'qo-snapbench-home-'));
  const [bin, ...prefix] = wrapper ?? [qwen];
  const args = wrapper ? [...prefix, qwen, '--version'] : ['--version'];
  // The bench's runs share one collector, whose state outlives each run's HOME.
  const state = wrapper ? { QWEN_OTEL_STATE_DIR: harnessStateDir() } : {};
  return runCommand(bin, args, {
    env: { PATH: process.env.PATH, HOME: home, ...state, ...extraEnv },
    timeoutMs: TIMEOUT_MS,
    onSpawn,
  }).finally(() => rmSync(home, { recursive: true, force: true }));
}

export async function qwenProcessCosts(qwen: string, command: QwenCommand): Promise<ProcessCost[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'qo-snapbench-'));
  try {
    const timer = path.join(dir, 'timer.js');
    writeFileSync(timer, TIMER);
    const result = await runQwen(qwen, command, { NODE_OPTIONS: `--require ${timer}`, QO_SNAP_DIR: dir });
    const lines = result.stderr
      .split('\n')
      .filter((l) => l.startsWith('QO_SNAP '))
      .map((l) => JSON.parse(l.slice(8)) as { pid: number; ppid: number; used: number; live: number; ms: number; cpuMs: number });
    const pids = new Set(lines.map((l) => l.pid));
    return lines.map((l) => ({
      command,
      process: lines.length === 1 ? 'single' : pids.has(l.ppid) ? 'worker' : 'parent',
      heapUsedMiB: l.used / 1048576,
      liveMiB: l.live / 1048576,
      ms: l.ms,
      cpuMs: l.cpuMs,
    }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface ExitDelay {
  command: QwenCommand;
  /** Wall time with exit snapshots less the same run without, in ms. */
  delayMs: number;
  sameExitCode: boolean;
  /** What qwen-otel said about each process (written or skipped). */
  lines: string[];
}

/** A run's settings here: its record in `dir`, no traces, any port, an exit bound that waits for the record. */
function runEnv(dir: string): Record<string, string> {
  return {
    QWEN_OTEL_RECORD_FILE: path.join(dir, 'runs.jsonl'),
    OTEL_TRACES_EXPORTER: 'none',
    QWEN_OTEL_PROMETHEUS_PORT: '0',
    QWEN_OTEL_EXIT_TIMEOUT_MS: '120000',
  };
}

export async function exitDelay(qwen: string, bin: string, command: QwenCommand, withinS: number): Promise<ExitDelay> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'qo-snapbench-'));
  try {
    const base = runEnv(dir);
    const without = await runQwen(qwen, command, base, [bin, 'run', '--']);
    const withSnap = await runQwen(qwen, command, { ...base, QWEN_OTEL_HEAP_SNAPSHOT: `exit,within:${withinS}` }, [bin, 'run', '--']);
    const lines = withSnap.stderr.split('\n').filter((l) => l.startsWith('qwen-otel: heap snapshot'));
    return { command, delayMs: withSnap.wallMs - without.wallMs, sameExitCode: withSnap.code === without.code, lines };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface SigtermTiming {
  command: QwenCommand;
  /** From SIGTERM to the snapshotting process being gone (or a zombie), in ms. */
  deathMs: number;
  /** From SIGTERM to `qwen-otel run` returning. */
  returnMs: number;
  code: number | null;
}

/** SIGTERM to the process writing its exit snapshot, as soon as its file appears. */
export async function sigtermDuringSnapshot(qwen: string, bin: string, command: QwenCommand): Promise<SigtermTiming> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'qo-snapbench-'));
  try {
    const env = { ...runEnv(dir), QWEN_OTEL_HEAP_SNAPSHOT: 'exit,within:3600' };
    let sentAt = 0;
    let deathMs = Number.NaN;
    let over = false;
    const watch = (async () => {
      while (!over) {
        const name = existsSync(dir) ? readdirSync(dir).find((f) => f.endsWith('.heapsnapshot')) : undefined;
        const pid = name ? Number(/-(\d+)-exit-\d+\.heapsnapshot$/.exec(name)?.[1]) : 0;
        if (pid > 0) {
          sentAt = performance.now();
          process.kill(pid, 'SIGTERM');
          while (alive(pid)) await new Promise((resolve) => setTimeout(resolve, 2));
          deathMs = performance.now() - sentAt;
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    const result = await runQwen(qwen, command, env, [bin, 'run', '--']);
    const returnMs = sentAt ? performance.now() - sentAt : Number.NaN;
    over = true;
    await watch;
    return { command, deathMs, returnMs, code: result.code };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Running and not yet a zombie. */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}
