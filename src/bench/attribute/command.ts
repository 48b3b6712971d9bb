// `qwen-otel attribute`: runs a target with no configuration item, with all of them and with all
// but each one (bench --config, rounds interleaved), then splits the figures by item (leave-one-out);
// or, with --from, splits an existing results file. The split goes to the terminal and to
// attribution.json (schema qwen-otel.attribution/1) beside the results, which the reports read.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ATTRIBUTION_SCHEMA, type Attribution, type AttributionFile } from '../../contracts/attribution';
import type { BenchResult } from '../../contracts/bench-result';
import { benchCommand } from '../bench-command';
import { textTable } from '../results/format';
import { InputError, readResults } from '../results/load';
import { CONFIG_ITEMS, parseConfiguration } from '../targets/configuration';
import { redactUrl } from '../../redact';
import { pushAttribution } from './metrics';
import { ATTRIBUTED_FIGURES, attribute, withoutName } from './split';
import { attributionTable, METHOD_NOTE } from './table';

export const ATTRIBUTE_USAGE = `usage: qwen-otel attribute [--target qwen@0.15.10] [--items ${CONFIG_ITEMS.join(',')}] [--workload pr-review]
                          [--repeats 3] [--out bench-results/attribute] [--timeout 300s]
       qwen-otel attribute --from RESULTS.jsonl
  Runs the target with no configuration item, with all of them and with all but each one (MCP
  servers from npm in the CLI's own settings), rounds interleaved, and splits tree peak RSS,
  tool-schema bytes and input tokens per request, and start-up time by item, leave-one-out:
  an item's share is all - (all but it), paired by repeat; "remainder" is (all - none) - the shares.
  Items: ${CONFIG_ITEMS.join(', ')}.`;

/** The bench configurations for leave-one-out over `items`: all, and all but each (none is the plain target). */
export function leaveOneOutConfigs(items: string[]): string[] {
  if (items.length <= 1) return items.map((i) => `all=${i}`);
  return [`all=${items.join(',')}`, ...items.map((i) => `${withoutName(i)}=${items.filter((j) => j !== i).join(',')}`)];
}

export async function attributeCommand(argv: string[]): Promise<number> {
  const say = (line: string): void => void process.stderr.write(`${line}\n`);
  let values: ReturnType<typeof parseAttributeArgs>;
  let configs: string[];
  try {
    values = parseAttributeArgs(argv);
    const items = values.items.split(',').filter(Boolean);
    const unknown = items.find((i) => !(CONFIG_ITEMS as string[]).includes(i));
    if (unknown) throw new Error(`"${unknown}" is not an item; items: ${CONFIG_ITEMS.join(', ')} (MCP servers from npm)`);
    configs = leaveOneOutConfigs(items);
    configs.forEach(parseConfiguration);
  } catch (error) {
    say(`qwen-otel attribute: ${(error as Error).message}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${ATTRIBUTE_USAGE}\n`);
    return 0;
  }
  let file = values.from ? path.resolve(values.from) : null;
  let code = 0;
  if (!file) {
    code = await benchCommand([
      ...['--target', values.target, '--workload', values.workload, '--repeats', values.repeats, '--warmup', '0'],
      ...['--timeout', values.timeout, '--out', values.out, '--metrics-port', 'off'],
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
  const splits = attribute(latest);
  if (splits.length === 0) {
    say(`qwen-otel attribute: ${file} has no runs with a configuration (bench --config) beside runs without`);
    return 1;
  }
  const written = writeAttribution(file, splits);
  process.stdout.write(`${splits.map(formatAttribution).join('\n\n')}\n${METHOD_NOTE}\n`);
  say(`qwen-otel attribute: wrote ${written}`);
  const gateway = process.env.QWEN_OTEL_PUSHGATEWAY_URL;
  if (gateway) {
    const pushed = await pushAttribution(gateway, splits, say);
    if (pushed > 0) say(`qwen-otel attribute: pushed ${pushed} split(s) to ${redactUrl(gateway)} (the dashboard's attribution panel)`);
  }
  return code;
}

/** attribution.json beside the results file; `qwen-otel report` on that file shows it. */
export function writeAttribution(resultsFile: string, splits: Attribution[]): string {
  const file = path.join(path.dirname(resultsFile), 'attribution.json');
  const content: AttributionFile = {
    schema: ATTRIBUTION_SCHEMA,
    time: new Date().toISOString(),
    results: path.basename(resultsFile),
    figures: ATTRIBUTED_FIGURES,
    splits,
  };
  writeFileSync(file, `${JSON.stringify(content, null, 2)}\n`);
  return file;
}

export function formatAttribution(a: Attribution): string {
  const table = attributionTable(a);
  return [table.caption, textTable(table.header, table.rows)].join('\n');
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
