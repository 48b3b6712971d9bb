// What the preload costs a process that does not turn it on (target <= 1 ms), and what it costs
// one that does. Measured inside Node: the time between two marker preloads around ours, against
// an empty file in the same place (process start-up itself varies by tens of ms run to run).
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCommand } from '../run-command';
import { median, pairedDifferences } from '../results/stats';
import { fmt, spreadText, table } from './report';

const RUNS = 30;

export async function measureOffStart(progress: (line: string) => void): Promise<{ data: unknown; markdown: string }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'qo-off-'));
  const mark0 = path.join(dir, 'mark0.js');
  const mark1 = path.join(dir, 'mark1.js');
  const empty = path.join(dir, 'empty.js');
  const fakeSession = mkdtempSync(path.join(os.tmpdir(), 'qo-session-'));
  writeFileSync(mark0, 'globalThis.__qoT0 = process.hrtime.bigint();\n');
  writeFileSync(mark1, 'process.stdout.write(String(Number(process.hrtime.bigint() - globalThis.__qoT0) / 1e6));\n');
  writeFileSync(empty, '\n');
  // A live "collector" pid (ours) lets the agent join instead of starting a real collector.
  writeFileSync(path.join(fakeSession, 'collector.pid'), String(process.pid));
  const register = path.join(__dirname, '..', '..', 'register.js');
  const env = { PATH: process.env.PATH };
  const onEnv = {
    ...env,
    QWEN_OTEL: '1',
    QWEN_OTEL_SESSION_DIR: fakeSession,
    QWEN_OTEL_SESSION_ID: 'bench',
    QWEN_OTEL_PROMETHEUS_PORT: 'off',
  };
  const load = async (file: string, e: NodeJS.ProcessEnv): Promise<number> =>
    Number((await runCommand(process.execPath, ['-r', mark0, '-r', file, '-r', mark1, '-e', '0'], { env: e })).stdout);
  const wall = async (args: string[]): Promise<number> => (await runCommand(process.execPath, [...args, '-e', '0'], { env })).wallMs;
  const series = { empty: [] as number[], off: [] as number[], on: [] as number[], wallPlain: [] as number[], wallOff: [] as number[] };
  for (let i = 0; i < RUNS; i += 1) {
    progress(`off start-up: run ${i + 1}/${RUNS}`);
    series.empty.push(await load(empty, env));
    series.off.push(await load(register, env));
    series.on.push(await load(register, onEnv));
    series.wallPlain.push(await wall([]));
    series.wallOff.push(await wall(['-r', register]));
  }
  const offCost = pairedDifferences(series.empty, series.off);
  const onCost = pairedDifferences(series.empty, series.on);
  const markdown = [
    `## Start-up cost of the preload (${RUNS} runs each, alternated)`,
    '',
    table(
      ['what', 'added start-up, ms (median, IQR)'],
      [
        ['QWEN_OTEL unset: loading dist/register.js (vs an empty preload)', spreadText(offCost, 2)],
        ['QWEN_OTEL=1: loading and starting the agent (its first sample waits for the first tick)', spreadText(onCost, 2)],
        [
          'whole `node -e 0`, plain vs with the preload off (wall, noisy)',
          `${fmt(median(pairedDifferences(series.wallPlain, series.wallOff)), 1)} (plain median ${fmt(median(series.wallPlain), 0)})`,
        ],
      ],
    ),
    '',
    'Target: <= 1 ms added start when off.',
  ].join('\n');
  return { data: series, markdown };
}
