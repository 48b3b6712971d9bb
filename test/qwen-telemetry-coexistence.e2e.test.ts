// Real Qwen Code 0.15.10 with its own OpenTelemetry telemetry on, alone and under `qwen-otel run`:
// Qwen's telemetry gets the same records either way (OTLP/HTTP to a receiver on :4318, or its
// outfile), qwen-otel's endpoint and record are there, and Qwen's answer and exit code are its own.
// The OTEL_* variables a user sets for qwen-otel reach Qwen exactly as they would without it:
// qwen-otel adds none to the CLI's environment. Runs in a network namespace of its own (root,
// `unshare -n`): the default ports (4317, 4318, 9464, 19464) for real, without touching this machine's.
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { installCli } from '../src/bench/targets/install';
import { normalizeQwenOutput } from '../src/bench/targets/qwen';
import { QWEN_SPEC } from '../src/bench/targets/registry';
import { BIN, inNetworkNamespace, REPO, readRecords, tempDir } from './helpers/e2e';

let qwen = '';
beforeAll(async () => {
  qwen = (await installCli(QWEN_SPEC)).binPath('qwen');
}, 300_000);

/**
 * Inside the namespace: an OTLP/HTTP receiver on 4318 (what a local OpenTelemetry Collector or
 * Jaeger listens on), then Qwen alone and under qwen-otel, each with the same settings and
 * environment; while each runs, qwen-otel's endpoint is scraped and the listening ports noted.
 */
const RUNNER = `
const http = require('node:http');
const fs = require('node:fs');
const dist = (f) => require(${JSON.stringify(path.join(REPO, 'dist'))} + '/' + f);
const { runCliAgainstModel } = dist('bench/targets/session.js');
const { qwenInvocation } = dist('bench/targets/qwen.js');
const { SCRIPT_PROMPT } = dist('bench/targets/registry.js');
const [bin, qwenOtel, spec] = process.argv.slice(2);
const { telemetry, env, outfile } = JSON.parse(spec);
let posts = [];
const receiver = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('latin1');
    posts.push({ path: req.url, type: req.headers['content-type'], tenant: req.headers['x-tenant'] ?? null, body });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  });
});
// gRPC (HTTP/2, Qwen's default protocol) is seen by its connection preface: at :4317 by a bare
// listener, at :4318 as a request the HTTP/1 receiver refuses. Either way the socket closes, so
// Qwen's exporter fails at once.
let grpc = [];
receiver.on('clientError', (err, socket) => {
  if (String(err.rawPacket ?? '').startsWith('PRI * HTTP/2.0')) grpc.push(4318);
  socket.destroy();
});
const grpcPort = require('node:net').createServer((socket) => {
  socket.once('data', (d) => {
    if (d.toString('latin1').startsWith('PRI * HTTP/2.0')) grpc.push(4317);
    socket.destroy();
  });
});
const listening = () => {
  const ports = new Set();
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of fs.readFileSync(f, 'utf8').split('\\n').slice(1)) {
      const fields = line.trim().split(/\\s+/);
      if (fields[3] === '0A') ports.add(parseInt(fields[1].split(':').pop(), 16));
    }
  }
  return ports;
};
const scrape = () => fetch('http://127.0.0.1:19464/metrics').then((r) => r.text(), () => null);
(async () => {
  await new Promise((r) => receiver.listen(4318, '127.0.0.1', r));
  await new Promise((r) => grpcPort.listen(4317, '127.0.0.1', r));
  const out = {};
  for (const label of ['alone', 'wrapped']) {
    posts = [];
    grpc = [];
    fs.rmSync(outfile, { force: true });
    let done = false;
    let ours = null;
    const ports = new Set();
    const watching = (async () => {
      while (!done) {
        for (const p of listening()) ports.add(p);
        const text = await scrape();
        if (text && text.includes('qwen_otel_tree_memory_usage_bytes')) ours = text;
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const run = await runCliAgainstModel({
      bin,
      invocation: (o) => qwenInvocation({ ...o, telemetry }),
      prompt: SCRIPT_PROMPT,
      wrapper: label === 'wrapped' ? [qwenOtel, 'run', '--'] : undefined,
      extraEnv: env,
      timeoutMs: 240000,
    });
    done = true;
    await watching;
    // Qwen exports at shutdown, before it exits; a receiver's last request may still be in flight.
    await new Promise((r) => setTimeout(r, 300));
    out[label] = {
      code: run.exitCode, stdout: run.stdout, stderr: run.stderr, posts,
      outfile: fs.existsSync(outfile) ? fs.readFileSync(outfile, 'utf8') : null,
      ours, ports: [...ports].sort((a, b) => a - b), grpc: [...new Set(grpc)],
    };
  }
  receiver.close();
  grpcPort.close();
  console.log(JSON.stringify(out));
})();
`;

interface Post {
  path: string;
  type: string;
  tenant: string | null;
  body: string;
}
interface Seen {
  code: number | null;
  stdout: string;
  stderr: string;
  posts: Post[];
  outfile: string | null;
  ours: string | null;
  ports: number[];
  /** Where Qwen's gRPC exports arrived (4317 or 4318). */
  grpc: number[];
}

async function inNamespace(
  telemetry: Record<string, unknown>,
  env: Record<string, string>,
): Promise<{ dir: string; alone: Seen; wrapped: Seen }> {
  const dir = tempDir('qwen-telemetry');
  const outfile = path.join(dir, 'qwen-telemetry.log');
  const spec = JSON.stringify({
    telemetry: telemetry.outfile === true ? { ...telemetry, outfile } : telemetry,
    env: { QWEN_OTEL_RECORD_FILE: path.join(dir, 'runs.jsonl'), QWEN_OTEL_EXIT_TIMEOUT_MS: '120000', ...env },
    outfile,
  });
  return { dir, ...(await inNetworkNamespace('qwen-telemetry', RUNNER, [qwen, BIN, spec], 600_000)) };
}

/** What Qwen's own OTel SDK sent: OTLP/JSON under its service name (qwen-otel sends protobuf). */
function qwenPosts(seen: Seen): Post[] {
  return seen.posts.filter((p) => p.type === 'application/json' && p.body.includes('"stringValue":"qwen-code"'));
}
/** Qwen's event names (its log records) and metric names, from OTLP/JSON or its outfile. */
function qwenSignals(text: string): { events: string[]; metrics: string[] } {
  const all = (re: RegExp): string[] => [...new Set([...text.matchAll(re)].map((m) => m[1]))].sort();
  return {
    events: all(/"event\.name",?\s*"?(?:value"?:\s*\{"stringValue":|:)\s*"(qwen-code\.[a-z_.]+)"/g),
    metrics: all(/"name":\s*"(qwen-code\.[a-z_.]+)"/g),
  };
}
function answer(seen: Seen): unknown {
  return normalizeQwenOutput(JSON.parse(seen.stdout));
}
describe.skipIf(process.getuid?.() !== 0)("Qwen Code 0.15.10's own telemetry beside qwen-otel", () => {
  it('OTLP/HTTP to :4318 through OTEL_EXPORTER_OTLP_ENDPOINT and _HEADERS, read by both: Qwen sends the same, qwen-otel adds its spans', async () => {
    const { dir, alone, wrapped } = await inNamespace(
      { enabled: true, target: 'local', otlpProtocol: 'http' },
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_EXPORTER_OTLP_HEADERS: 'x-tenant=memory' },
    );
    expect(alone.code, alone.stderr).toBe(0);
    expect([wrapped.code, wrapped.stderr]).toEqual([alone.code, alone.stderr]);
    expect(answer(wrapped)).toEqual(answer(alone));
    // Qwen's settings name no endpoint (its default is gRPC on :4317): what arrives on :4318 came
    // through OTEL_EXPORTER_OTLP_ENDPOINT, alone as under qwen-otel.
    const signals = (s: Seen) =>
      qwenSignals(
        qwenPosts(s)
          .map((p) => p.body)
          .join('\n'),
      );
    expect(signals(alone).events.length).toBeGreaterThan(0);
    expect(signals(alone).metrics.length).toBeGreaterThan(0);
    expect(signals(wrapped)).toEqual(signals(alone));
    expect([...new Set(qwenPosts(wrapped).map((p) => p.path))].sort()).toEqual([...new Set(qwenPosts(alone).map((p) => p.path))].sort());
    // qwen-otel's spans (protobuf, its instrumentation scope) go to the same receiver, only when it runs.
    const oursSpans = (s: Seen) =>
      s.posts.filter((p) => p.path === '/v1/traces' && p.type === 'application/x-protobuf' && p.body.includes('qwen-otel'));
    expect(oursSpans(alone)).toHaveLength(0);
    expect(oursSpans(wrapped).length).toBeGreaterThan(0);
    // OTEL_EXPORTER_OTLP_HEADERS too is read by both: every batch, Qwen's and qwen-otel's, carries it.
    expect(new Set([...alone.posts, ...wrapped.posts].map((p) => p.tenant))).toEqual(new Set(['memory']));
    expect(wrapped.ours).toMatch(/cli="qwen-code"/);
    // qwen-otel never listens on the OTel Prometheus exporter's default (4317 and 4318 are the
    // runner's own: qwen-otel could not have bound them).
    expect(wrapped.ports).toContain(19464);
    expect(wrapped.ports.filter((p) => p === 9464)).toEqual([]);
    expect(readRecords(path.join(dir, 'runs.jsonl')).map((r) => [r.cli, r.exit.code, r.complete])).toEqual([['qwen-code', 0, true]]);
  }, 700_000);

  it("outfile, with qwen-otel's OTEL_* variables set: Qwen's file gets the same records under its own name, nothing leaks to OTLP", async () => {
    const { dir, alone, wrapped } = await inNamespace(
      { enabled: true, target: 'local', outfile: true },
      {
        OTEL_SERVICE_NAME: 'memory-watch',
        OTEL_RESOURCE_ATTRIBUTES: 'team=platform',
        OTEL_TRACES_EXPORTER: 'none',
        OTEL_METRICS_EXPORTER: 'prometheus',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
      },
    );
    expect(alone.code, alone.stderr).toBe(0);
    expect([wrapped.code, wrapped.stderr]).toEqual([alone.code, alone.stderr]);
    expect(answer(wrapped)).toEqual(answer(alone));
    // Qwen 0.15.10 prefers its outfile to OTLP, and names its own resource (no OTEL_SERVICE_NAME).
    const signals = (s: Seen) => qwenSignals(s.outfile ?? '');
    expect(signals(alone).events.length).toBeGreaterThan(0);
    expect(signals(alone).metrics.length).toBeGreaterThan(0);
    expect(signals(wrapped)).toEqual(signals(alone));
    for (const s of [alone, wrapped]) {
      expect(s.outfile).toMatch(/"service\.name",\s*"qwen-code"/);
      expect(s.outfile).not.toMatch(/memory-watch|team/);
      expect(s.posts).toEqual([]);
    }
    // qwen-otel took the variables meant for it (OTEL_SERVICE_NAME is also its `cli` label).
    expect(wrapped.ours).toMatch(/target_info\{[^}]*service_name="memory-watch"/);
    expect(wrapped.ours).toMatch(/team="platform"/);
    expect(readRecords(path.join(dir, 'runs.jsonl')).map((r) => [r.cli, r.exit.code])).toEqual([['memory-watch', 0]]);
  }, 700_000);

  it("Qwen's default gRPC: OTEL_EXPORTER_OTLP_ENDPOINT set for qwen-otel takes Qwen's exports from settings.json's :4317 to :4318, the traces-only variable does not", async () => {
    const settings = { enabled: true, target: 'local', otlpEndpoint: 'http://127.0.0.1:4317' };
    const base = await inNamespace(settings, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' });
    const tracesOnly = await inNamespace(settings, { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' });
    for (const { alone, wrapped } of [base, tracesOnly]) {
      expect(alone.code, alone.stderr).toBe(0);
      expect([wrapped.code, wrapped.stderr]).toEqual([alone.code, alone.stderr]);
      expect(answer(wrapped)).toEqual(answer(alone));
      // qwen-otel's spans reach :4318 either way.
      expect(wrapped.posts.filter((p) => p.path === '/v1/traces' && p.body.includes('qwen-otel')).length).toBeGreaterThan(0);
    }
    // The same with and without qwen-otel: the variable is Qwen's to read, qwen-otel passes it on unchanged.
    expect([base.alone.grpc, base.wrapped.grpc]).toEqual([[4318], [4318]]);
    expect([tracesOnly.alone.grpc, tracesOnly.wrapped.grpc]).toEqual([[4317], [4317]]);
  }, 1_300_000);

  it("OTEL_SDK_DISABLED=true turns off both: Qwen's outfile stays empty alone and wrapped, qwen-otel says so in its one line and still writes its record", async () => {
    const { dir, alone, wrapped } = await inNamespace({ enabled: true, target: 'local', outfile: true }, { OTEL_SDK_DISABLED: 'true' });
    expect(alone.code, alone.stderr).toBe(0);
    expect(wrapped.code).toBe(alone.code);
    expect(answer(wrapped)).toEqual(answer(alone));
    // Qwen opens its outfile, but its SDK never starts: nothing is written to it.
    expect([alone.outfile ?? '', wrapped.outfile ?? '']).toEqual(['', '']);
    expect(wrapped.stderr.trim().split('\n')).toEqual([
      'qwen-otel: OTEL_SDK_DISABLED=true: no metrics endpoint, push or traces (the run record is still written)',
    ]);
    expect(wrapped.ours).toBeNull();
    expect(readRecords(path.join(dir, 'runs.jsonl')).map((r) => [r.cli, r.exit.code])).toEqual([['qwen-code', 0]]);
  }, 700_000);
});
