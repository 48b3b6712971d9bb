// A test OTLP/HTTP receiver gets one trace: session -> process -> phases, memory on every span;
// each session's protocol, headers and compression are its own.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTelemetrySink, type TelemetrySink } from '../src/bench/sink';
import { API, readRecords, runWrapped, sandbox, until, writeScript } from './helpers/e2e';

let sink: TelemetrySink;
beforeAll(async () => {
  sink = await startTelemetrySink();
});
afterAll(() => sink.close());

describe('traces', () => {
  it('arrive as one trace with the phase tree and memory at each span boundary', async () => {
    const box = sandbox('traces', { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_ENDPOINT: sink.url });
    const script = writeScript(
      box.dir,
      'agent-loop.js',
      `
      const otel = require(${JSON.stringify(API)});
      const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
      async function main() {
        await otel.phase('startup', () => sleep(50));
        await otel.phase('turn', async () => {
          otel.phase('request_assembly', () => otel.recordRequest({ totalBytes: 1000, systemBytes: 400, toolSchemaBytes: 300, historyBytes: 300, messageCount: 3 }));
          const keep = Buffer.alloc(20 * 1024 * 1024, 1);
          await otel.phase('chat mock-model', () => sleep(100));
          const sub = otel.startSubagent('reviewer');
          await sleep(50);
          sub.end();
          return keep.length;
        });
      }
      main();`,
    );
    const result = await runWrapped([process.execPath, script], box.env);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const [record] = readRecords(box.recordFile);
    const spans = await sink.trace(record.trace_id);
    const byName = (name: string) => spans.find((s) => s.name === name);
    const session = byName('session');
    const processSpan = byName('process cli');
    expect(session?.parentSpanId).toBeNull();
    expect(processSpan?.parentSpanId).toBe(session?.spanId);
    expect(byName('startup')?.parentSpanId).toBe(processSpan?.spanId);
    const turn = byName('turn');
    expect(turn?.parentSpanId).toBe(processSpan?.spanId);
    for (const child of ['request_assembly', 'chat mock-model', 'invoke_agent reviewer'])
      expect(byName(child)?.parentSpanId).toBe(turn?.spanId);
    for (const span of spans) {
      expect(span.attributes, span.name).toHaveProperty('qwen_otel.memory.rss.start');
      expect(span.attributes, span.name).toHaveProperty('qwen_otel.memory.rss.end');
      expect(span.attributes, span.name).toHaveProperty('qwen_otel.memory.tree_rss.end');
      expect(span.endMs).toBeGreaterThanOrEqual(span.startMs);
    }
    expect(turn?.attributes['qwen_otel.memory.heap_used.start']).toBeTypeOf('number');
    expect(Number(turn?.attributes['qwen_otel.memory.rss.delta'])).toBeGreaterThan(15 * 1024 * 1024);
    expect(session?.resource['service.name']).toBe('node');
    // The dashboard's Jaeger search finds a run by service (the cli label) and resource attribute branch.
    expect(session?.resource).toMatchObject({ 'service.name': record.cli, branch: record.branch, workload: record.workload });
    expect(session?.attributes['qwen_otel.session.id']).toBe(record.run_id);
    expect(record.subagents).toBe(1);
    expect(record.requests).toBe(1);
  });
});

describe("traces follow each session's OTLP settings in the shared collector", () => {
  const SCRIPT = `const otel = require(${JSON.stringify(API)}); otel.phase('work', () => new Promise((r) => setTimeout(r, 50)));`;

  it("protobuf by default, http/json and gzip when asked, each with its own headers and never another session's", async () => {
    const box = sandbox('traces-settings', {
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: sink.url,
      QWEN_OTEL_COLLECTOR_LINGER_MS: '20000',
    });
    const script = writeScript(box.dir, 'work.js', SCRIPT);
    const first = await runWrapped([process.execPath, script], { ...box.env, OTEL_EXPORTER_OTLP_HEADERS: 'x-session=a' });
    const second = await runWrapped([process.execPath, script], {
      ...box.env,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-other=b',
      OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
    });
    expect([first.code, first.stderr, second.code, second.stderr]).toEqual([0, '', 0, '']);
    const [a, b] = readRecords(box.recordFile);
    // One collector served both: the second session's settings had to win over the environment it was started with.
    expect(b.observer.collector_pid).toBe(a.observer.collector_pid);
    expect((await sink.trace(a.trace_id)).length).toBeGreaterThan(0);
    expect((await sink.trace(b.trace_id)).length).toBeGreaterThan(0);
    const fromA = sink.traceRequests.filter((r) => r.headers['x-session'] === 'a');
    const fromB = sink.traceRequests.filter((r) => r.headers['x-other'] === 'b');
    expect(fromA.length).toBeGreaterThan(0);
    expect(fromB.length).toBeGreaterThan(0);
    for (const r of fromA)
      expect([r.contentType, r.headers['content-encoding'], r.headers['x-other']]).toEqual([
        'application/x-protobuf',
        undefined,
        undefined,
      ]);
    for (const r of fromB)
      expect([r.contentType, r.headers['content-encoding'], r.headers['x-session']]).toEqual(['application/json', 'gzip', undefined]);
  });

  it("OTEL_TRACES_EXPORTER=console writes the spans to the collector's log and sends none", async () => {
    const before = sink.traceRequests.length;
    const box = sandbox('traces-console', { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url });
    const script = writeScript(box.dir, 'work.js', SCRIPT);
    const consoled = await runWrapped([process.execPath, script], { ...box.env, OTEL_TRACES_EXPORTER: 'console' });
    expect([consoled.code, consoled.stderr]).toEqual([0, '']);
    const [record] = readRecords(box.recordFile);
    const log = path.join(box.dir, '.qwen-otel', 'run', 'collector.log');
    expect(await until(() => existsSync(log) && readFileSync(log, 'utf8').includes(`"traceId":"${record.trace_id}"`), 10_000)).toBe(true);
    await new Promise((r) => setTimeout(r, 1000));
    expect(sink.traceRequests.length).toBe(before);
  });
});
