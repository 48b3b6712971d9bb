// Spans to OTLP/HTTP (protobuf, the spec's default, or JSON). The collector builds spans after the
// fact from what processes reported, so it hands finished spans (with the ids and times it chose)
// straight to the OTLP exporter.
// Before each send it checks that something listens: exporter 0.223 retries a refused connection
// for ~8 s (measured), which would blow the exit bound of 500 ms.
import { SpanKind, SpanStatusCode, type HrTime } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { TracesConfig } from '../config';
import { connectCheck, timeoutError } from './reachability';
import type { SpanRecord } from '../session/spans';

const SCOPE = { name: 'qwen-otel', version: '0.1.0' };
const MAX_QUEUED = 4096;

export type TraceDelivery = 'sent' | 'nothing' | 'unreachable' | 'failed' | 'timeout';

/** A successful reachability check is trusted this long: the exit path then skips one round trip. */
const REACHABLE_FOR_MS = 30_000;

/** Where and how one session's spans go. */
export type TraceTarget = Pick<TracesConfig, 'endpoint' | 'protocol' | 'headers' | 'compression' | 'timeoutMs'>;

/**
 * The exporter made for the protocol. The OTLP exporters also read OTEL_EXPORTER_OTLP_* from the
 * process's environment, which in the shared collector is whichever session started it: they are
 * hidden while the exporter is made, so one session's headers never go with another's spans.
 */
export function createTraceExporter(target: TraceTarget, timeoutMs: number): SpanExporter {
  const hidden = Object.entries(process.env).filter(([k]) => k.startsWith('OTEL_EXPORTER_OTLP_'));
  for (const [k] of hidden) delete process.env[k];
  try {
    const options = {
      url: target.endpoint,
      headers: { ...target.headers },
      timeoutMillis: timeoutMs,
      compression: target.compression as never,
    };
    if (target.protocol === 'http/json') {
      return new (
        require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http')
      ).OTLPTraceExporter(options);
    }
    return new (
      require('@opentelemetry/exporter-trace-otlp-proto') as typeof import('@opentelemetry/exporter-trace-otlp-proto')
    ).OTLPTraceExporter(options);
  } finally {
    for (const [k, v] of hidden) process.env[k] = v;
  }
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
    const result = await Promise.race([
      new Promise<ExportResult>((resolve) => this.exporter.export(spans, resolve)),
      new Promise<null>((resolve) => setTimeout(() => resolve(null), Math.max(0, deadline - Date.now())).unref()),
    ]);
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

const exporters = new Map<string, SpanExporter>();

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
  const timeoutMs = Math.min(budgetMs, target.timeoutMs);
  const deadline = Date.now() + timeoutMs;
  await connectCheck(target.endpoint, Math.min(timeoutMs, 1000));
  const key = JSON.stringify([target.endpoint, target.protocol, target.headers, target.compression, target.timeoutMs]);
  let exporter = exporters.get(key);
  if (!exporter) {
    exporter = createTraceExporter(target, Math.max(1000, target.timeoutMs));
    exporters.set(key, exporter);
  }
  const spans = records.map((r) => toReadableSpan(r, traceId, resource));
  const sent = exporter;
  const result = await Promise.race([
    new Promise<ExportResult>((resolve) => sent.export(spans, resolve)),
    new Promise<null>((resolve) => setTimeout(() => resolve(null), Math.max(0, deadline - Date.now())).unref()),
  ]);
  if (result === null) throw timeoutError(`no answer within ${timeoutMs} ms`);
  if (result.code !== 0) throw new Error(`the receiver refused the batch: ${result.error?.message ?? 'unknown error'}`);
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
