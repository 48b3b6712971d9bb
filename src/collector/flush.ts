// `qwen-otel flush`: tries again the final figures the collector kept in the spool (pushes and
// trace batches it could not deliver within the deadline), and `qwen-otel status`: what the
// shared collector is doing. Both read the per-user state directory.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { STATE } from '../contracts/session-layout';
import { resolveStateDir } from '../contracts/state-dir';
import { itemFromSpool } from '../export/final-delivery';
import { processExists } from './end-watch';
import { Spool } from './spool';

const ATTEMPT_TIMEOUT_MS = 5000;

export async function flushCommand(write: (line: string) => void): Promise<number> {
  const { state, problems } = resolveStateDir(process.env);
  if (!state) {
    write(`qwen-otel: no state directory (${problems.join('; ')}): nothing kept to flush`);
    return 2;
  }
  const spool = new Spool(path.join(state.dir, STATE.spool), write);
  const entries = spool.entries();
  let delivered = 0;
  for (const { file, entry } of entries) {
    const item = itemFromSpool(entry);
    try {
      await item.attempt(ATTEMPT_TIMEOUT_MS);
      spool.remove(file);
      delivered += 1;
    } catch (error) {
      write(
        `qwen-otel: ${item.what} still not delivered to ${item.target}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}; kept in ${file}`,
      );
    }
  }
  write(`qwen-otel: flushed ${delivered} of ${entries.length} kept item${entries.length === 1 ? '' : 's'}`);
  return delivered === entries.length ? 0 : 1;
}

export function statusCommand(write: (line: string) => void): number {
  const { state, problems } = resolveStateDir(process.env);
  if (!state) {
    write(`qwen-otel: no state directory (${problems.join('; ')})`);
    return 2;
  }
  const [pid, , build] = readText(path.join(state.dir, STATE.collectorId)).split(' ');
  const running = Number(pid) > 0 && processExists(Number(pid));
  write(`state directory: ${state.dir}`);
  write(running ? `collector: pid ${pid}, build ${build}` : 'collector: not running (the next run starts it)');
  write(`live sessions: ${count(state.sessions)}`);
  write(
    `undelivered items kept: ${count(path.join(state.dir, STATE.spool))}${count(path.join(state.dir, STATE.spool)) > 0 ? ' (qwen-otel flush retries them)' : ''}`,
  );
  const log = path.join(state.dir, STATE.collectorLog);
  if (existsSync(log)) write(`log: ${log}`);
  return 0;
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}

function count(dir: string): number {
  try {
    return readdirSync(dir).filter((name) => !name.endsWith('.tmp')).length;
  } catch {
    return 0;
  }
}
