// What the loopback proxy (`qwen-otel run --proxy`) adds to a streamed model response: the same
// local SSE stream read directly and through a real proxy process, alternated, paired per round.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fmt, spreadText, table } from '../overhead/report';
import { pairedDifferences, spread } from '../results/stats';
import { CHUNKS, readStream, streamingServer } from './latency';

const ROUNDS = 60;
const WARMUP_ROUNDS = 5;
const PROXY_MAIN = path.resolve(__dirname, '..', '..', 'collector', 'proxy-process.js');

export async function measureProxyLatency(progress: (line: string) => void): Promise<{ data: unknown; markdown: string }> {
  const server = await streamingServer();
  const direct = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'qo-proxy-bench-'));
  const proxy = await startProxyProcess(dir, direct);
  const plain = { perChunkUs: [] as number[], firstByteMs: [] as number[], totalMs: [] as number[] };
  const proxied = { perChunkUs: [] as number[], firstByteMs: [] as number[], totalMs: [] as number[] };
  try {
    for (let round = -WARMUP_ROUNDS; round < ROUNDS; round += 1) {
      progress(`proxy latency: ${round < 0 ? 'warm-up' : `round ${round + 1}/${ROUNDS}`}`);
      const order =
        round % 2 === 0
          ? ([
              [direct, plain],
              [proxy.origin, proxied],
            ] as const)
          : ([
              [proxy.origin, proxied],
              [direct, plain],
            ] as const);
      for (const [origin, into] of order) {
        const run = await readStream(fetch, `${origin}/v1/chat/completions`);
        if (round < 0) continue;
        into.perChunkUs.push(run.perChunkUs);
        into.firstByteMs.push(run.firstByteMs);
        into.totalMs.push(run.totalMs);
      }
    }
  } finally {
    proxy.stop();
    server.close();
  }
  const lines = readdirSync(dir).length;
  rmSync(dir, { recursive: true, force: true });
  const perChunk = pairedDifferences(plain.perChunkUs, proxied.perChunkUs);
  const firstByte = pairedDifferences(plain.firstByteMs, proxied.firstByteMs);
  const total = pairedDifferences(plain.totalMs, proxied.totalMs);
  const markdown = [
    `## The loopback proxy on a streamed response (${CHUNKS} SSE chunks from a local server, a separate proxy process, ${ROUNDS} rounds alternated after ${WARMUP_ROUNDS} of warm-up)`,
    '',
    table(
      ['', 'direct', 'through the proxy', 'paired difference (median, IQR)'],
      [
        ['time per chunk, µs', spreadText(plain.perChunkUs, 2), spreadText(proxied.perChunkUs, 2), `${spreadText(perChunk, 2)} µs`],
        ['time to first byte, ms', spreadText(plain.firstByteMs, 2), spreadText(proxied.firstByteMs, 2), `${spreadText(firstByte, 2)} ms`],
        [
          'whole request, ms',
          spreadText(plain.totalMs, 2),
          spreadText(proxied.totalMs, 2),
          `${spreadText(total, 2)} ms = ${fmt(spread(total).median, 2)} ms per request`,
        ],
      ],
    ),
    '',
    `Against a model's time to first token (hundreds of ms) the first-byte difference is what a user can notice. (${lines} channel file(s) written.)`,
  ].join('\n');
  return { data: { plain, proxied }, markdown };
}

async function startProxyProcess(dir: string, upstream: string): Promise<{ origin: string; stop(): void }> {
  const child = spawn(process.execPath, [PROXY_MAIN], {
    env: { PATH: process.env.PATH, QWEN_OTEL_SESSION_DIR: dir, QWEN_OTEL_PROXY_UPSTREAM: upstream, QWEN_OTEL_PROXY_VARS: 'NONE_SET' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let origin: string | null = null;
  for await (const line of createInterface({ input: child.stdout })) {
    if (line.startsWith('QWEN_OTEL_PROXY_ORIGIN=')) origin = line.slice(line.indexOf('=') + 1);
    if (line === 'ready') break;
  }
  if (!origin) throw new Error('the proxy did not start');
  return { origin, stop: () => child.kill('SIGTERM') };
}
