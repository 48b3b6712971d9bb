// A /proc file read again and again through one open descriptor: a positioned read costs ~8 µs
// where readFileSync costs ~33 µs (open, fstat, read, close). For another process's file the
// descriptor stays bound to that process: once it exits, reads fail instead of reaching whatever
// process reuses its pid.
import { closeSync, openSync, readSync } from 'node:fs';

const buffer = Buffer.allocUnsafe(64 * 1024);

export class ProcFile {
  private fd: number | null;

  constructor(path: string) {
    try {
      this.fd = openSync(path, 'r');
    } catch {
      this.fd = null;
    }
  }

  get open(): boolean {
    return this.fd !== null;
  }

  /** The whole file as latin1 text, or null when it cannot be read (the process is gone). */
  read(): string | null {
    if (this.fd === null) return null;
    try {
      const n = readSync(this.fd, buffer, 0, buffer.length, 0);
      return buffer.toString('latin1', 0, n);
    } catch {
      this.close();
      return null;
    }
  }

  close(): void {
    if (this.fd === null) return;
    try {
      closeSync(this.fd);
    } catch {
      // Already closed.
    }
    this.fd = null;
  }
}

/** Each process's status and main-thread children file, opened on first use and kept open. */
export class OpenProcessFiles {
  private readonly open = new Map<number, { status: ProcFile; children: ProcFile }>();

  of(pid: number): { status: ProcFile; children: ProcFile } {
    let files = this.open.get(pid);
    if (!files) {
      files = { status: new ProcFile(`/proc/${pid}/status`), children: new ProcFile(`/proc/${pid}/task/${pid}/children`) };
      this.open.set(pid, files);
    }
    return files;
  }

  forget(pid: number): void {
    const files = this.open.get(pid);
    files?.status.close();
    files?.children.close();
    this.open.delete(pid);
  }

  /** The processes with files open now (a copy: forgetting while going through it is safe). */
  pids(): number[] {
    return [...this.open.keys()];
  }
}
