// Every environment variable qwen-otel reads, parsed and validated in one place.
// A bad value never throws: it becomes one problem line (variable, value, what is accepted)
// and the default is used, so the host CLI is never harmed by a typo.
import * as path from 'node:path';
import { redactUrl } from './redact';

export type ProcessRole = 'cli' | 'cli_worker' | 'mcp_server' | 'tool' | 'subagent' | 'other';
export const PROCESS_ROLES: readonly ProcessRole[] = ['cli', 'cli_worker', 'mcp_server', 'tool', 'subagent', 'other'];

export interface HeapSnapshotConfig {
  atExit: boolean;
  /** Take one snapshot the first time this process's RSS passes this many MiB. */
  aboveMiB: number | null;
  /** SIGUSR2 takes one "now". */
  onSignal: boolean;
  /** The longest one snapshot may hold its process: larger heaps are skipped with a line. */
  withinS: number;
}

export const DEFAULT_SNAPSHOT_WITHIN_S = 30;
const MAX_SNAPSHOT_WITHIN_S = 3600;

export interface Config {
  enabled: boolean;
  /** OTEL_SDK_DISABLED=true: no endpoint, push or traces (the run record is still written). */
  sdkDisabled: boolean;
  /** `avoid`: the port the CLI's own Prometheus exporter takes, never bound by qwen-otel. */
  prometheus: { enabled: boolean; host: string; port: number; avoid: number[] };
  traces: TracesConfig;
  pushgatewayUrl: string | null;
  sampleIntervalMs: number;
  recordFile: string | null;
  fileSdDir: string | null;
  cli: string | null;
  cliVersion: string | null;
  branch: string | null;
  workload: string;
  serviceName: string | null;
  resourceAttributes: Record<string, string>;
  summary: boolean;
  heapSnapshot: HeapSnapshotConfig;
  /** V8's sampling heap profiler in each process, captured at its heap high points, summed by package. */
  heapProfile: boolean;
  /** How long `qwen-otel run` waits after the CLI ends for the collector to write the record. */
  exitTimeoutMs: number;
  /** The shared collector: how long it stays with nothing to do, how long it retries a delivery. */
  collectorLingerMs: number;
  deliveryDeadlineMs: number;
  timelinePoints: number;
  /** Set by `qwen-otel run --proxy`: the loopback proxy's origin, whose model calls the proxy reports (not the in-process tap). */
  proxyOrigin: string | null;
  role: ProcessRole | null;
}

export type OtlpProtocol = 'http/protobuf' | 'http/json';

export interface TracesConfig {
  /** OTLP export on (OTEL_TRACES_EXPORTER has `otlp`). */
  enabled: boolean;
  /** Spans also written as JSON lines to the collector's log (`console`). */
  console: boolean;
  endpoint: string;
  protocol: OtlpProtocol;
  /** Sent with every export (may hold credentials: never printed). */
  headers: Record<string, string>;
  compression: 'gzip' | 'none';
  timeoutMs: number;
}

export interface ParsedConfig {
  config: Config;
  /** One line per bad variable, ready to print. */
  problems: string[];
}

type Env = Record<string, string | undefined>;

const LABEL_VALUE = /^[A-Za-z0-9._@/+:=-]{1,80}$/;
const HOST = /^[A-Za-z0-9.:_-]{1,253}$|^\[[0-9A-Fa-f:.]+\]$/;
const DEFAULT_OTLP_BASE = 'http://localhost:4318';
/**
 * Not 9464, the OpenTelemetry Prometheus exporter's default: Claude Code 2.1.112 with its own
 * exporter on serves there (on every interface), and a port qwen-otel took first silenced it.
 */
export const DEFAULT_PROMETHEUS_PORT = 19464;
/** Where a CLI's own OpenTelemetry Prometheus exporter listens unless OTEL_EXPORTER_PROMETHEUS_PORT says otherwise. */
export const OTEL_PROMETHEUS_DEFAULT_PORT = 9464;
export const DEFAULT_SAMPLE_INTERVAL_MS = 500;

export function defaultRecordFile(env: Env): string {
  // node:os only when HOME is unset: loading it costs every instrumented process ~0.2 MiB (measured).
  return path.join(env.HOME || (require('node:os') as typeof import('node:os')).homedir(), '.qwen-otel', 'runs.jsonl');
}

/** Reads one variable; `parse` returns the value or undefined when it is not acceptable. */
class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  read<T>(name: string, fallback: T, accepted: string, parse: (raw: string) => T | undefined): T {
    const raw = this.env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    const value = parse(raw.trim());
    if (value !== undefined) return value;
    this.problems.push(
      `qwen-otel: ${name}=${JSON.stringify(shorten(raw))} is not valid (expected ${accepted}); using ${describe(fallback)}`,
    );
    return fallback;
  }

  /** The first of several names that is set wins (our own name before the OpenTelemetry one). */
  readFirst<T>(names: string[], fallback: T, accepted: string, parse: (raw: string) => T | undefined): T {
    const name = names.find((n) => (this.env[n] ?? '').trim() !== '') ?? names[0];
    return this.read(name, fallback, accepted, parse);
  }
}

export function parseConfig(env: Env = process.env): ParsedConfig {
  const r = new Reader(env);
  const enabled = r.read('QWEN_OTEL', false, '1 to turn on, or 0', parseSwitch);
  const sdkDisabled = r.read('OTEL_SDK_DISABLED', false, 'true or false', parseSwitch);
  const promHost = r.read('QWEN_OTEL_PROMETHEUS_HOST', '127.0.0.1', 'a host name or IP address', (v) => (HOST.test(v) ? v : undefined));
  const promPort = r.read(
    'QWEN_OTEL_PROMETHEUS_PORT',
    DEFAULT_PROMETHEUS_PORT as number | null,
    'a port 0-65535 (0 = any free port) or "off"',
    (v) => (isOff(v) ? null : parseIntIn(v, 0, 65535)),
  );
  // Read only to stay off it: this variable configures the CLI's own exporter, not ours.
  const cliPort = parseIntIn((env.OTEL_EXPORTER_PROMETHEUS_PORT ?? '').trim(), 1, 65535) ?? OTEL_PROMETHEUS_DEFAULT_PORT;
  const metricsExporters = r.read('OTEL_METRICS_EXPORTER', ['prometheus'], 'a comma list of "prometheus", "none"', parseExporterList);
  const traces = readTraces(r, env);
  if (sdkDisabled)
    r.problems.push('qwen-otel: OTEL_SDK_DISABLED=true: no metrics endpoint, push or traces (the run record is still written)');
  for (const name of metricsExporters.filter((e) => e !== 'prometheus' && e !== 'none')) {
    r.problems.push(
      `qwen-otel: OTEL_METRICS_EXPORTER=${name} is not supported: qwen-otel serves metrics to Prometheus (pull, and the Pushgateway) only`,
    );
  }
  const served = !sdkDisabled && promPort !== null && !(metricsExporters.includes('none') && !metricsExporters.includes('prometheus'));
  const config: Config = {
    enabled,
    sdkDisabled,
    prometheus: { enabled: served, host: promHost, port: promPort ?? 0, avoid: [cliPort] },
    traces: sdkDisabled ? { ...traces, enabled: false, console: false } : traces,
    pushgatewayUrl: sdkDisabled ? null : r.read('QWEN_OTEL_PUSHGATEWAY_URL', null as string | null, 'an http(s) URL', parseUrl),
    proxyOrigin: r.read('QWEN_OTEL_PROXY_ORIGIN', null as string | null, 'an http(s) URL', (v) => parseUrl(v) && new URL(v).origin),
    // 500 ms: each wake-up of an idle process costs ~0.2-0.6 ms of CPU on our VMs (measured),
    // and peaks do not depend on it (the kernel's high-water marks catch them).
    sampleIntervalMs: r.read('QWEN_OTEL_SAMPLE_INTERVAL_MS', DEFAULT_SAMPLE_INTERVAL_MS, 'a whole number of milliseconds, 10-60000', (v) =>
      parseIntIn(v, 10, 60_000),
    ),
    recordFile: r.read('QWEN_OTEL_RECORD_FILE', defaultRecordFile(env) as string | null, 'a file path or "off"', (v) =>
      isOff(v) ? null : path.resolve(v),
    ),
    fileSdDir: r.read('QWEN_OTEL_FILE_SD_DIR', null as string | null, 'a directory path', (v) => path.resolve(v)),
    cli: r.read('QWEN_OTEL_CLI', null as string | null, 'a label value ([A-Za-z0-9._@/+:=-], up to 80)', parseLabel),
    cliVersion: r.read('QWEN_OTEL_CLI_VERSION', null as string | null, 'a label value', parseLabel),
    branch: r.read('QWEN_OTEL_BRANCH', null as string | null, 'a label value', parseLabel),
    workload: r.read('QWEN_OTEL_WORKLOAD', 'adhoc', 'a label value', parseLabel),
    serviceName: r.read('OTEL_SERVICE_NAME', null as string | null, 'a service name', parseLabel),
    resourceAttributes: r.read('OTEL_RESOURCE_ATTRIBUTES', {}, 'key=value pairs separated by commas', parseResourceAttributes),
    summary: r.read('QWEN_OTEL_SUMMARY', false, '1 or 0', parseSwitch),
    heapSnapshot: r.read(
      'QWEN_OTEL_HEAP_SNAPSHOT',
      noSnapshots(),
      `a comma list of "exit", "signal", "above:<MiB>", "within:<seconds, 1-${MAX_SNAPSHOT_WITHIN_S}>", or "off"`,
      parseHeapSnapshot,
    ),
    heapProfile: r.read('QWEN_OTEL_HEAP_PROFILE', false, '1 or 0', parseSwitch),
    exitTimeoutMs: r.read('QWEN_OTEL_EXIT_TIMEOUT_MS', 500, 'a whole number of milliseconds, 0-600000', (v) => parseIntIn(v, 0, 600_000)),
    collectorLingerMs: r.read('QWEN_OTEL_COLLECTOR_LINGER_MS', 30_000, 'a whole number of milliseconds, 0-86400000', (v) =>
      parseIntIn(v, 0, 86_400_000),
    ),
    deliveryDeadlineMs: r.read('QWEN_OTEL_DELIVERY_DEADLINE_MS', 30_000, 'a whole number of milliseconds, 0-3600000', (v) =>
      parseIntIn(v, 0, 3_600_000),
    ),
    timelinePoints: r.read('QWEN_OTEL_TIMELINE_POINTS', 512, 'a whole number, 16-100000', (v) => parseIntIn(v, 16, 100_000)),
    role: r.read('QWEN_OTEL_ROLE', null as ProcessRole | null, PROCESS_ROLES.join(', '), (v) =>
      (PROCESS_ROLES as readonly string[]).includes(v) ? (v as ProcessRole) : undefined,
    ),
  };
  return { config, problems: r.problems };
}

/**
 * The OTLP trace exporter's variables, as the OpenTelemetry spec names them (signal-specific
 * before general). The shared collector reads them from each session's settings, not its own
 * environment: two sessions may send to two places.
 */
function readTraces(r: Reader, env: Env): TracesConfig {
  const exporters = r.read('OTEL_TRACES_EXPORTER', ['otlp'], 'a comma list of "otlp", "console", "none"', (v) => {
    const list = parseExporterList(v);
    return list?.every((e) => ['otlp', 'console', 'none'].includes(e)) ? list : undefined;
  });
  const endpoint =
    r.read('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', null as string | null, 'an http(s) URL', parseUrl) ??
    joinUrl(r.read('OTEL_EXPORTER_OTLP_ENDPOINT', DEFAULT_OTLP_BASE, 'an http(s) URL', parseUrl), 'v1/traces');
  const protocolVar = signalFirst(env, 'PROTOCOL');
  const protocol = r.read(protocolVar, 'http/protobuf' as OtlpProtocol | 'grpc', '"http/protobuf", "http/json" or "grpc"', (v) =>
    v === 'http/protobuf' || v === 'http/json' || v === 'grpc' ? v : undefined,
  );
  let enabled = exporters.includes('otlp');
  if (protocol === 'grpc' && enabled) {
    r.problems.push(
      `qwen-otel: ${protocolVar}=grpc is not supported (qwen-otel sends OTLP over HTTP): traces are off; use http/protobuf and the receiver's HTTP port (4318)`,
    );
    enabled = false;
  }
  const headersVar = signalFirst(env, 'HEADERS');
  const general = headersVar === 'OTEL_EXPORTER_OTLP_TRACES_HEADERS' ? (parseHeaders(env.OTEL_EXPORTER_OTLP_HEADERS ?? '') ?? {}) : {};
  const headers = { ...general, ...readHeaders(r, headersVar, env[headersVar] ?? '') };
  return {
    enabled,
    console: exporters.includes('console'),
    endpoint,
    protocol: protocol === 'grpc' ? 'http/protobuf' : protocol,
    headers,
    compression: r.read(signalFirst(env, 'COMPRESSION'), 'none' as 'gzip' | 'none', '"gzip" or "none"', (v) =>
      v === 'gzip' || v === 'none' ? v : undefined,
    ),
    timeoutMs: r.read(signalFirst(env, 'TIMEOUT'), 10_000, 'a whole number of milliseconds, 1-600000', (v) => parseIntIn(v, 1, 600_000)),
  };
}

/** OTEL_EXPORTER_OTLP_TRACES_<what> when set, else OTEL_EXPORTER_OTLP_<what>. */
function signalFirst(env: Env, what: string): string {
  const specific = `OTEL_EXPORTER_OTLP_TRACES_${what}`;
  return (env[specific] ?? '').trim() !== '' ? specific : `OTEL_EXPORTER_OTLP_${what}`;
}

/** Headers carry credentials: a bad value is named, never printed. */
function readHeaders(r: Reader, name: string, raw: string): Record<string, string> {
  if (raw.trim() === '') return {};
  const headers = parseHeaders(raw);
  if (headers) return headers;
  r.problems.push(
    `qwen-otel: ${name} is not valid (expected key=value pairs separated by commas, values URL-encoded); sending no headers from it`,
  );
  return {};
}

function parseHeaders(raw: string): Record<string, string> | undefined {
  if (raw.trim() === '') return {};
  const parsed = parseResourceAttributes(raw);
  if (!parsed) return undefined;
  return Object.keys(parsed).every((k) => /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k)) ? parsed : undefined;
}

function parseExporterList(v: string): string[] | undefined {
  const list = v
    .split(',')
    .map((e) => e.trim().toLowerCase())
    .filter(Boolean);
  return list.length > 0 && list.every((e) => /^[a-z_/]+$/.test(e)) ? list : undefined;
}

export function parseSwitch(v: string): boolean | undefined {
  const lower = v.toLowerCase();
  if (['1', 'true', 'on', 'yes'].includes(lower)) return true;
  if (['0', 'false', 'off', 'no'].includes(lower)) return false;
  return undefined;
}

function isOff(v: string): boolean {
  return ['off', 'none', 'false', 'no'].includes(v.toLowerCase());
}

function parseIntIn(v: string, min: number, max: number): number | undefined {
  if (!/^\d+$/.test(v)) return undefined;
  const n = Number(v);
  return n >= min && n <= max ? n : undefined;
}

function parseUrl(v: string): string | undefined {
  try {
    const url = new URL(v);
    return url.protocol === 'http:' || url.protocol === 'https:' ? v.replace(/\/+$/, '') : undefined;
  } catch {
    return undefined;
  }
}

function parseLabel(v: string): string | undefined {
  return LABEL_VALUE.test(v) ? v : undefined;
}

export function joinUrl(base: string, suffix: string): string {
  return `${base.replace(/\/+$/, '')}/${suffix}`;
}

function parseResourceAttributes(v: string): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const pair of v.split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) return undefined;
    try {
      out[decodeURIComponent(pair.slice(0, eq).trim())] = decodeURIComponent(pair.slice(eq + 1).trim());
    } catch {
      return undefined;
    }
  }
  return out;
}

function noSnapshots(): HeapSnapshotConfig {
  return { atExit: false, aboveMiB: null, onSignal: false, withinS: DEFAULT_SNAPSHOT_WITHIN_S };
}

function parseHeapSnapshot(v: string): HeapSnapshotConfig | undefined {
  const result = noSnapshots();
  for (const part of v.split(',').map((p) => p.trim().toLowerCase())) {
    const within = /^within:(\d+)$/.exec(part);
    if (part === 'off') continue;
    if (part === 'exit') result.atExit = true;
    else if (part === 'signal') result.onSignal = true;
    else if (/^above:\d+$/.test(part) && Number(part.slice(6)) > 0) result.aboveMiB = Number(part.slice(6));
    else if (within && Number(within[1]) >= 1 && Number(within[1]) <= MAX_SNAPSHOT_WITHIN_S) result.withinS = Number(within[1]);
    else return undefined;
  }
  return result;
}

function shorten(raw: string): string {
  const redacted = redactUrl(raw);
  return redacted.length > 60 ? `${redacted.slice(0, 57)}...` : redacted;
}

function describe(value: unknown): string {
  if (value === null) return 'off';
  if (typeof value === 'object') return 'the default';
  return String(value);
}
