// The record is built in memory and written where it can be: the record file, else a private
// fallback file, else (nowhere left: a full disk) its key figures go into the one line that says so.
// Never an empty record, never silence.
import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeFsError } from '../contracts/state-dir';
import { appendRecord } from '../export/record-file';
import { summaryLine } from './summary';

export interface RecordNotices {
  say(line: string): void;
}

/** Where records go when their own file cannot take them; set by the collector (its state dir). */
let fallbackDir: string | null = null;

export function setRecordFallbackDir(dir: string | null): void {
  fallbackDir = dir;
}

/** Returns the file the record went to, or null. */
export function writeRecordSafely(recordFile: string | null, record: Record<string, unknown>, notices: RecordNotices): string | null {
  if (!recordFile) return null;
  const failures: string[] = [];
  for (const file of candidates(recordFile)) {
    try {
      appendRecord(file, record);
      if (failures.length > 0) notices.say(`qwen-otel: run record not written to ${failures.join('; ')}; written to ${file} instead`);
      return file;
    } catch (error) {
      failures.push(`${file} (${describeFsError(error)})`);
    }
  }
  notices.say(`qwen-otel: run record not written anywhere (${failures.join('; ')}); its figures: ${summaryLine(record, null)}`);
  return null;
}

/** The record file, then the fallbacks, each made only when the one before failed. */
function* candidates(recordFile: string): Generator<string> {
  yield recordFile;
  if (fallbackDir) yield path.join(fallbackDir, 'records.jsonl');
  try {
    // A new private directory (mkdtemp: 0700, unpredictable name), never a fixed path in /tmp.
    yield path.join(mkdtempSync(path.join(os.tmpdir(), 'qwen-otel-record-')), 'runs.jsonl');
  } catch {
    // The temporary directory is full too.
  }
}
