// Real backends for benchmarks: Debian's Prometheus Pushgateway on a free loopback port, and CPU
// hogs that load the machine the way a busy CI runner or laptop is loaded.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';

const PUSHGATEWAY = ['/usr/bin/prometheus-pushgateway', '/usr/local/bin/pushgateway'];

export interface Pushgateway {
  url: string;
  /** The groups pushed so far: their labels (job, cli, branch, workload...) and when the last push arrived. */
  groups(): Promise<PushedGroup[]>;
  close(): void;
}

export async function startPushgateway(): Promise<Pushgateway> {
  const binary = PUSHGATEWAY.find(existsSync);
  if (!binary) throw new Error('prometheus-pushgateway is not installed (apt-get install -y prometheus-pushgateway)');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(binary, [`--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
  for (let i = 0; i < 100; i += 1) {
    if (
      await fetch(`${url}/-/ready`).then(
        (r) => r.ok,
        () => false,
      )
    ) {
      return { url, groups: () => pushedGroups(url), close: () => child.kill() };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill();
  throw new Error('the Pushgateway did not start within 10 s');
}

export interface PushedGroup {
  labels: Record<string, string>;
  /** The Pushgateway's own push_time_seconds, in ms (not when we looked). */
  pushedAtMs: number;
}

async function pushedGroups(url: string): Promise<PushedGroup[]> {
  type Family = { metrics?: Array<{ value?: string }> };
  const answer = (await (await fetch(`${url}/api/v1/metrics`)).json()) as {
    data?: Array<{ labels: Record<string, string>; push_time_seconds?: Family }>;
  };
  return (answer.data ?? []).map((group) => ({
    labels: group.labels,
    pushedAtMs: Number(group.push_time_seconds?.metrics?.[0]?.value ?? Number.NaN) * 1000,
  }));
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** `count` busy loops (one process each), at normal priority, until stopped. */
export function startCpuHogs(count: number): { stop(): void } {
  const hogs: ChildProcess[] = [];
  for (let i = 0; i < count; i += 1) hogs.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
  return {
    stop: () => {
      for (const hog of hogs) hog.kill('SIGKILL');
    },
  };
}
