// Heap snapshots, only when asked for: they hold the heap's strings (prompts, file text, keys),
// so they are written with mode 0600 and announced with a warning.
import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { v8Api } from '../probes/v8-heap';

export function writeHeapSnapshotFile(dir: string, sessionId: string, reason: string): { file: string; bytes: number } | null {
  const file = path.join(dir, `qwen-otel-${sessionId}-${process.pid}-${reason}-${Date.now()}.heapsnapshot`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    closeSync(openSync(file, 'wx', 0o600));
    v8Api().writeHeapSnapshot(file);
    chmodSync(file, 0o600);
    const bytes = statSync(file).size;
    process.stderr.write(
      `qwen-otel: heap snapshot (${reason}) written to ${file} (${(bytes / 1048576).toFixed(0)} MiB); ` +
        'it holds strings from the heap (prompts, file text, secrets): keep it private\n',
    );
    return { file, bytes };
  } catch (error) {
    process.stderr.write(`qwen-otel: heap snapshot (${reason}) failed: ${(error as Error).message}\n`);
    return null;
  }
}
