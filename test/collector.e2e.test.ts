// The shared collector: one per user and state directory, and a run's record survives what can
// happen to it (killed, starved, replaced by a newer build). No timing is asserted: each case
// only waits, with a generous bound, for what must eventually be there.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../src/bench/run-command';
import { BIN, readRecords, REPO, runWrapped, sandbox, until, writeScript } from './helpers/e2e';

const STATE = (home: string): string => path.join(home, '.qwen-otel', 'run');

/** The pids of collector processes serving a state directory. */
function collectors(stateDir: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      if (argv.some((a) => a.endsWith('collector/main.js')) && argv.includes(stateDir)) pids.push(Number(name));
    } catch {
      // Gone.
    }
  }
  return pids;
}

/** A script that holds memory for a while, so a run lives long enough to be interfered with. */
function holder(dir: string, seconds: number): string {
  return writeScript(
    dir,
    `hold-${seconds}.js`,
    `const keep = Buffer.alloc(40 * 1024 * 1024, 1); setTimeout(() => console.log('held', keep.length), ${seconds * 1000});`,
  );
}

describe('the shared collector', () => {
  it('serves runs at once from one process, and leaves after its last session', async () => {
    const box = sandbox('shared', { QWEN_OTEL_COLLECTOR_LINGER_MS: '500' });
    const script = holder(box.dir, 2);
    const runs = await Promise.all([0, 1, 2].map(() => runWrapped([process.execPath, script], box.env)));
    for (const run of runs) expect(run.stdout).toBe(`held ${40 * 1024 * 1024}\n`);
    const records = readRecords(box.recordFile);
    expect(records).toHaveLength(3);
    expect(new Set(records.map((r) => r.observer.collector_pid)).size).toBe(1);
    expect(new Set(records.map((r) => r.run_id)).size).toBe(3);
    for (const r of records) expect(r.tree.rss_peak_bytes).toBeGreaterThan(40 * 1024 * 1024);
    expect(await until(() => collectors(STATE(box.dir)).length === 0, 30_000)).toBe(true);
    expect(readdirSync(path.join(STATE(box.dir), 'sessions'))).toEqual([]);
  });

  it('a run that starts after the collector has idled is adopted at once, not at its slow rescan', async () => {
    // The idle collector rescans the sessions folder every 5 s; a new session directory's
    // settings come after the folder's inotify event, and must not wait for that rescan.
    const box = sandbox('adopt', { QWEN_OTEL_COLLECTOR_LINGER_MS: '60000' });
    await runWrapped([process.execPath, '-e', '0'], box.env);
    await new Promise((resolve) => setTimeout(resolve, 6000));
    // Not instrumented (QWEN_OTEL=0): only the collector's tree samples can see its memory.
    const child = `QWEN_OTEL=0 exec ${process.execPath} ${holder(box.dir, 1.5)}`;
    const run = await runWrapped(['/bin/sh', '-c', child], box.env);
    expect(run.stdout).toBe(`held ${40 * 1024 * 1024}\n`);
    const records = readRecords(box.recordFile);
    expect(records).toHaveLength(2);
    expect(records[1].tree.rss_peak_bytes).toBeGreaterThan(40 * 1024 * 1024);
    for (const pid of collectors(STATE(box.dir))) process.kill(pid, 'SIGTERM');
  });

  it('a collector killed mid-run costs the run one line, not its record', async () => {
    const box = sandbox('killed');
    const script = holder(box.dir, 4);
    let wrapper = 0;
    const run = runCommand(BIN, ['run', '--', process.execPath, script], {
      env: box.env,
      timeoutMs: 60_000,
      onSpawn: (pid) => (wrapper = pid),
    });
    // Past the first checkpoint (every 2 s), then kill it the hard way.
    expect(await until(() => existsSync(path.join(STATE(box.dir), 'sessions')) && sessionFile(box.dir, 'checkpoint.json'), 20_000)).toBe(
      true,
    );
    const [killed] = collectors(STATE(box.dir));
    process.kill(killed, 'SIGKILL');
    const result = await run;
    expect(wrapper).toBeGreaterThan(0);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`held ${40 * 1024 * 1024}\n`);
    expect(result.stderr).toMatch(/^qwen-otel: this run's collector stopped; another took over from its checkpoint of \d+ ms before\n$/);
    const [record] = readRecords(box.recordFile);
    expect(record).toMatchObject({ complete: true, exit: { code: 0 }, observer: { collector_restarts: 1 } });
    expect(record.observer.collector_pid).not.toBe(killed);
    expect(record.tree.rss_peak_bytes).toBeGreaterThan(40 * 1024 * 1024);
  });

  it('a starved collector makes the record late, never lost', async () => {
    const box = sandbox('starved', { QWEN_OTEL_EXIT_TIMEOUT_MS: '300' });
    const script = holder(box.dir, 2);
    const run = runWrapped([process.execPath, script], box.env);
    expect(await until(() => collectors(STATE(box.dir)).length === 1 && sessionFile(box.dir, 'collector.owner'), 20_000)).toBe(true);
    const [collector] = collectors(STATE(box.dir));
    process.kill(collector, 'SIGSTOP');
    try {
      const result = await run;
      expect(result.code).toBe(0);
      expect(result.stderr).toContain("qwen-otel: the run's record is not written yet");
      expect(readRecords(box.recordFile)).toEqual([]);
    } finally {
      process.kill(collector, 'SIGCONT');
    }
    expect(await until(() => readRecords(box.recordFile).length === 1, 30_000)).toBe(true);
    expect(readRecords(box.recordFile)[0]).toMatchObject({ complete: true, exit: { code: 0 } });
  });

  it("a newer build takes over from an older collector, and the older one's session finishes under it", async () => {
    const box = sandbox('newer', { QWEN_OTEL_COLLECTOR_LINGER_MS: '1000' });
    const newer = newerBuild(box.dir);
    const script = holder(box.dir, 3);
    const older = runWrapped([process.execPath, script], box.env);
    expect(await until(() => sessionFile(box.dir, 'collector.owner'), 20_000)).toBe(true);
    const [old] = collectors(STATE(box.dir));
    const second = await runWrapped([process.execPath, holder(box.dir, 1)], box.env, 60_000, [], path.join(newer, 'bin', 'qwen-otel'));
    const first = await older;
    expect([first.code, second.code]).toEqual([0, 0]);
    const records = readRecords(box.recordFile);
    expect(records).toHaveLength(2);
    const taken = records.find((r) => r.observer.collector_restarts === 1);
    expect(taken, JSON.stringify(records.map((r) => r.observer))).toBeDefined();
    expect(new Set(records.map((r) => r.observer.collector_pid))).not.toContain(old);
    expect(first.stderr).toBe('');
    rmSync(newer, { recursive: true, force: true });
  });
});

function sessionFile(home: string, name: string): boolean {
  const sessions = path.join(STATE(home), 'sessions');
  try {
    return readdirSync(sessions).some((s) => existsSync(path.join(sessions, s, name)));
  } catch {
    return false;
  }
}

/** A copy of this package whose build is newer (inside the repository, so node_modules resolves). */
function newerBuild(tag: string): string {
  const dir = path.join(REPO, '.cache', `newer-build-${path.basename(tag)}`);
  mkdirSync(dir, { recursive: true });
  cpSync(path.join(REPO, 'bin'), path.join(dir, 'bin'), { recursive: true });
  cpSync(path.join(REPO, 'dist'), path.join(dir, 'dist'), { recursive: true });
  const [version, time] = readFileSync(path.join(REPO, 'dist', 'build-id'), 'utf8')
    .trim()
    .split('+');
  writeFileSync(path.join(dir, 'dist', 'build-id'), `${version}+${Number(time) + 1}\n`);
  return dir;
}
