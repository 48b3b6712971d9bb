// report.html: one self-contained file (opens from disk, offline). Charts are drawn by Chart.js,
// inlined from node_modules: its UMD build is ~205 KB, a fair price for tested bar/line/stacked
// charts, tooltips and legends against hand-drawn SVG we would have to maintain (uPlot, ~50 KB,
// is built for time series and lacks grouped/stacked bars). No CDN: the file works offline.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { METHOD_NOTE } from '../attribute/table';
import { allCharts, type ChartSpec } from './charts';
import { findFigure } from '../results/figures';
import { formatBytes, formatRatio, formatValue } from '../results/format';
import type { ReportCell, ReportData } from './model';

function chartJsSource(): string {
  // The package exports only its entry points: find the UMD build beside the CommonJS one.
  const entry = require.resolve('chart.js');
  return readFileSync(path.join(path.dirname(entry), 'chart.umd.min.js'), 'utf8');
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** JSON inside <script>: no `</script>` or `<!--` can end it early. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}
header{background:#1d2330;color:#fff;padding:20px 32px}header h1{margin:0 0 4px;font-size:22px}header p{margin:0;color:#c9cfdb}
main{padding:20px 32px;max-width:1800px}
section{background:#fff;border:1px solid #e1e4ea;border-radius:8px;padding:16px 20px;margin:0 0 18px}
h2{font-size:16px;margin:0 0 4px}p.note{margin:0 0 10px;color:#5b6475;font-size:13px}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:18px}
.chart{position:relative;height:320px}
table{border-collapse:collapse;width:100%;font-size:13px;font-variant-numeric:tabular-nums}
th,td{padding:4px 8px;border-bottom:1px solid #eceef2;text-align:right;white-space:nowrap}th{white-space:normal;vertical-align:bottom}
th:first-child,td:first-child,th:nth-child(2),td:nth-child(2){text-align:left}
th{background:#f0f2f5;font-weight:600}
.bad{color:#b3261e}.scroll{overflow-x:auto}
ul.words{margin:6px 0 12px;padding-left:20px}ul.words li{margin:3px 0}
details{margin:4px 0}summary{cursor:pointer;font-weight:600}summary span{font-weight:400;color:#5b6475}`;

const BOOT = `
(function(){
  var specs = JSON.parse(document.getElementById('chart-data').textContent);
  Chart.defaults.font.family = 'system-ui, sans-serif';
  specs.forEach(function(spec){
    var cfg = spec.config;
    cfg.options.plugins.tooltip = { callbacks: { afterLabel: function(ctx){
      var r = ctx.dataset.ranges && ctx.dataset.ranges[ctx.dataIndex];
      return r ? 'min ' + r[0] + ' … max ' + r[1] : '';
    } } };
    new Chart(document.getElementById(spec.id), cfg);
  });
})();`;

function tableHtml(header: string[], rows: string[][]): string {
  const head = `<tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table>${head}\n${body}</table>`;
}

function stat(cell: ReportCell, name: string): string {
  const figure = findFigure(name)!;
  const s = cell.stats[name];
  return s ? formatValue(s.median, figure.unit) : '—';
}

function matrixTable(data: ReportData): string {
  const rows = data.cells.map((c) => {
    const s = c.stats.tree_rss_peak;
    return [
      c.workload,
      c.target,
      s ? `${formatBytes(s.median)} (${formatBytes(s.min)} … ${formatBytes(s.max)})` : '—',
      formatRatio(c.ratioToBaseline),
      stat(c, 'root_rss_peak'),
      stat(c, 'heap_used_peak'),
      stat(c, 'external_peak'),
      stat(c, 'duration'),
      stat(c, 'tokens_input'),
      `${c.runs}${c.failures.length ? ` (+${c.failures.length} failed)` : ''}`,
    ];
  });
  return tableHtml(
    [
      'Workload',
      'Target',
      'Tree peak, median (min … max)',
      `/ ${data.baseline}`,
      'Root peak',
      'V8 heap peak',
      'External peak',
      'Duration',
      'Input tokens',
      'Runs',
    ],
    rows,
  );
}

function chartSection(spec: ChartSpec): string {
  return `<section><h2>${escapeHtml(spec.title)}</h2><p class="note">${escapeHtml(spec.note)}</p><div class="chart"><canvas id="${escapeHtml(spec.id)}"></canvas></div></section>`;
}

/** After the charts, one closed entry per cell (its first sentence shown): 4 targets × 5 workloads must not push the charts down by thousands of pixels. */
function differencesSection(data: ReportData): string {
  if (data.differences.length === 0) return '';
  const items = data.differences.map(
    (d) =>
      `<details><summary>${escapeHtml(`${d.workload}: ${d.target} vs ${data.baseline}`)} <span>${escapeHtml(d.words[0] ?? '')}</span></summary><ul class="words">${d.words
        .slice(1)
        .map((w) => `<li>${escapeHtml(w)}</li>`)
        .join('')}</ul></details>`,
  );
  return `<section><h2>Where the difference is</h2><p class="note">The run nearest each side's median, split by kind of memory and by process role (qwen-otel compare gives the full tables). Open a line for the details.</p>${items.join('\n')}</section>`;
}

function attributionSection(data: ReportData): string {
  if (data.attributions.length === 0) return '';
  const tables = data.attributions.map(
    (t) => `<p class="note">${escapeHtml(t.caption)}</p><div class="scroll">${tableHtml(t.header, t.rows)}</div>`,
  );
  return `<section id="attribution"><h2>Attribution by configuration item</h2><p class="note">${escapeHtml(METHOD_NOTE)}</p>${tables.join('\n')}</section>`;
}

export function renderHtmlReport(data: ReportData): string {
  const charts = allCharts(data);
  const g = data.generatedFrom;
  const failures = data.cells.filter((c) => c.failures.length > 0);
  const subtitle = `${data.targets.length} targets × ${data.workloads.length} workloads · ${g.runs} measured runs (${g.warmups} warm-ups excluded) · baseline ${data.baseline}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>qwen-otel benchmark report</title><style>${STYLE}</style></head>
<body><header><h1>qwen-otel benchmark report</h1><p>${escapeHtml(subtitle)}</p></header>
<main>
<section><h2>Matrix results</h2><p class="note">Medians over the measured runs of each cell; ratio = median peak tree RSS over the baseline's on the same workload.</p><div class="scroll">${matrixTable(data)}</div>
${failures.length ? `<p class="bad">${failures.map((c) => escapeHtml(`${c.workload} / ${c.target}: ${c.failures.length} failed (${[...new Set(c.failures)].join('; ')})`)).join('<br>')}</p>` : ''}</section>
${attributionSection(data)}
<div class="grid">
${charts.map(chartSection).join('\n')}
</div>
${differencesSection(data)}
</main>
<script>${chartJsSource()}</script>
<script type="application/json" id="chart-data">${scriptJson(charts)}</script>
<script>${BOOT}</script>
</body></html>
`;
}
