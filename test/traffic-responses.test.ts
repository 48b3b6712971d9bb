// Response side of the wire-format parsers: recorded streams, synthetic streams and JSON bodies,
// fed in every kind of chunk split (inside `data:` lines, CRLFs and multi-byte characters), and
// bodies that are not what they claim to be.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { WIRE_PARSERS } from '../src/traffic/parsers';
import type { ResponseFigures, WireFormat } from '../src/traffic/types';

const ROOT = path.join(__dirname, 'fixtures', 'traffic');
const FORMATS = Object.keys(WIRE_PARSERS) as WireFormat[];
const CLIS: Array<{ cli: string; format: WireFormat }> = [
  { cli: 'qwen', format: 'openai-chat' },
  { cli: 'claude', format: 'anthropic' },
  { cli: 'codex', format: 'openai-responses' },
  { cli: 'gemini', format: 'gemini' },
];
const SSE = 'text/event-stream';
const JSON_TYPE = 'application/json; charset=utf-8';

function feed(format: WireFormat, contentType: string | null, chunks: Uint8Array[]): ResponseFigures {
  const observer = WIRE_PARSERS[format].observeResponse(contentType);
  for (const chunk of chunks) observer.push(chunk);
  return observer.end();
}

/** A small seeded generator, so a failing split can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state / 0x7fffffff;
  };
}

function splitAt(bytes: Buffer, cuts: number[]): Uint8Array[] {
  const points = [0, ...[...new Set(cuts)].sort((a, b) => a - b), bytes.length];
  // Fresh copies: the observer must not depend on the caller keeping a chunk intact.
  return points.slice(1).map((end, i) => new Uint8Array(bytes.subarray(points[i], end)));
}

/** Every two-piece split, single bytes, and random many-piece splits all give the one-chunk figures. */
function expectSplitInvariant(format: WireFormat, contentType: string | null, bytes: Buffer): ResponseFigures {
  const whole = feed(format, contentType, [bytes]);
  for (let cut = 1; cut < bytes.length; cut++) expect(feed(format, contentType, splitAt(bytes, [cut])), `cut at ${cut}`).toEqual(whole);
  expect(
    feed(
      format,
      contentType,
      splitAt(
        bytes,
        Array.from({ length: bytes.length }, (_, i) => i),
      ),
    ),
  ).toEqual(whole);
  const next = random(bytes.length);
  for (let round = 0; round < 50; round++) {
    const cuts = Array.from({ length: 1 + Math.floor(next() * 30) }, () => Math.floor(next() * bytes.length));
    expect(feed(format, contentType, splitAt(bytes, cuts)), `round ${round}`).toEqual(whole);
  }
  return whole;
}

const lastNumber = (text: string, key: string): number | null => {
  const all = [...text.matchAll(new RegExp(`"${key}":(\\d+)`, 'g'))];
  return all.length > 0 ? Number(all[all.length - 1]![1]) : null;
};
const lastString = (text: string, key: string): string | null => {
  const all = [...text.matchAll(new RegExp(`"${key}":"(\\w+)"`, 'g'))];
  return all.length > 0 ? all[all.length - 1]![1]! : null;
};

/** Token figures and finish reason read from the raw text by pattern, not by parsing. */
function tokensByPattern(format: WireFormat, text: string): Partial<ResponseFigures> {
  if (format === 'openai-chat') {
    return {
      inputTokens: lastNumber(text, 'prompt_tokens'),
      outputTokens: lastNumber(text, 'completion_tokens'),
      cachedTokens: lastNumber(text, 'cached_tokens'),
      finishReason: lastString(text, 'finish_reason'),
    };
  }
  if (format === 'anthropic') {
    const read = lastNumber(text, 'cache_read_input_tokens');
    const input = lastNumber(text, 'input_tokens')! + read! + lastNumber(text, 'cache_creation_input_tokens')!;
    return {
      inputTokens: input,
      outputTokens: lastNumber(text, 'output_tokens'),
      cachedTokens: read,
      finishReason: lastString(text, 'stop_reason'),
    };
  }
  if (format === 'openai-responses') {
    return {
      inputTokens: lastNumber(text, 'input_tokens'),
      outputTokens: lastNumber(text, 'output_tokens'),
      cachedTokens: lastNumber(text, 'cached_tokens'),
      finishReason: 'completed',
    };
  }
  return {
    inputTokens: lastNumber(text, 'promptTokenCount'),
    outputTokens: lastNumber(text, 'candidatesTokenCount'),
    cachedTokens: lastNumber(text, 'cachedContentTokenCount'),
    finishReason: lastString(text, 'finishReason'),
  };
}

function readmeResponses(cli: string): Map<string, { bytes: number; tools: string[]; events: number }> {
  const readme = readFileSync(path.join(ROOT, cli, 'README.md'), 'utf8');
  const rows = [...readme.matchAll(/`(response-\d\.sse)` \| (\d+) \| response \d: (?:tool call ([\w, ]+)|final text); SSE events (\d+)/g)];
  return new Map(rows.map((m) => [m[1]!, { bytes: Number(m[2]), tools: m[3] ? m[3].split(', ') : [], events: Number(m[4]) }]));
}

describe.each(CLIS)('$cli responses ($format)', ({ cli, format }) => {
  const readme = readmeResponses(cli);
  it.each(['response-1.sse', 'response-2.sse', 'response-3.sse'])('%s: figures as recorded, whatever the chunking', (file) => {
    const bytes = readFileSync(path.join(ROOT, cli, file));
    const figures = expectSplitInvariant(format, SSE, bytes);
    const row = readme.get(file)!;
    expect(figures).toEqual({
      ...tokensByPattern(format, bytes.toString('utf8')),
      toolCalls: row.tools.length,
      toolNames: row.tools,
      bytes: row.bytes,
      events: row.events,
      unparsed: false,
    });
    expect(feed(format, null, [bytes])).toEqual(figures);
  });
});

const sse = (events: Array<[string | null, unknown]>, eol = '\n'): Buffer =>
  Buffer.from(
    events
      .map(
        ([name, data]) =>
          `${name ? `event: ${name}${eol}` : ''}data: ${typeof data === 'string' ? data : JSON.stringify(data)}${eol}${eol}`,
      )
      .join(''),
  );

const TEXT = 'Voilà: 東京 🚀 — done';

/** One synthetic stream per format: text with multi-byte characters, two tool calls, cached tokens. */
const STREAMS: Record<WireFormat, { body: Buffer; expected: Partial<ResponseFigures> }> = {
  'openai-chat': {
    body: sse(
      [
        [null, { choices: [{ index: 0, delta: { role: 'assistant', content: TEXT }, finish_reason: null }] }],
        [
          null,
          {
            choices: [
              {
                index: 0,
                delta: { tool_calls: [{ index: 0, id: 'a', type: 'function', function: { name: 'read_file', arguments: '' } }] },
              },
            ],
          },
        ],
        [null, { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"path":"é"}' } }] } }] }],
        [
          null,
          {
            choices: [
              { index: 0, delta: { tool_calls: [{ index: 1, id: 'b', type: 'function', function: { name: 'grep', arguments: '{}' } }] } },
            ],
          },
        ],
        [null, { choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] }],
        [null, { choices: [], usage: { prompt_tokens: 900, completion_tokens: 40, prompt_tokens_details: { cached_tokens: 512 } } }],
        [null, '[DONE]'],
      ],
      '\r\n',
    ),
    expected: {
      inputTokens: 900,
      outputTokens: 40,
      cachedTokens: 512,
      toolNames: ['read_file', 'grep'],
      finishReason: 'tool_calls',
      events: 7,
    },
  },
  anthropic: {
    body: Buffer.concat([
      Buffer.from(': keep-alive\n\n'),
      sse([
        [
          'message_start',
          {
            type: 'message_start',
            message: { usage: { input_tokens: 10, cache_read_input_tokens: 800, cache_creation_input_tokens: 90, output_tokens: 1 } },
          },
        ],
        ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
        ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: TEXT } }],
        [
          'content_block_start',
          { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 't1', name: 'Read', input: {} } },
        ],
        [
          'content_block_start',
          { type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 't2', name: 'Bash', input: {} } },
        ],
        ['message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 55 } }],
        ['message_stop', { type: 'message_stop' }],
      ]),
    ]),
    expected: { inputTokens: 900, outputTokens: 55, cachedTokens: 800, toolNames: ['Read', 'Bash'], finishReason: 'tool_use', events: 7 },
  },
  'openai-responses': {
    body: sse([
      ['response.created', { type: 'response.created', response: { object: 'response', status: 'in_progress', usage: null } }],
      ['response.output_text.delta', { type: 'response.output_text.delta', delta: TEXT }],
      [
        'response.output_item.added',
        { type: 'response.output_item.added', item: { type: 'function_call', name: 'exec_command', arguments: '' } },
      ],
      [
        'response.output_item.done',
        { type: 'response.output_item.done', item: { type: 'function_call', name: 'exec_command', arguments: '{}' } },
      ],
      [
        'response.output_item.done',
        { type: 'response.output_item.done', item: { type: 'custom_tool_call', name: 'apply_patch', input: '*** Begin Patch' } },
      ],
      [
        'response.completed',
        {
          type: 'response.completed',
          response: {
            status: 'completed',
            output: [
              { type: 'function_call', name: 'exec_command' },
              { type: 'custom_tool_call', name: 'apply_patch' },
            ],
            usage: { input_tokens: 700, input_tokens_details: { cached_tokens: 300 }, output_tokens: 20 },
          },
        },
      ],
    ]),
    expected: {
      inputTokens: 700,
      outputTokens: 20,
      cachedTokens: 300,
      toolNames: ['exec_command', 'apply_patch'],
      finishReason: 'completed',
      events: 6,
    },
  },
  gemini: {
    body: sse(
      [
        [null, { candidates: [{ content: { role: 'model', parts: [{ text: TEXT }] } }], usageMetadata: { promptTokenCount: 600 } }],
        [
          null,
          {
            candidates: [
              {
                content: {
                  role: 'model',
                  parts: [{ functionCall: { name: 'read_file', args: {} } }, { functionCall: { name: 'glob', args: {} } }],
                },
                finishReason: 'STOP',
              },
            ],
            usageMetadata: { promptTokenCount: 600, candidatesTokenCount: 30, thoughtsTokenCount: 12, cachedContentTokenCount: 256 },
          },
        ],
      ],
      '\r\n',
    ),
    expected: { inputTokens: 600, outputTokens: 42, cachedTokens: 256, toolNames: ['read_file', 'glob'], finishReason: 'STOP', events: 2 },
  },
};

/** The same answers as one JSON body (Gemini: the JSON array of `:streamGenerateContent` without alt=sse). */
const JSON_BODIES: Record<WireFormat, { body: unknown; expected: Partial<ResponseFigures> }> = {
  'openai-chat': {
    body: {
      object: 'chat.completion',
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: TEXT,
            tool_calls: [{ id: 'a', type: 'function', function: { name: 'read_file', arguments: '{}' } }],
          },
          finish_reason: 'tool_calls',
        },
      ],
      usage: { prompt_tokens: 900, completion_tokens: 40, prompt_tokens_details: { cached_tokens: 512 } },
    },
    expected: { inputTokens: 900, outputTokens: 40, cachedTokens: 512, toolNames: ['read_file'], finishReason: 'tool_calls' },
  },
  anthropic: {
    body: {
      type: 'message',
      role: 'assistant',
      content: [
        { type: 'text', text: TEXT },
        { type: 'tool_use', id: 't', name: 'Bash', input: { command: 'ls "}"' } },
      ],
      stop_reason: 'tool_use',
      usage: { input_tokens: 10, cache_read_input_tokens: 800, cache_creation_input_tokens: 0, output_tokens: 55 },
    },
    expected: { inputTokens: 810, outputTokens: 55, cachedTokens: 800, toolNames: ['Bash'], finishReason: 'tool_use' },
  },
  'openai-responses': {
    body: {
      object: 'response',
      status: 'incomplete',
      incomplete_details: { reason: 'max_output_tokens' },
      output: [
        { type: 'message', content: [{ type: 'output_text', text: TEXT }] },
        { type: 'function_call', name: 'exec_command' },
      ],
      usage: { input_tokens: 700, input_tokens_details: { cached_tokens: 0 }, output_tokens: 20 },
    },
    expected: { inputTokens: 700, outputTokens: 20, cachedTokens: 0, toolNames: ['exec_command'], finishReason: 'max_output_tokens' },
  },
  gemini: {
    body: [
      { candidates: [{ content: { parts: [{ text: `${TEXT} [with] {brackets} "quotes" \\ ` }] } }] },
      {
        candidates: [
          { content: { parts: [{ functionCall: { name: 'read_file', args: { path: '[}', dir: 'C:\\' } } }] }, finishReason: 'STOP' },
        ],
        usageMetadata: { promptTokenCount: 600, candidatesTokenCount: 30 },
      },
    ],
    expected: { inputTokens: 600, outputTokens: 30, cachedTokens: null, toolNames: ['read_file'], finishReason: 'STOP' },
  },
};

describe.each(FORMATS)('synthetic %s responses', (format) => {
  it('a stream with multi-byte text, CRLFs and two tool calls, in any chunking', () => {
    const { body, expected } = STREAMS[format];
    const figures = expectSplitInvariant(format, SSE, body);
    expect(figures).toEqual({
      cachedTokens: null,
      ...expected,
      toolCalls: expected.toolNames!.length,
      bytes: body.length,
      unparsed: false,
    });
    expect(feed(format, null, [body])).toEqual(figures);
  });

  it('a JSON body, in any chunking, with or without its content type', () => {
    const { body: value, expected } = JSON_BODIES[format];
    const body = Buffer.from(JSON.stringify(value, null, format === 'gemini' ? 2 : undefined));
    const figures = expectSplitInvariant(format, JSON_TYPE, body);
    expect(figures).toEqual({ ...expected, toolCalls: expected.toolNames!.length, bytes: body.length, events: 1, unparsed: false });
    expect(feed(format, null, [body])).toEqual(figures);
  });

  it('counts what it cannot read as unparsed, and never throws', () => {
    const html = Buffer.from('<!DOCTYPE html>\n<html><body><h1>502 Bad Gateway</h1>\n</body></html>\n');
    const garbage = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919 + 13) % 256));
    const stream = STREAMS[format].body;
    const json = Buffer.from(JSON.stringify(JSON_BODIES[format].body));
    const cases: Array<[string | null, Uint8Array[]]> = [
      [SSE, []],
      [JSON_TYPE, []],
      [null, [Buffer.from('  \n')]],
      ['text/html', [html]],
      [SSE, [html]],
      [JSON_TYPE, [html]],
      [SSE, [garbage]],
      [JSON_TYPE, [garbage]],
      [SSE, [Buffer.from('data: {"choices": [\n\n')]],
      [JSON_TYPE, [json.subarray(0, json.length - 3)]],
      [JSON_TYPE, [Buffer.from('"just a string"')]],
      [SSE, [stream.subarray(0, stream.indexOf('data:', 20) + 12)]],
    ];
    for (const [contentType, chunks] of cases) {
      let figures: ResponseFigures | undefined;
      expect(() => (figures = feed(format, contentType, chunks))).not.toThrow();
      expect(figures!.unparsed, `${contentType}: ${Buffer.concat(chunks).subarray(0, 40).toString('latin1')}`).toBe(true);
      expect(figures!.bytes).toBe(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
    }
    const observer = WIRE_PARSERS[format].observeResponse(SSE);
    observer.push(stream);
    const first = observer.end();
    expect(() => observer.push(garbage)).not.toThrow();
    expect(observer.end()).toEqual(first);
  });

  it('counts an event or body larger than 1 MiB without holding it', () => {
    const big = 'x'.repeat(3 * 1024 * 1024);
    const stream = Buffer.concat([sse([[null, { error: big }]]), STREAMS[format].body]);
    const chunks = splitAt(
      stream,
      Array.from({ length: Math.ceil(stream.length / 65536) }, (_, i) => i * 65536),
    );
    const figures = feed(format, SSE, chunks);
    expect(figures).toMatchObject({
      ...STREAMS[format].expected,
      events: STREAMS[format].expected.events! + 1,
      bytes: stream.length,
      unparsed: false,
    });
    const json = Buffer.from(JSON.stringify({ padding: big }));
    expect(feed(format, JSON_TYPE, splitAt(json, [65536, 1 << 20]))).toMatchObject({
      bytes: json.length,
      events: 1,
      unparsed: true,
      toolCalls: 0,
    });
  });
});
