// One Prometheus endpoint for every live session of the shared collector (sessions asking for the
// same host and port share it). Each session's series carry `session="<n>"`: the lowest number
// free when it joined, reused after it leaves, so the label's values stay within the sessions
// live at once (at most the collector's 64) however many runs pass. A session's series go when it
// leaves; the endpoint closes (and its file_sd target goes) when its last session leaves.
import * as path from 'node:path';
import { type ExpositionSource, serializeExposition } from './exposition';
import type { MetricFamily } from './lean-meter';
import { writeFileSdTarget } from './file-sd';
import { type MetricsServer, movedLine, startMetricsServer, urlHost } from './metrics-server';

export interface EndpointRequest {
  host: string;
  port: number;
  /** Ports never bound (the CLI's own exporter's). */
  avoid: readonly number[];
  fileSdDir: string | null;
}

/** A session's figures, fresh (the source refreshes before collecting). */
export type CollectSession = () => { families: MetricFamily[]; labels: Record<string, string>; targetInfo: Record<string, string> };

export interface Membership {
  url: string;
  /** The session's label value on this endpoint. */
  session: string;
  leave(): void;
}

class SharedEndpoint {
  readonly members = new Map<string, CollectSession>();
  private readonly sdTargets = new Map<string, () => void>();

  constructor(readonly server: MetricsServer) {}

  get address(): string {
    return `${urlHost(this.server.host)}:${this.server.port}`;
  }

  join(collect: CollectSession): string {
    let n = 1;
    while (this.members.has(String(n))) n += 1;
    this.members.set(String(n), collect);
    return String(n);
  }

  addFileSdTarget(dir: string, notice: (line: string) => void): void {
    if (this.sdTargets.has(dir)) return;
    try {
      const file = path.join(dir, `qwen-otel-${process.pid}-${this.server.port}.json`);
      this.sdTargets.set(dir, writeFileSdTarget(file, this.address));
    } catch (error) {
      notice(`qwen-otel: no file_sd target in ${dir}: ${(error as Error).message}`);
    }
  }

  close(): void {
    for (const remove of this.sdTargets.values()) remove();
    this.sdTargets.clear();
    void this.server.close();
  }

  exposition(): string {
    const sources: ExpositionSource[] = [];
    for (const [session, collect] of this.members) {
      try {
        const figures = collect();
        sources.push({ families: figures.families, labels: { ...figures.labels, session }, targetInfo: figures.targetInfo });
      } catch {
        // One session's failure leaves the others served; its figures are missing from this scrape only.
      }
    }
    return serializeExposition(sources);
  }
}

const endpoints = new Map<string, Promise<SharedEndpoint | null>>();

export async function joinEndpoint(
  request: EndpointRequest,
  collect: CollectSession,
  notice: (line: string) => void,
): Promise<Membership | null> {
  const key = `${request.host}\u0000${request.port}`;
  let started = endpoints.get(key);
  const joining = started !== undefined;
  if (!started) {
    started = startEndpoint(request, notice);
    endpoints.set(key, started);
  }
  const endpoint = await started;
  if (!endpoint) {
    if (endpoints.get(key) === started) endpoints.delete(key); // the next session tries again
    return null;
  }
  if (request.fileSdDir) endpoint.addFileSdTarget(request.fileSdDir, notice);
  // The session that started the endpoint was told where it went; each that joins it is told too.
  if (joining && request.port !== 0 && endpoint.server.port !== request.port)
    notice(movedLine(request.host, request.port, endpoint.server.port, request.avoid));
  const session = endpoint.join(collect);
  let left = false;
  return {
    url: `http://${endpoint.address}/metrics`,
    session,
    leave(): void {
      if (left) return;
      left = true;
      endpoint.members.delete(session);
      if (endpoint.members.size > 0) return;
      if (endpoints.get(key) === started) endpoints.delete(key);
      endpoint.close();
    },
  };
}

async function startEndpoint(request: EndpointRequest, notice: (line: string) => void): Promise<SharedEndpoint | null> {
  let endpoint: SharedEndpoint | null = null;
  const server = await startMetricsServer(
    request.host,
    request.port,
    (_req, res) => {
      if (!endpoint) {
        res.statusCode = 503;
        res.end('starting\n');
        return;
      }
      res.setHeader('Content-Type', 'text/plain; version=0.0.4; charset=utf-8');
      res.end(endpoint.exposition());
    },
    notice,
    request.avoid,
  );
  if (!server) return null;
  endpoint = new SharedEndpoint(server);
  return endpoint;
}
