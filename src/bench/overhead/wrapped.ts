// How the observer-effect parts run a small Node script: plain, or under `qwen-otel run` with
// nothing exported but the record (so only the observer itself is measured).
import * as path from 'node:path';
import { runCommand, type CommandResult } from '../run-command';
import { harnessStateDir } from '../targets/session';

export const WRAPPER = path.join(__dirname, '..', '..', '..', 'bin', 'qwen-otel');
export const SCRIPTS = path.join(__dirname, 'scripts');

export function quietEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    QWEN_OTEL_RECORD_FILE: 'off',
    OTEL_TRACES_EXPORTER: 'none',
    QWEN_OTEL_PROMETHEUS_PORT: '0',
    QWEN_OTEL_STATE_DIR: harnessStateDir(),
    ...extra,
  };
}

/** Runs `node script args` plain or wrapped; its stdout's last line parsed as JSON. */
export async function runScript<T>(wrapped: boolean, script: string, args: string[], env: NodeJS.ProcessEnv): Promise<T> {
  const node = [process.execPath, path.join(SCRIPTS, script), ...args];
  const result: CommandResult = wrapped
    ? await runCommand(WRAPPER, ['run', '--', ...node], { env, timeoutMs: 120_000 })
    : await runCommand(node[0] as string, node.slice(1), { env, timeoutMs: 120_000 });
  const last = result.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(last) as T;
  } catch {
    throw new Error(`${script} (${wrapped ? 'under qwen-otel' : 'plain'}) exited ${result.code}: ${result.stderr.trim().slice(-300)}`);
  }
}
