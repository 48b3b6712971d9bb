// report.md, shaped like the seed's benchmark report: summary, environment, matrix results,
// where the memory is, runtime and token signals, caveats.
import { METHOD_NOTE } from '../attribute/table';
import { DECOMPOSITION_RULE } from '../results/decompose';
import { KIND_LABELS } from '../results/explain';
import type { CellStats } from '../results/cells';
import { BUCKETS, ROLES, findFigure, type Unit } from '../results/figures';
import { formatBytes, formatRatio, formatRatioRange, formatValue, markdownTable } from '../results/format';
import { topOf } from '../results/heap-profile';
import { median, type ReportCell, type ReportData } from './model';

const MiB = 1024 * 1024;

function value(stats: CellStats | null, unit: Unit): string {
  return stats ? formatValue(stats.median, unit) : '—';
}

function range(stats: CellStats | null): string {
  if (!stats) return '—';
  return `${(stats.median / MiB).toFixed(1)} MiB (${(stats.min / MiB).toFixed(1)} … ${(stats.max / MiB).toFixed(1)})`;
}

function summary(data: ReportData): string[] {
  const lines = ['## Summary', ''];
  for (const target of data.targets) {
    const peaks = data.cells
      .filter((c) => c.target === target)
      .map((c) => median(c, 'tree_rss_peak'))
      .filter((v): v is number => v !== null);
    if (peaks.length === 0) {
      lines.push(`- \`${target}\`: no run record (not run under qwen-otel, or every run failed).`);
      continue;
    }
    lines.push(
      `- \`${target}\` median process-tree RSS peak: ${formatBytes(Math.min(...peaks))}${peaks.length > 1 ? ` – ${formatBytes(Math.max(...peaks))}` : ''} over ${peaks.length} workload${peaks.length > 1 ? 's' : ''}.`,
    );
  }
  for (const target of data.targets.filter((t) => t !== data.baseline)) {
    const ratios = data.cells.filter((c) => c.target === target && c.ratioToBaseline !== null).map((c) => c.ratioToBaseline as number);
    if (ratios.length > 0) {
      const lo = Math.min(...ratios);
      const hi = Math.max(...ratios);
      lines.push(`- \`${target}\` / \`${data.baseline}\`: ${formatRatioRange(lo, hi)} on median peak tree RSS.`);
    }
  }
  return [...lines, ''];
}

function environment(data: ReportData): string[] {
  const g = data.generatedFrom;
  const h = data.host;
  const rows = [
    ['Runs', `${g.runs} measured (${g.warmups} warm-up runs excluded)`],
    ['Time', g.first && g.last ? `${g.first} … ${g.last}` : '—'],
    ['Matrix', g.matrixIds.join(', ')],
    ['Host', h ? `${h.platform}, Node ${h.node}, ${h.cpus} CPUs, ${formatBytes(h.total_memory_bytes)}` : '—'],
    ['Targets', data.targets.map((t) => `\`${t}\`${versionOf(data, t)}`).join(', ')],
    ['Baseline for ratios', `\`${data.baseline}\``],
    ['Headline metric', 'process-tree RSS peak from the run record (kernel VmHWM per process and sampled sums)'],
  ];
  return ['## Test environment', '', markdownTable(['Item', 'Value'], rows), ''];
}

function versionOf(data: ReportData, target: string): string {
  const version = data.cells.find((c) => c.target === target && c.cliVersion)?.cliVersion;
  return version ? ` (version ${version})` : '';
}

function matrix(data: ReportData): string[] {
  const rows = data.cells.map((c) => [
    c.workload,
    `\`${c.target}\``,
    range(c.stats.tree_rss_peak),
    formatRatio(c.ratioToBaseline),
    value(c.stats.root_rss_peak, 'bytes'),
    value(c.stats.heap_used_peak, 'bytes'),
    value(c.stats.external_peak, 'bytes'),
    `${c.runs}${c.failures.length ? ` (+${c.failures.length} failed)` : ''}`,
  ]);
  const header = [
    'Workload',
    'Target',
    'Tree peak, median (min … max)',
    `/ ${data.baseline}`,
    'Root peak',
    'V8 heap peak',
    'External peak',
    'Runs',
  ];
  return ['## Matrix results', '', markdownTable(header, rows, [false, false, true, true, true, true, true, true]), ''];
}

function buckets(data: ReportData): string[] {
  const rows = data.cells.map((c) => [c.workload, `\`${c.target}\``, ...BUCKETS.map((b) => value(c.stats[`bucket.${b}`], 'bytes'))]);
  const roleRows = data.cells.map((c) => [c.workload, `\`${c.target}\``, ...ROLES.map((r) => value(c.stats[`role_peak.${r}`], 'bytes'))]);
  return [
    '## Where the memory is',
    '',
    "At the sampled tree peak of each run, the diagnosis splits the tree's RSS into buckets that add up to it (medians per bucket below, so a row need not add up to the median peak):",
    '',
    markdownTable(['Workload', 'Target', ...BUCKETS.map((b) => KIND_LABELS[b] ?? b)], rows, [false, false, ...BUCKETS.map(() => true)]),
    '',
    "Peak RSS by process role (median of each role's largest sampled sum):",
    '',
    markdownTable(['Workload', 'Target', ...ROLES], roleRows, [false, false, ...ROLES.map(() => true)]),
    '',
    ...data.differences.flatMap((d) => [
      `**${d.workload}: \`${d.target}\` vs \`${data.baseline}\`**`,
      '',
      ...d.words.map((w) => `- ${w}`),
      '',
    ]),
    `For the exact decomposition tables and a verdict, use \`qwen-otel compare\` (${DECOMPOSITION_RULE}).`,
    '',
  ];
}

/** Runs made with QWEN_OTEL_HEAP_PROFILE: the largest packages of each cell's largest profiled process. */
function heapProfiles(data: ReportData): string[] {
  const cells = data.cells.filter((c) => c.heap);
  if (cells.length === 0) return [];
  const rows = cells.map((c) => {
    const h = c.heap!;
    const top = topOf(h, 'package', 6)
      .map(([name, bytes]) => `${name} ${formatBytes(bytes)}`)
      .join(', ');
    const pause = h.pauseMedianMs === null ? '—' : `${h.pauseMedianMs.toFixed(0)} ms (max ${(h.pauseMaxMs ?? 0).toFixed(0)})`;
    return [
      c.workload,
      `\`${c.target}\``,
      h.chosen.role,
      formatBytes(h.chosen.sampled),
      `${(h.attributedShare * 100).toFixed(0)} %`,
      pause,
      top,
    ];
  });
  return [
    '## What fills the V8 heap',
    '',
    "QWEN_OTEL_HEAP_PROFILE: V8's sampling heap profiler, captured at each process's heap high points; per cell, the run nearest the median sampled heap and its process with the largest capture. Attributed = not `(unattributed)`; a capture's pause includes the garbage collection V8 runs before it reports.",
    '',
    markdownTable(
      ['Workload', 'Target', 'Process', 'Sampled live heap', 'Attributed', 'Capture pause, median (max)', 'Largest packages'],
      rows,
      [false, false, false, true, true, true, false],
    ),
    '',
  ];
}

const SIGNALS = [
  'duration',
  'turns',
  'tokens_input',
  'tokens_output',
  'tool_calls',
  'peak_request_bytes',
  'history_items',
  'retained_tool_results',
  'retained_tool_result_bytes',
  'largest_tool_result',
  'subagents',
  'truncations',
  'saved_output_recoveries',
];

function signals(data: ReportData): string[] {
  const figures = SIGNALS.map((name) => findFigure(name)!);
  const rows = data.cells.map((c) => [c.workload, `\`${c.target}\``, ...figures.map((f) => value(c.stats[f.name], f.unit))]);
  return [
    '## Runtime and token signals',
    '',
    markdownTable(['Workload', 'Target', ...figures.map((f) => f.label)], rows, [false, false, ...figures.map(() => true)]),
    '',
  ];
}

function caveats(data: ReportData): string[] {
  const lines = ['## Caveats', ''];
  const counts = [...new Set(data.cells.map((c) => c.runs))].sort((a, b) => a - b);
  lines.push(
    `- ${counts.join(' or ')} measured run${counts.length === 1 && counts[0] === 1 ? '' : 's'} per cell; min … max shows the spread. Warm-up runs are excluded.`,
  );
  for (const c of data.cells.filter((cell) => cell.failures.length > 0)) {
    lines.push(`- ${c.workload} / \`${c.target}\`: ${c.failures.length} failed run(s): ${[...new Set(c.failures)].join('; ')}.`);
  }
  for (const c of data.cells.filter((cell: ReportCell) => cell.runs > 0 && cell.withRecord < cell.runs)) {
    lines.push(
      `- ${c.workload} / \`${c.target}\`: ${c.runs - c.withRecord} run(s) without a run record (only the harness's external figures).`,
    );
  }
  lines.push('- Sums of RSS count shared pages once per process (RSS, not PSS).');
  return [...lines, ''];
}

function attributions(data: ReportData): string[] {
  if (data.attributions.length === 0) return [];
  return [
    '## Attribution by configuration item',
    '',
    METHOD_NOTE,
    '',
    ...data.attributions.flatMap((t) => [
      `**${t.caption}**`,
      '',
      markdownTable(
        t.header,
        t.rows,
        t.header.map((_, i) => i > 0),
      ),
      '',
    ]),
  ];
}

export function renderMarkdownReport(data: ReportData): string {
  return [
    '# qwen-otel benchmark report',
    '',
    ...summary(data),
    ...environment(data),
    ...matrix(data),
    ...buckets(data),
    ...attributions(data),
    ...heapProfiles(data),
    ...signals(data),
    ...caveats(data),
  ].join('\n');
}
