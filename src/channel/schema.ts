// What an agent line must be before the collector believes it: every message of protocol.ts as a
// schema, numbers finite and within a range a real process can reach, strings short. A line that
// fails is counted and skipped by the reader, never fatal. Loaded by the collector only (the agent
// bundle never imports this file).
//
// valibot rather than typebox (already a dependency, for the run record): loading the library
// and checking 20,000 sample lines cost the collector +0.8 MiB of heap and +4 MiB of RSS with
// valibot 1.5.0, against +2.0 MiB of heap and +8.5 MiB of RSS with typebox 0.34's compiler
// (node 20, heap and RSS after a forced GC, two runs each), for 19-33 µs a line against 13-19 µs
// (JSON.parse alone: 5-8 µs). In a whole run the collector's peak RSS went from 58.9 to 62.2 MiB
// (`npm run bench:hostile`, clean case).
import * as v from 'valibot';
import { PROCESS_ROLES } from '../config';
import type { AgentMessage } from './protocol';

/** Bytes of memory, of a body, of a file: no process here holds a petabyte (2^50). */
const bytes = v.pipe(v.number(), v.finite(), v.minValue(0), v.maxValue(2 ** 50));
/** Counts (messages, tools, tokens, samples). */
const count = v.pipe(v.number(), v.finite(), v.minValue(0), v.maxValue(2 ** 40));
/** A time in ms since the epoch (performance.timeOrigin is fractional); 2^42 ms is the year 2109. */
const epochMs = v.pipe(v.number(), v.finite(), v.minValue(0), v.maxValue(2 ** 42));
/** A duration in ms (GC pauses, loop delay) or µs (the agent's own cost): under ~50 days in µs. */
const duration = v.pipe(v.number(), v.finite(), v.minValue(0), v.maxValue(2 ** 42));
const ratio = v.pipe(v.number(), v.finite(), v.minValue(0), v.maxValue(1));
/** Linux's largest pid_max is 2^22. */
const pid = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(2 ** 22));
/** Ids the agent counts up (phases, model requests). */
const id = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(Number.MAX_SAFE_INTEGER));
const exitCode = v.pipe(v.number(), v.integer(), v.minValue(-(2 ** 31)), v.maxValue(2 ** 32));
const name = v.pipe(v.string(), v.maxLength(256));
const shortName = v.pipe(v.string(), v.maxLength(128));

const role = v.picklist(PROCESS_ROLES);
const attributes = v.record(
  shortName,
  v.union([
    v.pipe(v.string(), v.maxLength(1024)),
    v.pipe(v.number(), v.finite(), v.minValue(-Number.MAX_SAFE_INTEGER), v.maxValue(Number.MAX_SAFE_INTEGER)),
    v.boolean(),
  ]),
);
const spanMemory = v.object({ rss: bytes, heapUsed: bytes });
const packageIdentity = v.object({ name, version: shortName, branch: v.nullable(name) });

const hello = v.object({
  k: v.literal('hello'),
  pid,
  ppid: pid,
  t: epochMs,
  origin: epochMs,
  role: v.nullable(role),
  sessionRoot: v.boolean(),
  runtime: shortName,
  cli: v.nullable(packageIdentity),
  startUs: v.nullable(duration),
  startCpuUs: v.optional(v.nullable(duration)),
});

const memory = v.object({ rss: bytes, hwm: bytes, heapTotal: bytes, heapUsed: bytes, external: bytes, arrayBuffers: bytes });
const heapSpace = v.object({ name: shortName, size: bytes, used: bytes, available: bytes, physical: bytes });
const heap = v.object({
  used: bytes,
  total: bytes,
  limit: bytes,
  malloced: bytes,
  oldUsed: bytes,
  oldLimit: bytes,
  spaces: v.array(heapSpace),
});
const loop = v.object({ mean: duration, p99: duration, max: duration, utilization: ratio });
const sample = v.object({
  k: v.literal('sample'),
  t: epochMs,
  mem: memory,
  heap: v.nullable(heap),
  loop: v.nullable(loop),
  gc: v.array(v.tuple([shortName, duration])),
  costUs: duration,
  trafficUs: v.optional(duration),
});

const spanStart = v.object({ k: v.literal('start'), id, parent: v.nullable(id), name, t: epochMs, mem: spanMemory, attrs: attributes });
const spanEnd = v.object({ k: v.literal('end'), id, t: epochMs, mem: spanMemory, attrs: attributes });

const account = <K extends string, E extends v.ObjectEntries>(kind: K, values: E) =>
  v.object({ k: v.literal('account'), kind: v.literal(kind), t: epochMs, values: v.object(values) });
const sizeValues = { bytes: v.optional(bytes) };
const subagentValues = { name: v.optional(name) };
const accounting = v.variant('kind', [
  account('request', {
    totalBytes: v.optional(bytes),
    systemBytes: v.optional(bytes),
    toolSchemaBytes: v.optional(bytes),
    toolSchemaCount: v.optional(count),
    historyBytes: v.optional(bytes),
    messageCount: v.optional(count),
    toolResultCount: v.optional(count),
    toolResultBytes: v.optional(bytes),
    toolResultLargest: v.optional(bytes),
    model: v.optional(shortName),
  }),
  account('tool_result', { bytes: v.optional(bytes), truncated: v.optional(v.boolean()), tool: v.optional(shortName) }),
  account('saved_output_recovery', sizeValues),
  account('truncation', { bytes: v.optional(bytes), saved: v.optional(v.boolean()), statedBytes: v.optional(bytes) }),
  account('compression', {
    beforeBytes: v.optional(bytes),
    afterBytes: v.optional(bytes),
    beforeMessages: v.optional(count),
    afterMessages: v.optional(count),
  }),
  account('tokens', { input: v.optional(count), output: v.optional(count), cached: v.optional(count) }),
  account('subagent_start', subagentValues),
  account('subagent_end', subagentValues),
]);

const pressure = v.object({ k: v.literal('pressure'), t: epochMs, heapUsed: bytes, heapLimit: bytes });
const snapshot = v.object({ k: v.literal('snapshot'), t: epochMs, reason: shortName, bytes });
const peaks = v.object({
  rss: bytes,
  heapUsed: bytes,
  oldUsed: bytes,
  heapTotal: bytes,
  external: bytes,
  arrayBuffers: bytes,
  malloced: bytes,
  spaces: v.record(shortName, bytes),
});
const final = v.object({
  k: v.literal('final'),
  t: epochMs,
  last: v.boolean(),
  reason: v.picklist(['exit', 'signal', 'exception']),
  exitCode: v.nullable(exitCode),
  signal: v.nullable(shortName),
  errorName: v.nullable(shortName),
  sample,
  peaks,
  samples: count,
});

const wireFormat = v.picklist(['openai-chat', 'anthropic', 'openai-responses', 'gemini']);
const requestFigures = v.object({
  format: wireFormat,
  model: v.nullable(shortName),
  stream: v.boolean(),
  totalBytes: bytes,
  systemBytes: bytes,
  toolSchemaCount: count,
  toolSchemaBytes: bytes,
  historyBytes: bytes,
  messageCount: count,
  toolResultCount: count,
  toolResultBytes: bytes,
  toolResultLargest: bytes,
  truncated: v.optional(
    v.pipe(v.array(v.object({ key: id, sentBytes: bytes, saved: v.boolean(), statedBytes: v.nullable(bytes) })), v.maxLength(64)),
  ),
  readBacks: v.optional(v.pipe(v.array(id), v.maxLength(64))),
  savedUntracked: v.optional(count),
});
const modelRequest = v.object({
  k: v.literal('model_request'),
  id,
  t: epochMs,
  format: wireFormat,
  figures: v.nullable(requestFigures),
  mem: spanMemory,
});
const responseFigures = v.object({
  inputTokens: v.nullable(count),
  outputTokens: v.nullable(count),
  cachedTokens: v.nullable(count),
  toolCalls: count,
  toolNames: v.array(shortName),
  finishReason: v.nullable(shortName),
  bytes,
  events: count,
  unparsed: v.boolean(),
});
const modelResponse = v.object({
  k: v.literal('model_response'),
  id,
  t: epochMs,
  firstChunkAt: v.nullable(epochMs),
  status: v.nullable(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(999))),
  figures: v.nullable(responseFigures),
  error: v.nullable(shortName),
  mem: spanMemory,
});
const http = v.object({ k: v.literal('http'), t: epochMs, hosts: v.record(name, count) });
/** Package and module names of the CLI's own code: a bounded map. */
const byName = v.pipe(
  v.record(name, bytes),
  v.check((r) => Object.keys(r).length <= 64, 'at most 64 entries'),
);
const heapProfile = v.object({
  k: v.literal('heap_profile'),
  t: epochMs,
  status: v.picklist(['captured', 'skipped', 'failed']),
  reason: v.nullable(shortName),
  capture: count,
  heapUsed: bytes,
  heapUsedAfter: bytes,
  sampled: bytes,
  byPackage: byName,
  byModule: byName,
  pauseMs: duration,
  attributeMs: duration,
});
const hook = v.object({ k: v.literal('hook'), event: shortName, t: epochMs, ppid: pid, gppid: v.optional(pid) });

export const AgentMessageSchema = v.variant('k', [
  hello,
  sample,
  spanStart,
  spanEnd,
  accounting,
  pressure,
  snapshot,
  final,
  modelRequest,
  modelResponse,
  http,
  hook,
  heapProfile,
]);

// The schema and the protocol's types are one: a field renamed, added or retyped on either side
// without the other fails to compile here.
// (The strict form: an optional field missing on one side is a difference too.)
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const inSync: Same<v.InferOutput<typeof AgentMessageSchema>, AgentMessage> = true;
void inSync;

/** One line (without its newline): the message it holds, or null when it is not JSON or not a valid message. */
export function parseMessage(line: string): AgentMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  return checkMessage(value);
}

/** The message a parsed line holds, or null when it is not one we know, in range (unknown keys are dropped). */
export function checkMessage(value: unknown): AgentMessage | null {
  const result = v.safeParse(AgentMessageSchema, value, { abortEarly: true });
  return result.success ? result.output : null;
}
