// A Prometheus file_sd target for the collector's live metrics endpoint, so Prometheus scrapes it
// while sessions live (their cli/branch/workload/session labels are on the series themselves).
// Written atomically (rename), removed when the endpoint closes.
import { mkdirSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

export function writeFileSdTarget(file: string, address: string): () => void {
  mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, `${JSON.stringify([{ targets: [address], labels: {} }], null, 2)}\n`);
  renameSync(temporary, file);
  return () => {
    try {
      unlinkSync(file);
    } catch {
      // Already removed.
    }
  };
}
