// The instrumented process's end of the channel: synchronous appends to a file of its own in the
// session directory. Synchronous because the last line is written from an `exit` handler, where
// nothing asynchronous completes (an async write queued there never reaches the disk); a file of its own so lines never interleave.
// Segments roll over at a size limit, so a long session never fills the disk.
import { closeSync, openSync, writeSync } from 'node:fs';
import * as path from 'node:path';
import type { AgentMessage } from './protocol';

export const SEGMENT_LIMIT_BYTES = 4 * 1024 * 1024;

export function segmentPath(dir: string, pid: number, segment: number): string {
  return path.join(dir, `p${pid}.${segment}.jsonl`);
}

export class ChannelWriter {
  private fd: number | null = null;
  private segment = 0;
  private written = 0;
  private broken = false;

  constructor(
    private readonly dir: string,
    private readonly pid: number,
    private readonly segmentLimit = SEGMENT_LIMIT_BYTES,
  ) {}

  send(message: AgentMessage): void {
    if (this.broken) return;
    try {
      const line = `${JSON.stringify(message)}\n`;
      if (this.fd === null || this.written + line.length > this.segmentLimit) this.roll();
      this.written += writeSync(this.fd as number, line);
    } catch {
      // The session directory is gone (the collector ended) or the disk is full: telemetry
      // stops, the CLI goes on.
      this.broken = true;
    }
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private roll(): void {
    if (this.fd !== null) {
      closeSync(this.fd);
      this.segment += 1;
    }
    this.fd = openSync(segmentPath(this.dir, this.pid, this.segment), 'a', 0o600);
    this.written = 0;
  }
}
