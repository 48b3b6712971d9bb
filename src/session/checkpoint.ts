// What the collector keeps on disk of a live session, so that a collector that is killed (or
// replaced by a newer one) costs the run nothing but the seconds since the last checkpoint: the
// next collector restores this, then reads the agents' lines written after it. Plain data only;
// a private file (0600) in the session's directory, removed with it.
import * as v from 'valibot';
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

/** Numbers of a real run: finite and not negative. */
const figure = v.pipe(v.number(), v.finite(), v.minValue(0));
const figures = v.record(v.string(), figure);
const entry = v.looseObject({ pid: v.pipe(figure, v.integer()), startTicks: v.number(), role: v.string(), rss: figure, hwm: figure });

/**
 * What restoring relies on. The session directory is writable by the CLI's own processes (they are
 * told its path), so its checkpoint is input like their lines: a file of another shape is no
 * checkpoint (the session starts afresh, one line says so) rather than a collector that throws.
 */
const CHECKPOINT = v.looseObject({
  schema: v.literal(CHECKPOINT_SCHEMA),
  at: figure,
  traceId: v.pipe(v.string(), v.regex(/^[0-9a-f]{32}$/)),
  start: figure,
  peak: v.looseObject({ sampled: figure, at: figure, buckets: figures, processes: figure }),
  peakBound: figure,
  rolePeaks: figures,
  snapshots: figure,
  drops: v.optional(figures),
  malformed: v.optional(figure),
  fromLines: v.optional(figure),
  totals: v.looseObject({ requests: figure, turns: figure }),
  live: v.array(entry),
  closed: v.array(entry),
  timeline: v.array(v.looseObject({ t: figure, treeRss: figure, rootRss: figure, heapUsed: figure, processes: figure })),
  walk: v.looseObject({ cliPackageDir: v.nullable(v.string()), threadForkers: v.array(v.pipe(figure, v.integer())) }),
  channel: v.array(v.tuple([v.string(), figure, v.string(), v.optional(v.boolean())])),
  pss: v.optional(figures),
  restarts: figure,
});

/** The checkpoint in a file's text, or null when it is missing, torn, of another schema or shape. */
export function parseCheckpoint(text: string): SessionCheckpoint | null {
  try {
    const value: unknown = JSON.parse(text);
    return v.is(CHECKPOINT, value) ? (value as unknown as SessionCheckpoint) : null;
  } catch {
    return null;
  }
}
