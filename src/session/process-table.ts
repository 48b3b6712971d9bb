// Every process the session has seen: from the tree walk, from its own agent, or both.
import type { FinalMessage, HelloMessage, ProcessPeaks, SampleMessage } from '../channel/protocol';
import { emptyPeaks, raisePeaks } from '../agent/peaks';
import type { ProcessRole } from '../config';
import type { HeapProfileState } from './heap-profile';

export interface ProcessEntry {
  pid: number;
  /** Start time in clock ticks since boot: tells a reused pid from the earlier process. */
  startTicks: number;
  /** The kernel's short name (comm): used to notice an exec, never shown. */
  name: string;
  /** What the process is shown as: its executable's base name, or `local` (see shownName). */
  shown: string;
  parentPid: number;
  role: ProcessRole;
  firstSeen: number;
  lastSeen: number;
  ended: number | null;
  /** Current RSS from /proc (or the agent), bytes. */
  rss: number;
  /** Largest RSS sampled. */
  rssPeak: number;
  /** RSS and high-water mark at the previous tree sample (0 before the first). */
  prevRss: number;
  prevHwm: number;
  /** Memory when first seen, for the process span's start. */
  firstRss: number | null;
  firstHeapUsed: number | null;
  /** The kernel's high-water mark, the largest read (from /proc while alive, or the agent's last word). */
  hwm: number;
  /** Tree samples that saw it; a hash of its command line (never the text), to notice an exec. */
  samples: number;
  argvHash: number;
  /** Seen between fork and exec: a copy of its parent, not counted in sums until it execs. */
  preExec: boolean;
  /** Its threads at the last tree sample (absent: not read). */
  threads?: number;
  hello: HelloMessage | null;
  /** Largest figures in the agent's samples. */
  peaks: ProcessPeaks;
  latest: SampleMessage | null;
  final: FinalMessage | null;
  /** Why the process ended when it was not a plain exit (a signal, an exception). */
  endNote: EndNote | null;
  /** A signal or exception the CLI handled: the reason of the end if the exit follows soon. */
  pendingNote: (EndNote & { t: number }) | null;
  pressure: boolean;
  spanId: string;
  /** QWEN_OTEL_HEAP_PROFILE: the capture nearest the heap peak and the captures' costs. */
  heapProfile?: HeapProfileState | null;
  /** The largest PSS the tree's smaps_rollup reads saw for it, with the USS of the same read (absent: never read). */
  pss?: { peak: number; ussAtPeak: number };
}

export function isAlive(entry: ProcessEntry): boolean {
  return entry.ended === null;
}

export function isInstrumented(entry: ProcessEntry): boolean {
  return entry.hello !== null;
}

type EndNote = Pick<FinalMessage, 'reason' | 'signal' | 'errorName'>;

/** A handled signal or exception counts as the cause of an exit that follows within this long. */
const CAUSE_WINDOW_MS = 1000;

export function applyFinal(entry: ProcessEntry, final: FinalMessage): void {
  entry.latest = final.sample;
  entry.hwm = Math.max(entry.hwm, final.sample.mem.hwm);
  entry.rssPeak = Math.max(entry.rssPeak, final.peaks.rss);
  const note: EndNote = { reason: final.reason, signal: final.signal, errorName: final.errorName };
  if (!final.last) {
    entry.pendingNote = { ...note, t: final.t };
    return;
  }
  entry.final = final;
  const cause = entry.pendingNote && final.t - entry.pendingNote.t <= CAUSE_WINDOW_MS ? entry.pendingNote : null;
  // An exit after a crash or signal was already explained: keep the first reason.
  if (entry.endNote) return;
  entry.endNote = final.reason !== 'exit' ? note : cause && { reason: cause.reason, signal: cause.signal, errorName: cause.errorName };
}

export function applySample(entry: ProcessEntry, sample: SampleMessage): void {
  entry.firstRss ??= sample.mem.rss;
  entry.firstHeapUsed ??= sample.mem.heapUsed;
  entry.latest = sample;
  raisePeaks(entry.peaks, sample);
  entry.hwm = Math.max(entry.hwm, sample.mem.hwm);
  entry.rssPeak = Math.max(entry.rssPeak, sample.mem.rss);
}

/** The end of the tool processes `entry` started between a response (`from`) and the next request (`to`). */
export function toolsEndedAt(processes: ProcessEntry[], entry: ProcessEntry, from: number, to: number): number | null {
  let end: number | null = null;
  for (const p of processes) {
    if (p.parentPid !== entry.pid || p.role === 'mcp_server' || p.firstSeen < from || p.ended === null || p.ended > to) continue;
    end = Math.max(end ?? 0, p.ended);
  }
  return end;
}

/** A process as first seen, before any figure of its own. */
export function blankEntry(pid: number, ppid: number, name: string, role: ProcessRole, now: number, spanId: string): ProcessEntry {
  return {
    pid,
    startTicks: 0,
    name,
    shown: '',
    parentPid: ppid,
    role,
    firstSeen: now,
    lastSeen: now,
    ended: null,
    rss: 0,
    rssPeak: 0,
    prevRss: 0,
    prevHwm: 0,
    firstRss: null,
    firstHeapUsed: null,
    hwm: 0,
    samples: 0,
    argvHash: 0,
    preExec: false,
    hello: null,
    peaks: emptyPeaks(),
    latest: null,
    final: null,
    endNote: null,
    pendingNote: null,
    pressure: false,
    spanId,
  };
}
