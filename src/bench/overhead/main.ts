// `npm run bench:overhead`: what qwen-otel costs the CLI it watches, and the machine.
//   --only qwen,machine,small,large,request,cpu,exit,off,tree,soak
//                                   which parts (default: all but soak)
//   --rounds N                      alternated rounds after a warm-up, every part (default 10)
//   --machine-warmup N              warm-up rounds of the whole-machine part (default 1)
//   --variants plain,qwen-otel,...  Qwen variants (default plain,qwen-otel,naive)
//   --soak-minutes N                soak length (default 15)
//   --out DIR                       where the JSON and Markdown reports go (default bench-results)
import { mkdirSync } from 'node:fs';
import * as os from 'node:os';
import { measureBigRequest } from './big-request';
import { measureCpuShare } from './cpu-share';
import { measureExitPath } from './exit-path';
import { measureLargeProcess } from './large-process';
import { flagValue, progressLine, saveReport } from './report';
import { measureOffStart } from './off-start';
import { qwenReport } from './qwen-report';
import { runQwenMachine } from './qwen-machine';
import { runQwenRounds } from './qwen-rounds';
import { measureSmallTree } from './small-tree';
import { runSoak } from './soak';
import { measureTreeSample } from './tree-cost';
import { VARIANTS, type VariantName } from './variants';

interface Options {
  only: string[];
  rounds: number;
  variants: VariantName[];
  soakMinutes: number;
  machineWarmup: number;
  out: string;
}

function parseOptions(argv: string[]): Options {
  const value = (flag: string, fallback: string): string => flagValue(argv, flag, fallback);
  const variants = value('--variants', 'plain,qwen-otel,naive').split(',') as VariantName[];
  const bad = variants.filter((v) => !VARIANTS.includes(v));
  if (bad.length > 0 || !variants.includes('plain'))
    throw new Error(`--variants takes plain plus any of ${VARIANTS.join(', ')}; got ${bad.join(', ') || 'no plain'}`);
  const rounds = Number(value('--rounds', '10'));
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds takes a whole number >= 1; got ${value('--rounds', '')}`);
  return {
    only: value('--only', 'small,large,request,cpu,exit,machine,qwen,off,tree').split(','),
    rounds,
    variants,
    soakMinutes: Number(value('--soak-minutes', '15')),
    machineWarmup: Number(value('--machine-warmup', '1')),
    out: value('--out', 'bench-results'),
  };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  mkdirSync(options.out, { recursive: true });
  const progress = progressLine;
  const sections: string[] = [
    `# qwen-otel observer effect (${new Date().toISOString()}, node ${process.version}, load average at start ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}, ${os.cpus().length} CPUs)`,
  ];
  const results: Record<string, unknown> = {};
  if (options.only.includes('off')) {
    const off = await measureOffStart(progress);
    results.off = off.data;
    sections.push(off.markdown);
  }
  if (options.only.includes('tree')) {
    const tree = await measureTreeSample(progress);
    results.tree = tree.data;
    sections.push(tree.markdown);
  }
  const parts: Array<[string, () => Promise<{ data: unknown; markdown: string }>]> = [
    ['small', () => measureSmallTree(options.rounds, progress)],
    ['large', () => measureLargeProcess(options.rounds, progress)],
    ['request', () => measureBigRequest(options.rounds, progress)],
    ['cpu', () => measureCpuShare(options.rounds, progress)],
    ['exit', () => measureExitPath(options.rounds, progress)],
    ['machine', () => runQwenMachine(options.rounds, options.machineWarmup, `${options.out}/machine-runs-${Date.now()}.jsonl`, progress)],
  ];
  for (const [name, measure] of parts) {
    if (!options.only.includes(name)) continue;
    const part = await measure();
    results[name] = part.data;
    sections.push(part.markdown);
  }
  if (options.only.includes('qwen')) {
    const runs = await runQwenRounds(options.variants, options.rounds, progress);
    results.qwen = runs;
    sections.push(qwenReport(runs, options.variants));
  }
  if (options.only.includes('soak')) {
    const soak = await runSoak(options.soakMinutes, progress);
    results.soak = soak.data;
    sections.push(soak.markdown);
  }
  progress('');
  const markdown = sections.join('\n\n');
  const stem = saveReport(options.out, 'overhead', results, markdown);
  process.stdout.write(`\n${markdown}\n\nsaved ${stem}.json and ${stem}.md\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`\nbench:overhead: ${error.message}\n`);
  process.exitCode = 1;
});
