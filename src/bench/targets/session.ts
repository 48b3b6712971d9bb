/**
 * One real CLI run against a fresh scripted model server, in a fresh temporary HOME and cwd.
 * mkdtemp names have a fixed length, so the paths a CLI puts in its prompt keep request sizes
 * equal from run to run.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startModelServer, type ModelServerOptions, type RecordedExchange } from '../model-server/server';
import { runCommand } from '../run-command';
import type { Invocation, InvocationOptions } from './env';

export interface CliRunOptions {
  /** Absolute path of the CLI's executable. */
  bin: string;
  invocation: (opts: InvocationOptions) => Invocation;
  prompt: string;
  server?: ModelServerOptions;
  timeoutMs?: number;
  /** A command to run the CLI under, e.g. ['qwen-otel', 'run', '--']. */
  wrapper?: string[];
  /** Added to the CLI's environment. */
  extraEnv?: Record<string, string>;
  /** Keep the work tree between runs of the same CLI (outputs name it): give one of the same length. */
  cwd?: string;
}

export interface CliRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  wallMs: number;
  requests: RecordedExchange[];
  /** The run's temporary root (already removed), to recognise its paths in captured bodies. */
  root: string;
}

export const TEMP_PREFIX = 'qwen-otel-run-';

let harnessState: string | null = null;

/**
 * The state directory of runs a harness starts (the bench, tests): one per harness process, so
 * its runs share one collector, which outlives each run's HOME (removed after the run). A user's
 * own QWEN_OTEL_STATE_DIR wins.
 */
export function harnessStateDir(): string {
  harnessState ??= process.env.QWEN_OTEL_STATE_DIR || mkdtempSync(path.join(tmpdir(), 'qo-state-'));
  return harnessState;
}

export async function runCliAgainstModel(opts: CliRunOptions): Promise<CliRun> {
  const server = await startModelServer(opts.server);
  const root = mkdtempSync(path.join(tmpdir(), TEMP_PREFIX));
  const home = path.join(root, 'home');
  const cwd = path.join(root, 'work');
  mkdirSync(home);
  mkdirSync(cwd);
  try {
    const { args, env } = opts.invocation({ baseUrl: server.url, prompt: opts.prompt, home });
    const [command, ...prefix] = opts.wrapper ?? [opts.bin];
    const commandArgs = opts.wrapper ? [...prefix, opts.bin, ...args] : args;
    const harness = opts.wrapper ? { QWEN_OTEL_STATE_DIR: harnessStateDir() } : {};
    const result = await runCommand(command, commandArgs, {
      cwd: opts.cwd ?? cwd,
      env: { ...env, ...harness, ...opts.extraEnv },
      timeoutMs: opts.timeoutMs ?? 120_000,
    });
    const { code: exitCode, signal, stdout, stderr, wallMs } = result;
    return { exitCode, signal, stdout, stderr, wallMs, requests: [...server.requests], root };
  } finally {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  }
}
