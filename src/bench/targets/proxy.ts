// A CLI run through qwen-otel's loopback proxy (`qwen-otel run --proxy`): for a CLI whose HTTP no
// in-process tap reaches. A CLI that takes its base URL from a variable is routed by the wrapper
// itself; one that reads it from a config file (Codex's config.toml) is given a port chosen here,
// which the proxy then listens on, forwarding to the real server.
import type { Invocation, InvocationOptions } from './env';

export function viaProxy(invocation: (opts: InvocationOptions) => Invocation, port: number): (opts: InvocationOptions) => Invocation {
  return (opts) => {
    const inner = invocation({ ...opts, baseUrl: `http://127.0.0.1:${port}` });
    return {
      args: inner.args,
      env: { ...inner.env, QWEN_OTEL_PROXY: '1', QWEN_OTEL_PROXY_PORT: String(port), QWEN_OTEL_PROXY_UPSTREAM: opts.baseUrl },
    };
  };
}
