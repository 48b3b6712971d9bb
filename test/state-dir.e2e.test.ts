// Where qwen-otel writes, when the machine is not friendly: HOME unset with symlinks planted in
// the shared temporary directory, a read-only HOME, a disk that fills during the run. The last two
// run in a private mount namespace (root, `unshare -m`), so nothing of this machine is touched.
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../src/bench/run-command';
import { BIN, readRecords, REPO, sandbox } from './helpers/e2e';

const isRoot = process.getuid?.() === 0;
// Outside /tmp: the cases below mount a fresh /tmp or fill one of their own.
const OUTSIDE_TMP = path.join(REPO, '.cache', 'state-dir-tests');

function outsideTmp(name: string): string {
  const dir = path.join(OUTSIDE_TMP, `${name}-${process.pid}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Runs a shell script in a private mount namespace. */
function inNamespace(script: string, env: NodeJS.ProcessEnv): ReturnType<typeof runCommand> {
  return runCommand('unshare', ['-m', 'sh', '-c', script], { env, timeoutMs: 120_000 });
}

describe.skipIf(!isRoot && !process.env.QWEN_OTEL_CI)('the state directory on an unfriendly machine', () => {
  it('with HOME unset, follows no symlink planted in the temporary directory and uses no predictable path', async () => {
    const dir = outsideTmp('symlinks');
    const victimFile = path.join(dir, 'victim.txt');
    const victimDir = path.join(dir, 'victim-dir');
    writeFileSync(victimFile, 'precious\n');
    mkdirSync(victimDir);
    const script = path.join(dir, 'cli.js');
    writeFileSync(script, "console.log('ran');");
    const record = path.join(dir, 'runs.jsonl');
    const uid = process.getuid?.() ?? 0;
    // The shared temporary directory (TMPDIR; /tmp when unset, the same code), planted: the old
    // probe cache path and the state directory's fallback. Not /tmp itself, which a checkout
    // under /tmp could not be run from once a fresh /tmp is mounted over it.
    const tmp = path.join(dir, 'tmp');
    mkdirSync(path.join(tmp, '.cache', 'qwen-otel'), { recursive: true });
    symlinkSync(victimFile, path.join(tmp, '.cache', 'qwen-otel', 'env-default-signal'));
    symlinkSync(victimDir, path.join(tmp, `qwen-otel-${uid}`));
    const result = await runCommand('env', ['-u', 'HOME', '-u', 'XDG_RUNTIME_DIR', BIN, 'run', '--', process.execPath, script], {
      env: {
        PATH: process.env.PATH,
        TMPDIR: tmp,
        QWEN_OTEL_RECORD_FILE: record,
        OTEL_TRACES_EXPORTER: 'none',
        QWEN_OTEL_PROMETHEUS_PORT: '0',
        QWEN_OTEL_EXIT_TIMEOUT_MS: '60000',
      },
      timeoutMs: 120_000,
    });
    expect(result.stdout).toBe('ran\n');
    expect(result.code).toBe(0);
    expect(readFileSync(victimFile, 'utf8')).toBe('precious\n');
    expect(readdirSync(victimDir)).toEqual([]);
    expect(result.stderr).toBe(`qwen-otel: no private state directory (${tmp}/qwen-otel-${uid}); this run has a collector of its own\n`);
    expect(readRecords(record)).toHaveLength(1);
  });

  it('a read-only HOME is reported as read-only, and the record goes where it can', async () => {
    const home = outsideTmp('ro-home');
    const tmp = outsideTmp('ro-tmp');
    const script = path.join(tmp, 'cli.js');
    writeFileSync(script, "console.log('ran');");
    const result = await inNamespace(
      `mount --bind ${home} ${home} && mount -o remount,bind,ro ${home} && exec ${BIN} run -- ${process.execPath} ${script}`,
      {
        PATH: process.env.PATH,
        HOME: home,
        TMPDIR: tmp,
        OTEL_TRACES_EXPORTER: 'none',
        QWEN_OTEL_PROMETHEUS_PORT: '0',
        QWEN_OTEL_EXIT_TIMEOUT_MS: '60000',
        QWEN_OTEL_COLLECTOR_LINGER_MS: '500',
      },
    );
    expect(result.stdout).toBe('ran\n');
    expect(result.code).toBe(0);
    const state = path.join(tmp, `qwen-otel-${process.getuid?.() ?? 0}`);
    expect(result.stderr).toBe(
      `qwen-otel: run record not written to ${home}/.qwen-otel/runs.jsonl (read-only file system); written to ${state}/records.jsonl instead\n`,
    );
    expect(readRecords(path.join(state, 'records.jsonl'))[0]).toMatchObject({ complete: true, exit: { code: 0 } });
  });

  it('a disk that fills during the run: the CLI is untouched, the record is whole and said where it went', async () => {
    const box = sandbox('full-disk');
    const disk = outsideTmp('full');
    const script = path.join(disk, '..', `${path.basename(disk)}-fill.js`);
    // Fills the disk the session lives on, then holds 60 MiB for a while.
    writeFileSync(
      script,
      `
      const fs = require('fs');
      const block = Buffer.alloc(16 * 1024, 1);
      try { const fd = fs.openSync(${JSON.stringify(path.join(disk, 'filler'))}, 'w'); for (;;) fs.writeSync(fd, block); } catch (e) { console.log('filled', e.code); }
      const keep = Buffer.alloc(60 * 1024 * 1024, 1);
      setTimeout(() => console.log('held', keep.length), 1500);`,
    );
    const result = await inNamespace(`mount -t tmpfs -o size=512k tmpfs ${disk} && exec ${BIN} run -- ${process.execPath} ${script}`, {
      ...box.env,
      HOME: disk,
      QWEN_OTEL_RECORD_FILE: path.join(disk, 'runs.jsonl'),
      TMPDIR: box.dir,
    });
    expect(result.stdout).toBe(`filled ENOSPC\nheld ${60 * 1024 * 1024}\n`);
    expect(result.code).toBe(0);
    const said =
      /^qwen-otel: run record not written to (.+) \(no space left on device\); (.+) \(no space left on device\); written to (.+) instead$/m.exec(
        result.stderr,
      );
    expect(said, result.stderr).not.toBeNull();
    const [record] = readRecords(said?.[3] ?? '');
    expect(record).toMatchObject({ complete: true, exit: { code: 0 } });
    expect(record.duration_ms).toBeGreaterThan(1000);
    expect(record.tree.rss_peak_bytes).toBeGreaterThan(60 * 1024 * 1024);
  });
});
