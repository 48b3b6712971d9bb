// The observer effect on real Qwen Code 0.15.10: the same task, variants alternated within each
// round, measured from outside the same way for every variant (a 20 ms /proc scan keeps each
// process's VmHWM), and whether each instrumented run delivered its final figures.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startModelServer } from '../model-server/server';
import { runCommand } from '../run-command';
import { startTelemetrySink, type TelemetrySink } from '../sink';
import { installCli } from '../targets/install';
import { qwenInvocation } from '../targets/qwen';
import { harnessStateDir } from '../targets/session';
import { QWEN_SPEC } from '../targets/registry';
import { isExcluded, QWEN_OTEL_PROCESSES, watchTreeInWorker, type WatchedProcess, type WatchResult } from '../tree-watch';
import { launch, type VariantName } from './variants';

const BENCH_CACHE = path.join(os.tmpdir(), 'qwen-otel-bench-cache');

export interface QwenRun {
  round: number;
  variant: VariantName;
  ok: boolean;
  wallMs: number;
  parentHwm: number;
  workerHwm: number;
  treePeak: number;
  /** null for the plain run; otherwise whether the final figures arrived (record, push, trace). */
  delivered: boolean | null;
  resultText: string;
  /** From the run record (instrumented variants): the parts of the wall time qwen-otel adds. */
  parts: WallParts | null;
}

export interface WallParts {
  /** Command start to the CLI process's start. */
  startDelayMs: number;
  /** The CLI's last process ending to the command returning. */
  exitDelayMs: number;
  /** Of which: the CLI's own teardown (its last line to the collector learning it ended), the same without qwen-otel. */
  cliTeardownMs: number;
  /** Wall time the agents spent starting, and CPU time they spent sampling (its main-thread share of the wall), summed over the CLI's processes. */
  agentStartMs: number;
  agentSamplingMs: number;
}

export async function runQwenRounds(variants: VariantName[], rounds: number, progress: (line: string) => void): Promise<QwenRun[]> {
  const cli = await installCli(QWEN_SPEC);
  const server = await startModelServer();
  const sink = await startTelemetrySink();
  const runs: QwenRun[] = [];
  const total = (rounds + 1) * variants.length;
  const began = Date.now();
  let done = 0;
  try {
    for (let round = 0; round <= rounds; round += 1) {
      // Round 0 warms the page cache and is not counted. Rotating the order spreads drift.
      const order = variants.map((_, i) => variants[(i + round) % variants.length]);
      for (const variant of order) {
        done += 1;
        progress(progressLine(done, total, round, variant, began));
        const run = await runOnce(round, variant, cli.binPath('qwen'), server.url, sink);
        if (round > 0) runs.push(run);
      }
    }
  } finally {
    await server.close();
    await sink.close();
  }
  return runs;
}

async function runOnce(round: number, variant: VariantName, qwen: string, baseUrl: string, sink: TelemetrySink): Promise<QwenRun> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'qo-home-'));
  const cwd = mkdtempSync(path.join(os.tmpdir(), 'qo-work-'));
  const runId = `r${round}-${variant}-${Date.now()}`;
  const recordFile = path.join(home, 'runs.jsonl');
  const inv = qwenInvocation({ baseUrl, prompt: 'Run the two commands, then say done.', home });
  const env = {
    ...inv.env,
    QWEN_OTEL_RECORD_FILE: recordFile,
    QWEN_OTEL_PUSHGATEWAY_URL: sink.url,
    QWEN_OTEL_WORKLOAD: runId,
    QWEN_OTEL_PROMETHEUS_PORT: '0',
    OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
    OTEL_RESOURCE_ATTRIBUTES: `bench.run=${runId}`,
    // Each run gets a fresh HOME (Qwen keeps state there); a user's cache persists between runs,
    // and so does the collector (its state directory outlives each run's HOME).
    XDG_CACHE_HOME: BENCH_CACHE,
    QWEN_OTEL_STATE_DIR: harnessStateDir(),
  };
  const { command, args, env: launchEnv } = launch(variant, qwen, inv.args, env);
  let watch: ReturnType<typeof watchTreeInWorker> | null = null;
  const spawnAt = Date.now();
  const result = await runCommand(command, args, {
    env: launchEnv,
    cwd,
    timeoutMs: 120_000,
    onSpawn: (pid) => (watch = watchTreeInWorker(pid, 20, QWEN_OTEL_PROCESSES)),
  });
  const returnAt = Date.now();
  const tree: WatchResult | null = watch ? await (watch as ReturnType<typeof watchTreeInWorker>).stop() : null;
  const qwenProcesses = (tree?.processes ?? []).filter(isQwenNode);
  const parent = qwenProcesses.find((p) => !qwenProcesses.some((q) => q.pid === p.ppid));
  const worker = qwenProcesses.find((p) => p.ppid === parent?.pid);
  const run: QwenRun = {
    round,
    variant,
    ok: result.code === 0,
    wallMs: result.wallMs,
    parentHwm: parent?.hwm ?? NaN,
    workerHwm: worker?.hwm ?? NaN,
    treePeak: tree?.peak ?? NaN,
    delivered: variant === 'plain' ? null : await waitForDelivery(variant, runId, recordFile, sink),
    resultText: resultOf(result.stdout),
    parts: variant === 'qwen-otel' || variant === 'preload' ? wallParts(recordFile, spawnAt, returnAt) : null,
  };
  rmSync(home, { recursive: true, force: true });
  rmSync(cwd, { recursive: true, force: true });
  return run;
}

function isQwenNode(p: WatchedProcess): boolean {
  return p.name === 'node' && !isExcluded(p, QWEN_OTEL_PROCESSES) && p.argv.some((a) => a.includes('@qwen-code') || a.endsWith('/qwen'));
}

/**
 * qwen-otel's collector delivers after the command returns, retrying for up to 30 s (its delivery
 * deadline): wait as long. The naive in-process exporter gets 1.5 s (it has nothing to retry).
 */
async function waitForDelivery(variant: VariantName, runId: string, recordFile: string, sink: TelemetrySink): Promise<boolean> {
  const deadline = Date.now() + (variant === 'naive' ? 1500 : 30_000);
  for (;;) {
    if (delivered(variant, runId, recordFile, sink)) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function delivered(variant: VariantName, runId: string, recordFile: string, sink: TelemetrySink): boolean {
  const traced = sink.spans.some((s) => s.resource['bench.run'] === runId);
  if (variant === 'naive') return traced;
  const pushed = sink.pushes.some((p) => p.path.includes(Buffer.from(runId).toString('base64url')));
  const record = lastRecord(recordFile) as { processes?: Array<{ instrumented: boolean; end_reason: string | null }> } | null;
  if (!record) return false;
  const finals = (record.processes ?? []).filter((p) => p.instrumented && p.end_reason === 'exit').length;
  return finals >= 2 && pushed && traced;
}

/** The record file's last line, parsed; null while there is none (or it is cut short). */
// biome-ignore lint/suspicious/noExplicitAny: a record of any version, read for a few fields
function lastRecord(recordFile: string): any {
  try {
    return JSON.parse(readFileSync(recordFile, 'utf8').trim().split('\n').pop() ?? '{}');
  } catch {
    return null;
  }
}

function wallParts(recordFile: string, spawnAt: number, returnAt: number): WallParts | null {
  try {
    const record = lastRecord(recordFile);
    const start = Date.parse(record.time);
    const instrumented = record.processes.filter((p: { instrumented: boolean }) => p.instrumented);
    const root = instrumented.find((p: { role: string }) => p.role === 'cli');
    const lastEnd = Math.max(...instrumented.map((p: { end_ms: number }) => p.end_ms));
    return {
      startDelayMs: start + root.start_ms - spawnAt,
      exitDelayMs: returnAt - (start + lastEnd),
      cliTeardownMs: record.observer.finish_at_ms === null ? 0 : record.observer.finish_at_ms - (start + lastEnd),
      agentStartMs: record.observer.agent_start_ms,
      agentSamplingMs: record.observer.agent_sampling_cpu_ms,
    };
  } catch {
    return null;
  }
}

/** Qwen's JSON output ends with a result entry; its text is what the user sees. */
function resultOf(stdout: string): string {
  try {
    const entries = JSON.parse(stdout) as Array<{ type?: string; result?: string }>;
    return entries.find((e) => e.type === 'result')?.result ?? '';
  } catch {
    return '(not JSON)';
  }
}

function progressLine(done: number, total: number, round: number, variant: string, began: number): string {
  const elapsed = (Date.now() - began) / 1000;
  const eta = done > 1 ? ((elapsed / (done - 1)) * (total - done + 1)).toFixed(0) : '?';
  return `run ${done}/${total}  round ${round === 0 ? 'warm-up' : round}  ${variant.padEnd(9)}  elapsed ${elapsed.toFixed(0)} s  ETA ${eta} s`;
}
