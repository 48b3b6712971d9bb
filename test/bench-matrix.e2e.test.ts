// The quick matrix on real Qwen Code 0.15.10 and Claude Code 2.1.112, installed by the bench:
// every run completes with every field, /metrics is served while it runs, every run is pushed and traced.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchResult } from '../src/contracts/bench-result';
import { startTelemetrySink, type TelemetrySink } from '../src/bench/sink';
import { readResults, runBench, type BenchProcess } from './helpers/bench-matrix';
import { drawnShare, loadInChromium } from './helpers/chromium';
import { tempDir } from './helpers/e2e';

const TARGETS = ['qwen@0.15.10', 'claude@2.1.112'];
const WORKLOADS = ['pr-review', 'diff-100k'];
let sink: TelemetrySink;
let out: string;
let bench: BenchProcess;
let scraped = '';
let results: BenchResult[];

beforeAll(async () => {
  sink = await startTelemetrySink();
  out = tempDir('bench-quick');
  let scraping: Promise<void> | null = null;
  bench = await runBench(
    ['--quick', ...TARGETS.flatMap((t) => ['--target', t]), '--out', out, '--metrics-port', '0', '--timeout', '120s'],
    { QWEN_OTEL_PUSHGATEWAY_URL: sink.url, OTEL_EXPORTER_OTLP_ENDPOINT: sink.url },
    (stderr) => {
      const url = /live metrics at (\S+)/.exec(stderr)?.[1];
      if (url && !scraping && /run 2\//.test(stderr))
        scraping = fetch(url).then(async (res) => {
          scraped = await res.text();
        });
    },
  );
  await scraping;
  results = readResults(out);
}, 600_000);
afterAll(async () => {
  await sink?.close();
});

/** Every key of a record, as dotted paths, for the fields no run may lack. */
function missing(result: BenchResult): string[] {
  const required = {
    top: ['schema', 'time', 'bench', 'status', 'failure', 'exit_code', 'wall_ms', 'external', 'server', 'record'],
    bench: ['target', 'cli', 'branch', 'workload', 'repeat', 'matrix_id', 'host'],
    external: ['sampler_interval_ms', 'tree_rss_peak_bytes', 'hwm_max_bytes', 'processes_seen', 'rss_peak_by_role_bytes'],
    server: [
      'requests',
      'request_bytes_total',
      'request_bytes_peak',
      'tool_result_bytes_peak',
      'prompt_tokens',
      'completion_tokens',
      'tool_calls',
      'sequence',
    ],
    record: [
      'run_id',
      'trace_id',
      'cli',
      'cli_version',
      'branch',
      'workload',
      'model',
      'duration_ms',
      'tree',
      'root',
      'v8',
      'turns',
      'tokens',
      'tool_calls',
      'retained_tool_results',
      'history_items',
      'peak_request_bytes',
      'subagents',
      'truncations',
      'saved_output_recoveries',
      'diagnosis',
    ],
  };
  const absent = (object: object | null, keys: string[], prefix: string): string[] =>
    keys.filter((k) => object === null || (object as Record<string, unknown>)[k] === undefined).map((k) => `${prefix}${k}`);
  return [
    ...absent(result, required.top, ''),
    ...absent(result.bench, required.bench, 'bench.'),
    ...absent(result.external, required.external, 'external.'),
    ...absent(result.server, required.server, 'server.'),
    ...absent(result.record, required.record, 'record.'),
  ];
}

describe('qwen-otel bench --quick on real qwen@0.15.10 and claude@2.1.112', () => {
  it('completes every run of the matrix, with every field', () => {
    expect(bench.code, bench.stderr).toBe(0);
    expect(results).toHaveLength(TARGETS.length * WORKLOADS.length);
    for (const r of results) {
      expect(r.status, `${r.bench.target} ${r.bench.workload}: ${r.failure}`).toBe('ok');
      expect(missing(r)).toEqual([]);
      expect(r.bench.repeat).toBe(1);
      expect(r.external.tree_rss_peak_bytes).toBeGreaterThan(100 * 1024 * 1024);
      expect(r.external.rss_peak_by_role_bytes.cli).toBeGreaterThan(0);
    }
    expect(new Set(results.map((r) => `${r.bench.target} ${r.bench.workload}`)).size).toBe(4);
  });

  it('labels the plugin record with the target and workload, and plays the whole script', () => {
    for (const r of results) {
      expect(r.record).toMatchObject({ cli: r.bench.cli, branch: r.bench.branch, workload: r.bench.workload });
      // Two tool calls, then the answer: three main requests.
      expect(r.server.sequence.map((s) => s.toolResultCount)).toEqual([0, 1, 2]);
      expect(r.server.tool_calls).toBe(2);
    }
    const diff = results.filter((r) => r.bench.workload === 'diff-100k');
    // The 100 KiB diff went into the CLI's history: cut by each CLI to its own limit, but there.
    for (const r of diff) expect(r.server.sequence[1].toolResultBytes).toBeGreaterThan(2000);
  });

  it('prints a summary per workload with each target against the baseline', () => {
    for (const workload of WORKLOADS) expect(bench.stdout).toContain(`\n${workload}   (median`);
    expect(bench.stdout).toMatch(/claude@2\.1\.112\s+1\/1\s+[\d.]+\s+\d+/);
    expect(bench.stdout).toMatch(/claude@2\.1\.112: tree peak [\d.–]+× that of qwen@0\.15\.10 over 2 workloads/);
    // The memory figures are the run record's, the ones report and compare print.
    expect(bench.stdout).toContain('memory from the run record, as in report and compare');
  });

  it("wrote this matrix's reports, and the HTML one loads in Chromium without a console message", async () => {
    const html = /reports: \S+, (\S+report\.html)/.exec(bench.stdout)?.[1];
    expect(html, bench.stdout).toBeDefined();
    const { console, png } = await loadInChromium(html as string, `${out}/report.png`);
    expect(console).toEqual([]);
    expect(drawnShare(png)).toBeGreaterThan(0.05);
  }, 90_000);

  it('served /metrics while the matrix ran', () => {
    expect(scraped).toContain('qwen_otel_bench_runs_planned 4');
    expect(scraped).toMatch(/qwen_otel_bench_tree_memory_peak_bytes\{cli="qwen",branch="0\.15\.10",workload="pr-review"\} \d+/);
  });

  it('pushed every finished run and sent a trace per run', async () => {
    for (const r of results) {
      const group = ['cli', r.bench.cli, 'branch', r.bench.branch, 'workload', r.bench.workload];
      const encoded = (v: string): string => Buffer.from(v).toString('base64url');
      const path = `/${group[0]}@base64/${encoded(group[1])}/${group[2]}@base64/${encoded(group[3])}/${group[4]}@base64/${encoded(group[5])}`;
      expect(await sink.pushed((p) => p.path.includes('instance@base64') && p.path.endsWith(path))).toBe(true);
      expect(sink.pushes.some((p) => p.path === `/metrics/job/qwen-otel${path}`)).toBe(true);
      const traceId = r.record?.trace_id as string;
      expect((await sink.trace(traceId)).some((s) => s.resource['qwen_otel.bench.matrix_id'] === r.bench.matrix_id)).toBe(true);
    }
  });
});
