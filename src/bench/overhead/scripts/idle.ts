// Benchmark helper: an idle Node process that reports, over a window, its own CPU time and (when
// instrumented) the collector's: the run time of each of its threads from /proc/<pid>/task/*/schedstat,
// in nanoseconds. /proc/<pid>/stat counts in clock ticks (10 ms here), so the ~30 ms an idle
// collector spends in a 10 s window read from it was ±10 ms.
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const WARM_MS = Number(process.env.IDLE_WARM_MS ?? 3000);
const WINDOW_MS = Number(process.env.IDLE_WINDOW_MS ?? 10000);

function ownCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

function collectorCpuMs(): number | null {
  const dir = process.env.QWEN_OTEL_SESSION_DIR;
  if (!dir) return null;
  try {
    const pid = readFileSync(path.join(dir, 'collector.owner'), 'utf8').trim(); // the collector serving this session
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    }
    return ns / 1e6;
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
