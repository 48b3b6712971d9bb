// Reports from a bench results file: report.md and report.html in one directory.
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { renderHtmlReport } from './html';
import type { BenchResult } from '../../contracts/bench-result';
import { readResults, targetsOf, InputError } from '../results/load';
import { renderMarkdownReport } from './markdown';
import { buildReport } from './model';

export interface WrittenReports {
  markdown: string;
  html: string;
}

/** Writes report.md and report.html into outDir; `baseline` is the target ratios are taken against (default: the first). */
export function writeReports(resultsFile: string, outDir: string, baseline?: string): WrittenReports {
  return writeReportsFor(readResults(resultsFile), outDir, baseline, resultsFile);
}

/** The same from results in hand (a matrix that just ran). */
export function writeReportsFor(results: BenchResult[], outDir: string, baseline?: string, source = 'the results'): WrittenReports {
  if (baseline && !targetsOf(results).includes(baseline)) {
    throw new InputError(`${source} has no target "${baseline}"; it has ${targetsOf(results).join(', ')}`);
  }
  const data = buildReport(results, baseline);
  mkdirSync(outDir, { recursive: true });
  const written = { markdown: path.join(outDir, 'report.md'), html: path.join(outDir, 'report.html') };
  writeFileSync(written.markdown, renderMarkdownReport(data));
  writeFileSync(written.html, renderHtmlReport(data));
  return written;
}
