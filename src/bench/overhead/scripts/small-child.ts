// Benchmark helper: a small Node process holding 20 MiB (a Buffer, every page written) for a
// while; at exit (after any exit handler registered before its own, the agent's included) it
// prints its VmHWM and its CPU time.
import { readFileSync, writeSync } from 'node:fs';

const held = Buffer.alloc(20 * 1024 * 1024, 1);
const liveMs = Number(process.env.SMALL_CHILD_MS ?? 1000);

process.on('exit', () => {
  const status = readFileSync('/proc/self/status', 'latin1');
  const cpu = process.cpuUsage();
  const hwmKiB = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  writeSync(1, `${JSON.stringify({ hwmKiB, cpuMs: (cpu.user + cpu.system) / 1000, held: held.length })}\n`);
});
setTimeout(() => undefined, liveMs);
