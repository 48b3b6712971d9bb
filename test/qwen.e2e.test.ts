// Real Qwen Code 0.15.10 (installed from npm, pinned) under `qwen-otel run`, against the local
// scripted model server: unchanged for its user, and measured.
import { mkdirSync, mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startModelServer, type ModelServer, type RecordedExchange } from '../src/bench/model-server/server';
import { runCommand } from '../src/bench/run-command';
import { startTelemetrySink, type TelemetrySink } from '../src/bench/sink';
import { installCli } from '../src/bench/targets/install';
import { normalizeQwenOutput as normalize, qwenInvocation } from '../src/bench/targets/qwen';
import { QWEN_OTEL_PROCESSES, watchTree } from '../src/bench/tree-watch';
import { BIN, readRecords } from './helpers/e2e';

let qwen = '';
let server: ModelServer;
let sink: TelemetrySink;

beforeAll(async () => {
  qwen = (await installCli('@qwen-code/qwen-code@0.15.10')).binPath('qwen');
  server = await startModelServer();
  sink = await startTelemetrySink();
}, 300_000);
afterAll(async () => {
  await server?.close();
  await sink?.close();
});

/** Every `tokens.prompt` figure in Qwen's JSON output, in document order. */
function promptTokenFigures(value: unknown, parentKey = ''): number[] {
  if (Array.isArray(value)) return value.flatMap((v) => promptTokenFigures(v));
  if (!value || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) =>
    parentKey === 'tokens' && k === 'prompt' && typeof v === 'number' ? [v] : promptTokenFigures(v, k),
  );
}

function promptTokensServed(requests: RecordedExchange[]): number {
  return requests.reduce((sum, r) => sum + r.promptTokens, 0);
}

describe('Qwen Code 0.15.10 under qwen-otel run', () => {
  it('keeps its output and exit code, reports both of its processes under one session, and measures the tree right', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'qo-qwen-'));
    const cwd = path.join(root, 'work');
    mkdirSync(cwd);
    const homes = ['home-a', 'home-b'].map((h) => path.join(root, h));
    for (const h of homes) mkdirSync(h);
    const prompt = 'Run the two echo commands, then say Done.';
    const plainInv = qwenInvocation({ baseUrl: server.url, prompt, home: homes[0] });
    const servedBefore = server.requests.length;
    const plain = await runCommand(qwen, plainInv.args, { env: plainInv.env, cwd, timeoutMs: 120_000 });
    const servedToPlain = server.requests.slice(servedBefore);

    const inv = qwenInvocation({ baseUrl: server.url, prompt, home: homes[1] });
    const recordFile = path.join(root, 'runs.jsonl');
    let watch: ReturnType<typeof watchTree> | null = null;
    const wrapped = await runCommand(BIN, ['run', '--', qwen, ...inv.args], {
      env: { ...inv.env, QWEN_OTEL_RECORD_FILE: recordFile, OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, QWEN_OTEL_PROMETHEUS_PORT: '0' },
      cwd,
      timeoutMs: 120_000,
      onSpawn: (pid) => (watch = watchTree(pid, 20, QWEN_OTEL_PROCESSES)),
    });
    const servedToWrapped = server.requests.slice(servedBefore + servedToPlain.length);
    const independent = watch as ReturnType<typeof watchTree> | null;
    independent?.stop();

    expect(plain.code, plain.stderr).toBe(0);
    expect(wrapped.code).toBe(plain.code);
    expect(normalize(JSON.parse(wrapped.stdout))).toEqual(normalize(JSON.parse(plain.stdout)));
    expect(wrapped.stderr).toBe(plain.stderr);
    for (const [run, served] of [
      [plain, servedToPlain],
      [wrapped, servedToWrapped],
    ] as const) {
      const figures = promptTokenFigures(JSON.parse(run.stdout));
      expect(figures.length).toBeGreaterThan(0);
      expect(new Set(figures)).toEqual(new Set([promptTokensServed(served)]));
    }

    const [record] = readRecords(recordFile);
    expect(record).toMatchObject({ complete: true, cli: 'qwen-code', cli_version: '0.15.10', exit: { code: 0 } });
    const nodes = record.processes.filter((p: { instrumented: boolean }) => p.instrumented);
    expect(nodes.map((p: { role: string }) => p.role).sort()).toEqual(['cli', 'cli_worker']);
    expect(nodes.every((p: { end_reason: string }) => p.end_reason === 'exit')).toBe(true);

    const processSpans = (await sink.trace(record.trace_id)).filter((s) => s.name.startsWith('process cli'));
    const described = JSON.stringify({
      spans: processSpans.map((s) => [s.name, s.attributes['process.pid'], s.attributes['qwen_otel.process.instrumented']]),
      processes: record.processes.map((p: Record<string, unknown>) => [
        p.pid,
        p.role,
        p.name,
        p.instrumented,
        p.hwm_bytes,
        p.start_ms,
        p.end_ms,
      ]),
    });
    expect(processSpans.map((s) => s.name).sort(), described).toEqual(['process cli', 'process cli_worker']);
    expect(new Set(processSpans.map((s) => s.attributes['qwen_otel.session.id']))).toEqual(new Set([record.run_id]));

    const largest = Math.max(...record.processes.map((p: { hwm_bytes: number }) => p.hwm_bytes));
    expect(record.tree.rss_peak_bytes).toBeGreaterThanOrEqual(largest);
    const reference = independent?.peak() ?? 0;
    expect(
      Math.abs(record.tree.rss_peak_bytes - reference) / reference,
      `ours ${record.tree.rss_peak_bytes}, a 20 ms sampler ${reference}`,
    ).toBeLessThanOrEqual(0.05);
  }, 300_000);
});
