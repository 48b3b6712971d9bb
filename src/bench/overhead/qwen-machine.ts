// The whole machine's cost of qwen-otel on real Qwen Code 0.15.10: 1 and then 5 sessions at once,
// plain or under `qwen-otel run`, alternated round by round; the peak of RSS and of PSS summed over
// every process of the runs, plus, for qwen-otel, the shared collector (not a descendant of any
// run). PSS counts a page shared by n processes as 1/n: node's own text, mapped by each CLI
// process and the collector alike, is counted once, as the machine pays it.
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startModelServer } from '../model-server/server';
import { median, pairedDifferences } from '../results/stats';
import { runCommand } from '../run-command';
import { startTelemetrySink, type TelemetrySink } from '../sink';
import { installCli } from '../targets/install';
import { qwenInvocation } from '../targets/qwen';
import { QWEN_SPEC } from '../targets/registry';
import { harnessStateDir } from '../targets/session';
import { watchMachine, type MachinePeak } from './machine-watch';
import { fmt, MiB, spreadText, table } from './report';
import { launch } from './variants';

export const CONCURRENCY = [1, 5];
type Variant = 'plain' | 'qwen-otel';

export interface MachineRun {
  round: number;
  variant: Variant;
  sessions: number;
  ok: number;
  peak: MachinePeak;
}

/**
 * `warmup`: rounds run first and left out (1 warms the page cache; 0 when Qwen ran just before).
 * Each counted run is also appended to `runsFile` as it ends, so a run cut short keeps its rounds
 * (`node dist/bench/overhead/qwen-machine.js FILE` reports them).
 */
export async function runQwenMachine(
  rounds: number,
  warmup: number,
  runsFile: string,
  progress: (line: string) => void,
): Promise<{ data: MachineRun[]; markdown: string }> {
  const cli = await installCli(QWEN_SPEC);
  const server = await startModelServer();
  const sink = await startTelemetrySink();
  const runs: MachineRun[] = [];
  try {
    for (let round = 1 - warmup; round <= rounds; round += 1) {
      const variants: Variant[] = round % 2 === 0 ? ['plain', 'qwen-otel'] : ['qwen-otel', 'plain'];
      for (const sessions of CONCURRENCY) {
        for (const variant of variants) {
          progress(`whole machine: round ${round <= 0 ? 'warm-up' : `${round}/${rounds}`}, ${sessions} x ${variant}`);
          const run = await runSessions(round, variant, sessions, cli.binPath('qwen'), server.url, sink);
          if (round <= 0) continue;
          runs.push(run);
          appendFileSync(runsFile, `${JSON.stringify(run)}\n`);
        }
      }
    }
  } finally {
    await server.close();
    await sink.close();
  }
  return { data: runs, markdown: machineMarkdown(runs, rounds) };
}

async function runSessions(
  round: number,
  variant: Variant,
  sessions: number,
  qwen: string,
  baseUrl: string,
  sink: TelemetrySink,
): Promise<MachineRun> {
  const state = harnessStateDir();
  const watch = watchMachine(variant === 'qwen-otel' ? state : null);
  const dirs: string[] = [];
  const results = await Promise.all(
    Array.from({ length: sessions }, (_, i) => {
      const home = mkdtempSync(path.join(os.tmpdir(), 'qo-home-'));
      const cwd = mkdtempSync(path.join(os.tmpdir(), 'qo-work-'));
      dirs.push(home, cwd);
      const inv = qwenInvocation({ baseUrl, prompt: 'Run the two commands, then say done.', home });
      const runId = `m${round}-${variant}-${sessions}-${i}-${Date.now()}`;
      const env = {
        ...inv.env,
        QWEN_OTEL_RECORD_FILE: path.join(home, 'runs.jsonl'),
        QWEN_OTEL_PUSHGATEWAY_URL: sink.url,
        QWEN_OTEL_WORKLOAD: runId,
        QWEN_OTEL_PROMETHEUS_PORT: '0',
        OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
        XDG_CACHE_HOME: path.join(os.tmpdir(), 'qwen-otel-bench-cache'),
        QWEN_OTEL_STATE_DIR: state,
      };
      const { command, args, env: launchEnv } = launch(variant, qwen, inv.args, env);
      return runCommand(command, args, { env: launchEnv, cwd, timeoutMs: 180_000, onSpawn: (pid) => watch.addRoot(pid) });
    }),
  );
  const peak = watch.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  return { round, variant, sessions, ok: results.filter((r) => r.code === 0).length, peak };
}

/** Rounds in which every variant and concurrency ran (a file cut short ends mid-round). */
function completeRounds(runs: MachineRun[]): MachineRun[] {
  const full = (round: number): boolean => runs.filter((r) => r.round === round).length === 2 * CONCURRENCY.length;
  return runs.filter((r) => full(r.round));
}

export function machineMarkdown(all: MachineRun[], rounds: number): string {
  const runs = completeRounds(all);
  rounds = Math.min(rounds, new Set(runs.map((r) => r.round)).size);
  const added = new Map<number, { rss: number; pss: number }>();
  const rows = CONCURRENCY.flatMap((sessions) => {
    const of = (v: Variant): MachineRun[] =>
      runs.filter((r) => r.variant === v && r.sessions === sessions).sort((a, b) => a.round - b.round);
    const plain = of('plain');
    const wrapped = of('qwen-otel');
    const diff = (pick: (p: MachinePeak) => number): number[] =>
      pairedDifferences(
        plain.map((r) => pick(r.peak)),
        wrapped.map((r) => pick(r.peak)),
      ).map((d) => d / MiB);
    added.set(sessions, { rss: median(diff((p) => p.rss)), pss: median(diff((p) => p.pss)) });
    return [
      [
        String(sessions),
        `${fmt(median(plain.map((r) => r.peak.rss)) / MiB)} / ${fmt(median(plain.map((r) => r.peak.pss)) / MiB)}`,
        spreadText(
          diff((p) => p.rss),
          1,
        ),
        spreadText(
          diff((p) => p.pss),
          1,
        ),
        `${fmt(median(wrapped.map((r) => r.peak.collectorRss)) / MiB)} / ${fmt(median(wrapped.map((r) => r.peak.collectorPss)) / MiB)}`,
        `${plain.reduce((n, r) => n + r.ok, 0)}/${plain.length * sessions}, ${wrapped.reduce((n, r) => n + r.ok, 0)}/${wrapped.length * sessions}`,
      ],
    ];
  });
  const [one, many] = CONCURRENCY.map((n) => added.get(n));
  const further = (CONCURRENCY[1] as number) - 1;
  const each =
    one && many
      ? `Each further session (from ${CONCURRENCY[0]} to ${CONCURRENCY[1]} at once) adds ${fmt((many.rss - one.rss) / further, 1)} MiB of RSS, ${fmt((many.pss - one.pss) / further, 1)} MiB of PSS (difference of the medians ÷ ${further}).`
      : '';
  return [
    `## Whole machine, real Qwen Code 0.15.10: every process of the runs + the shared collector (${rounds} rounds, plain and qwen-otel alternated; MiB, paired differences, median and IQR)`,
    '',
    table(
      [
        'sessions at once',
        'plain peak RSS / PSS',
        'qwen-otel adds, RSS',
        'qwen-otel adds, PSS',
        'collector RSS / PSS at the peak',
        'runs ok (plain, qwen-otel)',
      ],
      rows,
    ),
    '',
    each,
    'Sums of one 50 ms scan each (the largest seen). PSS counts shared pages once across the processes that map them. Targets: <= +8 MiB for the first session, <= +2 MiB for each further one.',
  ].join('\n');
}

if (require.main === module) {
  const runs = readFileSync(process.argv[2] as string, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as MachineRun);
  process.stdout.write(`${machineMarkdown(runs, Infinity)}\n`);
}
