// Where the memory went, in buckets that add up to the process tree's RSS at its sampled peak,
// and a pressure class with its reason in words.
import type { ProcessEntry } from './process-table';

export interface Buckets {
  /** V8 heap in use, in instrumented CLI processes. */
  heapUsed: number;
  /** Heap V8 holds but has not filled. */
  heapFree: number;
  /** External memory and array buffers (Buffers, wasm), as far as they fit in RSS. */
  external: number;
  /** The rest of the CLI processes' RSS: code, native allocations, runtime. */
  native: number;
  /** CLI processes we cannot see inside (no agent: a Rust or Bun binary). */
  cliOpaque: number;
  mcpServer: number;
  tool: number;
  subagent: number;
  other: number;
}

export type PressureClass = 'heap-limit' | 'children' | 'external' | 'native' | 'heap' | 'low';

export interface Diagnosis {
  class: PressureClass;
  reason: string;
  buckets: Buckets;
}

const MiB = 1024 * 1024;

export function emptyBuckets(): Buckets {
  return { heapUsed: 0, heapFree: 0, external: 0, native: 0, cliOpaque: 0, mcpServer: 0, tool: 0, subagent: 0, other: 0 };
}

export function breakdown(alive: ProcessEntry[]): Buckets {
  const b = emptyBuckets();
  for (const entry of alive) {
    if (entry.preExec) continue;
    if (entry.role === 'mcp_server') b.mcpServer += entry.rss;
    else if (entry.role === 'tool') b.tool += entry.rss;
    else if (entry.role === 'subagent') b.subagent += entry.rss;
    else if (entry.role === 'other') b.other += entry.rss;
    else if (!entry.latest) b.cliOpaque += entry.rss;
    else splitCliProcess(b, entry.rss, entry.latest.mem);
  }
  return b;
}

/** RSS = heap used + heap free + external + native, each clamped so the parts never exceed RSS. */
function splitCliProcess(
  b: Buckets,
  rss: number,
  mem: { heapUsed: number; heapTotal: number; external: number; arrayBuffers: number },
): void {
  const heapUsed = Math.min(mem.heapUsed, rss);
  const heapFree = Math.min(Math.max(mem.heapTotal - mem.heapUsed, 0), rss - heapUsed);
  // Node counts arrayBuffers inside external already.
  const external = Math.min(mem.external, rss - heapUsed - heapFree);
  b.heapUsed += heapUsed;
  b.heapFree += heapFree;
  b.external += external;
  b.native += rss - heapUsed - heapFree - external;
}

export function bucketTotal(b: Buckets): number {
  return Object.values(b).reduce((sum, value) => sum + value, 0);
}

export interface DiagnosisInput {
  buckets: Buckets;
  /** The highest old-generation-used / its-limit ratio any instrumented process reached, with its role. */
  heapLimitRatio: { ratio: number; role: string } | null;
  /** The tree's peak as the record gives it (high-water marks too): a short run may have no sample at its peak. */
  treePeak?: number;
  /** Whose heaps the figures are: `V8` (default), `JavaScriptCore` (Bun), `JavaScript` (both). */
  heapEngine?: string;
}

/** The engine whose heap a runtime's figures describe: Bun's are JavaScriptCore's, not V8's. */
export function heapEngineOf(runtimes: Iterable<string | null | undefined>): string {
  const engines = new Set<string>();
  for (const runtime of runtimes) if (runtime) engines.add(runtime.startsWith('bun') ? 'JavaScriptCore' : 'V8');
  return engines.size > 1 ? 'JavaScript' : ([...engines][0] ?? 'V8');
}

export function diagnose(input: DiagnosisInput): Diagnosis {
  const diagnosis = classify(input);
  const note = mcpNote(diagnosis);
  return note ? { ...diagnosis, reason: `${diagnosis.reason}; ${note}` } : diagnosis;
}

/** MCP servers are named whenever they hold a visible share, whatever the class. */
const MCP_NOTE_SHARE = 0.05;

function mcpNote({ class: kind, buckets: b, reason }: Diagnosis): string | null {
  const total = bucketTotal(b);
  if (total <= 0 || b.mcpServer < MCP_NOTE_SHARE * total || reason.includes('mcp_server')) return null;
  return kind === 'low' ? null : `MCP servers hold ${mib(b.mcpServer)} MiB (${Math.round((100 * b.mcpServer) / total)} %)`;
}

function classify({ buckets: b, heapLimitRatio, treePeak = 0, heapEngine = 'V8' }: DiagnosisInput): Diagnosis {
  const total = bucketTotal(b);
  const children = b.mcpServer + b.tool + b.subagent + b.other;
  const heap = b.heapUsed + b.heapFree;
  const outsideHeap = b.native + b.cliOpaque;
  const share = (part: number): string => `${mib(part)} MiB (${total > 0 ? Math.round((100 * part) / total) : 0} %)`;
  // The buckets are summed over the tree's processes at the sample where the tree peaked.
  const at = `of the ${mib(total)} MiB sampled at the tree's peak`;
  if (heapLimitRatio && heapLimitRatio.ratio >= 0.75) {
    return {
      class: 'heap-limit',
      buckets: b,
      reason: `the V8 old generation reached ${Math.round(heapLimitRatio.ratio * 100)} % of its limit in ${heapLimitRatio.role}: close to an out-of-memory crash`,
    };
  }
  if (Math.max(total, treePeak) < 64 * MiB) {
    const unseen = total === 0 && treePeak > 0 ? ' (from high-water marks: no tree sample saw the run)' : '';
    return { class: 'low', buckets: b, reason: `the tree peaked at ${mib(Math.max(total, treePeak))} MiB${unseen}` };
  }
  if (children >= 0.4 * total) {
    const largest = largestChild(b);
    return { class: 'children', buckets: b, reason: `child processes hold ${share(children)} ${at}; the largest share is ${largest}` };
  }
  // External memory is the class when it is the largest part, or large beside the heap in use.
  if (b.external > Math.max(heap, outsideHeap) || (b.external >= 64 * MiB && b.external >= 0.5 * b.heapUsed)) {
    return {
      class: 'external',
      buckets: b,
      reason: `external memory (Buffers, array buffers) holds ${share(b.external)} ${at}, against ${mib(b.heapUsed)} MiB of ${heapEngine} heap in use`,
    };
  }
  if (outsideHeap >= heap) {
    return {
      class: 'native',
      buckets: b,
      reason: `RSS outside the ${heapEngine} heaps and external memory (code, native allocations) holds ${share(outsideHeap)} ${at}; the heaps hold ${mib(heap)} MiB`,
    };
  }
  return { class: 'heap', buckets: b, reason: `the ${heapEngine} heaps hold ${share(heap)} ${at}, ${mib(b.heapUsed)} MiB of it in use` };
}

function largestChild(b: Buckets): string {
  const parts: Array<[string, number]> = [
    ['mcp_server', b.mcpServer],
    ['tool', b.tool],
    ['subagent', b.subagent],
    ['other', b.other],
  ];
  const [name, bytes] = parts.reduce((best, part) => (part[1] > best[1] ? part : best));
  return `${name} with ${mib(bytes)} MiB`;
}

export function mib(bytes: number): number {
  return Math.round(bytes / MiB);
}
