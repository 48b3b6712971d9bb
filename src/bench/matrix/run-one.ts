// One run of the matrix: a fresh temporary HOME and generated repository, a fresh scripted model
// server, the target under `qwen-otel run` (labelled cli/branch/workload, its own record file),
// an independent 20 ms /proc sampler in a worker thread, and one BenchResult line.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nowMs } from '../model-server/record';
import { startModelServer } from '../model-server/server';
import { signalOfExitCode } from '../../session/record';
import { runCommand, type CommandResult } from '../run-command';
import type { ResolvedTarget } from '../targets/presets';
import { harnessStateDir, TEMP_PREFIX } from '../targets/session';
import { freePort } from '../backends';
import { viaProxy } from '../targets/proxy';
import { applyConfiguration } from '../targets/configuration';
import { CLI_TARGETS } from '../targets/registry';
import { isPresetCli } from '../targets/target-spec';
import { isExcluded, QWEN_OTEL_PROCESSES, treeWatchWorker, type WatchResult } from '../tree-watch';
import { workloadScripts, type Workload } from '../workloads';
import { RunRecordSchema, type RunRecord } from '../../contracts/run-record';
import { validator } from '../../contracts/validate';
import { BENCH_RESULT_SCHEMA, type BenchIdentity, type BenchResult, type ExternalFigures } from '../../contracts/bench-result';
import { mcpCallOutcomes, mcpShortfall, scriptShortfall, serverFigures } from './server-figures';

export const SAMPLER_INTERVAL_MS = 20;
const BIN = path.resolve(__dirname, '..', '..', '..', 'bin', 'qwen-otel');
/** Telemetry settings of the bench's own environment handed to every instrumented run. */
const PASSED_THROUGH = [
  'QWEN_OTEL_PROXY',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_TRACES_EXPORTER',
  'QWEN_OTEL_PUSHGATEWAY_URL',
  'QWEN_OTEL_SAMPLE_INTERVAL_MS',
  'QWEN_OTEL_EXIT_TIMEOUT_MS',
  'QWEN_OTEL_HEAP_PROFILE',
];

const runRecord = validator(RunRecordSchema);

/** Process groups of the targets running now, to stop them if the bench is interrupted. */
export const runningGroups = new Set<number>();

export interface RunPlan {
  target: ResolvedTarget;
  workload: Workload;
  repeat: number;
  matrixId: string;
  timeoutMs: number;
  /** false: run the target bare (tree and server figures only, no record, trace or push). */
  instrumented: boolean;
  /** QWEN_OTEL_HEAP_PROFILE=1 in the run (with instrumented). */
  heapProfile?: boolean;
  /** false: no external sampler (the harness-overhead benchmark's baseline). */
  sampler?: boolean;
  /** Told when the target starts and when it has ended (the harness-overhead benchmark's window). */
  onWindow?: (edge: 'start' | 'end') => void;
}

export async function runOne(plan: RunPlan): Promise<BenchResult> {
  const root = mkdtempSync(path.join(os.tmpdir(), TEMP_PREFIX));
  const [home, work] = ['home', 'work'].map((dir) => path.join(root, dir));
  mkdirSync(home);
  mkdirSync(work);
  const recordFile = path.join(root, 'record.jsonl');
  const server = await startModelServer({ scripts: workloadScripts(plan.workload, work) });
  try {
    plan.workload.prepare(work);
    const invoked = (await invocationOf(plan))({ baseUrl: server.url, prompt: plan.workload.prompt, home });
    const { configuration } = plan.target;
    const invocation = configuration ? await applyConfiguration(plan.target.preset, invoked, home, work, configuration) : invoked;
    const [command, ...args] = launchCommand(plan, invocation.args);
    let spawnedAt: number | null = null;
    const watch = plan.sampler === false ? null : treeWatchWorker(SAMPLER_INTERVAL_MS, QWEN_OTEL_PROCESSES, 'children');
    await watch?.ready;
    const result = await runCommand(command, args, {
      env: { ...invocation.env, ...telemetryEnv(plan, recordFile) },
      cwd: work,
      timeoutMs: plan.timeoutMs,
      onSpawn: (pid) => {
        spawnedAt = nowMs();
        runningGroups.add(pid);
        plan.onWindow?.('start');
        watch?.start(pid);
      },
    }).catch(
      (error: Error): CommandResult =>
        ({
          code: null,
          signal: null,
          stdout: '',
          stderr: error.message,
          wallMs: 0,
          pid: 0,
          timedOut: false,
          spawnError: error.message,
        }) as CommandResult,
    );
    runningGroups.delete(result.pid);
    plan.onWindow?.('end');
    const tree = watch ? await watch.stop() : null;
    // A run killed at its timeout took its wrapper with it: the collector writes the record when it
    // sees the run gone, shortly after. Wait for it (it says how the run ended) before removing its files.
    const waitMs = result.timedOut || result.code === null ? RECORD_AFTER_KILL_MS : 0;
    const { record, unreadable } = plan.instrumented ? await recordOf(recordFile, waitMs) : { record: null, unreadable: null };
    const mcpCalls = plan.workload.mcpCalls ? mcpCallOutcomes(server.requests, plan.workload.mcpCalls) : undefined;
    const failure =
      failureOf(plan, result, record) ??
      unreadable ??
      scriptShortfall(server.requests, plan.workload.steps.length) ??
      (mcpCalls ? mcpShortfall(mcpCalls, plan.target.configuration?.items ?? []) : null);
    return {
      schema: BENCH_RESULT_SCHEMA,
      time: new Date().toISOString(),
      bench: identity(plan),
      status: failure ? 'failed' : 'ok',
      failure,
      exit_code: result.code,
      wall_ms: Math.round(result.wallMs * 10) / 10,
      external: externalFigures(tree),
      server: serverFigures(server.requests, spawnedAt),
      ...(mcpCalls ? { mcp_calls: mcpCalls } : {}),
      record,
    };
  } finally {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  }
}

/** A run the harness could not carry out (its repository could not be generated, say). */
export function failedResult(plan: RunPlan, reason: string): BenchResult {
  return {
    schema: BENCH_RESULT_SCHEMA,
    time: new Date().toISOString(),
    bench: identity(plan),
    status: 'failed',
    failure: reason,
    exit_code: null,
    wall_ms: 0,
    external: externalFigures(null),
    server: serverFigures([]),
    record: null,
  };
}

/** A CLI whose model calls no in-process tap reaches is measured through the loopback proxy. */
async function invocationOf(plan: RunPlan): Promise<ResolvedTarget['invocation']> {
  const preset = isPresetCli(plan.target.preset) ? CLI_TARGETS[plan.target.preset] : null;
  return plan.instrumented && preset?.nativeHttp ? viaProxy(plan.target.invocation, await freePort()) : plan.target.invocation;
}

function launchCommand(plan: RunPlan, args: string[]): string[] {
  const cli = [...plan.target.launch, ...args];
  if (!plan.instrumented) return cli;
  return [BIN, 'run', '--cli', plan.target.cli, '--branch', plan.target.branch, '--workload', plan.workload.name, '--', ...cli];
}

function telemetryEnv(plan: RunPlan, recordFile: string): Record<string, string> {
  if (!plan.instrumented) return {};
  const env: Record<string, string> = {};
  for (const name of PASSED_THROUGH) if (process.env[name]) env[name] = process.env[name] as string;
  const attributes = {
    'qwen_otel.bench.matrix_id': plan.matrixId,
    'qwen_otel.bench.target': plan.target.label,
    'qwen_otel.bench.repeat': String(plan.repeat),
  };
  return {
    // The bench reads each run's record as soon as it returns: wait for it as long as it takes.
    QWEN_OTEL_EXIT_TIMEOUT_MS: '120000',
    ...env,
    // Every run has a HOME of its own, removed after it: the runs share the bench's collector.
    QWEN_OTEL_STATE_DIR: harnessStateDir(),
    QWEN_OTEL_RECORD_FILE: recordFile,
    // The bench serves its own /metrics; each run's endpoint takes any free port.
    QWEN_OTEL_PROMETHEUS_PORT: '0',
    ...(plan.heapProfile ? { QWEN_OTEL_HEAP_PROFILE: '1' } : {}),
    OTEL_RESOURCE_ATTRIBUTES: Object.entries(attributes)
      .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
      .join(','),
  };
}

const RECORD_AFTER_KILL_MS = 15_000;

async function recordOf(file: string, waitMs: number): Promise<RecordRead> {
  for (const end = Date.now() + waitMs; ; ) {
    const read = readRunRecord(file);
    if (read.record || Date.now() >= end) return read;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

interface RecordRead {
  record: RunRecord | null;
  /** Why the record the run wrote cannot be used (the run then counts as failed), or null. */
  unreadable: string | null;
}

/** The run's record (its complete one if it wrote one), checked against the contract. */
export function readRunRecord(file: string): RecordRead {
  let records: Array<{ complete?: unknown }>;
  try {
    records = readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    return { record: null, unreadable: missing ? null : 'run record unreadable: not a JSON line' };
  }
  const record = records.filter((r) => r.complete !== false).pop() ?? records.pop() ?? null;
  if (record === null || runRecord.check(record)) return { record, unreadable: null };
  const misfit = runRecord.misfit(record);
  return { record: null, unreadable: `run record unreadable: ${misfit?.field}: ${misfit?.problem}` };
}

function failureOf(plan: RunPlan, result: CommandResult & { spawnError?: string }, record: RunRecord | null): string | null {
  if (result.spawnError) return `could not start: ${result.spawnError}`;
  if (result.timedOut) return `timeout after ${plan.timeoutMs} ms`;
  if (result.signal) return `crashed (${result.signal})`;
  if (result.code === 0) return null;
  // Under `qwen-otel run` a CLI killed by signal n exits 128 + n.
  const recordSignal = record?.exit.signal;
  const bySignal = plan.instrumented ? signalOfExitCode(result.code) : null;
  if (recordSignal || bySignal) return `crashed (${recordSignal ?? bySignal})`;
  return `exit code ${result.code}`;
}

function externalFigures(tree: WatchResult | null): ExternalFigures {
  const processes = (tree?.processes ?? []).filter((p) => !isExcluded(p, QWEN_OTEL_PROCESSES));
  return {
    sampler_interval_ms: SAMPLER_INTERVAL_MS,
    tree_rss_peak_bytes: tree?.peak ?? 0,
    hwm_max_bytes: Math.max(0, ...processes.map((p) => p.hwm)),
    processes_seen: processes.length,
    rss_peak_by_role_bytes: tree?.rolePeaks ?? {},
  };
}

function identity(plan: RunPlan): BenchIdentity {
  return {
    target: plan.target.label,
    cli: plan.target.cli,
    branch: plan.target.branch,
    workload: plan.workload.name,
    ...(plan.target.configuration ? { config: plan.target.configuration.name, config_items: plan.target.configuration.items } : {}),
    repeat: plan.repeat,
    matrix_id: plan.matrixId,
    host: { node: process.version, platform: process.platform, cpus: os.cpus().length, total_memory_bytes: os.totalmem() },
  };
}
