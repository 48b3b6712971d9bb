// `npm run bench:heap-snapshot`: what a heap snapshot costs, and whether QWEN_OTEL_HEAP_SNAPSHOT
// can hold a CLI's exit or signals.
//   --sizes 16,64,256   synthetic heaps (MiB of small objects) to time V8's writeHeapSnapshot on
//   --reps N            runs of each measurement (default 3)
//   --qwen 0            skip the Qwen Code 0.15.10 parts; --qwen only: skip the synthetic heaps
//   --commands version,prompt   the Qwen runs (`qwen --version`, `qwen -p` against the model server)
//   --within S,S        bounds passed as QWEN_OTEL_HEAP_SNAPSHOT=exit,within:S (default 30 (the default), 300)
// Prints medians; the machine's load is printed with them (timings stretch with it).
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { installCli } from '../targets/install';
import { QWEN_SPEC } from '../targets/registry';
import { flagValue, fmt, table } from '../overhead/report';
import { median } from '../results/stats';
import { exitDelay, type ProcessCost, type QwenCommand, qwenProcessCosts, sigtermDuringSnapshot } from './qwen';
import { timeSyntheticSnapshot } from './synthetic';

const BIN = path.join(__dirname, '..', '..', '..', 'bin', 'qwen-otel');

function load(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const sizes = flagValue(argv, '--sizes', '16,64,256').split(',').map(Number);
  const reps = Number(flagValue(argv, '--reps', '3'));
  const withQwen = flagValue(argv, '--qwen', '1') !== '0';
  const qwenOnly = flagValue(argv, '--qwen', '1') === 'only';
  const commands = flagValue(argv, '--commands', 'version,prompt').split(',') as QwenCommand[];
  if (commands.some((c) => c !== 'version' && c !== 'prompt')) throw new Error('--commands takes version and/or prompt');
  const withins = flagValue(argv, '--within', '30,300').split(',').map(Number);
  if (sizes.some((s) => !(s > 0)) || !(reps >= 1) || withins.some((w) => !(w >= 1)))
    throw new Error('--sizes takes MiB,MiB,...; --reps a positive number; --within seconds,seconds');
  console.log(`Node ${process.version}, ${os.availableParallelism()} cores, load ${load()} at the start`);

  const rows: string[][] = [];
  for (const size of qwenOnly ? [] : sizes) {
    const runs = [];
    for (let i = 0; i < reps; i++) runs.push(await timeSyntheticSnapshot(size));
    rows.push([
      `${size}`,
      fmt(median(runs.map((r) => r.heapUsedMiB))),
      fmt(median(runs.map((r) => r.fileMiB))),
      fmt(median(runs.map((r) => r.cpuMs / r.heapUsedMiB))),
      fmt(median(runs.map((r) => r.ms / r.heapUsedMiB))),
      fmt(median(runs.map((r) => r.ms)) / 1000),
      load(),
    ]);
  }
  if (rows.length > 0) console.log('\nV8 writeHeapSnapshot on heaps of small objects (medians)');
  if (rows.length > 0)
    console.log(table(['target MiB', 'heap used MiB', 'file MiB', 'CPU ms per MiB', 'wall ms per MiB', 'wall s', 'load'], rows));
  if (!withQwen) return;

  const qwen = (await installCli(QWEN_SPEC)).binPath('qwen');
  const costs: ProcessCost[] = [];
  for (const command of commands) for (let i = 0; i < reps; i++) costs.push(...(await qwenProcessCosts(qwen, command)));
  const groups = [...new Set(costs.map((c) => `${c.command} ${c.process}`))];
  console.log('\nQwen Code 0.15.10, plain Node: V8 writeHeapSnapshot at exit in each process (medians)');
  console.log(
    table(
      ['run', 'heap used MiB', 'after full GC MiB', 'CPU ms per MiB after GC', 'wall s'],
      groups.map((g) => {
        const of = costs.filter((c) => `${c.command} ${c.process}` === g);
        return [
          g,
          fmt(median(of.map((c) => c.heapUsedMiB))),
          fmt(median(of.map((c) => c.liveMiB))),
          fmt(median(of.map((c) => c.cpuMs / c.liveMiB))),
          fmt(median(of.map((c) => c.ms)) / 1000),
        ];
      }),
    ),
  );

  console.log('\nQwen Code 0.15.10 under qwen-otel run, QWEN_OTEL_HEAP_SNAPSHOT=exit,within:S: exit delay against the same run without');
  const delayRows: string[][] = [];
  for (const withinS of withins) {
    for (const command of commands) {
      const delays = [];
      for (let i = 0; i < reps; i++) delays.push(await exitDelay(qwen, BIN, command, withinS));
      const lines = delays.flatMap((d) => d.lines);
      const outcome = `${lines.filter((l) => l.includes(' written to ')).length} written, ${lines.filter((l) => l.includes(' skipped: ')).length} skipped`;
      delayRows.push([
        `${withinS}`,
        command,
        fmt(median(delays.map((d) => d.delayMs)) / 1000, 2),
        fmt(Math.max(...delays.map((d) => d.delayMs)) / 1000, 2),
        outcome,
        `${delays.filter((d) => d.sameExitCode).length}/${delays.length}`,
        load(),
      ]);
      for (const line of new Set(lines.map((l) => l.replace(/\b\d+(\.\d+)?\b/g, 'N').replace(/ to \S+/, ' to FILE'))))
        console.log(`  within ${withinS}, ${command}: ${line}`);
    }
  }
  console.log(table(['within s', 'command', 'median delay s', 'max delay s', 'snapshots', 'same exit code', 'load'], delayRows));

  console.log('\nSIGTERM to the process writing its exit snapshot (QWEN_OTEL_HEAP_SNAPSHOT=exit,within:3600)');
  const termRows: string[][] = [];
  for (const command of commands) {
    const runs = [];
    for (let i = 0; i < reps; i++) runs.push(await sigtermDuringSnapshot(qwen, BIN, command));
    termRows.push([
      command,
      fmt(median(runs.map((r) => r.deathMs)), 1),
      fmt(Math.max(...runs.map((r) => r.deathMs)), 1),
      fmt(median(runs.map((r) => r.returnMs)), 0),
      runs.map((r) => r.code).join(','),
      load(),
    ]);
  }
  console.log(table(['command', 'median ms to death', 'max ms', 'median ms to return', 'exit codes', 'load'], termRows));
}

main().catch((error) => {
  console.error(`bench:heap-snapshot: ${(error as Error).message}`);
  process.exit(1);
});
