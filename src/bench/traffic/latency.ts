// What the tap adds to a streamed model response, side by side in one process: the same local
// SSE stream read through the plain fetch and through the tapped one, alternated. Per-chunk
// latency is the difference in time per chunk over a long stream; time to first byte is the
// difference in the first chunk's arrival.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pairedDifferences, spread } from '../results/stats';
import { fmt, spreadText, table } from '../overhead/report';
import { HostCounter, installFetchTap } from '../../traffic/tap';

export const CHUNKS = 2000;
const ROUNDS = 60;
/** Rounds run first and left out: the JIT warms both paths up. */
const WARMUP_ROUNDS = 5;

export async function measureTapLatency(progress: (line: string) => void): Promise<{ data: unknown; markdown: string }> {
  const server = await streamingServer();
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/chat/completions`;
  const plainFetch = globalThis.fetch;
  let messages = 0;
  installFetchTap({ send: () => (messages += 1), memory: () => ({ rss: 0, heapUsed: 0 }) }, new HostCounter());
  const tappedFetch = globalThis.fetch;
  globalThis.fetch = plainFetch;
  const plain = { perChunkUs: [] as number[], firstByteMs: [] as number[] };
  const tapped = { perChunkUs: [] as number[], firstByteMs: [] as number[] };
  try {
    for (let round = -WARMUP_ROUNDS; round < ROUNDS; round += 1) {
      progress(`tap latency: ${round < 0 ? 'warm-up' : `round ${round + 1}/${ROUNDS}`}`);
      for (const [fetchFn, into] of round % 2 === 0
        ? ([
            [plainFetch, plain],
            [tappedFetch, tapped],
          ] as const)
        : ([
            [tappedFetch, tapped],
            [plainFetch, plain],
          ] as const)) {
        const run = await readStream(fetchFn, url);
        if (round < 0) continue;
        into.perChunkUs.push(run.perChunkUs);
        into.firstByteMs.push(run.firstByteMs);
      }
    }
  } finally {
    server.close();
  }
  const perChunk = pairedDifferences(plain.perChunkUs, tapped.perChunkUs);
  const firstByte = pairedDifferences(plain.firstByteMs, tapped.firstByteMs);
  const added = spread(perChunk).median;
  const markdown = [
    `## The tap on a streamed response (${CHUNKS} SSE chunks from a local server, ${ROUNDS} rounds alternated after ${WARMUP_ROUNDS} of warm-up)`,
    '',
    table(
      ['', 'plain fetch', 'tapped fetch', 'paired difference (median, IQR)'],
      [
        [
          'time per chunk, µs',
          spreadText(plain.perChunkUs, 2),
          spreadText(tapped.perChunkUs, 2),
          `${spreadText(perChunk, 2)} µs = ${fmt(added / 1000, 4)} ms`,
        ],
        ['time to first byte, ms', spreadText(plain.firstByteMs, 2), spreadText(tapped.firstByteMs, 2), `${spreadText(firstByte, 2)} ms`],
      ],
    ),
    '',
    `Targets: < 0.1 ms added per chunk; time to first byte unchanged beyond noise. (${messages} tap messages were produced.)`,
  ].join('\n');
  return { data: { plain, tapped }, markdown };
}

export async function readStream(
  fetchFn: typeof fetch,
  url: string,
): Promise<{ perChunkUs: number; firstByteMs: number; totalMs: number }> {
  const began = process.hrtime.bigint();
  const response = await fetchFn(url, { method: 'POST', body: '{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}' });
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  let first: bigint | null = null;
  for (;;) {
    const { done } = await reader.read();
    first ??= process.hrtime.bigint();
    if (done) break;
  }
  const ended = process.hrtime.bigint();
  return {
    perChunkUs: Number(ended - (first as bigint)) / 1000 / CHUNKS,
    firstByteMs: Number((first as bigint) - began) / 1e6,
    totalMs: Number(ended - began) / 1e6,
  };
}

/** Writes CHUNKS small SSE events as fast as the socket takes them, each its own write. */
export function streamingServer(): Promise<Server> {
  const chunk = (i: number): string => `data: {"choices":[{"index":0,"delta":{"content":"token ${i} "}}]}\n\n`;
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', async () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (let i = 0; i < CHUNKS; i += 1) {
        if (!res.write(chunk(i))) await new Promise((resolve) => res.once('drain', resolve));
        if (i % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      res.end('data: {"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2000}}\n\ndata: [DONE]\n\n');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
