// A target that crashes and one that hangs are each recorded as failed, the timeout honoured, and
// the rest of the matrix (a real Claude Code run) completes. The timeout is the one every run
// gets: 45 s leaves a real Claude run room on a machine loaded far past its two cores.
import { describe, expect, it } from 'vitest';
import { readResults, runBench } from './helpers/bench-matrix';
import { tempDir } from './helpers/e2e';

describe('qwen-otel bench with failing targets', () => {
  it('records the crash and the hang with their reasons and goes on', async () => {
    const out = tempDir('bench-fail');
    const bench = await runBench([
      '--target',
      'crash@x=node -e "process.abort()"',
      '--target',
      'hang@x=node -e "setInterval(() => {}, 1000)"',
      '--target',
      'claude@2.1.112',
      '--workload',
      'pr-review',
      '--repeats',
      '1',
      '--warmup',
      '0',
      '--timeout',
      '45s',
      '--out',
      out,
      '--metrics-port',
      'off',
    ]);
    const results = readResults(out);
    const byTarget = Object.fromEntries(results.map((r) => [r.bench.target, r]));
    expect(results).toHaveLength(3);
    expect(byTarget['crash@x']).toMatchObject({ status: 'failed', failure: 'crashed (SIGABRT)', exit_code: 134 });
    expect(byTarget['hang@x']).toMatchObject({ status: 'failed', failure: 'timeout after 45000 ms' });
    expect(byTarget['hang@x'].wall_ms).toBeGreaterThanOrEqual(45_000);
    expect(byTarget['claude@2.1.112']).toMatchObject({ status: 'ok', failure: null });
    // The failures are named as they happen, and the exit code says some runs failed.
    expect(bench.stderr).toContain('crash@x pr-review repeat 1 failed: crashed (SIGABRT)');
    expect(bench.stderr).toContain('hang@x pr-review repeat 1 failed: timeout after 45000 ms');
    expect(bench.stdout).toContain('! hang@x: 1 failed run(s): timeout after 45000 ms');
    expect(bench.code).toBe(1);
  }, 240_000);

  it('a CLI that exits 0 without doing the work is a failed run', async () => {
    const out = tempDir('bench-idle');
    await runBench([
      '--target',
      'idle@x=true',
      '--workload',
      'pr-review',
      '--repeats',
      '1',
      '--warmup',
      '0',
      '--out',
      out,
      '--metrics-port',
      'off',
      '--plain',
    ]);
    const [result] = readResults(out);
    expect(result).toMatchObject({ status: 'failed', failure: 'no model request reached the scripted server', exit_code: 0, record: null });
  }, 60_000);

  it('bad options cost one line and run nothing', async () => {
    const out = tempDir('bench-bad');
    const bench = await runBench(['--target', 'qwen@my-branch', '--out', out]);
    expect(bench.code).toBe(2);
    expect(bench.stderr.trim().split('\n')).toEqual([
      'qwen-otel bench: target "qwen@my-branch": "my-branch" is not a published version; for a local build give its command: qwen@my-branch="node ../path/to/cli.js"',
    ]);
  });
});
