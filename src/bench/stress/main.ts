// `npm run bench:stress`: is every record, push and trace delivered on a busy machine?
//   --rounds N          rounds of concurrent runs (default 3)
//   --concurrency N     `qwen-otel run` at once per round (default 20)
//   --hogs N            CPU-bound processes beside them (default 4)
//   --qwen N            real Qwen Code 0.15.10 runs at once, 0 to skip (default 5)
//   --qwen-hogs N       CPU hogs beside those (default 2)
//   --out DIR           where the JSON and Markdown reports go (default bench-results)
// The runs share one state directory (one collector), push to Debian's Pushgateway and send
// traces to a local OTLP receiver; delivery is counted within 30 s of each run's end.
import { mkdirSync, mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readRecordLines } from '../../export/record-file';
import { type PushedGroup, startCpuHogs, startPushgateway } from '../backends';
import { fmt, flagValue, MiB, progressLine, saveReport, table } from '../overhead/report';
import { startTelemetrySink } from '../sink';
import { quantile } from '../results/stats';
import { runRound, type StressRun, writeHolder } from './node-runs';
import { stressQwen, type QwenStress } from './qwen-runs';

const BIN = path.join(__dirname, '..', '..', '..', 'bin', 'qwen-otel');
const DELIVERY_WINDOW_MS = 30_000;

interface Options {
  rounds: number;
  concurrency: number;
  hogs: number;
  qwen: number;
  qwenHogs: number;
  out: string;
}

function options(argv: string[]): Options {
  const whole = (flag: string, fallback: number): number => {
    const value = Number(flagValue(argv, flag, String(fallback)));
    if (!Number.isInteger(value) || value < 0) throw new Error(`${flag} takes a whole number; got ${flagValue(argv, flag, '')}`);
    return value;
  };
  return {
    rounds: whole('--rounds', 3),
    concurrency: whole('--concurrency', 20),
    hogs: whole('--hogs', 4),
    qwen: whole('--qwen', 5),
    qwenHogs: whole('--qwen-hogs', 2),
    out: flagValue(argv, '--out', 'bench-results'),
  };
}

async function main(): Promise<void> {
  const opts = options(process.argv.slice(2));
  const root = mkdtempSync(path.join(os.tmpdir(), 'qo-stress-'));
  const state = path.join(root, 'state');
  const recordFile = path.join(root, 'runs.jsonl');
  mkdirSync(path.join(root, 'home'));
  const gateway = await startPushgateway();
  const sink = await startTelemetrySink();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: path.join(root, 'home'),
    QWEN_OTEL_STATE_DIR: state,
    QWEN_OTEL_RECORD_FILE: recordFile,
    QWEN_OTEL_PUSHGATEWAY_URL: gateway.url,
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
    QWEN_OTEL_PROMETHEUS_PORT: '0',
  };
  try {
    const hogs = startCpuHogs(opts.hogs);
    const runs: StressRun[] = [];
    const plain: StressRun[] = [];
    try {
      for (let round = 1; round <= opts.rounds; round += 1) {
        progressLine(
          `stress: round ${round}/${opts.rounds}: ${opts.concurrency} runs at once beside ${opts.hogs} CPU hogs, without then with qwen-otel`,
        );
        plain.push(...(await runRound(null, writeHolder(root), env, round, opts.concurrency)));
        runs.push(...(await runRound(BIN, writeHolder(root), env, round, opts.concurrency)));
      }
      progressLine(`stress: waiting up to ${DELIVERY_WINDOW_MS / 1000} s for records, pushes and traces`);
      const arrived = await awaitDelivery(runs, recordFile, gateway.groups, sink);
      hogs.stop();
      const qwen =
        opts.qwen > 0
          ? await stressQwen(BIN, root, env, opts.qwen, opts.qwenHogs, (w) => records(recordFile).filter((r) => r.workload === w).length)
          : null;
      report(opts, runs, plain, arrived, recordFile, qwen);
    } finally {
      hogs.stop();
    }
  } finally {
    gateway.close();
    await sink.close();
  }
}

interface Arrivals {
  pushedAt: Map<string, number>;
  tracedAt: Map<string, number>;
}

async function awaitDelivery(
  runs: StressRun[],
  recordFile: string,
  groups: () => Promise<PushedGroup[]>,
  sink: Awaited<ReturnType<typeof startTelemetrySink>>,
): Promise<Arrivals> {
  const arrivals: Arrivals = { pushedAt: new Map(), tracedAt: new Map() };
  const lastEnd = Math.max(...runs.map((r) => r.cliEnd ?? r.returned));
  const look = async (): Promise<boolean> => {
    // The gateway's own push time: pushes of early rounds arrived long before this wait began.
    for (const g of await groups())
      if (g.labels.workload && Number.isFinite(g.pushedAtMs)) arrivals.pushedAt.set(g.labels.workload, g.pushedAtMs);
    for (const s of sink.spans)
      if (s.name === 'session' && !arrivals.tracedAt.has(String(s.resource.workload)))
        arrivals.tracedAt.set(String(s.resource.workload), s.receivedMs);
    const all = runs.length;
    return records(recordFile).length >= all && arrivals.pushedAt.size >= all && arrivals.tracedAt.size >= all;
  };
  while (!(await look()) && Date.now() < lastEnd + DELIVERY_WINDOW_MS) await new Promise((resolve) => setTimeout(resolve, 250));
  return arrivals;
}

function delays(runs: StressRun[]): number[] {
  return runs.filter((r) => r.cliEnd !== null).map((r) => r.returned - (r.cliEnd as number));
}

function records(file: string): ReturnType<typeof readRecordLines> {
  return readRecordLines(file);
}

function report(
  opts: Options,
  runs: StressRun[],
  plain: StressRun[],
  arrived: Arrivals,
  recordFile: string,
  qwen: QwenStress | null,
): void {
  const ours = new Set(runs.map((r) => r.workload));
  const byWorkload = new Map(
    records(recordFile)
      .filter((r) => ours.has(r.workload))
      .map((r) => [r.workload as string, r]),
  );
  const n = runs.length;
  const exitDelays = delays(runs);
  const peaksOk = runs.filter((r) => {
    const record = byWorkload.get(r.workload);
    return record && r.hwm && Math.abs(record.tree.rss_peak_bytes - r.hwm) <= 0.02 * r.hwm;
  }).length;
  const within = (at: Map<string, number>): number =>
    runs.filter((r) => (at.get(r.workload) ?? Infinity) - (r.cliEnd ?? r.returned) <= DELIVERY_WINDOW_MS).length;
  const collectorPids = new Set([...byWorkload.values()].map((r) => r.observer.collector_pid));
  const collectorHwm = Math.max(0, ...[...byWorkload.values()].map((r) => r.observer.collector_hwm_bytes));
  const late = runs.filter((r) => r.stderr.includes('record is not written yet')).length;
  const sorted = [...exitDelays].sort((a, b) => a - b);
  const control = delays(plain).sort((a, b) => a - b);
  const triple = (v: number[]): string => `${fmt(quantile(v, 0.5), 0)} / ${fmt(quantile(v, 0.95), 0)} / ${fmt(v[v.length - 1] ?? NaN, 0)}`;
  const rows = [
    ['records written', `${byWorkload.size}/${n}`],
    ["tree peak within 2 % of the process's own VmHWM", `${peaksOk}/${n}`],
    ['pushes at the Pushgateway within 30 s', `${within(arrived.pushedAt)}/${n}`],
    ['trace batches (session span) within 30 s', `${within(arrived.tracedAt)}/${n}`],
    ['exit codes kept', `${runs.filter((r) => r.code === 0).length}/${n}`],
    ["from the CLI's exit handler to the command returning, ms (median / p95 / max): with qwen-otel", triple(sorted)],
    ["the same without qwen-otel (the loaded machine's own delay)", triple(control)],
    [
      'added by qwen-otel: difference of medians / of p95, ms',
      `${fmt(quantile(sorted, 0.5) - quantile(control, 0.5), 0)} / ${fmt(quantile(sorted, 0.95) - quantile(control, 0.95), 0)}`,
    ],
    ['runs that returned before their record (bound passed)', `${late}/${n}`],
    ['collector processes (shared)', String(collectorPids.size)],
    ['collector peak RSS (VmHWM), MiB', fmt(collectorHwm / MiB)],
  ];
  if (qwen)
    rows.push(
      [`Qwen Code 0.15.10, ${qwen.runs} at once beside ${opts.qwenHogs} hogs: records`, `${qwen.records}/${qwen.runs}`],
      ['Qwen: same output / same exit code as a plain run', `${qwen.sameOutput}/${qwen.runs} / ${qwen.sameExitCode}/${qwen.runs}`],
    );
  const markdown = [
    `# Stress: ${opts.rounds} rounds of ${opts.concurrency} concurrent runs beside ${opts.hogs} CPU hogs (${os.cpus().length} cores)`,
    '',
    table(['figure', 'value'], rows),
  ].join('\n');
  process.stderr.write('\n');
  process.stdout.write(`${markdown}\n`);
  const stem = saveReport(
    opts.out,
    'stress',
    {
      options: opts,
      runs,
      records: [...byWorkload.values()].map((r) => ({ workload: r.workload, tree: r.tree.rss_peak_bytes, observer: r.observer })),
      qwen,
    },
    markdown,
  );
  process.stdout.write(`\nreport: ${stem}.md\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`bench:stress: ${error.message}\n`);
  process.exitCode = 1;
});
