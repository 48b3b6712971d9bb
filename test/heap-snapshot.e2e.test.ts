// Heap snapshots: only when asked for, private to the user, announced with a warning, and never a
// way to hang the CLI: too large a heap is skipped with a line, and signals still end the process.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../src/bench/run-command';
import { BIN, readRecords, runWrapped, sandbox, until, writeScript } from './helpers/e2e';

/** A bound no small heap passes, however loaded the machine (the bound shrinks with the load per core). */
const ROOMY = 'within:600';
const snapshots = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot'));
const WARNING = /^qwen-otel: heap snapshot \((\w+)\) of pid \d+ written to .* keep it private$/m;
const SKIPPED = /^qwen-otel: heap snapshot \((\w+)\) of pid (\d+) skipped: (.*)$/gm;
/** Small objects cost V8's snapshot writer the most per MiB: ~150 ms of CPU each, ~40 s for this heap. */
const HOLD_SMALL_OBJECTS = (mib: number): string => `
const v8 = require('v8'); const keep = (globalThis.kept = []);
while (v8.getHeapStatistics().used_heap_size < ${mib} * 1048576) { const b = []; for (let j = 0; j < 1000; j++) b.push({ id: j, text: 'm' + j, parts: [j, { n: j * 1.5 }] }); keep.push(b); }
`;

/** The pid in a snapshot's file name, once the file is there (it is made just before V8 writes). */
async function snapshotStarted(dir: string): Promise<number> {
  let pid = 0;
  const found = await until(() => {
    const [name] = snapshots(dir);
    pid = name ? Number(/-(\d+)-\w+-\d+\.heapsnapshot$/.exec(name)?.[1]) : 0;
    return pid > 0;
  }, 240_000);
  if (!found) throw new Error('no snapshot started');
  return pid;
}

describe('heap snapshots', () => {
  it('are never taken unless asked for', async () => {
    const box = sandbox('no-snapshot');
    await runWrapped([process.execPath, writeScript(box.dir, 'small.js', "console.log('ok');")], box.env);
    expect(snapshots(box.dir)).toEqual([]);
  });

  it('at exit: written after the record, mode 0600, with a warning, output unchanged', async () => {
    const box = sandbox('snapshot-exit', { QWEN_OTEL_HEAP_SNAPSHOT: `exit,${ROOMY}` });
    const result = await runWrapped([process.execPath, writeScript(box.dir, 'small.js', "console.log('ok');")], box.env);
    expect(result.stdout).toBe('ok\n');
    const files = snapshots(box.dir);
    expect(files).toHaveLength(1);
    expect(statSync(path.join(box.dir, files[0])).mode & 0o777).toBe(0o600);
    expect(WARNING.exec(result.stderr)?.[1]).toBe('exit');
    expect(readRecords(box.recordFile)[0].observer.heap_snapshots).toBe(1);
  });

  it('above a size: once, when RSS first passes it', async () => {
    const box = sandbox('snapshot-above', { QWEN_OTEL_HEAP_SNAPSHOT: `above:100,${ROOMY}`, QWEN_OTEL_SAMPLE_INTERVAL_MS: '50' });
    const script = writeScript(
      box.dir,
      'grow.js',
      'const keep = []; const t = setInterval(() => { keep.push(Buffer.alloc(20 * 1024 * 1024, 1)); if (keep.length === 8) { clearInterval(t); setTimeout(() => {}, 300); } }, 60);',
    );
    const result = await runWrapped([process.execPath, script], box.env);
    expect(result.code).toBe(0);
    expect(snapshots(box.dir)).toHaveLength(1);
    expect(WARNING.exec(result.stderr)?.[1]).toBe('above');
  });

  it('on SIGUSR2: one now, and the CLI goes on', async () => {
    const box = sandbox('snapshot-signal', { QWEN_OTEL_HEAP_SNAPSHOT: `signal,${ROOMY}` });
    const script = writeScript(
      box.dir,
      'wait.js',
      "require('fs').writeFileSync(__dirname + '/cli.pid', String(process.pid)); setTimeout(() => console.log('still here'), 1500);",
    );
    const run = runCommand(BIN, ['run', '--', process.execPath, script], { env: box.env, timeoutMs: 60_000 });
    expect(await until(() => readText(path.join(box.dir, 'cli.pid')) !== '', 30_000)).toBe(true);
    process.kill(Number(readText(path.join(box.dir, 'cli.pid'))), 'SIGUSR2');
    const result = await run;
    expect(result.stdout).toBe('still here\n');
    expect(snapshots(box.dir)).toHaveLength(1);
    expect(WARNING.exec(result.stderr)?.[1]).toBe('signal');
  });

  it('a large bundle (one script, many functions far into it): written, not spun', async () => {
    // Node 20's V8 scans a script from its start for each function's line unless the script's
    // line ends are cached: 100,000 functions on one 41 MB line would spin for hours (40,000 in
    // 10 MB took 70-110 s); with the line ends cached first, seconds.
    const box = sandbox('snapshot-bundle', { QWEN_OTEL_HEAP_SNAPSHOT: `exit,${ROOMY}` });
    const padding = `/*${'x'.repeat(370)}*/`;
    const functions = Array.from({ length: 100_000 }, (_, i) => `keep.push(function f${i}() { return ${i}; });${padding}`);
    const script = writeScript(
      box.dir,
      'bundle.js',
      `const keep = (globalThis.kept = []);${functions.join('')} console.log('kept', keep.length);`,
    );
    const result = await runWrapped([process.execPath, script], box.env, 540_000);
    expect(result.timedOut).toBe(false);
    expect(result.stdout).toBe('kept 100000\n');
    expect(WARNING.exec(result.stderr)?.[1]).toBe('exit');
    expect(snapshots(box.dir)).toHaveLength(1);
  }, 600_000);

  it('a heap too large to write within the bound: skipped with one line, the run unchanged', async () => {
    const box = sandbox('snapshot-too-large', { QWEN_OTEL_HEAP_SNAPSHOT: 'exit,within:1' });
    const script = writeScript(box.dir, 'hold.js', `${HOLD_SMALL_OBJECTS(60)} console.log('held', keep.length > 0); process.exitCode = 4;`);
    const result = await runWrapped([process.execPath, script], box.env);
    expect(result.code).toBe(4);
    expect(result.stdout).toBe('held true\n');
    const skipped = [...result.stderr.matchAll(SKIPPED)];
    expect(skipped).toHaveLength(1);
    expect(skipped[0][1]).toBe('exit');
    expect(skipped[0][3]).toMatch(/^its heap holds \d+ MiB after a full GC, more than the \d+ MiB V8 can write within 1 s/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(snapshots(box.dir)).toEqual([]);
    expect(readRecords(box.recordFile)[0].observer.heap_snapshots).toBe(0);
  }, 120_000);

  it('a relaunching CLI: only the relaunched process is snapshotted, the waiting parent says why not', async () => {
    const box = sandbox('snapshot-relaunch', { QWEN_OTEL_HEAP_SNAPSHOT: `exit,${ROOMY}` });
    // Qwen Code's shape: the parent starts `node <itself>` again and exits with its code.
    const script = writeScript(
      box.dir,
      'relaunch.js',
      `
if (process.env.RELAUNCHED) { console.log('worker'); process.exit(6); }
process.on('SIGTERM', () => {});
const child = require('child_process').spawn(process.execPath, [__filename], { stdio: 'inherit', env: { ...process.env, RELAUNCHED: '1' } });
child.on('close', (code) => process.exit(code));`,
    );
    const result = await runWrapped([process.execPath, script], box.env);
    expect(result.code).toBe(6);
    expect(result.stdout).toBe('worker\n');
    const files = snapshots(box.dir);
    expect(files).toHaveLength(1);
    const workerPid = Number(/-(\d+)-exit-/.exec(files[0])?.[1]);
    const skipped = [...result.stderr.matchAll(SKIPPED)];
    expect(skipped).toHaveLength(1);
    expect(skipped[0][3]).toBe(`it relaunched itself as pid ${workerPid} and only waited for it; that process's snapshot holds the run`);
    expect(Number(skipped[0][2])).not.toBe(workerPid);
  }, 120_000);

  it('at exit: a SIGTERM during the write ends the process at once, though the CLI listens for it', async () => {
    const box = sandbox('snapshot-exit-term', { QWEN_OTEL_HEAP_SNAPSHOT: 'exit,within:3600' });
    const script = writeScript(
      box.dir,
      'hold.js',
      `${HOLD_SMALL_OBJECTS(250)} process.on('SIGTERM', () => console.log('handled')); process.exitCode = 3;`,
    );
    const run = runWrapped([process.execPath, script], box.env, 600_000);
    process.kill(await snapshotStarted(box.dir), 'SIGTERM');
    const result = await run;
    expect(result.timedOut).toBe(false);
    // Without the fix the write went on to the end (minutes on a loaded machine) and exited 3.
    expect(result.code).toBe(128 + 15);
    expect(result.stdout).toBe('');
    expect(result.stderr).not.toMatch(WARNING);
  }, 600_000);

  it('while the CLI runs: its handler still gets the first SIGTERM, after the write', async () => {
    const box = sandbox('snapshot-signal-term', { QWEN_OTEL_HEAP_SNAPSHOT: 'signal,within:3600' });
    const script = writeScript(
      box.dir,
      'hold.js',
      `${HOLD_SMALL_OBJECTS(40)}
process.on('SIGTERM', () => { console.log('handled', keep.length > 0); process.exit(5); });
require('fs').writeFileSync(__dirname + '/cli.pid', String(process.pid)); setTimeout(() => {}, 600000);`,
    );
    const run = runWrapped([process.execPath, script], box.env, 600_000);
    expect(await until(() => readText(path.join(box.dir, 'cli.pid')) !== '', 240_000)).toBe(true);
    process.kill(Number(readText(path.join(box.dir, 'cli.pid'))), 'SIGUSR2');
    process.kill(await snapshotStarted(box.dir), 'SIGTERM');
    const result = await run;
    expect(result.code).toBe(5);
    expect(result.stdout).toBe('handled true\n');
  }, 600_000);

  it('while the CLI runs: a second SIGTERM during the write ends the process', async () => {
    const box = sandbox('snapshot-signal-term2', { QWEN_OTEL_HEAP_SNAPSHOT: 'signal,within:3600' });
    const script = writeScript(
      box.dir,
      'hold.js',
      `${HOLD_SMALL_OBJECTS(250)}
process.on('SIGTERM', () => { console.log('handled'); process.exit(5); });
require('fs').writeFileSync(__dirname + '/cli.pid', String(process.pid)); setTimeout(() => {}, 600000);`,
    );
    const run = runWrapped([process.execPath, script], box.env, 600_000);
    expect(await until(() => readText(path.join(box.dir, 'cli.pid')) !== '', 240_000)).toBe(true);
    process.kill(Number(readText(path.join(box.dir, 'cli.pid'))), 'SIGUSR2');
    const pid = await snapshotStarted(box.dir);
    process.kill(pid, 'SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 200));
    process.kill(pid, 'SIGTERM');
    const result = await run;
    expect(result.timedOut).toBe(false);
    // Without the fix both signals waited for the write (minutes), then the handler exited 5.
    expect(result.code).toBe(128 + 9);
    expect(result.stdout).toBe('');
  }, 600_000);
});

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return '';
  }
}
