// The plugin's own memory must not grow: a steady stream of phases for N minutes at a 100 ms
// interval; the retained heap after GC, at the end against after a warm-up, inside the CLI and in
// the collector (target: <= 1 MiB growth).
import * as path from 'node:path';
import { runCommand } from '../run-command';
import { fmt, MiB, table } from './report';

interface SoakOutput {
  turns: number;
  warm: { agent: number; collector: number | null };
  end: { agent: number; collector: number | null };
}

export async function runSoak(minutes: number, progress: (line: string) => void): Promise<{ data: unknown; markdown: string }> {
  const script = path.join(__dirname, 'scripts', 'soak.js');
  const wrapper = path.join(__dirname, '..', '..', '..', 'bin', 'qwen-otel');
  const began = Date.now();
  const ticker = setInterval(() => progress(`soak: ${((Date.now() - began) / 60000).toFixed(1)} of ${minutes} min`), 10_000);
  const result = await runCommand(wrapper, ['run', '--', process.execPath, '--expose-gc', script], {
    env: {
      PATH: process.env.PATH,
      SOAK_MINUTES: String(minutes),
      QWEN_OTEL_SAMPLE_INTERVAL_MS: '100',
      QWEN_OTEL_RECORD_FILE: 'off',
      OTEL_TRACES_EXPORTER: 'none',
      QWEN_OTEL_PROMETHEUS_PORT: '0',
      QWEN_OTEL_COLLECTOR_NODE_ARGS: '--expose-gc',
    },
  });
  clearInterval(ticker);
  let out: SoakOutput;
  try {
    out = JSON.parse(result.stdout) as SoakOutput;
  } catch {
    throw new Error(`soak: the soak script did not report (exit ${result.code}): ${result.stderr.slice(0, 300)}`);
  }
  const row = (name: string, warm: number | null, end: number | null): string[] => [
    name,
    fmt((warm ?? NaN) / MiB, 2),
    fmt((end ?? NaN) / MiB, 2),
    fmt(((end ?? NaN) - (warm ?? NaN)) / MiB, 3),
  ];
  const markdown = [
    `## Soak: ${minutes} min at a 100 ms interval, ${out.turns} turns (${out.turns * 2} phases) through the API`,
    '',
    table(
      ['process', 'retained heap after warm-up (MiB)', 'at the end (MiB)', 'growth (MiB)'],
      [row('the CLI (agent + API)', out.warm.agent, out.end.agent), row('collector', out.warm.collector, out.end.collector)],
    ),
    '',
    'Target: <= 1 MiB growth of retained heap.',
  ].join('\n');
  return { data: out, markdown };
}
