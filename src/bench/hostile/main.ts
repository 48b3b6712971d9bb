// `npm run bench:hostile`: hostile or broken input in a session directory (see cases.ts), each
// under a real `qwen-otel run` with a collector of its own; for each: whether the record was
// written, what it counted, and the collector's peak RSS (its kernel VmHWM, read from /proc while
// it lingers after the run: the whole life of a collector that served this one run).
//   --runs N        runs per case (default 3)
//   --bin PATH      the qwen-otel to measure (default this checkout's; give another build's to compare)
//   --huge-mb N     size of the line without a newline (default 300)
//   --cases A,B     only these cases (default all)
//   --out DIR       where the JSON and Markdown reports go (default bench-results)
import { mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readRecordLines } from '../../export/record-file';
import { flagValue, fmt, MiB, progressLine, saveReport, table } from '../overhead/report';
import { quantile } from '../results/stats';
import { runCommand } from '../run-command';
import { HOSTILE_CASES, type HostileCase, writeHostileScript } from './cases';

const DEFAULT_BIN = path.join(__dirname, '..', '..', '..', 'bin', 'qwen-otel');
const COUNTERS = ['dropped_lines', 'dropped_long_lines', 'dropped_files', 'dropped_processes', 'unread_bytes'] as const;

interface CaseRun {
  hostile: HostileCase;
  code: number | null;
  recordWritten: boolean;
  counted: Record<string, number>;
  processes: number | null;
  collectorHwmMiB: number | null;
  stderr: string;
}

async function runCase(bin: string, hostile: HostileCase, hugeMb: number): Promise<CaseRun> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `qo-hostile-${hostile}-`));
  const recordFile = path.join(dir, 'runs.jsonl');
  const state = path.join(dir, 'state');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    QWEN_OTEL_STATE_DIR: state,
    QWEN_OTEL_RECORD_FILE: recordFile,
    OTEL_TRACES_EXPORTER: 'none',
    QWEN_OTEL_PROMETHEUS_PORT: '0',
    QWEN_OTEL_EXIT_TIMEOUT_MS: '120000',
    QWEN_OTEL_COLLECTOR_LINGER_MS: '5000',
  };
  const script = writeHostileScript(dir);
  const size = hostile === 'huge-line' ? [String(hugeMb)] : [];
  const result = await runCommand(bin, ['run', '--', process.execPath, script, hostile, ...size], { env, timeoutMs: 300_000 });
  const collector = collectorPid(state);
  const hwm = collector === null ? null : vmHwm(collector);
  const record = readRecordLines(recordFile)[0] as Record<string, unknown> | undefined;
  const counted: Record<string, number> = {};
  for (const name of COUNTERS) if (typeof record?.[name] === 'number') counted[name] = record[name] as number;
  const listed = record ? (record.processes as unknown[]).length + (record.processes_not_listed as number) : null;
  return {
    hostile,
    code: result.code,
    recordWritten: record !== undefined,
    counted,
    processes: listed,
    collectorHwmMiB: hwm === null ? null : hwm / MiB,
    stderr: result.stderr.trim(),
  };
}

function collectorPid(state: string): number | null {
  try {
    const pid = Number(readFileSync(path.join(state, 'collector.id'), 'utf8').split(' ')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function vmHwm(pid: number): number | null {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const runs = Number(flagValue(argv, '--runs', '3'));
  const bin = path.resolve(flagValue(argv, '--bin', DEFAULT_BIN));
  const hugeMb = Number(flagValue(argv, '--huge-mb', '300'));
  const picked = flagValue(argv, '--cases', HOSTILE_CASES.join(',')).split(',');
  const cases = HOSTILE_CASES.filter((c) => picked.includes(c));
  const all: CaseRun[] = [];
  for (let i = 1; i <= runs; i += 1) {
    for (const hostile of cases) {
      progressLine(`hostile: run ${i}/${runs}: ${hostile}`);
      all.push(await runCase(bin, hostile, hugeMb));
    }
  }
  const rows = cases.map((hostile) => {
    const mine = all.filter((r) => r.hostile === hostile);
    const hwms = mine
      .map((r) => r.collectorHwmMiB)
      .filter((v): v is number => v !== null)
      .sort((a, b) => a - b);
    const counted = mine.map(
      (r) =>
        COUNTERS.filter((c) => (r.counted[c] ?? 0) > 0)
          .map((c) => `${c} ${r.counted[c]}`)
          .join(', ') || '-',
    );
    return [
      hostile,
      `${mine.filter((r) => r.recordWritten).length}/${mine.length}`,
      [...new Set(counted)].join(' / '),
      [...new Set(mine.map((r) => r.processes ?? '-'))].join(' / '),
      `${fmt(quantile(hwms, 0.5))} (max ${fmt(hwms[hwms.length - 1] ?? NaN)})`,
    ];
  });
  const markdown = [
    `# Hostile input: ${runs} runs per case, ${bin}`,
    `load: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}, ${os.cpus().length} CPUs`,
    '',
    table(['case', 'records', 'counted in the record', 'processes in the record', 'collector VmHWM MiB, median (max)'], rows),
    '',
    'Lines on stderr (first run of each case):',
    ...cases.map((h) => `- ${h}: ${all.find((r) => r.hostile === h)?.stderr || '(none)'}`),
  ].join('\n');
  progressLine('');
  process.stdout.write(`${markdown}\n`);
  process.stdout.write(`saved ${saveReport(flagValue(argv, '--out', 'bench-results'), 'hostile', all, markdown)}\n`);
}

void main().catch((error: unknown) => {
  process.stderr.write(`bench:hostile: ${(error as Error).message}\n`);
  process.exitCode = 1;
});
