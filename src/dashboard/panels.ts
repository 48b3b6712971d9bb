// Small builders over @grafana/grafana-foundation-sdk: every panel of the qwen-otel dashboard
// is one of these shapes. They read whichever Prometheus the dashboard's `prometheus` variable
// picks (a datasource variable: no uid is written down, so the dashboard imports anywhere).
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

export const PROMETHEUS: DataSourceRef = { type: 'prometheus', uid: '${prometheus}' };

/** One PromQL query of a panel: what it asks, how its series are named, and their unit. */
export interface Query {
  expr: string;
  legend?: string;
  /** Grafana unit of this query's values when it differs from the panel's (bytes by default). */
  unit?: string;
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
    const target = new DataqueryBuilder()
      .refId(REF_IDS[i])
      .expr(q.expr)
      .legendFormat(q.legend ?? '__auto')
      .datasource(PROMETHEUS);
    return instant ? target.instant() : target.range();
  });
}

type UnitPanel = barchart.PanelBuilder | bargauge.PanelBuilder | timeseries.PanelBuilder;

/** What every panel of a spec shares: title, question, datasource, units, size, queries (as tables: `table`). */
function framed<P extends UnitPanel>(panel: P, spec: PanelSpec, instant: boolean, table = false): P {
  const unit = spec.unit ?? 'bytes';
  panel
    .title(spec.title)
    .description(spec.question)
    .datasource(PROMETHEUS)
    .unit(unit)
    .span(spec.width ?? 12)
    .height(spec.height ?? 8);
  for (const target of targets(spec.queries, instant)) panel.withTarget(table ? target.format('table' as never) : target);
  spec.queries.forEach((q, i) => {
    if (q.unit && q.unit !== unit) panel.overrideByQuery(REF_IDS[i], unitProperties(q.unit, panel instanceof timeseries.PanelBuilder));
  });
  return panel;
}

/** A second unit on a time series gets its own axis, on the right; a 0-1 share spans 0-100 %. */
function unitProperties(unit: string, timeSeries: boolean): Array<{ id: string; value: unknown }> {
  const properties: Array<{ id: string; value: unknown }> = [{ id: 'unit', value: unit }];
  if (timeSeries) properties.push({ id: 'custom.axisPlacement', value: 'right' });
  if (timeSeries && unit === 'percentunit') properties.push({ id: 'min', value: 0 }, { id: 'max', value: 1 });
  return properties;
}

/** The latest value of each series, as horizontal bars: comparisons across cli × branch. */
export function bars(
  spec: PanelSpec,
  options: { thresholds?: Array<{ value: number | null; color: string }> } = {},
): bargauge.PanelBuilder {
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
    .withTransformation({
      id: 'groupingToMatrix',
      options: { columnField: segment, rowField: 'run', valueField: 'Value', emptyValue: 'zero' },
    });
}

/** Series over time: live sessions. */
export function timeline(spec: PanelSpec, options: { stacked?: boolean; max?: number } = {}): timeseries.PanelBuilder {
  const panel = framed(new timeseries.PanelBuilder(), spec, false)
    .fillOpacity(options.stacked ? 40 : 8)
    .showPoints('never' as never)
    .legend(
      new VizLegendOptionsBuilder()
        .displayMode(LegendDisplayMode.Table)
        .placement(LegendPlacement.Bottom)
        .showLegend(true)
        .calcs(['max', 'lastNotNull']),
    );
  if (options.stacked) panel.stacking(new StackingConfigBuilder().mode(StackingMode.Normal));
  if (options.max !== undefined) panel.max(options.max);
  return panel;
}

/**
 * Several figures side by side, one row per label set: instant queries merged into one table,
 * each figure a column named by the query's `legend`, in the query's unit (the panel's else).
 * Merged, a query's values are the column "Value #<refId>" ("Value" when there is one query).
 */
export function figuresTable(spec: PanelSpec): table.PanelBuilder {
  const unit = spec.unit ?? 'bytes';
  const panel = new table.PanelBuilder()
    .title(spec.title)
    .description(spec.question)
    .datasource(PROMETHEUS)
    .unit(unit)
    .span(spec.width ?? 24)
    .height(spec.height ?? 8)
    .withTransformation({ id: 'merge', options: {} })
    .withTransformation({ id: 'organize', options: { excludeByName: { Time: true } } });
  for (const target of targets(spec.queries, true)) panel.withTarget(target.format('table' as never));
  spec.queries.forEach((q, i) => {
    const column = spec.queries.length > 1 ? `Value #${REF_IDS[i]}` : 'Value';
    panel.overrideByName(column, [
      { id: 'displayName', value: q.legend ?? column },
      { id: 'unit', value: q.unit ?? unit },
    ]);
  });
  return panel;
}

export function markdown(title: string, content: string, width = 24, height = 4): text.PanelBuilder {
  return new text.PanelBuilder().title(title).mode(text.TextMode.Markdown).content(content).span(width).height(height);
}
