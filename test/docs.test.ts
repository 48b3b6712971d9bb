// docs/metrics.md lists every metric a run exports, and nothing else: the docs cannot go stale.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { prometheusName, type PrometheusType } from '../src/export/exposition';
import { API, REPO, runWrapped, sandbox, WAIT_FOR_METRICS_URL, writeScript } from './helpers/e2e';

describe('docs/metrics.md', () => {
  it('names exactly the metric families a run serves', async () => {
    const box = sandbox('docs');
    const script = writeScript(
      box.dir,
      'all.js',
      `${WAIT_FOR_METRICS_URL}
      const otel = require(${JSON.stringify(API)});
      const { spawn } = require('child_process');
      const child = spawn('sleep', ['5']);
      otel.phase('turn', () => {
        otel.recordRequest({ totalBytes: 1000, systemBytes: 400, toolSchemaBytes: 300, historyBytes: 300, messageCount: 3 });
        otel.recordToolResult({ bytes: 10, tool: 't' });
        otel.recordTokens({ input: 1, output: 1 });
        otel.recordTruncation({});
      });
      // A heap past 16 MiB from the start: the agent reads V8's detail and watches GC from its
      // first sample on (a smaller process has no heap-space or GC series). Then garbage.
      const kept = Array.from({ length: 400000 }, (_, i) => ({ i, s: 'kept ' + i }));
      setInterval(() => { const junk = []; for (let i = 0; i < 100000; i++) junk.push({ i }); }, 100);
      metricsUrl().then(async (u) => { await sleep(1500); console.log(await (await fetch(u)).text()); child.kill(); process.exit(kept.length > 0 ? 0 : 1); });`,
    );
    const result = await runWrapped([process.execPath, script], box.env);
    const served = new Set(
      result.stdout
        .split('\n')
        .filter((l) => l.startsWith('# TYPE '))
        .map((l) => l.split(' ')[2])
        .filter((n) => n !== 'target_info'),
    );
    const doc = readFileSync(path.join(REPO, 'docs', 'metrics.md'), 'utf8');
    const documented = new Set(
      [...doc.matchAll(/^\| `([a-z0-9_.]+)` \| ([^|]+) \| (gauge|counter|histogram) \|/gm)].map((m) =>
        prometheusName(m[1], m[2].trim(), m[3] as PrometheusType),
      ),
    );
    // The response-side instruments fill from model traffic (the traffic tap); a run without
    // model calls does not serve them yet.
    // qwen_otel.v8.heap.by_package needs QWEN_OTEL_HEAP_PROFILE=1 (the heap-profile tests serve it).
    const trafficOnly = new Set([
      'gen_ai_client_operation_duration_seconds',
      'gen_ai_client_operation_time_to_first_chunk_seconds',
      'qwen_otel_http_requests_total',
      'qwen_otel_v8_heap_by_package_bytes',
    ]);
    // `qwen-otel attribute` pushes these after a matrix; no run serves them.
    for (const name of documented) if (name.startsWith('qwen_otel_attribution_')) trafficOnly.add(name);
    // (The script's own fetch of /metrics counts as a non-model request once a sample has passed.)
    expect([...served].filter((n) => !trafficOnly.has(n)).sort()).toEqual([...documented].filter((n) => !trafficOnly.has(n)).sort());
    expect([...served].filter((n) => !documented.has(n))).toEqual([]);
  });
});

describe('README.md and .ci/run', () => {
  const readme = readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const ci = readFileSync(path.join(REPO, '.ci', 'run'), 'utf8');
  const commands = (text: string) =>
    text
      .split('\n')
      .map((line) => line.replace(/#.*$/, '').trim())
      .filter(Boolean);

  it('opens with the main job and the tests, and .ci/run ends with the test command README gives', () => {
    const top = commands(/```sh\n([\s\S]*?)```/.exec(readme)![1]);
    expect(top).toEqual(['npm install && npx qwen-otel run --summary -- node examples/agent-loop.js', 'bash .ci/run']);
    const development = readme.slice(readme.indexOf('## Development'));
    const testCommand = commands(/```sh\n([\s\S]*?)```/.exec(development)![1]).find((c) => /^npm (run )?test\b/.test(c));
    expect(commands(ci).at(-1)).toBe(testCommand);
  });

  it('names every package .ci/run installs for the tests', () => {
    const installed = [...ci.matchAll(/need\+=\(([\w-]+)\)/g)].map((m) => m[1]);
    expect(installed.length).toBeGreaterThanOrEqual(7);
    const development = readme.slice(readme.indexOf('## Development'));
    expect(installed.filter((name) => !development.includes(`\`${name}\``))).toEqual([]);
  });
});
