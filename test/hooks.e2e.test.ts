// Native hooks sharpen the lifecycle: Claude Code runs `qwen-otel hook EVENT` at each tool's start
// and end, and the execute_tool spans then come from the hooks instead of being inferred.
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../src/bench/run-command';
import { startTelemetrySink, type TelemetrySink } from '../src/bench/sink';
import { installCli } from '../src/bench/targets/install';
import { CLI_TARGETS, SCRIPT_PROMPT } from '../src/bench/targets/registry';
import { runCliAgainstModel } from '../src/bench/targets/session';
import type { InvocationOptions } from '../src/bench/targets/env';
import { BIN, readRecords, tempDir } from './helpers/e2e';

let sink: TelemetrySink;
beforeAll(async () => {
  sink = await startTelemetrySink();
});
afterAll(() => sink?.close());

const hook = (event: string): unknown => ({ matcher: '*', hooks: [{ type: 'command', command: `${BIN} hook ${event}` }] });

/** Claude Code's own settings, written into the run's temporary HOME (never the user's). */
function withHooks(opts: InvocationOptions): ReturnType<typeof CLI_TARGETS.claude.invocation> {
  mkdirSync(path.join(opts.home, '.claude'), { recursive: true });
  writeFileSync(
    path.join(opts.home, '.claude', 'settings.json'),
    JSON.stringify({ hooks: { PreToolUse: [hook('PreToolUse')], PostToolUse: [hook('PostToolUse')] } }),
  );
  return CLI_TARGETS.claude.invocation(opts);
}

describe('qwen-otel hook', () => {
  it('outside a session: prints nothing, reads nothing, exits 0', async () => {
    const result = await runCommand(BIN, ['hook', 'PreToolUse'], { env: { PATH: process.env.PATH }, timeoutMs: 10_000 });
    expect(result).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });

  it('from Claude Code 2.1.112 hooks: execute_tool spans start and end at the hooks', async () => {
    const target = CLI_TARGETS.claude;
    const bin = (await installCli(target.spec)).binPath(target.bin);
    const dir = tempDir('hooks');
    const recordFile = path.join(dir, 'runs.jsonl');
    const plain = await runCliAgainstModel({ bin, invocation: withHooks, prompt: SCRIPT_PROMPT });
    const wrapped = await runCliAgainstModel({
      bin,
      invocation: withHooks,
      prompt: SCRIPT_PROMPT,
      wrapper: [BIN, 'run', '--'],
      extraEnv: { QWEN_OTEL_RECORD_FILE: recordFile, OTEL_EXPORTER_OTLP_ENDPOINT: sink.url, QWEN_OTEL_PROMETHEUS_PORT: '0' },
    });
    expect(plain.exitCode, plain.stderr).toBe(0);
    expect(wrapped.exitCode, wrapped.stderr).toBe(0);
    expect(JSON.parse(wrapped.stdout).result).toBe(JSON.parse(plain.stdout).result);

    const [record] = readRecords(recordFile);
    const tools = (await sink.trace(record.trace_id)).filter((s) => s.name.startsWith('execute_tool '));
    const asked = wrapped.requests.flatMap((r) => r.toolCallNames);
    expect(asked.length).toBeGreaterThanOrEqual(2);
    expect(tools.map((s) => s.name).sort()).toEqual(asked.map((n) => `execute_tool ${n}`).sort());
    expect(tools.map((s) => s.attributes['qwen_otel.source'])).toEqual(asked.map(() => 'hook'));
    // Hook processes are qwen-otel's, not the CLI's: no process span or record entry names them.
    expect(record.processes.filter((p: { name: string }) => p.name === 'qwen-otel')).toEqual([]);
  }, 180_000);
});
