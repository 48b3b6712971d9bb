// The matrix: warm-up runs, then N rounds; in each round every workload runs on every target, the
// targets' order rotated from round to round so slow drift of the machine spreads over all of them.
// A failed run is recorded with its reason and the matrix goes on.
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { ResolvedTarget } from '../targets/presets';
import type { Workload } from '../workloads';
import { LiveMetrics, type MatrixProgress } from './live-metrics';
import { ProgressLine } from './progress';
import type { BenchResult } from '../../contracts/bench-result';
import { killGroup } from '../run-command';
import { failedResult, runningGroups, runOne, type RunPlan } from './run-one';
import { describeUndecided, judgedFigure, undecided } from './until-confident';
import type { Margin } from '../results/verdict';

export interface MatrixRun {
  targets: ResolvedTarget[];
  workloads: Workload[];
  repeats: number;
  warmup: number;
  timeoutMs: number;
  instrumented: boolean;
  /** QWEN_OTEL_HEAP_PROFILE=1 in every instrumented run. */
  heapProfile?: boolean;
  outDir: string;
  metricsPort: number | null;
  /** With `--until-confident`: more rounds for undecided cells, up to `maxRepeats` in all. */
  untilConfident: { baseline: string; margin: Margin; maxRepeats: number } | null;
}

export function newMatrixId(): string {
  return `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}`;
}

export function planRuns(m: MatrixRun, matrixId: string): RunPlan[] {
  const plan = (target: ResolvedTarget, workload: Workload, repeat: number): RunPlan => ({
    target,
    workload,
    repeat,
    matrixId,
    timeoutMs: m.timeoutMs,
    instrumented: m.instrumented,
    heapProfile: m.heapProfile,
  });
  const runs: RunPlan[] = [];
  for (let w = 0; w < m.warmup; w += 1) for (const target of m.targets) runs.push(plan(target, m.workloads[0], 0));
  for (let round = 1; round <= m.repeats; round += 1)
    runs.push(
      ...roundPlans(
        m,
        m.workloads.map((workload) => ({ workload, targets: m.targets })),
        round,
        matrixId,
      ),
    );
  return runs;
}

/** One round over the given cells, the targets' order rotated by the round number. */
function roundPlans(
  m: MatrixRun,
  cells: Array<{ workload: Workload; targets: ResolvedTarget[] }>,
  round: number,
  matrixId: string,
): RunPlan[] {
  return cells.flatMap(({ workload, targets }) =>
    targets
      .map((_, i) => targets[(i + round - 1) % targets.length])
      .map((target) => ({
        target,
        workload,
        repeat: round,
        matrixId,
        timeoutMs: m.timeoutMs,
        instrumented: m.instrumented,
        heapProfile: m.heapProfile,
      })),
  );
}

/** The next round of `--until-confident`: each undecided cell and its workload's baseline; none when all are decided. */
function confidenceRound(m: MatrixRun, results: BenchResult[], round: number, matrixId: string, notice: (line: string) => void): RunPlan[] {
  const until = m.untilConfident;
  if (!until || round > until.maxRepeats + 1) return [];
  const open = undecided(results, m.targets, m.workloads, until.baseline, until.margin, judgedFigure(m.instrumented));
  if (open.length === 0) return [];
  if (round > until.maxRepeats) {
    notice(
      `qwen-otel bench: still inconclusive after ${until.maxRepeats} repeats (${describeUndecided(open)}): raise --max-repeats, or the margin`,
    );
    return [];
  }
  notice(`qwen-otel bench: repeat ${round} for the cells still inconclusive against ${until.baseline} (${describeUndecided(open)})`);
  const base = m.targets.filter((t) => t.label === until.baseline);
  return roundPlans(
    m,
    open.map((c) => ({ workload: c.workload, targets: [...base, ...c.targets] })),
    round,
    matrixId,
  );
}

export async function runMatrix(
  m: MatrixRun,
  notice: (line: string) => void,
): Promise<{ matrixId: string; resultsFile: string; results: BenchResult[] }> {
  const matrixId = newMatrixId();
  const plans = planRuns(m, matrixId);
  mkdirSync(m.outDir, { recursive: true });
  const resultsFile = path.join(m.outDir, 'results.jsonl');
  const progress: MatrixProgress = { planned: plans.length, finished: 0, failed: 0 };
  const line = new ProgressLine(plans.length);
  const live = new LiveMetrics(progress, process.env.QWEN_OTEL_PUSHGATEWAY_URL, (text) => line.note(text));
  const url = await live.serve(m.metricsPort);
  notice(
    `qwen-otel bench: matrix ${matrixId}: ${plans.length} runs; results appended to ${resultsFile}${url ? `; live metrics at ${url}` : ''}`,
  );
  const results: BenchResult[] = [];
  // Targets run in process groups of their own: an interrupted bench must not leave them running.
  const interrupted = (signal: NodeJS.Signals): void => {
    for (const pid of runningGroups) killGroup(pid, 'SIGKILL');
    line.note(`qwen-otel bench: interrupted (${signal}); ${results.length} finished runs are in ${resultsFile}`);
    process.exit(130);
  };
  process.once('SIGINT', interrupted).once('SIGTERM', interrupted);
  try {
    let queue = plans;
    for (let round = m.repeats + 1; queue.length > 0; round += 1) {
      for (const plan of queue) await runPlan(plan);
      queue = confidenceRound(m, results, round, matrixId, (text) => line.note(text));
      progress.planned += queue.length;
      line.extend(queue.length);
    }
  } finally {
    process.removeListener('SIGINT', interrupted).removeListener('SIGTERM', interrupted);
    line.done();
    await live.close();
  }
  return { matrixId, resultsFile, results };

  async function runPlan(plan: RunPlan): Promise<void> {
    line.start(progress.finished + 1, plan.target.label, plan.workload.name, plan.repeat, results.at(-1)?.wall_ms);
    const result = await runOne(plan).catch((error: Error) => failedResult(plan, `harness error: ${error.message}`));
    appendFileSync(resultsFile, `${JSON.stringify(result)}\n`);
    results.push(result);
    progress.finished += 1;
    if (result.status === 'failed') {
      progress.failed += 1;
      line.note(
        `qwen-otel bench: ${plan.target.label} ${plan.workload.name} ${plan.repeat === 0 ? 'warm-up' : `repeat ${plan.repeat}`} failed: ${result.failure}`,
      );
    } else if (plan.instrumented && result.record === null) {
      line.note(
        `qwen-otel bench: ${plan.target.label} ${plan.workload.name} repeat ${plan.repeat}: no run record was written; the run's record figures are missing`,
      );
    }
    await live.finished(result);
  }
}
