// `qwen-otel bench --until-confident`: one repeat cannot show the noise, so every cell is
// inconclusive at first; the bench adds rounds for the undecided cells only, until the verdict
// compare gives is decided for each (a clear regression, and an A/A pair that is the same), then
// stops, well before the cap. compare then agrees with what the bench decided.
// (A target under --plain: the verdict is on the harness sampler's tree peak.)
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../src/bench/run-command';
import { readResults, runBench } from './helpers/bench-matrix';
import { BIN, REPO, tempDir } from './helpers/e2e';

const DEMO_TARGET = path.join(REPO, 'dist', 'stack', 'demo-target.js');
const target = (branch: string, retainMiB: number): string => `demo@${branch}=${process.execPath} ${DEMO_TARGET} --retain-mib ${retainMiB}`;

describe('bench --until-confident', () => {
  it('adds rounds for the undecided cells until each is decided, and compare agrees', async () => {
    const out = tempDir('until-confident');
    const bench = await runBench([
      '--target',
      target('base', 10),
      '--target',
      target('same', 10),
      '--target',
      target('bloated', 70),
      '--workload',
      'pr-review',
      '--repeats',
      '1',
      '--warmup',
      '0',
      '--until-confident',
      '--max-repeats',
      '6',
      // --plain: the harness sampler's tree peak is judged, so the test does not depend on every
      // run's record reaching the disk on a loaded machine.
      '--plain',
      '--timeout',
      '60s',
      '--out',
      out,
      '--metrics-port',
      'off',
    ]);
    expect(bench.code, bench.stderr).toBe(0);
    expect(bench.stderr).toMatch(/repeat 2 for the cells still inconclusive against demo@base \(pr-review: demo@same, demo@bloated\)/);
    expect(bench.stderr).not.toMatch(/still inconclusive after/);
    const runs = readResults(out).filter((r) => r.status === 'ok');
    const count = (t: string): number => runs.filter((r) => r.bench.target === t).length;
    // Three runs a side are the fewest that decide; a clear case needs no more.
    expect(count('demo@bloated')).toBe(3);
    expect(count('demo@base')).toBeGreaterThanOrEqual(3);

    const results = path.join(out, 'results.jsonl');
    const compare = (candidate: string) =>
      runCommand(BIN, ['compare', results, '--baseline', 'demo@base', '--candidate', candidate, '--figure', 'external_tree_rss_peak'], {
        env: { PATH: process.env.PATH },
        timeoutMs: 30_000,
      });
    expect((await compare('demo@bloated')).code).toBe(1);
    const same = await compare('demo@same');
    expect(same.code, same.stdout).toBe(0);
  }, 300_000);

  it('refuses its options without it, and a cap below the repeats', async () => {
    const bad = await runBench(['--max-repeats', '5', '--metrics-port', 'off']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe('qwen-otel bench: --max-repeats and --margin go with --until-confident');
    const low = await runBench(['--until-confident', '--repeats', '5', '--max-repeats', '3', '--metrics-port', 'off']);
    expect(low.code).toBe(2);
    expect(low.stderr.trim()).toBe('qwen-otel bench: --max-repeats 3 is below --repeats 5');
  });
});
