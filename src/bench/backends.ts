// Real backends for benchmarks: Debian's Prometheus Pushgateway on a free loopback port, and CPU
// hogs that load the machine the way a busy CI runner or laptop is loaded.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { listensOn } from '../probes/listening';

const PUSHGATEWAY = ['/usr/bin/prometheus-pushgateway', '/usr/local/bin/pushgateway'];

export interface Pushgateway {
  url: string;
  /** The groups pushed so far: their labels (job, cli, branch, workload...) and when the last push arrived. */
  groups(): Promise<PushedGroup[]>;
  close(): void;
}

/**
 * Debian's Pushgateway on a free loopback port, trusted once it is ready and its own socket
 * listens there (else the port was taken meanwhile: started again on another). `persistence`:
 * a file of its own, since Debian's package keeps pushes across starts in /var/lib/prometheus.
 */
export async function startPushgateway(persistence?: string): Promise<Pushgateway> {
  const binary = PUSHGATEWAY.find(existsSync);
  if (!binary) throw new Error('prometheus-pushgateway is not installed (apt-get install -y prometheus-pushgateway)');
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const args = [`--web.listen-address=127.0.0.1:${port}`, ...(persistence ? [`--persistence.file=${persistence}`] : [])];
    const child = spawn(binary, args, { stdio: 'ignore' });
    if (await servesOwnPort(child, url, port)) return { url, groups: () => pushedGroups(url), close: () => child.kill() };
    child.kill();
  }
  throw new Error('the Pushgateway did not start on a port of its own within 5 tries');
}

/** Ready within 10 s and listening itself; false once it has exited (its port was taken). */
async function servesOwnPort(child: ChildProcess, url: string, port: number): Promise<boolean> {
  for (let i = 0; i < 100 && child.exitCode === null; i += 1) {
    const ready = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready && listensOn(child.pid ?? 0, port)) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
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
