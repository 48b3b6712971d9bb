// A 5 MiB tool result passes through the tap: what the CLI sends and reads is unchanged, the
// figures are right, and the tap keeps nothing of it once the requests are over.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../src/bench/run-command';
import { startModelServer, type ModelServer } from '../src/bench/model-server/server';
import { readRecords, runWrapped, sandbox, writeScript } from './helpers/e2e';

const MiB = 1024 * 1024;

// Warms fetch up (undici loads lazily), then sends three requests carrying a 5 MiB tool result
// and reads each streamed reply whole. Prints what it read; reports the heap it kept on fd 3.
const CLIENT = `
const { createHash } = require('node:crypto');
const { writeSync } = require('node:fs');
const url = process.argv[2];
const heap = () => { global.gc(); global.gc(); const m = process.memoryUsage(); return m.heapUsed + m.external; };
async function ask(toolResult) {
  const body = JSON.stringify({ model: 'm', stream: true, stream_options: { include_usage: true }, messages: [
    { role: 'system', content: 'You are a coding agent.' },
    { role: 'user', content: 'Print the diff.' },
    { role: 'assistant', content: null, tool_calls: [{ id: 'call_0', type: 'function', function: { name: 'run_shell_command', arguments: '{"command":"git diff"}' } }] },
    { role: 'tool', tool_call_id: 'call_0', content: toolResult },
  ] });
  const response = await fetch(url + '/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return response.text();
}
(async () => {
  await (await fetch(url + '/v1/models')).text();
  await ask('warm-up');
  const before = heap();
  const hash = createHash('sha256');
  let toolResult = '+' + 'x'.repeat(${5 * MiB - 2}) + '\\n';
  for (let i = 0; i < 3; i += 1) hash.update(await ask(toolResult));
  toolResult = null;
  await new Promise((resolve) => setTimeout(resolve, 50));
  const kept = heap() - before;
  process.stdout.write(hash.digest('hex') + '\\n');
  writeSync(3, String(kept));
})();
`;

let server: ModelServer;
beforeAll(async () => {
  server = await startModelServer();
});
afterAll(() => server?.close());

async function run(wrapped: boolean): Promise<{ stdout: string; code: number | null; keptBytes: number; box: ReturnType<typeof sandbox> }> {
  const box = sandbox('large');
  const script = writeScript(box.dir, 'client.js', CLIENT);
  const keptFile = `${box.dir}/kept`;
  const command = ['sh', '-c', `exec node --expose-gc "$0" "$1" 3>"$2"`, script, server.url, keptFile];
  const result = wrapped
    ? await runWrapped(command, box.env, 60_000)
    : await runCommand(command[0], command.slice(1), { env: box.env, timeoutMs: 60_000 });
  const { readFileSync } = await import('node:fs');
  return { stdout: result.stdout, code: result.code, keptBytes: Number(readFileSync(keptFile, 'utf8')), box };
}

describe('a 5 MiB tool result', () => {
  it('passes through unchanged, is measured, and leaves nothing behind in the tap', async () => {
    const plain = await run(false);
    const tapped = await run(true);
    expect(plain.code).toBe(0);
    expect(tapped.code).toBe(0);
    expect(tapped.stdout).toBe(plain.stdout);
    expect(tapped.stdout).toMatch(/^[0-9a-f]{64}\n$/);

    const [record] = readRecords(tapped.box.recordFile);
    expect(record.requests).toBe(4);
    expect(record.unparsed_requests).toBe(0);
    expect(record.retained_tool_results.largest_bytes).toBe(5 * MiB);
    expect(record.peak_request_bytes).toBeGreaterThan(5 * MiB);
    expect(record.peak_request.history_bytes).toBeGreaterThan(5 * MiB);
    expect(record.peak_request.messages).toBe(4);

    // What the process keeps after the requests, with the tap against without it.
    expect(tapped.keptBytes - plain.keptBytes, `kept ${tapped.keptBytes} with the tap, ${plain.keptBytes} without`).toBeLessThan(1 * MiB);
  }, 120_000);
});
