// What the collector keeps on disk of a live session, so that a collector that is killed (or
// replaced by a newer one) costs the run nothing but the seconds since the last checkpoint: the
// next collector restores this, then reads the agents' lines written after it. Plain data only;
// a private file (0600) in the session's directory, removed with it.
import type { ChannelPosition, InputDrops } from '../channel/reader';
import type { AccountingTotals } from './accounting';
import type { Buckets } from './diagnosis';
import type { ProcessEntry } from './process-table';
import type { PssFigures } from './pss';
import type { TimelinePoint } from './timeline';

export const CHECKPOINT_SCHEMA = 'qwen-otel.checkpoint/1';

export interface SessionCheckpoint {
  schema: typeof CHECKPOINT_SCHEMA;
  /** When it was taken (ms since the epoch). */
  at: number;
  traceId: string;
  start: number;
  peak: { sampled: number; at: number; buckets: Buckets; processes: number };
  peakBound: number;
  rolePeaks: Record<string, number>;
  snapshots: number;
  /** Absent in checkpoints of older collectors, which kept `malformed` (lines) only. */
  drops?: InputDrops;
  malformed?: number;
  /** Processes made known by their lines alone so far. */
  fromLines?: number;
  totals: AccountingTotals;
  live: ProcessEntry[];
  closed: ProcessEntry[];
  timeline: TimelinePoint[];
  walk: { cliPackageDir: string | null; threadForkers: number[] };
  /** How far each channel file was read. */
  channel: ChannelPosition[];
  /** The tree's PSS so far; absent from older collectors' checkpoints. */
  pss?: PssFigures;
  /** Collectors that took over this session before (a chain of restarts). */
  restarts: number;
}

/** The checkpoint in a file's text, or null when it is missing, torn or of another schema. */
export function parseCheckpoint(text: string): SessionCheckpoint | null {
  try {
    const value = JSON.parse(text) as Partial<SessionCheckpoint>;
    if (value.schema !== CHECKPOINT_SCHEMA || !Array.isArray(value.live) || !Array.isArray(value.closed)) return null;
    return value as SessionCheckpoint;
  } catch {
    return null;
  }
}
