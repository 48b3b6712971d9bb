// Configurations as a bench axis, on real CLIs: `bench --config` runs each target without and with
// a real MCP server from npm in its own settings, as paired cells (same matrix, same repeat), and
// `qwen-otel attribute` splits them by item. Codex 0.169 runs through the loopback proxy: its
// accounting equals what the scripted model server received and sent.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BenchResult } from '../src/contracts/bench-result';
import { parseOptions } from '../src/bench/matrix/options';
import { parseConfiguration } from '../src/bench/targets/configuration';
import { readResults, runBench, type BenchProcess } from './helpers/bench-matrix';
import { REPO, tempDir } from './helpers/e2e';

const TARGETS = ['qwen@0.15.10', 'codex@0.169.0'];
let out: string;
let bench: BenchProcess;
let results: BenchResult[];

beforeAll(async () => {
  out = tempDir('bench-config');
  bench = await runBench([
    '--workload',
    'pr-review',
    '--repeats',
    '1',
    '--warmup',
    '0',
    '--config',
    'mem=memory',
    '--out',
    out,
    '--metrics-port',
    'off',
    '--timeout',
    '300s',
    ...TARGETS.flatMap((t) => ['--target', t]),
  ]);
  results = readResults(out);
}, 1_500_000);

describe('bench --config', () => {
  it('runs each target without and with the configuration, as paired cells', () => {
    expect(bench.code, bench.stderr).toBe(0);
    expect(results.map((r) => [r.bench.target, r.bench.config ?? null, r.status]).sort()).toEqual(
      [
        ['codex@0.169.0', null, 'ok'],
        ['codex@0.169.0+mem', 'mem', 'ok'],
        ['qwen@0.15.10', null, 'ok'],
        ['qwen@0.15.10+mem', 'mem', 'ok'],
      ].sort(),
    );
    for (const target of TARGETS) {
      const [none, mem] = [target, `${target}+mem`].map((t) => results.find((r) => r.bench.target === t) as BenchResult);
      expect([mem.bench.matrix_id, mem.bench.repeat, mem.bench.workload]).toEqual([
        none.bench.matrix_id,
        none.bench.repeat,
        none.bench.workload,
      ]);
      expect(mem.bench.config_items).toEqual(['memory']);
      expect(mem.record?.branch).toBe(`${none.record?.branch}+mem`);
      // The server (a Node program) is a process of the CLI's tree: one Node process more than
      // without it (tool processes vary from run to run; how the server is labelled is not asked).
      const nodes = (r: BenchResult): number => (r.record?.processes ?? []).filter((p) => p.name === 'node').length;
      expect(nodes(mem), JSON.stringify(mem.record?.processes.map((p) => p.name))).toBe(nodes(none) + 1);
    }
  });

  it('measures Codex through the proxy: its accounting equals the model server', () => {
    for (const r of results.filter((x) => x.bench.cli === 'codex')) {
      const record = r.record as NonNullable<BenchResult['record']>;
      expect(r.server.requests).toBeGreaterThanOrEqual(3);
      expect(record.traffic).toEqual({ observed: true, in_process_requests: 0, proxy_requests: r.server.requests });
      expect([record.requests, record.tokens.input, record.tokens.output, record.tool_calls, record.peak_request_bytes]).toEqual([
        r.server.requests,
        r.server.prompt_tokens,
        r.server.completion_tokens,
        r.server.tool_calls,
        r.server.request_bytes_peak,
      ]);
    }
  });

  it('is split by item by qwen-otel attribute', () => {
    const run = spawnSync(process.execPath, [path.join(REPO, 'dist', 'cli.js'), 'attribute', '--from', path.join(out, 'results.jsonl')], {
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    for (const target of TARGETS)
      expect(run.stdout).toContain(`${target} pr-review: all = mem (memory); leave-one-out over 1 paired repeat(s)`);
    const rows = run.stdout.split('\n').filter((l) => l.startsWith('memory '));
    expect(rows).toHaveLength(2);
    // One item: its share is the whole difference (100 %), nothing remains.
    for (const row of rows) expect(row).toMatch(/^memory +[+−±][\d.]+ MiB \(100 %\)/);
  });
});

describe('--config options', () => {
  it('names a configuration and its items, and refuses what cannot be applied', () => {
    expect(parseConfiguration('mcp=memory,filesystem')).toEqual({ name: 'mcp', items: ['memory', 'filesystem'] });
    expect(parseConfiguration('memory')).toEqual({ name: 'memory', items: ['memory'] });
    expect(() => parseConfiguration('x=chrome')).toThrow(/"chrome" is not an item; items: memory, filesystem, everything, chrome-devtools/);
    expect(() => parseConfiguration('x=memory,memory')).toThrow(/given twice/);
    expect(() => parseConfiguration('a b=memory')).toThrow(/not a configuration name/);
    expect(() => parseOptions(['--target', 'x@1=node cli.js', '--config', 'memory'])).toThrow(/preset CLIs only; x@1 is not one/);
    expect(() => parseOptions(['--target', 'qwen@0.15.10', '--config', 'memory', '--config', 'memory=memory'])).toThrow(
      /--config memory is given twice/,
    );
    const options = parseOptions(['--target', 'qwen@0.15.10', '--config', 'mem=memory']);
    expect(options !== 'help' && options !== 'list' && options.configs).toEqual([{ name: 'mem', items: ['memory'] }]);
  });
});
