// `qwen-otel compare`: baseline vs candidate per workload, a noise-aware verdict, and where the
// difference is. Exit 0: no regression; 1: a regression (the CI gate); 2: bad input (one line on
// stderr): an unreadable file or line, or a checked figure without data on one side (unless
// --allow-missing); 3: inconclusive (no regression shown, but more runs are needed to say so).
import { parseArgs } from 'node:util';
import { InputError } from '../results/load';
import { compareSelection } from './comparison';
import { missingData } from './missing';
import { renderMarkdown, renderText } from './render';
import { select } from './select';
import { DEFAULT_MARGIN, parseConfidence, parseCriteria } from './verdict';

export const COMPARE_USAGE =
  'usage: qwen-otel compare RESULTS.jsonl --baseline TARGET --candidate TARGET | BASE.jsonl CANDIDATE.jsonl  [--margin 5%,20MiB] [--confidence 95%] [--figure NAME[=MARGIN]]... [--allow-missing] [--by package|module] [--json | --markdown]';

/** The exit codes, also documented in docs/compare.md. */
export const EXIT = { ok: 0, regression: 1, badInput: 2, inconclusive: 3 } as const;

export async function compareCommand(argv: string[]): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        baseline: { type: 'string' },
        candidate: { type: 'string' },
        margin: { type: 'string' },
        // The name of --margin before the verdict was noise-aware; still accepted.
        threshold: { type: 'string' },
        confidence: { type: 'string', default: '95%' },
        figure: { type: 'string', multiple: true, default: [] },
        json: { type: 'boolean', default: false },
        markdown: { type: 'boolean', default: false },
        'allow-missing': { type: 'boolean', default: false },
        by: { type: 'string', default: 'package' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help) {
      process.stdout.write(`${COMPARE_USAGE}\nfigures and the decomposition rule: docs/compare.md\n`);
      return 0;
    }
    if (values.json && values.markdown) throw new InputError('--json and --markdown exclude each other');
    if (values.margin && values.threshold) throw new InputError('--margin and --threshold are the same option: give one');
    const criteria = parseCriteria(values.figure ?? [], values.margin ?? values.threshold ?? DEFAULT_MARGIN);
    const confidence = parseConfidence(values.confidence);
    const selection = select({ files: positionals, baseline: values.baseline, candidate: values.candidate });
    if (values.by !== 'package' && values.by !== 'module') throw new InputError(`--by "${values.by}": package or module`);
    const comparison = compareSelection(selection, criteria, confidence, values.by);
    const missing = values['allow-missing'] ? null : missingData(comparison, selection);
    if (missing) throw new InputError(missing);
    if (values.json) process.stdout.write(`${JSON.stringify(toJson(comparison), null, 2)}\n`);
    else process.stdout.write(values.markdown ? renderMarkdown(comparison) : renderText(comparison));
    return comparison.regression ? EXIT.regression : comparison.inconclusive ? EXIT.inconclusive : EXIT.ok;
  } catch (error) {
    if (error instanceof InputError || (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`qwen-otel compare: ${(error as Error).message}\n`);
      return EXIT.badInput;
    }
    throw error;
  }
}

/** Figures by name instead of the objects that read them. */
function toJson(comparison: ReturnType<typeof compareSelection>): unknown {
  return {
    ...comparison,
    workloads: comparison.workloads.map((w) => ({
      ...w,
      verdict: {
        ...w.verdict,
        checks: w.verdict.checks.map(({ figure, ...rest }) => ({ figure: figure.name, unit: figure.unit, ...rest })),
      },
    })),
  };
}
