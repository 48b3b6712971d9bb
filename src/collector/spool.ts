// Final figures that could not be delivered within the deadline, kept for a later try
// (`qwen-otel flush`, or the next collector). One private JSON file per undelivered item; bounded:
// past the limit the oldest is dropped, with a line.
import { readdirSync, readFileSync, statSync, unlinkSync, writeFileSync, renameSync } from 'node:fs';
import * as path from 'node:path';
import type { SpoolEntry } from '../export/final-delivery';
import { ensurePrivateDir } from '../contracts/state-dir';

const MAX_ENTRIES = 200;
const MAX_ENTRY_BYTES = 16 * 1024 * 1024;
const NAME = /^[A-Za-z0-9_-]+\.spool\.json$/;

export class Spool {
  constructor(
    readonly dir: string,
    private readonly say: (line: string) => void,
  ) {}

  /** Keeps an entry; returns its file, or null when it could not be kept. */
  keep(runId: string, entry: SpoolEntry): string | null {
    const text = JSON.stringify(entry);
    if (text.length > MAX_ENTRY_BYTES || ensurePrivateDir(this.dir) !== null) return null;
    const file = path.join(this.dir, `${runId.replace(/[^A-Za-z0-9_-]/g, '')}-${entry.kind}-${Date.now()}.spool.json`);
    try {
      writeFileSync(`${file}.tmp`, text, { mode: 0o600 });
      renameSync(`${file}.tmp`, file);
    } catch {
      return null;
    }
    this.trim();
    return file;
  }

  /** The kept entries, oldest first (unreadable ones are removed, with a line). */
  entries(): Array<{ file: string; entry: SpoolEntry }> {
    const out: Array<{ file: string; entry: SpoolEntry }> = [];
    for (const file of this.files()) {
      try {
        out.push({ file, entry: JSON.parse(readFileSync(file, 'utf8')) as SpoolEntry });
      } catch (error) {
        this.say(`qwen-otel: spooled item ${path.basename(file)} is unreadable (${(error as Error).message}); removed`);
        this.remove(file);
      }
    }
    return out;
  }

  remove(file: string): void {
    try {
      unlinkSync(file);
    } catch {
      // Already gone.
    }
  }

  private files(): string[] {
    let names: string[];
    try {
      names = readdirSync(this.dir).filter((n) => NAME.test(n));
    } catch {
      return [];
    }
    return names
      .map((n) => path.join(this.dir, n))
      .map((file) => ({ file, at: mtime(file) }))
      .sort((a, b) => a.at - b.at)
      .map((f) => f.file);
  }

  private trim(): void {
    const files = this.files();
    for (const file of files.slice(0, Math.max(0, files.length - MAX_ENTRIES))) {
      this.say(`qwen-otel: the spool holds more than ${MAX_ENTRIES} undelivered items; dropped the oldest, ${path.basename(file)}`);
      this.remove(file);
    }
  }
}

function mtime(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}
