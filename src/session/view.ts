// What the exporters read of a live session: its figures as a read-only view, never its fields to
// change. Session implements it; the metrics side is handed this type only.
import type { AccountingTotals } from './accounting';
import type { ProcessEntry } from './process-table';

export type DeepReadonly<T> = T extends (infer U)[]
  ? ReadonlyArray<DeepReadonly<U>>
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

export interface SessionView {
  readonly totals: DeepReadonly<AccountingTotals>;
  /** ms since the epoch: when the run started. */
  readonly start: number;
  /** When the session was finished, null while it runs. */
  readonly ended: number | null;
  /** The processes alive now that run an agent. */
  liveAgents(): Array<Readonly<ProcessEntry>>;
}
