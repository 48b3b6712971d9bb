// Real Qwen Code 0.15.10 with exit snapshots on: its output and exit code stay its own, the
// relaunch parent (which only waits) is not snapshotted, and the run ends.
import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../src/bench/run-command';
import { installCli } from '../src/bench/targets/install';
import { normalizeQwenOutput, qwenInvocation } from '../src/bench/targets/qwen';
import { QWEN_SPEC } from '../src/bench/targets/registry';
import { runCliAgainstModel } from '../src/bench/targets/session';
import { BIN, measuredRunEnv } from './helpers/e2e';

const OURS = /^qwen-otel: heap snapshot \(exit\) of pid \d+ (written to .* keep it private|skipped: .*)$/;
const RELAUNCH_SKIP = /^qwen-otel: heap snapshot \(exit\) of pid \d+ skipped: it relaunched itself as pid \d+/;
const PROMPT = 'Run the two echo commands, then say Done.';

let qwen = '';
beforeAll(async () => {
  qwen = (await installCli(QWEN_SPEC)).binPath('qwen');
}, 300_000);

function snapshotEnv(dir: string): Record<string, string> {
  return {
    QWEN_OTEL_HEAP_SNAPSHOT: 'exit',
    ...measuredRunEnv(path.join(dir, 'runs.jsonl')),
  };
}

describe('Qwen Code 0.15.10 with QWEN_OTEL_HEAP_SNAPSHOT=exit', () => {
  it('--version: same output and exit code', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'qo-snap-qwen-'));
    const env = { PATH: process.env.PATH, HOME: dir };
    const plain = await runCommand(qwen, ['--version'], { env, timeoutMs: 600_000 });
    const wrapped = await runCommand(BIN, ['run', '--', qwen, '--version'], { env: { ...env, ...snapshotEnv(dir) }, timeoutMs: 600_000 });
    expect(wrapped.timedOut).toBe(false);
    expect(wrapped.code).toBe(plain.code);
    expect(wrapped.stdout).toBe(plain.stdout);
    const lines = wrapped.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(OURS);
  }, 1_300_000);

  it('-p: same output and exit code; only the worker is snapshotted', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'qo-snap-qwen-'));
    const plain = await runCliAgainstModel({ bin: qwen, invocation: qwenInvocation, prompt: PROMPT, timeoutMs: 600_000 });
    const wrapped = await runCliAgainstModel({
      bin: qwen,
      invocation: qwenInvocation,
      prompt: PROMPT,
      timeoutMs: 600_000,
      wrapper: [BIN, 'run', '--'],
      extraEnv: snapshotEnv(dir),
    });
    expect(plain.exitCode, plain.stderr).toBe(0);
    expect(wrapped.exitCode).toBe(plain.exitCode);
    expect(normalizeQwenOutput(JSON.parse(wrapped.stdout))).toEqual(normalizeQwenOutput(JSON.parse(plain.stdout)));
    const lines = wrapped.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).toMatch(OURS);
    expect(lines.filter((line) => RELAUNCH_SKIP.test(line))).toHaveLength(1);
  }, 1_300_000);
});
