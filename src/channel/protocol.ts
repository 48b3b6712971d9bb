// The messages an instrumented process sends to the collector, one JSON object per line.
// Plain data only: sizes, counts, times (ms since the epoch) and short names, never content.
import type { ProcessRole } from '../config';
import type { ProcessMemory } from '../probes/process-memory';
import type { V8Heap } from '../probes/v8-heap';
import type { ModelRequestMessage, ModelResponseMessage, SpanMemory } from '../traffic/types';

// What the traffic tap reports is defined with it, below the channel that carries it.
export type { ModelRequestMessage, ModelResponseMessage, SpanMemory } from '../traffic/types';

export interface PackageIdentity {
  name: string;
  version: string;
  /** The git branch of a local build, when the package sits in a git checkout. */
  branch: string | null;
}

export interface HelloMessage {
  k: 'hello';
  pid: number;
  ppid: number;
  t: number;
  /** When the process started (performance.timeOrigin). */
  origin: number;
  role: ProcessRole | null;
  sessionRoot: boolean;
  runtime: string;
  cli: PackageIdentity | null;
  /** Microseconds from the preload's first line to this message (loading and starting the agent). */
  startUs: number | null;
  /** CPU microseconds of the process over the same span (process.cpuUsage; absent from older agents). */
  startCpuUs?: number | null;
}

export interface LoopFigures {
  /** Event-loop delay over the last window (about a second), in milliseconds. */
  mean: number;
  p99: number;
  max: number;
  /** Event-loop utilization over the last window, 0-1. */
  utilization: number;
}

export interface SampleMessage {
  k: 'sample';
  t: number;
  mem: ProcessMemory;
  /**
   * V8's heap detail (limit, spaces, malloced), or null while the process is small: node:v8 is
   * loaded only once its heap in use passes 16 MiB or the process has loaded node:v8 itself.
   */
  heap: V8Heap | null;
  loop: LoopFigures | null;
  /** Garbage collections since the last sample: [kind, duration in ms]. */
  gc: Array<[string, number]>;
  /** CPU microseconds this process has spent in qwen-otel's own sampling so far (main thread). */
  costUs: number;
  /** CPU microseconds spent reading model traffic so far (absent from older agents). */
  trafficUs?: number;
}

export type AttributeValue = string | number | boolean;
export type Attributes = Record<string, AttributeValue>;

export interface SpanStartMessage {
  k: 'start';
  id: number;
  parent: number | null;
  name: string;
  t: number;
  mem: SpanMemory;
  attrs: Attributes;
}

export interface SpanEndMessage {
  k: 'end';
  id: number;
  t: number;
  mem: SpanMemory;
  attrs: Attributes;
}

/** What a model request carried, as the typed API reports it by hand (each figure optional). */
export interface RequestValues {
  totalBytes?: number;
  systemBytes?: number;
  toolSchemaBytes?: number;
  toolSchemaCount?: number;
  historyBytes?: number;
  messageCount?: number;
  toolResultCount?: number;
  toolResultBytes?: number;
  toolResultLargest?: number;
  model?: string;
}

export interface ToolResultValues {
  bytes?: number;
  truncated?: boolean;
  tool?: string;
}

export interface SizeValues {
  bytes?: number;
}

/** A tool result the CLI cut: the bytes it sent, whether it saved the rest, the size it stated. */
export interface TruncationValues {
  bytes?: number;
  saved?: boolean;
  statedBytes?: number;
}

export interface CompressionValues {
  beforeBytes?: number;
  afterBytes?: number;
  beforeMessages?: number;
  afterMessages?: number;
}

export interface TokenValues {
  input?: number;
  output?: number;
  cached?: number;
}

export interface SubagentValues {
  name?: string;
}

/** The figures each kind of accounting message carries. */
export interface AccountingValues {
  request: RequestValues;
  tool_result: ToolResultValues;
  saved_output_recovery: SizeValues;
  truncation: TruncationValues;
  compression: CompressionValues;
  tokens: TokenValues;
  subagent_start: SubagentValues;
  subagent_end: SubagentValues;
}

export type AccountingKind = keyof AccountingValues;

/** What the CLI's own source reports through the typed API: one member per kind, its figures typed. */
export type AccountingMessage = { [K in AccountingKind]: AccountingMessageOf<K> }[AccountingKind];

export interface AccountingMessageOf<K extends AccountingKind> {
  k: 'account';
  kind: K;
  t: number;
  values: AccountingValues[K];
}

/** The old generation passed 80 % of its limit (sent once per process). */
export interface PressureMessage {
  k: 'pressure';
  t: number;
  heapUsed: number;
  heapLimit: number;
}

export interface SnapshotMessage {
  k: 'snapshot';
  t: number;
  reason: string;
  bytes: number;
}

/**
 * The sampling heap profiler (QWEN_OTEL_HEAP_PROFILE): a capture at one of the process's heap
 * high points, summed by package and by module (largest entries, the rest as `(other)`: each
 * adds up to `sampled`), or why there is none. Names only, never an absolute path or heap content.
 */
export interface HeapProfileMessage {
  k: 'heap_profile';
  t: number;
  status: 'captured' | 'skipped' | 'failed';
  /** For skipped or failed: a fixed phrase (e.g. "inspector already attached"). */
  reason: string | null;
  /** Which capture of this process (1-based); 0 when none was taken. */
  capture: number;
  /** V8 heap in use at the high point the capture was taken for, and after it (its forced GC). */
  heapUsed: number;
  heapUsedAfter: number;
  /** Live bytes the profile accounts for. */
  sampled: number;
  byPackage: Record<string, number>;
  byModule: Record<string, number>;
  /** getSamplingProfile's pause (V8 collects garbage first), and the attribution's. */
  pauseMs: number;
  attributeMs: number;
}

/** The message of a process whose profile holds nothing: skipped, failed, or not taken yet. */
export function heapProfileWithout(status: HeapProfileMessage['status'], reason: string | null, capture: number): HeapProfileMessage {
  return {
    k: 'heap_profile',
    t: Date.now(),
    status,
    reason,
    capture,
    heapUsed: 0,
    heapUsedAfter: 0,
    sampled: 0,
    byPackage: {},
    byModule: {},
    pauseMs: 0,
    attributeMs: 0,
  };
}

export type EndReason = 'exit' | 'signal' | 'exception';

/**
 * The process's figures when it ends, or may end: `last` is false for a signal or an exception
 * the CLI handles (it may go on, as an interactive Ctrl-C does).
 */
export interface FinalMessage {
  k: 'final';
  t: number;
  last: boolean;
  reason: EndReason;
  exitCode: number | null;
  signal: string | null;
  /** The error's class name only (e.g. "TypeError"), never its message. */
  errorName: string | null;
  sample: SampleMessage;
  peaks: ProcessPeaks;
  samples: number;
}

export interface ProcessPeaks {
  rss: number;
  heapUsed: number;
  /** Old generation in use: compared to its limit for the out-of-memory risk. */
  oldUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  malloced: number;
  /** Largest used size seen per heap space. */
  spaces: Record<string, number>;
}

/** Requests to anything that is not a model API, counted by host since the last sample. */
export interface HttpCountMessage {
  k: 'http';
  t: number;
  hosts: Record<string, number>;
}

/**
 * A CLI hook fired (`qwen-otel hook EVENT` in its hook settings): only the event's name and the
 * time, never the hook's input. Written by a short-lived hook process; `ppid` leads to the CLI.
 */
export interface HookMessage {
  k: 'hook';
  event: string;
  t: number;
  ppid: number;
  /**
   * The parent's parent: CLIs run a hook through `sh -c`, a shell too short-lived for the tree
   * sampler to have seen, so the walk to the CLI may have to start one step higher.
   */
  gppid?: number;
}

export type AgentMessage =
  | HelloMessage
  | SampleMessage
  | SpanStartMessage
  | SpanEndMessage
  | AccountingMessage
  | PressureMessage
  | SnapshotMessage
  | FinalMessage
  | ModelRequestMessage
  | ModelResponseMessage
  | HttpCountMessage
  | HookMessage
  | HeapProfileMessage;
