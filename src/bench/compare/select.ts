// Which runs are the baseline and which the candidate: two targets of one results file, or one
// target from each of two files. Cells are paired by workload.
import type { BenchResult } from '../../contracts/bench-result';
import { buildCells, type Cell } from '../results/cells';
import { InputError, readResults, targetsOf, workloadsOf } from '../results/load';

export interface Pair {
  workload: string;
  baseline: Cell;
  candidate: Cell;
}

export interface Selection {
  baseline: string;
  candidate: string;
  /** The results file each side came from. */
  files: { baseline: string; candidate: string };
  pairs: Pair[];
  /** Workloads only one side ran: named in the output, not compared. */
  unmatched: string[];
}

export interface SelectArgs {
  files: string[];
  baseline?: string;
  candidate?: string;
}

export function select(args: SelectArgs): Selection {
  if (args.files.length === 1) {
    const results = readResults(args.files[0]);
    const targets = targetsOf(results);
    const [baseline, candidate] = pickTwo(targets, args, args.files[0]);
    return { ...pairUp(results, baseline, results, candidate), files: { baseline: args.files[0], candidate: args.files[0] } };
  }
  if (args.files.length === 2) {
    const [base, cand] = args.files.map(readResults);
    const baseline = pickOne(targetsOf(base), args.baseline, args.files[0], '--baseline');
    const candidate = pickOne(targetsOf(cand), args.candidate, args.files[1], '--candidate');
    return { ...pairUp(base, baseline, cand, candidate), files: { baseline: args.files[0], candidate: args.files[1] } };
  }
  throw new InputError('give one results file with --baseline and --candidate, or two files (BASE.jsonl CANDIDATE.jsonl)');
}

function pickTwo(targets: string[], args: SelectArgs, file: string): [string, string] {
  if (!args.baseline && !args.candidate && targets.length === 2) return [targets[0], targets[1]];
  if (!args.baseline || !args.candidate) {
    throw new InputError(`${file} holds ${targets.length} targets (${targets.join(', ')}): name them with --baseline and --candidate`);
  }
  for (const name of [args.baseline, args.candidate]) {
    if (!targets.includes(name)) throw new InputError(`${file} has no target "${name}"; it has ${targets.join(', ')}`);
  }
  if (args.baseline === args.candidate) throw new InputError(`--baseline and --candidate are both "${args.baseline}"`);
  return [args.baseline, args.candidate];
}

function pickOne(targets: string[], wanted: string | undefined, file: string, flag: string): string {
  if (wanted) {
    if (!targets.includes(wanted)) throw new InputError(`${file} has no target "${wanted}"; it has ${targets.join(', ')}`);
    return wanted;
  }
  if (targets.length !== 1) throw new InputError(`${file} holds ${targets.length} targets (${targets.join(', ')}): name one with ${flag}`);
  return targets[0];
}

function pairUp(baseResults: BenchResult[], baseline: string, candResults: BenchResult[], candidate: string): Omit<Selection, 'files'> {
  const baseCells = buildCells(baseResults.filter((r) => r.bench.target === baseline));
  const candCells = buildCells(candResults.filter((r) => r.bench.target === candidate));
  const workloads = [...new Set([...workloadsOf(baseResults), ...workloadsOf(candResults)])];
  const pairs: Pair[] = [];
  const unmatched: string[] = [];
  for (const workload of workloads) {
    const b = baseCells.find((c) => c.workload === workload);
    const c = candCells.find((cell) => cell.workload === workload);
    if (b && c) pairs.push({ workload, baseline: b, candidate: c });
    else if (b || c) unmatched.push(workload);
  }
  if (pairs.length === 0) throw new InputError(`${baseline} and ${candidate} share no workload`);
  return { baseline, candidate, pairs, unmatched };
}
