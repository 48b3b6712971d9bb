// npm run bench:pss: tree RSS against tree PSS for real CLIs, one session and N at once (shared
// pages of the node binary and libraries are counted once per process by RSS, split by PSS), and
// what one smaps_rollup read costs on a ~700 MiB process (it walks the page tables).
//   node dist/bench/pss/main.js [--clis qwen,claude] [--sessions 1,2] [--rounds 1]
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { parseSmapsRollup } from '../../probes/smaps-rollup';
import { startModelServer, type ModelServer } from '../model-server/server';
import { runCommand } from '../run-command';
import { installCli } from '../targets/install';
import { CLI_TARGETS, type CliName } from '../targets/registry';

const BIN = path.join(__dirname, '..', '..', '..', 'bin', 'qwen-otel');
const MiB = 1024 * 1024;
const mib = (bytes: number): string => (bytes / MiB).toFixed(1);

interface Tree {
  rssPeak: number;
  pssPeak: number | null;
  rssAtPss: number | null;
  ussAtPss: number | null;
  reads: number;
  readMs: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** One smaps_rollup read (as the collector does it) against one status read, on a process holding `mebibytes`. */
async function readCost(mebibytes: number, reads: number): Promise<void> {
  const holder = `const a=[];for(let i=0;i<${mebibytes};i++)a.push(Buffer.alloc(1<<20,1));console.log('ready');setInterval(()=>{},1e3)`;
  const child = spawn(process.execPath, ['-e', holder], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve) => child.stdout.once('data', resolve));
  /** Wall ms of each read, and CPU ms per read (the kernel's page walk is charged to the reader). */
  const time = (file: string): { wall: number[]; cpu: number } => {
    const cpu = process.cpuUsage();
    const wall = Array.from({ length: reads }, () => {
      const started = process.hrtime.bigint();
      readFileSync(file, 'latin1');
      return Number(process.hrtime.bigint() - started) / 1e6;
    });
    const spent = process.cpuUsage(cpu);
    return { wall, cpu: (spent.user + spent.system) / 1000 / reads };
  };
  const rollup = parseSmapsRollup(readFileSync(`/proc/${child.pid}/smaps_rollup`, 'latin1'));
  const smaps = time(`/proc/${child.pid}/smaps_rollup`);
  const status = time(`/proc/${child.pid}/status`);
  child.kill();
  console.log(`one read on a process of RSS ${mib(rollup?.rssBytes ?? 0)} MiB (PSS ${mib(rollup?.pssBytes ?? 0)}), ${reads} reads each:`);
  console.log(
    `  smaps_rollup: CPU ${smaps.cpu.toFixed(2)} ms per read, wall median ${median(smaps.wall).toFixed(2)} ms (min ${Math.min(...smaps.wall).toFixed(2)})`,
  );
  console.log(
    `  status:       CPU ${(status.cpu * 1000).toFixed(0)} µs per read, wall median ${(median(status.wall) * 1000).toFixed(0)} µs`,
  );
}

async function session(cli: CliName, server: ModelServer, root: string, index: number): Promise<Tree | null> {
  const target = CLI_TARGETS[cli];
  const bin = (await installCli(target.spec)).binPath(target.bin);
  const dir = path.join(root, `${cli}-${index}`);
  const [home, cwd] = [path.join(dir, 'home'), path.join(dir, 'work')];
  mkdirSync(home, { recursive: true });
  mkdirSync(cwd, { recursive: true });
  const inv = target.invocation({ baseUrl: server.url, prompt: 'Run the two echo commands, then say Done.', home });
  const recordFile = path.join(dir, 'runs.jsonl');
  const env = {
    ...inv.env,
    QWEN_OTEL_RECORD_FILE: recordFile,
    OTEL_TRACES_EXPORTER: 'none',
    QWEN_OTEL_PROMETHEUS_PORT: '0',
    QWEN_OTEL_EXIT_TIMEOUT_MS: '120000',
  };
  const run = await runCommand(BIN, ['run', '--', bin, ...inv.args], { env, cwd, timeoutMs: 300_000 });
  if (run.code !== 0) {
    console.log(`  ${cli} session ${index}: exit ${run.code}, left out`);
    return null;
  }
  const record = JSON.parse(readFileSync(recordFile, 'utf8').trim().split('\n').pop()!);
  const t = record.tree;
  return {
    rssPeak: t.rss_peak_bytes,
    pssPeak: t.pss_peak_bytes ?? null,
    rssAtPss: t.rss_at_pss_peak_bytes ?? null,
    ussAtPss: t.uss_at_pss_peak_bytes ?? null,
    reads: t.pss_reads ?? 0,
    readMs: t.pss_read_ms ?? 0,
  };
}

const sum = (trees: Tree[], pick: (t: Tree) => number | null): number => trees.reduce((s, t) => s + (pick(t) ?? 0), 0);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      clis: { type: 'string', default: 'qwen,claude' },
      sessions: { type: 'string', default: '1,2' },
      rounds: { type: 'string', default: '1' },
      'cost-mib': { type: 'string', default: '700' },
    },
  });
  const clis = values.clis!.split(',') as CliName[];
  const counts = values.sessions!.split(',').map(Number);
  const rounds = Number(values.rounds);
  console.log(
    `bench:pss on ${os.cpus().length} cores, load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  await readCost(Number(values['cost-mib']), 20);
  const server = await startModelServer();
  const root = mkdtempSync(path.join(os.tmpdir(), 'qwen-otel-bench-pss-'));
  try {
    for (const cli of clis) {
      console.log(
        `\n${CLI_TARGETS[cli].spec}: N sessions at once; sums over the sessions' records (MiB; PSS is read every 10 s and on RSS rises, so its peak is a lower bound)`,
      );
      console.log('  N  tree RSS peak  RSS at PSS read  PSS at that read  USS at that read  PSS/RSS  reads  read ms');
      const byCount = new Map<number, Array<{ rss: number; pss: number }>>();
      for (let round = 0; round < rounds; round += 1) {
        for (const n of counts) {
          const trees = (
            await Promise.all(Array.from({ length: n }, (_, i) => session(cli, server, root, round * 100 + n * 10 + i)))
          ).filter((t): t is Tree => t !== null);
          if (trees.length < n || trees.some((t) => t.pssPeak === null)) {
            console.log(`  ${n}  incomplete (${trees.length} of ${n} records with a PSS read)`);
            continue;
          }
          const [rss, rssAt, pss, uss] = [
            sum(trees, (t) => t.rssPeak),
            sum(trees, (t) => t.rssAtPss),
            sum(trees, (t) => t.pssPeak),
            sum(trees, (t) => t.ussAtPss),
          ];
          byCount.set(n, [...(byCount.get(n) ?? []), { rss, pss }]);
          console.log(
            `  ${n}  ${mib(rss).padStart(13)}  ${mib(rssAt).padStart(15)}  ${mib(pss).padStart(16)}  ${mib(uss).padStart(16)}  ${(pss / rssAt).toFixed(2).padStart(7)}  ${String(sum(trees, (t) => t.reads)).padStart(5)}  ${sum(
              trees,
              (t) => t.readMs,
            )
              .toFixed(0)
              .padStart(7)}`,
          );
        }
      }
      const sorted = [...byCount.keys()].sort((a, b) => a - b);
      for (let i = 1; i < sorted.length; i += 1) {
        const [lo, hi] = [sorted[i - 1]!, sorted[i]!];
        const [a, b] = [byCount.get(lo)!, byCount.get(hi)!];
        const step = (pick: (x: { rss: number; pss: number }) => number): string =>
          mib((median(b.map(pick)) - median(a.map(pick))) / (hi - lo));
        console.log(
          `  per extra session (${lo} -> ${hi}, medians of ${Math.min(a.length, b.length)} rounds): tree RSS peak +${step((x) => x.rss)} MiB, tree PSS peak +${step((x) => x.pss)} MiB`,
        );
      }
    }
  } finally {
    await server.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
