// What the bench harness adds to a run's wall time: its 20 ms /proc sampler (a worker thread) and
// the scripted server with its recording (the harness's main thread). Runs without qwen-otel, so
// only the harness is measured (the plugin's own cost is `npm run bench:overhead`).
//   npm run bench:harness -- [--target claude@2.1.112] [--workload pr-review] [--rounds 10]
// Each round runs the target with and without the sampler, in alternating order: the paired ratio
// of wall times is the sampler's cost. The server's cost is the main thread's busy time during the
// run (event-loop utilisation: parsing requests, encoding replies, recording), as a share of the wall.
// The headline is the harness's CPU (every thread) during the run as a share of its wall time: an
// upper bound on what it can take from the CLI, and steady where wall time is not.
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { flagValue, saveReport } from '../overhead/report';
import { spread, type Spread } from '../results/stats';
import { resolveTarget } from '../targets/presets';
import { parseTarget } from '../targets/target-spec';
import { resolveWorkloads } from '../workloads';
import { runOne, type RunPlan } from './run-one';

interface Sample {
  round: number;
  sampler: boolean;
  wallMs: number;
  mainThreadBusyMs: number;
  /** CPU of the whole harness process (every thread: server, sampler worker) during the run. */
  harnessCpuMs: number;
  ok: boolean;
}

async function measured(plan: RunPlan, round: number): Promise<Sample> {
  let before = performance.eventLoopUtilization();
  let cpuBefore = process.cpuUsage();
  let busyMs = NaN;
  let cpuMs = NaN;
  const onWindow = (edge: 'start' | 'end'): void => {
    if (edge === 'start') {
      before = performance.eventLoopUtilization();
      cpuBefore = process.cpuUsage();
      return;
    }
    busyMs = performance.eventLoopUtilization(before).active;
    const cpu = process.cpuUsage(cpuBefore);
    cpuMs = (cpu.user + cpu.system) / 1000;
  };
  const result = await runOne({ ...plan, onWindow });
  return {
    round,
    sampler: plan.sampler !== false,
    wallMs: result.wall_ms,
    mainThreadBusyMs: busyMs,
    harnessCpuMs: cpuMs,
    ok: result.status === 'ok',
  };
}

const pct = (s: Spread): string => `${s.median.toFixed(2)} % (IQR ${s.q1.toFixed(2)}..${s.q3.toFixed(2)})`;

async function main(args: string[]): Promise<void> {
  const rounds = Number(flagValue(args, '--rounds', '10'));
  const target = await resolveTarget(parseTarget(flagValue(args, '--target', 'claude@2.1.112')));
  const [workload] = resolveWorkloads([flagValue(args, '--workload', 'pr-review')]);
  const base = { target, workload, matrixId: 'harness-overhead', timeoutMs: 300_000, instrumented: false };
  const samples: Sample[] = [];
  for (let round = 0; round <= rounds; round += 1) {
    const order = round % 2 === 0 ? [true, false] : [false, true];
    for (const sampler of order) {
      const sample = await measured({ ...base, repeat: round, sampler }, round);
      process.stderr.write(
        `round ${round}/${rounds}${round === 0 ? ' (warm-up)' : ''}  sampler ${sampler ? 'on ' : 'off'}  ${(sample.wallMs / 1000).toFixed(2)} s\n`,
      );
      if (round > 0) samples.push(sample);
    }
  }
  const failed = samples.filter((s) => !s.ok).length;
  const pairs = Array.from(
    { length: rounds },
    (_, i) => [samples.find((s) => s.round === i + 1 && s.sampler), samples.find((s) => s.round === i + 1 && !s.sampler)] as const,
  );
  const samplerCost = spread(pairs.map(([on, off]) => ((on?.wallMs ?? NaN) / (off?.wallMs ?? NaN) - 1) * 100));
  const serverShare = spread(samples.filter((s) => !s.sampler).map((s) => (s.mainThreadBusyMs / s.wallMs) * 100));
  const wallOff = spread(samples.filter((s) => !s.sampler).map((s) => s.wallMs));
  // CPU is far steadier than wall time on a shared machine: the harness's CPU during a run, as a
  // share of the run's wall time, bounds what it can take from the CLI even with no spare core.
  const cpuShare = (sampler: boolean): Spread =>
    spread(samples.filter((s) => s.sampler === sampler).map((s) => (s.harnessCpuMs / s.wallMs) * 100));
  const cpuOn = cpuShare(true);
  const cpuOff = cpuShare(false);
  const total = samplerCost.median + serverShare.median;
  const lines = [
    `# Harness overhead: ${target.label}, ${workload.name}, ${rounds} paired rounds (${new Date().toISOString()})`,
    '',
    `| figure | median (IQR) |`,
    `|---|---|`,
    `| run wall time without the sampler | ${(wallOff.median / 1000).toFixed(2)} s (${(wallOff.q1 / 1000).toFixed(2)}..${(wallOff.q3 / 1000).toFixed(2)}) |`,
    `| **wall time the 20 ms sampler adds (paired ratio, with vs without)** | **${pct(samplerCost)}** |`,
    `| harness main thread busy (server + recording), share of wall | ${pct(serverShare)} |`,
    `| harness CPU (all threads) without the sampler, share of wall | ${pct(cpuOff)} |`,
    `| harness CPU (all threads: server, recording, 20 ms sampler), share of wall: the bound | ${pct(cpuOn)} |`,
    '',
    "Budget: the sampler and server add < 2 % to a run's wall time. The paired wall ratio is the direct",
    'measure; its IQR shows what this machine can resolve. The CPU share bounds the cost from above: it is',
    'what the harness could take from the CLI if every harness CPU millisecond delayed it (no spare core).',
    '',
    failed > 0 ? `${failed} run(s) failed: figures are not trustworthy.` : 'Every run completed its script.',
    '',
  ];
  const data = {
    target: target.label,
    workload: workload.name,
    rounds,
    samples,
    samplerCost,
    serverShare,
    cpuOff,
    cpuOn,
    totalPercent: total,
  };
  saveReport(path.resolve(flagValue(args, '--out', 'bench-results')), 'harness', data, lines.join('\n'));
  process.stdout.write(lines.join('\n'));
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error: Error) => {
    process.stderr.write(`bench:harness: ${error.message}\n`);
    process.exitCode = 1;
  });
}
