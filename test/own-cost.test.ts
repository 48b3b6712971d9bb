// The agent's own cost is CPU time, not wall time: work that sleeps costs it nothing, work that
// spins costs what the process's CPU clock says.
import { describe, expect, it } from 'vitest';
import { OwnCost } from '../src/agent/own-cost';
import { Sampler } from '../src/agent/sampler';
import { ThreadCpu } from '../src/probes/thread-cpu';

const sleep = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

function spinCpuMs(ms: number): number {
  const began = process.cpuUsage();
  for (;;) {
    const used = process.cpuUsage(began);
    if (used.user + used.system >= ms * 1000) return (used.user + used.system) / 1000;
  }
}

describe("the agent's own cost", () => {
  it('counts nothing for a sleep, however long the wall time', () => {
    const cost = new OwnCost();
    const began = Date.now();
    cost.sampling(() => sleep(300));
    cost.cpu(() => sleep(300));
    expect(Date.now() - began).toBeGreaterThanOrEqual(550);
    // A sleep costs the thread no CPU; 50 ms is room for the system calls, not for the sleep.
    expect(cost.samplingUs).toBeLessThan(50_000);
    expect(cost.trafficUs).toBeLessThan(50_000);
  });

  it('counts CPU spent, as the process CPU clock does', () => {
    const cost = new OwnCost();
    let spent = 0;
    cost.cpu(() => (spent = spinCpuMs(40)));
    // The main thread's CPU (schedstat) is at most the whole process's, and most of it while spinning.
    expect(cost.trafficUs / 1000).toBeGreaterThan(spent * 0.5);
    expect(cost.trafficUs / 1000).toBeLessThan(spent * 1.1 + 5);
  });

  it("reads the thread's clock from /proc, and the process clock where the file is missing", () => {
    const missing = new ThreadCpu('/proc/self/no-such-file');
    const processNow = process.cpuUsage();
    expect(missing.nowUs()).toBeGreaterThanOrEqual(processNow.user + processNow.system);
    const thread = new ThreadCpu();
    const first = thread.nowUs();
    spinCpuMs(5);
    expect(thread.nowUs()).toBeGreaterThan(first);
  });

  it('gives each sample the CPU sampling has cost so far', () => {
    const cost = new OwnCost();
    const sampler = new Sampler({ onHeapPressure: () => undefined, onRssAbove: () => undefined }, null, cost);
    sampler.sample();
    const second = sampler.sample();
    expect(second.costUs).toBe(Math.round(cost.samplingUs));
    expect(second.costUs).toBeGreaterThan(0);
    sampler.stop();
  });
});
