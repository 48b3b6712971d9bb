// The Prometheus side of the stack, run for real with Debian's binaries and the project's own
// config files. Adapted for the test, and only this: listen addresses (free ports instead of
// 9090/9091/9093/9465), the file_sd directory and rule files (a temporary copy), scrape and
// evaluation intervals (1 s instead of 15 s / 5 s) and every alert's `for` (3 s instead of
// minutes), so a regression fires within seconds.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { REPO, tempDir } from './e2e';
import { freePort, listensOn } from './ports';

export const BINARIES = {
  prometheus: '/usr/bin/prometheus',
  promtool: '/usr/bin/promtool',
  pushgateway: '/usr/bin/prometheus-pushgateway',
  alertmanager: '/usr/bin/prometheus-alertmanager',
  amtool: '/usr/bin/amtool',
};
/** Debian's docker-compose 1.29: validates docker-compose.yml without a Docker engine. */
export const DOCKER_COMPOSE = '/usr/bin/docker-compose';
export const MISSING = Object.values(BINARIES).filter((file) => !existsSync(file));

export interface Stack {
  dir: string;
  prometheusUrl: string;
  pushgatewayUrl: string;
  alertmanagerUrl: string;
  fileSdDir: string;
  /** Where Prometheus's qwen-otel-bench job scrapes a running `qwen-otel bench` (its --metrics-port). */
  benchMetricsPort: number;
  stop(): void;
}

export { freePort } from './ports';

/** A server answered on its port but does not hold it: another program took the port first. */
class PortTaken extends Error {}

/** Replaces each `from` exactly as often as expected: a config that drifted fails here. */
function adapt(text: string, file: string, replacements: Array<[string | RegExp, string, number]>): string {
  let out = text;
  for (const [from, to, expected] of replacements) {
    const pattern = typeof from === 'string' ? new RegExp(from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'g') : from;
    const found = out.match(pattern)?.length ?? 0;
    if (found !== expected) throw new Error(`${file}: expected ${expected} × ${String(from)}, found ${found}`);
    out = out.replace(pattern, to);
  }
  return out;
}

function adaptedPrometheusConfig(dir: string, ports: Record<'prometheus' | 'pushgateway' | 'alertmanager' | 'bench', number>): string {
  const rulesDir = path.join(dir, 'rules');
  mkdirSync(rulesDir);
  for (const file of readdirSync(path.join(REPO, 'prometheus', 'rules'))) {
    const text = readFileSync(path.join(REPO, 'prometheus', 'rules', file), 'utf8');
    writeFileSync(path.join(rulesDir, file), text.replace(/^(\s+for:) \S+$/gm, '$1 3s'));
  }
  const original = readFileSync(path.join(REPO, 'prometheus', 'prometheus.yml'), 'utf8');
  const config = adapt(original, 'prometheus/prometheus.yml', [
    ["'127.0.0.1:9090'", `'127.0.0.1:${ports.prometheus}'`, 1],
    ["'127.0.0.1:9091'", `'127.0.0.1:${ports.pushgateway}'`, 1],
    ["'127.0.0.1:9093'", `'127.0.0.1:${ports.alertmanager}'`, 1],
    ["'127.0.0.1:9465'", `'127.0.0.1:${ports.bench}'`, 1],
    ["'/etc/prometheus/targets/", `'${path.join(dir, 'targets')}/`, 1],
    [/^(\s+(?:scrape|evaluation)_interval:) \S+$/gm, '$1 1s', 4],
  ]);
  const file = path.join(dir, 'prometheus.yml');
  writeFileSync(file, config);
  return file;
}

function start(binary: string, args: string[], dir: string, name: string): ChildProcess {
  const log = path.join(dir, `${name}.log`);
  writeFileSync(log, '');
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.on('data', (chunk: Buffer) => writeFileSync(log, chunk, { flag: 'a' }));
  return child;
}

async function waitReady(url: string, name: string, dir: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 150; i += 1) {
    if (
      await fetch(`${url}/-/ready`).then(
        (r) => r.ok,
        () => false,
      )
    ) {
      if (listensOn(child.pid ?? 0, Number(new URL(url).port))) return;
      if (child.exitCode !== null || i > 20) throw new PortTaken(`${name}: ${url} answers, but from another program`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${name} did not become ready; its log: ${readFileSync(path.join(dir, `${name}.log`), 'utf8').slice(-800)}`);
}

export async function startStack(): Promise<Stack> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startStackOnce();
    } catch (error) {
      if (!(error instanceof PortTaken) || attempt === 3) throw error;
    }
  }
}

async function startStackOnce(): Promise<Stack> {
  const dir = tempDir('stack');
  const ports = { prometheus: await freePort(), pushgateway: await freePort(), alertmanager: await freePort(), bench: await freePort() };
  const fileSdDir = path.join(dir, 'targets');
  mkdirSync(fileSdDir);
  const config = adaptedPrometheusConfig(dir, ports);
  copyFileSync(path.join(REPO, 'prometheus', 'alertmanager.yml'), path.join(dir, 'alertmanager.yml'));
  const urls = {
    prometheusUrl: `http://127.0.0.1:${ports.prometheus}`,
    pushgatewayUrl: `http://127.0.0.1:${ports.pushgateway}`,
    alertmanagerUrl: `http://127.0.0.1:${ports.alertmanager}`,
  };
  const children = [
    start(BINARIES.pushgateway, [`--web.listen-address=127.0.0.1:${ports.pushgateway}`], dir, 'pushgateway'),
    start(
      BINARIES.alertmanager,
      [
        `--config.file=${path.join(dir, 'alertmanager.yml')}`,
        `--storage.path=${path.join(dir, 'am')}`,
        `--web.listen-address=127.0.0.1:${ports.alertmanager}`,
        '--cluster.listen-address=',
      ],
      dir,
      'alertmanager',
    ),
    start(
      BINARIES.prometheus,
      [`--config.file=${config}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${ports.prometheus}`],
      dir,
      'prometheus',
    ),
  ];
  const stop = (): void => {
    for (const child of children) child.kill();
  };
  try {
    const [pushgateway, alertmanager, prometheus] = children;
    await Promise.all([
      waitReady(urls.pushgatewayUrl, 'pushgateway', dir, pushgateway),
      waitReady(urls.alertmanagerUrl, 'alertmanager', dir, alertmanager),
      waitReady(urls.prometheusUrl, 'prometheus', dir, prometheus),
    ]);
  } catch (error) {
    stop();
    throw error;
  }
  return { dir, fileSdDir, benchMetricsPort: ports.bench, ...urls, stop };
}

export interface PromSeries {
  metric: Record<string, string>;
}

export async function promQuery(prometheusUrl: string, expr: string, range?: { start: number; end: number }): Promise<PromSeries[]> {
  const params = new URLSearchParams({ query: expr });
  if (range) {
    params.set('start', String(range.start));
    params.set('end', String(range.end));
    params.set('step', '1');
  }
  const response = await fetch(`${prometheusUrl}/api/v1/${range ? 'query_range' : 'query'}?${params}`);
  const body = (await response.json()) as { status: string; error?: string; data?: { result: PromSeries[] } };
  if (body.status !== 'success') throw new Error(`${expr}: ${body.error}`);
  return body.data?.result ?? [];
}

export async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | null>): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
