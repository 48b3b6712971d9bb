// Bun builds (Claude Code >= 2.1.197 is one) get the preload through BUN_OPTIONS.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { installCli } from '../src/bench/targets/install';
import { readRecords, runWrapped, sandbox, until, writeScript } from './helpers/e2e';

let bun = '';
beforeAll(async () => {
  bun = (await installCli('bun@1.3.5')).binPath('bun');
}, 300_000);

describe('a Bun program under qwen-otel run', () => {
  it('runs unchanged and reports its memory from inside', async () => {
    const box = sandbox('bun', { PATH: `${path.dirname(bun)}:${globalThis.process.env.PATH}` });
    const script = writeScript(
      box.dir,
      'bun.js',
      "const keep = new Uint8Array(30 * 1024 * 1024).fill(1); setTimeout(() => console.log('done', keep.length), 800);",
    );
    const result = await runWrapped([bun, script], box.env);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('done 31457280\n');
    const [record] = readRecords(box.recordFile);
    const cli = record.processes.find((p: { role: string }) => p.role === 'cli');
    expect(cli).toMatchObject({ instrumented: true, runtime: 'bun 1.3.5', end_reason: 'exit' });
    expect(cli.hwm_bytes).toBeGreaterThan(30 * 1024 * 1024);
    expect(record.v8.external_peak_bytes).toBeGreaterThan(30 * 1024 * 1024);
    expect(record.cli).toBe('bun');
  });

  it('with QWEN_OTEL_HEAP_PROFILE=1: no V8 inspector, one reason in the record, the rest intact', async () => {
    const box = sandbox('bun-heap', { PATH: `${path.dirname(bun)}:${globalThis.process.env.PATH}`, QWEN_OTEL_HEAP_PROFILE: '1' });
    const script = writeScript(box.dir, 'bun.js', "setTimeout(() => console.log('done'), 500);");
    const result = await runWrapped([bun, script], box.env);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('done\n');
    const [record] = readRecords(box.recordFile);
    const cli = record.processes.find((p: { role: string }) => p.role === 'cli');
    expect(cli).toMatchObject({ instrumented: true, runtime: 'bun 1.3.5', end_reason: 'exit' });
    expect(cli.heap_profile).toMatchObject({ captures: 0, skipped: 'no V8 inspector (Bun)' });
  });
});

describe('heap snapshots under Bun', () => {
  it('at exit: written, and the CLI ends as it would', async () => {
    const box = sandbox('bun-snapshot-exit', {
      PATH: `${path.dirname(bun)}:${globalThis.process.env.PATH}`,
      QWEN_OTEL_HEAP_SNAPSHOT: 'exit,within:600',
    });
    const script = writeScript(box.dir, 'exit.js', "process.on('SIGTERM', () => {}); console.log('ok'); process.exitCode = 3;");
    const result = await runWrapped([bun, script], box.env);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('ok\n');
    expect(result.stderr).toMatch(/^qwen-otel: heap snapshot \(exit\) of pid \d+ written to /);
    expect(readdirSync(box.dir).filter((f) => f.endsWith('.heapsnapshot'))).toHaveLength(1);
  });

  it('while the CLI handles SIGTERM: skipped with one line, since no thread can watch signals', async () => {
    const box = sandbox('bun-snapshot-signal', {
      PATH: `${path.dirname(bun)}:${globalThis.process.env.PATH}`,
      QWEN_OTEL_HEAP_SNAPSHOT: 'signal,within:600',
    });
    const pidFile = path.join(box.dir, 'cli.pid');
    const script = writeScript(
      box.dir,
      'wait.js',
      `process.on('SIGTERM', () => process.exit(5)); require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); setTimeout(() => console.log('done'), 2500);`,
    );
    const run = runWrapped([bun, script], box.env);
    expect(await until(() => existsSync(pidFile), 30_000)).toBe(true);
    globalThis.process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGUSR2');
    const result = await run;
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('done\n');
    expect(result.stderr).toMatch(
      /^qwen-otel: heap snapshot \(signal\) of pid \d+ skipped: a second SIGTERM\/SIGINT could not end the process during the write/,
    );
    expect(readdirSync(box.dir).filter((f) => f.endsWith('.heapsnapshot'))).toEqual([]);
  });
});
