// Benchmark helper: a steady stream of phases and accounting through the typed API for a while,
// then the retained heap after GC of this process (run with --expose-gc) and of the collector
// (started with --expose-gc, it collects before reporting its heap). The script holds nothing
// itself, so what grows is qwen-otel's.
import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import * as path from 'node:path';

const api = require(path.join(__dirname, '..', '..', '..', 'api.js')) as typeof import('../../../api');
const gc = (globalThis as { gc?: () => void }).gc;
const minutes = Number(process.env.SOAK_MINUTES ?? 15);
const warmMs = Number(process.env.SOAK_WARM_MS ?? 30000);

function heapAfterGc(): number {
  gc?.();
  gc?.();
  return process.memoryUsage().heapUsed;
}

/** The collector's qwen_otel_observer_heap_used_bytes, through node:http (loaded before the first measure). */
function collectorHeap(): Promise<number | null> {
  return new Promise((resolve) => {
    let url: string;
    try {
      url = readFileSync(path.join(process.env.QWEN_OTEL_SESSION_DIR ?? '', 'metrics.url'), 'utf8').trim();
    } catch {
      resolve(null);
      return;
    }
    get(url, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => (text += chunk.toString()));
      res.on('end', () => {
        const line = text.split('\n').find((l) => l.startsWith('qwen_otel_observer_heap_used_bytes{'));
        resolve(line ? Number(line.split(' ').pop()) : null);
      });
    }).on('error', () => resolve(null));
  });
}

let turns = 0;
const timer = setInterval(() => {
  turns += 1;
  api.phase('turn', () => {
    api.phase('request_assembly', () =>
      api.recordRequest({
        totalBytes: 70000 + (turns % 7) * 1000,
        systemBytes: 38000,
        toolSchemaBytes: 30000,
        messageCount: 4 + (turns % 9),
      }),
    );
    api.recordToolResult({ bytes: 1000 + (turns % 13) * 500, truncated: turns % 50 === 0, tool: `tool_${turns % 5}` });
    api.recordTokens({ input: 1200, output: 40 });
  });
}, 20);

async function main(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, warmMs * 0.6));
  await collectorHeap();
  await new Promise((resolve) => setTimeout(resolve, warmMs * 0.4));
  const warm = { agent: heapAfterGc(), collector: await collectorHeap() };
  await new Promise((resolve) => setTimeout(resolve, minutes * 60_000 - warmMs));
  clearInterval(timer);
  const collectorEnd = await collectorHeap();
  const end = { agent: heapAfterGc(), collector: collectorEnd };
  process.stdout.write(`${JSON.stringify({ turns, warm, end })}\n`);
}

void main();
