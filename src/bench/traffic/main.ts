// `npm run bench:traffic`: what reading model traffic costs inside the CLI's process.
//   --only parse,observe   which parts (default: all)
//   --runs N               timed runs per parser / streams per format (default 15)
//   --mib N                size of the large tool result in the parsed bodies (default 5)
//   --out DIR              where the JSON and Markdown reports go (default bench-results)
// Run with `node --expose-gc` (it is enabled at run time otherwise).
import { flagValue, MiB, progressLine, saveReport } from '../overhead/report';
import { measureObserve } from './observe';
import { measureParse } from './parse';
import { measureTapLatency } from './latency';
import { measureProxyLatency } from './proxy-latency';

export interface Section {
  data: unknown;
  markdown: string;
}

type Progress = (line: string) => void;

export interface Options {
  only: string[];
  runs: number;
  mib: number;
  out: string;
}

/** The parts of this benchmark by name; another part registers itself here. */
export const PARTS: Record<string, (options: Options, progress: Progress) => Promise<Section> | Section> = {
  parse: (options, progress) => measureParse({ runs: options.runs, toolResultBytes: options.mib * MiB }, progress),
  observe: (options, progress) => measureObserve({ events: 2000, runs: options.runs }, progress),
  latency: (_options, progress) => measureTapLatency(progress),
  proxy: (_options, progress) => measureProxyLatency(progress),
};

function parseOptions(argv: string[]): Options {
  const value = (flag: string, fallback: string): string => flagValue(argv, flag, fallback);
  const only = value('--only', Object.keys(PARTS).join(',')).split(',');
  const unknown = only.filter((part) => !(part in PARTS));
  if (unknown.length > 0) throw new Error(`--only takes any of ${Object.keys(PARTS).join(', ')}; got ${unknown.join(', ')}`);
  const runs = Number(value('--runs', '15'));
  const mib = Number(value('--mib', '5'));
  if (!Number.isInteger(runs) || runs < 1 || !(mib > 0)) throw new Error('--runs takes a whole number >= 1 and --mib a positive number');
  return { only, runs, mib, out: value('--out', 'bench-results') };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const progress = progressLine;
  const sections = [`# qwen-otel traffic parsing (${new Date().toISOString()}, node ${process.version})`];
  const results: Record<string, unknown> = {};
  for (const part of options.only) {
    const section = await PARTS[part]!(options, progress);
    results[part] = section.data;
    sections.push(section.markdown);
  }
  progress('');
  const markdown = sections.join('\n\n');
  const stem = saveReport(options.out, 'traffic', results, markdown);
  process.stdout.write(`\n${markdown}\n\nsaved ${stem}.json and ${stem}.md\n`);
}

if (require.main === module) {
  main().catch((error: Error) => {
    process.stderr.write(`\nbench:traffic: ${error.message}\n`);
    process.exitCode = 1;
  });
}
