// `qwen-otel bench`: the matrix of workloads × targets × repeats, offline against the scripted
// model server; results appended to <out>/results.jsonl, a summary printed at the end and this
// matrix's reports written. It sits above matrix/ and report/, which do not import each other.
import * as path from 'node:path';
import { writeReportsFor } from './report';
import { formatSummary } from './matrix/summary';
import { DEFAULT_TARGETS, parseOptions, USAGE, type MatrixOptions } from './matrix/options';
import { runMatrix } from './matrix/runner';
import { defaultCliCacheDir } from './targets/install';
import { resolveTarget, withConfiguration, type ResolvedTarget } from './targets/presets';
import { BUILTIN_WORKLOADS } from './workloads';
import { CLI_TARGETS } from './targets/registry';

function listing(): string {
  const workloads = BUILTIN_WORKLOADS.map((w) => `  ${w.name.padEnd(10)} ${w.description}`);
  const presets = Object.values(CLI_TARGETS).map((t) => `  ${t.name.padEnd(10)} ${t.spec} (${t.format})`);
  return [
    'workloads:',
    ...workloads,
    '',
    `presets (cli@version installs that version into ${defaultCliCacheDir()}, QWEN_OTEL_CLI_CACHE_DIR):`,
    ...presets,
    '',
    `default targets: ${DEFAULT_TARGETS.join(' ')}`,
    '',
  ].join('\n');
}

async function resolveAll(options: MatrixOptions, say: (line: string) => void): Promise<ResolvedTarget[]> {
  const resolved: ResolvedTarget[] = [];
  for (const spec of options.targets) {
    const target = await resolveTarget(spec, (npmSpec) =>
      say(`qwen-otel bench: ${spec.label}: ${npmSpec} (from ${defaultCliCacheDir()}; installed from npm when missing)`),
    );
    resolved.push(target, ...options.configs.map((config) => withConfiguration(target, config)));
  }
  return resolved;
}

export async function benchCommand(argv: string[]): Promise<number> {
  const say = (line: string): void => void process.stderr.write(`${line}\n`);
  let options: ReturnType<typeof parseOptions>;
  try {
    options = parseOptions(argv);
  } catch (error) {
    say(`qwen-otel bench: ${(error as Error).message}`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (options === 'list') {
    process.stdout.write(listing());
    return 0;
  }
  let targets: ResolvedTarget[];
  try {
    targets = await resolveAll(options, say);
  } catch (error) {
    say(`qwen-otel bench: ${(error as Error).message}`);
    return 1;
  }
  const { results, resultsFile, matrixId } = await runMatrix({ ...options, targets }, say);
  process.stdout.write(`qwen-otel bench: matrix ${matrixId}\n`);
  process.stdout.write(
    formatSummary(
      results,
      targets.map((t) => t.label),
      options.workloads.map((w) => w.name),
      options.baseline,
    ),
  );
  const failed = results.filter((r) => r.status === 'failed').length;
  process.stdout.write(`\n${results.length} runs, ${failed} failed; results in ${resultsFile}\n`);
  reportOn(results, path.join(path.dirname(resultsFile), `report-${matrixId}`), options.baseline, say);
  return failed > 0 ? 1 : 0;
}

/** This matrix's report.md and report.html (`qwen-otel report` makes them for a whole file). */
function reportOn(
  results: Parameters<typeof writeReportsFor>[0],
  dir: string,
  baseline: string | undefined,
  say: (line: string) => void,
): void {
  if (results.length === 0) return;
  try {
    const written = writeReportsFor(results, dir, baseline);
    process.stdout.write(`reports: ${written.markdown}, ${written.html}\n`);
  } catch (error) {
    say(`qwen-otel bench: reports not written: ${(error as Error).message}`);
  }
}
