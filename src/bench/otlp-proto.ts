// Reads an OTLP ExportTraceServiceRequest or ExportMetricsServiceRequest in protobuf (what the
// OTLP/HTTP exporters send by default) into the OTLP/JSON shape, so the sink reads both encodings
// with one parser. Only the fields the sink uses: resource and span attributes, ids, names, times,
// events; metrics' names, units, kinds and points. Field numbers as opentelemetry-proto's
// trace.proto and metrics.proto give them (test/otlp-proto.test.ts checks this reader against
// the official serializers of @opentelemetry/otlp-transformer).

type Json = Record<string, unknown>;

/** One protobuf field: its number, wire type, and value (a number, bigint, or the bytes). */
interface Field {
  no: number;
  value: number | bigint | Buffer;
}

function* fields(buf: Buffer): Generator<Field> {
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n;
    for (let shift = 0n; pos < buf.length; shift += 7n) {
      const byte = buf[pos++];
      result |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return result;
    }
    throw new Error('truncated varint');
  };
  while (pos < buf.length) {
    const key = Number(varint());
    const no = key >>> 3;
    const wire = key & 7;
    if (wire === 0) yield { no, value: varint() };
    else if (wire === 1) {
      yield { no, value: buf.subarray(pos, pos + 8) };
      pos += 8;
    } else if (wire === 2) {
      const length = Number(varint());
      yield { no, value: buf.subarray(pos, pos + length) };
      pos += length;
    } else if (wire === 5) pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

const bytes = (v: Field['value']): Buffer => v as Buffer;
const text = (v: Field['value']): string => bytes(v).toString('utf8');
const nanos = (v: Field['value']): string => bytes(v).readBigUInt64LE(0).toString();

function anyValue(buf: Buffer): Json {
  for (const { no, value } of fields(buf)) {
    if (no === 1) return { stringValue: text(value) };
    if (no === 2) return { boolValue: value !== 0n };
    if (no === 3) return { intValue: BigInt.asIntN(64, value as bigint).toString() };
    if (no === 4) return { doubleValue: bytes(value).readDoubleLE(0) };
  }
  return {};
}

function attributes(list: Buffer[]): Json[] {
  return list.map((kv) => {
    let key = '';
    let value: Json = {};
    for (const f of fields(kv)) {
      if (f.no === 1) key = text(f.value);
      else if (f.no === 2) value = anyValue(bytes(f.value));
    }
    return { key, value };
  });
}

function repeated(buf: Buffer, no: number): Buffer[] {
  return [...fields(buf)].filter((f) => f.no === no).map((f) => bytes(f.value));
}

function span(buf: Buffer): Json {
  const out: Json = { attributes: attributes(repeated(buf, 9)), events: [] };
  for (const { no, value } of fields(buf)) {
    if (no === 1) out.traceId = bytes(value).toString('hex');
    else if (no === 2) out.spanId = bytes(value).toString('hex');
    else if (no === 4 && bytes(value).length > 0) out.parentSpanId = bytes(value).toString('hex');
    else if (no === 5) out.name = text(value);
    else if (no === 7) out.startTimeUnixNano = nanos(value);
    else if (no === 8) out.endTimeUnixNano = nanos(value);
    else if (no === 11) (out.events as Json[]).push(event(bytes(value)));
  }
  return out;
}

function event(buf: Buffer): Json {
  const out: Json = { attributes: attributes(repeated(buf, 3)) };
  for (const { no, value } of fields(buf)) {
    if (no === 1) out.timeUnixNano = nanos(value);
    else if (no === 2) out.name = text(value);
  }
  return out;
}

/** ExportTraceServiceRequest (protobuf) → `{ resourceSpans: [...] }` as OTLP/JSON spells it. */
export function traceRequestToJson(body: Buffer): { resourceSpans: Json[] } {
  return {
    resourceSpans: repeated(body, 1).map((rs) => ({
      resource: { attributes: attributes(repeated(repeated(rs, 1)[0] ?? Buffer.alloc(0), 1)) },
      scopeSpans: repeated(rs, 2).map((ss) => ({ spans: repeated(ss, 2).map(span) })),
    })),
  };
}

/** A packed repeated fixed64 or double (or one such value sent unpacked). */
function eights(v: Field['value'], read: (b: Buffer, at: number) => number): number[] {
  const b = bytes(v);
  const out: number[] = [];
  for (let at = 0; at + 8 <= b.length; at += 8) out.push(read(b, at));
  return out;
}
const fixed64 = (b: Buffer, at: number): number => Number(b.readBigUInt64LE(at));
const double = (b: Buffer, at: number): number => b.readDoubleLE(at);

function numberPoint(buf: Buffer): Json {
  const out: Json = { attributes: attributes(repeated(buf, 7)) };
  for (const { no, value } of fields(buf)) {
    if (no === 2) out.startTimeUnixNano = nanos(value);
    else if (no === 3) out.timeUnixNano = nanos(value);
    else if (no === 4) out.asDouble = bytes(value).readDoubleLE(0);
    else if (no === 6) out.asInt = bytes(value).readBigInt64LE(0).toString();
  }
  return out;
}

function histogramPoint(buf: Buffer): Json {
  const out: Json = { attributes: attributes(repeated(buf, 9)), bucketCounts: [], explicitBounds: [] };
  for (const { no, value } of fields(buf)) {
    if (no === 2) out.startTimeUnixNano = nanos(value);
    else if (no === 3) out.timeUnixNano = nanos(value);
    else if (no === 4) out.count = fixed64(bytes(value), 0);
    else if (no === 5) out.sum = bytes(value).readDoubleLE(0);
    else if (no === 6) (out.bucketCounts as number[]).push(...eights(value, fixed64));
    else if (no === 7) (out.explicitBounds as number[]).push(...eights(value, double));
  }
  return out;
}

/** Gauge (5), Sum (7) and Histogram (9); their points (1), temporality (2), monotonic (3). */
function metric(buf: Buffer): Json {
  const out: Json = { description: '' };
  for (const { no, value } of fields(buf)) {
    if (no === 1) out.name = text(value);
    else if (no === 2) out.description = text(value);
    else if (no === 3) out.unit = text(value);
    else if (no === 5 || no === 7 || no === 9) {
      const data: Json = { dataPoints: repeated(bytes(value), 1).map(no === 9 ? histogramPoint : numberPoint) };
      for (const f of fields(bytes(value))) {
        if (f.no === 2) data.aggregationTemporality = Number(f.value);
        else if (f.no === 3) data.isMonotonic = f.value !== 0n;
      }
      out[no === 5 ? 'gauge' : no === 7 ? 'sum' : 'histogram'] = data;
    }
  }
  return out;
}

/** ExportMetricsServiceRequest (protobuf) → `{ resourceMetrics: [...] }` as OTLP/JSON spells it. */
export function metricsRequestToJson(body: Buffer): { resourceMetrics: Json[] } {
  return {
    resourceMetrics: repeated(body, 1).map((rm) => ({
      resource: { attributes: attributes(repeated(repeated(rm, 1)[0] ?? Buffer.alloc(0), 1)) },
      scopeMetrics: repeated(rm, 2).map((sm) => ({ metrics: repeated(sm, 2).map(metric) })),
    })),
  };
}
