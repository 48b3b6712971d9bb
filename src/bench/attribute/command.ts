// `qwen-otel attribute`: runs a target with each configuration item alone, with all of them and
// with none (bench --config, rounds interleaved), then splits the figures by item; or, with
// --from, splits an existing results file.
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { BenchResult } from '../../contracts/bench-result';
import { benchCommand } from '../bench-command';
import { findFigure } from '../results/figures';
import { formatDelta, textTable } from '../results/format';
import { InputError, readResults } from '../results/load';
import { CONFIG_ITEMS } from '../targets/configuration';
import { ATTRIBUTED_FIGURES, attribute, type Attribution } from './split';

export const ATTRIBUTE_USAGE = `usage: qwen-otel attribute [--target qwen@0.15.10] [--items ${CONFIG_ITEMS.join(',')}] [--workload pr-review]
                          [--repeats 3] [--out bench-results/attribute] [--timeout 300s]
       qwen-otel attribute --from RESULTS.jsonl
  Runs the target with no configuration item, each item alone and all of them (MCP servers from
  npm in the CLI's own settings), rounds interleaved, and splits each figure by item: an item's
  share is its run minus the run without, paired by repeat; "remainder" is all - none - the sum.`;

export async function attributeCommand(argv: string[]): Promise<number> {
  const say = (line: string): void => void process.stderr.write(`${line}\n`);
  let values: ReturnType<typeof parseAttributeArgs>;
  try {
    values = parseAttributeArgs(argv);
  } catch (error) {
    say(`qwen-otel attribute: ${(error as Error).message}\n${ATTRIBUTE_USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${ATTRIBUTE_USAGE}\n`);
    return 0;
  }
  let file = values.from ? path.resolve(values.from) : null;
  let code = 0;
  if (!file) {
    const items = values.items.split(',').filter(Boolean);
    const configs = items.length > 1 ? [...items, `all=${items.join(',')}`] : items;
    code = await benchCommand([
      '--target',
      values.target,
      '--workload',
      values.workload,
      '--repeats',
      values.repeats,
      '--warmup',
      '0',
      '--timeout',
      values.timeout,
      '--out',
      values.out,
      '--metrics-port',
      'off',
      ...configs.flatMap((c) => ['--config', c]),
    ]);
    if (code === 2) return code;
    file = path.resolve(values.out, 'results.jsonl');
  }
  let results: BenchResult[];
  try {
    results = readResults(file);
  } catch (error) {
    if (!(error instanceof InputError) && (error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    say(`qwen-otel attribute: ${(error as Error).message}`);
    return 1;
  }
  // A fresh matrix is split alone; a given file is split whole.
  const latest = values.from ? results : results.filter((r) => r.bench.matrix_id === results.at(-1)?.bench.matrix_id);
  const attributions = attribute(latest);
  if (attributions.length === 0) {
    say(`qwen-otel attribute: ${file} has no runs with a configuration (bench --config) beside runs without`);
    return 1;
  }
  process.stdout.write(`${attributions.map(formatAttribution).join('\n\n')}\n`);
  return code;
}

export function formatAttribution(a: Attribution): string {
  const figures = ATTRIBUTED_FIGURES.map((name) => findFigure(name)!);
  const header = ['item', ...figures.map((f) => f.label)];
  const rows = a.shares.map((s) => [
    s.item,
    ...figures.map((f) => {
      const d = s.figures[f.name];
      return d.n === 0 ? '—' : `${formatDelta(d.median, f.unit)} (${formatDelta(d.q1, f.unit)}..${formatDelta(d.q3, f.unit)})`;
    }),
  ]);
  const how = a.all
    ? `each item alone and all (${a.all}) against none`
    : 'each item alone against none (no run had all items: no remainder)';
  return [
    `${a.target} ${a.workload}: ${a.pairs} paired repeat(s); ${how}; median (IQR) of the paired differences`,
    textTable(header, rows),
  ].join('\n');
}

function parseAttributeArgs(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      from: { type: 'string' },
      target: { type: 'string', default: 'qwen@0.15.10' },
      items: { type: 'string', default: CONFIG_ITEMS.join(',') },
      workload: { type: 'string', default: 'pr-review' },
      repeats: { type: 'string', default: '3' },
      out: { type: 'string', default: path.join('bench-results', 'attribute') },
      timeout: { type: 'string', default: '300s' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  }).values;
}
