// Thresholds, figures by name, the verdict, and the command's exit codes on bad input.
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCriteria, parseThreshold, check, judgeWorkload } from '../src/bench/compare/verdict';
import { runCommand } from '../src/bench/run-command';
import type { Cell } from '../src/bench/results/cells';
import { figureNames, findFigure, REQUEST_PARTS } from '../src/bench/results/figures';
import { readResults } from '../src/bench/results/load';
import type { BenchResult } from '../src/contracts/bench-result';
import { BIN, tempDir } from './helpers/e2e';

const FIXTURE = path.join(__dirname, 'fixtures', 'bench', 'qwen-claude-two-tool.jsonl');

function cell(peaks: number[], failures: string[] = []): Cell {
  const runs = peaks.map((peak) => ({ bench: { repeat: 1 }, status: 'ok', record: { tree: { rss_peak_bytes: peak } } }) as unknown as BenchResult);
  return { workload: 'w', target: 't', runs, failures };
}

describe('thresholds', () => {
  it('reads percentages and amounts with units, and rejects the rest in one line', () => {
    expect(parseThreshold('10%')).toMatchObject({ kind: 'relative', value: 0.1 });
    expect(parseThreshold('2.5')).toMatchObject({ kind: 'relative', value: 0.025 });
    expect(parseThreshold('64MiB')).toMatchObject({ kind: 'absolute', value: 64 * 1024 * 1024 });
    expect(parseThreshold('500ms')).toMatchObject({ kind: 'absolute', value: 500 });
    expect(() => parseThreshold('ten')).toThrow(/bad threshold "ten"/);
    expect(() => parseThreshold('5 parsecs')).toThrow(/bad threshold/);
  });

  it('takes any figure by name, each with its own threshold if given', () => {
    const criteria = parseCriteria(['heap_used_peak', 'role_peak.mcp_server=32MiB'], '5%');
    expect(criteria.map((c) => [c.figure.name, c.threshold.text])).toEqual([['heap_used_peak', '5%'], ['role_peak.mcp_server', '32MiB']]);
    expect(parseCriteria([])[0].figure.name).toBe('tree_rss_peak');
    expect(() => parseCriteria(['rss'])).toThrow(/unknown figure "rss"; known: tree_rss_peak/);
    expect(figureNames()).toContain('bucket.heap_used');
  });

  it('flags a median above the threshold, not one at it, and calls a drop an improvement', () => {
    const [criterion] = parseCriteria([], '10%');
    expect(check(criterion, cell([100, 100, 100]), cell([109, 108, 200])).status).toBe('same'); // one odd run does not move a median
    expect(check(criterion, cell([100, 100, 100]), cell([110, 110, 500])).status).toBe('same');
    expect(check(criterion, cell([100]), cell([111])).status).toBe('regression');
    expect(check(criterion, cell([100]), cell([80])).status).toBe('improved');
    const [absolute] = parseCriteria([], '64MiB');
    expect(check(absolute, cell([100 * 2 ** 20]), cell([170 * 2 ** 20])).status).toBe('regression');
    expect(check(absolute, cell([100 * 2 ** 20]), cell([160 * 2 ** 20])).status).toBe('same');
  });

  it('counts a candidate that failed every run the baseline passed as a regression', () => {
    const verdict = judgeWorkload('w', parseCriteria([]), cell([100]), cell([], ['timeout after 120000 ms']));
    expect(verdict.regression).toBe(true);
    expect(verdict.failed).toMatch(/failed all 1 runs \(timeout after 120000 ms\)/);
  });
});

describe('the largest request by part', () => {
  it('adds up to peak_request_bytes on real records, and is no data for records without the parts', () => {
    const names = REQUEST_PARTS.map((p) => p.figure);
    for (const run of readResults(FIXTURE)) {
      const total = findFigure('peak_request_bytes')!.read(run)!;
      const parts = names.map((name) => findFigure(name)!.read(run)!);
      expect(parts.every((bytes) => bytes > 0), run.bench.target).toBe(true);
      expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
      const old = { ...run, record: { ...(run.record as object), peak_request: undefined } } as BenchResult;
      expect(names.filter((name) => findFigure(name)!.read(old) === null)).toEqual(['request_system_bytes', 'request_tool_schema_bytes', 'request_history_bytes', 'request_other_bytes']);
    }
  });
});

describe('qwen-otel compare, bad input', () => {
  const compare = (args: string[]) => runCommand(BIN, ['compare', ...args], { env: { PATH: process.env.PATH }, timeoutMs: 30_000 });

  it('exits 2 with one clear line', async () => {
    const dir = tempDir('compare-bad');
    const broken = path.join(dir, 'broken.jsonl');
    writeFileSync(broken, `${readFileSync(FIXTURE, 'utf8').split('\n')[0]}\n{"schema": "qwen-otel.be`);
    const cases: Array<[string[], RegExp]> = [
      [[path.join(dir, 'missing.jsonl')], /cannot read .*missing\.jsonl: ENOENT/],
      [[broken, '--baseline', 'a', '--candidate', 'b'], /broken\.jsonl:2: not a JSON line/],
      [[FIXTURE, '--baseline', 'qwen@main', '--candidate', 'claude@2.1.112'], /has no target "qwen@main"; it has qwen@0\.15\.10, claude@2\.1\.112/],
      [[FIXTURE, '--threshold', 'lots'], /bad threshold "lots"/],
      [[FIXTURE, '--figure', 'nope'], /unknown figure "nope"/],
      [[FIXTURE, '--bogus'], /Unknown option '--bogus'/],
      [[], /give one results file with --baseline and --candidate, or two files/],
    ];
    for (const [args, message] of cases) {
      const result = await compare(args);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
      expect(result.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(result.stderr).toMatch(message);
      expect(result.stdout).toBe('');
    }
  });
});

describe('docs/compare.md', () => {
  it('lists every figure --figure accepts', async () => {
    const doc = readFileSync(path.join(__dirname, '..', 'docs', 'compare.md'), 'utf8');
    for (const name of figureNames()) expect(doc, name).toContain(`| \`${name}\` |`);
  });
});
