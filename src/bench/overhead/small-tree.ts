// What the agent costs each small Node process: a tree of 20 children holding 20 MiB each, plain
// and under `qwen-otel run`, alternated round by round; per round the median child's VmHWM and
// CPU, paired against the plain round.
import { median, pairedDifferences } from '../results/stats';
import { fmt, spreadText, table } from './report';
import { quietEnv, runScript } from './wrapped';

const CHILDREN = 20;

interface TreeFigures {
  hwmKiB: number[];
  cpuMs: number[];
}

export async function measureSmallTree(rounds: number, progress: (line: string) => void): Promise<{ data: unknown; markdown: string }> {
  const plain: TreeFigures[] = [];
  const wrapped: TreeFigures[] = [];
  for (let round = 0; round <= rounds; round += 1) {
    for (const instrumented of round % 2 === 0 ? [false, true] : [true, false]) {
      progress(`small processes: round ${round === 0 ? 'warm-up' : `${round}/${rounds}`}, ${instrumented ? 'qwen-otel' : 'plain'}`);
      const figures = await runScript<TreeFigures>(instrumented, 'small-tree.js', [String(CHILDREN)], quietEnv());
      if (round > 0) (instrumented ? wrapped : plain).push(figures);
    }
  }
  const medians = (runs: TreeFigures[], pick: keyof TreeFigures): number[] => runs.map((r) => median(r[pick]));
  const hwm = pairedDifferences(medians(plain, 'hwmKiB'), medians(wrapped, 'hwmKiB')).map((kib) => kib / 1024);
  const cpu = pairedDifferences(medians(plain, 'cpuMs'), medians(wrapped, 'cpuMs'));
  const markdown = [
    `## Each small instrumented Node process (a tree of ${CHILDREN} children holding 20 MiB each, ${rounds} rounds alternated; per round the median child, paired)`,
    '',
    table(
      ['', 'plain child', 'added by qwen-otel (median, IQR)'],
      [
        ['VmHWM, MiB', fmt(median(medians(plain, 'hwmKiB')) / 1024, 2), spreadText(hwm, 2)],
        ['CPU, ms (process.cpuUsage at exit)', fmt(median(medians(plain, 'cpuMs')), 1), spreadText(cpu, 1)],
      ],
    ),
    '',
    'Targets: <= +1 MiB VmHWM and <= 10 ms CPU per small instrumented process.',
  ].join('\n');
  return { data: { children: CHILDREN, plain, wrapped }, markdown };
}
