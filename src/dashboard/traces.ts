// The way from a figure to its runs' traces, through whichever Jaeger datasource the dashboard's
// `jaeger` variable picks (no URL written down): a table of recent runs per cli and branch from
// Jaeger's search, and the chosen run's trace drawn in the dashboard itself, so an anonymous
// Viewer (who may not open Explore) follows it too.
import type { Builder, Dataquery } from '@grafana/grafana-foundation-sdk/cog';
import { DashboardLinkBuilder, type DataSourceRef, PanelBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import * as table from '@grafana/grafana-foundation-sdk/table';

export const JAEGER: DataSourceRef = { type: 'jaeger', uid: '${jaeger}' };

/** The dashboard's variables a link carries along; `except` is set by the link itself. */
const KEPT = ['prometheus', 'jaeger', 'cli', 'branch', 'workload', 'baseline', 'trace'];

/** A link to this same dashboard (whatever uid an import gave it) with some variables set. */
export function thisDashboard(title: string, set: Record<string, string>): DashboardLinkBuilder {
  const kept = KEPT.filter((name) => !(name in set)).map((name) => `\${${name}:queryparam}`);
  const params = [...Object.entries(set).map(([name, value]) => `var-${name}=${value}`), ...kept, '${__url_time_range}'];
  return new DashboardLinkBuilder(title).url(`/d/\${__dashboard.uid}?${params.join('&')}`);
}

/** A Jaeger query (the SDK has no builder for this datasource). Fields: Grafana's JaegerQuery. */
function jaegerQuery(fields: Record<string, unknown>): Builder<Dataquery> {
  return { build: () => ({ refId: 'A', datasource: JAEGER, ...fields }) as unknown as Dataquery };
}

/**
 * Recent runs of one cli and branch (the panel repeats per branch inside a row repeated per cli):
 * Jaeger's search by service (the `cli` label is the service name) and the resource attribute
 * `branch`. A trace ID opens that trace below.
 */
export function recentRuns(): table.PanelBuilder {
  return (
    new table.PanelBuilder()
      .title('Runs of $cli @ $branch')
      .description(
        'The latest runs in Jaeger (service $cli, resource attribute branch=$branch). Click a trace ID to draw that run below, phase by phase.',
      )
      .datasource(JAEGER)
      .withTarget(jaegerQuery({ queryType: 'search', service: '${cli}', tags: 'branch="${branch}"', limit: 20 }))
      // Jaeger's search gives each trace's duration in microseconds (a panel-wide unit would
      // also reformat the start-time column).
      .overrideByRegexp('^(duration|Duration)$', [{ id: 'unit', value: 'µs' }])
      .overrideByRegexp('^(traceID|Trace ID)$', [
        { id: 'links', value: [thisDashboard('Show this run below', { trace: '${__value.raw}' }).build()] },
      ])
      .repeat('branch')
      .repeatDirection('h')
      .maxPerRow(3)
      .span(8)
      .height(7)
  );
}

/** One run's trace: session → processes → phases, each span with memory at both ends. */
export function traceView(): PanelBuilder {
  return new PanelBuilder()
    .type('traces')
    .title('Run $trace')
    .description(
      'The trace chosen above, or the `trace_id` of a run record pasted into the Trace ID variable: `session` → `process cli` → workers, MCP servers, shells → phases (`chat`, `execute_tool`, ...), every span with the memory at its start and end.',
    )
    .datasource(JAEGER)
    .withTarget(jaegerQuery({ query: '${trace}' }))
    .span(24)
    .height(14);
}
