/**
 * Request parsing on a large body, per wire format: throughput, peak extra memory while parsing,
 * and what is retained after. JSON.parse of the same body is measured beside it as a reference
 * (what any design that builds the parsed object would pay at least).
 */
import { spread, type Spread } from '../results/stats';
import { fmt, MiB, spreadText, table } from '../overhead/report';
import { WIRE_PARSERS } from '../../traffic/parsers';
import type { WireFormat } from '../../traffic/types';
import { syntheticRequest } from './bodies';
import { measureCall, type CallMemory } from './memory';

export interface ParseOptions {
  /** Timed parses per format (the median is reported). */
  runs: number;
  /** Size of the one large tool result in the body. */
  toolResultBytes: number;
}

export interface ParseRow {
  subject: string;
  bodyBytes: number;
  /** MB/s (10^6 bytes per second), one value per run. */
  throughput: number[];
  memory: CallMemory[];
  /** The parser's figures equal the ones known from building the body. */
  figuresMatch: boolean;
}

const MEMORY_RUNS = 5;

function timeRuns(runs: number, call: () => unknown): number[] {
  for (let i = 0; i < 3; i++) call();
  const seconds: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    call();
    seconds.push((performance.now() - start) / 1000);
  }
  return seconds;
}

async function measureSubject(
  subject: string,
  bodyBytes: number,
  runs: number,
  call: () => unknown,
  figuresMatch: boolean,
): Promise<ParseRow> {
  const throughput = timeRuns(runs, call).map((s) => bodyBytes / 1e6 / s);
  const memory: CallMemory[] = [];
  for (let i = 0; i < MEMORY_RUNS; i++) memory.push(await measureCall(call));
  return { subject, bodyBytes, throughput, memory, figuresMatch };
}

export async function measureParse(
  options: ParseOptions,
  progress: (line: string) => void,
): Promise<{ data: ParseRow[]; markdown: string }> {
  const rows: ParseRow[] = [];
  for (const format of Object.keys(WIRE_PARSERS) as WireFormat[]) {
    progress(`parse: ${format}`);
    const { body, url, expected } = syntheticRequest(format, options.toolResultBytes);
    const parser = WIRE_PARSERS[format];
    const figuresMatch = JSON.stringify(parser.parseRequest(body, url)) === JSON.stringify(expected);
    rows.push(await measureSubject(format, expected.totalBytes, options.runs, () => parser.parseRequest(body, url), figuresMatch));
  }
  progress('parse: JSON.parse reference');
  const reference = syntheticRequest('openai-chat', options.toolResultBytes);
  rows.push(
    await measureSubject('JSON.parse (reference)', reference.expected.totalBytes, options.runs, () => JSON.parse(reference.body), true),
  );
  return { data: rows, markdown: parseMarkdown(rows, options) };
}

function medianOf(memory: CallMemory[], pick: (m: CallMemory) => number): Spread {
  return spread(memory.map(pick));
}

function parseMarkdown(rows: ParseRow[], options: ParseOptions): string {
  const KiB = 1024;
  const body = (row: ParseRow): string => fmt(row.bodyBytes / MiB, 2);
  const lines = rows.map((row) => {
    const peak = medianOf(row.memory, (m) => m.peakExtraBytes).median;
    return [
      row.subject,
      body(row),
      spreadText(row.throughput, 0),
      `${fmt(peak / KiB, 1)} (${fmt(peak / row.bodyBytes, 3)}×)`,
      fmt(medianOf(row.memory, (m) => m.rssExtraBytes).median / MiB, 2),
      fmt(medianOf(row.memory, (m) => m.retainedBytes).median / KiB, 1),
      String(Math.max(...row.memory.map((m) => m.gcDuring))),
      row.figuresMatch ? 'yes' : 'NO',
    ];
  });
  const headers = [
    'parser',
    'body MiB',
    'MB/s median (IQR)',
    'peak extra heap KiB (× body)',
    'RSS extra MiB',
    'retained KiB',
    'GCs during',
    'figures exact',
  ];
  return [
    `## Request parsing (a ${fmt(options.toolResultBytes / MiB, 0)} MiB tool result in the history; ${options.runs} timed runs, memory over ${MEMORY_RUNS})`,
    '',
    table(headers, lines),
    '',
    'Peak extra heap: heap used + external allocated by one parse and still uncollected when it returned',
    '(garbage collected twice before; "GCs during" > 0 would make it a lower bound). Retained: after two more',
    'collections, with the figures still held. Targets: >= 100 MB/s, peak <= 1x the body, retained ~0.',
  ].join('\n');
}
