// Appends the run record: one JSON line, private to the user.
import { appendFileSync } from 'node:fs';
import * as path from 'node:path';
import { makeDirs } from '../contracts/state-dir';

export function appendRecord(file: string, record: Record<string, unknown>): void {
  makeDirs(path.dirname(file));
  appendFileSync(file, `${JSON.stringify(record)}\n`, { mode: 0o600 });
}
