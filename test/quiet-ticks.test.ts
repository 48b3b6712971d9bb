// Quiet ticks on the real /proc: a CLI that idles, then allocates 64 MiB, then starts a child that
// lives 0.3 s (under the 2 s between the samples a 200 ms tick takes regardless). A session that
// skips the ticks its marks call quiet sees the same peak and the same processes as one that
// samples every tick, and it does skip the idle ones.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { createLinuxProcReader } from '../src/session/proc-reader';
import { Session } from '../src/session/session';

const MiB = 1024 * 1024;
const CLI = `
const wait = (ms) => new Promise((r) => setTimeout(r, ms));
(async () => {
  await wait(4500); // a process without an agent is young (sampled every tick) for 3 s
  const held = Buffer.alloc(64 * 1024 * 1024, 1);
  await wait(1500);
  const child = require('child_process').spawn('sleep', ['0.3']);
  await new Promise((r) => child.on('exit', r));
  await wait(1000);
  if (held.length === 0) console.log('?');
})();`;

function sessionFor(rootPid: number): Session {
  return new Session(
    {
      id: 'quiet',
      start: Date.now(),
      rootPid,
      rootIsObserver: false,
      observerPids: new Set<number>(),
      timelinePoints: 100,
      spanAttributes: {},
      onHeapPressure: () => undefined,
    },
    createLinuxProcReader(),
  );
}

describe('quiet ticks on the real /proc', () => {
  it('see the peak and the processes that sampling every tick sees, and skip idle ticks', async () => {
    const cli = spawn(process.execPath, ['-e', CLI], { stdio: 'ignore' });
    const everyTick = sessionFor(cli.pid as number);
    const quietAware = sessionFor(cli.pid as number);
    let quietTicks = 0;
    const timer = setInterval(() => {
      const now = Date.now();
      everyTick.sampleTree(now);
      if (quietAware.sampleTreeUnlessQuiet(now) === null) quietTicks += 1;
    }, 200);
    await once(cli, 'exit');
    clearInterval(timer);
    const names = (s: Session) => [...new Set(s.processes().map((p) => p.name))].sort();
    expect(quietTicks).toBeGreaterThan(0);
    expect(names(quietAware)).toEqual(names(everyTick));
    expect(names(quietAware)).toContain('sleep');
    expect(everyTick.peak.sampled).toBeGreaterThan(64 * MiB);
    expect(quietAware.peak.sampled).toBeGreaterThanOrEqual(everyTick.peak.sampled * 0.99);
  }, 30_000);
});
