// CPU time of the calling thread, in microseconds: the first field of /proc/thread-self/schedstat
// (nanoseconds on a CPU, exact), read through one descriptor into a buffer of its own, parsed
// without making a string. Where that file is missing (Bun, not Linux): process.cpuUsage(), which
// counts every thread of the process. A read costs ~4-6 µs, so it is taken around work of tens
// of microseconds or more, not around each small step.
import { closeSync, openSync, readSync } from 'node:fs';

const ZERO = 0x30;
const NINE = 0x39;

export class ThreadCpu {
  private readonly buffer = Buffer.allocUnsafe(32);
  private fd: number | null;

  constructor(file = '/proc/thread-self/schedstat') {
    try {
      this.fd = openSync(file, 'r');
    } catch {
      this.fd = null;
    }
  }

  /** CPU microseconds this thread has run so far (a running total: take differences). */
  nowUs(): number {
    if (this.fd !== null) {
      try {
        const n = readSync(this.fd, this.buffer, 0, this.buffer.length, 0);
        let ns = 0;
        let digits = 0;
        for (; digits < n; digits++) {
          const code = this.buffer[digits] as number;
          if (code < ZERO || code > NINE) break;
          ns = ns * 10 + (code - ZERO);
        }
        if (digits > 0) return ns / 1000;
      } catch {
        // Fall through to the process-wide figure.
      }
      this.close();
    }
    const usage = process.cpuUsage();
    return usage.user + usage.system;
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
