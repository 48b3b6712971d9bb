// The sink's protobuf reader (src/bench/otlp-proto.ts) against the official OTLP serializers of
// @opentelemetry/otlp-transformer: the same ResourceMetrics, encoded as protobuf and read back,
// equals the official OTLP/JSON encoding of it, field by field the sink uses.
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { describe, expect, it } from 'vitest';
import { metricsRequestToJson } from '../src/bench/otlp-proto';
import { LeanMeter } from '../src/export/lean-meter';
import { toResourceMetrics } from '../src/export/otlp-metrics';

function figures() {
  const meter = new LeanMeter();
  meter.createObservableGauge('qwen_otel.tree.memory.peak', { unit: 'By', description: 'peak' }).addCallback((r) => r.observe(123456789));
  meter.createObservableCounter('qwen_otel.turns', { unit: '{turn}' }).addCallback((r) => {
    r.observe(3, { kind: 'a' });
    r.observe(0.5, { kind: 'b', flag: true, n: 7 });
  });
  const h = meter.createHistogram('qwen_otel.request.size', { unit: 'By', advice: { explicitBucketBoundaries: [10, 100, 1000] } });
  for (const v of [5, 50, 500, 5000, 7]) h.record(v, { model: 'm' });
  meter.createObservableGauge('qwen_otel.empty');
  return meter.collect();
}

/** int64s as strings or numbers, as each encoding spells them: compared as numbers. */
function normal(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normal);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (['scope', 'schemaUrl', 'droppedAttributesCount', 'flags', 'exemplars', 'metadata', 'entityRefs'].includes(k)) continue;
      out[k] = /UnixNano$|^count$|^asInt$|^intValue$/.test(k) ? String(v) : k === 'bucketCounts' ? (v as unknown[]).map(Number) : normal(v);
    }
    return out;
  }
  return value;
}

describe('the OTLP metrics protobuf reader', () => {
  it('reads what the official protobuf serializer writes as the official JSON serializer spells it', () => {
    const rm = toResourceMetrics({
      resource: { 'service.name': 'node', cli: 'node' },
      labels: { cli: 'node', branch: 'main', workload: 'adhoc' },
      startMs: 1_700_000_000_123,
      atMs: 1_700_000_060_456,
      families: figures(),
    });
    const proto = Buffer.from(ProtobufMetricsSerializer.serializeRequest(rm) as Uint8Array);
    const json = JSON.parse(Buffer.from(JsonMetricsSerializer.serializeRequest(rm) as Uint8Array).toString('utf8'));
    const read = metricsRequestToJson(proto);
    expect(normal(read)).toEqual(normal(json));
    const names = (read.resourceMetrics[0].scopeMetrics as Array<{ metrics: Array<{ name: string }> }>)[0].metrics.map((m) => m.name);
    // An instrument without points is not sent.
    expect(names).toEqual(['qwen_otel.tree.memory.peak', 'qwen_otel.turns', 'qwen_otel.request.size']);
  });
});
