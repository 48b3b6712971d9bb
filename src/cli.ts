// The `qwen-otel` command (its `run` lives in bin/qwen-otel, in sh, to add no Node start-up).
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { parseConfig } from './config';
import { redactSecrets } from './redact';

const PRELOAD = path.join(__dirname, 'register.js');
const VERSION = '0.1.0';

const HELP = `qwen-otel ${VERSION}: where an AI coding CLI's memory goes

usage:
  qwen-otel run [--cli NAME] [--branch NAME] [--workload NAME] [--summary] [--proxy] [--heap-profile] -- COMMAND [ARGS...]
      run COMMAND instrumented: live metrics on http://127.0.0.1:19464/metrics, a trace over
      OTLP/HTTP, and a run record (a JSON line) in ~/.qwen-otel/runs.jsonl at exit; --proxy puts
      a loopback proxy in front of the model API (a CLI whose HTTP is native: Codex, Go, Python)
  qwen-otel env
      print the shell exports that preload qwen-otel into every Node (and Bun) process;
      then QWEN_OTEL=1 turns it on:  eval "$(qwen-otel env)"; QWEN_OTEL=1 qwen ...
  qwen-otel model-server [--port N]
      serve the scripted OpenAI-compatible model (offline runs against a fixed conversation)
  qwen-otel bench [--target cli@branch[=COMMAND]]... [--workload NAME|FILE]... [--repeats 3] [--quick]
      [--until-confident] [--help]
      the five-workload matrix across CLIs and branches, offline; results in bench-results/results.jsonl
  qwen-otel attribute [--target qwen@0.15.10] [--items memory,filesystem] [--workload NAME] | --from RESULTS.jsonl
      runs with each configuration item (MCP servers) alone, all and none, and splits tree peak,
      tool-schema bytes, input tokens and wall time by item
  qwen-otel report RESULTS.jsonl [--out DIR] [--baseline TARGET]
      write report.md and report.html (charts, one self-contained file) from bench results
  qwen-otel compare RESULTS.jsonl --baseline TARGET --candidate TARGET | BASE.jsonl CANDIDATE.jsonl
      [--margin 5%,20MiB] [--figure NAME[=MARGIN]]... [--allow-missing] [--json | --markdown]
      baseline vs candidate per workload, with confidence intervals; exit 1 on a regression,
      2 on unreadable input or missing figures, 3 when more runs are needed; explains the gap
  qwen-otel config
      check the QWEN_OTEL_* / OTEL_* settings of this shell and show what they resolve to
  qwen-otel status
      the shared collector, live sessions, and final figures kept for a later try
  qwen-otel flush
      try again to deliver the final figures the collector kept (exit 1 if some are still kept)
  qwen-otel --version | --help        (and COMMAND --help: that command's usage)

docs: docs/configuration.md (every setting), docs/metrics.md (every figure), docs/compare.md`;

const ENV_USAGE = `usage: qwen-otel env
  print the shell exports that preload qwen-otel into every Node (NODE_OPTIONS) and Bun
  (BUN_OPTIONS) process started from this shell; it stays off until QWEN_OTEL=1:
    eval "$(qwen-otel env)"; QWEN_OTEL=1 qwen ...`;

const CONFIG_USAGE = `usage: qwen-otel config
  check the QWEN_OTEL_* / OTEL_* variables of this shell together and print what they resolve to
  (JSON, credentials in URLs masked); exit 1 with one line per bad value (docs/configuration.md)`;

/** A command that takes no arguments: its usage for --help, one line and exit 2 for anything else. */
function noArguments(command: string, usage: string, argv: string[]): number | null {
  try {
    if (parseArgs({ args: argv, options: { help: { type: 'boolean', short: 'h' } } }).values.help) {
      process.stdout.write(`${usage}\n`);
      return 0;
    }
    return null;
  } catch (error) {
    process.stderr.write(`qwen-otel ${command}: ${(error as Error).message.split('. ')[0]}; see qwen-otel ${command} --help\n`);
    return 2;
  }
}

export function shellExports(env: Record<string, string | undefined>, preload = PRELOAD): string {
  const nodeOption = preload.includes(' ') ? `--require "${preload}"` : `--require ${preload}`;
  const add = (current: string | undefined, option: string): string =>
    current?.includes(preload) ? current : [current, option].filter(Boolean).join(' ');
  return [
    `export NODE_OPTIONS=${quote(add(env.NODE_OPTIONS, nodeOption))}`,
    `export BUN_OPTIONS=${quote(add(env.BUN_OPTIONS, `--preload=${preload}`))}`,
    '# qwen-otel is preloaded but off: QWEN_OTEL=1 turns it on for a command, e.g. QWEN_OTEL=1 qwen ...',
  ].join('\n');
}

function quote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

function printExports(): number {
  process.stdout.write(`${shellExports(process.env)}\n`);
  return 0;
}

function showConfig(): number {
  const { config, problems } = parseConfig({ ...process.env, QWEN_OTEL: process.env.QWEN_OTEL ?? '0' });
  for (const line of problems) process.stderr.write(`${line}\n`);
  process.stdout.write(`${JSON.stringify(redactSecrets(config), null, 2)}\n`);
  return problems.length > 0 ? 1 : 0;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'env':
      return noArguments(command, ENV_USAGE, rest) ?? printExports();
    case 'config':
      return noArguments(command, CONFIG_USAGE, rest) ?? showConfig();
    case 'model-server':
      return (require('./bench/model-server/cli') as typeof import('./bench/model-server/cli')).serveModel(rest);
    case 'bench':
      return (require('./bench/bench-command') as typeof import('./bench/bench-command')).benchCommand(rest);
    case 'attribute':
      return (require('./bench/attribute/command') as typeof import('./bench/attribute/command')).attributeCommand(rest);
    case 'report':
      return (require('./bench/report/cli') as typeof import('./bench/report/cli')).reportCommand(rest);
    case 'compare':
      return (require('./bench/compare/cli') as typeof import('./bench/compare/cli')).compareCommand(rest);
    case 'flush':
      return (require('./collector/flush') as typeof import('./collector/flush')).flushCommand((line) => process.stderr.write(`${line}\n`));
    case 'status':
      return (require('./collector/flush') as typeof import('./collector/flush')).statusCommand((line) =>
        process.stdout.write(`${line}\n`),
      );
    case '--version':
    case 'version':
      process.stdout.write(`${VERSION}\n`);
      return 0;
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      process.stdout.write(`${HELP}\n`);
      return 0;
    default:
      process.stderr.write(`qwen-otel: unknown command "${command}"; see qwen-otel --help\n`);
      return 2;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: Error) => {
      process.stderr.write(`qwen-otel: ${error.message}\n`);
      process.exitCode = 1;
    },
  );
}
