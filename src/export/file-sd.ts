// A Prometheus file_sd target per live session, so many concurrent CLIs are all scraped.
// Written atomically (rename), removed when the session ends.
import { mkdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

export function writeFileSdTarget(dir: string, address: string, labels: Record<string, string>): () => void {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `qwen-otel-${process.pid}.json`);
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, `${JSON.stringify([{ targets: [address], labels }], null, 2)}\n`);
  renameSync(temporary, file);
  return () => {
    try {
      unlinkSync(file);
    } catch {
      // Already removed.
    }
  };
}
