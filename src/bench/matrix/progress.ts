// The live progress line: run i of n, target, workload, repeat, elapsed, ETA. On a terminal it is
// one line rewritten in place; otherwise one plain line per run (logs stay readable).
export class ProgressLine {
  private readonly began = Date.now();
  private shown = false;

  constructor(
    private total: number,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {}

  start(index: number, target: string, workload: string, repeat: number, lastWallMs: number | undefined): void {
    const elapsed = (Date.now() - this.began) / 1000;
    const done = index - 1;
    const eta = done > 0 ? formatSeconds((elapsed / done) * (this.total - done)) : '?';
    const round = repeat === 0 ? 'warm-up' : `repeat ${repeat}`;
    const last = lastWallMs === undefined ? '' : `  last ${(lastWallMs / 1000).toFixed(1)} s`;
    this.write(`run ${index}/${this.total}  ${target}  ${workload}  ${round}  elapsed ${formatSeconds(elapsed)}  ETA ${eta}${last}`);
  }

  /** More runs were planned (`--until-confident`). */
  extend(runs: number): void {
    this.total += runs;
  }

  /** A line that must stay (a failure, a notice): printed above the progress line. */
  note(line: string): void {
    if (this.out.isTTY && this.shown) this.out.write('\r\x1b[2K');
    this.out.write(`${line}\n`);
    this.shown = false;
  }

  done(): void {
    if (this.out.isTTY && this.shown) this.out.write('\r\x1b[2K');
    this.shown = false;
  }

  private write(line: string): void {
    if (this.out.isTTY) {
      const width = this.out.columns ?? 120;
      this.out.write(`\r\x1b[2K${line.slice(0, width - 1)}`);
      this.shown = true;
    } else {
      this.out.write(`${line}\n`);
    }
  }
}

export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 90) return `${seconds.toFixed(0)} s`;
  return `${Math.floor(seconds / 60)} min ${String(Math.round(seconds % 60)).padStart(2, '0')} s`;
}
