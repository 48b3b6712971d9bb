// `qwen-otel report RESULTS.jsonl [--out DIR] [--baseline TARGET]`: report.md and report.html.
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { writeReports } from './index';
import { InputError } from '../results/load';

export const REPORT_USAGE = 'usage: qwen-otel report RESULTS.jsonl [--out DIR] [--baseline TARGET]';

export async function reportCommand(argv: string[]): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { out: { type: 'string' }, baseline: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
    });
    if (values.help) {
      process.stdout.write(`${REPORT_USAGE}\n`);
      return 0;
    }
    if (positionals.length !== 1) throw new InputError(`give one results file; ${REPORT_USAGE}`);
    const outDir = values.out ?? path.dirname(positionals[0]);
    const written = writeReports(positionals[0], outDir, values.baseline);
    process.stdout.write(`qwen-otel report: wrote ${written.markdown} and ${written.html}\n`);
    return 0;
  } catch (error) {
    if (error instanceof InputError || (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`qwen-otel report: ${(error as Error).message}\n`);
      return 2;
    }
    throw error;
  }
}
