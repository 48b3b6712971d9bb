// docker-compose.yml without a Docker engine: what plain `docker compose up` and Debian's
// `docker-compose up` (1.29) would start from a fresh clone with nothing in the environment,
// checked on `docker-compose config`'s resolved output and against the Compose specification's
// schema (what `docker compose` v2 validates, through dclint), and the two scripts the stack runs
// (the directories it prepares, Grafana's admin password) run here for real.
// Outside CI it skips (one line) without docker-compose; in CI (QWEN_OTEL_CI=1) it fails.
import { chownSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../src/bench/run-command';
import { REPO, tempDir } from './helpers/e2e';
import { DOCKER_COMPOSE } from './helpers/stack';

const IN_CI = process.env.QWEN_OTEL_CI === '1';
const HAVE_COMPOSE = existsSync(DOCKER_COMPOSE);
if (!HAVE_COMPOSE && !IN_CI) console.warn('stack-compose: skipped, missing docker-compose (apt-get install docker-compose)');

interface Service {
  image: string;
  entrypoint?: string[];
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  network_mode?: string;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  user?: string;
}

/** `docker-compose config` with only PATH and HOME (plus `extra`), as JSON (through python3's yaml, a docker-compose dependency). */
async function resolved(home: string, extra: Record<string, string> = {}): Promise<{ services: Record<string, Service> }> {
  const env = { PATH: process.env.PATH, HOME: home, ...extra };
  const config = await runCommand(DOCKER_COMPOSE, ['-f', path.join(REPO, 'docker-compose.yml'), 'config'], { env, timeoutMs: 60_000 });
  expect(config.code, config.stderr).toBe(0);
  expect(config.stderr).toBe('');
  const dir = tempDir('compose');
  writeFileSync(path.join(dir, 'config.yml'), config.stdout);
  const json = await runCommand(
    'python3',
    ['-c', 'import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))', path.join(dir, 'config.yml')],
    { env: process.env, timeoutMs: 30_000 },
  );
  expect(json.code, json.stderr).toBe(0);
  return JSON.parse(json.stdout);
}

const mounts = (service: Service) =>
  (service.volumes ?? []).map((v) => {
    const [source, target] = v.split(':');
    return { source, target };
  });

describe.skipIf(!HAVE_COMPOSE && !IN_CI)('docker-compose.yml (no Docker engine: docker-compose config, the Compose schema)', () => {
  let services: Record<string, Service>;
  beforeAll(async () => {
    if (!HAVE_COMPOSE) throw new Error('QWEN_OTEL_CI=1 but docker-compose is missing: .ci/run installs it');
    ({ services } = await resolved('/home/fresh'));
  });

  it('resolves with an empty environment: nothing to set, nothing to create first', () => {
    expect(Object.keys(services).sort()).toEqual(['alertmanager', 'grafana', 'jaeger', 'prepare', 'prometheus', 'pushgateway']);
    // Every bind-mount source inside the clone exists; the rest is the user's ~/.qwen-otel.
    for (const [name, service] of Object.entries(services)) {
      for (const { source } of mounts(service).filter((m) => m.source.startsWith('/'))) {
        if (source.startsWith(REPO)) expect(existsSync(source), `${name}: ${source}`).toBe(true);
        else expect(['/home/fresh', '/home/fresh/.qwen-otel', '/home/fresh/.qwen-otel/targets'], `${name}: ${source}`).toContain(source);
      }
    }
  });

  it('starts in order, each service once those it needs are healthy, the directories prepared first', () => {
    const dependencies = Object.fromEntries(
      Object.entries(services).map(([name, s]) => [
        name,
        Object.entries(s.depends_on ?? {})
          .map(([on, { condition }]) => `${on}:${condition}`)
          .sort(),
      ]),
    );
    expect(dependencies).toEqual({
      prepare: [],
      pushgateway: [],
      alertmanager: [],
      jaeger: [],
      prometheus: ['alertmanager:service_healthy', 'prepare:service_completed_successfully', 'pushgateway:service_healthy'],
      grafana: ['jaeger:service_healthy', 'prometheus:service_healthy'],
    });
    // Every long-running service has a healthcheck on its own port, inside its container.
    const probes = Object.fromEntries(
      Object.entries(services)
        .filter(([name]) => name !== 'prepare')
        .map(([name, s]) => [name, s.healthcheck?.test.at(-1)]),
    );
    expect(probes).toEqual({
      prometheus: 'http://127.0.0.1:9090/-/ready',
      pushgateway: 'http://127.0.0.1:9091/-/ready',
      alertmanager: 'http://127.0.0.1:9093/-/ready',
      jaeger: 'http://127.0.0.1:13133/status',
      grafana: 'http://127.0.0.1:3000/api/health',
    });
    expect(services.prometheus.command).toContain('--web.listen-address=127.0.0.1:9090');
    expect(services.grafana.environment).toMatchObject({ GF_SERVER_HTTP_ADDR: '127.0.0.1', GF_SERVER_HTTP_PORT: '3000' });
    // Published ports listen on the loopback only.
    const published = Object.values(services).flatMap((s) => s.ports ?? []);
    expect(published.length).toBeGreaterThan(0);
    expect(published.filter((p) => !String(p).startsWith('127.0.0.1:'))).toEqual([]);
  });

  it('prepares the targets directory Prometheus reads (QWEN_OTEL_TARGETS_DIR moves both)', async () => {
    const moved = (await resolved('/home/fresh', { QWEN_OTEL_TARGETS_DIR: '/srv/targets' })).services;
    for (const [resolvedServices, targets] of [
      [services, '/home/fresh/.qwen-otel/targets'],
      [moved, '/srv/targets'],
    ] as const) {
      const s = resolvedServices;
      expect(mounts(s.prometheus)).toContainEqual({ source: targets, target: '/etc/prometheus/targets' });
      expect(mounts(s.prepare)).toContainEqual({ source: targets, target: '/targets' });
      expect(s.prepare.entrypoint).toEqual(['/bin/sh', '/qwen-otel/prepare-dirs.sh', '/user-home', '/qwen-otel-home', '/targets']);
      expect(mounts(s.prepare)).toContainEqual({ source: '/home/fresh', target: '/user-home' });
    }
    const prometheusYml = readFileSync(path.join(REPO, 'prometheus', 'prometheus.yml'), 'utf8');
    expect(prometheusYml).toContain("files: ['/etc/prometheus/targets/*.json']");
  });

  it('lets anyone view and no one edit without the admin password, which is never a default', async () => {
    expect(services.grafana.environment).toMatchObject({
      GF_AUTH_ANONYMOUS_ENABLED: 'true',
      GF_AUTH_ANONYMOUS_ORG_ROLE: 'Viewer',
      GF_USERS_ALLOW_SIGN_UP: 'false',
      GF_SECURITY_ADMIN_PASSWORD: '',
    });
    expect(services.grafana.entrypoint).toEqual(['/bin/sh', '/etc/qwen-otel/admin-password.sh']);
    expect(services.grafana.command).toEqual(['/run.sh']);
    expect(mounts(services.grafana)).toContainEqual({
      source: path.join(REPO, 'grafana', 'admin-password.sh'),
      target: '/etc/qwen-otel/admin-password.sh',
    });
    const chosen = await resolved('/home/fresh', { GRAFANA_ADMIN_PASSWORD: 'chosen-one' });
    expect(chosen.services.grafana.environment?.GF_SECURITY_ADMIN_PASSWORD).toBe('chosen-one');
  });

  it('provisions what Grafana mounts: the dashboards directory and the home dashboard', () => {
    const dashboards = mounts(services.grafana).find((m) => m.source === path.join(REPO, 'grafana', 'dashboards'))!;
    const provider = readFileSync(path.join(REPO, 'grafana', 'provisioning', 'dashboards', 'qwen-otel.yml'), 'utf8');
    expect(provider).toContain(`path: ${dashboards.target}\n`);
    const home = services.grafana.environment!.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH;
    expect(existsSync(path.join(REPO, 'grafana', 'dashboards', path.relative(dashboards.target, home)))).toBe(true);
    const datasources = readFileSync(path.join(REPO, 'grafana', 'provisioning', 'datasources', 'qwen-otel.yml'), 'utf8');
    expect(datasources).toContain('url: http://127.0.0.1:9090\n');
    expect(services.jaeger.ports).toContain('127.0.0.1:16686:16686/tcp');
    expect(datasources).toContain('url: http://127.0.0.1:16686\n');
  });
});

describe('docker-compose.yml against the Compose specification (what docker compose v2 validates)', () => {
  it('has no schema error (dclint)', async () => {
    const result = await runCommand(
      path.join(REPO, 'node_modules', '.bin', 'dclint'),
      ['--quiet', '--no-color', path.join(REPO, 'docker-compose.yml')],
      { env: process.env, timeoutMs: 60_000 },
    );
    expect(result.stdout + result.stderr).not.toMatch(/error/i);
    expect(result.code).toBe(0);
  });
});

describe("the stack's scripts, run here", () => {
  const password = (env: Record<string, string>) =>
    runCommand('sh', [path.join(REPO, 'grafana', 'admin-password.sh'), 'sh', '-c', 'printf %s "$GF_SECURITY_ADMIN_PASSWORD"'], {
      env: { PATH: process.env.PATH, ...env },
      timeoutMs: 10_000,
    });

  it("Grafana's admin password: generated once (0600), kept, never printed; a chosen one wins", async () => {
    const data = tempDir('grafana-data');
    const first = await password({ GF_PATHS_DATA: data, GF_SECURITY_ADMIN_PASSWORD: '' });
    expect(first.code, first.stderr).toBe(0);
    const file = path.join(data, 'admin-password');
    const generated = readFileSync(file, 'utf8').trim();
    expect(generated).toMatch(/^[0-9a-f]{36}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(first.stdout).toBe(
      `qwen-otel: Grafana's admin password was generated into ${file}: docker compose exec grafana cat ${file}\n${generated}`,
    );
    writeFileSync(path.join(data, 'grafana.db'), '');
    expect((await password({ GF_PATHS_DATA: data })).stdout).toBe(generated);
    const other = tempDir('grafana-data');
    expect((await password({ GF_PATHS_DATA: other, GF_SECURITY_ADMIN_PASSWORD: 'chosen-one' })).stdout).toBe('chosen-one');
    expect(existsSync(path.join(other, 'admin-password'))).toBe(false);
    // A database made before (by an older stack): its password stands, nothing is invented.
    const older = tempDir('grafana-data');
    writeFileSync(path.join(older, 'grafana.db'), '');
    const kept = await password({ GF_PATHS_DATA: older });
    expect(kept.stdout).toMatch(/the admin password is the one set at its first start\n$/);
    expect(existsSync(path.join(older, 'admin-password'))).toBe(false);
  });

  it.skipIf(process.getuid?.() !== 0)("the directories: made, and given to the home's owner when Docker made them as root", async () => {
    const root = tempDir('prepare');
    const home = path.join(root, 'home');
    mkdirSync(home);
    chownSync(home, 1234, 5678);
    const mine = path.join(root, 'mine');
    mkdirSync(mine);
    chownSync(mine, 4321, 4321);
    const created = path.join(root, 'qwen-otel');
    const result = await runCommand(
      'sh',
      [path.join(REPO, 'prometheus', 'prepare-dirs.sh'), home, created, path.join(created, 'targets'), mine],
      { env: { PATH: process.env.PATH }, timeoutMs: 10_000 },
    );
    expect(result.code, result.stderr).toBe(0);
    for (const dir of [created, path.join(created, 'targets')]) expect([statSync(dir).uid, statSync(dir).gid]).toEqual([1234, 5678]);
    expect(statSync(mine).uid).toBe(4321);
  });
});
