// Attribution by configuration item, on a recorded real matrix: Qwen Code 0.15.10 on pr-review
// with no MCP server, with chrome-devtools + filesystem + memory, and with all but each (bench
// --config, 3 repeats). The split is leave-one-out and its rows add up to all - none; the
// tool-schema share is exact against the server's received bodies; attribution.json fits its
// schema; report.md and report.html carry the table; a wrong item name costs one line.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { leaveOneOutConfigs, writeAttribution } from '../src/bench/attribute/command';
import { attribute } from '../src/bench/attribute/split';
import { attributionTable } from '../src/bench/attribute/table';
import { renderHtmlReport } from '../src/bench/report/html';
import { renderMarkdownReport } from '../src/bench/report/markdown';
import { buildReport } from '../src/bench/report/model';
import { findFigure } from '../src/bench/results/figures';
import { readResults } from '../src/bench/results/load';
import { AttributionSchema } from '../src/contracts/attribution';
import { BenchResultSchema, type BenchResult } from '../src/contracts/bench-result';
import { validator } from '../src/contracts/validate';
import { startPushgateway } from '../src/bench/backends';
import { find, parsePrometheus, REPO, tempDir } from './helpers/e2e';

const FIXTURE = path.join(__dirname, 'fixtures', 'bench', 'qwen-mcp-attribution.jsonl');
const ITEMS = ['chrome-devtools', 'filesystem', 'memory'];
const results = (): BenchResult[] => readResults(FIXTURE);
const cli = (...args: string[]) => spawnSync(process.execPath, [path.join(REPO, 'dist', 'cli.js'), ...args], { encoding: 'utf8' });

describe('leave-one-out attribution', () => {
  const [split] = attribute(results());

  it('runs none, all and all but each item', () => {
    expect(leaveOneOutConfigs(ITEMS)).toEqual([
      'all=chrome-devtools,filesystem,memory',
      'without-chrome-devtools=filesystem,memory',
      'without-filesystem=chrome-devtools,memory',
      'without-memory=chrome-devtools,filesystem',
    ]);
    expect(leaveOneOutConfigs(['memory'])).toEqual(['all=memory']);
    expect([split.target, split.workload, split.method, split.all, split.pairs, split.missing]).toEqual([
      'qwen@0.15.10',
      'pr-review',
      'leave-one-out',
      'all',
      3,
      [],
    ]);
    expect(split.rows.map((r) => r.item)).toEqual([...[...ITEMS].sort(), 'remainder', 'total']);
  });

  it('adds up: the items and the remainder make the total (all - none), figure by figure', () => {
    for (const name of Object.keys(split.rows[0].figures)) {
      const medians = split.rows.map((r) => r.figures[name].median as number);
      const total = medians.pop() as number;
      expect(
        medians.reduce((a, b) => a + b, 0),
        name,
      ).toBeCloseTo(total, 6);
    }
  });

  it("gives each item its paired difference, and the tool schemas exactly the server's bytes", () => {
    const runs = results().filter((r) => r.status === 'ok');
    const tools = findFigure('tool_schema_bytes_per_request')!;
    const peak = findFigure('tree_rss_peak')!;
    const run = (config: string | undefined, repeat: number) => runs.find((r) => r.bench.config === config && r.bench.repeat === repeat)!;
    for (const item of ITEMS) {
      const row = split.rows.find((r) => r.item === item)!;
      const diffs = [1, 2, 3].map((k) => peak.read(run('all', k))! - peak.read(run(`without-${item}`, k))!).sort((a, b) => a - b);
      expect(row.figures.tree_rss_peak.median).toBe(diffs[1]);
      // From the bodies: the `tools` value each request carried, summed over the requests.
      const bytes = (r: BenchResult) => r.server.sequence.reduce((s, q) => s + (q.toolSchemaBytes as number), 0) / r.server.sequence.length;
      const toolDiffs = [1, 2, 3].map((k) => bytes(run('all', k)) - bytes(run(`without-${item}`, k))).sort((a, b) => a - b);
      expect(row.figures.tool_schema_bytes_per_request.median).toBe(toolDiffs[1]);
      expect(tools.read(run('all', 1))).toBe(bytes(run('all', 1)));
    }
    // PSS beside RSS: the same pairing on the record's largest tree PSS read.
    const pss = findFigure('tree_pss_peak')!;
    for (const item of ITEMS) {
      const row = split.rows.find((r) => r.item === item)!;
      const diffs = [1, 2, 3]
        .map((k) => run('all', k).record!.tree.pss_peak_bytes! - run(`without-${item}`, k).record!.tree.pss_peak_bytes!)
        .sort((a, b) => a - b);
      expect(row.figures.tree_pss_peak.median).toBe(diffs[1]);
      expect(pss.read(run('all', 1))).toBe(run('all', 1).record!.tree.pss_peak_bytes);
    }
    // Each server is a process of the tree: adding all three raised the tree peak in every repeat.
    const total = split.rows.find((r) => r.item === 'total')!;
    expect(total.figures.tree_rss_peak.q1).toBeGreaterThan(0);
  });

  it('leaves no share and no remainder for an item whose all-but-one run is missing', () => {
    const [partial] = attribute(results().filter((r) => r.bench.config !== 'without-memory'));
    expect(partial.missing).toEqual(['memory']);
    const rows = Object.fromEntries(partial.rows.map((r) => [r.item, r.figures.tree_rss_peak.median]));
    expect(rows.memory).toBeNull();
    expect(rows.remainder).toBeNull();
    expect(rows.total).not.toBeNull();
  });
});

describe('mcp-browse: the model calls chrome-devtools, which starts its browser', () => {
  // The same matrix on mcp-browse (3 repeats): in every run with chrome-devtools the model called
  // list_pages, and its browser's processes are in the tree, labelled mcp_server.
  const browse = readResults(path.join(__dirname, 'fixtures', 'bench', 'qwen-mcp-browse-attribution.jsonl'));
  const [split] = attribute(browse);
  const share = (item: string, figure: string) => split.rows.find((r) => r.item === item)!.figures[figure];

  it('records whether the tool was called, by configuration', () => {
    for (const r of browse) {
      const configured = (r.bench.config_items ?? []).includes('chrome-devtools');
      expect(r.mcp_calls, r.bench.target).toEqual([
        {
          server: 'chrome-devtools',
          tool: 'list_pages',
          called_as: configured ? 'mcp__chrome-devtools__list_pages' : null,
          answered: configured,
        },
      ]);
      const chromium = r.record!.processes.filter((p) => p.name === 'chromium');
      expect(chromium.length > 0, r.bench.target).toBe(configured);
      expect(new Set(chromium.map((p) => p.role))).toEqual(new Set(configured ? ['mcp_server'] : []));
    }
  });

  it("gives chrome-devtools the browser: the largest share of RSS and PSS, PSS below RSS (chromium's processes share pages)", () => {
    expect(split.pairs).toBe(3);
    const rss = (item: string) => share(item, 'tree_rss_peak').median as number;
    const pss = (item: string) => share(item, 'tree_pss_peak').median as number;
    for (const other of ['filesystem', 'memory']) {
      expect(rss('chrome-devtools')).toBeGreaterThan(rss(other));
      expect(pss('chrome-devtools')).toBeGreaterThan(pss(other));
    }
    expect(share('chrome-devtools', 'tree_rss_peak').q1).toBeGreaterThan(0);
    expect(pss('chrome-devtools')).toBeLessThan(rss('chrome-devtools'));
    // Its tool's schema reaches the model only after tool_search loaded it: a share of the
    // average per request, 0 for the other servers (Qwen defers their tools and never loads them).
    expect(share('chrome-devtools', 'tool_schema_bytes_per_request').median).toBeGreaterThan(0);
    expect(share('filesystem', 'tool_schema_bytes_per_request').median).toBe(0);
  });
});

describe('attribution.json and the bench results', () => {
  it('fit their schemas; a misfit names its field', () => {
    const bench = validator(BenchResultSchema);
    for (const line of results()) expect(bench.misfit(line)).toBeNull();
    const dir = tempDir('attribution');
    const file = writeAttribution(path.join(dir, 'results.jsonl'), attribute(results()));
    const written = JSON.parse(readFileSync(file, 'utf8'));
    const check = validator(AttributionSchema);
    expect(check.misfit(written)).toBeNull();
    written.splits[0].rows[0].figures.tree_rss_peak.median = 'big';
    expect(check.misfit(written)).toEqual({
      field: 'splits[0].rows[0].figures.tree_rss_peak.median',
      problem: 'expected number or null, got string',
    });
  });

  it('are what qwen-otel attribute --from prints and writes', () => {
    const dir = tempDir('attribute-from');
    const copy = path.join(dir, 'results.jsonl');
    writeFileSync(copy, readFileSync(FIXTURE));
    const run = cli('attribute', '--from', copy);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain(
      'qwen@0.15.10 pr-review: all = all (chrome-devtools, filesystem, memory); leave-one-out over 3 paired repeat(s)',
    );
    expect(run.stdout).toMatch(/^Leave-one-out: an item's share is \(all items\) - \(all but that item\)/m);
    for (const item of [...ITEMS, 'remainder', 'total (all - none)'])
      expect(run.stdout).toMatch(new RegExp(`^${item.replace(/[()]/g, '\\$&')} +[+−±]`, 'm'));
    const written = JSON.parse(readFileSync(path.join(dir, 'attribution.json'), 'utf8'));
    expect(validator(AttributionSchema).misfit(written)).toBeNull();
    expect(written.figures).toEqual([
      'tree_rss_peak',
      'tree_pss_peak',
      'tool_schema_bytes_per_request',
      'input_tokens_per_request',
      'first_request_ms',
    ]);
    expect(run.stdout).toMatch(/^item +tree peak RSS +tree peak PSS +tool schemas/m);
  });

  it('an attribution.json written before PSS was split still renders: its PSS cells say nothing', () => {
    const [split] = attribute(results());
    const older = { ...split, rows: split.rows.map((r) => ({ ...r, figures: { ...r.figures, tree_pss_peak: undefined } })) };
    const table = attributionTable(older as unknown as typeof split);
    expect(table.rows.map((r) => r[2])).toEqual(split.rows.map(() => '—'));
    expect(table.rows[0][1]).toMatch(/^\+/);
  });
});

describe('the dashboard metrics', () => {
  it('are pushed per item to a real Pushgateway by attribute --from, equal to the split', async () => {
    const gateway = await startPushgateway(path.join(tempDir('attribute-pgw'), 'pushgateway.data'));
    try {
      const dir = tempDir('attribute-push');
      const copy = path.join(dir, 'results.jsonl');
      writeFileSync(copy, readFileSync(FIXTURE));
      const child = spawn(process.execPath, [path.join(REPO, 'dist', 'cli.js'), 'attribute', '--from', copy], {
        env: { ...process.env, QWEN_OTEL_PUSHGATEWAY_URL: gateway.url },
      });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      const code = await new Promise((resolve) => child.on('close', resolve));
      expect(code, stderr).toBe(0);
      expect(stderr).toContain('pushed 1 split(s)');
      const series = parsePrometheus(await (await fetch(`${gateway.url}/metrics`)).text());
      const [split] = attribute(results());
      const labels = { job: 'qwen-otel', instance: 'qwen-otel-attribute', cli: 'qwen', branch: '0.15.10', workload: 'pr-review' };
      for (const row of split.rows) {
        const [tree] = find(series, 'qwen_otel_attribution_tree_memory_peak_bytes', { ...labels, item: row.item });
        expect(tree?.value, row.item).toBeCloseTo(row.figures.tree_rss_peak.median as number, 0);
        const [treePss] = find(series, 'qwen_otel_attribution_tree_pss_peak_bytes', { ...labels, item: row.item });
        expect(treePss?.value, row.item).toBeCloseTo(row.figures.tree_pss_peak.median as number, 0);
        const [startup] = find(series, 'qwen_otel_attribution_startup_seconds', { ...labels, item: row.item });
        expect(startup?.value, row.item).toBeCloseTo((row.figures.first_request_ms.median as number) / 1000, 3);
      }
      expect(find(series, 'qwen_otel_attribution_request_input_tokens', labels)).toHaveLength(split.rows.length);
    } finally {
      gateway.close();
    }
  }, 60_000);
});

describe('the reports', () => {
  const data = buildReport(results());

  it('report.md has the attribution table with the method and every item', () => {
    const md = renderMarkdownReport(data);
    const section = md.slice(md.indexOf('## Attribution by configuration item'));
    expect(section).toContain('Leave-one-out:');
    expect(section).toContain(
      '| item | tree peak RSS | tree peak PSS | tool schemas / request | input tokens / request | start-up (1st request) |',
    );
    for (const item of [...ITEMS, 'remainder', 'total (all - none)'])
      expect(section).toMatch(new RegExp(`\\| ${item.replace(/[()]/g, '\\$&')} \\| [+−±]`));
  });

  it('report.html has the same table', () => {
    const html = renderHtmlReport(data);
    const section = html.slice(html.indexOf('<section id="attribution">'));
    expect(section).toContain('<h2>Attribution by configuration item</h2>');
    for (const item of ITEMS) expect(section).toContain(`<td>${item}</td>`);
    expect(section).toContain('<td>total (all - none)</td>');
  });

  it('have no attribution section without configurations', () => {
    const plain = buildReport(results().filter((r) => !r.bench.config));
    expect(plain.attributions).toEqual([]);
    expect(renderMarkdownReport(plain)).not.toContain('Attribution by configuration item');
  });
});

describe('a wrong item', () => {
  it('costs one line and exit 2, in attribute and in bench --config', () => {
    const attributeRun = cli('attribute', '--items', 'memory,chrome');
    expect(attributeRun.status).toBe(2);
    expect(attributeRun.stderr).toBe(
      'qwen-otel attribute: "chrome" is not an item; items: memory, filesystem, everything, chrome-devtools (MCP servers from npm)\n',
    );
    const benchRun = cli('bench', '--target', 'qwen@0.15.10', '--config', 'x=chrome');
    expect(benchRun.status).toBe(2);
    expect(benchRun.stderr.trim().split('\n')).toHaveLength(1);
    expect(benchRun.stderr).toContain('"chrome" is not an item; items: memory, filesystem, everything, chrome-devtools');
  });
});
