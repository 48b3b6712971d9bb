// The export side of one session in the collector: its instruments, read on demand (by the
// collector's shared Prometheus endpoint, and for the final push), and the trace exporter. Loaded
// only in the collector, never in the CLI's processes.
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import type { Config } from '../config';
import { redactUrl } from '../redact';
import type { RunIdentity } from '../session/identity';
import type { Session, SessionListener } from '../session/session';
import type { SpanRecord } from '../session/spans';
import { serializeExposition } from './exposition';
import { LeanMeter, type MetricFamily } from './lean-meter';
import { registerContextMetrics } from './metrics-context';
import { joinEndpoint, type Membership } from './metrics-endpoint';
import { registerHeapProfileMetrics } from './metrics-heap-profile';
import { registerMemoryMetrics } from './metrics-memory';
import { registerObserverMetrics } from './metrics-observer';
import { type DeliveryItem, type FinalDelivery, metricsItem, pushItem, stringAttributes, tracesItem } from './final-delivery';
import type { MetricsBatch } from './otlp-metrics';
import { ATTR_SERVICE_INSTANCE_ID, ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION, ATTR_VCS_REF_HEAD_NAME } from './semconv';
import { TraceExport } from './traces';

export interface TelemetryOptions {
  session: Session;
  identity: RunIdentity;
  config: Config;
  /** Called before each scrape and push, so the figures are fresh. */
  refresh: () => void;
  notice: (line: string) => void;
  /** The collector's log (where OTEL_TRACES_EXPORTER=console writes spans). */
  log: (line: string) => void;
}

export interface Telemetry {
  listener: SessionListener;
  metricsUrl: string | null;
  /** This session's `session` label on the shared endpoint. */
  sessionLabel: string | null;
  /** Live export of the spans finished so far (traces show up while the CLI still runs). */
  /** Hands the finished spans to the exporter; how many it took. */
  sendSpans(): number;
  /** The run is over: its last figures as items to deliver (and retry); its series leave the endpoint. */
  finalDelivery(): Promise<FinalDelivery>;
  close(): Promise<void>;
}

export async function startTelemetry(options: TelemetryOptions): Promise<Telemetry> {
  const { session, identity, config } = options;
  const resource = buildResource(identity, config);
  const meter = new LeanMeter();
  registerMemoryMetrics(meter, session);
  registerHeapProfileMetrics(meter, session);
  registerObserverMetrics(meter, session);
  const listener = registerContextMetrics(meter, session);
  const labels = { cli: identity.cli, branch: identity.branch, workload: identity.workload };
  const targetInfo = stringAttributes(resource);
  const collect = (): MetricFamily[] => {
    options.refresh();
    return meter.collect();
  };
  const { prometheus } = config;
  const membership: Membership | null = prometheus.enabled
    ? await joinEndpoint(
        { host: prometheus.host, port: prometheus.port, avoid: prometheus.avoid, fileSdDir: config.fileSdDir },
        () => ({ families: collect(), labels, targetInfo }),
        options.notice,
      )
    : null;
  const traces = config.traces.enabled ? new TraceExport(config.traces, resource, session.traceId) : null;
  const toConsole = (spans: SpanRecord[]): void => {
    if (config.traces.console)
      for (const span of spans) options.log(`qwen-otel: span ${JSON.stringify({ traceId: session.traceId, ...span })}`);
  };
  let sending = false;
  warmExitPath(meter, labels, targetInfo);
  void traces?.check(150);
  // The run id tells two live runs' series apart at a receiver, as the endpoint's `session` label
  // does on a scrape (a Collector's Prometheus exporter makes it `instance`).
  const otlpResource = { [ATTR_SERVICE_INSTANCE_ID]: session.options.id, ...targetInfo };
  const metricsBatch = (families: MetricFamily[]): MetricsBatch => ({
    resource: otlpResource,
    labels,
    startMs: session.options.start,
    atMs: Date.now(),
    families,
  });
  const otlpTimer = config.otlpMetrics
    ? exportMetricsEvery(config.otlpMetrics, () => metricsBatch(collect()), options.log, session.options.id)
    : null;

  return {
    listener,
    metricsUrl: membership?.url ?? null,
    sessionLabel: membership?.session ?? null,
    sendSpans(): number {
      if (!traces) {
        const spans = session.takeFinishedSpans();
        toConsole(spans); // no OTLP: nothing to keep them for
        return spans.length;
      }
      if (sending) return 0;
      const spans = session.takeFinishedSpans();
      toConsole(spans);
      traces.enqueue(spans);
      sending = true;
      void traces.send(1000).finally(() => (sending = false));
      return spans.length;
    },
    async finalDelivery(): Promise<FinalDelivery> {
      membership?.leave();
      if (otlpTimer) clearInterval(otlpTimer);
      options.refresh();
      const items: DeliveryItem[] = [];
      const last = session.takeFinishedSpans();
      toConsole(last);
      if (traces) {
        const spans = [...traces.takeQueued(), ...last];
        if (spans.length > 0) items.push(tracesItem(config.traces, session.traceId, resource, spans));
      }
      if (config.pushgatewayUrl)
        items.push(pushItem(config.pushgatewayUrl, labels, serializeExposition([{ families: meter.collect(), labels, targetInfo }])));
      if (config.otlpMetrics) items.push(metricsItem(config.otlpMetrics, metricsBatch(meter.collect())));
      return { runId: session.options.id, items };
    },
    async close(): Promise<void> {
      membership?.leave();
      if (otlpTimer) clearInterval(otlpTimer);
    },
  };
}

/**
 * Sends the session's figures every interval while it runs (OTEL_METRIC_EXPORT_INTERVAL). Each
 * export is cumulative, so one that fails is carried by the next and by the final one (which is
 * retried and spooled): a failure is one line in the collector's log, said once per session.
 */
function exportMetricsEvery(
  target: NonNullable<Config['otlpMetrics']>,
  batch: () => MetricsBatch,
  log: (line: string) => void,
  runId: string,
): NodeJS.Timeout {
  const { sendMetrics } = require('./otlp-metrics') as typeof import('./otlp-metrics');
  let sending = false;
  let told = false;
  const timer = setInterval(() => {
    if (sending) return;
    sending = true;
    sendMetrics(target, batch(), Math.min(target.timeoutMs, target.intervalMs))
      .catch((error: NodeJS.ErrnoException) => {
        if (!told)
          log(
            `qwen-otel: run ${runId}: OTLP metrics not sent to ${redactUrl(target.endpoint)} (${error.code ?? error.message}); the next export carries them`,
          );
        told = true;
      })
      .finally(() => (sending = false));
  }, target.intervalMs);
  timer.unref();
  return timer;
}

/**
 * Runs the exit path's code once while the CLI runs, so delivering at exit does not pay for
 * compiling it or for the ESM loader that the OTLP exporter's `import('http')` starts on first
 * use (together ~60 ms on our machines, measured).
 */
function warmExitPath(meter: LeanMeter, labels: Record<string, string>, targetInfo: Record<string, string>): void {
  void import('node:http').catch(() => undefined);
  serializeExposition([{ families: meter.collect(), labels, targetInfo }]);
}

function buildResource(identity: RunIdentity, config: Config): Resource {
  const attributes: Record<string, string> = {
    ...config.resourceAttributes,
    [ATTR_SERVICE_NAME]: config.serviceName ?? config.resourceAttributes[ATTR_SERVICE_NAME] ?? identity.cli,
    [ATTR_VCS_REF_HEAD_NAME]: identity.branch,
    cli: identity.cli,
    branch: identity.branch,
    workload: identity.workload,
  };
  if (identity.cliVersion) attributes[ATTR_SERVICE_VERSION] = identity.cliVersion;
  return resourceFromAttributes(attributes);
}
