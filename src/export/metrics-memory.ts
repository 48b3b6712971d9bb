// Memory instruments: every process by role, the process tree, and V8 inside instrumented
// processes. All observable: they read the session's state when a reader collects.
import type { LeanMeter as Meter } from './lean-meter';
import { PROCESS_ROLES } from '../config';
import { isAlive, isInstrumented, type ProcessEntry } from '../session/process-table';
import { processPeaks } from '../session/record';
import type { Session } from '../session/session';
import { observeByRole } from './aggregate';
import {
  ATTR_V8JS_HEAP_SPACE_NAME,
  METRIC_PROCESS_MEMORY_USAGE,
  METRIC_V8JS_MEMORY_HEAP_SPACE_SIZE,
  METRIC_V8JS_MEMORY_HEAP_SPACE_AVAILABLE_SIZE,
  METRIC_V8JS_MEMORY_HEAP_SPACE_PHYSICAL_SIZE,
  METRIC_V8JS_MEMORY_HEAP_USED,
} from './semconv';

const BYTES = { unit: 'By' } as const;

/** The diagnosis buckets, named as in the run record. */
const BUCKET_LABELS: Record<string, string> = {
  heapUsed: 'heap_used',
  heapFree: 'heap_free',
  external: 'external',
  native: 'native',
  cliOpaque: 'cli_opaque',
  mcpServer: 'mcp_server',
  tool: 'tool',
  subagent: 'subagent',
  other: 'other',
};

export function registerMemoryMetrics(meter: Meter, session: Session): void {
  const alive = (): ProcessEntry[] => [...session.tree.live.values()].filter((e) => isAlive(e) && !e.preExec);
  const everyone = (): ProcessEntry[] => session.processes();
  const agents = (): ProcessEntry[] => alive().filter(isInstrumented);

  gauge(meter, METRIC_PROCESS_MEMORY_USAGE, 'Resident set size (RSS) of the processes with this role, now', (r) =>
    observeByRole(r, alive(), (e) => e.rss),
  );
  gauge(meter, 'qwen_otel.process.memory.peak', 'Largest kernel RSS high-water mark (VmHWM) of a process with this role', (r) =>
    observeByRole(r, everyone(), (e) => e.hwm, 'max'),
  );
  meter
    .createObservableGauge('qwen_otel.processes', { unit: '{process}', description: 'Processes with this role alive now' })
    .addCallback((r) => observeByRole(r, alive(), () => 1));

  gauge(meter, 'qwen_otel.tree.memory.usage', "Sum of the RSS of every process in the CLI's tree, now", (r) =>
    r.observe(session.latest?.total ?? 0),
  );
  gauge(
    meter,
    'qwen_otel.tree.memory.peak',
    "Process-tree RSS peak: the best lower bound from sampled sums and the processes' high-water marks",
    (r) => r.observe(Math.max(session.peakBound, ...everyone().map((e) => e.hwm))),
  );
  gauge(meter, 'qwen_otel.tree.memory.peak.sampled', 'Largest sum of RSS across the tree seen in one sample', (r) =>
    r.observe(session.peak.sampled),
  );
  gauge(
    meter,
    'qwen_otel.tree.memory.pss.peak',
    'Largest sum of PSS across the tree read from smaps_rollup (shared pages split among their processes); read sparsely',
    (r) => {
      if (session.pss.figures.peak > 0) r.observe(session.pss.figures.peak);
    },
  );
  gauge(meter, 'qwen_otel.tree.memory.uss', 'Sum of the private pages (USS) across the tree in the read of the PSS peak', (r) => {
    if (session.pss.figures.peak > 0) r.observe(session.pss.figures.ussAtPeak);
  });
  gauge(meter, 'qwen_otel.tree.memory.role_peak', 'Largest sampled RSS sum of the processes with this role', (r) => {
    for (const role of PROCESS_ROLES) if (session.rolePeaks[role] > 0) r.observe(session.rolePeaks[role], { role });
  });

  gauge(
    meter,
    'qwen_otel.tree.memory.peak.breakdown',
    'Where the memory was at the sampled tree peak: V8 heap, external, native, child processes by role',
    (r) => {
      for (const [bucket, bytes] of Object.entries(session.peak.buckets)) r.observe(bytes, { bucket: BUCKET_LABELS[bucket] ?? bucket });
    },
  );

  registerHeapSpaces(meter, agents);
  const v8Total = (
    name: string,
    description: string,
    pick: (e: ProcessEntry) => number | undefined,
    combine: 'sum' | 'max' = 'sum',
  ): void => gauge(meter, name, description, (r) => observeByRole(r, agents(), pick, combine));
  v8Total('qwen_otel.v8.heap.used', 'V8 heap in use', (e) => e.latest?.mem.heapUsed);
  v8Total('qwen_otel.v8.heap.reserved', 'V8 heap reserved (heapTotal)', (e) => e.latest?.mem.heapTotal);
  v8Total('qwen_otel.v8.heap.size_limit', 'V8 heap size limit (out of memory past it)', (e) => e.latest?.heap?.limit, 'max');
  v8Total('qwen_otel.v8.external', 'Memory of C++ objects bound to JavaScript objects (V8 external)', (e) => e.latest?.mem.external);
  v8Total(
    'qwen_otel.v8.array_buffers',
    'Memory of ArrayBuffers and SharedArrayBuffers (Buffers included)',
    (e) => e.latest?.mem.arrayBuffers,
  );
  v8Total('qwen_otel.v8.malloced', 'Memory V8 allocated with malloc', (e) => e.latest?.heap?.malloced);
  v8Total(
    'qwen_otel.v8.old_generation.used',
    'V8 old generation in use (what a heap out-of-memory crash is about)',
    (e) => e.latest?.heap?.oldUsed,
    'max',
  );
  v8Total(
    'qwen_otel.v8.old_generation.limit',
    'V8 old generation size limit (--max-old-space-size)',
    (e) => e.latest?.heap?.oldLimit,
    'max',
  );
  const peakOf = (name: string, description: string, pick: (p: ReturnType<typeof processPeaks>) => number): void =>
    gauge(meter, name, description, (r) => observeByRole(r, everyone().filter(isInstrumented), (e) => pick(processPeaks(e)), 'max'));
  peakOf('qwen_otel.v8.external.peak', 'Largest V8 external memory sampled in one process with this role', (p) => p.external);
  peakOf('qwen_otel.v8.array_buffers.peak', 'Largest arrayBuffers sampled in one process with this role', (p) => p.arrayBuffers);
  peakOf('qwen_otel.v8.heap.used.peak', 'Largest V8 heap in use sampled in one process with this role', (p) => p.heapUsed);
}

function registerHeapSpaces(meter: Meter, agents: () => ProcessEntry[]): void {
  const perSpace = (
    name: string,
    description: string,
    pick: (s: { size: number; used: number; available: number; physical: number }) => number,
  ): void =>
    gauge(meter, name, description, (r) => {
      const sums = new Map<string, { role: string; space: string; value: number }>();
      for (const entry of agents()) {
        for (const space of entry.latest?.heap?.spaces ?? []) {
          const key = `${entry.role}\u0000${space.name}`;
          const prev = sums.get(key);
          if (prev) prev.value += pick(space);
          else sums.set(key, { role: entry.role, space: space.name, value: pick(space) });
        }
      }
      for (const { role, space, value } of sums.values()) r.observe(value, { role, [ATTR_V8JS_HEAP_SPACE_NAME]: space });
    });
  perSpace(METRIC_V8JS_MEMORY_HEAP_USED, 'V8 heap space in use', (s) => s.used);
  perSpace(METRIC_V8JS_MEMORY_HEAP_SPACE_SIZE, 'V8 heap space size (pre-allocated)', (s) => s.size);
  perSpace(METRIC_V8JS_MEMORY_HEAP_SPACE_AVAILABLE_SIZE, 'V8 heap space still available', (s) => s.available);
  perSpace(METRIC_V8JS_MEMORY_HEAP_SPACE_PHYSICAL_SIZE, 'V8 heap space committed physical memory', (s) => s.physical);
}

function gauge(
  meter: Meter,
  name: string,
  description: string,
  callback: Parameters<ReturnType<Meter['createObservableGauge']>['addCallback']>[0],
): void {
  meter.createObservableGauge(name, { ...BYTES, description }).addCallback(callback);
}
