// The loopback proxy process that `qwen-otel run --proxy` starts beside the CLI (never inside its
// tree of measured processes; its forwarding lives in src/traffic/proxy/): it forwards the CLI's model API calls to the real endpoint,
// untouched, and writes what they carried to the session's channel, as an agent's tap would. For a
// CLI whose HTTP no in-process tap reaches (a Rust, Go or Python binary such as Codex).
//
// Told by the environment (the CLI's own, as the wrapper has it):
//   QWEN_OTEL_SESSION_DIR   where the channel file goes
//   QWEN_OTEL_PROXY_VARS    the base-URL variables to route through it (see BASE_URL_VARS)
//   QWEN_OTEL_PROXY_UPSTREAM, QWEN_OTEL_PROXY_PORT   an upstream served at the root of a fixed
//                           port, for a CLI whose base URL sits in a config file (Codex's config.toml)
// It prints `NAME=value` lines (the variables the CLI must get), then `ready`, on stdout; a
// problem is one line on stderr, and then it prints `ready` alone: the CLI runs unproxied.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ChannelWriter } from '../channel/writer';
import { ENV, SESSION } from '../contracts/session-layout';
import { flushResponses } from '../traffic/report';
import { proxyOrigin, type Route, startProxy } from '../traffic/proxy/forward';
import { PROXY_ENV, proxySettings } from '../traffic/proxy/settings';

function say(line: string): void {
  process.stderr.write(`${line}\n`);
}

async function main(): Promise<void> {
  const env = process.env;
  const dir = env[ENV.sessionDir];
  const settings = proxySettings(env);
  if (!dir || typeof settings === 'string') {
    say(
      `qwen-otel: no proxy for this run: ${dir ? settings : `${ENV.sessionDir} is not set`}; model traffic of a non-Node CLI is not observed`,
    );
    process.stdout.write('ready\n');
    return;
  }
  const writer = new ChannelWriter(dir, process.pid);
  const cliRss = cliRssReader(dir);
  const routes: Route[] = settings.routes;
  let server: Awaited<ReturnType<typeof startProxy>>;
  try {
    server = await startProxy({ routes, send: (m) => writer.send(m), memory: () => ({ rss: cliRss(), heapUsed: 0 }), say }, settings.port);
  } catch (error) {
    say(
      `qwen-otel: no proxy for this run: port ${settings.port} on 127.0.0.1 cannot be bound (${(error as NodeJS.ErrnoException).code ?? 'error'}); model traffic of a non-Node CLI is not observed`,
    );
    process.stdout.write('ready\n');
    return;
  }
  const origin = proxyOrigin(server);
  const lines = [`${PROXY_ENV.origin}=${origin}`];
  // The upstream's own path is added on the way out (see upstreamUrl).
  for (const route of routes) if (route.variable) lines.push(`${route.variable}=${origin}${route.prefix}`);
  process.stdout.write(`${lines.join('\n')}\nready\n`);
  const stop = (): void => {
    flushResponses();
    writer.close();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', () => undefined);
  process.on('SIGHUP', stop);
  // The wrapper that started it is gone (killed with SIGKILL): nobody will stop it.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) stop();
  }, 1000).unref();
}

/** The CLI's RSS for span edges (the proxy's own memory is not the CLI's): from /proc, once its pid is known. */
function cliRssReader(dir: string): () => number {
  let pid: number | null = null;
  return () => {
    try {
      const file = path.join(dir, SESSION.cliPid);
      if (pid === null && existsSync(file)) pid = Number(readFileSync(file, 'utf8').trim()) || null;
      if (pid === null) return 0;
      const pages = Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]);
      return Number.isFinite(pages) ? pages * 4096 : 0;
    } catch {
      return 0;
    }
  };
}

main().catch((error) => {
  say(`qwen-otel: the proxy stopped (${(error as Error).constructor.name}); model traffic of a non-Node CLI is not observed from here on`);
  process.stdout.write('ready\n');
});
