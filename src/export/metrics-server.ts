// A Prometheus pull endpoint. Loopback by default. When the port is taken the next free one is
// used and named in one line. Ports in `avoid` are never bound: a CLI's own Prometheus exporter
// (Claude Code's serves on *:9464) would otherwise find its port taken and silently serve nothing.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface MetricsServer {
  host: string;
  port: number;
  close(): Promise<void>;
}

/** Ports tried after the configured one, before letting the system choose. */
const NEIGHBOURS = 15;

export async function startMetricsServer(
  host: string,
  port: number,
  serveMetrics: (req: IncomingMessage, res: ServerResponse) => void,
  notice: (line: string) => void,
  avoid: readonly number[] = [],
): Promise<MetricsServer | null> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/metrics') serveMetrics(req, res);
    else if (req.method === 'GET' && path === '/') res.end('qwen-otel: metrics at /metrics\n');
    else {
      res.statusCode = 404;
      res.end('not found\n');
    }
  });
  server.unref();
  const candidates =
    port === 0 ? [0] : [...Array.from({ length: NEIGHBOURS + 1 }, (_, i) => port + i).filter((p) => p <= 65535 && !avoid.includes(p)), 0];
  for (const candidate of candidates) {
    const error = await listen(server, host, candidate);
    if (!error) {
      const bound = (server.address() as { port: number }).port;
      if (port !== 0 && bound !== port) notice(movedLine(host, port, bound, avoid));
      return { host, port: bound, close: () => new Promise((resolve) => server.close(() => resolve())) };
    }
    if (error.code !== 'EADDRINUSE') {
      notice(`qwen-otel: metrics endpoint not started on ${host}:${candidate}: ${error.code ?? error.message}`);
      return null;
    }
  }
  return null;
}

function listen(server: Server, host: string, port: number): Promise<NodeJS.ErrnoException | null> {
  return new Promise((resolve) => {
    const onError = (error: NodeJS.ErrnoException): void => resolve(error);
    server.once('error', onError);
    server.listen({ host, port, exclusive: true }, () => {
      server.removeListener('error', onError);
      resolve(null);
    });
  });
}

/** The line that says the endpoint is not on the port asked for, and why. */
export function movedLine(host: string, asked: number, bound: number, avoid: readonly number[]): string {
  const why = avoid.includes(asked) ? "is left to the CLI's own Prometheus exporter" : 'is busy';
  return `qwen-otel: port ${asked} ${why}; metrics are at http://${urlHost(host)}:${bound}/metrics`;
}

export function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}
