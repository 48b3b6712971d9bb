// A local build given by command (relative path, the preset's settings and flags), on a workload
// from a JSON file: the way a reviewer runs a candidate branch on their own task.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { installCli } from '../src/bench/targets/install';
import { readResults, runBench } from './helpers/bench-matrix';
import { REPO, tempDir } from './helpers/e2e';

let cliJs = '';
beforeAll(async () => {
  const installed = await installCli('@anthropic-ai/claude-code@2.1.112');
  cliJs = path.relative(REPO, path.join(installed.dir, 'node_modules', '@anthropic-ai', 'claude-code', 'cli.js'));
}, 300_000);

describe('a local build on a workload file', () => {
  it("runs with the preset, labelled with the branch, and plays the file's script", async () => {
    const out = tempDir('bench-local');
    const workload = path.join(out, 'rename.json');
    writeFileSync(
      workload,
      JSON.stringify({
        name: 'rename-review',
        prompt: 'Show the uncommitted change, read app.ts, then give a verdict.',
        files: { 'src/app.ts': 'export const a = 1;\n', 'README.md': '# demo\n' },
        changes: { 'src/app.ts': 'export const b = 1;\n' },
        steps: [{ shell: 'git diff' }, { read: 'src/app.ts' }, { grep: 'export' }],
        answer: 'Looks good.',
      }),
    );
    const bench = await runBench(
      [
        '--target',
        `claude@my-branch=node ${cliJs}`,
        '--workload',
        workload,
        '--repeats',
        '1',
        '--warmup',
        '0',
        '--out',
        out,
        '--metrics-port',
        'off',
      ],
      {},
      () => {},
      REPO,
    );
    expect(bench.code, bench.stderr).toBe(0);
    const [result] = readResults(out);
    expect(result.bench).toMatchObject({ target: 'claude@my-branch', cli: 'claude', branch: 'my-branch', workload: 'rename-review' });
    expect(result.server.sequence.map((s) => s.toolCallNames)).toEqual([['Bash'], ['Read'], ['Grep'], []]);
    expect(result.record).toMatchObject({ cli: 'claude', branch: 'my-branch', workload: 'rename-review' });
  }, 120_000);
});
