// How long V8's writeHeapSnapshot takes per MiB of heap, on heaps built to a size in a fresh Node
// process: many small objects with short strings and arrays (an agent's history, parsed JSON),
// the shape that costs the snapshot writer most per MiB.
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCommand } from '../run-command';

export interface SnapshotTiming {
  /** V8's used heap after a full GC, just before the snapshot. */
  heapUsedMiB: number;
  /** Wall time of the call, and the CPU time this process spent in it (the machine may be loaded). */
  ms: number;
  cpuMs: number;
  fileMiB: number;
}

/** The child: grows its heap to the target, collects, snapshots, prints one JSON line. */
const CHILD = `
const v8 = require('v8'); const fs = require('fs');
const target = Number(process.argv[1]) * 1048576; const file = process.argv[2];
const keep = [];
for (let i = 0; v8.getHeapStatistics().used_heap_size < target; i++) {
  const batch = [];
  for (let j = 0; j < 1000; j++) batch.push({ id: i * 1000 + j, role: j % 2 ? 'user' : 'tool', text: 'message ' + i + '-' + j, parts: [j, j + 1, { n: j * 1.5 }] });
  keep.push(batch);
}
gc();
const used = v8.getHeapStatistics().used_heap_size;
const t0 = process.hrtime.bigint();
const c0 = process.cpuUsage();
v8.writeHeapSnapshot(file);
const cpu = process.cpuUsage(c0);
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
console.log(JSON.stringify({ heapUsedMiB: used / 1048576, ms, cpuMs: (cpu.user + cpu.system) / 1000, fileMiB: fs.statSync(file).size / 1048576, kept: keep.length }));
`;

export async function timeSyntheticSnapshot(targetMiB: number): Promise<SnapshotTiming> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'qo-snapbench-'));
  try {
    const result = await runCommand(
      process.execPath,
      ['--expose-gc', '--max-old-space-size=8192', '-e', CHILD, String(targetMiB), path.join(dir, 'x.heapsnapshot')],
      {
        env: { PATH: process.env.PATH },
        timeoutMs: 1_800_000,
      },
    );
    if (result.code !== 0)
      throw new Error(`synthetic ${targetMiB} MiB heap: exit ${result.code ?? result.signal}: ${result.stderr.trim().slice(0, 300)}`);
    const { heapUsedMiB, ms, cpuMs, fileMiB } = JSON.parse(result.stdout) as SnapshotTiming;
    return { heapUsedMiB, ms, cpuMs, fileMiB };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
