// The export side of one session in the collector: its instruments, read on demand (by the
// collector's shared Prometheus endpoint, and for the final push), and the trace exporter. Loaded
// only in the collector, never in the CLI's processes.
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import type { Config } from '../config';
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
import { type DeliveryItem, type FinalDelivery, pushItem, stringAttributes, tracesItem } from './final-delivery';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION, ATTR_VCS_REF_HEAD_NAME } from './semconv';
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
  sendSpans(): void;
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

  return {
    listener,
    metricsUrl: membership?.url ?? null,
    sessionLabel: membership?.session ?? null,
    sendSpans(): void {
      if (!traces) {
        toConsole(session.takeFinishedSpans()); // no OTLP: nothing to keep them for
        return;
      }
      if (sending) return;
      const spans = session.takeFinishedSpans();
      toConsole(spans);
      traces.enqueue(spans);
      sending = true;
      void traces.send(1000).finally(() => (sending = false));
    },
    async finalDelivery(): Promise<FinalDelivery> {
      membership?.leave();
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
      return { runId: session.options.id, items };
    },
    async close(): Promise<void> {
      membership?.leave();
    },
  };
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
