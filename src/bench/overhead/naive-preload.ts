// The naive design, measured for comparison only: the "obvious" plugin that loads OpenTelemetry
// into every process (MeterProvider + PrometheusExporter + 20 observable gauges, a tracer with a
// batch processor and the OTLP/HTTP exporter, shutdown raced against 300 ms at exit).
// Loaded with NODE_OPTIONS="--import <this file>" when QWEN_OTEL_NAIVE=1.
import { metrics, trace, type ObservableResult } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import * as v8 from 'node:v8';

if (process.env.QWEN_OTEL_NAIVE === '1') start();

function start(): void {
  const resource = resourceFromAttributes({ [ATTR_SERVICE_NAME]: 'naive', 'process.pid': process.pid });
  // Its default port, moved per process so the relauncher and the worker do not collide.
  const prometheus = new PrometheusExporter({ port: 20000 + (process.pid % 20000) });
  const meterProvider = new MeterProvider({ resource, readers: [prometheus] });
  metrics.setGlobalMeterProvider(meterProvider);
  const meter = metrics.getMeter('naive');
  const figures: Array<[string, () => number]> = [
    ['rss', () => process.memoryUsage.rss()],
    ...(['heapTotal', 'heapUsed', 'external', 'arrayBuffers'] as const).map((k): [string, () => number] => [
      k,
      () => process.memoryUsage()[k],
    ]),
    ...(
      [
        'total_heap_size',
        'total_heap_size_executable',
        'total_physical_size',
        'total_available_size',
        'used_heap_size',
        'heap_size_limit',
        'malloced_memory',
        'peak_malloced_memory',
        'number_of_native_contexts',
        'number_of_detached_contexts',
        'total_global_handles_size',
        'used_global_handles_size',
        'external_memory',
      ] as const
    ).map((k): [string, () => number] => [k, () => Number(v8.getHeapStatistics()[k])]),
    ['uptime', () => process.uptime()],
    ['cpu_user', () => process.cpuUsage().user],
  ];
  for (const [name, read] of figures.slice(0, 20)) {
    meter.createObservableGauge(`naive.${name}`).addCallback((r: ObservableResult) => r.observe(read()));
  }
  const tracerProvider = new BasicTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())] });
  trace.setGlobalTracerProvider(tracerProvider);
  const span = trace.getTracer('naive').startSpan('process');
  let done = false;
  const shutdown = (): void => {
    if (done) return;
    done = true;
    span.end();
    const timeout = new Promise((resolve) => setTimeout(resolve, 300));
    void Promise.race([Promise.all([tracerProvider.shutdown(), meterProvider.shutdown()]), timeout]);
  };
  process.on('beforeExit', shutdown);
  process.on('exit', shutdown);
}
