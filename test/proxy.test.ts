// The loopback proxy in one process, against a real local upstream: bytes pass unchanged both
// ways (a compressed answer too, which the parsers read decompressed), figures equal what was
// sent, and an unreachable upstream is said once, not per request.
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentMessage, ModelRequestMessage, ModelResponseMessage } from '../src/channel/protocol';
import { proxyOrigin, routeOf, startProxy, upstreamUrl } from '../src/traffic/proxy/forward';
import { proxySettings } from '../src/traffic/proxy/settings';

const BODY = JSON.stringify({
  model: 'gpt-x',
  stream: true,
  messages: [
    { role: 'system', content: 'be brief' },
    { role: 'user', content: 'héllo' },
    { role: 'tool', tool_call_id: 'a', content: 'out put' },
  ],
});
const SSE = [
  'data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c1","function":{"name":"shell","arguments":"{}"}}]}}]}\n\n',
  'data: {"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":41,"completion_tokens":7}}\n\n',
  'data: [DONE]\n\n',
];

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

let upstream: Server;
const received: Received[] = [];
beforeAll(async () => {
  upstream = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      if (req.url?.endsWith('/slow/v1/chat/completions')) {
        res.writeHead(200, { 'content-type': 'text/event-stream' }).write(SSE[0]);
        setTimeout(() => res.end(), 5000).unref();
        return;
      }
      if (req.url?.endsWith('/gzip/v1/chat/completions')) {
        res
          .writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'gzip', 'x-upstream': 'yes' })
          .end(gzipSync(SSE.join('')));
        return;
      }
      res.writeHead(201, 'Made', { 'content-type': 'text/event-stream', 'x-upstream': 'yes' });
      for (const part of SSE) {
        res.write(part);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      res.end();
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
});
afterAll(() => upstream?.close());

function post(url: string, body: string): Promise<{ status: number; message: string; headers: IncomingHttpHeaders; bytes: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-client': 'kept' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, message: res.statusMessage ?? '', headers: res.headers, bytes: Buffer.concat(chunks) }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('the loopback proxy', () => {
  it('forwards bytes unchanged both ways and reports what the call carried', async () => {
    const origin = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    const messages: AgentMessage[] = [];
    const proxy = await startProxy({
      routes: [
        { prefix: '/_qo0', upstream: new URL(`${origin}/base`), variable: 'OPENAI_BASE_URL' },
        { prefix: '', upstream: new URL(origin), variable: null },
      ],
      send: (m) => messages.push(m),
      memory: () => ({ rss: 0, heapUsed: 0 }),
      say: () => undefined,
    });
    try {
      received.length = 0;
      const direct = await post(`${origin}/base/v1/chat/completions`, BODY);
      const proxied = await post(`${proxyOrigin(proxy)}/_qo0/v1/chat/completions`, BODY);
      expect(proxied.bytes.equals(direct.bytes)).toBe(true);
      expect([proxied.status, proxied.message, proxied.headers['x-upstream']]).toEqual([201, 'Made', 'yes']);
      expect(received.map((r) => r.path)).toEqual(['/base/v1/chat/completions', '/base/v1/chat/completions']);
      expect(received[1].body.equals(received[0].body)).toBe(true);
      expect(received[1].headers['x-client']).toBe('kept');
      expect(received[1].headers.host).toBe(received[0].headers.host);

      const gzipped = await post(`${proxyOrigin(proxy)}/gzip/v1/chat/completions`, BODY);
      expect(gzipped.bytes.equals(gzipSync(SSE.join('')))).toBe(true);
      expect(gzipped.headers['content-encoding']).toBe('gzip');
      await until(() => messages.filter((m) => m.k === 'model_response').length === 2);

      const requests = messages.filter((m): m is ModelRequestMessage => m.k === 'model_request');
      const responses = messages.filter((m): m is ModelResponseMessage => m.k === 'model_response');
      expect(requests.map((r) => [r.format, r.figures?.totalBytes, r.figures?.model, r.figures?.toolResultCount])).toEqual([
        ['openai-chat', Buffer.byteLength(BODY), 'gpt-x', 1],
        ['openai-chat', Buffer.byteLength(BODY), 'gpt-x', 1],
      ]);
      for (const response of responses) {
        expect(response.error).toBeNull();
        expect([
          response.figures?.inputTokens,
          response.figures?.outputTokens,
          response.figures?.toolNames,
          response.figures?.unparsed,
        ]).toEqual([41, 7, ['shell'], false]);
      }
      expect(responses.map((r) => r.figures?.bytes)).toEqual([direct.bytes.length, SSE.join('').length]);
      expect(responses.map((r) => r.id)).toEqual(requests.map((r) => r.id));
    } finally {
      proxy.close();
    }
  });

  it('answers 502 when the upstream cannot be reached, and says so once', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const lines: string[] = [];
    const messages: AgentMessage[] = [];
    const proxy = await startProxy({
      routes: [{ prefix: '', upstream: new URL(`http://127.0.0.1:${port}/v1`), variable: null }],
      send: (m) => messages.push(m),
      memory: () => ({ rss: 0, heapUsed: 0 }),
      say: (l) => lines.push(l),
    });
    try {
      const answers = [
        await post(`${proxyOrigin(proxy)}/chat/completions`, BODY),
        await post(`${proxyOrigin(proxy)}/chat/completions`, BODY),
      ];
      expect(answers.map((a) => a.status)).toEqual([502, 502]);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/could not reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
      expect(messages.filter((m) => m.k === 'model_response').map((m) => (m as ModelResponseMessage).error)).toEqual(['Error', 'Error']);
    } finally {
      proxy.close();
    }
  });
});

describe('a CLI that stops reading mid-answer', () => {
  it('is reported cancelled, with what was seen, and is not said as an unreachable upstream', async () => {
    const origin = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    const lines: string[] = [];
    const messages: AgentMessage[] = [];
    const proxy = await startProxy({
      routes: [{ prefix: '', upstream: new URL(origin), variable: null }],
      send: (m) => messages.push(m),
      memory: () => ({ rss: 0, heapUsed: 0 }),
      say: (l) => lines.push(l),
    });
    try {
      await new Promise<void>((resolve) => {
        const req = request(`${proxyOrigin(proxy)}/slow/v1/chat/completions`, { method: 'POST' }, (res) =>
          res.once('data', () => {
            req.destroy();
            resolve();
          }),
        );
        req.on('error', () => undefined);
        req.end(BODY);
      });
      await until(() => messages.some((m) => m.k === 'model_response'));
      const response = messages.find((m): m is ModelResponseMessage => m.k === 'model_response');
      expect([response?.error, response?.figures?.toolNames, response?.figures?.bytes]).toEqual([
        'Cancelled',
        ['shell'],
        Buffer.byteLength(SSE[0]),
      ]);
      expect(lines).toEqual([]);
    } finally {
      proxy.close();
    }
  });
});

describe('proxy settings', () => {
  it('routes each base-URL variable that is set, and a fixed upstream at the root', () => {
    const settings = proxySettings({
      OPENAI_BASE_URL: 'https://api.example/v1',
      GOOGLE_GEMINI_BASE_URL: 'http://127.0.0.1:9',
      QWEN_OTEL_PROXY_UPSTREAM: 'http://127.0.0.1:7/',
      QWEN_OTEL_PROXY_PORT: '4000',
    });
    expect(typeof settings).toBe('object');
    if (typeof settings === 'string') return;
    expect(settings.port).toBe(4000);
    expect(settings.routes.map((r) => [r.prefix, r.variable, r.upstream.href])).toEqual([
      ['/_qo0', 'OPENAI_BASE_URL', 'https://api.example/v1'],
      ['/_qo1', 'GOOGLE_GEMINI_BASE_URL', 'http://127.0.0.1:9/'],
      ['', null, 'http://127.0.0.1:7/'],
    ]);
    const found = routeOf(settings.routes, '/_qo0/responses');
    expect(found && upstreamUrl(found.route.upstream, found.rest).href).toBe('https://api.example/v1/responses');
    const fallback = routeOf(settings.routes, '/v1/responses');
    expect(fallback && upstreamUrl(fallback.route.upstream, fallback.rest).href).toBe('http://127.0.0.1:7/v1/responses');
  });

  it('says in one line why there is no proxy', () => {
    expect(proxySettings({})).toBe(
      'none of OPENAI_BASE_URL, ANTHROPIC_BASE_URL, GOOGLE_GEMINI_BASE_URL is set, nor QWEN_OTEL_PROXY_UPSTREAM',
    );
    expect(proxySettings({ OPENAI_BASE_URL: 'file:///etc' })).toBe('OPENAI_BASE_URL is not an http(s) URL');
    expect(proxySettings({ QWEN_OTEL_PROXY_VARS: 'a;b' })).toMatch(/not a variable name/);
    expect(proxySettings({ OPENAI_BASE_URL: 'http://x', QWEN_OTEL_PROXY_PORT: '70000' })).toBe('QWEN_OTEL_PROXY_PORT is not a port number');
  });
});
