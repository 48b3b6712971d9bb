// mcp-browse with a configuration on Claude Code 2.1.112 and Gemini CLI 0.61.0, for real: the
// servers reach each CLI through its own settings (Claude's --mcp-config, Gemini's settings.json
// mcpServers), the record labels them (and the browser chrome-devtools-mcp starts) `mcp_server`,
// the model calls list_pages under each CLI's name for it, and without the server the run still
// counts with the call marked as not offered.
import { beforeAll, describe, expect, it } from 'vitest';
import type { BenchResult } from '../src/contracts/bench-result';
import { readResults, runBench, type BenchProcess } from './helpers/bench-matrix';
import { tempDir } from './helpers/e2e';

const TARGETS = ['claude@2.1.112', 'gemini@0.61.0'];
const CALLED_AS: Record<string, string> = {
  claude: 'mcp__chrome-devtools__list_pages',
  gemini: 'mcp_chrome-devtools_list_pages',
};
let bench: BenchProcess;
let results: BenchResult[];

beforeAll(async () => {
  const out = tempDir('bench-mcp-browse');
  bench = await runBench([
    '--workload',
    'mcp-browse',
    '--repeats',
    '1',
    '--warmup',
    '0',
    '--config',
    'browse=chrome-devtools,memory',
    '--out',
    out,
    '--metrics-port',
    'off',
    '--timeout',
    '300s',
    ...TARGETS.flatMap((t) => ['--target', t]),
  ]);
  results = readResults(out);
}, 1_500_000);

const run = (target: string): BenchResult => results.find((r) => r.bench.target === target) as BenchResult;
const mcpProcesses = (r: BenchResult) => (r.record?.processes ?? []).filter((p) => p.role === 'mcp_server');

describe('mcp-browse with a configuration on Claude Code and Gemini CLI', () => {
  it('runs each CLI without and with the servers, every run ok', () => {
    expect(bench.code, bench.stderr).toBe(0);
    expect(results.map((r) => [r.bench.target, r.status, r.failure]).sort()).toEqual(
      TARGETS.flatMap((t) => [
        [t, 'ok', null],
        [`${t}+browse`, 'ok', null],
      ]).sort(),
    );
  });

  it('labels the servers and the browser mcp_server, and the model called list_pages under the name each CLI gives it', () => {
    for (const target of TARGETS) {
      const configured = run(`${target}+browse`);
      const cli = configured.bench.cli;
      expect(configured.mcp_calls, target).toEqual([
        { server: 'chrome-devtools', tool: 'list_pages', called_as: CALLED_AS[cli], answered: true },
      ]);
      const servers = mcpProcesses(configured);
      const names = servers.map((p) => p.name);
      // Two Node servers, and chromium's processes under chrome-devtools-mcp.
      expect(names.filter((n) => n === 'node').length, JSON.stringify(names)).toBeGreaterThanOrEqual(2);
      expect(
        names.some((n) => n.startsWith('chrom')),
        JSON.stringify(names),
      ).toBe(true);
      const byRole = configured.record?.tree.rss_peak_by_role_bytes ?? {};
      expect(byRole.mcp_server, target).toBeGreaterThan(0);
      // Nothing of the servers' trees is left labelled other.
      expect(
        (configured.record?.processes ?? []).filter((p) => p.role === 'other').map((p) => p.name),
        target,
      ).toEqual([]);
    }
  });

  it('without the servers the model answers without the tool, and the record says so', () => {
    for (const target of TARGETS) {
      const none = run(target);
      expect(none.mcp_calls, target).toEqual([{ server: 'chrome-devtools', tool: 'list_pages', called_as: null, answered: false }]);
      expect(mcpProcesses(none), target).toEqual([]);
    }
  });
});
