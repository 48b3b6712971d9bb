import { beforeAll, describe, expect, it } from 'vitest';
import type { RecordedExchange } from '../src/bench/model-server/server';
import { installCli } from '../src/bench/targets/install';
import { qwenInvocation } from '../src/bench/targets/qwen';
import { QWEN_SPEC } from '../src/bench/targets/registry';
import { runCliAgainstModel, type CliRun } from '../src/bench/targets/session';
import { PID_DIGIT_SLACK } from './helpers/pid-digits';

const RUN_TIMEOUT_MS = 120_000;

let qwenBin = '';

beforeAll(async () => {
  qwenBin = (await installCli(QWEN_SPEC)).binPath('qwen');
}, 300_000);

/** One one-shot Qwen run against a fresh mock server, in a fresh HOME and cwd. */
function runQwen(): Promise<CliRun> {
  return runCliAgainstModel({
    bin: qwenBin,
    invocation: qwenInvocation,
    prompt: 'Run the two echo commands, then say Done.',
    timeoutMs: RUN_TIMEOUT_MS,
  });
}

/** Shape of the sequence; tool-result text is left out (see the determinism test). */
function sequenceShape(requests: RecordedExchange[]) {
  return requests.map((r) => ({
    path: r.path,
    messageCount: r.messageCount,
    toolCount: r.toolCount,
    toolResultCount: r.toolResultCount,
    requestBytesWithoutToolResults: r.requestBytes - r.toolResultBytes,
  }));
}

describe('Qwen Code 0.15.10 against the mock model server', () => {
  const runs: CliRun[] = [];

  it(
    'completes the two-tool script offline',
    async () => {
      const run = await runQwen();
      runs.push(run);
      expect(run.exitCode, run.stderr).toBe(0);

      const output = JSON.parse(run.stdout) as Array<{ type?: string; is_error?: boolean; result?: string }>;
      const result = output.find((entry) => entry.type === 'result');
      expect(result).toMatchObject({ is_error: false, result: 'Done.' });

      const chat = run.requests.filter((r) => r.path === '/v1/chat/completions');
      expect(run.requests.every((r) => r.status === 200)).toBe(true);
      expect(chat.map((r) => [r.requestKind, r.toolResultCount, r.replyKind])).toEqual([
        ['main', 0, 'tool_calls'],
        ['main', 1, 'tool_calls'],
        ['main', 2, 'text'],
      ]);
      expect(chat.every((r) => r.stream && r.toolCount > 0)).toBe(true);
      expect(chat[1]!.toolResultBytes).toBeGreaterThan(0);
      expect(chat[2]!.toolResultBytes).toBeGreaterThan(chat[1]!.toolResultBytes);
    },
    RUN_TIMEOUT_MS + 10_000,
  );

  it(
    'sends the same request sequence on a second run',
    async () => {
      const first = runs[0] ?? (await runQwen());
      const second = await runQwen();
      expect(second.exitCode, second.stderr).toBe(0);
      expect(sequenceShape(second.requests)).toEqual(sequenceShape(first.requests));
      // Qwen ends each shell result with "Process Group PGID: <pid>": the pid's width is the one
      // part that may legitimately differ.
      for (const [index, request] of second.requests.entries()) {
        const before = first.requests[index]!;
        expect(Math.abs(request.toolResultBytes - before.toolResultBytes)).toBeLessThanOrEqual(PID_DIGIT_SLACK * request.toolResultCount);
        if (request.toolResultBytes === before.toolResultBytes) expect(request.requestBytes).toBe(before.requestBytes);
      }
    },
    2 * RUN_TIMEOUT_MS + 10_000,
  );
});
