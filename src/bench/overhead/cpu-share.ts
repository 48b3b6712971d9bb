// qwen-otel's CPU at the default sample interval, on an idle CLI: the collector's own CPU plus
// what the agent adds inside the CLI (its CPU against the same idle process uninstrumented),
// plain and instrumented alternated round by round and paired.
import { DEFAULT_SAMPLE_INTERVAL_MS } from '../../config';
import { median, pairedDifferences } from '../results/stats';
import { fmt, spreadText, table } from './report';
import { quietEnv, runScript } from './wrapped';

const WINDOW_MS = 10_000;

interface IdleFigures {
  ownCpuMs: number;
  collectorCpuMs: number | null;
}

export async function measureCpuShare(rounds: number, progress: (line: string) => void): Promise<{ data: unknown; markdown: string }> {
  const env = quietEnv({ IDLE_WINDOW_MS: String(WINDOW_MS) });
  const plain: number[] = [];
  const host: number[] = [];
  const collector: number[] = [];
  for (let round = 1; round <= rounds; round += 1) {
    progress(`idle CPU: round ${round}/${rounds} (${(2 * (WINDOW_MS + 3000)) / 1000} s each)`);
    for (const instrumented of round % 2 === 0 ? [false, true] : [true, false]) {
      const figures = await runScript<IdleFigures>(instrumented, 'idle.js', [], env);
      if (!instrumented) plain.push(figures.ownCpuMs);
      else {
        host.push(figures.ownCpuMs);
        collector.push(figures.collectorCpuMs ?? NaN);
      }
    }
  }
  const agent = pairedDifferences(plain, host);
  const total = agent.map((ms, i) => ms + (collector[i] as number));
  const share = (values: number[]): string =>
    `${spreadText(
      values.map((ms) => (100 * ms) / WINDOW_MS),
      3,
    )} %`;
  const markdown = [
    `## CPU at the default interval (${DEFAULT_SAMPLE_INTERVAL_MS} ms), idle Node CLI, ${WINDOW_MS / 1000} s window, ${rounds} rounds alternated (median, IQR)`,
    '',
    table(
      ['where', 'CPU ms in the window', 'share of one core'],
      [
        ['inside the CLI (agent: instrumented minus plain, paired)', spreadText(agent, 1), share(agent)],
        [
          "collector process (its threads' run time in the window; /proc/<pid>/task/*/schedstat)",
          spreadText(collector, 1),
          share(collector),
        ],
        ['total', spreadText(total, 1), share(total)],
      ],
    ),
    '',
    `Plain idle CLI: ${fmt(median(plain), 1)} ms in the window. Target: <= 0.3 % of a core in total.`,
  ].join('\n');
  return { data: { plain, host, collector, windowMs: WINDOW_MS }, markdown };
}
