// A finished run's final figures as items the collector's delivery queue can try, retry, and keep
// in the spool: the Pushgateway push (its body computed once, when the run ended), the last
// trace batch (plain span data, so a later process can still send it) and the last OTLP metrics
// (the instruments' figures as plain data, read once when the run ended).
import type { Resource } from '@opentelemetry/resources';
import type { Config, OtlpTarget } from '../config';
import type { SpanRecord } from '../session/spans';
import type { MetricsBatch } from './otlp-metrics';
import type { TraceTarget } from './traces';
import { pushToGateway } from './pushgateway';
import { redactUrl } from '../redact';

export type SpoolEntry =
  | { schema: 'qwen-otel.spool/1'; kind: 'push'; url: string; grouping: Record<string, string>; body: string }
  | {
      schema: 'qwen-otel.spool/1';
      kind: 'traces';
      endpoint: string;
      traceId: string;
      resource: Record<string, string>;
      spans: SpanRecord[];
      target?: Omit<TraceTarget, 'endpoint'>;
    }
  | { schema: 'qwen-otel.spool/1'; kind: 'metrics'; target: OtlpTarget; batch: MetricsBatch };

/** A spool entry written before the protocol and headers were kept: JSON, no headers, as then. */
const SPOOLED_BEFORE: Omit<TraceTarget, 'endpoint'> = { protocol: 'http/json', headers: {}, compression: 'none', timeoutMs: 10_000 };

export interface DeliveryItem {
  /** What the user is told about: "final figures" (the push) or "traces". */
  what: string;
  /** Where, credentials hidden. */
  target: string;
  /** How to stop trying, for the line said when nothing listens. */
  hint: string;
  /** One try: resolves when delivered; rejects with the reason (code ECONNREFUSED: nothing listens). */
  attempt(timeoutMs: number): Promise<void>;
  spoolForm(): SpoolEntry;
}

/** Everything a finished run still has to deliver. */
export interface FinalDelivery {
  runId: string;
  items: DeliveryItem[];
}

/** Where a session's final figures go, known from its settings before any exporter loads. */
export interface DeliveryTarget {
  what: string;
  /** The real address (may hold credentials: never printed). */
  url: string;
  target: string;
  hint: string;
}

const PUSH = { what: 'final figures', hint: 'unset QWEN_OTEL_PUSHGATEWAY_URL to stop pushing' };
const TRACES = { what: 'traces', hint: 'OTEL_TRACES_EXPORTER=none turns traces off' };
const METRICS = { what: 'OTLP metrics', hint: 'OTEL_METRICS_EXPORTER without otlp stops sending them' };

export function deliveryTargets(config: Config): DeliveryTarget[] {
  const targets: DeliveryTarget[] = [];
  if (config.pushgatewayUrl) targets.push({ ...PUSH, url: config.pushgatewayUrl, target: redactUrl(config.pushgatewayUrl) });
  if (config.traces.enabled) targets.push({ ...TRACES, url: config.traces.endpoint, target: redactUrl(config.traces.endpoint) });
  const metrics = config.otlpMetrics;
  if (metrics) targets.push({ ...METRICS, url: metrics.endpoint, target: redactUrl(metrics.endpoint) });
  return targets;
}

export function pushItem(url: string, grouping: Record<string, string>, body: string): DeliveryItem {
  return {
    ...PUSH,
    target: redactUrl(url),
    attempt: (timeoutMs) => pushToGateway(url, grouping, body, timeoutMs),
    spoolForm: () => ({ schema: 'qwen-otel.spool/1', kind: 'push', url, grouping, body }),
  };
}

export function tracesItem(target: TraceTarget, traceId: string, resource: Resource, spans: SpanRecord[]): DeliveryItem {
  const { endpoint, ...how } = target;
  return {
    ...TRACES,
    target: redactUrl(endpoint),
    attempt: async (timeoutMs) => {
      // Loaded only when a trace batch is actually sent: the OTLP exporter costs ~10 MiB.
      const { sendSpans } = require('./traces') as typeof import('./traces');
      await sendSpans(target, traceId, resource, spans, timeoutMs);
    },
    // The spool is in the private (0700) state directory: the headers (credentials) are kept there
    // so that `qwen-otel flush` can still deliver.
    spoolForm: () => ({
      schema: 'qwen-otel.spool/1',
      kind: 'traces',
      endpoint,
      traceId,
      resource: stringAttributes(resource),
      spans,
      target: how,
    }),
  };
}

export function metricsItem(target: OtlpTarget, batch: MetricsBatch): DeliveryItem {
  return {
    ...METRICS,
    target: redactUrl(target.endpoint),
    attempt: async (timeoutMs) => {
      const { sendMetrics } = require('./otlp-metrics') as typeof import('./otlp-metrics');
      await sendMetrics(target, batch, timeoutMs);
    },
    // Headers kept in the private spool, as for traces.
    spoolForm: () => ({ schema: 'qwen-otel.spool/1', kind: 'metrics', target, batch }),
  };
}

/** An item kept in the spool, ready to be tried again. */
export function itemFromSpool(entry: SpoolEntry): DeliveryItem {
  if (entry.kind === 'push') return pushItem(entry.url, entry.grouping, entry.body);
  if (entry.kind === 'metrics') return metricsItem(entry.target, entry.batch);
  const { resourceFromAttributes } = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  return tracesItem(
    { endpoint: entry.endpoint, ...(entry.target ?? SPOOLED_BEFORE) },
    entry.traceId,
    resourceFromAttributes(entry.resource),
    entry.spans,
  );
}

export function stringAttributes(resource: Resource): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(resource.attributes)) if (value !== undefined) out[key] = String(value);
  return out;
}
