// The stack for real: Debian's Prometheus, Pushgateway and Alertmanager started with the
// project's own config files (test/helpers/stack.ts says what is adapted), fed by real runs
// under `qwen-otel run` (and `qwen-otel attribute` on a recorded matrix). It checks the configs with promtool and amtool, that a
// bloated candidate branch fires the regression alert into Alertmanager, and that every panel
// query of the generated dashboard returns at least one series.
// Outside CI it skips (one line) when the binaries are missing; in CI (QWEN_OTEL_CI=1) it fails.
import { copyFileSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLiveSession, type StackEndpoints } from '../src/stack/demo';
import { REPO, tempDir } from './helpers/e2e';
import { runCommand } from '../src/bench/run-command';
import { BINARIES, MISSING, promQuery, startStack, waitFor, type Stack } from './helpers/stack';

const IN_CI = process.env.QWEN_OTEL_CI === '1';
const SKIP = MISSING.length > 0 && !IN_CI;
if (SKIP)
  console.warn(
    `stack.e2e: skipped, missing ${MISSING.join(', ')} (apt-get install prometheus prometheus-pushgateway prometheus-alertmanager)`,
  );

const DEMO_TARGET = path.join(REPO, 'dist', 'stack', 'demo-target.js');
/** The quick matrix's workloads: the candidate retains 100 MiB more on each, so each regresses. */
const QUICK_WORKLOADS = ['diff-100k', 'pr-review'];

/**
 * How data gets into the stack: a quick `qwen-otel bench` matrix, a baseline target and a bloated
 * candidate (the demo target playing each workload's conversation with the bench's scripted
 * model server), every run pushing its final figures to the Pushgateway, and the bench serving
 * its progress where Prometheus's qwen-otel-bench job scrapes it.
 */
async function feed(endpoints: StackEndpoints, benchMetricsPort: number): Promise<void> {
  const target = (branch: string, retainMiB: number): string =>
    `demo@${branch}=${process.execPath} ${DEMO_TARGET} --retain-mib ${retainMiB}`;
  const args = [
    path.join(REPO, 'dist', 'cli.js'),
    'bench',
    '--quick',
    '--repeats',
    '1',
    '--warmup',
    '0',
    '--timeout',
    '60s',
    '--metrics-port',
    String(benchMetricsPort),
    '--out',
    tempDir('stack-bench'),
    '--target',
    target('main', 20),
    '--target',
    target('candidate', 120),
  ];
  const result = await runCommand(process.execPath, args, {
    env: { ...process.env, ...endpoints.env, OTEL_TRACES_EXPORTER: 'none', QWEN_OTEL_PUSHGATEWAY_URL: endpoints.pushgatewayUrl },
    timeoutMs: 90_000,
  });
  if (result.code !== 0) throw new Error(`qwen-otel bench exited ${result.code}: ${result.stdout.slice(-600)}${result.stderr.slice(-600)}`);
  await pushAttribution(endpoints.pushgatewayUrl);
}

/** The attribution panel's figures: `qwen-otel attribute` on a recorded real matrix (Qwen 0.15.10 with MCP servers), pushed. */
async function pushAttribution(pushgatewayUrl: string): Promise<void> {
  const results = path.join(tempDir('stack-attribute'), 'results.jsonl');
  copyFileSync(path.join(REPO, 'test', 'fixtures', 'bench', 'qwen-mcp-attribution.jsonl'), results);
  const result = await runCommand(process.execPath, [path.join(REPO, 'dist', 'cli.js'), 'attribute', '--from', results], {
    env: { ...process.env, QWEN_OTEL_PUSHGATEWAY_URL: pushgatewayUrl },
    timeoutMs: 60_000,
  });
  if (result.code !== 0) throw new Error(`qwen-otel attribute exited ${result.code}: ${result.stderr.slice(-600)}`);
}

const run = (binary: string, args: string[]) => runCommand(binary, args, { env: process.env, timeoutMs: 60_000 });

describe.skipIf(SKIP)('the stack (Prometheus, Pushgateway, Alertmanager: real binaries)', () => {
  let stack: Stack;
  let live: ReturnType<typeof startLiveSession>;
  let started = 0;

  beforeAll(async () => {
    if (MISSING.length > 0) throw new Error(`QWEN_OTEL_CI=1 but ${MISSING.join(', ')} missing: .ci/run installs them`);
    stack = await startStack();
    started = Math.floor(Date.now() / 1000);
    const endpoints: StackEndpoints = {
      pushgatewayUrl: stack.pushgatewayUrl,
      fileSdDir: stack.fileSdDir,
      env: { HOME: tempDir('stack-home'), QWEN_OTEL_RECORD_FILE: 'off' },
    };
    live = startLiveSession(endpoints, 90_000);
    await feed(endpoints, stack.benchMetricsPort);
  }, 120_000);

  afterAll(async () => {
    await live?.stop();
    stack?.stop();
  });

  it('passes promtool check config / check rules / test rules and amtool (docker-compose.yml: test/stack-compose.test.ts)', async () => {
    const prom = path.join(REPO, 'prometheus');
    const checks = await Promise.all([
      run(BINARIES.promtool, ['check', 'config', path.join(prom, 'prometheus.yml')]),
      run(BINARIES.promtool, ['check', 'rules', ...['settings', 'recording', 'alerts'].map((f) => path.join(prom, 'rules', `${f}.yml`))]),
      run(BINARIES.promtool, [
        'test',
        'rules',
        ...['regressions', 'week-over-week', 'live-sessions'].map((f) => path.join(prom, 'tests', `${f}.yml`)),
      ]),
      run(BINARIES.amtool, ['check-config', path.join(prom, 'alertmanager.yml')]),
    ]);
    for (const check of checks) expect(check.code, check.stdout + check.stderr).toBe(0);
  }, 60_000);

  it('fires the RSS regression alert for the bloated candidate only, and Alertmanager receives it', async () => {
    const firing = await waitFor('QwenOtelTreeRssRegression firing in Prometheus for every workload', 40_000, async () => {
      const result = await promQuery(stack.prometheusUrl, 'ALERTS{alertname="QwenOtelTreeRssRegression", alertstate="firing"}');
      return result.length >= QUICK_WORKLOADS.length ? result : null;
    });
    expect(firing.map((s) => `${s.metric.cli}@${s.metric.branch} ${s.metric.workload} vs ${s.metric.baseline}`).sort()).toEqual(
      QUICK_WORKLOADS.map((w) => `demo@candidate ${w} vs main`),
    );
    const ratios = await promQuery(
      stack.prometheusUrl,
      'cli_branch_workload:qwen_otel_tree_memory_peak_bytes:ratio_to_baseline{branch="candidate"}',
    );
    expect(ratios.map((s) => s.metric.workload).sort()).toEqual(QUICK_WORKLOADS);
    const received = await waitFor('the alerts in Alertmanager', 20_000, async () => {
      const alerts = (await (await fetch(`${stack.alertmanagerUrl}/api/v2/alerts`)).json()) as Array<{
        labels: Record<string, string>;
        annotations: Record<string, string>;
      }>;
      const ours = alerts.filter((a) => a.labels.alertname === 'QwenOtelTreeRssRegression');
      return ours.length >= QUICK_WORKLOADS.length ? ours : null;
    });
    expect(received.map((a) => a.labels.workload).sort()).toEqual(QUICK_WORKLOADS);
    for (const alert of received) {
      expect(alert.labels).toMatchObject({ cli: 'demo', branch: 'candidate', baseline: 'main', figure: 'tree_rss_peak' });
      expect(alert.annotations.summary).toMatch(
        new RegExp(`^demo on branch candidate, workload ${alert.labels.workload}: process-tree RSS peak \\d+(\\.\\d+)?% above main$`),
      );
    }
  }, 70_000);

  it('answers every panel query of the dashboard with at least one series', async () => {
    // The live session must have been scraped a few times for rate() and the timelines.
    await waitFor('the live session scraped', 20_000, async () =>
      (await promQuery(stack.prometheusUrl, 'count_over_time(qwen_otel_tree_memory_usage_bytes{job="qwen-otel-live"}[1m]) >= 5')).length > 0
        ? true
        : null,
    );
    const queries = dashboardQueries();
    expect(queries.length).toBeGreaterThan(25);
    const range = { start: started, end: Math.floor(Date.now() / 1000) };
    const empty: string[] = [];
    for (const q of queries) {
      const series = await promQuery(stack.prometheusUrl, q.expr, q.instant ? undefined : range);
      if (series.length === 0) empty.push(`${q.panel}: ${q.expr}`);
    }
    expect(empty).toEqual([]);
  }, 60_000);
});

interface PanelQuery {
  panel: string;
  expr: string;
  instant: boolean;
}

/** Every Prometheus query of grafana/dashboards/qwen-otel.json, with its variables set as "All". */
function dashboardQueries(): PanelQuery[] {
  const dashboard = JSON.parse(readFileSync(path.join(REPO, 'grafana', 'dashboards', 'qwen-otel.json'), 'utf8'));
  const panels = dashboard.panels.flatMap((p: { panels?: unknown[] }) => [p, ...(p.panels ?? [])]);
  const values: Record<string, string> = { cli: '.*', branch: '.*', workload: '.*', baseline: 'main', __rate_interval: '5s' };
  return panels.flatMap((panel: { title: string; targets?: Array<{ expr?: string; instant?: boolean; datasource?: { type: string } }> }) =>
    (panel.targets ?? [])
      .filter((t) => t.datasource?.type === 'prometheus' && t.expr)
      .map((t) => ({
        panel: panel.title,
        instant: t.instant === true,
        expr: t.expr!.replace(/\$(\w+)/g, (whole, name: string) => {
          if (!(name in values)) throw new Error(`panel "${panel.title}": unknown variable ${whole}`);
          return values[name];
        }),
      })),
  );
}
