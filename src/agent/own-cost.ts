// What the agent itself costs its process in CPU, on a CPU clock (not the wall clock: on a loaded
// machine a sample's wall time counts the time the process waited for a core, 16-18 s at 50
// children against well under a second of CPU).
import { ThreadCpu } from '../probes/thread-cpu';
import type { TrafficCost } from '../traffic/report';

export class OwnCost implements TrafficCost {
  samplingUs = 0;
  trafficUs = 0;
  private readonly clock = new ThreadCpu();

  /** Runs one sample, counting its CPU. */
  sampling<T>(work: () => T): T {
    const began = this.clock.nowUs();
    try {
      return work();
    } finally {
      this.samplingUs += Math.max(0, this.clock.nowUs() - began);
    }
  }

  cpu<T>(work: () => T): T {
    const began = this.clock.nowUs();
    try {
      return work();
    } finally {
      this.trafficUs += Math.max(0, this.clock.nowUs() - began);
    }
  }

  addClockUs(us: number): void {
    this.trafficUs += us;
  }
}
