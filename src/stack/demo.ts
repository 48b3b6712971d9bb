// Feeds the stack with real runs: a small matrix (a "main" branch and a "candidate" that
// retains 100 MiB more, on two workloads) through `qwen-otel run`, each pushing its final
// figures to the Pushgateway, and one live session that Prometheus scrapes through file_sd.
//   npm run stack:demo            (after `docker compose up -d`; see docs/stack.md)
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCommand } from '../bench/run-command';
import { redactUrl } from '../redact';

const REPO = path.join(__dirname, '..', '..');
const BIN = path.join(REPO, 'bin', 'qwen-otel');
// From dist/ (also when this module is loaded from src/ by the tests: the target runs built).
const TARGET = path.join(REPO, 'dist', 'stack', 'demo-target.js');

export interface DemoRun {
  cli: string;
  branch: string;
  workload: string;
  retainMiB: number;
}

/** main retains 20 MiB, the bloated candidate 120 MiB: +100 MiB of tree RSS, far past 10 %. */
export const DEMO_MATRIX: DemoRun[] = ['pr-review', 'nav'].flatMap((workload) => [
  { cli: 'demo', branch: 'main', workload, retainMiB: 20 },
  { cli: 'demo', branch: 'candidate', workload, retainMiB: workload === 'nav' ? 20 : 120 },
]);

export interface StackEndpoints {
  pushgatewayUrl: string;
  /** Where live sessions write their file_sd targets (Prometheus's qwen-otel-live job reads it). */
  fileSdDir: string;
  /** Extra environment for the runs (a private HOME and record file in tests). */
  env?: NodeJS.ProcessEnv;
}

function runEnv(endpoints: StackEndpoints): NodeJS.ProcessEnv {
  return {
    ...process.env,
    OTEL_TRACES_EXPORTER: process.env.OTEL_TRACES_EXPORTER ?? 'none',
    ...endpoints.env,
    QWEN_OTEL_PUSHGATEWAY_URL: endpoints.pushgatewayUrl,
    QWEN_OTEL_PROMETHEUS_PORT: '0',
  };
}

function runArgs(run: DemoRun, targetArgs: string[]): string[] {
  return [
    'run',
    '--cli',
    run.cli,
    '--branch',
    run.branch,
    '--workload',
    run.workload,
    '--',
    process.execPath,
    TARGET,
    '--retain-mib',
    String(run.retainMiB),
    ...targetArgs,
  ];
}

/** Runs each cell once, one after another; throws on the first run that fails. */
export async function pushRuns(
  endpoints: StackEndpoints,
  runs: DemoRun[] = DEMO_MATRIX,
  say: (line: string) => void = () => undefined,
): Promise<void> {
  for (const [i, run] of runs.entries()) {
    say(`qwen-otel stack demo: [${i + 1}/${runs.length}] ${run.cli}@${run.branch} ${run.workload} (retains ${run.retainMiB} MiB)`);
    const result = await runCommand(BIN, runArgs(run, []), { env: runEnv(endpoints), timeoutMs: 60_000 });
    if (result.code !== 0)
      throw new Error(
        `${run.cli}@${run.branch} ${run.workload} exited ${result.code}: ${result.stderr.trim().split('\n').slice(0, 3).join(' | ')}`,
      );
  }
}

/** A session that stays up for `holdMs`, announced through file_sd; stop() ends it early. */
export function startLiveSession(
  endpoints: StackEndpoints,
  holdMs: number,
): { child: ChildProcess; ended: Promise<void>; stop(): Promise<void> } {
  mkdirSync(endpoints.fileSdDir, { recursive: true });
  const run: DemoRun = { cli: 'demo', branch: 'main', workload: 'live', retainMiB: 30 };
  const env = { ...runEnv(endpoints), QWEN_OTEL_FILE_SD_DIR: endpoints.fileSdDir, QWEN_OTEL_SAMPLE_INTERVAL_MS: '250' };
  const child = spawn(BIN, runArgs(run, ['--hold-ms', String(holdMs)]), { env, stdio: 'ignore' });
  const ended = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    ended,
    stop: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return ended;
    },
  };
}

async function main(): Promise<void> {
  const say = (line: string): void => void process.stderr.write(`${line}\n`);
  const endpoints: StackEndpoints = {
    pushgatewayUrl: process.env.QWEN_OTEL_PUSHGATEWAY_URL ?? 'http://127.0.0.1:9091',
    fileSdDir: process.env.QWEN_OTEL_FILE_SD_DIR ?? path.join(os.homedir(), '.qwen-otel', 'targets'),
  };
  const holdMs = 120_000;
  const live = startLiveSession(endpoints, holdMs);
  say(
    `qwen-otel stack demo: a live session (demo@main, workload live) runs for ${holdMs / 1000} s, scraped through ${endpoints.fileSdDir}`,
  );
  await pushRuns(endpoints, DEMO_MATRIX, say);
  say(
    `qwen-otel stack demo: runs pushed to ${redactUrl(endpoints.pushgatewayUrl)}. Open http://127.0.0.1:3000 (Grafana): the candidate's pr-review peak is ~100 MiB above main;`,
  );
  say('  QwenOtelTreeRssRegression fires after 5 minutes (http://127.0.0.1:9090/alerts, http://127.0.0.1:9093).');
  await live.ended;
}

if (require.main === module) {
  main().catch((error: Error) => {
    process.stderr.write(`qwen-otel stack demo: ${error.message}\n`);
    process.exitCode = 1;
  });
}
