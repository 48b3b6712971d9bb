// report.md and report.html from real records (Qwen Code 0.15.10 and Claude Code 2.1.112 on the
// two-tool script, assembled into bench results by test/helpers/bench-run.ts). The HTML page loads
// in headless Chromium with no console message at all, and its screenshot shows charts.
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PALETTE } from '../src/bench/report/charts';
import { runCommand } from '../src/bench/run-command';
import { countPixels, drawnShare, loadInChromium, measureInChromium } from './helpers/chromium';
import { BIN, tempDir } from './helpers/e2e';

const FIXTURE = path.join(__dirname, 'fixtures', 'bench', 'qwen-claude-two-tool.jsonl');
let out: string;

/** The Chart.js configurations report.html carries. */
function chartsIn(
  html: string,
): Array<{ id: string; config: { data: { labels: string[]; datasets: Array<{ label: string; data: Array<number | null> }> } } }> {
  return JSON.parse(/<script type="application\/json" id="chart-data">(.*?)<\/script>/s.exec(html)![1]);
}

const rgb = (hex: string): number[] => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));

beforeAll(async () => {
  out = tempDir('report');
  const result = await runCommand(BIN, ['report', FIXTURE, '--out', out, '--baseline', 'claude@2.1.112'], {
    env: { PATH: process.env.PATH },
    timeoutMs: 30_000,
  });
  expect(result.code, result.stderr).toBe(0);
}, 60_000);

describe('qwen-otel report', () => {
  it('writes a Markdown report shaped like the seed benchmark report', () => {
    const md = readFileSync(path.join(out, 'report.md'), 'utf8');
    for (const heading of [
      '# qwen-otel benchmark report',
      '## Summary',
      '## Test environment',
      '## Matrix results',
      '## Where the memory is',
      '## Runtime and token signals',
      '## Caveats',
    ]) {
      expect(md).toContain(heading);
    }
    expect(md).toMatch(/`qwen@0\.15\.10` \/ `claude@2\.1\.112`: 3\.\d\d× on median peak tree RSS/);
    expect(md).toMatch(/\| two-tool \| `qwen@0\.15\.10` \| 9\d\d\.\d MiB \(9\d\d\.\d … 9\d\d\.\d\) \| 3\.\d\d× \|/);
    expect(md).toMatch(/By process role: CLI worker processes \+\d{3}\.\d MiB/);
    expect(md).toMatch(
      /largest request 100\.7 KiB → 76\.3 KiB \(system prompt 25\.8 KiB → 37\.2 KiB, tool schemas 70\.9 KiB → 37\.6 KiB, history without tool results /,
    );
    expect(md).toContain('3 measured runs per cell');
  });

  it('writes one self-contained HTML file: no external resource, charts inlined', () => {
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/i);
    expect(html).toContain('new Chart(');
    expect(html).not.toMatch(/\/tmp\/|qo-bench-/);
  });

  it('breaks the largest request down by part, and keeps the two-part view for records without the parts', async () => {
    const requests = (html: string) => chartsIn(html).find((c) => c.id === 'requests')!.config.data;
    const parts = requests(readFileSync(path.join(out, 'report.html'), 'utf8'));
    expect(parts.labels).toEqual(['two-tool · qwen@0.15.10', 'two-tool · claude@2.1.112']);
    expect(parts.datasets.map((d) => d.label)).toEqual([
      'system prompt',
      'tool schemas',
      'history without tool results',
      'retained tool results',
      'other fields (model, options, framing)',
    ]);
    // Qwen sends the larger system prompt, Claude the larger tool schemas (KiB).
    const [system, tools] = parts.datasets;
    expect(system.data[0]!).toBeGreaterThan(system.data[1]!);
    expect(tools.data[1]!).toBeGreaterThan(tools.data[0]!);

    const dir = tempDir('report-old');
    const old = path.join(dir, 'old.jsonl');
    const lines = readFileSync(FIXTURE, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    for (const line of lines) delete line.record.peak_request;
    writeFileSync(old, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    const result = await runCommand(BIN, ['report', old, '--out', dir], { env: { PATH: process.env.PATH }, timeoutMs: 30_000 });
    expect(result.code, result.stderr).toBe(0);
    const whole = requests(readFileSync(path.join(dir, 'report.html'), 'utf8'));
    expect(whole.datasets.map((d) => d.label)).toEqual(['retained tool results', 'system, tool schemas, messages (not broken down)']);
    expect(whole.datasets[1].data[1]).toBeCloseTo(
      system.data[1]! + tools.data[1]! + parts.datasets[2].data[1]! + parts.datasets[4].data[1]!,
      0,
    );
  });

  it('loads in headless Chromium without a console message, and its screenshot shows the charts', async () => {
    const { console, png } = await loadInChromium(path.join(out, 'report.html'), path.join(out, 'report.png'));
    expect(console).toEqual([]);
    expect(drawnShare(png)).toBeGreaterThan(0.05);
    // Bars are drawn in the palette's first two colours (one per target): the charts really ran.
    for (const colour of PALETTE.slice(0, 2).map(rgb)) {
      expect(countPixels(png, (r, g, b) => r === colour[0] && g === colour[1] && b === colour[2])).toBeGreaterThan(20_000);
    }
  }, 90_000);

  it('would see a page that throws (the check can fail)', async () => {
    const page = path.join(out, 'broken.html');
    writeFileSync(page, '<!doctype html><body><script>notDefined();</script></body>');
    const { console } = await loadInChromium(page, path.join(out, 'broken.png'));
    expect(console.join('\n')).toMatch(/Uncaught ReferenceError: notDefined is not defined/);
  }, 90_000);

  it('exits 2 with one line on bad input', async () => {
    const result = await runCommand(BIN, ['report', FIXTURE, '--baseline', 'nope@1'], {
      env: { PATH: process.env.PATH },
      timeoutMs: 30_000,
    });
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toMatch(/^qwen-otel report: .* has no target "nope@1"; it has qwen@0\.15\.10, claude@2\.1\.112$/);
  });
});

describe('report.html at the full matrix size (4 targets × 5 workloads)', () => {
  let page: string;
  beforeAll(async () => {
    // The fixture's runs relabelled into 4 targets × 5 workloads: the shape of the default matrix.
    const dir = tempDir('report-4x5');
    const runs = readFileSync(FIXTURE, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .filter((r) => r.bench.repeat > 0);
    const targets = [
      ['qwen@0.15.10', 'qwen@0.15.10'],
      ['qwen@0.24.4', 'qwen@0.15.10'],
      ['claude@2.1.112', 'claude@2.1.112'],
      ['codex@0.169.0', 'claude@2.1.112'],
    ];
    const lines = ['pr-review', 'code-nav', 'diff-100k', 'diff-1m', 'diff-5m'].flatMap((workload) =>
      targets.flatMap(([target, from]) =>
        runs.filter((r) => r.bench.target === from).map((r) => JSON.stringify({ ...r, bench: { ...r.bench, target, workload } })),
      ),
    );
    const results = path.join(dir, 'results.jsonl');
    writeFileSync(results, `${lines.join('\n')}\n`);
    const result = await runCommand(BIN, ['report', results, '--out', dir], { env: { PATH: process.env.PATH }, timeoutMs: 30_000 });
    expect(result.code, result.stderr).toBe(0);
    page = path.join(dir, 'report.html');
  }, 60_000);

  it('shows the whole table at 1280 px, and its first chart in the first screenful (not ~4,000 px down)', async () => {
    const layout = (await measureInChromium(
      page,
      `(function () {
      var table = document.querySelector('table');
      return { chartTop: document.querySelector('canvas').getBoundingClientRect().top, tableWidth: table.scrollWidth, boxWidth: table.parentElement.clientWidth };
    })()`,
    )) as { chartTop: number; tableWidth: number; boxWidth: number };
    expect(layout.tableWidth).toBeLessThanOrEqual(layout.boxWidth);
    expect(layout.chartTop).toBeLessThan(1200);
  }, 90_000);

  it('labels every chart legend in words, not raw keys', () => {
    for (const chart of chartsIn(readFileSync(page, 'utf8'))) {
      for (const dataset of chart.config.data.datasets) expect(dataset.label, chart.id).not.toMatch(/^[a-z]+_[a-z_]+$/);
    }
  });
});
