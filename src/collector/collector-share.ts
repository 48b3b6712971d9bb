// One session's share of the shared collector's cost, for the record's observer figures.
import type { SessionMode } from '../contracts/session-layout';
import type { ObserverFigures } from '../session/record';

export interface CollectorOwnCost {
  pid: number;
  hwmBytes: number;
  rssBytes: number;
}

export class CollectorShare {
  private cpuMs = 0;
  private rssPeak = 0;
  private sessionsPeak = 1;

  /**
   * The collector serves every live session at once: each gets an equal share of the CPU it spent
   * while they were live together, and sees its RSS (the whole process's, shared by all of them).
   */
  observe(cpuMs: number, rss: number, liveSessions: number): void {
    this.cpuMs += cpuMs / Math.max(1, liveSessions);
    this.rssPeak = Math.max(this.rssPeak, rss);
    this.sessionsPeak = Math.max(this.sessionsPeak, liveSessions);
  }

  figures(own: CollectorOwnCost, mode: SessionMode, finishAt: number | null, runEndedAt: number | null): ObserverFigures {
    return {
      mode,
      finishAt,
      runEndedAt,
      collectorPid: own.pid,
      collectorHwmBytes: own.hwmBytes,
      collectorRssPeakBytes: Math.max(this.rssPeak, own.rssBytes),
      collectorCpuMs: Math.round(this.cpuMs),
      collectorSessionsPeak: this.sessionsPeak,
    };
  }
}
