// What the agent costs a process the size of a coding CLI's worker (~400 MiB of JS heap, 5 model
// requests of ~200 KB through the tap): plain and under `qwen-otel run`, alternated round by
// round, its VmHWM and CPU paired against the plain round. Small processes are the small part's;
// this is the agent's share of what one more session costs.
import type { AddressInfo } from 'node:net';
import { replyServer } from './big-request';
import { median, pairedDifferences } from '../results/stats';
import { fmt, spreadText, table } from './report';
import { quietEnv, runScript } from './wrapped';

interface ProcessFigures {
  hwmKiB: number;
  cpuMs: number;
}

export async function measureLargeProcess(rounds: number, progress: (line: string) => void): Promise<{ data: unknown; markdown: string }> {
  const server = await replyServer();
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const plain: ProcessFigures[] = [];
  const wrapped: ProcessFigures[] = [];
  try {
    for (let round = 0; round <= rounds; round += 1) {
      for (const instrumented of round % 2 === 0 ? [false, true] : [true, false]) {
        progress(`large process: round ${round === 0 ? 'warm-up' : `${round}/${rounds}`}, ${instrumented ? 'qwen-otel' : 'plain'}`);
        const figures = await runScript<ProcessFigures>(instrumented, 'large-process.js', [url], quietEnv());
        if (round > 0) (instrumented ? wrapped : plain).push(figures);
      }
    }
  } finally {
    server.close();
  }
  const hwm = pairedDifferences(
    plain.map((r) => r.hwmKiB),
    wrapped.map((r) => r.hwmKiB),
  ).map((kib) => kib / 1024);
  const cpu = pairedDifferences(
    plain.map((r) => r.cpuMs),
    wrapped.map((r) => r.cpuMs),
  );
  const markdown = [
    `## A process the size of a CLI's worker (~400 MiB of JS heap, 5 OpenAI-chat requests of ~200 KB; ${rounds} rounds alternated, paired)`,
    '',
    table(
      ['', 'plain process', 'added by qwen-otel (median, IQR)'],
      [
        ['VmHWM, MiB', fmt(median(plain.map((r) => r.hwmKiB)) / 1024, 1), spreadText(hwm, 2)],
        ['CPU, ms (process.cpuUsage at exit)', fmt(median(plain.map((r) => r.cpuMs)), 0), spreadText(cpu, 1)],
      ],
    ),
    '',
    "The agent's share of one more session: a session of Qwen Code has one such worker and its small relaunch parent (the small part's figure).",
  ].join('\n');
  return { data: { plain, wrapped }, markdown };
}
