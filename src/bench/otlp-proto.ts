// Reads an OTLP ExportTraceServiceRequest in protobuf (what the OTLP/HTTP exporters send by
// default) into the OTLP/JSON shape, so the sink reads both encodings with one parser. Only the
// fields the sink uses: resource and span attributes, ids, names, times, events.

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
