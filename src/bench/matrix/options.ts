// `qwen-otel bench` options, checked together before anything is installed or run.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_MARGIN, marginFor } from '../results/margin';
import type { Margin } from '../results/verdict';
import { CONFIG_ITEMS, type Configuration, isConfigurable, parseConfiguration } from '../targets/configuration';
import { isPresetCli, parseTarget, type TargetSpec } from '../targets/target-spec';
import { BUILTIN_WORKLOADS, DEFAULT_WORKLOAD_NAMES, QUICK_WORKLOAD_NAMES, resolveWorkloads, type Workload } from '../workloads';

export const DEFAULT_TARGETS = ['qwen@0.15.10', 'qwen@0.24.4', 'claude@2.1.112', 'codex@0.169.0'];

export interface MatrixOptions {
  targets: TargetSpec[];
  workloads: Workload[];
  repeats: number;
  /** Warm-up runs per target (on the first workload), recorded with repeat 0, never summarised. */
  warmup: number;
  timeoutMs: number;
  baseline: string;
  outDir: string;
  instrumented: boolean;
  /** `--heap-profile`: QWEN_OTEL_HEAP_PROFILE=1 in every instrumented run. */
  heapProfile: boolean;
  /** `--config`: each target also runs with each of these (as `target+NAME`), besides without. */
  configs: Configuration[];
  /** null: no /metrics endpoint. */
  metricsPort: number | null;
  /** `--until-confident`: more rounds while a cell's verdict against the baseline is inconclusive. */
  untilConfident: { baseline: string; margin: Margin; maxRepeats: number } | null;
}

export const USAGE = `usage: qwen-otel bench [--target cli@branch[=COMMAND]]... [--workload NAME|FILE.json]...
                       [--repeats 3] [--warmup 1] [--timeout 300s] [--baseline TARGET] [--out DIR]
                       [--quick] [--plain] [--heap-profile] [--metrics-port 9465|off] [--list] [--config NAME=ITEM,ITEM]...
                       [--until-confident [--max-repeats 10] [--margin 5%,20MiB]]
  targets (default ${DEFAULT_TARGETS.join(' ')}):
    qwen@0.24.4                          a published version, installed from npm on first use
    qwen@my-branch="node ../qwen/dist/cli.js"   a local build, run with the preset's settings and flags
    mycli@x="COMMAND"                    any other command (generic preset: the prompt is its last argument)
  workloads (default ${DEFAULT_WORKLOAD_NAMES.join(' ')}; also ${BUILTIN_WORKLOADS.filter((w) => w.mcpCalls)
    .map((w) => w.name)
    .join(' ')}, whose model calls an MCP tool), or a JSON file (docs/bench.md)
  --quick   ${QUICK_WORKLOAD_NAMES.join(' and ')}, 1 repeat, no warm-up (unless given)
  --plain   run targets without qwen-otel (tree and server figures only)
  --heap-profile   V8's sampling heap profiler in each process: the heap by package at its peak
  --config  each target runs as given and also as target+NAME with these configuration items
            (MCP servers from npm: ${CONFIG_ITEMS.join(', ')}) in its own settings;
            the target as given is the run with none; \`qwen-otel attribute\` splits the difference by item
  --until-confident   after the repeats, more rounds for each cell whose peak tree RSS against the
            baseline is still inconclusive (the verdict of qwen-otel compare), up to --max-repeats`;

/** `300s`, `5m`, `1500ms`, or a bare number of seconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!match) throw new Error(`--timeout "${text}" is not a duration (e.g. 300s, 5m, 1500ms)`);
  const value = Number(match[1]) * ({ ms: 1, s: 1000, m: 60_000 } as const)[(match[2] ?? 's') as 'ms' | 's' | 'm'];
  if (value < 100) throw new Error(`--timeout "${text}" is too short (at least 100ms)`);
  return Math.round(value);
}

function count(flag: string, text: string, min: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > 1000)
    throw new Error(`${flag} "${text}" must be a whole number from ${min} to 1000`);
  return Number(text);
}

function port(text: string): number | null {
  if (text === 'off') return null;
  if (!/^\d+$/.test(text) || Number(text) > 65535) throw new Error(`--metrics-port "${text}" must be 0-65535 or off`);
  return Number(text);
}

export function parseOptions(argv: string[], cwd = process.cwd()): MatrixOptions | 'help' | 'list' {
  const { values } = parseArgs({
    args: argv,
    options: {
      target: { type: 'string', multiple: true, default: [] },
      workload: { type: 'string', multiple: true, default: [] },
      repeats: { type: 'string' },
      warmup: { type: 'string' },
      timeout: { type: 'string', default: '300s' },
      baseline: { type: 'string' },
      out: { type: 'string', default: 'bench-results' },
      quick: { type: 'boolean', default: false },
      plain: { type: 'boolean', default: false },
      'heap-profile': { type: 'boolean', default: false },
      'metrics-port': { type: 'string', default: process.env.QWEN_OTEL_BENCH_METRICS_PORT ?? '9465' },
      list: { type: 'boolean', default: false },
      config: { type: 'string', multiple: true, default: [] },
      'until-confident': { type: 'boolean', default: false },
      'max-repeats': { type: 'string' },
      margin: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return 'help';
  if (values.list) return 'list';
  if (values.plain && values['heap-profile']) throw new Error('--heap-profile needs qwen-otel in the runs: not with --plain');
  const { target: targets, workload: workloads, quick, baseline } = values;
  const repeats = values.repeats === undefined ? undefined : count('--repeats', values.repeats, 1);
  const warmup = values.warmup === undefined ? undefined : count('--warmup', values.warmup, 0);
  const timeoutMs = parseDuration(values.timeout);
  const metricsPort = port(values['metrics-port']);
  const specs = (targets.length > 0 ? targets : DEFAULT_TARGETS).map((t) => parseTarget(t, cwd));
  const labels = specs.map((s) => s.label);
  const twice = labels.find((l, i) => labels.indexOf(l) !== i);
  if (twice) throw new Error(`target ${twice} is given twice`);
  if (baseline !== undefined && !labels.includes(baseline))
    throw new Error(`--baseline ${baseline} is not one of the targets (${labels.join(', ')})`);
  const configs = values.config.map(parseConfiguration);
  const names = configs.map((c) => c.name);
  const again = names.find((n, i) => names.indexOf(n) !== i);
  if (again) throw new Error(`--config ${again} is given twice`);
  const unconfigurable = configs.length > 0 ? specs.find((s) => !isPresetCli(s.cli) || !isConfigurable(s.cli)) : undefined;
  if (unconfigurable) throw new Error(`--config applies to the preset CLIs only; ${unconfigurable.label} is not one`);
  const rounds = repeats ?? (quick ? 1 : 3);
  const maxRepeats = values['max-repeats'] === undefined ? undefined : count('--max-repeats', values['max-repeats'], 1);
  const confident = { on: values['until-confident'], maxRepeats, margin: values.margin };
  return {
    targets: specs,
    workloads: resolveWorkloads(workloads.length > 0 ? workloads : quick ? QUICK_WORKLOAD_NAMES : DEFAULT_WORKLOAD_NAMES),
    repeats: rounds,
    warmup: warmup ?? (quick ? 0 : 1),
    timeoutMs,
    baseline: baseline ?? labels[0],
    outDir: path.resolve(cwd, values.out),
    instrumented: !values.plain,
    heapProfile: values['heap-profile'],
    configs,
    metricsPort,
    untilConfident: untilConfident(confident, baseline ?? labels[0], rounds),
  };
}

function untilConfident(
  given: { on: boolean; maxRepeats?: number; margin?: string },
  baseline: string,
  repeats: number,
): MatrixOptions['untilConfident'] {
  if (!given.on) {
    if (given.maxRepeats !== undefined || given.margin !== undefined)
      throw new Error('--max-repeats and --margin go with --until-confident');
    return null;
  }
  const maxRepeats = given.maxRepeats ?? Math.max(10, repeats);
  if (maxRepeats < repeats) throw new Error(`--max-repeats ${maxRepeats} is below --repeats ${repeats}`);
  return { baseline, margin: marginFor(given.margin ?? DEFAULT_MARGIN, 'bytes'), maxRepeats };
}
