// Margins, figures by name, the noise-aware verdict, and the command's exit codes.
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCriteria, parseMargin, check, judgeWorkload } from '../src/bench/compare/verdict';
import { runCommand } from '../src/bench/run-command';
import type { Cell } from '../src/bench/results/cells';
import { figureNames, findFigure, REQUEST_PARTS } from '../src/bench/results/figures';
import { readResults } from '../src/bench/results/load';
import type { BenchResult } from '../src/contracts/bench-result';
import { BIN, tempDir } from './helpers/e2e';

const FIXTURE = path.join(__dirname, 'fixtures', 'bench', 'qwen-claude-two-tool.jsonl');

function cell(peaks: number[], failures: string[] = []): Cell {
  const runs = peaks.map(
    (peak) => ({ bench: { repeat: 1 }, status: 'ok', record: { tree: { rss_peak_bytes: peak } } }) as unknown as BenchResult,
  );
  return { workload: 'w', target: 't', runs, failures };
}

const MiB = 2 ** 20;
const mib = (values: number[]): number[] => values.map((v) => v * MiB);

describe('margins', () => {
  it('reads a percentage, an amount with its unit, or both, and rejects the rest in one line', () => {
    expect(parseMargin('5%,20MiB')).toMatchObject({ relative: 0.05, absolute: 20 * MiB });
    expect(parseMargin('10%')).toMatchObject({ relative: 0.1, absolute: 0 });
    expect(parseMargin('2.5')).toMatchObject({ relative: 0.025, absolute: 0 });
    expect(parseMargin('64MiB')).toMatchObject({ relative: 0, absolute: 64 * MiB });
    expect(parseMargin('500ms', 'ms')).toMatchObject({ absolute: 500 });
    expect(parseMargin('3', 'count')).toMatchObject({ relative: 0, absolute: 3 });
    expect(() => parseMargin('ten')).toThrow(/bad margin "ten"/);
    expect(() => parseMargin('5 parsecs')).toThrow(/bad margin "5 parsecs": unknown unit "parsecs"/);
    expect(() => parseMargin('5%,10%')).toThrow(/at most one percentage and one amount/);
    expect(() => parseMargin('500ms', 'bytes')).toThrow(/margin "500ms" is in time, the figure is in bytes/);
  });

  it('takes any figure by name, each with its own margin if given; the default 20 MiB applies to byte figures only', () => {
    const criteria = parseCriteria(['heap_used_peak', 'role_peak.mcp_server=32MiB', 'wall', 'turns=1']);
    expect(criteria.map((c) => [c.figure.name, c.margin.relative, c.margin.absolute])).toEqual([
      ['heap_used_peak', 0.05, 20 * MiB],
      ['role_peak.mcp_server', 0, 32 * MiB],
      ['wall', 0.05, 0],
      ['turns', 0, 1],
    ]);
    expect(parseCriteria([])[0].figure.name).toBe('tree_rss_peak');
    expect(() => parseCriteria(['rss'])).toThrow(/unknown figure "rss"; known: tree_rss_peak/);
    expect(figureNames()).toContain('bucket.heap_used');
  });
});

describe('the noise-aware verdict', () => {
  const [criterion] = parseCriteria([]);
  const status = (base: number[], cand: number[]): string => check(criterion, cell(mib(base)), cell(mib(cand))).status;

  it('calls a regression only when the whole interval clears both margins (5 % and 20 MiB)', () => {
    expect(status([100, 101, 102], [150, 151, 149])).toBe('regression');
    expect(status([100, 100.5, 101], [110, 110.5, 111])).toBe('same'); // +10 %, but +10 MiB
    expect(status([1000, 1001, 1002], [1030, 1031, 1032])).toBe('same'); // +30 MiB, but +3 %
    expect(status([100, 102, 98], [101, 99, 103])).toBe('same');
    expect(status([150, 151, 149], [100, 101, 102])).toBe('improved');
  });

  it('is inconclusive when the interval straddles the margin, or a side has too few runs to show the noise', () => {
    const straddling = check(criterion, cell(mib([100, 101, 102])), cell(mib([115, 140, 160])));
    expect(straddling.status).toBe('inconclusive');
    expect(straddling.why).toBe('the 95 % interval straddles the margin 5%,20MiB');
    // More runs that hold the same picture narrow the interval and decide it.
    expect(status([100, 101, 102, 100, 101, 102, 101], [115, 140, 160, 139, 141, 138, 142])).toBe('regression');
    const one = check(criterion, cell(mib([100])), cell(mib([300])));
    expect(one.status).toBe('inconclusive');
    expect(one.why).toMatch(/^1 run on one side cannot show the noise \(at least 3 a side\)$/);
  });

  it('with 3 runs a side, the 95 % interval is [min candidate - max baseline, max candidate - min baseline]', () => {
    const c = check(criterion, cell(mib([100, 104, 101])), cell(mib([150, 149, 158])));
    expect([c.interval!.low / MiB, c.interval!.high / MiB]).toEqual([149 - 104, 158 - 100]);
  });

  it('one odd run never makes a regression: it asks for more runs, and more runs outvote it', () => {
    expect(status([100, 100, 100, 100, 100], [100, 100, 100, 100, 300])).toBe('inconclusive');
    expect(status([100, 100, 100, 100, 100, 100, 100], [100, 100, 100, 100, 100, 100, 300])).toBe('same');
  });

  it('is deterministic: the same runs, in any order, give the same interval', () => {
    const base = mib([100, 97, 104, 99, 103]);
    const cand = mib([121, 118, 131, 125, 119]);
    const once = check(criterion, cell(base), cell(cand), 'w');
    expect(check(criterion, cell(base), cell(cand), 'w')).toEqual(once);
    expect(check(criterion, cell([...base].reverse()), cell([...cand].reverse()), 'w').interval).toEqual(once.interval);
  });

  it('counts a candidate that failed every run the baseline passed as a regression', () => {
    const verdict = judgeWorkload('w', parseCriteria([]), cell(mib([100, 100, 100])), cell([], ['timeout after 120000 ms']));
    expect(verdict.regression).toBe(true);
    expect(verdict.failed).toMatch(/failed all 1 runs \(timeout after 120000 ms\)/);
  });
});

describe('qwen-otel compare, exit codes', () => {
  const compare = (args: string[]) => runCommand(BIN, ['compare', ...args], { env: { PATH: process.env.PATH }, timeoutMs: 30_000 });
  const lines = (): Array<Record<string, any>> =>
    readFileSync(FIXTURE, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
  const write = (name: string, rows: Array<Record<string, any>>): string => {
    const file = path.join(tempDir('exit-codes'), name);
    writeFileSync(file, rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
    return file;
  };

  it('1 on a regression, 0 when the interval stays within the margin, 3 with a hint when it cannot tell', async () => {
    const regression = await compare([FIXTURE, '--baseline', 'claude@2.1.112', '--candidate', 'qwen@0.15.10']);
    expect(regression.code).toBe(1);
    expect(regression.stdout).toMatch(
      /REGRESSION in 1 of 1 workload \(two-tool: tree_rss_peak \+290 %, interval \+679\.2 MiB … \+691\.7 MiB beyond 5% and 20MiB\)\./,
    );

    const again = lines()
      .filter((l) => l.bench.target === 'qwen@0.15.10')
      .map((l) => ({ ...l, bench: { ...l.bench, target: 'qwen@again', branch: 'again' } }));
    const same = await compare([write('same.jsonl', [...lines(), ...again]), '--baseline', 'qwen@0.15.10', '--candidate', 'qwen@again']);
    expect(same.code, same.stdout).toBe(0);
    expect(same.stdout).toMatch(/ok \(within 5% and 20MiB\)/);

    const oneRun = await compare([
      write(
        'one-run.jsonl',
        lines().filter((l) => l.bench.repeat <= 1),
      ),
      '--baseline',
      'claude@2.1.112',
      '--candidate',
      'qwen@0.15.10',
    ]);
    expect(oneRun.code, oneRun.stdout).toBe(3);
    expect(oneRun.stdout).toMatch(
      /INCONCLUSIVE in 1 of 1 workload \(two-tool: tree_rss_peak 1 run on one side cannot show the noise .*\); more runs decide it: qwen-otel bench --until-confident/,
    );
  });
});

describe('the largest request by part', () => {
  it('adds up to peak_request_bytes on real records, and is no data for records without the parts', () => {
    const names = REQUEST_PARTS.map((p) => p.figure);
    for (const run of readResults(FIXTURE)) {
      const total = findFigure('peak_request_bytes')!.read(run)!;
      const parts = names.map((name) => findFigure(name)!.read(run)!);
      expect(
        parts.every((bytes) => bytes > 0),
        run.bench.target,
      ).toBe(true);
      expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
      const old = { ...run, record: { ...(run.record as object), peak_request: undefined } } as BenchResult;
      expect(names.filter((name) => findFigure(name)!.read(old) === null)).toEqual([
        'request_system_bytes',
        'request_tool_schema_bytes',
        'request_history_bytes',
        'request_other_bytes',
      ]);
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
      [
        [FIXTURE, '--baseline', 'qwen@main', '--candidate', 'claude@2.1.112'],
        /has no target "qwen@main"; it has qwen@0\.15\.10, claude@2\.1\.112/,
      ],
      [[FIXTURE, '--margin', 'lots'], /bad margin "lots"/],
      [[FIXTURE, '--threshold', '10%', '--margin', '5%'], /--margin and --threshold are the same option/],
      [[FIXTURE, '--confidence', '20'], /bad confidence "20"/],
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
