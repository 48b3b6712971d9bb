// A local stand-in for the backends, used by tests and benchmarks to see what was delivered:
// OTLP/HTTP traces and metrics in protobuf or JSON (POST /v1/traces, /v1/metrics, gzip or not)
// and Pushgateway pushes (PUT /metrics/job/...). It keeps what arrives as plain data, and how each
// batch came (its content type and headers).
import { createServer, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { metricsRequestToJson, traceRequestToJson } from './otlp-proto';

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  startMs: number;
  endMs: number;
  attributes: Record<string, string | number | boolean>;
  resource: Record<string, string | number | boolean>;
  events: Array<{ name: string; timeMs: number }>;
  /** When the sink received it (ms since the epoch). */
  receivedMs: number;
}

export interface ReceivedPoint {
  attributes: Record<string, string | number | boolean>;
  startMs: number;
  timeMs: number;
  /** A gauge's or sum's value, or a histogram's. */
  value: number | { count: number; sum: number; bucketCounts: number[]; explicitBounds: number[] };
}

export interface ReceivedMetric {
  name: string;
  unit: string;
  description: string;
  type: 'gauge' | 'sum' | 'histogram';
  /** Sums: monotonic; sums and histograms: 1 delta, 2 cumulative. */
  isMonotonic?: boolean;
  temporality?: number;
  resource: Record<string, string | number | boolean>;
  points: ReceivedPoint[];
}

/** One OTLP metrics export as it arrived. */
export interface ReceivedMetricsRequest {
  contentType: string;
  headers: IncomingHttpHeaders;
  metrics: ReceivedMetric[];
  receivedMs: number;
}

export interface ReceivedPush {
  path: string;
  body: string;
}

export interface TelemetrySink {
  url: string;
  spans: ReceivedSpan[];
  pushes: ReceivedPush[];
  metricRequests: ReceivedMetricsRequest[];
  /** How each trace batch arrived. */
  traceRequests: Array<{ contentType: string; headers: IncomingHttpHeaders }>;
  /**
   * A trace's spans once its `session` span (the last one to end, sent in the final batch) has
   * arrived; what arrived so far after the timeout. Final figures are delivered after the run's
   * command returned, so a reader waits for them.
   */
  trace(traceId: string, timeoutMs?: number): Promise<ReceivedSpan[]>;
  /** Whether a push that matches arrived within the timeout. */
  pushed(match: (push: ReceivedPush) => boolean, timeoutMs?: number): Promise<boolean>;
  close(): Promise<void>;
}

/** Final figures are retried for 30 s by default: a test or benchmark waits as long. */
const DELIVERY_WAIT_MS = 30_000;

export async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  for (const end = Date.now() + timeoutMs; !check(); ) {
    if (Date.now() > end) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return true;
}

type OtlpValue = { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean };
type OtlpAttribute = { key: string; value: OtlpValue };

export async function startTelemetrySink(): Promise<TelemetrySink> {
  const sink: TelemetrySink = {
    url: '',
    spans: [],
    pushes: [],
    metricRequests: [],
    traceRequests: [],
    trace: async (traceId, timeoutMs = DELIVERY_WAIT_MS) => {
      const ofTrace = (): ReceivedSpan[] => sink.spans.filter((span) => span.traceId === traceId);
      await until(() => ofTrace().some((span) => span.name === 'session'), timeoutMs);
      return ofTrace();
    },
    pushed: (match, timeoutMs = DELIVERY_WAIT_MS) => until(() => sink.pushes.some(match), timeoutMs),
    close: async () => undefined,
  };
  const server = createServer((req, res) => {
    void readBody(req).then((body) => {
      if (req.method === 'POST' && req.url === '/v1/traces') {
        const contentType = req.headers['content-type'] ?? '';
        sink.traceRequests.push({ contentType, headers: req.headers });
        sink.spans.push(...parseTraces(contentType, body));
      } else if (req.method === 'POST' && req.url === '/v1/metrics') {
        const contentType = req.headers['content-type'] ?? '';
        sink.metricRequests.push({ contentType, headers: req.headers, metrics: parseMetrics(contentType, body), receivedMs: Date.now() });
      } else if ((req.method === 'PUT' || req.method === 'POST') && req.url?.startsWith('/metrics/job/'))
        sink.pushes.push({ path: req.url, body: body.toString('utf8') });
      else res.statusCode = 404;
      res.setHeader('Content-Type', 'application/json');
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  sink.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  sink.close = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return sink;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      try {
        resolve(req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body);
      } catch {
        resolve(Buffer.alloc(0));
      }
    });
  });
}

export function parseTraces(contentType: string, body: Buffer): ReceivedSpan[] {
  let json: {
    resourceSpans?: Array<{ resource?: { attributes?: OtlpAttribute[] }; scopeSpans?: Array<{ spans?: Array<Record<string, unknown>> }> }>;
  };
  try {
    json = contentType.includes('protobuf') ? (traceRequestToJson(body) as typeof json) : JSON.parse(body.toString('utf8'));
  } catch {
    return [];
  }
  const spans: ReceivedSpan[] = [];
  for (const rs of json.resourceSpans ?? []) {
    const resource = attributesOf(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const span of ss.spans ?? []) {
        spans.push({
          traceId: String(span.traceId),
          spanId: String(span.spanId),
          parentSpanId: span.parentSpanId ? String(span.parentSpanId) : null,
          name: String(span.name),
          startMs: Number(BigInt(String(span.startTimeUnixNano)) / 1000000n),
          endMs: Number(BigInt(String(span.endTimeUnixNano)) / 1000000n),
          attributes: attributesOf(span.attributes as OtlpAttribute[] | undefined),
          resource,
          events: ((span.events as Array<{ name: string; timeUnixNano: string }> | undefined) ?? []).map((e) => ({
            name: e.name,
            timeMs: Number(BigInt(String(e.timeUnixNano)) / 1000000n),
          })),
          receivedMs: Date.now(),
        });
      }
    }
  }
  return spans;
}

type OtlpPoint = Record<string, unknown> & { attributes?: OtlpAttribute[]; startTimeUnixNano: string; timeUnixNano: string };
type OtlpData = { dataPoints?: OtlpPoint[]; aggregationTemporality?: number; isMonotonic?: boolean };

export function parseMetrics(contentType: string, body: Buffer): ReceivedMetric[] {
  let json: {
    resourceMetrics?: Array<{
      resource?: { attributes?: OtlpAttribute[] };
      scopeMetrics?: Array<{ metrics?: Array<Record<string, unknown>> }>;
    }>;
  };
  try {
    json = contentType.includes('protobuf') ? (metricsRequestToJson(body) as typeof json) : JSON.parse(body.toString('utf8'));
  } catch {
    return [];
  }
  const out: ReceivedMetric[] = [];
  for (const rm of json.resourceMetrics ?? []) {
    const resource = attributesOf(rm.resource?.attributes);
    for (const sm of rm.scopeMetrics ?? []) {
      for (const m of sm.metrics ?? []) {
        const type = (['gauge', 'sum', 'histogram'] as const).find((t) => m[t] !== undefined);
        if (!type) continue;
        const data = m[type] as OtlpData;
        out.push({
          name: String(m.name),
          unit: String(m.unit ?? ''),
          description: String(m.description ?? ''),
          type,
          isMonotonic: data.isMonotonic,
          temporality: data.aggregationTemporality,
          resource,
          points: (data.dataPoints ?? []).map((p) => ({
            attributes: attributesOf(p.attributes),
            startMs: Number(BigInt(String(p.startTimeUnixNano)) / 1000000n),
            timeMs: Number(BigInt(String(p.timeUnixNano)) / 1000000n),
            value:
              type === 'histogram'
                ? {
                    count: Number(p.count),
                    sum: Number(p.sum ?? 0),
                    bucketCounts: ((p.bucketCounts as unknown[]) ?? []).map(Number),
                    explicitBounds: ((p.explicitBounds as unknown[]) ?? []).map(Number),
                  }
                : Number(p.asDouble ?? p.asInt ?? 0),
          })),
        });
      }
    }
  }
  return out;
}

function attributesOf(list: OtlpAttribute[] | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const { key, value } of list ?? []) {
    if (value.stringValue !== undefined) out[key] = value.stringValue;
    else if (value.intValue !== undefined) out[key] = Number(value.intValue);
    else if (value.doubleValue !== undefined) out[key] = value.doubleValue;
    else if (value.boolValue !== undefined) out[key] = value.boolValue;
  }
  return out;
}
