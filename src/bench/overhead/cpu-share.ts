// qwen-otel's CPU at the default sample interval, on an idle CLI: the collector's own CPU plus
// what the agent adds inside the CLI (its CPU against the same idle process uninstrumented).
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { DEFAULT_SAMPLE_INTERVAL_MS } from '../../config';
import { runCommand } from '../run-command';
import { median } from '../results/stats';
import { fmt, table } from './report';

const REPEATS = 3;
const WINDOW_MS = 10_000;

export async function measureCpuShare(progress: (line: string) => void): Promise<{ data: unknown; markdown: string }> {
  const script = path.join(__dirname, 'scripts', 'idle.js');
  const wrapper = path.join(__dirname, '..', '..', '..', 'bin', 'qwen-otel');
  const env = { PATH: process.env.PATH, CLK_TCK: clockTicks(), IDLE_WINDOW_MS: String(WINDOW_MS), QWEN_OTEL_RECORD_FILE: 'off', OTEL_TRACES_EXPORTER: 'none', QWEN_OTEL_PROMETHEUS_PORT: '0' };
  const plain: number[] = [];
  const host: number[] = [];
  const collector: number[] = [];
  for (let i = 0; i < REPEATS; i += 1) {
    progress(`cpu share: repeat ${i + 1}/${REPEATS} (${(2 * (WINDOW_MS + 3000)) / 1000} s each)`);
    plain.push(JSON.parse((await runCommand(process.execPath, [script], { env })).stdout).ownCpuMs);
    const wrapped = JSON.parse((await runCommand(wrapper, ['run', '--', process.execPath, script], { env })).stdout);
    host.push(wrapped.ownCpuMs);
    collector.push(wrapped.collectorCpuMs);
  }
  const agentMs = median(host) - median(plain);
  const collectorMs = median(collector);
  const share = (ms: number): string => `${fmt((100 * ms) / WINDOW_MS, 3)} %`;
  const markdown = [
    `## CPU at the default interval (${DEFAULT_SAMPLE_INTERVAL_MS} ms), idle Node CLI, ${WINDOW_MS / 1000} s window, median of ${REPEATS}`,
    '',
    table(['where', 'CPU ms in the window', 'share of one core'], [
      ['inside the CLI (agent: instrumented minus plain)', fmt(agentMs, 1), share(agentMs)],
      ['collector process', fmt(collectorMs, 1), share(collectorMs)],
      ['total', fmt(agentMs + collectorMs, 1), share(agentMs + collectorMs)],
    ]),
    '',
    'Target: <= 0.5 % of a core.',
  ].join('\n');
  return { data: { plain, host, collector, windowMs: WINDOW_MS }, markdown };
}

function clockTicks(): string {
  try {
    return execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim();
  } catch {
    return '100';
  }
}
