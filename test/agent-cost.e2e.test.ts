// What a small instrumented process pays for: the traffic tap's code only once it makes an HTTP
// request (and that first request is accounted exactly), V8's heap detail only once its heap is
// large, and the record's agent figures are CPU time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startModelServer, type ModelServer } from '../src/bench/model-server/server';
import { readRecords, runWrapped, sandbox, writeScript } from './helpers/e2e';

const CLIENT = `
const loaded = () => ({
  traffic: Object.keys(require.cache).some((file) => file.endsWith('traffic.bundle.js')),
  v8: process.moduleLoadList.includes('NativeModule v8'),
  perfHooks: process.moduleLoadList.includes('NativeModule perf_hooks'),
});
const body = JSON.stringify({ model: 'm', messages: [{ role: 'system', content: 'You are a coding agent.' }, { role: 'user', content: 'Say done.' }] });
setTimeout(async () => {
  const before = loaded(); // after several samples: the first comes within 100 ms
  const reply = await fetch(process.argv[2] + '/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const text = await reply.text();
  console.log(JSON.stringify({ before, after: loaded(), replyBytes: Buffer.byteLength(text) }));
}, 700);
`;

// Sleeps with its main thread blocked: no sample runs meanwhile, and none is counted.
const SLEEPER = `Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1500);`;

let server: ModelServer;
beforeAll(async () => {
  server = await startModelServer();
});
afterAll(() => server?.close());

describe('an instrumented small process', () => {
  it('loads the traffic code at its first HTTP request, accounts that request exactly, and reads no V8 detail while small', async () => {
    const box = sandbox('lazy-traffic');
    const script = writeScript(box.dir, 'client.js', CLIENT);
    const result = await runWrapped([process.execPath, script, server.url], box.env);
    expect(result.code, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout);
    expect(out.before).toEqual({ traffic: false, v8: false, perfHooks: false });
    expect(out.after.traffic).toBe(true);

    const seen = server.requests.filter((r) => r.format === 'openai-chat');
    expect(seen).toHaveLength(1);
    expect(out.replyBytes).toBe(seen[0].responseBytes);
    const [record] = readRecords(box.recordFile);
    expect(record.requests).toBe(1);
    expect(record.unparsed_requests).toBe(0);
    expect(record.peak_request_bytes).toBe(seen[0].requestBytes);
    expect(record.tokens.input).toBe(seen[0].promptTokens);
    expect(record.tokens.output).toBe(seen[0].completionTokens);
    // Small all along: the heap in use is known from process.memoryUsage(), its spaces are not read.
    expect(record.v8.heap_used_peak_bytes).toBeGreaterThan(0);
    expect(record.v8.heap_space_used_peak_bytes).toEqual({});
    const o = record.observer;
    expect(o.agent_samples).toBeGreaterThan(1);
    expect(o.agent_start_cpu_ms).toBeGreaterThan(0);
    expect(o.agent_traffic_cpu_ms).toBeGreaterThan(0);
    expect(o.agent_cpu_ms).toBeCloseTo(o.agent_start_cpu_ms + o.agent_sampling_cpu_ms + o.agent_traffic_cpu_ms, 0);
  }, 60_000);

  it('counts CPU, not wall time: a process that sleeps costs its agent next to nothing', async () => {
    const box = sandbox('sleeper');
    const script = writeScript(box.dir, 'sleep.js', SLEEPER);
    const result = await runWrapped([process.execPath, script], box.env);
    expect(result.code, result.stderr).toBe(0);
    const [record] = readRecords(box.recordFile);
    const o = record.observer;
    // 1.5 s asleep: a figure taken on a wall clock would hold all of it, one on a CPU clock a few
    // samples' worth. Half the sleep tells the two apart however loaded the machine is.
    const ASLEEP_HALF_MS = 750;
    expect(o.agent_sampling_cpu_ms).toBeLessThan(ASLEEP_HALF_MS);
    expect(o.agent_traffic_cpu_ms).toBe(0);
    expect(o.agent_cpu_ms - o.agent_start_cpu_ms).toBeLessThan(ASLEEP_HALF_MS);
  }, 60_000);
});
