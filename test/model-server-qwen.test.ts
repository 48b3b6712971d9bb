import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { startModelServer, type RecordedExchange } from '../src/bench/model-server/server';
import { installCli } from '../src/bench/targets/install';
import { qwenInvocation } from '../src/bench/targets/qwen';
import { PID_DIGIT_SLACK } from './helpers/pid-digits';

const QWEN_SPEC = '@qwen-code/qwen-code@0.15.10';
const RUN_TIMEOUT_MS = 120_000;

interface QwenRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  wallMs: number;
  requests: RecordedExchange[];
}

let qwenBin = '';

beforeAll(async () => {
  qwenBin = (await installCli(QWEN_SPEC)).binPath('qwen');
}, 300_000);

/**
 * One one-shot Qwen run against a fresh mock server, in a fresh HOME and cwd.
 * mkdtemp names have a fixed length, so the paths that Qwen puts in its system
 * prompt (cwd, HOME's memory folder) keep the request sizes equal from run to run.
 */
async function runQwen(): Promise<QwenRun> {
  const server = await startModelServer();
  const root = mkdtempSync(path.join(tmpdir(), 'qwen-otel-run-'));
  const home = path.join(root, 'home');
  const cwd = path.join(root, 'work');
  mkdirSync(home);
  mkdirSync(cwd);
  try {
    const { args, env } = qwenInvocation({ baseUrl: server.url, prompt: 'Run the two echo commands, then say Done.', home });
    const started = performance.now();
    const result = await runChild(qwenBin, args, { cwd, env });
    return { ...result, wallMs: performance.now() - started, requests: [...server.requests] };
  } finally {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  }
}

function runChild(
  file: string,
  args: string[],
  options: { cwd: string; env: Record<string, string> },
): Promise<{ exitCode: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'], timeout: RUN_TIMEOUT_MS });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (exitCode) => resolve({ exitCode, stdout, stderr }));
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
  const runs: QwenRun[] = [];

  it('completes the two-tool script offline', async () => {
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
    expect(run.wallMs).toBeLessThan(60_000);
  }, RUN_TIMEOUT_MS + 10_000);

  it('sends the same request sequence on a second run', async () => {
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
  }, 2 * RUN_TIMEOUT_MS + 10_000);
});
