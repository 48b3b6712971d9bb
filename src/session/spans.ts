// Spans as plain data: the session span, one per process, and the phases the typed API opens.
// Each carries memory at its start and end (RSS, V8 heap used, process-tree RSS) and the deltas.
import type { Attributes, SpanEndMessage, SpanMemory, SpanStartMessage } from '../channel/protocol';

export interface SpanRecord {
  spanId: string;
  parentSpanId: string | null;
  name: string;
  start: number;
  end: number | null;
  attributes: Attributes;
  /** Phase boundaries whose tree RSS is looked up when the span leaves (samples may come later). */
  treeAt?: { start: number; end: number };
  events?: SpanEvent[];
}

export interface SpanEvent {
  name: string;
  t: number;
  attributes?: Attributes;
}

export interface MemoryPoint extends Partial<SpanMemory> {
  treeRss: number | null;
}

/** Finished spans waiting for export are capped: a dead trace endpoint must not grow our heap. */
const MAX_PENDING = 4096;

export class SpanBook {
  readonly session: SpanRecord;
  private readonly open = new Map<string, SpanRecord>();
  private pending: SpanRecord[] = [];
  dropped = 0;
  count = 0;

  constructor(
    readonly newSpanId: () => string,
    start: number,
    attributes: Attributes,
  ) {
    this.session = { spanId: newSpanId(), parentSpanId: null, name: 'session', start, end: null, attributes };
  }

  start(pid: number, message: SpanStartMessage, parentSpanId: string): void {
    const record: SpanRecord = {
      spanId: this.newSpanId(),
      parentSpanId: (message.parent !== null && this.open.get(key(pid, message.parent))?.spanId) || parentSpanId,
      name: message.name,
      start: message.t,
      end: null,
      attributes: { ...message.attrs, ...memoryAttributes('start', { ...message.mem, treeRss: null }) },
      treeAt: { start: message.t, end: message.t },
    };
    this.open.set(key(pid, message.id), record);
  }

  end(pid: number, message: SpanEndMessage): void {
    const record = this.open.get(key(pid, message.id));
    if (!record) return;
    this.open.delete(key(pid, message.id));
    Object.assign(record.attributes, message.attrs, memoryAttributes('end', { ...message.mem, treeRss: null }));
    if (record.treeAt) record.treeAt.end = message.t;
    this.finish(record, message.t);
  }

  /** Closes a span whose boundaries the collector saw itself (a process, the session). */
  closeWith(record: Omit<SpanRecord, 'end'>, end: number, first: MemoryPoint, last: MemoryPoint): void {
    const closed: SpanRecord = {
      ...record,
      end: null,
      attributes: { ...record.attributes, ...memoryAttributes('start', first), ...memoryAttributes('end', last) },
    };
    this.finish(closed, end);
  }

  /**
   * A span the collector builds after the fact from what a process reported (model traffic):
   * memory at both ends from the process's messages, tree RSS looked up when it leaves.
   */
  closeAt(record: Omit<SpanRecord, 'end' | 'treeAt'>, end: number, first: SpanMemory | null, last: SpanMemory | null): void {
    const attributes = { ...record.attributes };
    if (first) Object.assign(attributes, memoryAttributes('start', { ...first, treeRss: null }));
    if (last) Object.assign(attributes, memoryAttributes('end', { ...last, treeRss: null }));
    this.finish({ ...record, attributes, end: null, treeAt: { start: record.start, end } }, end);
  }

  /** Phases still open when their process or the session ends are closed and marked. */
  closeOpen(pid: number | null, at: number): void {
    for (const [k, record] of this.open) {
      if (pid !== null && !k.startsWith(`${pid}:`)) continue;
      this.open.delete(k);
      record.attributes['qwen_otel.span.unfinished'] = true;
      if (record.treeAt) record.treeAt.end = at;
      this.finish(record, at);
    }
  }

  /** Finished spans, their tree RSS filled in from the samples around their boundaries. */
  takeFinished(treeRssAt: (t: number) => number | null): SpanRecord[] {
    const taken = this.pending;
    this.pending = [];
    for (const record of taken) {
      if (record.treeAt) {
        Object.assign(
          record.attributes,
          memoryAttributes('start', { treeRss: treeRssAt(record.treeAt.start) }),
          memoryAttributes('end', { treeRss: treeRssAt(record.treeAt.end) }),
        );
        delete record.treeAt;
      }
      addDeltas(record.attributes);
    }
    return taken;
  }

  private finish(record: SpanRecord, end: number): void {
    record.end = Math.max(end, record.start);
    this.count += 1;
    if (this.pending.length >= MAX_PENDING) {
      this.pending.shift();
      this.dropped += 1;
    }
    this.pending.push(record);
  }
}

function key(pid: number, id: number): string {
  return `${pid}:${id}`;
}

function memoryAttributes(edge: 'start' | 'end', point: MemoryPoint): Attributes {
  const out: Attributes = {};
  if (point.rss !== undefined) out[`qwen_otel.memory.rss.${edge}`] = point.rss;
  if (point.heapUsed !== undefined) out[`qwen_otel.memory.heap_used.${edge}`] = point.heapUsed;
  if (point.treeRss !== null) out[`qwen_otel.memory.tree_rss.${edge}`] = point.treeRss;
  return out;
}

function addDeltas(attributes: Attributes): void {
  for (const figure of ['rss', 'heap_used', 'tree_rss']) {
    const start = attributes[`qwen_otel.memory.${figure}.start`];
    const end = attributes[`qwen_otel.memory.${figure}.end`];
    if (typeof start === 'number' && typeof end === 'number') attributes[`qwen_otel.memory.${figure}.delta`] = end - start;
  }
}
