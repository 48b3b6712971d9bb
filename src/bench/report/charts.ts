// Chart.js configurations (plain JSON) for report.html, one function per chart.
// Byte figures are drawn in MiB (KiB for request sizes); `ranges` on a dataset gives the tooltip
// its min … max, read by the small script in html.ts.
import { KIND_LABELS, ROLE_LABELS } from '../results/explain';
import { BUCKETS, REQUEST_PARTS, ROLES } from '../results/figures';
import { topOf } from '../results/heap-profile';
import { median, type ReportCell, type ReportData } from './model';

export interface ChartSpec {
  id: string;
  title: string;
  note: string;
  config: Record<string, unknown>;
}

const MiB = 1024 * 1024;
const KiB = 1024;
/** Okabe-Ito, readable by colour-blind readers, then two greys. */
export const PALETTE = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#CC79A7',
  '#56B4E9',
  '#D55E00',
  '#F0E442',
  '#000000',
  '#999999',
  '#BBBBBB',
  '#666666',
];

/** Bytes in the unit that suits the largest value: B, KiB or MiB. */
function byteUnit(values: Array<number | null>): [number, string] {
  const max = Math.max(0, ...values.map((v) => v ?? 0));
  return max >= 10 * MiB ? [MiB, 'MiB'] : max >= 10 * KiB ? [KiB, 'KiB'] : [1, 'bytes'];
}

/** Datasets with nothing to draw only crowd the legend. */
function drawn<T extends { data: Array<number | null> }>(datasets: T[]): T[] {
  return datasets.filter((d) => d.data.some((v) => v !== null && v !== 0));
}

const cellLabel = (c: ReportCell): string => `${c.workload} · ${c.target}`;
const scaled = (v: number | null, unit: number): number | null => (v === null ? null : Math.round((v / unit) * 10) / 10);

function bar(labels: string[], datasets: Array<Record<string, unknown>>, yTitle: string, stacked = false): Record<string, unknown> {
  return {
    type: 'bar',
    data: { labels, datasets: datasets.map((d, i) => ({ backgroundColor: PALETTE[i % PALETTE.length], ...d })) },
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: { x: { stacked }, y: { stacked, beginAtZero: true, title: { display: true, text: yTitle } } },
      plugins: { legend: { position: 'bottom' } },
    },
  };
}

export function peakByWorkload(data: ReportData): ChartSpec {
  const datasets = data.targets.map((target) => {
    const cells = data.workloads.map((w) => data.cells.find((c) => c.workload === w && c.target === target));
    return {
      label: target,
      data: cells.map((c) => (c ? scaled(median(c, 'tree_rss_peak'), MiB) : null)),
      ranges: cells.map((c) =>
        c?.stats.tree_rss_peak ? [scaled(c.stats.tree_rss_peak.min, MiB), scaled(c.stats.tree_rss_peak.max, MiB)] : null,
      ),
    };
  });
  return {
    id: 'peak',
    title: 'Peak process-tree RSS per workload',
    note: 'Median over the measured runs; the tooltip gives min … max.',
    config: bar(data.workloads, datasets, 'MiB'),
  };
}

export function rssHeapExternal(data: ReportData): ChartSpec {
  const figures: Array<[string, string]> = [
    ['tree_rss_peak', 'tree RSS peak'],
    ['root_rss_peak', 'root RSS peak'],
    ['hwm_max', 'largest process peak'],
    ['heap_total_peak', 'V8 heap reserved'],
    ['heap_used_peak', 'V8 heap in use'],
    ['external_peak', 'external'],
  ];
  const datasets = figures.map(([name, label]) => ({ label, data: data.cells.map((c) => scaled(median(c, name), MiB)) }));
  return {
    id: 'rss-heap',
    title: 'RSS vs V8 heap vs external',
    note: 'Medians of each peak (peaks of one process for V8 figures; they need not coincide).',
    config: bar(data.cells.map(cellLabel), datasets, 'MiB'),
  };
}

/** One stacked bar per cell: the medians of `prefix.name` for each name, in MiB, labelled in words. */
function stackedByCell(
  data: ReportData,
  prefix: string,
  names: readonly string[],
  labels: Record<string, string>,
  head: Omit<ChartSpec, 'config'>,
): ChartSpec {
  const datasets = drawn(
    names.map((name) => ({ label: labels[name] ?? name, data: data.cells.map((c) => scaled(median(c, `${prefix}.${name}`), MiB)) })),
  );
  return { ...head, config: bar(data.cells.map(cellLabel), datasets, 'MiB', true) };
}

export function bucketsAtPeak(data: ReportData): ChartSpec {
  return stackedByCell(data, 'bucket', BUCKETS, KIND_LABELS, {
    id: 'buckets',
    title: 'Where the memory is at the tree peak',
    note: 'The diagnosis buckets (median of each): V8 heap, external, the rest of the CLI processes, and child processes by role.',
  });
}

export function memoryByRole(data: ReportData): ChartSpec {
  return stackedByCell(data, 'role_peak', ROLES, ROLE_LABELS, {
    id: 'roles',
    title: 'Memory by process role',
    note: 'Peak RSS of each role (largest sampled sum of its processes), median per cell.',
  });
}

/**
 * The largest request by part. A cell whose records predate `peak_request` (older files) keeps the
 * two-part view: its retained tool results, and the rest of the request not broken down.
 */
export function requestComposition(data: ReportData): ChartSpec {
  const [unit, unitName] = byteUnit(data.cells.map((c) => median(c, 'peak_request_bytes')));
  const broken = data.cells.map((c) => median(c, 'request_system_bytes') !== null);
  const parts = REQUEST_PARTS.map(({ figure, label }) => ({
    label,
    data: data.cells.map((c, i) => (broken[i] || figure === 'retained_tool_result_bytes' ? scaled(median(c, figure), unit) : null)),
  }));
  const whole = data.cells.map((c, i) => {
    const total = median(c, 'peak_request_bytes');
    return broken[i] || total === null ? null : scaled(total - (median(c, 'retained_tool_result_bytes') ?? 0), unit);
  });
  return {
    id: 'requests',
    title: 'Request composition (largest request)',
    note: "Each run's largest request by part (median of each part, so a bar need not equal the median total); runs recorded before the parts were kept show the rest of the request as one part.",
    config: bar(
      data.cells.map(cellLabel),
      drawn([...parts, { label: 'system, tool schemas, messages (not broken down)', data: whole }]),
      unitName,
      true,
    ),
  };
}

export function retainedToolResults(data: ReportData): ChartSpec {
  const [unit, unitName] = byteUnit(data.cells.map((c) => median(c, 'retained_tool_result_bytes')));
  const config = bar(
    data.cells.map(cellLabel),
    [
      { label: 'total retained', data: data.cells.map((c) => scaled(median(c, 'retained_tool_result_bytes'), unit)) },
      { label: 'largest', data: data.cells.map((c) => scaled(median(c, 'largest_tool_result'), unit)) },
      {
        label: 'count',
        type: 'line',
        yAxisID: 'count',
        data: data.cells.map((c) => median(c, 'retained_tool_results')),
        borderColor: PALETTE[7],
        pointRadius: 5,
      },
    ],
    unitName,
  );
  (config.options as { scales: Record<string, unknown> }).scales.count = {
    position: 'right',
    beginAtZero: true,
    title: { display: true, text: 'results' },
    grid: { drawOnChartArea: false },
  };
  return {
    id: 'tool-results',
    title: 'Retained tool results',
    note: 'What the largest request carried back: total and largest size, and how many.',
    config,
  };
}

export function timelines(data: ReportData): ChartSpec[] {
  return data.workloads.map((workload, w) => {
    const datasets = data.cells
      .filter((c) => c.workload === workload && c.timeline.length > 0)
      .map((c, i) => ({
        label: c.target,
        data: c.timeline.map((p) => ({ x: Math.round(p[0]) / 1000, y: scaled(p[1], MiB) })),
        borderColor: PALETTE[data.targets.indexOf(c.target) % PALETTE.length] ?? PALETTE[i],
        backgroundColor: PALETTE[data.targets.indexOf(c.target) % PALETTE.length] ?? PALETTE[i],
        pointRadius: 0,
        borderWidth: 2,
      }));
    return {
      id: `timeline-${w}`,
      title: `Tree RSS over time: ${workload}`,
      note: "The run nearest each target's median peak.",
      config: {
        type: 'line',
        data: { datasets },
        options: {
          animation: false,
          maintainAspectRatio: false,
          scales: {
            x: { type: 'linear', title: { display: true, text: 's' } },
            y: { beginAtZero: true, title: { display: true, text: 'MiB' } },
          },
          plugins: { legend: { position: 'bottom' } },
        },
      },
    };
  });
}

/** Runs made with QWEN_OTEL_HEAP_PROFILE: one stacked bar per cell, the packages that fill its largest profiled heap. */
export function heapByPackage(data: ReportData): ChartSpec[] {
  const cells = data.cells.filter((c) => c.heap);
  if (cells.length === 0) return [];
  const totals = new Map<string, number>();
  for (const c of cells) for (const [name, bytes] of topOf(c.heap!, 'package', 100)) totals.set(name, (totals.get(name) ?? 0) + bytes);
  const named = [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, HEAP_PACKAGES_DRAWN)
    .map(([name]) => name);
  const entries = (c: ReportCell): Record<string, number> => c.heap!.chosen.profile.by_package_bytes;
  const datasets = named.map((name) => ({ label: name, data: cells.map((c) => scaled(entries(c)[name] ?? 0, MiB)) }));
  datasets.push({
    label: 'the rest',
    data: cells.map((c) => scaled(c.heap!.chosen.sampled - named.reduce((sum, name) => sum + (entries(c)[name] ?? 0), 0), MiB)),
  });
  return [
    {
      id: 'heap-packages',
      title: 'What fills the V8 heap, by package',
      note: "QWEN_OTEL_HEAP_PROFILE: the live heap at the highest capture of each cell's largest profiled process (the run nearest the median); each bar adds up to its sampled total.",
      config: bar(cells.map(cellLabel), drawn(datasets), 'MiB', true),
    },
  ];
}

const HEAP_PACKAGES_DRAWN = 9;

export function allCharts(data: ReportData): ChartSpec[] {
  return [
    peakByWorkload(data),
    rssHeapExternal(data),
    bucketsAtPeak(data),
    ...heapByPackage(data),
    memoryByRole(data),
    requestComposition(data),
    retainedToolResults(data),
    ...timelines(data),
  ];
}
