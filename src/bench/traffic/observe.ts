/**
 * The response observer's own cost per streamed chunk, per wire format: a synthetic stream of
 * text deltas (one SSE event per chunk, as model servers flush them) with a tool call and usage
 * at the end, each `push` timed alone. This is the parser's share of the tap's per-chunk budget.
 */
import { quantile, spread } from '../results/stats';
import { fmt, spreadText, table } from '../overhead/report';
import { WIRE_PARSERS } from '../../traffic/parsers';
import type { WireFormat } from '../../traffic/types';

export interface ObserveOptions {
  /** Text-delta events per stream. */
  events: number;
  /** Streams observed per format (after one warm-up stream). */
  runs: number;
}

export interface ObserveRow {
  format: WireFormat;
  chunks: number;
  chunkBytes: number;
  /** Microseconds per push, every push of every run. */
  pushMicros: number[];
  endMicros: number[];
  figuresMatch: boolean;
}

const DELTA = 'Reading the build output, then the failing test — café 東京 🚀. ';

const sse = (data: unknown, name?: string, eol = '\n'): string =>
  `${name ? `event: ${name}${eol}` : ''}data: ${JSON.stringify(data)}${eol}${eol}`;

/** A delta event, and the closing events (one tool call named `run`, usage 1000 in / 50 out). */
const EVENTS: Record<WireFormat, { delta: (i: number) => string; closing: string[] }> = {
  'openai-chat': {
    delta: () =>
      sse({
        id: 'c',
        object: 'chat.completion.chunk',
        created: 1,
        model: 'm',
        choices: [{ index: 0, delta: { content: DELTA }, finish_reason: null }],
      }),
    closing: [
      sse({
        choices: [
          {
            index: 0,
            delta: { tool_calls: [{ index: 0, id: 'x', type: 'function', function: { name: 'run', arguments: '{}' } }] },
            finish_reason: 'tool_calls',
          },
        ],
      }),
      sse({ choices: [], usage: { prompt_tokens: 1000, completion_tokens: 50 } }),
      'data: [DONE]\n\n',
    ],
  },
  anthropic: {
    delta: () => sse({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: DELTA } }, 'content_block_delta'),
    closing: [
      sse(
        { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 't', name: 'run', input: {} } },
        'content_block_start',
      ),
      sse({ type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { input_tokens: 1000, output_tokens: 50 } }, 'message_delta'),
      sse({ type: 'message_stop' }, 'message_stop'),
    ],
  },
  'openai-responses': {
    delta: (i) =>
      sse(
        { type: 'response.output_text.delta', item_id: 'msg', output_index: 0, content_index: 0, delta: DELTA, sequence_number: i },
        'response.output_text.delta',
      ),
    closing: [
      sse(
        { type: 'response.output_item.done', item: { type: 'function_call', name: 'run', arguments: '{}' } },
        'response.output_item.done',
      ),
      sse(
        { type: 'response.completed', response: { status: 'completed', usage: { input_tokens: 1000, output_tokens: 50 } } },
        'response.completed',
      ),
    ],
  },
  gemini: {
    delta: () =>
      sse(
        { candidates: [{ content: { role: 'model', parts: [{ text: DELTA }] }, index: 0 }], usageMetadata: { promptTokenCount: 1000 } },
        undefined,
        '\r\n',
      ),
    closing: [
      sse(
        {
          candidates: [{ content: { parts: [{ functionCall: { name: 'run', args: {} } }] }, finishReason: 'STOP' }],
          usageMetadata: { promptTokenCount: 1000, candidatesTokenCount: 50 },
        },
        undefined,
        '\r\n',
      ),
    ],
  },
};

function streamChunks(format: WireFormat, events: number): Buffer[] {
  const { delta, closing } = EVENTS[format];
  return [...Array.from({ length: events }, (_, i) => delta(i)), ...closing].map((text) => Buffer.from(text));
}

function observeOnce(format: WireFormat, chunks: Buffer[], pushMicros: number[], endMicros: number[]): boolean {
  const observer = WIRE_PARSERS[format].observeResponse('text/event-stream');
  for (const chunk of chunks) {
    const start = performance.now();
    observer.push(chunk);
    pushMicros.push((performance.now() - start) * 1000);
  }
  const start = performance.now();
  const figures = observer.end();
  endMicros.push((performance.now() - start) * 1000);
  return (
    figures.toolNames.join() === 'run' &&
    figures.inputTokens === 1000 &&
    figures.outputTokens === 50 &&
    figures.events === chunks.length &&
    !figures.unparsed
  );
}

export function measureObserve(options: ObserveOptions, progress: (line: string) => void): { data: ObserveRow[]; markdown: string } {
  const rows: ObserveRow[] = [];
  for (const format of Object.keys(WIRE_PARSERS) as WireFormat[]) {
    progress(`observe: ${format}`);
    const chunks = streamChunks(format, options.events);
    observeOnce(format, chunks, [], []);
    const pushMicros: number[] = [];
    const endMicros: number[] = [];
    let figuresMatch = true;
    for (let run = 0; run < options.runs; run++) figuresMatch = observeOnce(format, chunks, pushMicros, endMicros) && figuresMatch;
    const chunkBytes = Math.round(chunks.reduce((sum, c) => sum + c.length, 0) / chunks.length);
    rows.push({ format, chunks: chunks.length, chunkBytes, pushMicros, endMicros, figuresMatch });
  }
  return { data: rows, markdown: observeMarkdown(rows, options) };
}

function observeMarkdown(rows: ObserveRow[], options: ObserveOptions): string {
  const lines = rows.map((row) => {
    const sorted = [...row.pushMicros].sort((a, b) => a - b);
    return [
      row.format,
      row.chunkBytes,
      spreadText(row.pushMicros, 2),
      fmt(quantile(sorted, 0.99), 2),
      fmt(spread(row.endMicros).median, 1),
      row.figuresMatch ? 'yes' : 'NO',
    ];
  });
  return [
    `## Response observer per chunk (${options.events} text deltas + closing events, one event per chunk; ${options.runs} streams)`,
    '',
    table(['format', 'bytes/chunk', 'µs per push median (IQR)', 'p99 µs', 'end() µs', 'figures exact'], lines),
    '',
    'Target for the whole tap: < 100 µs median per streamed chunk.',
  ].join('\n');
}
