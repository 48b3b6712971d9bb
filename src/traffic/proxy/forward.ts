// The loopback proxy's forwarding: every request is passed to its upstream byte for byte (method,
// path, headers but `host`, body) and the answer back byte for byte, streamed both ways. Model
// calls are also measured on the way by the same parsers as the in-process tap: the request body
// is gathered as a copy and parsed once sent, the response observed chunk by chunk as it passes.
// Nothing is kept after a call.
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { detectFormat } from '../detect';
import { parserFor } from '../parsers';
import { errorName, requestMessage, responseMessage, safely, trackUnfinished, type TapOptions } from '../report';
import type { ResponseFigures, WireFormat } from '../types';
import { decodedObserver, type DecodedObserver } from './decode';

/** Where a request goes: its path, with the route's prefix removed, under the upstream's base. */
export interface Route {
  /** '' for the default route (no prefix), else '/_qo<n>'. */
  prefix: string;
  upstream: URL;
  /** The CLI's base-URL variable this route stands for (null: the fixed-port upstream). */
  variable: string | null;
}

export interface ProxyOptions extends TapOptions {
  routes: Route[];
  /** Said once per kind of failure (an unreachable upstream, say), never per request. */
  say(line: string): void;
}

/** A request body larger than this is forwarded but counted as unparsed rather than gathered. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;
/** Ids of their own: a Node CLI's agent numbers its calls from 1 in the same process entry. */
let nextId = 1_000_000_000;

const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

export function routeOf(routes: Route[], path: string): { route: Route; rest: string } | null {
  for (const route of routes) {
    if (route.prefix && (path === route.prefix || path.startsWith(`${route.prefix}/`)))
      return { route, rest: path.slice(route.prefix.length) || '/' };
  }
  const fallback = routes.find((r) => r.prefix === '');
  return fallback ? { route: fallback, rest: path } : null;
}

/** The upstream URL of a request path: the upstream's own path, then the request's. */
export function upstreamUrl(upstream: URL, rest: string): URL {
  const base = upstream.pathname.replace(/\/+$/, '');
  return new URL(`${upstream.origin}${base}${rest.startsWith('/') ? rest : `/${rest}`}`);
}

export function startProxy(options: ProxyOptions, port = 0): Promise<http.Server> {
  const said = new Set<string>();
  const sayOnce = (kind: string, line: string): void => {
    if (said.has(kind)) return;
    said.add(kind);
    options.say(line);
  };
  const server = http.createServer((req, res) => forward(req, res, options, sayOnce));
  // A CLI that keeps a connection open must not hold the proxy past its run.
  server.keepAliveTimeout = 5000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

export function proxyOrigin(server: http.Server): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function forward(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  options: ProxyOptions,
  sayOnce: (kind: string, line: string) => void,
): void {
  const found = routeOf(options.routes, req.url ?? '/');
  if (!found) {
    res.writeHead(404).end();
    return;
  }
  const target = upstreamUrl(found.route.upstream, found.rest);
  const method = req.method ?? 'GET';
  const format = detectFormat(target, method);
  const headers = { ...req.headers, host: target.host };
  const client = target.protocol === 'https:' ? https : http;
  const upstream = client.request(target, { method, headers, agent: target.protocol === 'https:' ? agents.https : agents.http });
  const call = format ? new ModelCall(format, target, options) : null;

  upstream.on('response', (answer) => {
    call?.respond(answer);
    res.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.rawHeaders);
    answer.on('data', (chunk: Buffer) => {
      if (!res.write(chunk)) {
        answer.pause();
        res.once('drain', () => answer.resume());
      }
      call?.chunk(chunk);
    });
    answer.on('end', () => {
      res.end();
      call?.finish(null);
    });
    answer.on('error', (error) => {
      call?.finish(errorName(error));
      res.destroy(error);
    });
  });
  let cancelled = false;
  upstream.on('error', (error) => {
    call?.finish(cancelled ? 'Cancelled' : errorName(error));
    if (cancelled) return;
    sayOnce(
      `upstream ${target.origin}`,
      `qwen-otel: the proxy could not reach ${target.origin} (${(error as NodeJS.ErrnoException).code ?? errorName(error)}); the CLI was answered 502`,
    );
    if (res.headersSent) res.destroy(error);
    else res.writeHead(502, { 'content-type': 'text/plain' }).end('qwen-otel proxy: upstream unreachable\n');
  });
  // The CLI went away mid-answer: the upstream call is dropped too.
  res.on('close', () => {
    if (!res.writableFinished) {
      cancelled = true;
      upstream.destroy();
      call?.finish('Cancelled');
    }
  });
  req.on('data', (chunk: Buffer) => {
    if (!upstream.write(chunk)) {
      req.pause();
      upstream.once('drain', () => req.resume());
    }
    call?.body(chunk);
  });
  req.on('end', () => {
    upstream.end();
    call?.sent();
  });
  req.on('error', () => upstream.destroy());
}

/** One model call as the proxy sees it: the same messages the in-process tap sends. */
class ModelCall {
  private readonly id = nextId++;
  private readonly t = Date.now();
  private chunks: Buffer[] | null = [];
  private size = 0;
  private reported = false;
  private observer: DecodedObserver | null = null;
  private status: number | null = null;
  private firstChunkAt: number | null = null;
  private done = false;
  private untrack: () => void = () => undefined;

  constructor(
    private readonly format: WireFormat,
    private readonly url: URL,
    private readonly options: ProxyOptions,
  ) {}

  body(chunk: Buffer): void {
    if (!this.chunks) return;
    this.size += chunk.byteLength;
    if (this.size > MAX_BODY_BYTES) this.chunks = null;
    else this.chunks.push(chunk);
  }

  sent(): void {
    if (this.reported) return;
    this.reported = true;
    const text = this.chunks ? Buffer.concat(this.chunks).toString('utf8') : null;
    this.chunks = null;
    safely(() => this.options.send(requestMessage(this.id, this.t, this.format, text, this.url, this.options)));
  }

  respond(answer: http.IncomingMessage): void {
    this.sent();
    this.status = answer.statusCode ?? null;
    const contentType = headerText(answer.headers['content-type']);
    this.observer = decodedObserver(parserFor(this.format).observeResponse(contentType), headerText(answer.headers['content-encoding']));
    // At the proxy's end, a response still passing is reported with what was seen.
    this.untrack = trackUnfinished(() => this.report(this.observer?.endNow() ?? null, null));
  }

  chunk(bytes: Buffer): void {
    this.firstChunkAt ??= Date.now();
    safely(() => this.observer?.push(bytes));
  }

  finish(error: string | null): void {
    this.sent();
    if (!this.observer) this.report(null, error);
    else this.observer.close((figures) => this.report(figures, error));
  }

  private report(figures: ResponseFigures | null, error: string | null): void {
    if (this.done) return;
    this.done = true;
    this.untrack();
    safely(() => this.options.send(responseMessage(this.id, this.firstChunkAt, this.status, figures, error, this.options)));
  }
}

function headerText(value: string | string[] | undefined): string | null {
  return Array.isArray(value) ? value.join(', ') : (value ?? null);
}
