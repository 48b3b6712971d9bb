// `qwen-otel run --proxy`: model traffic seen from outside the CLI's processes. Codex 0.169 (a Rust
// binary no in-process tap reaches) through the proxy reports what the model server received and
// sent, with its output unchanged; without the proxy its record says the traffic was not observed.
// A Node client under --proxy is counted once (the tap leaves the proxy's calls to it), and an
// unreachable upstream costs one line.
import { chmodSync, mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/bench/backends';
import { startModelServer, type ModelServer, type RecordedExchange } from '../src/bench/model-server/server';
import { installCli } from '../src/bench/targets/install';
import { viaProxy } from '../src/bench/targets/proxy';
import { CLI_TARGETS, SCRIPT_PROMPT } from '../src/bench/targets/registry';
import { runCliAgainstModel } from '../src/bench/targets/session';
import { BIN, measuredRunEnv, readRecords, runWrapped, sandbox, writeScript } from './helpers/e2e';

const modelExchanges = (requests: RecordedExchange[]): RecordedExchange[] =>
  requests.filter((r) => r.format !== 'none' && r.replyKind !== 'none');

/** Codex's --json events without ids and timings: what a user's script reads. */
function codexEvents(stdout: string): unknown[] {
  return stdout
    .trim()
    .split('\n')
    .map((line) => {
      const event = JSON.parse(line) as {
        type: string;
        item?: { type?: string; text?: string; command?: string; aggregated_output?: string; exit_code?: number };
        usage?: unknown;
      };
      return [
        event.type,
        event.item?.type ?? null,
        event.item?.text ?? null,
        event.item?.command ?? null,
        event.item?.aggregated_output ?? null,
        event.usage ?? null,
      ];
    });
}

describe(`${CLI_TARGETS.codex.spec} under qwen-otel run`, () => {
  it('through --proxy: accounting equals the model server, output unchanged; without: not observed', async () => {
    const target = CLI_TARGETS.codex;
    const bin = (await installCli(target.spec)).binPath(target.bin);
    const root = mkdtempSync(path.join(os.tmpdir(), 'qo-proxy-'));
    const plain = await runCliAgainstModel({ bin, invocation: target.invocation, prompt: SCRIPT_PROMPT });
    const proxiedFile = path.join(root, 'proxied.jsonl');
    const env = { QWEN_OTEL_PROMETHEUS_PORT: '0', OTEL_TRACES_EXPORTER: 'none', QWEN_OTEL_EXIT_TIMEOUT_MS: '120000' };
    const proxied = await runCliAgainstModel({
      bin,
      invocation: viaProxy(target.invocation, await freePort()),
      prompt: SCRIPT_PROMPT,
      wrapper: [BIN, 'run', '--'],
      extraEnv: { ...env, QWEN_OTEL_RECORD_FILE: proxiedFile },
    });
    const bareFile = path.join(root, 'bare.jsonl');
    const bare = await runCliAgainstModel({
      bin,
      invocation: target.invocation,
      prompt: SCRIPT_PROMPT,
      wrapper: [BIN, 'run', '--'],
      extraEnv: { ...env, QWEN_OTEL_RECORD_FILE: bareFile },
    });

    expect(plain.exitCode, plain.stderr).toBe(0);
    expect(proxied.exitCode, proxied.stderr).toBe(0);
    expect(codexEvents(proxied.stdout)).toEqual(codexEvents(plain.stdout));

    const seen = modelExchanges(proxied.requests);
    expect(seen.length).toBeGreaterThanOrEqual(3);
    const [record] = readRecords(proxiedFile);
    expect(record.traffic).toEqual({ observed: true, in_process_requests: 0, proxy_requests: seen.length });
    expect(record.requests).toBe(seen.length);
    expect(record.unparsed_requests).toBe(0);
    expect(record.model).toBe('mock-model');
    expect(record.tokens.input).toBe(seen.reduce((sum, r) => sum + r.promptTokens, 0));
    expect(record.tokens.output).toBe(seen.reduce((sum, r) => sum + r.completionTokens, 0));
    expect(record.tool_calls).toBe(seen.reduce((sum, r) => sum + r.toolCallNames.length, 0));
    expect(record.peak_request_bytes).toBe(Math.max(...seen.map((r) => r.requestBytes)));
    // The proxy is qwen-otel's, not the CLI's: it is not among the measured processes.
    expect(record.processes.some((p: { name: string; role: string }) => p.role === 'cli_worker' && p.name === 'codex')).toBe(true);
    expect(record.processes.filter((p: { name: string }) => p.name === 'node')).toHaveLength(1);

    expect(modelExchanges(bare.requests).length).toBeGreaterThanOrEqual(3);
    const [unseen] = readRecords(bareFile);
    expect(unseen.traffic).toEqual({ observed: false, in_process_requests: 0, proxy_requests: null });
    expect(unseen.requests).toBe(0);
  }, 400_000);
});

describe(`${CLI_TARGETS.gemini.spec} (Node, its tap on) under qwen-otel run --proxy`, () => {
  it('is counted once, by the proxy, equal to the model server, its answer unchanged', async () => {
    const target = CLI_TARGETS.gemini;
    const bin = (await installCli(target.spec)).binPath(target.bin);
    const root = mkdtempSync(path.join(os.tmpdir(), 'qo-proxy-gemini-'));
    const plain = await runCliAgainstModel({ bin, invocation: target.invocation, prompt: SCRIPT_PROMPT });
    const recordFile = path.join(root, 'runs.jsonl');
    const proxied = await runCliAgainstModel({
      bin,
      invocation: target.invocation,
      prompt: SCRIPT_PROMPT,
      wrapper: [BIN, 'run', '--proxy', '--'],
      extraEnv: measuredRunEnv(recordFile),
    });
    expect(plain.exitCode, plain.stderr).toBe(0);
    expect(proxied.exitCode, proxied.stderr).toBe(0);
    expect(JSON.parse(proxied.stdout).response).toBe(JSON.parse(plain.stdout).response);
    const seen = modelExchanges(proxied.requests);
    const [record] = readRecords(recordFile);
    expect(record.traffic).toEqual({ observed: true, in_process_requests: 0, proxy_requests: seen.length });
    expect([record.requests, record.tokens.input, record.tokens.output, record.tool_calls]).toEqual([
      seen.length,
      seen.reduce((sum, r) => sum + r.promptTokens, 0),
      seen.reduce((sum, r) => sum + r.completionTokens, 0),
      seen.reduce((sum, r) => sum + r.toolCallNames.length, 0),
    ]);
  }, 400_000);
});

const CLIENT = `
const base = process.env.OPENAI_BASE_URL;
const body = JSON.stringify({ model: 'm', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] });
const post = () => fetch(base + '/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then(async (r) => r.status + ':' + (await r.arrayBuffer()).byteLength);
(async () => console.log([await post(), await post()].join(' ')))();
`;

let server: ModelServer;
beforeAll(async () => {
  server = await startModelServer();
});
afterAll(() => server?.close());

describe('a Node client under --proxy', () => {
  it('is counted once, by the proxy, with the bytes the server sent', async () => {
    const box = sandbox('proxy-node', { OPENAI_BASE_URL: `${server.url}/v1` });
    const script = writeScript(box.dir, 'client.js', CLIENT);
    const before = server.requests.length;
    const result = await runWrapped([process.execPath, script], box.env, 60_000, ['--proxy']);
    expect(result.code, result.stderr).toBe(0);
    const seen = server.requests.slice(before).filter((r) => r.format === 'openai-chat');
    expect(seen, JSON.stringify(server.requests.slice(before).map((r) => [r.format, r.replyKind]))).toHaveLength(2);
    expect(result.stdout.trim()).toBe(seen.map((r) => `200:${r.responseBytes}`).join(' '));
    const [record] = readRecords(box.recordFile);
    expect(record.traffic).toEqual({ observed: true, in_process_requests: 0, proxy_requests: 2 });
    expect(record.requests).toBe(2);
    expect(record.tokens.input).toBe(seen.reduce((sum, r) => sum + r.promptTokens, 0));
    expect(record.tokens.output).toBe(seen.reduce((sum, r) => sum + r.completionTokens, 0));
  }, 60_000);

  it('whose upstream cannot be reached gets 502s and the user one line', async () => {
    const box = sandbox('proxy-bad', { OPENAI_BASE_URL: `http://127.0.0.1:${await freePort()}/v1` });
    const script = writeScript(box.dir, 'client.js', CLIENT);
    const result = await runWrapped([process.execPath, script], box.env, 60_000, ['--proxy']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toMatch(/^502:\d+ 502:\d+$/);
    expect(result.stderr.split('\n').filter((l) => l.includes('proxy could not reach'))).toHaveLength(1);
  }, 60_000);

  it('with no base URL to route runs unproxied, and says so in one line', async () => {
    const box = sandbox('proxy-none');
    const result = await runWrapped(['sh', '-c', 'echo "$QWEN_OTEL_PROXY_ORIGIN|out"'], box.env, 60_000, ['--proxy']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe('|out');
    expect(result.stderr.split('\n').filter((l) => l.startsWith('qwen-otel: no proxy for this run'))).toHaveLength(1);
  }, 60_000);

  it('that never ends is killed within the exit bound, with one line; the run unchanged', async () => {
    const box = sandbox('proxy-hung', { OPENAI_BASE_URL: `${server.url}/v1` });
    // A Node for the wrapper whose proxy says ready, then ignores SIGTERM; the collector is real.
    const node = writeScript(
      box.dir,
      'node.sh',
      `#!/bin/sh\ncase "$*" in *proxy-process.js*) trap '' TERM; echo ready; exec sleep 100000 ;; esac\nexec '${process.execPath}' "$@"\n`,
    );
    chmodSync(node, 0o755);
    const result = await runWrapped(
      ['sh', '-c', 'echo out; exit 3'],
      { ...box.env, QWEN_OTEL_NODE: node, QWEN_OTEL_EXIT_TIMEOUT_MS: '500' },
      60_000,
      ['--proxy'],
    );
    expect(result.timedOut).toBe(false);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('out\n');
    expect(result.stderr.split('\n').filter((l) => /^qwen-otel: the model proxy did not end within 500 ms/.test(l))).toHaveLength(1);
  }, 60_000);
});
