// A ~5 MB OpenAI-chat request through the tap, fresh processes: the time each request takes
// (fetch to the reply read whole) with and without qwen-otel, paired round by round, against the
// tap's request parser alone on the same body in a fresh process (the "bare scan": no JSON.parse,
// nothing built). Rounds alternate the order of the three kinds of process.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { median, pairedDifferences } from '../results/stats';
import { fmt, spreadText, table } from './report';
import { quietEnv, runScript } from './wrapped';

const REQUESTS = 3;

interface Times {
  ms: number[];
  cpuMs: number[];
  bodyBytes: number;
}

type Kind = 'plain' | 'tapped' | 'scan';

export async function measureBigRequest(rounds: number, progress: (line: string) => void): Promise<{ data: unknown; markdown: string }> {
  const server = await replyServer();
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const runs: Record<Kind, Times[]> = { plain: [], tapped: [], scan: [] };
  const kinds: Kind[] = ['plain', 'tapped', 'scan'];
  try {
    for (let round = 0; round <= rounds; round += 1) {
      for (const kind of kinds.map((_, i) => kinds[(i + round) % kinds.length] as Kind)) {
        progress(`5 MB request: round ${round === 0 ? 'warm-up' : `${round}/${rounds}`}, ${kind}`);
        const times = await runScript<Times>(kind === 'tapped', 'big-request.js', [kind, url, String(REQUESTS)], quietEnv());
        if (round > 0) runs[kind].push(times);
      }
    }
  } finally {
    server.close();
  }
  return { data: runs, markdown: bigRequestMarkdown(runs, rounds) };
}

function bigRequestMarkdown(runs: Record<Kind, Times[]>, rounds: number): string {
  const at = (kind: Kind, i: number, pick: 'ms' | 'cpuMs'): number[] => runs[kind].map((t) => t[pick][i] as number);
  const rows: string[][] = [];
  for (const pick of ['ms', 'cpuMs'] as const) {
    for (const [label, indexes] of [
      ['first request', [0]],
      ['later requests', [1, 2]],
    ] as const) {
      const added = indexes.flatMap((i) => pairedDifferences(at('plain', i, pick), at('tapped', i, pick)));
      const scan = indexes.flatMap((i) => at('scan', i, pick));
      rows.push([
        `${label}, ${pick === 'ms' ? 'wall' : 'CPU'}`,
        spreadText(
          indexes.flatMap((i) => at('plain', i, pick)),
          1,
        ),
        spreadText(added, 1),
        spreadText(scan, 1),
        fmt(median(added) / median(scan), 2),
      ]);
    }
  }
  const bytes = runs.plain[0]?.bodyBytes ?? 0;
  return [
    `## A ${fmt(bytes / 1e6, 2)} MB OpenAI-chat request through the tap (${rounds} rounds of fresh processes, ${REQUESTS} requests each, alternated; ms, median and IQR)`,
    '',
    table(['', 'plain request', 'added by qwen-otel (paired)', 'bare scan of the body', 'added ÷ scan'], rows),
    '',
    "The bare scan is the tap's request parser alone on the same body, in a fresh process of its own (request 1 cold, like the first request). Target: added <= 2x the scan, the first request no slower than later ones.",
  ].join('\n');
}

/** Reads each request whole and answers with a small, well-formed chat completion. */
export function replyServer(): Promise<Server> {
  const reply = JSON.stringify({
    id: 'bench',
    object: 'chat.completion',
    model: 'bench',
    choices: [{ index: 0, message: { role: 'assistant', content: 'done' }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 1000, completion_tokens: 1, total_tokens: 1001 },
  });
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(reply);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}
