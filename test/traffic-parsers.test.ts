// Request side of the wire-format parsers, checked against an independent computation: the body is
// parsed with JSON.parse and every part measured by serializing it again, which equals the bytes
// as sent whenever the body was written by a context-free serializer (JSON.stringify, or the
// spaced, fully escaping one below).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MiB, syntheticRequest } from '../src/bench/traffic/bodies';
import { garbageCollector } from '../src/bench/traffic/memory';
import { detectFormat } from '../src/traffic/detect';
import { WIRE_PARSERS } from '../src/traffic/parsers';
import type { RequestFigures, WireFormat } from '../src/traffic/types';

type Json = Record<string, any>;
type Measure = (value: unknown) => number;

const ROOT = path.join(__dirname, 'fixtures', 'traffic');
const FORMATS = Object.keys(WIRE_PARSERS) as WireFormat[];
const CLIS: Array<{ cli: string; format: WireFormat; url: URL }> = [
  { cli: 'qwen', format: 'openai-chat', url: new URL('http://127.0.0.1:1/v1/chat/completions') },
  { cli: 'claude', format: 'anthropic', url: new URL('http://127.0.0.1:1/v1/messages?beta=true') },
  { cli: 'codex', format: 'openai-responses', url: new URL('http://127.0.0.1:1/v1/responses') },
  { cli: 'gemini', format: 'gemini', url: new URL('http://127.0.0.1:1/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse') },
];

const utf8 = (text: string): number => Buffer.byteLength(text, 'utf8');
const compact: Measure = (value) => utf8(JSON.stringify(value));

/** JSON with a space around every separator and every non-ASCII character and `/` escaped. */
function spacedEscaped(value: unknown): string {
  if (Array.isArray(value)) return `[ ${value.map(spacedEscaped).join(' , ')} ]`;
  if (value !== null && typeof value === 'object') {
    return `{ ${Object.entries(value)
      .map(([k, v]) => `${spacedEscaped(k)} : ${spacedEscaped(v)}`)
      .join(' , ')} }`;
  }
  if (typeof value !== 'string') return JSON.stringify(value);
  return JSON.stringify(value).replace(/[\u0080-\uffff/]/g, (c) =>
    c === '/' ? '\\/' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  return Array.isArray(content) ? content.map((part) => (typeof part?.text === 'string' ? part.text : '')).join('') : '';
}

const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);

function results(figures: Pick<RequestFigures, 'toolResultCount' | 'toolResultBytes' | 'toolResultLargest'>, sizes: number[]): void {
  figures.toolResultCount = sizes.length;
  figures.toolResultBytes = sum(sizes);
  figures.toolResultLargest = Math.max(0, ...sizes);
}

/** What the figures should be, computed from the parsed body. */
function expectedFigures(format: WireFormat, json: Json, measure: Measure, body: string, url: URL): RequestFigures {
  const tools: unknown[] = Array.isArray(json.tools) ? json.tools : [];
  const figures: RequestFigures = {
    format,
    model: typeof json.model === 'string' ? json.model : null,
    stream: json.stream === true,
    totalBytes: utf8(body),
    systemBytes: 0,
    toolSchemaCount: tools.length,
    toolSchemaBytes: json.tools === undefined ? 0 : measure(json.tools),
    historyBytes: 0,
    messageCount: 0,
    toolResultCount: 0,
    toolResultBytes: 0,
    toolResultLargest: 0,
    truncated: [],
    readBacks: [],
    savedUntracked: 0,
  };
  const isSystem = (item: Json): boolean =>
    ['system', 'developer'].includes(item.role) && (format !== 'openai-responses' || (item.type ?? 'message') === 'message');
  const split = (items: Json[]): void => {
    figures.messageCount = items.length;
    figures.systemBytes += sum(items.filter(isSystem).map(measure));
    figures.historyBytes = sum(items.filter((item) => !isSystem(item)).map(measure));
  };
  if (format === 'openai-chat') {
    split(json.messages);
    results(
      figures,
      json.messages.filter((m: Json) => m.role === 'tool').map((m: Json) => utf8(textOf(m.content))),
    );
  } else if (format === 'anthropic') {
    figures.systemBytes = json.system === undefined ? 0 : measure(json.system);
    figures.messageCount = json.messages.length;
    figures.historyBytes = sum(json.messages.map(measure));
    const blocks = json.messages.flatMap((m: Json) => (Array.isArray(m.content) ? m.content : []));
    results(
      figures,
      blocks.filter((b: Json) => b.type === 'tool_result').map((b: Json) => utf8(textOf(b.content))),
    );
  } else if (format === 'openai-responses') {
    figures.systemBytes = json.instructions === undefined ? 0 : measure(json.instructions);
    split(json.input);
    results(
      figures,
      json.input.filter((i: Json) => String(i.type).endsWith('_call_output')).map((i: Json) => utf8(textOf(i.output))),
    );
  } else {
    const match = /models\/([^:/]+):(\w+)$/.exec(url.pathname);
    figures.model = match ? match[1]! : null;
    figures.stream = match?.[2] === 'streamGenerateContent';
    figures.systemBytes = json.systemInstruction === undefined ? 0 : measure(json.systemInstruction);
    figures.toolSchemaCount = sum(tools.map((t: any) => (Array.isArray(t.functionDeclarations) ? t.functionDeclarations.length : 1)));
    figures.messageCount = json.contents.length;
    figures.historyBytes = sum(json.contents.map(measure));
    const parts = json.contents.flatMap((c: Json) => c.parts ?? []);
    results(
      figures,
      parts.filter((p: Json) => p.functionResponse).map((p: Json) => measure(p.functionResponse.response)),
    );
  }
  return figures;
}

function readmeCounts(cli: string): Map<string, { results: number; items: number; tools: number }> {
  const readme = readFileSync(path.join(ROOT, cli, 'README.md'), 'utf8');
  const rows = [
    ...readme.matchAll(/`(request-\d\.json)` \| \d+ \| main request \d: tool results (\d+), history items (\d+), tools (\d+)/g),
  ];
  return new Map(rows.map((m) => [m[1]!, { results: Number(m[2]), items: Number(m[3]), tools: Number(m[4]) }]));
}

describe.each(CLIS)('$cli requests ($format)', ({ cli, format, url }) => {
  const parser = WIRE_PARSERS[format];
  const counts = readmeCounts(cli);

  it.each(['request-1.json', 'request-2.json'])('%s: every figure as computed independently', (file) => {
    const body = readFileSync(path.join(ROOT, cli, file), 'utf8');
    const json = JSON.parse(body) as Json;
    // Precondition of measuring by re-serializing: the CLI sent compact JSON.stringify output.
    expect(JSON.stringify(json)).toBe(body);
    const figures = parser.parseRequest(body, url);
    expect(figures).toEqual(expectedFigures(format, json, compact, body, url));
    const readme = counts.get(file)!;
    expect(figures).toMatchObject({ toolResultCount: readme.results, messageCount: readme.items, toolSchemaCount: readme.tools });
    expect(figures!.systemBytes + figures!.toolSchemaBytes + figures!.historyBytes).toBeLessThan(figures!.totalBytes);
  });

  it('measures parts as sent when the body is spaced and escaped differently', () => {
    const json = JSON.parse(readFileSync(path.join(ROOT, cli, 'request-2.json'), 'utf8')) as Json;
    const body = spacedEscaped(json);
    expect(body).toMatch(/\\u[0-9a-f]{4}/);
    const measure: Measure = (value) => utf8(spacedEscaped(value));
    expect(parser.parseRequest(body, url)).toEqual(expectedFigures(format, json, measure, body, url));
  });
});

describe.each(FORMATS)('synthetic %s requests', (format) => {
  const parser = WIRE_PARSERS[format];

  it('a 5 MiB tool result: the figures of the construction and of the independent computation', () => {
    const { body, url, expected } = syntheticRequest(format, 5 * MiB);
    expect(expected.toolResultLargest).toBeGreaterThan(5 * MiB);
    const figures = parser.parseRequest(body, url);
    expect(figures).toEqual(expected);
    expect(figures).toEqual(expectedFigures(format, JSON.parse(body), compact, body, url));
  });

  it('escapes of every kind (\\n, \\", \\\\, \\uXXXX, surrogate pairs) decode to the right byte counts', () => {
    const { body: compactBody, url } = syntheticRequest(format, 4096);
    const json = JSON.parse(compactBody) as Json;
    const body = spacedEscaped(json);
    expect(body).toContain('\\ud83d\\ude80');
    const figures = parser.parseRequest(body, url);
    expect(figures).toEqual(expectedFigures(format, json, (value) => utf8(spacedEscaped(value)), body, url));
    // Decoded tool-result bytes do not depend on how the text was escaped (Gemini measures JSON as sent).
    if (format !== 'gemini') expect(figures!.toolResultBytes).toBe(parser.parseRequest(compactBody, url)!.toolResultBytes);
  });

  it('keeps nothing of the body alive through the figures it returns', () => {
    const gc = garbageCollector();
    // A model name long enough that V8 would make a slice of it (a slice pins the whole body).
    const parseDroppingBody = (): RequestFigures | null => {
      const { body, url } = syntheticRequest(format, 8 * MiB);
      const renamed = body.replace(/"model":"[^"]*"/, '"model":"a-long-model-name-2025-01-01"');
      /x/.exec('x'); // RegExp's last-match state would pin `body` otherwise.
      return parser.parseRequest(renamed, url);
    };
    gc();
    const before = process.memoryUsage().heapUsed;
    const figures = parseDroppingBody();
    gc();
    gc();
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(2 * MiB);
    expect(figures!.toolResultLargest).toBeGreaterThan(8 * MiB);
  });

  it('returns null, never throws, for bodies it cannot read', () => {
    const { body, url } = syntheticRequest(format, 2000);
    const garbage = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256)).toString('latin1');
    const bad = [
      '',
      ' ',
      'null',
      '[]',
      '{}',
      '"x"',
      '{"messages":5,"contents":5,"input":5}',
      '<html><body>502 Bad Gateway</body></html>',
      garbage,
      '['.repeat(100_000),
      body.replace(/\[/, '{'),
    ];
    for (const input of bad) expect(() => parser.parseRequest(input, url)).not.toThrow();
    for (const input of bad) expect(parser.parseRequest(input, url), input.slice(0, 40)).toBeNull();
    for (let cut = 0; cut < body.length; cut += 97) expect(parser.parseRequest(body.slice(0, cut), url)).toBeNull();
    expect(parser.parseRequest(`${body} x`, url)).toBeNull();
    expect(parser.parseRequest(`  ${body}\n`, url)).not.toBeNull();
  });
});

describe('detectFormat', () => {
  const cases: Array<[string, string, WireFormat | null]> = [
    ['POST', 'http://127.0.0.1:8080/v1/chat/completions', 'openai-chat'],
    ['post', 'https://dashscope.aliyuncs.com/compatible-mode/v1/chat/completions', 'openai-chat'],
    ['POST', 'https://x.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21', 'openai-chat'],
    ['POST', 'https://openrouter.ai/api/v1/chat/completions/', 'openai-chat'],
    ['POST', 'https://api.anthropic.com/v1/messages?beta=true', 'anthropic'],
    ['POST', 'https://proxy.example.com/anthropic/v1/messages', 'anthropic'],
    ['POST', 'https://api.anthropic.com/v1/messages/count_tokens', null],
    ['POST', 'https://api.openai.com/v1/responses', 'openai-responses'],
    ['POST', 'https://x.openai.azure.com/openai/v1/responses?api-version=preview', 'openai-responses'],
    ['POST', 'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse', 'gemini'],
    ['POST', 'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-pro:generateContent', 'gemini'],
    [
      'POST',
      'https://aiplatform.googleapis.com/v1/projects/p/locations/l/publishers/google/models/gemini-2.5-pro:streamGenerateContent',
      'gemini',
    ],
    ['POST', 'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-pro:countTokens', null],
    ['POST', 'https://generativelanguage.googleapis.com/v1beta/models/text-embedding-004:embedContent', null],
    ['GET', 'https://api.openai.com/v1/chat/completions', null],
    ['HEAD', 'http://127.0.0.1:8080/', null],
    ['GET', 'https://api.openai.com/v1/models', null],
    ['POST', 'https://api.openai.com/v1/embeddings', null],
    ['POST', 'https://api.openai.com/v1/completions', null],
    ['POST', 'data:application/json,chat/completions', null],
  ];
  it.each(cases)('%s %s → %s', (method, url, format) => {
    expect(detectFormat(new URL(url), method)).toBe(format);
  });
});
