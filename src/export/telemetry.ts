// The OpenTelemetry side of the collector: one MeterProvider read by Prometheus (pull, and the
// final push), and the trace exporter. Loaded only in the collector, never in the CLI's processes.
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { Config } from '../config';
import type { RunIdentity } from '../session/identity';
import type { Session, SessionListener } from '../session/session';
import { writeFileSdTarget } from './file-sd';
import { registerContextMetrics } from './metrics-context';
import { registerHeapProfileMetrics } from './metrics-heap-profile';
import { registerMemoryMetrics } from './metrics-memory';
import { registerObserverMetrics } from './metrics-observer';
import { type MetricsServer, startMetricsServer, urlHost } from './metrics-server';
import { type DeliveryItem, type FinalDelivery, pushItem, tracesItem } from './final-delivery';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION, ATTR_VCS_REF_HEAD_NAME } from './semconv';
import { TraceExport } from './traces';

/** Resource attributes that become labels on every series (cli / branch / workload: what the dashboard compares). */
const LABEL_ATTRIBUTES = /^(cli|branch|workload)$/;

export interface TelemetryOptions {
  session: Session;
  identity: RunIdentity;
  config: Config;
  /** Called before each scrape and push, so the figures are fresh. */
  refresh: () => void;
  notice: (line: string) => void;
}

export interface Telemetry {
  listener: SessionListener;
  metricsUrl: string | null;
  /** Live export of the spans finished so far (traces show up while the CLI still runs). */
  sendSpans(): void;
  /** The run is over: its last figures as items to deliver (and retry); the endpoint closes. */
  finalDelivery(): Promise<FinalDelivery>;
  close(): Promise<void>;
}

export async function startTelemetry(options: TelemetryOptions): Promise<Telemetry> {
  const { session, identity, config } = options;
  const resource = buildResource(identity, config);
  const exporter = new PrometheusExporter({ preventServerStart: true, withResourceConstantLabels: LABEL_ATTRIBUTES, withoutScopeInfo: true });
  const provider = new MeterProvider({ resource, readers: [exporter] });
  const meter = provider.getMeter('qwen-otel', '0.1.0');
  registerMemoryMetrics(meter, session);
  registerHeapProfileMetrics(meter, session);
  registerObserverMetrics(meter, session);
  const listener = registerContextMetrics(meter, session);
  const server = await startServer(options, exporter);
  const labels = { cli: identity.cli, branch: identity.branch, workload: identity.workload };
  const address = server ? `${urlHost(server.host)}:${server.port}` : null;
  const removeTarget = address && config.fileSdDir ? fileSdTarget(config.fileSdDir, address, labels, options.notice) : () => undefined;
  const traces = config.traces.enabled ? new TraceExport(config.traces.endpoint, resource, session.traceId) : null;
  let sending = false;
  warmExitPath(exporter, resource);
  void traces?.check(150);

  return {
    listener,
    metricsUrl: address ? `http://${address}/metrics` : null,
    sendSpans(): void {
      if (!traces) {
        session.takeFinishedSpans(); // traces are off: nothing to keep them for
        return;
      }
      if (sending) return;
      traces.enqueue(session.takeFinishedSpans());
      sending = true;
      void traces.send(1000).finally(() => (sending = false));
    },
    async finalDelivery(): Promise<FinalDelivery> {
      removeTarget();
      options.refresh();
      const items: DeliveryItem[] = [];
      if (traces) {
        const spans = [...traces.takeQueued(), ...session.takeFinishedSpans()];
        if (spans.length > 0) items.push(tracesItem(config.traces.endpoint, session.traceId, resource, spans));
      }
      if (config.pushgatewayUrl) items.push(pushItem(config.pushgatewayUrl, labels, await exposition(exporter, resource)));
      void server?.close();
      return { runId: session.options.id, items };
    },
    async close(): Promise<void> {
      removeTarget();
      await server?.close();
    },
  };
}

/**
 * Runs the exit path's code once while the CLI runs, so delivering at exit does not pay for
 * compiling it or for the ESM loader that the OTLP exporter's `import('http')` starts on first
 * use (together ~60 ms on our machines, measured).
 */
function warmExitPath(exporter: PrometheusExporter, resource: Resource): void {
  void import('node:http').catch(() => undefined);
  void exporter.collect().then(({ resourceMetrics }) => new PrometheusSerializer('', false, LABEL_ATTRIBUTES, false, true).serialize({ ...resourceMetrics, resource }), () => undefined);
}

function fileSdTarget(dir: string, address: string, labels: Record<string, string>, notice: (line: string) => void): () => void {
  try {
    return writeFileSdTarget(dir, address, labels);
  } catch (error) {
    notice(`qwen-otel: no file_sd target in ${dir}: ${(error as Error).message}`);
    return () => undefined;
  }
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

async function startServer(options: TelemetryOptions, exporter: PrometheusExporter): Promise<MetricsServer | null> {
  const { prometheus } = options.config;
  if (!prometheus.enabled) return null;
  return startMetricsServer(prometheus.host, prometheus.port, (req, res) => {
    options.refresh();
    exporter.getMetricsRequestHandler(req, res);
  }, options.notice);
}

/** The Pushgateway body: the session's figures as they stand now, in the text format. */
async function exposition(exporter: PrometheusExporter, resource: Resource): Promise<string> {
  const { resourceMetrics } = await exporter.collect();
  return new PrometheusSerializer('', false, LABEL_ATTRIBUTES, false, true).serialize({ ...resourceMetrics, resource });
}
