// `npm run bench:collector`: the shared collector's memory with 1 and with N live sessions, and
// after many scrapes of its metrics endpoint(s). Each case starts a fresh collector (a state
// directory of its own), holds its sessions open (Node scripts under `qwen-otel run` that wait for
// a file), reads the collector's VmHWM and VmRSS from /proc, scrapes every session's metrics URL
// in turn, reads them again, and lets the sessions end.
// `--bin` runs another build's `bin/qwen-otel` (e.g. main's, to compare); `--metrics-exporter
// prometheus,otlp` also sends every session's metrics over OTLP (to a local sink, every second;
// `--otlp-protocol grpc` to a local gRPC receiver), to see what loading the OTLP exporter costs.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { runCommand } from '../run-command';
import { startGrpcReceiver } from '../otlp-grpc-receiver';
import { startTelemetrySink } from '../sink';

const MiB = 1024 * 1024;

interface Figures {
  sessions: number;
  scrapes: number;
  endpoints: number;
  hwmUp: number;
  rssUp: number;
  hwmAfter: number;
  rssAfter: number;
}

function statusKb(pid: number, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : NaN;
}

async function waitFor<T>(read: () => T | null, timeoutMs: number, what: string): Promise<T> {
  for (const end = Date.now() + timeoutMs; Date.now() < end; await new Promise((r) => setTimeout(r, 50))) {
    const value = read();
    if (value !== null) return value;
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function measure(bin: string, sessions: number, scrapes: number, exporters: Record<string, string>): Promise<Figures> {
  const dir = mkdtempSync(path.join(tmpdir(), 'qo-collector-mem-'));
  const state = path.join(dir, 'state');
  const release = path.join(dir, 'release');
  const holder = path.join(dir, 'hold.js');
  writeFileSync(
    holder,
    `const fs = require('fs'); const t = setInterval(() => { if (fs.existsSync(${JSON.stringify(release)})) { clearInterval(t); } }, 100);`,
  );
  const env = {
    PATH: process.env.PATH,
    HOME: dir,
    QWEN_OTEL_STATE_DIR: state,
    QWEN_OTEL_RECORD_FILE: path.join(dir, 'runs.jsonl'),
    OTEL_TRACES_EXPORTER: 'none',
    QWEN_OTEL_PROMETHEUS_PORT: '0',
    QWEN_OTEL_COLLECTOR_NODE_ARGS: process.env.QWEN_OTEL_COLLECTOR_NODE_ARGS ?? '',
    QWEN_OTEL_COLLECTOR_LINGER_MS: '1000',
    QWEN_OTEL_EXIT_TIMEOUT_MS: '120000',
    ...exporters,
  };
  const runs = Array.from({ length: sessions }, () =>
    runCommand(bin, ['run', '--', process.execPath, holder], { env, timeoutMs: 600_000 }),
  );
  const sessionsDir = path.join(state, 'sessions');
  const urls = await waitFor(
    () => {
      const found = existsSync(sessionsDir)
        ? readdirSync(sessionsDir)
            .map((s) => path.join(sessionsDir, s, 'metrics.url'))
            .filter(existsSync)
        : [];
      return found.length === sessions ? found.map((f) => readFileSync(f, 'utf8').trim()) : null;
    },
    60_000,
    `${sessions} sessions to serve metrics`,
  );
  const pid = Number(readFileSync(path.join(state, 'collector.id'), 'utf8').split(' ')[0]);
  for (const url of new Set(urls)) await (await fetch(url)).text();
  await new Promise((r) => setTimeout(r, 2000));
  const hwmUp = statusKb(pid, 'VmHWM');
  const rssUp = statusKb(pid, 'VmRSS');
  const targets = [...new Set(urls)];
  for (let i = 0; i < scrapes; i++) await (await fetch(targets[i % targets.length])).text();
  const figures = {
    sessions,
    scrapes,
    endpoints: targets.length,
    hwmUp,
    rssUp,
    hwmAfter: statusKb(pid, 'VmHWM'),
    rssAfter: statusKb(pid, 'VmRSS'),
  };
  writeFileSync(release, '');
  await Promise.all(runs);
  return figures;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      bin: { type: 'string', default: path.join(__dirname, '..', '..', '..', 'bin', 'qwen-otel') },
      sessions: { type: 'string', default: '1,5' },
      scrapes: { type: 'string', default: '2000' },
      'metrics-exporter': { type: 'string', default: 'prometheus' },
      'otlp-protocol': { type: 'string', default: 'http/protobuf' },
    },
  });
  const otlp = values['metrics-exporter'].includes('otlp');
  const protocol = values['otlp-protocol'];
  const sink = otlp ? await startTelemetrySink() : null;
  const grpc = sink && protocol === 'grpc' ? await startGrpcReceiver(sink) : null;
  const exporters: Record<string, string> = { OTEL_METRICS_EXPORTER: values['metrics-exporter'] };
  if (sink)
    Object.assign(exporters, {
      OTEL_EXPORTER_OTLP_ENDPOINT: grpc?.url ?? sink.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
      OTEL_METRIC_EXPORT_INTERVAL: '1000',
    });
  const counts = values.sessions.split(',').map(Number);
  const scrapes = Number(values.scrapes);
  console.log(
    `collector memory: ${values.bin}, OTEL_METRICS_EXPORTER=${values['metrics-exporter']}${otlp ? ` (${protocol})` : ''}, ${scrapes} scrapes (a loaded machine: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')})`,
  );
  console.log('sessions  endpoints  VmHWM up  VmRSS up  VmHWM after  VmRSS after (MiB)');
  for (const n of counts) {
    const f = await measure(values.bin, n, scrapes, exporters);
    const mib = (bytes: number): string => (bytes / MiB).toFixed(1).padStart(9);
    console.log(
      `${String(n).padStart(8)}  ${String(f.endpoints).padStart(9)} ${mib(f.hwmUp)} ${mib(f.rssUp)} ${mib(f.hwmAfter).padStart(12)} ${mib(f.rssAfter).padStart(12)}`,
    );
  }
  if (sink) console.log(`OTLP metrics exports received: ${sink.metricRequests.length}`);
  await grpc?.close();
  await sink?.close();
}

main().catch((error: Error) => {
  console.error(`bench:collector: ${error.message}`);
  process.exitCode = 1;
});
