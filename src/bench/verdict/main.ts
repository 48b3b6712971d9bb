// How good is the verdict? False alarms on A/A comparisons of one real target, detection of a real
// extra 30 MiB and 100 MiB, and the runs --until-confident needs, beside the former fixed 10 % rule.
//   npm run bench:verdict -- [--target claude@2.1.112] [--workload pr-review] [--pool 12]
//                            [--comparisons 40] [--repeats 3] [--cap 6] [--from results.jsonl]
// Three variants of the target run in rounds (a pool of runs each): the target started through a
// wrapper whose idle Node child holds 0, 30 or 100 MiB for the run's duration, so the variants
// differ by exactly that much memory. Comparisons are then drawn from the pools (resample.ts):
// measuring every comparison afresh would cost hundreds of runs on a 2-core machine.
import { chmodSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BenchResult } from '../../contracts/bench-result';
import { runMatrix } from '../matrix/runner';
import { flagValue, fmt, MiB, saveReport, spreadText, table } from '../overhead/report';
import { DEFAULT_FIGURE, findFigure, type Figure } from '../results/figures';
import { readResults } from '../results/load';
import { DEFAULT_MARGIN, parseMargin } from '../results/margin';
import { pairedDifferences } from '../results/stats';
import { resolveTarget, type ResolvedTarget } from '../targets/presets';
import { parseTarget } from '../targets/target-spec';
import { resolveWorkloads } from '../workloads';
import { resample, type Tally } from './resample';

const HOLDS = [0, 30, 100];
const figure = findFigure(DEFAULT_FIGURE) as Figure;

/**
 * Starts an idle Node child holding N MiB until its parent (the target, after exec) is gone. The
 * parent's pid comes from the shell ($$, kept through exec): a child that read its own ppid could
 * boot after the target had ended, take init for its parent, and hold the output pipe for ever.
 */
const WRAPPER = `#!/bin/sh
mib=$1; shift
node -e 'const held = Buffer.alloc(Number(process.argv[1]) * 1048576, 1); const parent = Number(process.argv[2]); const check = () => { if (process.ppid !== parent) process.exit(held.length >= 0 ? 0 : 1); }; check(); setInterval(check, 50);' "$mib" "$$" &
exec "$@"
`;

function variants(target: ResolvedTarget, wrapper: string): ResolvedTarget[] {
  return HOLDS.map((mib) => ({
    ...target,
    branch: `hold-${mib}`,
    label: `${target.cli}@hold-${mib}`,
    launch: [wrapper, String(mib), ...target.launch],
  }));
}

async function measurePool(args: string[], out: string): Promise<BenchResult[]> {
  const target = await resolveTarget(parseTarget(flagValue(args, '--target', 'claude@2.1.112')));
  const wrapper = path.join(out, 'hold-memory.sh');
  writeFileSync(wrapper, WRAPPER);
  chmodSync(wrapper, 0o755);
  const { results } = await runMatrix(
    {
      targets: variants(target, wrapper),
      workloads: resolveWorkloads([flagValue(args, '--workload', 'pr-review')]),
      repeats: Number(flagValue(args, '--pool', '12')),
      warmup: 1,
      timeoutMs: 300_000,
      instrumented: true,
      outDir: out,
      metricsPort: null,
      untilConfident: null,
    },
    (line) => process.stderr.write(`${line}\n`),
  );
  return results;
}

const pct = (n: number, of: number): string => `${fmt((100 * n) / of, 0)} % (${n}/${of})`;

function row(name: string, t: Tally, counted: 'regression'): Array<string> {
  const u = t.untilConfident;
  return [
    name,
    pct(t.outcomes[counted], t.comparisons),
    pct(t.outcomes.inconclusive, t.comparisons),
    pct(t.fixedRuleAlarms, t.comparisons),
    pct(u[counted], t.comparisons),
    pct(u.inconclusive, t.comparisons),
    fmt(t.meanRunsPerSide, 2),
  ];
}

async function main(args: string[]): Promise<void> {
  const out = path.resolve(flagValue(args, '--out', 'bench-results'));
  const from = flagValue(args, '--from', '');
  const results = from ? readResults(from) : await measurePool(args, out);
  const pools = new Map<number, number[]>();
  const byRound = new Map<number, BenchResult[]>();
  for (const r of results.filter((x) => x.status === 'ok' && x.bench.repeat > 0)) {
    const hold = Number(/hold-(\d+)$/.exec(r.bench.branch)?.[1]);
    const peak = figure.read(r);
    if (!Number.isFinite(hold) || peak === null) continue;
    pools.set(hold, [...(pools.get(hold) ?? []), peak]);
    byRound.set(r.bench.repeat, [...(byRound.get(r.bench.repeat) ?? []), r]);
  }
  const [base, plus30, plus100] = HOLDS.map((h) => pools.get(h) ?? []);
  const options = {
    repeats: Number(flagValue(args, '--repeats', '3')),
    cap: Number(flagValue(args, '--cap', '6')),
    comparisons: Number(flagValue(args, '--comparisons', '40')),
    margin: parseMargin(DEFAULT_MARGIN, 'bytes'),
    seed: 20261203,
  };
  const aa = resample(base, null, options);
  const t30 = resample(base, plus30, options);
  const t100 = resample(base, plus100, options);
  const paired = (hold: number): number[] => {
    const pairs = [...byRound.values()].map((runs) =>
      [0, hold].map((h) => runs.find((r) => r.bench.branch === `hold-${h}`)).map((r) => (r ? figure.read(r) : null)),
    );
    const complete = pairs.filter((p): p is [number, number] => p[0] !== null && p[1] !== null);
    return pairedDifferences(
      complete.map((p) => p[0]),
      complete.map((p) => p[1]),
    ).map((d) => d / MiB);
  };
  const target = results[0]?.bench.cli ?? '?';
  const lines = [
    `# The verdict, measured: ${target} ${results[0]?.bench.workload ?? ''}, pools of ${base.length}/${plus30.length}/${plus100.length} runs (${new Date().toISOString()})`,
    '',
    'Peak tree RSS of each variant (the target through a wrapper whose idle Node child holds 0, 30 or 100 MiB), MiB, median (IQR), and the paired difference from hold-0 in the same round:',
    '',
    table(
      ['variant', 'runs', 'peak tree RSS', 'paired difference from hold-0'],
      HOLDS.map((h, i) => [
        `hold-${h}`,
        [base, plus30, plus100][i].length,
        spreadText([base, plus30, plus100][i].map((v) => v / MiB)),
        h === 0 ? '—' : spreadText(paired(h)),
      ]),
    ),
    '',
    `${options.comparisons} comparisons each, ${options.repeats} runs a side drawn without replacement from the pools (A/A: two disjoint draws from hold-0); margin ${options.margin.text}, 95 % bootstrap interval; --until-confident replayed by drawing one more run a side while inconclusive, up to ${options.cap}:`,
    '',
    table(
      [
        'comparison',
        'regression (new rule)',
        'inconclusive',
        'regression (fixed 10 % rule)',
        'regression (--until-confident)',
        'still inconclusive at the cap',
        'runs a side, mean',
      ],
      [
        row('A/A: false alarms (target <= 5 %)', aa, 'regression'),
        row('+30 MiB: detected (target >= 95 %)', t30, 'regression'),
        row('+100 MiB: detected (target >= 95 %)', t100, 'regression'),
      ],
    ),
    '',
    'Draws overlap between comparisons (a pool of N runs holds fewer independent comparisons than it yields draws): these are estimates from one pool, not independent trials.',
  ];
  saveReport(out, 'verdict', { target, options, pools: { base, plus30, plus100 }, aa, t30, t100 }, lines.join('\n'));
  process.stdout.write(`${lines.join('\n')}\n`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: Error) => {
    process.stderr.write(`bench:verdict: ${error.message}\n`);
    process.exitCode = 1;
  });
}
