// A session directory holds only qwen-otel's own files: unlinking them is cheaper than a recursive
// rm (~2 ms), and anything unexpected in there (a directory) makes us leave it and say so.
import { readdirSync, renameSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/** Removes the directory; false when something stayed (a late writer, or not ours). */
export function removeSessionDir(dir: string): boolean {
  try {
    for (const name of readdirSync(dir)) unlinkSync(path.join(dir, name));
    rmdirSync(dir);
    return true;
  } catch {
    return false;
  }
}

/** Writes a file whole (a reader never sees it torn); a full disk leaves it unwritten. */
export function writeWhole(file: string, text: string): void {
  try {
    writeFileSync(`${file}.tmp`, text);
    renameSync(`${file}.tmp`, file);
  } catch {
    // A full disk: what it held is also said in the collector's notices.
  }
}
