// The committed dashboard JSON is what src/dashboard/ builds (run `npm run dashboard` after a
// change), and every series it reads is a documented metric or one of our recording rules.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DASHBOARD_FILE, renderDashboard } from '../src/dashboard/main';
import { REPO } from './helpers/e2e';

describe('the Grafana dashboard', () => {
  it('is generated: grafana/dashboards/qwen-otel.json matches src/dashboard/ (npm run dashboard)', () => {
    expect(readFileSync(DASHBOARD_FILE, 'utf8')).toBe(renderDashboard());
  });

  it('reads only metrics of docs/metrics.md and the recording rules', () => {
    const documented = new Set(
      [...readFileSync(path.join(REPO, 'docs', 'metrics.md'), 'utf8').matchAll(/^\| `([a-z0-9_.]+)` \|/gm)].map((m) => m[1].replace(/\./g, '_')),
    );
    const recorded = new Set([...readFileSync(path.join(REPO, 'prometheus', 'rules', 'recording.yml'), 'utf8').matchAll(/record: (\S+)/g)].map((m) => m[1]));
    const dashboard = JSON.parse(renderDashboard());
    const exprs: string[] = dashboard.panels.flatMap((p: { panels?: unknown[] }) => [p, ...(p.panels ?? [])])
      .flatMap((p: { targets?: Array<{ expr?: string }> }) => (p.targets ?? []).map((t) => t.expr ?? ''));
    const keywords = new Set(['by', 'on', 'without', 'group_left', 'max', 'sum', 'rate', 'ALERTS', 'and', 'or']);
    const names = new Set(exprs.flatMap((e) => [...e.replace(/\{[^}]*\}/g, '{}').replace(/"[^"]*"/g, '').matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?=\{|\s|$|\))/g)].map((m) => m[1])));
    const unknown = [...names].filter((n) => !keywords.has(n) && !/^(cli|branch|workload|role|part|bucket|run|instance|v8js_heap_space_name|v8js_gc_type)$/.test(n))
      .filter((n) => !recorded.has(n) && !documented.has(n) && !documented.has(n.replace(/_(sum|count|bucket|total)$/, '')));
    expect(unknown).toEqual([]);
  });
});
