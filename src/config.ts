// Every environment variable qwen-otel reads, parsed and validated in one place.
// A bad value never throws: it becomes one problem line (variable, value, what is accepted)
// and the default is used, so the host CLI is never harmed by a typo.
import * as path from 'node:path';
import { type OtlpTarget, readOtlp } from './config-otlp';
import {
  type Env,
  isOff,
  parseExporterList,
  parseIntIn,
  parseLabel,
  parseResourceAttributes,
  parseSwitch,
  parseUrl,
  Reader,
} from './config-parse';

export type { OtlpProtocol, OtlpTarget } from './config-otlp';
export { joinUrl, parseSwitch } from './config-parse';

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
  otlpMetrics: OtlpMetricsConfig | null;
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

export interface TracesConfig extends OtlpTarget {
  /** OTLP export on (OTEL_TRACES_EXPORTER has `otlp`). */
  enabled: boolean;
  /** Spans also written as JSON lines to the collector's log (`console`). */
  console: boolean;
}

/** Metrics over OTLP (OTEL_METRICS_EXPORTER has `otlp`): every interval while the run lives, and once at its end. */
export interface OtlpMetricsConfig extends OtlpTarget {
  intervalMs: number;
}

export interface ParsedConfig {
  config: Config;
  /** One line per bad variable, ready to print. */
  problems: string[];
}

const HOST = /^[A-Za-z0-9.:_-]{1,253}$|^\[[0-9A-Fa-f:.]+\]$/;
/**
 * Not 9464, the OpenTelemetry Prometheus exporter's default: Claude Code 2.1.112 with its own
 * exporter on serves there (on every interface), and a port qwen-otel took first silenced it.
 */
export const DEFAULT_PROMETHEUS_PORT = 19464;
/** Where a CLI's own OpenTelemetry Prometheus exporter listens unless OTEL_EXPORTER_PROMETHEUS_PORT says otherwise. */
export const OTEL_PROMETHEUS_DEFAULT_PORT = 9464;
export const DEFAULT_SAMPLE_INTERVAL_MS = 500;
const METRICS_EXPORTERS = ['prometheus', 'otlp', 'none'];

export function defaultRecordFile(env: Env): string {
  // node:os only when HOME is unset: loading it costs every instrumented process ~0.2 MiB (measured).
  return path.join(env.HOME || (require('node:os') as typeof import('node:os')).homedir(), '.qwen-otel', 'runs.jsonl');
}

/** Reads one variable; `parse` returns the value or undefined when it is not acceptable. */
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
  const metricsExporters = r.read(
    'OTEL_METRICS_EXPORTER',
    ['prometheus'],
    'a comma list of "prometheus", "otlp", "none"',
    parseExporterList,
  );
  const traces = readTraces(r, env);
  const wantsOtlpMetrics = metricsExporters.includes('otlp');
  // Read only when asked for: a CLI's own exporter may be set up by the same variables.
  const metricsOtlp = wantsOtlpMetrics ? readOtlp(r, env, 'metrics') : null;
  if (sdkDisabled)
    r.problems.push('qwen-otel: OTEL_SDK_DISABLED=true: no metrics endpoint, push or traces (the run record is still written)');
  const unsupported = metricsExporters.filter((e) => !METRICS_EXPORTERS.includes(e));
  for (const name of unsupported)
    r.problems.push(
      `qwen-otel: OTEL_METRICS_EXPORTER=${name} is not supported (qwen-otel exports metrics by prometheus, otlp or none): ignored`,
    );
  // Nothing supported in the list: the default stands, as for any bad value.
  const pulled = metricsExporters.includes('prometheus') || unsupported.length === metricsExporters.length;
  const served = !sdkDisabled && promPort !== null && pulled;
  // Spec default 60 s; no less than 1 s, each export costs a collection and a request.
  const intervalMs = metricsOtlp
    ? r.read('OTEL_METRIC_EXPORT_INTERVAL', 60_000, 'a whole number of milliseconds, 1000-86400000', (v) => parseIntIn(v, 1000, 86_400_000))
    : 60_000;
  const config: Config = {
    enabled,
    sdkDisabled,
    prometheus: { enabled: served, host: promHost, port: promPort ?? 0, avoid: [cliPort] },
    traces: sdkDisabled ? { ...traces, enabled: false, console: false } : traces,
    otlpMetrics: !sdkDisabled && metricsOtlp ? { ...metricsOtlp, intervalMs } : null,
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
  // Traces and metrics read the general OTLP variables each: a bad one is still said once.
  return { config, problems: [...new Set(r.problems)] };
}

/** OTEL_TRACES_EXPORTER and the OTLP settings for traces. */
function readTraces(r: Reader, env: Env): TracesConfig {
  const exporters = r.read('OTEL_TRACES_EXPORTER', ['otlp'], 'a comma list of "otlp", "console", "none"', (v) => {
    const list = parseExporterList(v);
    return list?.every((e) => ['otlp', 'console', 'none'].includes(e)) ? list : undefined;
  });
  return { ...readOtlp(r, env, 'traces'), enabled: exporters.includes('otlp'), console: exporters.includes('console') };
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
