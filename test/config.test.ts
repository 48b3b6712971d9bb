import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config';

describe('configuration', () => {
  it('has safe defaults: off, loopback Prometheus on 19464 (never 9464), OTLP/protobuf traces to localhost:4318, no push', () => {
    const { config, problems } = parseConfig({ HOME: '/home/u' });
    expect(problems).toEqual([]);
    expect(config.enabled).toBe(false);
    expect(config.prometheus).toEqual({ enabled: true, host: '127.0.0.1', port: 19464, avoid: [9464] });
    expect(config.traces).toEqual({
      enabled: true,
      console: false,
      endpoint: 'http://localhost:4318/v1/traces',
      protocol: 'http/protobuf',
      headers: {},
      compression: 'none',
      timeoutMs: 10_000,
    });
    expect(config.pushgatewayUrl).toBeNull();
    expect(config.sampleIntervalMs).toBe(500);
    expect(config.recordFile).toBe('/home/u/.qwen-otel/runs.jsonl');
    expect(config.workload).toBe('adhoc');
    expect(config.exitTimeoutMs).toBeLessThanOrEqual(500);
  });

  it('reads good values', () => {
    const { config, problems } = parseConfig({
      QWEN_OTEL: '1',
      QWEN_OTEL_PROMETHEUS_HOST: '0.0.0.0',
      QWEN_OTEL_PROMETHEUS_PORT: '0',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/',
      QWEN_OTEL_PUSHGATEWAY_URL: 'http://127.0.0.1:9091',
      QWEN_OTEL_SAMPLE_INTERVAL_MS: '250',
      QWEN_OTEL_RECORD_FILE: 'off',
      QWEN_OTEL_CLI: 'qwen',
      QWEN_OTEL_BRANCH: 'feature/lazy-tools',
      QWEN_OTEL_WORKLOAD: 'diff-1mib',
      OTEL_SERVICE_NAME: 'qwen-code',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=ci,team=a%2Cb',
      QWEN_OTEL_HEAP_SNAPSHOT: 'exit,signal,above:800',
      QWEN_OTEL_HEAP_PROFILE: '1',
      QWEN_OTEL_EXIT_TIMEOUT_MS: '200',
      QWEN_OTEL_ROLE: 'mcp_server',
    });
    expect(problems).toEqual([]);
    expect(config).toMatchObject({
      enabled: true,
      prometheus: { enabled: true, host: '0.0.0.0', port: 0 },
      traces: { enabled: true, endpoint: 'http://collector:4318/v1/traces' },
      pushgatewayUrl: 'http://127.0.0.1:9091',
      sampleIntervalMs: 250,
      recordFile: null,
      cli: 'qwen',
      branch: 'feature/lazy-tools',
      workload: 'diff-1mib',
      serviceName: 'qwen-code',
      resourceAttributes: { 'deployment.environment': 'ci', team: 'a,b' },
      heapSnapshot: { atExit: true, onSignal: true, aboveMiB: 800, withinS: 30 },
      heapProfile: true,
      exitTimeoutMs: 200,
      role: 'mcp_server',
    });
  });

  it('prefers the traces endpoint over the base endpoint, and can turn traces and Prometheus off', () => {
    const { config } = parseConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b:9999/custom',
      QWEN_OTEL_PROMETHEUS_PORT: 'off',
    });
    expect(config.traces.endpoint).toBe('http://b:9999/custom');
    expect(config.prometheus.enabled).toBe(false);
    expect(parseConfig({ OTEL_TRACES_EXPORTER: 'none' }).config.traces.enabled).toBe(false);
  });

  it("leaves the CLI's own Prometheus exporter its port: OTEL_EXPORTER_PROMETHEUS_PORT/_HOST are the CLI's, never ours", () => {
    const { config } = parseConfig({ OTEL_EXPORTER_PROMETHEUS_PORT: '9555', OTEL_EXPORTER_PROMETHEUS_HOST: '0.0.0.0' });
    expect(config.prometheus).toEqual({ enabled: true, host: '127.0.0.1', port: 19464, avoid: [9555] });
  });

  it('honours the OpenTelemetry SDK variables, each unsupported value in one line', () => {
    const off = parseConfig({ OTEL_SDK_DISABLED: 'true', QWEN_OTEL_PUSHGATEWAY_URL: 'http://p:9091' });
    expect([off.config.prometheus.enabled, off.config.traces.enabled, off.config.pushgatewayUrl]).toEqual([false, false, null]);
    expect(off.problems).toEqual([
      'qwen-otel: OTEL_SDK_DISABLED=true: no metrics endpoint, push or traces (the run record is still written)',
    ]);
    expect(parseConfig({ OTEL_METRICS_EXPORTER: 'none' }).config.prometheus.enabled).toBe(false);
    expect(parseConfig({ OTEL_METRICS_EXPORTER: 'none,prometheus' }).config.prometheus.enabled).toBe(true);
    const unsupported = parseConfig({ OTEL_METRICS_EXPORTER: 'console' });
    expect([unsupported.config.prometheus.enabled, unsupported.config.otlpMetrics]).toEqual([true, null]);
    expect(unsupported.problems).toEqual([
      'qwen-otel: OTEL_METRICS_EXPORTER=console is not supported (qwen-otel exports metrics by prometheus, otlp or none): ignored',
    ]);
    // gRPC: the general endpoint as is (no /v1/traces), port 4317 by default, as the spec says.
    const grpc = parseConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' });
    expect([grpc.config.traces.enabled, grpc.config.traces.endpoint, grpc.config.traces.protocol, grpc.problems]).toEqual([
      true,
      'http://localhost:4317',
      'grpc',
      [],
    ]);
    expect(
      parseConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' }).config.traces,
    ).toMatchObject({ enabled: true, protocol: 'http/json', endpoint: 'http://localhost:4318/v1/traces' });
    expect(parseConfig({ OTEL_TRACES_EXPORTER: 'console' }).config.traces).toMatchObject({ enabled: false, console: true });
    expect(parseConfig({ OTEL_TRACES_EXPORTER: 'otlp,console' }).config.traces).toMatchObject({ enabled: true, console: true });
    const bad = parseConfig({ OTEL_TRACES_EXPORTER: 'zipkin' });
    expect([bad.config.traces.enabled, bad.problems.length]).toEqual([true, 1]);
    const traces = parseConfig({
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20s3cret,x-a=1',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-a=2',
      OTEL_EXPORTER_OTLP_TIMEOUT: '3000',
      OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: 'gzip',
    }).config.traces;
    expect(traces).toMatchObject({ headers: { authorization: 'Bearer s3cret', 'x-a': '2' }, timeoutMs: 3000, compression: 'gzip' });
    const secret = parseConfig({ OTEL_EXPORTER_OTLP_HEADERS: 'token s3cret' });
    expect(secret.problems).toHaveLength(1);
    expect(secret.problems[0]).not.toContain('s3cret');
  });

  it('OTEL_METRICS_EXPORTER=otlp and comma lists: the OTLP variables signal-specific first, the export interval, grpc', () => {
    const alone = parseConfig({ OTEL_METRICS_EXPORTER: 'otlp' });
    expect([alone.config.prometheus.enabled, alone.problems]).toEqual([false, []]);
    expect(alone.config.otlpMetrics).toEqual({
      endpoint: 'http://localhost:4318/v1/metrics',
      protocol: 'http/protobuf',
      headers: {},
      compression: 'none',
      timeoutMs: 10_000,
      intervalMs: 60_000,
    });
    const both = parseConfig({
      OTEL_METRICS_EXPORTER: 'prometheus, OTLP',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318/',
      OTEL_EXPORTER_OTLP_HEADERS: 'x-a=1,x-b=1',
      OTEL_EXPORTER_OTLP_METRICS_HEADERS: 'x-b=2',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_METRICS_COMPRESSION: 'gzip',
      OTEL_EXPORTER_OTLP_TIMEOUT: '2000',
      OTEL_EXPORTER_OTLP_METRICS_TIMEOUT: '4000',
      OTEL_METRIC_EXPORT_INTERVAL: '15000',
    });
    expect(both.problems).toEqual([]);
    expect(both.config.prometheus.enabled).toBe(true);
    expect(both.config.otlpMetrics).toEqual({
      endpoint: 'http://a:4318/v1/metrics',
      protocol: 'http/json',
      headers: { 'x-a': '1', 'x-b': '2' },
      compression: 'gzip',
      timeoutMs: 4000,
      intervalMs: 15_000,
    });
    // The traces keep their own (general) settings.
    expect(both.config.traces).toMatchObject({ endpoint: 'http://a:4318/v1/traces', protocol: 'http/protobuf', timeoutMs: 2000 });
    expect(
      parseConfig({ OTEL_METRICS_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://m:1/x' }).config.otlpMetrics?.endpoint,
    ).toBe('http://m:1/x');
    expect(parseConfig({ OTEL_METRICS_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' }).config.otlpMetrics).toBeNull();
    const grpc = parseConfig({
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317',
      OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'grpc',
    });
    expect([grpc.config.otlpMetrics?.endpoint, grpc.config.otlpMetrics?.protocol, grpc.problems]).toEqual(['http://c:4317', 'grpc', []]);
    expect(grpc.config.traces).toMatchObject({ endpoint: 'http://c:4317/v1/traces', protocol: 'http/protobuf' });
    const metadata = parseConfig({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_HEADERS: 'Authorization=s3cret,x~y=1,k-bin=2' });
    expect(metadata.config.traces.headers).toEqual({ Authorization: 's3cret' });
    expect(metadata.problems).toEqual([
      'qwen-otel: OTEL_EXPORTER_OTLP_HEADERS: x~y, k-bin cannot go as gRPC metadata (keys of 0-9 a-z _ . -, not -bin); left out',
    ]);
    // Not asked for: the metrics' OTLP variables are the CLI's own business, never a line.
    expect(parseConfig({ OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'udp', OTEL_METRIC_EXPORT_INTERVAL: 'soon' }).problems).toEqual([]);
    const fast = parseConfig({ OTEL_METRICS_EXPORTER: 'otlp', OTEL_METRIC_EXPORT_INTERVAL: '500' });
    expect([fast.config.otlpMetrics?.intervalMs, fast.problems]).toEqual([
      60_000,
      ['qwen-otel: OTEL_METRIC_EXPORT_INTERVAL="500" is not valid (expected a whole number of milliseconds, 1000-86400000); using 60000'],
    ]);
    // A bad general variable read for both signals is said once.
    expect(parseConfig({ OTEL_METRICS_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_COMPRESSION: 'zstd' }).problems).toEqual([
      'qwen-otel: OTEL_EXPORTER_OTLP_COMPRESSION="zstd" is not valid (expected "gzip" or "none"); using none',
    ]);
  });

  it.each([
    ['QWEN_OTEL', 'maybe', 'QWEN_OTEL="maybe" is not valid (expected 1 to turn on, or 0); using false'],
    [
      'QWEN_OTEL_PROMETHEUS_PORT',
      '70000',
      'QWEN_OTEL_PROMETHEUS_PORT="70000" is not valid (expected a port 0-65535 (0 = any free port) or "off"); using 19464',
    ],
    [
      'QWEN_OTEL_SAMPLE_INTERVAL_MS',
      '5ms',
      'QWEN_OTEL_SAMPLE_INTERVAL_MS="5ms" is not valid (expected a whole number of milliseconds, 10-60000); using 500',
    ],
    [
      'OTEL_EXPORTER_OTLP_ENDPOINT',
      'localhost:4318',
      'OTEL_EXPORTER_OTLP_ENDPOINT="localhost:4318" is not valid (expected an http(s) URL); using http://localhost:4318',
    ],
    ['QWEN_OTEL_PUSHGATEWAY_URL', 'ftp://x', 'QWEN_OTEL_PUSHGATEWAY_URL="ftp://x" is not valid (expected an http(s) URL); using off'],
    ['QWEN_OTEL_BRANCH', 'has space', 'QWEN_OTEL_BRANCH="has space" is not valid'],
    ['QWEN_OTEL_HEAP_PROFILE', 'maybe', 'QWEN_OTEL_HEAP_PROFILE="maybe" is not valid'],
    ['QWEN_OTEL_HEAP_SNAPSHOT', 'always', 'QWEN_OTEL_HEAP_SNAPSHOT="always" is not valid'],
    ['QWEN_OTEL_HEAP_SNAPSHOT', 'exit,within:0', 'QWEN_OTEL_HEAP_SNAPSHOT="exit,within:0" is not valid'],
    [
      'QWEN_OTEL_EXIT_TIMEOUT_MS',
      '900000',
      'QWEN_OTEL_EXIT_TIMEOUT_MS="900000" is not valid (expected a whole number of milliseconds, 0-600000); using 500',
    ],
    ['OTEL_RESOURCE_ATTRIBUTES', 'novalue', 'OTEL_RESOURCE_ATTRIBUTES="novalue" is not valid'],
    ['QWEN_OTEL_ROLE', 'boss', 'QWEN_OTEL_ROLE="boss" is not valid'],
    ['OTEL_TRACES_EXPORTER', 'zipkin', 'OTEL_TRACES_EXPORTER="zipkin" is not valid'],
  ])('reports a bad %s in one line and keeps the default', (name, value, expected) => {
    const { config, problems } = parseConfig({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(expected);
    expect(problems[0]).not.toContain('\n');
    expect(config).toEqual(parseConfig({}).config);
  });

  it('bounds a heap snapshot by within:<seconds>, 30 unless given', () => {
    expect(parseConfig({ QWEN_OTEL_HEAP_SNAPSHOT: 'exit' }).config.heapSnapshot).toEqual({
      atExit: true,
      onSignal: false,
      aboveMiB: null,
      withinS: 30,
    });
    expect(parseConfig({ QWEN_OTEL_HEAP_SNAPSHOT: 'signal,within:120' }).config.heapSnapshot.withinS).toBe(120);
  });

  it('never prints credentials held in a bad URL', () => {
    const { problems } = parseConfig({ QWEN_OTEL_PUSHGATEWAY_URL: 'gopher://user:secret@host' });
    expect(problems[0]).not.toContain('secret');
  });

  it('reports every bad variable, each once', () => {
    expect(parseConfig({ QWEN_OTEL_PROMETHEUS_PORT: 'x', QWEN_OTEL_SAMPLE_INTERVAL_MS: 'y' }).problems).toHaveLength(2);
  });
});
