// What compare and the bench's terminal summary print, on the recorded Qwen/Claude runs: plural
// words that agree with their counts, one minus sign, no negative amount in a side column, one
// unit on both sides of a change, and the same tree peak in the summary as in report and compare.
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareSelection } from '../src/bench/compare/comparison';
import { renderMarkdown, renderText } from '../src/bench/compare/render';
import { select } from '../src/bench/compare/select';
import { parseCriteria } from '../src/bench/compare/verdict';
import { formatSummary } from '../src/bench/matrix/summary';
import { buildReport } from '../src/bench/report/model';
import { formatBytes, formatPair, formatValue } from '../src/bench/results/format';
import { readResults } from '../src/bench/results/load';
import { tempDir } from './helpers/e2e';

const FIXTURE = path.join(__dirname, 'fixtures', 'bench', 'qwen-claude-two-tool.jsonl');

/** The fixture, changed line by line, as a results file. */
function variant(change: (line: Record<string, any>) => Record<string, any> | null): string {
  const lines = readResults(FIXTURE)
    .map((r) => change(JSON.parse(JSON.stringify(r))))
    .filter((l) => l !== null);
  const file = path.join(tempDir('render'), 'results.jsonl');
  writeFileSync(file, lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
  return file;
}

function text(file: string, baseline = 'qwen@0.15.10', candidate = 'claude@2.1.112'): string {
  return renderText(compareSelection(select({ files: [file], baseline, candidate }), parseCriteria([])));
}

describe('compare output', () => {
  it('says "1 baseline run", not "1 baseline runs"', () => {
    const one = text(variant((l) => (l.bench.repeat <= 1 ? l : null)));
    expect(one).toContain('two-tool  (1 baseline run, 1 candidate run)');
    expect(text(FIXTURE)).toContain('two-tool  (3 baseline runs, 3 candidate runs)');
  });

  it('prints every negative figure with the same minus sign (U+2212), in text and Markdown', () => {
    expect([formatBytes(-6 * 2 ** 20), formatValue(-1500, 'ms'), formatValue(-3, 'count')]).toEqual(['−6.0 MiB', '−1500 ms', '−3']);
    const selection = select({ files: [FIXTURE], baseline: 'qwen@0.15.10', candidate: 'claude@2.1.112' });
    for (const out of [
      renderText(compareSelection(selection, parseCriteria([]))),
      renderMarkdown(compareSelection(selection, parseCriteria([]))),
    ]) {
      expect(out).toMatch(/−\d/);
      expect(out).not.toMatch(/(^|[\s(|])-\d/m);
    }
  });

  it('holds no negative amount in a side column: roles that peaked apart are a "less:" row of their own', () => {
    // A shell that peaked at 6 MiB while the CLI was below its own peak: the roles' peaks add up
    // to more than the tree peak, so not_at_once is negative on the Qwen side.
    const file = variant((l) => {
      if (l.bench.target === 'qwen@0.15.10') l.record.tree.rss_peak_by_role_bytes.tool = 6 * 2 ** 20;
      return l;
    });
    const out = text(file);
    const roleTable = out.slice(
      out.indexOf('by process role'),
      out.indexOf('total = median peak tree RSS', out.indexOf('by process role')),
    );
    expect(roleTable).toMatch(/less: roles not at their peaks at once \(not_at_once\) +6\.0 MiB +0 B +\+6\.0 MiB/);
    for (const row of roleTable
      .split('\n')
      .slice(2)
      .filter((r) => r.trim() !== '')) {
      const cells = row.trim().split(/ {2,}/);
      expect(cells[1], row).not.toMatch(/^[−-]/);
      expect(cells[2], row).not.toMatch(/^[−-]/);
    }
    const json = compareSelection(select({ files: [file], baseline: 'qwen@0.15.10', candidate: 'claude@2.1.112' }), parseCriteria([]));
    const d = json.workloads[0].decomposition!;
    expect(d.byRole.reduce((sum, p) => sum + p.delta, 0)).toBe(d.gap);
  });

  it('puts both sides of a change in one unit', () => {
    expect(formatPair(11_700, 2_836, 'ms')).toEqual(['11.7 s', '2.8 s']);
    expect(formatPair(1_902, 8_482, 'ms')).toEqual(['1902 ms', '8482 ms']);
  });
});

describe("the bench's terminal summary", () => {
  it("gives the tree peak report and compare give for the same runs (the run record's, not the harness sampler's)", () => {
    const results = readResults(FIXTURE);
    const report = buildReport(results, 'claude@2.1.112');
    const qwen = report.cells.find((c) => c.target === 'qwen@0.15.10')!.stats.tree_rss_peak!;
    const summary = formatSummary(results, ['claude@2.1.112', 'qwen@0.15.10'], ['two-tool'], 'claude@2.1.112');
    const row = summary.split('\n').find((line) => line.trim().startsWith('qwen@0.15.10'))!;
    const mib = (v: number): string => (v / 2 ** 20).toFixed(1);
    expect(row).toContain(`${mib(qwen.median)} [${mib(qwen.min)}..${mib(qwen.max)}]`);
    // The harness sampler saw more on these runs (short-lived shells, a fork caught before exec).
    const sampled = results
      .filter((r) => r.bench.target === 'qwen@0.15.10' && r.bench.repeat > 0)
      .map((r) => r.external.tree_rss_peak_bytes);
    expect(Math.max(...sampled)).toBeGreaterThan(qwen.max);
    expect(summary).toContain('memory from the run record, as in report and compare');
    expect(summary).toMatch(/qwen@0\.15\.10: tree peak 3\.\d\d× that of claude@2\.1\.112 over 1 workload$/m);
  });

  it("uses the harness sampler's figures when no run has a record (--plain), and says so", () => {
    const plain = readResults(variant((l) => ({ ...l, record: null })));
    const summary = formatSummary(plain, ['claude@2.1.112', 'qwen@0.15.10'], ['two-tool'], 'claude@2.1.112');
    expect(summary).toContain("memory from the bench's 20 ms sampler: no run records (--plain)");
    expect(summary).not.toMatch(/—\s+—/);
  });
});
