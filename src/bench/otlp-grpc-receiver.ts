// An OTLP/gRPC receiver beside the sink (sink.ts): a real gRPC server (@grpc/grpc-js) offering
// the collector services' Export methods, whose requests it reads as protobuf with the sink's
// reader and adds to the sink's spans and metric requests (content type `application/grpc`, the
// call's metadata as headers).
import { type Metadata, Server, ServerCredentials, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { parseMetrics, parseTraces, type TelemetrySink } from './sink';

const TRACES = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const METRICS = '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export';

/** One unary Export method over raw bytes; its answer is an empty Export*ServiceResponse (all defaults). */
function exportMethod(path: string): ServiceDefinition {
  const raw = (b: Buffer): Buffer => b;
  return {
    Export: {
      path,
      requestStream: false,
      responseStream: false,
      requestSerialize: raw,
      requestDeserialize: raw,
      responseSerialize: () => Buffer.alloc(0),
      responseDeserialize: raw,
    },
  };
}

function headersOf(metadata: Metadata): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata.getMap())) out[key] = String(value);
  return out;
}

export interface GrpcReceiver {
  /** `http://127.0.0.1:<port>`, as OTEL_EXPORTER_OTLP_ENDPOINT takes it. */
  url: string;
  close(): Promise<void>;
}

export async function startGrpcReceiver(sink: TelemetrySink): Promise<GrpcReceiver> {
  const server = new Server();
  const handle = (receive: (body: Buffer, headers: Record<string, string>) => void): UntypedServiceImplementation => ({
    Export: (call: { request: Buffer; metadata: Metadata }, done: (error: null, response: object) => void) => {
      receive(call.request, headersOf(call.metadata));
      done(null, {});
    },
  });
  server.addService(
    exportMethod(TRACES),
    handle((body, headers) => {
      sink.traceRequests.push({ contentType: 'application/grpc', headers });
      sink.spans.push(...parseTraces('protobuf', body));
    }),
  );
  server.addService(
    exportMethod(METRICS),
    handle((body, headers) => {
      sink.metricRequests.push({
        contentType: 'application/grpc',
        headers,
        metrics: parseMetrics('protobuf', body),
        receivedMs: Date.now(),
      });
    }),
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.tryShutdown(() => resolve())),
  };
}
