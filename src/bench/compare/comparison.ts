// The comparison as plain data (what --json prints): per workload the verdict, the decomposition
// of the gap, the context that moved and the words.
import { contextMoves as context, explain, type ContextMove } from '../results/explain';
import { decompose, DECOMPOSITION_RULE, type Decomposition } from '../results/decompose';
import { type HeapDifference, heapDifference, type HeapGrouping, heapWords } from '../results/heap-profile';
import { DEFAULT_CONFIDENCE } from '../results/verdict';
import type { Pair, Selection } from './select';
import { judgeWorkload, type Criterion, type WorkloadVerdict } from './verdict';

export interface WorkloadComparison {
  workload: string;
  runs: { baseline: number; candidate: number; baselineFailed: number; candidateFailed: number };
  verdict: WorkloadVerdict;
  decomposition: Decomposition | null;
  context: ContextMove[];
  /** With heap profiles on both sides (QWEN_OTEL_HEAP_PROFILE): the V8 heap by package or module. */
  heap: HeapDifference | null;
  heapBy: HeapGrouping;
  words: string[];
}

export interface Comparison {
  baseline: string;
  candidate: string;
  rule: string;
  workloads: WorkloadComparison[];
  unmatched: string[];
  regression: boolean;
  /** No regression, and some check could not be decided: more runs are needed. */
  inconclusive: boolean;
  /** Of the intervals: 0.95 for 95 %. */
  confidence: number;
}

export function compareSelection(
  selection: Selection,
  criteria: Criterion[],
  confidence = DEFAULT_CONFIDENCE,
  heapBy: HeapGrouping = 'package',
): Comparison {
  const workloads = selection.pairs.map((pair) => compareWorkload(pair, criteria, confidence, heapBy));
  const regression = workloads.some((w) => w.verdict.regression);
  return {
    baseline: selection.baseline,
    candidate: selection.candidate,
    rule: DECOMPOSITION_RULE,
    workloads,
    unmatched: selection.unmatched,
    regression,
    inconclusive: !regression && workloads.some((w) => w.verdict.inconclusive),
    confidence,
  };
}

function compareWorkload(pair: Pair, criteria: Criterion[], confidence: number, heapBy: HeapGrouping): WorkloadComparison {
  const decomposition = decompose(pair.baseline.runs, pair.candidate.runs);
  const heap = heapDifference(pair.baseline.runs, pair.candidate.runs, heapBy);
  const words = decomposition
    ? explain(decomposition, context(pair))
    : ['No run record on one side: the gap cannot be decomposed (run the targets under qwen-otel run).'];
  return {
    workload: pair.workload,
    runs: {
      baseline: pair.baseline.runs.length,
      candidate: pair.candidate.runs.length,
      baselineFailed: pair.baseline.failures.length,
      candidateFailed: pair.candidate.failures.length,
    },
    verdict: judgeWorkload(pair.workload, criteria, pair.baseline, pair.candidate, confidence),
    decomposition,
    context: context(pair),
    heap,
    heapBy,
    words: heap ? [...words, heapWords(heap, heapBy)] : words,
  };
}
