// Small builders over @grafana/grafana-foundation-sdk: every panel of the qwen-otel dashboard
// is one of these shapes, reading Prometheus (datasource uid "prometheus", provisioned by
// grafana/provisioning/datasources/qwen-otel.yml).
import * as barchart from '@grafana/grafana-foundation-sdk/barchart';
import * as bargauge from '@grafana/grafana-foundation-sdk/bargauge';
import {
  BarGaugeDisplayMode,
  BarGaugeNamePlacement,
  LegendDisplayMode,
  LegendPlacement,
  ReduceDataOptionsBuilder,
  StackingConfigBuilder,
  StackingMode,
  VisibilityMode,
  VizLegendOptionsBuilder,
  VizOrientation,
} from '@grafana/grafana-foundation-sdk/common';
import { ThresholdsConfigBuilder, ThresholdsMode, type DataSourceRef } from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as text from '@grafana/grafana-foundation-sdk/text';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';

export const PROMETHEUS: DataSourceRef = { type: 'prometheus', uid: 'prometheus' };

/** One PromQL query of a panel: what it asks and how its series are named. */
export interface Query {
  expr: string;
  legend?: string;
}

export interface PanelSpec {
  title: string;
  /** The question the panel answers, shown as its description. */
  question: string;
  queries: Query[];
  unit?: string;
  width?: number;
  height?: number;
}

const REF_IDS = 'ABCDEFGHIJ';

function targets(queries: Query[], instant: boolean): DataqueryBuilder[] {
  return queries.map((q, i) => {
    const target = new DataqueryBuilder().refId(REF_IDS[i]).expr(q.expr).legendFormat(q.legend ?? '__auto').datasource(PROMETHEUS);
    return instant ? target.instant() : target.range();
  });
}

/** What every panel of a spec shares: title, question, datasource, unit, size, queries (as tables: `table`). */
function framed<P extends barchart.PanelBuilder | bargauge.PanelBuilder | timeseries.PanelBuilder>(panel: P, spec: PanelSpec, instant: boolean, table = false): P {
  panel.title(spec.title).description(spec.question).datasource(PROMETHEUS).unit(spec.unit ?? 'bytes').span(spec.width ?? 12).height(spec.height ?? 8);
  for (const target of targets(spec.queries, instant)) panel.withTarget(table ? target.format('table' as never) : target);
  return panel;
}

/** The latest value of each series, as horizontal bars: comparisons across cli × branch. */
export function bars(spec: PanelSpec, options: { thresholds?: Array<{ value: number | null; color: string }> } = {}): bargauge.PanelBuilder {
  return framed(new bargauge.PanelBuilder(), spec, true)
    .orientation(VizOrientation.Horizontal)
    .displayMode(BarGaugeDisplayMode.Gradient)
    .namePlacement(BarGaugeNamePlacement.Left)
    .showUnfilled(true)
    .reduceOptions(new ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .thresholds(new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps(options.thresholds ?? [{ value: null, color: 'blue' }]));
}

/**
 * One horizontal stacked bar per run, one segment per value of the label `segment`. The query
 * (instant, as a table) labels each run `run`; the matrix transformation turns its rows into one
 * column per segment.
 */
export function stackedBars(spec: PanelSpec, segment: string): barchart.PanelBuilder {
  return framed(new barchart.PanelBuilder(), spec, true, true)
    .orientation(VizOrientation.Horizontal)
    .stacking(StackingMode.Normal)
    .showValue(VisibilityMode.Never)
    .fillOpacity(80)
    .legend(new VizLegendOptionsBuilder().displayMode(LegendDisplayMode.List).placement(LegendPlacement.Bottom).showLegend(true))
    .withTransformation({ id: 'groupingToMatrix', options: { columnField: segment, rowField: 'run', valueField: 'Value', emptyValue: 'zero' } });
}

/** Series over time: live sessions. */
export function timeline(spec: PanelSpec, options: { stacked?: boolean; max?: number } = {}): timeseries.PanelBuilder {
  const panel = framed(new timeseries.PanelBuilder(), spec, false)
    .fillOpacity(options.stacked ? 40 : 8)
    .showPoints('never' as never)
    .legend(new VizLegendOptionsBuilder().displayMode(LegendDisplayMode.Table).placement(LegendPlacement.Bottom).showLegend(true).calcs(['max', 'lastNotNull']));
  if (options.stacked) panel.stacking(new StackingConfigBuilder().mode(StackingMode.Normal));
  if (options.max !== undefined) panel.max(options.max);
  return panel;
}

/** Several figures side by side, one row per label set (instant queries merged into a table). */
export function figuresTable(spec: PanelSpec, columns: string[]): table.PanelBuilder {
  const rename: Record<string, string> = { Time: '' };
  spec.queries.forEach((_, i) => (rename[`Value #${REF_IDS[i]}`] = columns[i]));
  const panel = new table.PanelBuilder()
    .title(spec.title)
    .description(spec.question)
    .datasource(PROMETHEUS)
    .span(spec.width ?? 24)
    .height(spec.height ?? 8)
    .withTransformation({ id: 'merge', options: {} })
    .withTransformation({ id: 'organize', options: { excludeByName: { Time: true }, renameByName: rename } });
  for (const target of targets(spec.queries, true)) panel.withTarget(target.format('table' as never));
  return panel;
}

export function markdown(title: string, content: string, width = 24, height = 4): text.PanelBuilder {
  return new text.PanelBuilder().title(title).mode(text.TextMode.Markdown).content(content).span(width).height(height);
}
