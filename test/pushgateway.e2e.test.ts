// Runs that end before a scrape are still delivered: to a real Prometheus Pushgateway
// (Debian's prometheus-pushgateway; .ci/run installs it).
import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { find, parsePrometheus, runWrapped, sandbox, until, writeScript } from './helpers/e2e';
import { type Pushgateway, startPushgateway } from '../src/bench/backends';

let gateway: Pushgateway;
let url = '';

beforeAll(async () => {
  // A persistence file of its own: Debian's package keeps pushes across starts, and an earlier
  // run's group (same labels) would answer before this run's push.
  gateway = await startPushgateway(path.join(mkdtempSync(path.join(os.tmpdir(), 'qo-test-pgw-')), 'pushgateway.data'));
  url = gateway.url;
});
afterAll(() => {
  gateway?.close();
});

describe('the Pushgateway', () => {
  it('receives the final figures of a run too short to be scraped, grouped by cli, branch and workload', async () => {
    const box = sandbox('push', {
      QWEN_OTEL_PUSHGATEWAY_URL: url,
      QWEN_OTEL_BRANCH: 'feature/lazy-tools',
      QWEN_OTEL_WORKLOAD: 'push-e2e',
      QWEN_OTEL_CLI: 'tiny',
    });
    const script = writeScript(box.dir, 'short.js', "const keep = Buffer.alloc(40 * 1024 * 1024, 1); console.log('done', keep.length);");
    const result = await runWrapped([process.execPath, script], box.env);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const labels = { job: 'qwen-otel', cli: 'tiny', branch: 'feature/lazy-tools', workload: 'push-e2e' };
    // The push follows the run's end in the background (the command does not wait for it).
    let series: ReturnType<typeof parsePrometheus> = [];
    await until(
      () => find(series, 'push_time_seconds', labels).length > 0,
      30_000,
      async () => {
        series = parsePrometheus(await (await fetch(`${url}/metrics`)).text());
      },
    );
    const [peak] = find(series, 'qwen_otel_tree_memory_peak_bytes', labels);
    const pushed = series.filter((s) => s.labels.workload === 'push-e2e').map((s) => `${s.name}=${s.value}`);
    expect(peak, `the push holds no tree peak; it holds: ${[...new Set(pushed)].join(', ')}`).toBeDefined();
    expect(peak.value).toBeGreaterThan(40 * 1024 * 1024);
    expect(find(series, 'qwen_otel_process_memory_peak_bytes', { ...labels, role: 'cli' })[0].value).toBeGreaterThan(40 * 1024 * 1024);
    expect(find(series, 'push_time_seconds', labels)).toHaveLength(1);
  });
});
