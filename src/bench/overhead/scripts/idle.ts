// Benchmark helper: an idle Node process that reports, over a window, its own CPU time and (when
// instrumented) the collector's, read from /proc/<pid>/stat.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const WARM_MS = Number(process.env.IDLE_WARM_MS ?? 3000);
const WINDOW_MS = Number(process.env.IDLE_WINDOW_MS ?? 10000);
const TICK_MS = 1000 / Number(process.env.CLK_TCK ?? 100);

function ownCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

function collectorCpuMs(): number | null {
  const dir = process.env.QWEN_OTEL_SESSION_DIR;
  if (!dir) return null;
  try {
    const pid = readFileSync(path.join(dir, 'collector.owner'), 'utf8').trim(); // the collector serving this session
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return null;
  }
}

setTimeout(() => {
  const start = { own: ownCpuMs(), collector: collectorCpuMs() };
  setTimeout(() => {
    const end = { own: ownCpuMs(), collector: collectorCpuMs() };
    const collector = start.collector === null || end.collector === null ? null : end.collector - start.collector;
    process.stdout.write(`${JSON.stringify({ windowMs: WINDOW_MS, ownCpuMs: end.own - start.own, collectorCpuMs: collector })}\n`);
  }, WINDOW_MS);
}, WARM_MS);
