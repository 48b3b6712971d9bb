// Reads a bench results file (JSONL, one BenchResult per line, see src/contracts/bench-result.ts),
// every line checked against the contract: the first misfit stops the reader with one line that
// names the file, the line and the field.
import { readFileSync } from 'node:fs';
import { BENCH_RESULT_SCHEMA, BenchResultSchema, type BenchResult } from '../../contracts/bench-result';
import { validator } from '../../contracts/validate';

const benchLine = validator(BenchResultSchema);

/** Bad input: the message is one line that names the file and what is wrong. */
export class InputError extends Error {}

export function readResults(file: string): BenchResult[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const results: BenchResult[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    results.push(parseLine(line, `${file}:${index + 1}`));
  });
  if (results.length === 0) throw new InputError(`${file} holds no results (expected JSON lines of schema ${BENCH_RESULT_SCHEMA})`);
  return results;
}

function parseLine(line: string, where: string): BenchResult {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    // A line cut short by a crash while appending: say where, keep nothing of its text.
    throw new InputError(`${where}: not a JSON line`);
  }
  const result = value as Partial<BenchResult> | null;
  if (!result || typeof result !== 'object' || result.schema !== BENCH_RESULT_SCHEMA) {
    throw new InputError(`${where}: not a bench result (schema is not ${BENCH_RESULT_SCHEMA})`);
  }
  // Fail closed: a figure of the wrong type must stop the reader, not read as "no data".
  const misfit = benchLine.misfit(value);
  if (misfit) throw new InputError(`${where}: ${misfit.field}: ${misfit.problem}`);
  return value as BenchResult;
}

/** The runs that count in summaries: not warm-ups (repeat 0). */
export function measured(results: BenchResult[]): BenchResult[] {
  return results.filter((r) => r.bench.repeat > 0);
}

/** Targets and workloads in the order they first appear (the matrix's order). */
export function targetsOf(results: BenchResult[]): string[] {
  return [...new Set(results.map((r) => r.bench.target))];
}

export function workloadsOf(results: BenchResult[]): string[] {
  return [...new Set(results.map((r) => r.bench.workload))];
}
