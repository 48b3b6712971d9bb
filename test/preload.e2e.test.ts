// A Node script under `qwen-otel run`: what it serves live and what it leaves at exit.
import { mkdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { find, parsePrometheus, readRecords, runWrapped, sandbox, WAIT_FOR_METRICS_URL, writeScript } from './helpers/e2e';

const MiB = 1024 * 1024;

const LIVE_SCRIPT = `${WAIT_FOR_METRICS_URL}
const { spawn } = require('child_process');
const fs = require('fs');
const v8 = require('v8');
const vmRss = () => Number(/VmRSS:\\s+(\\d+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
// A non-Node child holding ~50 MB (every page touched, so it is resident).
const child = spawn('python3', ['-c', 'import time\\nx = bytearray(50*1024*1024)\\nx[::4096] = b"\\\\x01" * (len(x)//4096)\\nprint("ready", flush=True)\\ntime.sleep(60)'], { stdio: ['ignore', 'pipe', 'inherit'] });
child.stdout.once('data', async () => {
  const url = await metricsUrl();
  await sleep(1200); // at least two samples of the collector after the child filled its memory
  await (await fetch(url)).text(); // fetch's first use loads undici: let that not move RSS mid-scrape
  const before = vmRss();
  const text = await (await fetch(url)).text();
  const after = vmRss();
  child.kill();
  console.log(JSON.stringify({ url, before, after, text, spaces: v8.getHeapSpaceStatistics().map((s) => s.space_name) }));
  process.exitCode = 3;
});
`;

describe('a Node script under qwen-otel run', () => {
  it('serves RSS that agrees with /proc, every heap space, and a 50 MB non-Node child with its role', async () => {
    const box = sandbox('live', { QWEN_OTEL_WORKLOAD: 'e2e-live', QWEN_OTEL_BRANCH: 'feature/x' });
    const script = writeScript(box.dir, 'live.js', LIVE_SCRIPT);
    const result = await runWrapped([process.execPath, script], box.env);
    expect(result.code).toBe(3);
    const out = JSON.parse(result.stdout);
    const series = parsePrometheus(out.text);

    const [rss] = find(series, 'process_memory_usage_bytes', { role: 'cli' });
    const atTheSameMoment = (out.before + out.after) / 2;
    expect(Math.abs(rss.value - atTheSameMoment) / atTheSameMoment).toBeLessThan(0.05);
    expect(rss.labels).toMatchObject({ cli: 'node', branch: 'feature/x', workload: 'e2e-live' });

    const spaces = find(series, 'v8js_memory_heap_used_bytes', { role: 'cli' }).map((s) => s.labels.v8js_heap_space_name);
    expect(spaces.sort()).toEqual([...out.spaces].sort());

    const [tool] = find(series, 'process_memory_usage_bytes', { role: 'tool' });
    expect(tool.value).toBeGreaterThan(50 * MiB);
    expect(find(series, 'qwen_otel_processes', { role: 'tool' })[0].value).toBe(1);
    const [tree] = find(series, 'qwen_otel_tree_memory_usage_bytes');
    expect(tree.value).toBeGreaterThanOrEqual(rss.value + tool.value - MiB);

    const [record] = readRecords(box.recordFile);
    expect(record).toMatchObject({
      schema: 'qwen-otel.run/1',
      complete: true,
      cli: 'node',
      workload: 'e2e-live',
      exit: { code: 3, reason: 'exit' },
    });
    const python = record.processes.find((p: { name: string }) => p.name.startsWith('python'));
    expect(python).toMatchObject({ role: 'tool', instrumented: false });
    expect(python.hwm_bytes).toBeGreaterThan(50 * MiB);
    expect(record.tree.rss_peak_bytes).toBeGreaterThanOrEqual(record.tree.rss_peak_sampled_bytes);
    expect(record.v8.heap_space_used_peak_bytes).toHaveProperty('old_space');
  });

  it('listens on 127.0.0.1 only unless configured otherwise', async () => {
    const external = Object.values(os.networkInterfaces())
      .flat()
      .find((i) => i && i.family === 'IPv4' && !i.internal);
    const box = sandbox('loopback');
    const script = writeScript(
      box.dir,
      'url.js',
      `${WAIT_FOR_METRICS_URL} metricsUrl().then(async (u) => { console.log(u); await sleep(300); });`,
    );
    const result = await runWrapped([process.execPath, script], box.env);
    const url = new URL(result.stdout.trim());
    expect(url.hostname).toBe('127.0.0.1');
    if (external) {
      // While a session is up, its port does not answer on the machine's other address.
      const probe = writeScript(
        box.dir,
        'probe.js',
        `${WAIT_FOR_METRICS_URL}
        metricsUrl().then((u) => {
          const port = Number(new URL(u).port);
          const s = require('net').connect({ host: ${JSON.stringify(external.address)}, port });
          s.on('connect', () => { console.log('reachable'); s.destroy(); });
          s.on('error', (e) => console.log(e.code));
        });`,
      );
      const probed = await runWrapped([process.execPath, probe], box.env);
      expect(probed.stdout.trim()).toBe('ECONNREFUSED');
    }
  });

  it('reports a relaunched worker of the same package under the same session, with its role', async () => {
    const box = sandbox('relaunch');
    const pkg = path.join(box.dir, 'fake-cli');
    mkdirSync(pkg);
    writeScript(pkg, 'package.json', JSON.stringify({ name: '@acme/fake-cli', version: '1.2.3' }));
    const cli = writeScript(
      pkg,
      'cli.js',
      `
      const { spawnSync } = require('child_process');
      if (process.argv[2] === '--worker') {
        const keep = Buffer.alloc(30 * 1024 * 1024, 1);
        setTimeout(() => console.log('worker done', keep.length > 0), 700);
      } else {
        const r = spawnSync(process.execPath, [__filename, '--worker'], { stdio: 'inherit' });
        process.exit(r.status);
      }`,
    );
    const result = await runWrapped([process.execPath, cli], box.env);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('worker done true\n');
    const [record] = readRecords(box.recordFile);
    expect(record).toMatchObject({ cli: 'fake-cli', cli_version: '1.2.3', branch: '1.2.3' });
    const instrumented = record.processes.filter((p: { instrumented: boolean }) => p.instrumented);
    expect(instrumented.map((p: { role: string }) => p.role).sort()).toEqual(['cli', 'cli_worker']);
    const worker = instrumented.find((p: { role: string }) => p.role === 'cli_worker');
    expect(worker.hwm_bytes).toBeGreaterThan(30 * MiB);
    expect(record.tree.rss_peak_bytes).toBeGreaterThanOrEqual(Math.max(...record.processes.map((p: { hwm_bytes: number }) => p.hwm_bytes)));
  });
});
