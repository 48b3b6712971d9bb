// Appends the run record: one JSON line, private to the user.
import { appendFileSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';

export function appendRecord(file: string, record: Record<string, unknown>): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  appendFileSync(file, `${JSON.stringify(record)}\n`, { mode: 0o600 });
}
