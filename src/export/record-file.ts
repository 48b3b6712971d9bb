// Appends the run record: one JSON line, private to the user.
import { appendFileSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { makeDirs } from '../contracts/state-dir';

export function appendRecord(file: string, record: Record<string, unknown>): void {
  makeDirs(path.dirname(file));
  appendFileSync(file, `${JSON.stringify(record)}\n`, { mode: 0o600 });
}

/** Every record in a file, one JSON object per line; a missing file has none, a torn line is skipped. */
export function readRecordLines(file: string): Array<Record<string, any>> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const records: Array<Record<string, any>> = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      records.push(JSON.parse(line) as Record<string, any>);
    } catch {
      // A line being written, or cut short by a full disk.
    }
  }
  return records;
}
