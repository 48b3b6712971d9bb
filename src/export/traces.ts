// Spans to OTLP (HTTP with protobuf, the spec's default, or JSON; or gRPC). The collector builds spans after the
// fact from what processes reported, so it hands finished spans (with the ids and times it chose)
// straight to the OTLP exporter.
// Before each send it checks that something listens: exporter 0.223 retries a refused connection
// for ~8 s (measured), which would blow the exit bound of 500 ms. What the signals share is in
// otlp-exporter.ts.
import { SpanKind, SpanStatusCode, type HrTime } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { OtlpTarget } from '../config';
import { ExporterCache, exportBefore, makeOtlpExporter, sendBatch } from './otlp-exporter';
import { connectCheck } from './reachability';
import type { SpanRecord } from '../session/spans';

const SCOPE = { name: 'qwen-otel', version: '0.1.0' };
const MAX_QUEUED = 4096;

export type TraceDelivery = 'sent' | 'nothing' | 'unreachable' | 'failed' | 'timeout';

/** A successful reachability check is trusted this long: the exit path then skips one round trip. */
const REACHABLE_FOR_MS = 30_000;

/** Where and how one session's spans go. */
export type TraceTarget = OtlpTarget;

/** The exporter made for the protocol. */
export function createTraceExporter(target: TraceTarget, timeoutMs: number): SpanExporter {
  return makeOtlpExporter<SpanExporter>(target, timeoutMs, {
    'http/protobuf': () =>
      (require('@opentelemetry/exporter-trace-otlp-proto') as typeof import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter,
    'http/json': () =>
      (require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter,
    grpc: () =>
      (require('@opentelemetry/exporter-trace-otlp-grpc') as typeof import('@opentelemetry/exporter-trace-otlp-grpc')).OTLPTraceExporter,
  });
}

export class TraceExport {
  private readonly exporter: SpanExporter;
  private queue: SpanRecord[] = [];
  private reachableAt = 0;
  dropped = 0;

  private readonly endpoint: string;

  constructor(
    target: TraceTarget,
    private readonly resource: Resource,
    private readonly traceId: string,
  ) {
    this.endpoint = target.endpoint;
    this.exporter = createTraceExporter(target, Math.min(2000, target.timeoutMs));
  }

  enqueue(records: SpanRecord[]): void {
    this.queue.push(...records);
    if (this.queue.length > MAX_QUEUED) {
      this.dropped += this.queue.length - MAX_QUEUED;
      this.queue = this.queue.slice(-MAX_QUEUED);
    }
  }

  /** What is still queued (a live export that found nothing listening), emptying the queue. */
  takeQueued(): SpanRecord[] {
    const queued = this.queue;
    this.queue = [];
    return queued;
  }

  /** Sends what is queued, within a time budget; spans are put back when nothing listens. */
  async send(budgetMs: number): Promise<TraceDelivery> {
    if (this.queue.length === 0) return 'nothing';
    const batch = this.queue;
    this.queue = [];
    const deadline = Date.now() + budgetMs;
    if (!(await this.check(Math.min(budgetMs, 150)))) {
      this.enqueue(batch);
      return 'unreachable';
    }
    const spans = batch.map((r) => toReadableSpan(r, this.traceId, this.resource));
    const result = await exportBefore(this.exporter, spans, deadline);
    if (result === null) return 'timeout';
    return result.code === 0 ? 'sent' : 'failed';
  }

  /** Is something listening? Asked once early (warming the path) and remembered for a while. */
  async check(timeoutMs: number): Promise<boolean> {
    if (Date.now() - this.reachableAt < REACHABLE_FOR_MS) return true;
    const ok = await reachable(this.endpoint, timeoutMs);
    if (ok) this.reachableAt = Date.now();
    return ok;
  }

  async shutdown(): Promise<void> {
    await Promise.race([this.exporter.shutdown(), new Promise((resolve) => setTimeout(resolve, 50).unref())]);
  }
}

export function reachable(endpoint: string, timeoutMs: number): Promise<boolean> {
  return connectCheck(endpoint, timeoutMs).then(
    () => true,
    () => false,
  );
}

const exporters = new ExporterCache<ReadableSpan[]>(createTraceExporter);

/**
 * One batch of finished spans, within a time budget: rejects with the reason when nothing
 * listens, the exporter fails, or the budget runs out (the caller retries or keeps it).
 */
export async function sendSpans(
  target: TraceTarget,
  traceId: string,
  resource: Resource,
  records: SpanRecord[],
  budgetMs: number,
): Promise<void> {
  if (records.length === 0) return;
  await sendBatch(
    exporters,
    target,
    records.map((r) => toReadableSpan(r, traceId, resource)),
    budgetMs,
  );
}

export function toReadableSpan(record: SpanRecord, traceId: string, resource: Resource): ReadableSpan {
  const end = record.end ?? record.start;
  const context = { traceId, spanId: record.spanId, traceFlags: 1 };
  return {
    name: record.name,
    kind: SpanKind.INTERNAL,
    spanContext: () => context,
    parentSpanContext: record.parentSpanId ? { traceId, spanId: record.parentSpanId, traceFlags: 1 } : undefined,
    startTime: msToHrTime(record.start),
    endTime: msToHrTime(end),
    duration: msToHrTime(end - record.start),
    status: { code: SpanStatusCode.UNSET },
    attributes: record.attributes,
    links: [],
    events: (record.events ?? []).map((e) => ({
      name: e.name,
      time: msToHrTime(e.t),
      attributes: e.attributes ?? {},
      droppedAttributesCount: 0,
    })),
    ended: true,
    resource,
    instrumentationScope: SCOPE,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}

export function msToHrTime(ms: number): HrTime {
  const seconds = Math.floor(ms / 1000);
  return [seconds, Math.round((ms - seconds * 1000) * 1e6)];
}
