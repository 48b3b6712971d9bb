// What the proxy routes, from the environment: each base-URL variable that is set becomes a route
// under a prefix of its own (one port serves them all), and an explicit upstream is served at the
// root of a port chosen by the caller.
import type { Route } from './forward';

/** The variables the CLIs read their model API's base URL from (Codex's built-in provider, Claude Code, Gemini CLI, Qwen Code). */
export const BASE_URL_VARS = ['OPENAI_BASE_URL', 'ANTHROPIC_BASE_URL', 'GOOGLE_GEMINI_BASE_URL'] as const;

export const PROXY_ENV = {
  /** `1`: `qwen-otel run` starts the proxy (as `--proxy` does). */
  on: 'QWEN_OTEL_PROXY',
  /** Space- or comma-separated variable names to route instead of BASE_URL_VARS. */
  vars: 'QWEN_OTEL_PROXY_VARS',
  upstream: 'QWEN_OTEL_PROXY_UPSTREAM',
  port: 'QWEN_OTEL_PROXY_PORT',
  /** Set for the CLI: the proxy's origin, whose calls the in-process tap leaves to the proxy. */
  origin: 'QWEN_OTEL_PROXY_ORIGIN',
} as const;

export interface ProxySettings {
  routes: Route[];
  port: number;
}

const VARIABLE = /^[A-Z_][A-Z0-9_]{0,63}$/;

function httpUrl(text: string): URL | null {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : null;
  } catch {
    return null;
  }
}

/** The routes, or why there are none (one line's worth). */
export function proxySettings(env: Record<string, string | undefined>): ProxySettings | string {
  const names = env[PROXY_ENV.vars] ? env[PROXY_ENV.vars]!.split(/[\s,]+/).filter(Boolean) : [...BASE_URL_VARS];
  const bad = names.find((n) => !VARIABLE.test(n));
  if (bad) return `${PROXY_ENV.vars} names "${bad.slice(0, 64)}", not a variable name`;
  const routes: Route[] = [];
  for (const variable of names) {
    const value = env[variable];
    if (!value) continue;
    const upstream = httpUrl(value);
    if (!upstream) return `${variable} is not an http(s) URL`;
    routes.push({ prefix: `/_qo${routes.length}`, upstream, variable });
  }
  const portText = env[PROXY_ENV.port] ?? '0';
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : -1;
  if (port < 0 || port > 65535) return `${PROXY_ENV.port} is not a port number`;
  const fixed = env[PROXY_ENV.upstream];
  if (fixed) {
    const upstream = httpUrl(fixed);
    if (!upstream) return `${PROXY_ENV.upstream} is not an http(s) URL`;
    routes.push({ prefix: '', upstream, variable: null });
  }
  if (routes.length === 0) return `none of ${names.join(', ')} is set, nor ${PROXY_ENV.upstream}`;
  return { routes, port };
}
