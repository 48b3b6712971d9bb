// Heap snapshots: only when asked for, private to the user, announced with a warning.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../src/bench/run-command';
import { BIN, readRecords, runWrapped, sandbox, until, writeScript } from './helpers/e2e';

const snapshots = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot'));
const WARNING = /^qwen-otel: heap snapshot \((\w+)\) written to .* keep it private$/m;

describe('heap snapshots', () => {
  it('are never taken unless asked for', async () => {
    const box = sandbox('no-snapshot');
    await runWrapped([process.execPath, writeScript(box.dir, 'small.js', "console.log('ok');")], box.env);
    expect(snapshots(box.dir)).toEqual([]);
  });

  it('at exit: written after the record, mode 0600, with a warning, output unchanged', async () => {
    const box = sandbox('snapshot-exit', { QWEN_OTEL_HEAP_SNAPSHOT: 'exit' });
    const result = await runWrapped([process.execPath, writeScript(box.dir, 'small.js', "console.log('ok');")], box.env);
    expect(result.stdout).toBe('ok\n');
    const files = snapshots(box.dir);
    expect(files).toHaveLength(1);
    expect(statSync(path.join(box.dir, files[0])).mode & 0o777).toBe(0o600);
    expect(WARNING.exec(result.stderr)?.[1]).toBe('exit');
    expect(readRecords(box.recordFile)[0].observer.heap_snapshots).toBe(1);
  });

  it('above a size: once, when RSS first passes it', async () => {
    const box = sandbox('snapshot-above', { QWEN_OTEL_HEAP_SNAPSHOT: 'above:100', QWEN_OTEL_SAMPLE_INTERVAL_MS: '50' });
    const script = writeScript(box.dir, 'grow.js', 'const keep = []; const t = setInterval(() => { keep.push(Buffer.alloc(20 * 1024 * 1024, 1)); if (keep.length === 8) { clearInterval(t); setTimeout(() => {}, 300); } }, 60);');
    const result = await runWrapped([process.execPath, script], box.env);
    expect(result.code).toBe(0);
    expect(snapshots(box.dir)).toHaveLength(1);
    expect(WARNING.exec(result.stderr)?.[1]).toBe('above');
  });

  it('on SIGUSR2: one now, and the CLI goes on', async () => {
    const box = sandbox('snapshot-signal', { QWEN_OTEL_HEAP_SNAPSHOT: 'signal' });
    // The pid file is written by the script, after the preload installed the agent's handler.
    const pidFile = path.join(box.dir, 'cli.pid');
    const script = writeScript(box.dir, 'wait.js', `require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); console.log(process.pid); setTimeout(() => console.log('still here'), 3000);`);
    const run = runCommand(BIN, ['run', '--', process.execPath, script], { env: box.env, timeoutMs: 60_000 });
    await until(() => existsSync(pidFile), 30_000);
    const cliPid = Number(readFileSync(pidFile, 'utf8'));
    process.kill(cliPid, 'SIGUSR2');
    const result = await run;
    expect(result.stdout.trim().split('\n')[1]).toBe('still here');
    expect(snapshots(box.dir)).toHaveLength(1);
    expect(WARNING.exec(result.stderr)?.[1]).toBe('signal');
  });
});
