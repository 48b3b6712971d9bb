// What the matrix runner does for one run, small enough for tests and fixtures: a fresh model
// server, the command under `qwen-otel run` with a private record file, an independent 20 ms tree
// sampler, and one BenchResult line (src/contracts/bench-result.ts) assembled from the real record.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BENCH_RESULT_SCHEMA, type BenchResult } from '../../src/contracts/bench-result';
import { serverFigures } from '../../src/bench/matrix/server-figures';
import { startModelServer } from '../../src/bench/model-server/server';
import { runCommand } from '../../src/bench/run-command';
import type { Invocation, InvocationOptions } from '../../src/bench/targets/env';
import { QWEN_OTEL_PROCESSES, watchTree } from '../../src/bench/tree-watch';
import { BIN, readRecords } from './e2e';

export interface OneRun {
  /** `cli@branch`. */
  target: string;
  workload: string;
  repeat: number;
  matrixId: string;
  /** The command to run before the CLI's own arguments (a wrapper script, or the CLI's bin). */
  command: string[];
  invocation: (opts: InvocationOptions) => Invocation;
  prompt: string;
  timeoutMs?: number;
}

export async function runOneBench(run: OneRun): Promise<BenchResult> {
  const server = await startModelServer();
  const root = mkdtempSync(path.join(os.tmpdir(), 'qo-bench-'));
  const [home, cwd] = ['home', 'work'].map((dir) => path.join(root, dir));
  mkdirSync(home);
  mkdirSync(cwd);
  const recordFile = path.join(root, 'runs.jsonl');
  try {
    const inv = run.invocation({ baseUrl: server.url, prompt: run.prompt, home });
    const [cli, branch] = run.target.split('@');
    let watch: ReturnType<typeof watchTree> | null = null;
    const result = await runCommand(BIN, ['run', '--workload', run.workload, '--', ...run.command, ...inv.args], {
      env: { ...inv.env, QWEN_OTEL_RECORD_FILE: recordFile, OTEL_TRACES_EXPORTER: 'none', QWEN_OTEL_PROMETHEUS_PORT: '0' },
      cwd,
      timeoutMs: run.timeoutMs ?? 120_000,
      onSpawn: (pid) => (watch = watchTree(pid, 20, QWEN_OTEL_PROCESSES)),
    });
    const tree = watch as ReturnType<typeof watchTree> | null;
    tree?.stop();
    const record = readRecords(recordFile).find((r) => r.complete !== false) ?? null;
    const processes = (tree?.processes() ?? []).filter(
      (p) => !QWEN_OTEL_PROCESSES.names.includes(p.name) && !p.argv.some((a) => a.endsWith('collector/main.js')),
    );
    const failure = result.timedOut
      ? `timeout after ${run.timeoutMs ?? 120_000} ms`
      : result.code !== 0
        ? `exit code ${result.code}`
        : record
          ? null
          : 'no run record';
    return {
      schema: BENCH_RESULT_SCHEMA,
      time: new Date().toISOString(),
      bench: {
        target: run.target,
        cli,
        branch,
        workload: run.workload,
        repeat: run.repeat,
        matrix_id: run.matrixId,
        host: { node: process.version, platform: process.platform, cpus: os.cpus().length, total_memory_bytes: os.totalmem() },
      },
      status: failure ? 'failed' : 'ok',
      failure,
      exit_code: result.code,
      wall_ms: Math.round(result.wallMs),
      external: {
        sampler_interval_ms: 20,
        tree_rss_peak_bytes: tree?.peak() ?? 0,
        hwm_max_bytes: Math.max(0, ...processes.map((p) => p.hwm)),
        processes_seen: processes.length,
        rss_peak_by_role_bytes: {},
      },
      server: serverFigures(server.requests),
      record,
    };
  } finally {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  }
}
