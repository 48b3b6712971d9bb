// An idle process is neither read nor sent at every tick: its agent slows to IDLE_INTERVAL_MS
// after a few idle ticks, goes back to the interval when the process spends CPU or a GC runs,
// sends what moved, and still sends a heartbeat sample so no figure ages past HEARTBEAT_MS.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { SampleMessage } from '../src/channel/protocol';
import { OwnCost } from '../src/agent/own-cost';
import { HEARTBEAT_MS, IDLE_CPU_US, IDLE_INTERVAL_MS, IDLE_TICKS_BEFORE_SLOWING, Sampler, worthSending } from '../src/agent/sampler';

const INTERVAL = 500;
const noHooks = { onHeapPressure: () => undefined, onRssAbove: () => undefined };

/** A sampler on a CPU clock the test moves, with its reads and sends counted. */
function sampler(): { s: Sampler; cpu: { us: number }; sent: SampleMessage[] } {
  const cpu = { us: 0 };
  const sent: SampleMessage[] = [];
  const s = new Sampler(noHooks, null, new OwnCost(), () => cpu.us);
  s.start(INTERVAL, (m) => sent.push(m));
  return { s, cpu, sent };
}

function sample(over: Partial<SampleMessage['mem']> = {}, extra: Partial<SampleMessage> = {}): SampleMessage {
  const mem = { rss: 100e6, hwm: 100e6, heapTotal: 40e6, heapUsed: 30e6, external: 1e6, arrayBuffers: 1e5, ...over };
  return { k: 'sample', t: 0, mem, heap: null, loop: null, gc: [], costUs: 0, trafficUs: 0, ...extra };
}

describe('the agent on an idle process', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('reads and sends the first sample, then reads nothing while the process spends no CPU', () => {
    const { s, sent } = sampler();
    vi.advanceTimersByTime(100);
    expect(s.count).toBe(1);
    expect(sent).toHaveLength(1);
    vi.advanceTimersByTime(5000);
    expect(s.count).toBe(1);
    expect(sent).toHaveLength(1);
    s.stop();
  });

  it(`slows to one tick every ${IDLE_INTERVAL_MS} ms after ${IDLE_TICKS_BEFORE_SLOWING} idle ticks, and a busy tick or a GC brings the interval back`, () => {
    const { s, cpu } = sampler();
    vi.advanceTimersByTime(100 + IDLE_TICKS_BEFORE_SLOWING * INTERVAL);
    // Slowed: CPU spent now is seen only at the slow tick.
    cpu.us += 10 * IDLE_CPU_US;
    vi.advanceTimersByTime(INTERVAL);
    expect(s.count).toBe(1);
    vi.advanceTimersByTime(IDLE_INTERVAL_MS - INTERVAL);
    expect(s.count).toBe(2);
    // Busy again: every interval is read.
    for (let tick = 0; tick < 3; tick += 1) {
      cpu.us += 10 * IDLE_CPU_US;
      vi.advanceTimersByTime(INTERVAL);
    }
    expect(s.count).toBe(5);
    // Idle, slowed again; a GC wakes it at once to the interval.
    vi.advanceTimersByTime((IDLE_TICKS_BEFORE_SLOWING + 1) * INTERVAL);
    s.wake();
    cpu.us += 10 * IDLE_CPU_US;
    vi.advanceTimersByTime(INTERVAL);
    expect(s.count).toBe(6);
    s.stop();
  });

  it(`still sends a sample every ${HEARTBEAT_MS / 1000} s when nothing changes`, () => {
    const { s, sent } = sampler();
    vi.advanceTimersByTime(100);
    vi.advanceTimersByTime(HEARTBEAT_MS + IDLE_INTERVAL_MS);
    expect(sent).toHaveLength(2);
    expect(s.count).toBe(2);
    s.stop();
  });

  it('reads every tick for the heap profiler, and hands each sample read to onRead, sent or not', () => {
    const read: SampleMessage[] = [];
    const s = new Sampler({ ...noHooks, onRead: (m) => read.push(m) }, null, new OwnCost(), () => 0);
    const sent: SampleMessage[] = [];
    s.readEveryTick();
    s.start(INTERVAL, (m) => sent.push(m));
    vi.advanceTimersByTime(100 + 6 * INTERVAL);
    expect(s.count).toBe(7);
    expect(read).toHaveLength(7);
    expect(sent.length).toBeLessThanOrEqual(read.length);
    s.stop();
  });

  it('sends a sample whose memory moved by 256 KiB or more, that has GCs, or new event-loop figures; not one that barely moved', () => {
    const last = sample();
    expect(worthSending(sample({ rss: 100e6 + 4096 }), last)).toBe(false);
    expect(worthSending(sample({ heapUsed: 30e6 + 100_000 }), last)).toBe(false);
    expect(worthSending(sample({ rss: 100e6 + 262_144 }), last)).toBe(true);
    expect(worthSending(sample({ heapUsed: 30e6 - 262_144 }), last)).toBe(true);
    expect(worthSending(sample({ external: 2e6 }), last)).toBe(true);
    expect(worthSending(sample({}, { gc: [['minor', 0.4]] }), last)).toBe(true);
    const loop = { mean: 2, p99: 5, max: 6, utilization: 0.1 };
    expect(worthSending(sample({}, { loop }), last)).toBe(true);
    expect(worthSending(sample({}, { loop: { ...loop, mean: 2.2 } }), sample({}, { loop }))).toBe(false);
  });
});
