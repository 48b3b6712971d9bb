// Metrics over OTLP (OTEL_METRICS_EXPORTER=otlp): the collector's own instruments
// (lean-meter.ts) turned into the SDK's ResourceMetrics and handed to the official exporters.
// Names and units go as the instruments define them (`qwen_otel.tree.memory.peak`, `By`): an
// OpenTelemetry Collector's Prometheus exporter then adds the same unit suffixes and `_total` as
// our own endpoint (exposition.ts). Sums and histograms are cumulative from the run's start.
// Loaded only when OTLP metrics are on: it and the protobuf exporter it requires add ~4.7 MiB to
// the collector's VmRSS (one live session: 63.6-63.8 MiB against 58.9-59.1; five: 66.7-66.8
// against 60.9), and without it the collector is as before (main's build: 58.3-58.6 MiB). Measured
// with `npm run bench:collector -- --sessions 1,5 --scrapes 200 [--metrics-exporter prometheus,otlp]`,
// 2 rounds each, load average 4-7 on 2 cores.
import { ValueType } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  type MetricData,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import type { OtlpTarget } from '../config';
import type { Attributes, HistogramValue, MetricFamily } from './lean-meter';
import { ExporterCache, makeOtlpExporter, sendBatch } from './otlp-exporter';
import { msToHrTime } from './traces';

const SCOPE = { name: 'qwen-otel', version: '0.1.0' };

/** One collection of a session's figures, as plain data (a spool entry holds it as it is). */
export interface MetricsBatch {
  /** The resource's attributes (service.name, cli, branch, workload, ...). */
  resource: Record<string, string>;
  /** On every point, as on the Prometheus endpoint's series. */
  labels: Record<string, string>;
  /** The run's start: where cumulative sums and histograms begin. */
  startMs: number;
  /** When the figures were read. */
  atMs: number;
  families: MetricFamily[];
}

export function toResourceMetrics(batch: MetricsBatch): ResourceMetrics {
  const startTime = msToHrTime(batch.startMs);
  const endTime = msToHrTime(batch.atMs);
  const metrics: MetricData[] = [];
  for (const family of batch.families) {
    if (family.points.length === 0) continue;
    const descriptor = { name: family.name, unit: family.unit, description: family.description, valueType: ValueType.DOUBLE };
    const point = <T>(attributes: Attributes, value: T) => ({ startTime, endTime, attributes: { ...attributes, ...batch.labels }, value });
    const temporality = AggregationTemporality.CUMULATIVE;
    if (family.type === 'histogram') {
      metrics.push({
        descriptor,
        aggregationTemporality: temporality,
        dataPointType: DataPointType.HISTOGRAM,
        dataPoints: family.points.map((p) => point(p.attributes, histogram(p.value as HistogramValue))),
      });
      continue;
    }
    const dataPoints = family.points.map((p) => point(p.attributes, p.value as number));
    if (family.type === 'counter')
      metrics.push({ descriptor, aggregationTemporality: temporality, dataPointType: DataPointType.SUM, isMonotonic: true, dataPoints });
    else metrics.push({ descriptor, aggregationTemporality: temporality, dataPointType: DataPointType.GAUGE, dataPoints });
  }
  return { resource: resourceFromAttributes(batch.resource), scopeMetrics: [{ scope: SCOPE, metrics }] };
}

function histogram(h: HistogramValue) {
  return { buckets: { boundaries: [...h.boundaries], counts: [...h.counts] }, sum: h.sum, count: h.count };
}

/** The exporter made for the protocol (protobuf, the spec's default, JSON, or gRPC). */
export function createMetricExporter(target: OtlpTarget, timeoutMs: number): PushMetricExporter {
  return makeOtlpExporter<PushMetricExporter>(target, timeoutMs, {
    'http/protobuf': () =>
      (require('@opentelemetry/exporter-metrics-otlp-proto') as typeof import('@opentelemetry/exporter-metrics-otlp-proto'))
        .OTLPMetricExporter,
    'http/json': () =>
      (require('@opentelemetry/exporter-metrics-otlp-http') as typeof import('@opentelemetry/exporter-metrics-otlp-http'))
        .OTLPMetricExporter,
    grpc: () =>
      (require('@opentelemetry/exporter-metrics-otlp-grpc') as typeof import('@opentelemetry/exporter-metrics-otlp-grpc'))
        .OTLPMetricExporter,
  });
}

const exporters = new ExporterCache<ResourceMetrics>(createMetricExporter);

/** One collection, within a time budget: rejects with the reason (nothing listens, refused, too slow). */
export async function sendMetrics(target: OtlpTarget, batch: MetricsBatch, budgetMs: number): Promise<void> {
  await sendBatch(exporters, target, toResourceMetrics(batch), budgetMs);
}
