// Telemetry never harms the host: busy ports, dead backends, signals, crashes and bad settings
// cost at most one line and a bounded delay; exit codes and output stay the CLI's own.
import { existsSync, readdirSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../src/bench/run-command';
import { BIN, readRecords, REGISTER, runWrapped, sandbox, until, WAIT_FOR_METRICS_URL, writeScript } from './helpers/e2e';

let closedPort = 0;
beforeAll(async () => {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
});

const EXIT_CODE_7 = 'setTimeout(() => process.exit(7), 300);';

/** An HTTP backend that first accepts and never answers, then (after answer()) takes pushes, traces and OTLP metrics. */
async function toggleBackend(): Promise<{
  url: string;
  pushes: number;
  traces: number;
  metrics: number;
  answer(): void;
  close(): Promise<void>;
}> {
  let answering = false;
  const held: import('node:http').ServerResponse[] = [];
  const state = { url: '', pushes: 0, traces: 0, metrics: 0, answer: () => (answering = true), close: async () => undefined };
  const server = createHttpServer((req, res) => {
    req.resume();
    if (!answering) {
      held.push(res);
      return;
    }
    req.on('end', () => {
      if (req.url === '/v1/traces') state.traces += 1;
      else if (req.url === '/v1/metrics') state.metrics += 1;
      else if (req.url?.startsWith('/metrics/job/')) state.pushes += 1;
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  state.close = () =>
    new Promise((resolve) => {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

describe('faults', () => {
  it('with every backend refused, says so in one line each before it returns, and keeps the exit code and the record', async () => {
    const box = sandbox('dead-backends', {
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_METRICS_EXPORTER: 'prometheus,otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${closedPort}`,
      QWEN_OTEL_PUSHGATEWAY_URL: `http://127.0.0.1:${closedPort}`,
    });
    const script = writeScript(box.dir, 'exit7.js', EXIT_CODE_7);
    const result = await runWrapped([process.execPath, script], box.env);
    expect([result.code, result.stdout]).toEqual([7, '']);
    const lines = result.stderr.split('\n').filter((l) => l.startsWith('qwen-otel:'));
    expect(lines.sort()).toEqual([
      `qwen-otel: OTLP metrics not sent: nothing listens at http://127.0.0.1:${closedPort}/v1/metrics (OTEL_METRICS_EXPORTER without otlp stops sending them)`,
      `qwen-otel: final figures not sent: nothing listens at http://127.0.0.1:${closedPort} (unset QWEN_OTEL_PUSHGATEWAY_URL to stop pushing)`,
      `qwen-otel: traces not sent: nothing listens at http://127.0.0.1:${closedPort}/v1/traces (OTEL_TRACES_EXPORTER=none turns traces off)`,
    ]);
    const [record] = readRecords(box.recordFile);
    expect(record).toMatchObject({ complete: true, exit: { code: 7 } });
  });

  it('with a backend that never answers, keeps the final figures (push, traces, OTLP metrics), says so at the next run, and `flush` delivers them once it answers', async () => {
    const backend = await toggleBackend();
    try {
      const box = sandbox('silent-backend', {
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_METRICS_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_ENDPOINT: backend.url,
        QWEN_OTEL_PUSHGATEWAY_URL: backend.url,
        QWEN_OTEL_DELIVERY_DEADLINE_MS: '1500',
        QWEN_OTEL_COLLECTOR_LINGER_MS: '20000',
      });
      const script = writeScript(box.dir, 'exit7.js', EXIT_CODE_7);
      const first = await runWrapped([process.execPath, script], box.env);
      expect(first.code).toBe(7);
      expect(first.stderr.split('\n').filter((l) => l.startsWith('qwen-otel:'))).toEqual([]);
      const [record] = readRecords(box.recordFile);
      expect(record).toMatchObject({ complete: true, exit: { code: 7 } });
      // The collector tries until the deadline, then keeps both items and leaves a line for the next run.
      const spool = path.join(box.dir, '.qwen-otel', 'run', 'spool');
      expect(await until(() => existsSync(spool) && readdirSync(spool).filter((f) => f.endsWith('.spool.json')).length === 3, 30_000)).toBe(
        true,
      );
      const next = await runWrapped(['true'], {
        ...box.env,
        OTEL_TRACES_EXPORTER: 'none',
        OTEL_METRICS_EXPORTER: 'none',
        QWEN_OTEL_PUSHGATEWAY_URL: '',
      });
      const told = next.stderr.split('\n').filter((l) => l.includes(`run ${record.run_id}`));
      expect(told.map((l) => l.replace(/ \(.*/, '')).sort()).toEqual([
        `qwen-otel: run ${record.run_id}: OTLP metrics not delivered to ${backend.url}/v1/metrics within 2 s`,
        `qwen-otel: run ${record.run_id}: final figures not delivered to ${backend.url} within 2 s`,
        `qwen-otel: run ${record.run_id}: traces not delivered to ${backend.url}/v1/traces within 2 s`,
      ]);
      backend.answer();
      const flushed = await runCommand(BIN, ['flush'], { env: box.env });
      expect(flushed.stderr.trim()).toBe('qwen-otel: flushed 3 of 3 kept items');
      expect(flushed.code).toBe(0);
      expect(backend.pushes).toBe(1);
      expect(backend.traces).toBe(1);
      expect(backend.metrics).toBe(1);
      expect(readdirSync(spool).filter((f) => f.endsWith('.spool.json'))).toEqual([]);
    } finally {
      await backend.close();
    }
  });

  it('when the metrics port is taken, the sessions share the endpoint on another one, and each is told where in one line', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as { port: number }).port;
    try {
      const box = sandbox('busy-port', { QWEN_OTEL_PROMETHEUS_PORT: String(port) });
      const script = writeScript(
        box.dir,
        'scrape.js',
        `${WAIT_FOR_METRICS_URL}
        const fs = require('node:fs');
        // Both sessions must be alive at once: each waits until the other has its endpoint too.
        const bothUp = async () => { for (let i = 0; i < 200 && fs.readdirSync(${JSON.stringify('DIR')}).filter((f) => f.startsWith('up-')).length < 2; i++) await new Promise((r) => setTimeout(r, 50)); };
        metricsUrl().then(async (u) => { const t = await (await fetch(u)).text(); fs.writeFileSync(${JSON.stringify('DIR')} + '/up-' + process.pid, ''); await bothUp(); console.log(u, t.includes('process_memory_usage_bytes')); });`.replaceAll(
          '"DIR"',
          JSON.stringify(box.dir),
        ),
      );
      const [a, b] = await Promise.all([runWrapped([process.execPath, script], box.env), runWrapped([process.execPath, script], box.env)]);
      for (const run of [a, b]) {
        const [url, served] = run.stdout.trim().split(' ');
        expect(served).toBe('true');
        expect(new URL(url).port).not.toBe(String(port));
        expect(run.stderr.trim()).toBe(`qwen-otel: port ${port} is busy; metrics are at ${url}`);
      }
      expect(a.stdout).toBe(b.stdout);
      expect(readRecords(box.recordFile)).toHaveLength(2);
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });

  it('writes a valid record when SIGTERM stops the CLI mid-run, and keeps the exit code', async () => {
    const box = sandbox('sigterm');
    const started = path.join(box.dir, 'started');
    const script = writeScript(
      box.dir,
      'long.js',
      `console.log('started'); require('fs').writeFileSync(${JSON.stringify(started)}, ''); setInterval(() => {}, 1000);`,
    );
    let wrapper = 0;
    const run = runCommand(BIN, ['run', '--', process.execPath, script], {
      env: box.env,
      timeoutMs: 60_000,
      onSpawn: (pid) => (wrapper = pid),
    });
    await until(() => existsSync(started), 30_000);
    process.kill(wrapper, 'SIGTERM');
    const result = await run;
    expect(result.stdout).toBe('started\n');
    expect(result.code).toBe(143);
    const [record] = readRecords(box.recordFile);
    expect(record).toMatchObject({ complete: true, exit: { code: 143, reason: 'signal', signal: 'SIGTERM' } });
  });

  it("leaves a CLI's own SIGTERM handling alone (its cleanup runs, its exit code stands)", async () => {
    const box = sandbox('own-handler');
    const started = path.join(box.dir, 'started');
    const script = writeScript(
      box.dir,
      'handler.js',
      `process.on('SIGTERM', () => { console.log('cleanup'); process.exit(130); }); console.log('started'); require('fs').writeFileSync(${JSON.stringify(started)}, ''); setInterval(() => {}, 1000);`,
    );
    let pid = 0;
    const run = runCommand(process.execPath, [script], {
      env: { ...box.env, QWEN_OTEL: '1', NODE_OPTIONS: `--require ${REGISTER}` },
      timeoutMs: 60_000,
      onSpawn: (p) => (pid = p),
    });
    await until(() => existsSync(started), 30_000);
    process.kill(pid, 'SIGTERM');
    const result = await run;
    expect(result.stdout).toBe('started\ncleanup\n');
    expect(result.code).toBe(130);
    const record = await waitForRecord(box.recordFile);
    expect(record).toMatchObject({ exit: { code: 130, reason: 'signal', signal: 'SIGTERM' } });
  });

  it('records an uncaught exception by its class only, and keeps exit code 1', async () => {
    const box = sandbox('crash');
    const script = writeScript(box.dir, 'crash.js', 'setTimeout(() => { null.secretPromptText; }, 200);');
    const result = await runWrapped([process.execPath, script], box.env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('TypeError');
    const [record] = readRecords(box.recordFile);
    expect(record).toMatchObject({ exit: { code: 1, reason: 'exception', error_name: 'TypeError' } });
    expect(JSON.stringify(record)).not.toContain('secretPromptText');
  });

  it('writes the record early when the heap nears its limit, before V8 dies of it', async () => {
    const box = sandbox('oom', { QWEN_OTEL_SAMPLE_INTERVAL_MS: '100' });
    const script = writeScript(
      box.dir,
      'leak.js',
      'const keep = []; setInterval(() => { for (let i = 0; i < 2000; i++) keep.push({ i, s: "x".repeat(64) + i }); }, 5);',
    );
    const result = await runWrapped([process.execPath, '--max-old-space-size=48', script], box.env, 60_000);
    expect(result.code).not.toBe(0);
    const records = readRecords(box.recordFile);
    const seen = JSON.stringify(
      records.map((r) => [
        r.complete,
        r.processes.map((p: { heap_pressure: boolean }) => p.heap_pressure),
        r.v8?.old_generation_used_peak_bytes,
      ]),
    );
    expect(records[0], seen).toMatchObject({ complete: false, diagnosis: {} });
    expect(records[0].processes.some((p: { heap_pressure: boolean }) => p.heap_pressure)).toBe(true);
    expect(records[records.length - 1]).toMatchObject({ complete: true });
    const last = records[records.length - 1];
    expect(last.v8.old_generation_limit_bytes).toBe(48 * 1024 * 1024);
    expect(last.v8.old_generation_used_peak_bytes).toBeGreaterThan(0.8 * last.v8.old_generation_limit_bytes);
    expect(last.diagnosis.class).toBe('heap-limit');
  });

  it('answers a bad setting with one clear line and the same output as a plain run', async () => {
    const box = sandbox('bad-env');
    const script = writeScript(box.dir, 'out.js', "console.log('the answer', 42);");
    const plain = await runCommand(process.execPath, [script], { env: box.env });
    const bad = await runWrapped([process.execPath, script], { ...box.env, QWEN_OTEL_SAMPLE_INTERVAL_MS: 'fast' });
    expect(bad.stdout).toBe(plain.stdout);
    expect(bad.code).toBe(0);
    expect(bad.stderr.trim()).toBe(
      'qwen-otel: QWEN_OTEL_SAMPLE_INTERVAL_MS="fast" is not valid (expected a whole number of milliseconds, 10-60000); using 500',
    );
  });

  it('refuses a run without a command, and bad options, with usage', async () => {
    const none = await runCommand(BIN, ['run'], { env: { PATH: process.env.PATH } });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^qwen-otel: run needs a command; usage: qwen-otel run/);
    const bad = await runCommand(BIN, ['run', '--colour', '--', 'true'], { env: { PATH: process.env.PATH } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^qwen-otel: unknown option --colour/);
  });

  it('passes a missing command through as the shell would (exit 127), and still records', async () => {
    const box = sandbox('missing');
    const result = await runWrapped(['definitely-not-a-command-qwen-otel'], box.env);
    expect(result.code).toBe(127);
  });
});

async function waitForRecord(file: string): Promise<Record<string, any>> {
  for (let i = 0; i < 40; i += 1) {
    const [record] = readRecords(file);
    if (record) return record;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('no record within 2 s');
}
