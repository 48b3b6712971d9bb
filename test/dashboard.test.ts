// The committed dashboard JSON is what src/dashboard/ builds (run `npm run dashboard` after a
// change); every series it reads is a documented metric or one of our recording rules, shown in
// the unit docs/metrics.md gives it; and it imports into any Grafana: no datasource uid, no URL
// written down, traces reached through the Jaeger datasource.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DASHBOARD_FILE, renderDashboard } from '../src/dashboard/main';
import { prometheusName, type PrometheusType } from '../src/export/exposition';
import { REPO } from './helpers/e2e';

interface Target {
  refId: string;
  expr?: string;
  datasource?: { type: string; uid: string };
  [field: string]: unknown;
}
interface Override {
  matcher: { id: string; options: string };
  properties: Array<{ id: string; value: unknown }>;
}
interface Panel {
  type: string;
  title: string;
  panels?: Panel[];
  targets?: Target[];
  datasource?: { type: string; uid: string };
  fieldConfig?: { defaults: { unit?: string; links?: Array<{ url: string }> }; overrides: Override[] };
}

const dashboard = JSON.parse(renderDashboard()) as {
  panels: Panel[];
  templating: { list: Array<{ name: string; type: string; query?: unknown; datasource?: { uid: string } }> };
};
const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
const docs = readFileSync(path.join(REPO, 'docs', 'metrics.md'), 'utf8');
const recordingYml = readFileSync(path.join(REPO, 'prometheus', 'rules', 'recording.yml'), 'utf8');

/** Metric names an expression reads (label names, functions and keywords left out). */
function namesIn(expr: string): string[] {
  const keywords = new Set(['by', 'on', 'without', 'group_left', 'max', 'sum', 'rate', 'ALERTS', 'and', 'or', 'label_join']);
  return [
    ...expr
      .replace(/\{[^}]*\}/g, '{}')
      .replace(/"[^"]*"/g, '')
      .replace(/\([^()]*\)\s*\(/g, '(')
      .matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?=\{|\s|$|\))/g),
  ]
    .map((m) => m[1])
    .filter((n) => !keywords.has(n) && !/^(cli|branch|workload|role|part|bucket|run|instance|v8js_heap_space_name|v8js_gc_type)$/.test(n));
}

/** Documented unit of each metric (Prometheus spelling), e.g. qwen_otel_tree_memory_peak_bytes → By. */
const documentedUnits = new Map(
  [...docs.matchAll(/^\| `([a-z0-9_.]+)` \| ([^|]+?) \| (gauge|counter|histogram) \|/gm)].map((m) => [
    prometheusName(m[1], m[2].trim(), m[3] as PrometheusType).replace(/_total$/, ''),
    m[2].trim(),
  ]),
);
/** Each recording rule and the expression it records. */
const recorded = new Map(
  [...recordingYml.matchAll(/record: (\S+)\n\s+expr: \|?\s*([\s\S]*?)(?=\n\s+(?:-|#)|\n*$)/g)].map((m) => [m[1], m[2]]),
);

/** The documented units behind a series name: a recording rule's come from what it reads. */
function unitsOf(name: string): string[] {
  if (recorded.has(name)) return namesIn(recorded.get(name)!).flatMap(unitsOf);
  const unit = documentedUnits.get(name) ?? documentedUnits.get(name.replace(/_(sum|count|bucket|total)$/, ''));
  return unit ? [unit] : [];
}

/** The Grafana unit a query's values must be shown in, from the documented units it reads. */
function expectedUnit(expr: string): string | null {
  const units = [...new Set(namesIn(expr).flatMap(unitsOf))];
  if (units.length !== 1) return null;
  const [unit] = units;
  if (/rate\([^)]*_count\b/.test(expr)) return 'ops';
  if (/rate\([^)]*_sum\b/.test(expr) && unit === 's') return 'percentunit';
  const averaged = /_sum\b[\s\S]*\/[\s\S]*_count\b/.test(expr);
  if (expr.includes('/') && !averaged) return 'percentunit';
  return ({ By: 'bytes', s: 's', 1: 'percentunit' } as Record<string, string>)[unit] ?? 'count';
}

/** The unit a panel shows one target's values in: its query override, its table column's, else the panel's. */
function shownUnit(panel: Panel, target: Target): string | undefined {
  const overrides = panel.fieldConfig?.overrides ?? [];
  const column = (panel.targets ?? []).length > 1 ? `Value #${target.refId}` : 'Value';
  const own = overrides.find(
    (o) =>
      (o.matcher.id === 'byFrameRefID' && o.matcher.options === target.refId) ||
      (panel.type === 'table' && o.matcher.id === 'byName' && o.matcher.options === column),
  );
  return (own?.properties.find((p) => p.id === 'unit')?.value as string | undefined) ?? panel.fieldConfig?.defaults.unit;
}

describe('the Grafana dashboard', () => {
  it('is generated: grafana/dashboards/qwen-otel.json matches src/dashboard/ (npm run dashboard)', () => {
    expect(readFileSync(DASHBOARD_FILE, 'utf8')).toBe(renderDashboard());
  });

  it('reads only metrics of docs/metrics.md and the recording rules', () => {
    const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr ?? ''));
    const unknown = [...new Set(exprs.flatMap(namesIn))].filter((n) => n !== 'ALERTS' && unitsOf(n).length === 0);
    expect(unknown).toEqual([]);
  });

  it('imports into any Grafana: datasources are variables, no uid and no URL written down', () => {
    const json = renderDashboard();
    expect(json).not.toMatch(/https?:\/\//);
    const variables = dashboard.templating.list;
    expect(variables.slice(0, 2).map((v) => [v.name, v.type, v.query])).toEqual([
      ['prometheus', 'datasource', 'prometheus'],
      ['jaeger', 'datasource', 'jaeger'],
    ]);
    const refs = [...json.matchAll(/"datasource": \{\s*"type": "(\w+)",\s*"uid": "([^"]*)"/g)].map((m) => `${m[1]}:${m[2]}`);
    expect(refs.length).toBeGreaterThan(50);
    expect([...new Set(refs)].sort()).toEqual(['jaeger:${jaeger}', 'prometheus:${prometheus}']);
  });

  it('gives every panel a unit, and every figure the unit docs/metrics.md gives it (tables: bytes as bytes)', () => {
    const wrong: string[] = [];
    for (const panel of panels.filter((p) => p.targets?.some((t) => t.datasource?.type === 'prometheus'))) {
      if (!panel.fieldConfig?.defaults.unit) wrong.push(`${panel.title}: no unit`);
      for (const target of panel.targets ?? []) {
        const expected = expectedUnit(target.expr ?? '');
        const shown = shownUnit(panel, target);
        const fits = expected === 'count' ? ['none', 'short'].includes(shown ?? '') : shown === expected;
        if (expected && !fits) wrong.push(`${panel.title} ${target.refId}: ${shown}, expected ${expected}`);
      }
    }
    expect(wrong).toEqual([]);
    // The table columns are named and each shows its own unit.
    const headline = panels.find((p) => p.title.startsWith('Headline figures'))!;
    expect(
      headline.fieldConfig!.overrides.map((o) => `${o.matcher.options}=${o.properties.map((p) => p.value).join(' ')}`).slice(0, 2),
    ).toEqual(['Value #A=tree RSS peak bytes', 'Value #B=duration s']);
  });

  it('plots a 0-1 utilization on its own percent axis, beside delays in seconds', () => {
    const loop = panels.find((p) => p.title === 'Event loop (live)')!;
    expect(loop.fieldConfig!.defaults.unit).toBe('s');
    expect(loop.fieldConfig!.overrides).toContainEqual({
      matcher: { id: 'byFrameRefID', options: 'B' },
      properties: [
        { id: 'unit', value: 'percentunit' },
        { id: 'custom.axisPlacement', value: 'right' },
        { id: 'min', value: 0 },
        { id: 'max', value: 1 },
      ],
    });
  });

  it("reaches each run's trace through the Jaeger datasource, in the dashboard itself", () => {
    const runs = panels.find((p) => p.title === 'Runs of $cli @ $branch')!;
    expect(runs.targets).toEqual([
      expect.objectContaining({
        datasource: { type: 'jaeger', uid: '${jaeger}' },
        queryType: 'search',
        service: '${cli}',
        tags: 'branch="${branch}"',
      }),
    ]);
    const duration = runs.fieldConfig!.overrides.find((o) => o.matcher.options.includes('duration'));
    expect(duration?.properties).toEqual([{ id: 'unit', value: 'µs' }]);
    const trace = panels.find((p) => p.type === 'traces')!;
    expect(trace.targets).toEqual([expect.objectContaining({ datasource: { type: 'jaeger', uid: '${jaeger}' }, query: '${trace}' })]);
    // A bar of "Peak tree RSS" and a trace ID of the runs table lead there, in this dashboard.
    const links = [
      ...panels.find((p) => p.title.startsWith('Peak tree RSS'))!.fieldConfig!.defaults.links!,
      ...runs.fieldConfig!.overrides.flatMap((o) =>
        o.properties.filter((p) => p.id === 'links').flatMap((p) => p.value as Array<{ url: string }>),
      ),
    ];
    expect(links.map((l) => l.url.split('&')[0])).toEqual([
      '/d/${__dashboard.uid}?var-cli=${__field.labels.cli}',
      '/d/${__dashboard.uid}?var-trace=${__value.raw}',
    ]);
    expect(dashboard.templating.list.find((v) => v.name === 'trace')?.type).toBe('textbox');
  });
});
