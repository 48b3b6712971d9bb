// Shared pieces of the end-to-end tests: run a script under `qwen-otel run`, read what it left.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type CommandResult, runCommand } from '../../src/bench/run-command';

export const REPO = path.join(__dirname, '..', '..');
export const BIN = path.join(REPO, 'bin', 'qwen-otel');
export const REGISTER = path.join(REPO, 'dist', 'register.js');
export const API = path.join(REPO, 'dist', 'api.js');

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `qo-test-${prefix}-`));
}

export function writeScript(dir: string, name: string, code: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, code);
  return file;
}

export interface Sandbox {
  dir: string;
  recordFile: string;
  /** A run's environment: a private HOME (a collector of its own, leaving soon after its last session) and measuredRunEnv. */
  env: NodeJS.ProcessEnv;
}

/**
 * What every measured test run gets: its record in `recordFile`, no traces, a free metrics port,
 * and a wrapper that waits for the record as long as it takes (a loaded machine must not turn
 * into a failed test; the exit bound is measured by `npm run bench:stress`).
 */
export function measuredRunEnv(recordFile: string): Record<string, string> {
  return {
    QWEN_OTEL_RECORD_FILE: recordFile,
    OTEL_TRACES_EXPORTER: 'none',
    QWEN_OTEL_PROMETHEUS_PORT: '0',
    QWEN_OTEL_EXIT_TIMEOUT_MS: '120000',
  };
}

export function sandbox(prefix: string, extra: NodeJS.ProcessEnv = {}): Sandbox {
  const dir = tempDir(prefix);
  const recordFile = path.join(dir, 'runs.jsonl');
  return {
    dir,
    recordFile,
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      ...measuredRunEnv(recordFile),
      QWEN_OTEL_COLLECTOR_LINGER_MS: '3000',
      ...extra,
    },
  };
}

export function runWrapped(
  command: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 60_000,
  wrapperArgs: string[] = [],
  bin = BIN,
): Promise<CommandResult> {
  return runCommand(bin, ['run', ...wrapperArgs, '--', ...command], { env, timeoutMs });
}

export function readRecords(file: string): Array<Record<string, any>> {
  try {
    return readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line));
  } catch {
    return [];
  }
}

export interface Series {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus text exposition, samples only. */
export function parsePrometheus(text: string): Series[] {
  const out: Series[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]] = pair[2];
    out.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return out;
}

export function find(series: Series[], name: string, labels: Record<string, string> = {}): Series[] {
  return series.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

/** A JS snippet for scripts: waits until the collector serves metrics and returns the URL. */
export const WAIT_FOR_METRICS_URL = `
async function metricsUrl() {
  const fs = require('fs');
  const file = require('path').join(process.env.QWEN_OTEL_SESSION_DIR, 'metrics.url');
  for (let i = 0; i < 200; i++) {
    try { return fs.readFileSync(file, 'utf8').trim(); } catch { await new Promise((r) => setTimeout(r, 50)); }
  }
  throw new Error('no metrics.url');
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
`;

/** Polls (refreshing first, if given) until the check holds or the timeout passes. */
export async function until(check: () => boolean, timeoutMs: number, refresh?: () => Promise<void>): Promise<boolean> {
  for (const end = Date.now() + timeoutMs; ; ) {
    await refresh?.();
    if (check()) return true;
    if (Date.now() > end) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Runs a Node script in a network namespace of its own (root, `unshare -n`, loopback up), so a
 * test can use the default ports for real without touching this machine's; returns the JSON its
 * last stdout line holds.
 */
export async function inNetworkNamespace(prefix: string, code: string, args: string[], timeoutMs: number): Promise<any> {
  const runner = writeScript(tempDir(prefix), 'runner.js', code);
  const quoted = [runner, ...args].map((a) => `'${a}'`).join(' ');
  const result = await runCommand('unshare', ['-n', 'sh', '-c', `ip link set lo up && exec "${process.execPath}" ${quoted}`], {
    env: process.env,
    timeoutMs,
  });
  if (result.code !== 0) throw new Error(`runner exited ${result.code}: ${result.stderr.slice(-2000)}`);
  return JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}');
}
