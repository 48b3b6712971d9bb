// Appends the run record: one JSON line, private to the user.
import { appendFileSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { makeDirs } from '../contracts/state-dir';

export function appendRecord(file: string, record: Record<string, unknown>): void {
  makeDirs(path.dirname(file));
  appendFileSync(file, `${JSON.stringify(record)}\n`, { mode: 0o600 });
}

/**
 * Every record in a file, one JSON object per line; a missing file has none, a torn line is skipped.
 * Loosely typed on purpose: benches and tests read records of any version; the gate reads them
 * through the RunRecord schema instead.
 */
// biome-ignore lint/suspicious/noExplicitAny: see above
export function readRecordLines(file: string): Array<Record<string, any>> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  // biome-ignore lint/suspicious/noExplicitAny: as the function's result
  const records: Array<Record<string, any>> = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      records.push(JSON.parse(line));
    } catch {
      // A line being written, or cut short by a full disk.
    }
  }
  return records;
}
