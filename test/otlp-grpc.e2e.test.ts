// OTEL_EXPORTER_OTLP_PROTOCOL=grpc: traces and metrics reach a real gRPC server (@grpc/grpc-js,
// the OTLP collector services' Export methods) at the general endpoint as is, with the headers
// as gRPC metadata. (grpc-js decompresses before a handler sees the message: that gzip is on the
// wire is not checked here, only that asking for it still delivers.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GrpcReceiver, startGrpcReceiver } from '../src/bench/otlp-grpc-receiver';
import { startTelemetrySink, type TelemetrySink, until } from '../src/bench/sink';
import { API, readRecords, runWrapped, sandbox, writeScript } from './helpers/e2e';

let sink: TelemetrySink;
let grpc: GrpcReceiver;
beforeAll(async () => {
  sink = await startTelemetrySink();
  grpc = await startGrpcReceiver(sink);
});
afterAll(async () => {
  await grpc.close();
  await sink.close();
});

const SCRIPT = `const otel = require(${JSON.stringify(API)});
const keep = Buffer.alloc(30 * 1024 * 1024, 1);
otel.phase('work', () => new Promise((r) => setTimeout(r, 1500))).then(() => keep.length);`;

describe('OTLP over gRPC', () => {
  it('sends traces and metrics to a gRPC receiver with the headers as metadata (gzip asked for metrics: still read)', async () => {
    const box = sandbox('otlp-grpc', {
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_EXPORTER_OTLP_ENDPOINT: grpc.url,
      OTEL_EXPORTER_OTLP_HEADERS: 'x-team=a%20b',
      OTEL_EXPORTER_OTLP_METRICS_COMPRESSION: 'gzip',
      OTEL_METRIC_EXPORT_INTERVAL: '1000',
    });
    const script = writeScript(box.dir, 'work.js', SCRIPT);
    const run = await runWrapped([process.execPath, script], box.env);
    expect([run.code, run.stdout, run.stderr]).toEqual([0, '', '']);
    const [record] = readRecords(box.recordFile);
    const spans = await sink.trace(record.trace_id);
    expect(spans.map((s) => s.name).sort()).toEqual(['process cli', 'session', 'work']);
    expect(spans.find((s) => s.name === 'session')?.resource['service.name']).toBe(record.cli);
    const ofRun = () => sink.metricRequests.filter((r) => r.metrics.some((m) => m.resource['service.instance.id'] === record.run_id));
    const peakOf = (r: (typeof sink.metricRequests)[number]) =>
      r.metrics.find((m) => m.name === 'qwen_otel.tree.memory.peak')?.points[0]?.value;
    expect(await until(() => ofRun().some((r) => peakOf(r) === record.tree.rss_peak_bytes), 30_000)).toBe(true);
    const requests = [...sink.traceRequests.filter((r) => r.headers['x-team'] !== undefined), ...ofRun()];
    for (const r of requests) expect([r.contentType, r.headers['x-team']]).toEqual(['application/grpc', 'a b']);
    const peak = ofRun()
      .at(-1)
      ?.metrics.find((m) => m.name === 'qwen_otel.tree.memory.peak');
    expect(peak).toMatchObject({ unit: 'By', type: 'gauge' });
    expect(peak?.points[0].value).toBeGreaterThan(30 * 1024 * 1024);
  });
});
