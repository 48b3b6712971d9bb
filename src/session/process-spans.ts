// A process's span, closed when the process ends: its life, its role, its memory at both ends.
import { isInstrumented, type ProcessEntry } from './process-table';
import type { SpanBook } from './spans';
import type { Timeline } from './timeline';

export function closeProcessSpan(spans: SpanBook, timeline: Timeline, entry: ProcessEntry, parentSpanId: string, sessionId: string): void {
  const first = timeline.nearest(entry.firstSeen);
  const last = timeline.nearest(entry.ended ?? entry.lastSeen);
  const start = entry.hello?.origin ?? entry.firstSeen;
  const end = entry.final?.t ?? entry.ended ?? entry.lastSeen;
  spans.closeWith(
    {
      spanId: entry.spanId,
      parentSpanId,
      name: `process ${entry.role}`,
      start,
      attributes: { ...processAttributes(entry), 'qwen_otel.session.id': sessionId },
    },
    end,
    { rss: entry.firstRss ?? entry.rss, heapUsed: entry.firstHeapUsed ?? undefined, treeRss: first?.treeRss ?? null },
    { rss: entry.latest?.mem.rss ?? entry.rss, heapUsed: entry.latest?.mem.heapUsed, treeRss: last?.treeRss ?? null },
  );
}

function processAttributes(entry: ProcessEntry): Record<string, string | number | boolean> {
  const attributes: Record<string, string | number | boolean> = {
    'process.pid': entry.pid,
    'process.executable.name': entry.shown || 'unknown',
    'qwen_otel.process.role': entry.role,
    'qwen_otel.process.instrumented': isInstrumented(entry),
    'qwen_otel.process.hwm': entry.hwm,
  };
  if (entry.final?.exitCode !== null && entry.final?.exitCode !== undefined) attributes['process.exit.code'] = entry.final.exitCode;
  if (entry.endNote) attributes['qwen_otel.process.end_reason'] = entry.endNote.reason;
  return attributes;
}
