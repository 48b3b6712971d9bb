// The OTLP exporters' variables, as the OpenTelemetry spec names them, for traces and metrics alike:
// OTEL_EXPORTER_OTLP_<SIGNAL>_<what> before OTEL_EXPORTER_OTLP_<what>. The shared collector reads
// them from each session's settings, not its own environment: two sessions may send to two places.
// Over HTTP the general endpoint gets the signal's path (`/v1/traces`); over gRPC it is used as is,
// and its default port is gRPC's (4317), as the spec says.
import { type Env, joinUrl, parseIntIn, parseResourceAttributes, parseUrl, type Reader } from './config-parse';

export type OtlpProtocol = 'http/protobuf' | 'http/json' | 'grpc';

/** Where and how one signal goes over OTLP. */
export interface OtlpTarget {
  endpoint: string;
  protocol: OtlpProtocol;
  /** Sent with every export, as HTTP headers or gRPC metadata (may hold credentials: never printed). */
  headers: Record<string, string>;
  compression: 'gzip' | 'none';
  timeoutMs: number;
}

export type OtlpSignal = 'traces' | 'metrics';

export function readOtlp(r: Reader, env: Env, signal: OtlpSignal): OtlpTarget {
  const SIGNAL = signal.toUpperCase();
  const first = (what: string): string => {
    const specific = `OTEL_EXPORTER_OTLP_${SIGNAL}_${what}`;
    return (env[specific] ?? '').trim() !== '' ? specific : `OTEL_EXPORTER_OTLP_${what}`;
  };
  const protocol = r.read(first('PROTOCOL'), 'http/protobuf' as OtlpProtocol, '"http/protobuf", "http/json" or "grpc"', (v) =>
    v === 'http/protobuf' || v === 'http/json' || v === 'grpc' ? v : undefined,
  );
  const endpoint =
    r.read(`OTEL_EXPORTER_OTLP_${SIGNAL}_ENDPOINT`, null as string | null, 'an http(s) URL', parseUrl) ??
    (protocol === 'grpc'
      ? r.read('OTEL_EXPORTER_OTLP_ENDPOINT', 'http://localhost:4317', 'an http(s) URL', parseUrl)
      : joinUrl(r.read('OTEL_EXPORTER_OTLP_ENDPOINT', 'http://localhost:4318', 'an http(s) URL', parseUrl), `v1/${signal}`));
  const headersVar = first('HEADERS');
  const general = headersVar === 'OTEL_EXPORTER_OTLP_HEADERS' ? {} : (parseHeaders(env.OTEL_EXPORTER_OTLP_HEADERS ?? '') ?? {});
  const headers = { ...general, ...readHeaders(r, headersVar, env[headersVar] ?? '') };
  return {
    endpoint,
    protocol,
    headers: protocol === 'grpc' ? grpcMetadata(r, headersVar, headers) : headers,
    compression: r.read(first('COMPRESSION'), 'none' as 'gzip' | 'none', '"gzip" or "none"', (v) =>
      v === 'gzip' || v === 'none' ? v : undefined,
    ),
    timeoutMs: r.read(first('TIMEOUT'), 10_000, 'a whole number of milliseconds, 1-600000', (v) => parseIntIn(v, 1, 600_000)),
  };
}

/**
 * gRPC metadata takes fewer keys than HTTP headers (grpc-js throws on others, and on a text value
 * under a `-bin` key): those are left out, named in one line (keys only, never values).
 */
function grpcMetadata(r: Reader, name: string, headers: Record<string, string>): Record<string, string> {
  const refused = Object.keys(headers).filter((k) => !/^[0-9a-z_.-]+$/i.test(k) || /-bin$/i.test(k));
  if (refused.length === 0) return headers;
  r.problems.push(`qwen-otel: ${name}: ${refused.join(', ')} cannot go as gRPC metadata (keys of 0-9 a-z _ . -, not -bin); left out`);
  return Object.fromEntries(Object.entries(headers).filter(([k]) => !refused.includes(k)));
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
