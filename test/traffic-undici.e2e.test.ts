// A CLI that brings its own undici (as Qwen Code 0.24 does) is read through undici's diagnostics
// channels; one that uses the runtime's fetch through the tap; a process using both is counted
// once per call.
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startModelServer, type ModelServer } from '../src/bench/model-server/server';
import { REPO, readRecords, runWrapped, sandbox, writeScript } from './helpers/e2e';

const UNDICI = path.join(REPO, 'node_modules', 'undici');

// Two requests through undici 7's own fetch, one through its request() with the body as a string
// (undici holds it as a Buffer and announces it again as a sent chunk), one through the global
// fetch; each reply read whole.
const CLIENT = `
const undici = require(${JSON.stringify(UNDICI)});
const url = process.argv[2] + '/v1/chat/completions';
const body = (results) => JSON.stringify({ model: 'm', stream: true, stream_options: { include_usage: true }, messages: [
  { role: 'system', content: 'You are a coding agent.' },
  { role: 'user', content: 'Run two commands.' },
  ...Array.from({ length: results }, (_, i) => [
    { role: 'assistant', content: null, tool_calls: [{ id: 'c' + i, type: 'function', function: { name: 'run_shell_command', arguments: '{}' } }] },
    { role: 'tool', tool_call_id: 'c' + i, content: 'output ' + i },
  ]).flat(),
], tools: [{ type: 'function', function: { name: 'run_shell_command', parameters: { type: 'object' } } }] });
const post = (fetchFn, results) => fetchFn(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body(results) }).then((r) => r.text());
const request = (results) => undici.request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body(results) }).then((r) => r.body.text());
(async () => {
  const replies = [await post(undici.fetch, 0), await post(undici.fetch, 1), await request(1), await post(globalThis.fetch, 2)];
  console.log(replies.map((r) => r.length).join(' '));
})();
`;

let server: ModelServer;
beforeAll(async () => {
  server = await startModelServer();
});
afterAll(() => server?.close());

describe('a bundled undici', () => {
  it('is read through its diagnostics channels, and a call is never counted twice', async () => {
    const box = sandbox('undici');
    const script = writeScript(box.dir, 'client.js', CLIENT);
    const result = await runWrapped([process.execPath, script, server.url], box.env);
    expect(result.code, result.stderr).toBe(0);
    const seen = server.requests.filter((r) => r.format === 'openai-chat');
    expect(seen).toHaveLength(4);
    // The replies the client read have the sizes the server sent: nothing was changed.
    expect(result.stdout.trim()).toBe(seen.map((r) => r.responseBytes).join(' '));

    const [record] = readRecords(box.recordFile);
    expect(record.requests).toBe(4);
    expect(record.unparsed_requests).toBe(0);
    expect(record.tokens.input).toBe(seen.reduce((sum, r) => sum + r.promptTokens, 0));
    expect(record.tokens.output).toBe(seen.reduce((sum, r) => sum + r.completionTokens, 0));
    expect(record.tool_calls).toBe(seen.reduce((sum, r) => sum + r.toolCallNames.length, 0));
    expect(record.peak_request_bytes).toBe(Math.max(...seen.map((r) => r.requestBytes)));
    expect(record.retained_tool_results.count).toBe(2);
  }, 60_000);
});
