// The Prometheus text format (0.0.4), written from the collector's instruments (lean-meter.ts): one family per
// name even when several sessions report it (a repeated `# TYPE` line fails `promtool check
// metrics`), and names made the way the OpenTelemetry-to-Prometheus compatibility spec says:
// dots to underscores, the unit as a suffix (`By` → `_bytes`, `s` → `_seconds`, a gauge of `1`
// → `_ratio`), counters ending in `_total`. Apart from any transport: the shared endpoint and the
// Pushgateway body both use it.
import type { HistogramValue, MetricFamily } from './lean-meter';

/** One session's figures and the labels every one of its series carries. */
export interface ExpositionSource {
  families: MetricFamily[];
  labels: Record<string, string>;
  /** `target_info`'s labels (the whole resource); none: no `target_info` series for this source. */
  targetInfo?: Record<string, string>;
}

const UNIT_SUFFIXES: Record<string, string> = { By: 'bytes', s: 'seconds', ms: 'milliseconds', '%': 'percent' };

export type PrometheusType = 'gauge' | 'counter' | 'histogram';

/** The Prometheus name of an OpenTelemetry instrument (without the histogram's `_bucket` / `_sum` / `_count`). */
export function prometheusName(otelName: string, unit: string, type: PrometheusType): string {
  let name = sanitize(otelName);
  const suffix = unit === '1' ? (type === 'gauge' ? 'ratio' : '') : (UNIT_SUFFIXES[unit] ?? '');
  if (suffix && !name.endsWith(`_${suffix}`)) name += `_${suffix}`;
  if (type === 'counter' && !name.endsWith('_total')) name += '_total';
  return name;
}

interface Family {
  name: string;
  help: string;
  type: string;
  lines: string[];
}

export function serializeExposition(sources: ExpositionSource[]): string {
  const families = new Map<string, Family>();
  const targets: string[] = [];
  for (const source of sources) {
    // The source's labels are written once per source and appended to each of its samples: a
    // scrape then allocates one string per sample (the collector serves every session on it).
    const own = labelText(source.labels);
    if (source.targetInfo) targets.push(sample('target_info', joinLabels(labelText(source.targetInfo, source.labels), own), 1));
    for (const metric of source.families) addMetric(families, metric, own, source.labels);
  }
  let out = targets.length > 0 ? `# HELP target_info Target metadata\n# TYPE target_info gauge\n${targets.join('')}` : '';
  for (const family of families.values()) {
    if (family.lines.length === 0) continue;
    out += `# HELP ${family.name} ${escapeHelp(family.help)}\n# TYPE ${family.name} ${family.type}\n${family.lines.join('')}`;
  }
  return out;
}

function addMetric(families: Map<string, Family>, metric: MetricFamily, own: string, ownLabels: Record<string, string>): void {
  const { type } = metric;
  const name = prometheusName(metric.name, metric.unit, type);
  let family = families.get(name);
  if (!family) {
    family = { name, help: metric.description || metric.name, type, lines: [] };
    families.set(name, family);
  } else if (family.type !== type) {
    return; // Two instruments of different kinds under one name: the first one's kind is kept.
  }
  for (const point of metric.points) {
    const labels = joinLabels(labelText(point.attributes, ownLabels), own);
    if (typeof point.value === 'number') family.lines.push(sample(name, labels, point.value));
    else family.lines.push(histogramLines(name, labels, point.value));
  }
}

function histogramLines(name: string, labels: string, h: HistogramValue): string {
  let out = '';
  let cumulative = 0;
  h.boundaries.forEach((bound, i) => {
    cumulative += h.counts[i] ?? 0;
    out += sample(`${name}_bucket`, joinLabels(labels, `le="${formatValue(bound)}"`), cumulative);
  });
  out += sample(`${name}_bucket`, joinLabels(labels, 'le="+Inf"'), h.count);
  out += sample(`${name}_sum`, labels, h.sum);
  out += sample(`${name}_count`, labels, h.count);
  return out;
}

function sample(name: string, labels: string, value: number): string {
  return `${name}${labels ? `{${labels}}` : ''} ${formatValue(value)}\n`;
}

/** `k="v",...` of the attributes, leaving out keys the source's own labels set. */
function labelText(attributes: Record<string, unknown>, skip: Record<string, string> = {}): string {
  let out = '';
  for (const key in attributes) {
    const v = attributes[key];
    if (v === undefined || key in skip) continue;
    out += `${out ? ',' : ''}${sanitize(key)}="${escapeLabel(typeof v === 'string' ? v : JSON.stringify(v))}"`;
  }
  return out;
}

function joinLabels(a: string, b: string): string {
  return a && b ? `${a},${b}` : a || b;
}

function sanitize(name: string): string {
  const clean = name.replace(/[^a-zA-Z0-9_]/g, '_').replace(/_{2,}/g, '_');
  return /^[0-9]/.test(clean) ? `_${clean}` : clean;
}

function formatValue(value: number): string {
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function escapeLabel(text: string): string {
  return escapeHelp(text).replace(/"/g, '\\"');
}
