// The shared collector's one Prometheus endpoint: every live session on it, told apart by a
// `session` label that leaves with the session; a live scrape that passes `promtool check
// metrics` (as do the bench's live metrics); and the OpenTelemetry switches that turn it off.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runExposition, progressExposition } from '../src/bench/matrix/live-metrics';
import { runCommand } from '../src/bench/run-command';
import type { BenchResult } from '../src/contracts/bench-result';
import {
  API,
  find,
  parsePrometheus,
  readRecords,
  REPO,
  runWrapped,
  sandbox,
  tempDir,
  WAIT_FOR_METRICS_URL,
  writeScript,
} from './helpers/e2e';
import { BINARIES } from './helpers/stack';

const IN_CI = process.env.QWEN_OTEL_CI === '1';
const NO_PROMTOOL = !existsSync(BINARIES.promtool) && !IN_CI;
if (NO_PROMTOOL) console.warn('metrics-endpoint.e2e: promtool checks skipped, missing /usr/bin/promtool (apt-get install prometheus)');

async function promtoolCheck(text: string): Promise<{ code: number | null; output: string }> {
  const file = path.join(tempDir('promtool'), 'scrape.txt');
  writeFileSync(file, text);
  const result = await runCommand('/bin/sh', ['-c', `"${BINARIES.promtool}" check metrics < "${file}"`], {
    env: process.env,
    timeoutMs: 30_000,
  });
  return { code: result.code, output: `${result.stdout}${result.stderr}`.trim() };
}

/**
 * A session that fills every kind of instrument (histograms included), says it is up, and scrapes
 * the endpoint when told (`<dir>/scrape-<name>` appears), until `until(text)` holds.
 */
const SESSION_SCRIPT = `${WAIT_FOR_METRICS_URL}
const fs = require('fs');
const otel = require(${JSON.stringify(API)});
const [dir, name, waitFor] = process.argv.slice(2);
otel.phase('turn', () => {
  otel.recordRequest({ totalBytes: 1000, systemBytes: 400, toolSchemaBytes: 300, historyBytes: 300, messageCount: 3 });
  otel.recordToolResult({ bytes: 10, tool: 't' });
  otel.recordTokens({ input: 1, output: 1 });
});
setInterval(() => { const junk = []; for (let i = 0; i < 100000; i++) junk.push({ i }); }, 100);
(async () => {
  const url = await metricsUrl();
  fs.writeFileSync(dir + '/up-' + name, url);
  for (let i = 0; i < 600 && !fs.existsSync(dir + '/' + waitFor); i++) await sleep(50);
  let text = '';
  for (let i = 0; i < 100; i++) {
    text = await (await fetch(url)).text();
    if (name !== 'b' || !text.includes('workload="a"')) break;
    await sleep(100);
  }
  fs.writeFileSync(dir + '/scrape-' + name, text);
  process.exit(0);
})();
`;

describe("the collector's Prometheus endpoint", () => {
  it('serves every live session on one endpoint with its own session label, which leaves with the session; promtool check metrics passes', async () => {
    const box = sandbox('endpoint', { QWEN_OTEL_COLLECTOR_LINGER_MS: '5000' });
    const script = writeScript(box.dir, 'session.js', SESSION_SCRIPT);
    const sessionA = runWrapped([process.execPath, script, box.dir, 'a', 'up-b'], { ...box.env, QWEN_OTEL_WORKLOAD: 'a' });
    // b scrapes once a has scraped and left (its record written), and retries until a's series are gone.
    const sessionB = runWrapped([process.execPath, script, box.dir, 'b', 'scrape-a'], { ...box.env, QWEN_OTEL_WORKLOAD: 'b' });
    const [a, b] = await Promise.all([sessionA, sessionB]);
    expect([a.code, a.stderr, b.code, b.stderr]).toEqual([0, '', 0, '']);
    const read = (name: string): string => readFileSync(path.join(box.dir, name), 'utf8');
    expect(read('up-a')).toBe(read('up-b'));

    const both = parsePrometheus(read('scrape-a'));
    const labelOf = (workload: string): string[] => [...new Set(find(both, 'target_info', { workload }).map((s) => s.labels.session))];
    expect(labelOf('a')).toHaveLength(1);
    expect(labelOf('b')).toHaveLength(1);
    expect(labelOf('a')[0]).not.toBe(labelOf('b')[0]);
    for (const series of both) expect(series.labels.session, series.name).toMatch(/^[0-9]+$/);
    expect(find(both, 'qwen_otel_tree_memory_usage_bytes')).toHaveLength(2);

    const after = parsePrometheus(read('scrape-b'));
    expect(after.filter((s) => s.labels.workload === 'a')).toEqual([]);
    expect([...new Set(after.map((s) => s.labels.session))]).toEqual(labelOf('b'));
    expect(readRecords(box.recordFile)).toHaveLength(2);

    if (!NO_PROMTOOL) expect(await promtoolCheck(read('scrape-a'))).toEqual({ code: 0, output: '' });
  }, 180_000);

  it.skipIf(NO_PROMTOOL)("the bench's live metrics pass promtool check metrics", async () => {
    const fixture = readFileSync(path.join(REPO, 'test', 'fixtures', 'bench', 'qwen-claude-two-tool.jsonl'), 'utf8');
    const results = fixture
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as BenchResult)
      .filter((r) => r.schema === 'qwen-otel.bench/1');
    expect(results.length).toBeGreaterThan(0);
    const text = progressExposition({ planned: 4, finished: 2, failed: 0 }) + runExposition(results.slice(0, 2));
    expect(await promtoolCheck(text)).toEqual({ code: 0, output: '' });
  });

  it('OTEL_METRICS_EXPORTER=none serves nothing; OTEL_SDK_DISABLED=true serves and sends nothing, in one line; the record is written either way', async () => {
    const box = sandbox('switches');
    const script = writeScript(
      box.dir,
      'look.js',
      `
      const fs = require('fs');
      setTimeout(() => console.log(fs.existsSync(require('path').join(process.env.QWEN_OTEL_SESSION_DIR, 'metrics.url'))), 1500);`,
    );
    const none = await runWrapped([process.execPath, script], { ...box.env, OTEL_METRICS_EXPORTER: 'none' });
    expect([none.code, none.stdout.trim(), none.stderr]).toEqual([0, 'false', '']);
    const disabled = await runWrapped([process.execPath, script], { ...box.env, OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' });
    expect([disabled.code, disabled.stdout.trim()]).toEqual([0, 'false']);
    expect(disabled.stderr.trim().split('\n')).toEqual([
      'qwen-otel: OTEL_SDK_DISABLED=true: no metrics endpoint, push or traces (the run record is still written)',
    ]);
    expect(readRecords(box.recordFile)).toHaveLength(2);
  });
});
