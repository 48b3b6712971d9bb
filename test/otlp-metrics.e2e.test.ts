// OTEL_METRICS_EXPORTER=otlp: a run's metrics reach an OTLP/HTTP receiver (the sink, which reads
// protobuf with the reader test/otlp-proto.test.ts holds to the official serializers) every
// OTEL_METRIC_EXPORT_INTERVAL and once at the end, under the instruments' own names and units,
// with the session's settings (endpoint, protocol, headers, compression); `otlp` alone serves no
// endpoint, `prometheus,otlp` both, under names the Prometheus side derives the same way.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ReceivedMetric, startTelemetrySink, type TelemetrySink, until } from '../src/bench/sink';
import { prometheusName } from '../src/export/exposition';
import { API, parsePrometheus, readRecords, runWrapped, sandbox, WAIT_FOR_METRICS_URL, writeScript } from './helpers/e2e';

let sink: TelemetrySink;
beforeAll(async () => {
  sink = await startTelemetrySink();
});
afterAll(() => sink.close());

/** Holds 40 MiB, fills a counter and histograms, runs ~3 s; prints a scrape when an endpoint is served, else "no endpoint". */
const SCRIPT = `${WAIT_FOR_METRICS_URL}
const fs = require('fs');
const otel = require(${JSON.stringify(API)});
const keep = Buffer.alloc(40 * 1024 * 1024, 1);
otel.phase('turn', () => {
  otel.recordRequest({ totalBytes: 1000, systemBytes: 400, toolSchemaBytes: 300, historyBytes: 300, messageCount: 3 });
  otel.recordToolResult({ bytes: 10, tool: 't' });
});
(async () => {
  await sleep(3000);
  const served = fs.existsSync(require('path').join(process.env.QWEN_OTEL_SESSION_DIR, 'metrics.url'));
  console.log(served ? await scrapeOnceCounted() : 'no endpoint', keep.length > 0 ? '' : '?');
})();
// A scrape is itself an HTTP request the agent counts, and the collector may serve the first
// before it has read that: scrape until the count shows (5 s at most), so every final figure is there.
async function scrapeOnceCounted() {
  const url = await metricsUrl();
  let text = '';
  for (let i = 0; i < 50 && !text.includes('qwen_otel_http_requests_total'); i++) {
    if (i > 0) await sleep(100);
    text = await (await fetch(url)).text();
  }
  return text;
}`;

/** The run's exports, once one carries the record's tree peak (the final one; earlier ones may already). */
async function exportsOf(runId: string, peak: number) {
  const ofRun = () => sink.metricRequests.filter((r) => r.metrics.some((m) => m.resource['service.instance.id'] === runId));
  const treePeak = (metrics: ReceivedMetric[]) => metrics.find((m) => m.name === 'qwen_otel.tree.memory.peak')?.points[0]?.value;
  await until(() => ofRun().some((r) => treePeak(r.metrics) === peak), 30_000);
  return { requests: ofRun(), treePeak };
}

describe('metrics over OTLP', () => {
  it('otlp alone: protobuf with the headers, every interval and at the end, names and units as the instruments define them, no endpoint served', async () => {
    const box = sandbox('otlp-metrics', {
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
      OTEL_EXPORTER_OTLP_METRICS_HEADERS: 'x-team=a%20b',
      OTEL_METRIC_EXPORT_INTERVAL: '1000',
      QWEN_OTEL_WORKLOAD: 'otlp-e2e',
    });
    const run = await runWrapped([process.execPath, writeScript(box.dir, 'hold.js', SCRIPT)], box.env);
    expect([run.code, run.stdout.trim(), run.stderr]).toEqual([0, 'no endpoint', '']);
    const [record] = readRecords(box.recordFile);
    const { requests, treePeak } = await exportsOf(record.run_id, record.tree.rss_peak_bytes);
    // At least one periodic export while the CLI ran (~3 s at 1 s), then the final one.
    expect(requests.length).toBeGreaterThanOrEqual(2);
    expect(requests.filter((r) => treePeak(r.metrics) === record.tree.rss_peak_bytes).length).toBeGreaterThanOrEqual(1);
    for (const r of requests) {
      expect([r.contentType, r.headers['x-team'], r.headers['content-encoding']]).toEqual(['application/x-protobuf', 'a b', undefined]);
    }
    const final = requests.at(-1)?.metrics ?? [];
    const byName = new Map(final.map((m) => [m.name, m]));
    const peak = byName.get('qwen_otel.tree.memory.peak');
    expect(peak).toMatchObject({ unit: 'By', type: 'gauge' });
    expect(peak?.points[0].value).toBeGreaterThan(40 * 1024 * 1024);
    expect(peak?.points[0].attributes).toMatchObject({ cli: record.cli, branch: record.branch, workload: 'otlp-e2e' });
    expect(peak?.resource).toMatchObject({ 'service.name': record.cli, 'service.instance.id': record.run_id, workload: 'otlp-e2e' });
    expect(byName.get('qwen_otel.tool_calls')).toMatchObject({ unit: '{call}', type: 'sum', isMonotonic: true, temporality: 2 });
    expect(byName.get('qwen_otel.tool_calls')?.points.find((p) => p.attributes['gen_ai.tool.name'] === 't')?.value).toBe(1);
    const size = byName.get('qwen_otel.request.size');
    expect(size).toMatchObject({ unit: 'By', type: 'histogram', temporality: 2 });
    const total = size?.points.find((p) => p.attributes.part === 'total')?.value as { count: number; sum: number; bucketCounts: number[] };
    expect([total?.count, total?.sum, total?.bucketCounts.reduce((a, b) => a + b, 0)]).toEqual([1, 1000, 1]);
    // Cumulative from the run's start, read at the end.
    expect(peak?.points[0].startMs).toBeLessThanOrEqual(peak?.points[0].timeMs ?? 0);
  });

  it('prometheus,otlp: the endpoint serves and the receiver gets JSON, gzipped, at the metrics endpoint of its own; the names map one to one', async () => {
    const before = sink.metricRequests.length;
    const box = sandbox('otlp-both', {
      OTEL_METRICS_EXPORTER: 'prometheus,otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9/not-here',
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `${sink.url}/v1/metrics`,
      OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
    });
    const run = await runWrapped([process.execPath, writeScript(box.dir, 'hold.js', SCRIPT)], box.env);
    expect([run.code, run.stderr]).toEqual([0, '']);
    const scraped = new Set(parsePrometheus(run.stdout).map((s) => s.name));
    expect(scraped.has('qwen_otel_tree_memory_peak_bytes')).toBe(true);
    const [record] = readRecords(box.recordFile);
    const { requests } = await exportsOf(record.run_id, record.tree.rss_peak_bytes);
    expect(sink.metricRequests.length).toBeGreaterThan(before);
    for (const r of requests) expect([r.contentType, r.headers['content-encoding']]).toEqual(['application/json', 'gzip']);
    // What a Collector's Prometheus exporter would name each OTLP metric is a name our endpoint serves.
    const kinds = { gauge: 'gauge', sum: 'counter', histogram: 'histogram' } as const;
    const final = requests.at(-1)?.metrics ?? [];
    expect(final.length).toBeGreaterThan(10);
    for (const m of final) {
      const name = prometheusName(m.name, m.unit, kinds[m.type]);
      expect(scraped.has(m.type === 'histogram' ? `${name}_count` : name), `${m.name} (${m.unit}) → ${name}`).toBe(true);
    }
  });
});
