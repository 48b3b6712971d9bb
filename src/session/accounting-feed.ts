// The model traffic and accounting of one session: requests and responses (from the agents' taps
// or the loopback proxy) become accounting events, added to the totals and told to the metrics
// side, which starts listening ~0.3 s after the session (what came before is kept and replayed).
import type { InputDrops } from '../channel/reader';
import type { AgentMessage, ModelRequestMessage, ModelResponseMessage } from '../channel/protocol';
import { type AccountEvent, type AccountingTotals, applyAccounting } from './accounting';
import type { Lifecycle } from './lifecycle';
import type { ProcessEntry } from './process-table';
import { recoveryAccounting, requestAccounting, responseAccounting, truncationAccounting } from './traffic-accounting';

/** What the metrics side wants to hear as messages arrive. */
export interface SessionListener {
  /** Garbage collections a sample reported: [kind, duration in ms]. */
  onGc(entry: ProcessEntry, gc: ReadonlyArray<readonly [string, number]>): void;
  onAccount(entry: ProcessEntry, event: Readonly<AccountEvent>): void;
}

/** Events kept for the metrics side until it listens (a burst at start-up, bounded). */
const MAX_EARLY_EVENTS = 10_000;

export class AccountingFeed {
  private listener: SessionListener | null = null;
  private early: Array<() => void> = [];

  constructor(
    private readonly totals: AccountingTotals,
    private readonly lifecycle: Lifecycle,
    private readonly drops: InputDrops,
  ) {}

  listen(listener: SessionListener): void {
    this.listener = listener;
    for (const replay of this.early.splice(0)) replay();
  }

  tell(event: (listener: SessionListener) => void): void {
    if (this.listener) event(this.listener);
    else if (this.early.length < MAX_EARLY_EVENTS) this.early.push(() => event(this.listener as SessionListener));
  }

  account(entry: ProcessEntry, event: AccountEvent): void {
    applyAccounting(this.totals, event);
    this.tell((l) => l.onAccount(entry, event));
  }

  request(entry: ProcessEntry, m: ModelRequestMessage, seenBy: 'inProcess' | 'proxy' = 'inProcess'): void {
    const seen = this.totals.requestsSeenBy;
    seen[seenBy] = (seen[seenBy] ?? 0) + 1;
    const accounting = requestAccounting(m);
    if (accounting) this.account(entry, accounting);
    else this.totals.unparsedRequests += 1;
    for (const truncation of truncationAccounting(this.totals, m)) this.account(entry, truncation);
    for (const recovery of recoveryAccounting(this.totals, m)) this.account(entry, recovery);
    this.lifecycle.onRequest(entry, m);
  }

  response(entry: ProcessEntry, m: ModelResponseMessage): void {
    const request = this.lifecycle.onResponse(entry, m);
    if (request) this.account(entry, responseAccounting(m, request.t, request.figures?.model ?? null, request.format));
  }

  /** The proxy's lines are the CLI's model calls, seen from outside: they go to the CLI's process (null: not known yet). */
  fromProxy(cli: ProcessEntry | null, messages: AgentMessage[]): void {
    for (const m of messages) {
      if (!cli || (m.k !== 'model_request' && m.k !== 'model_response')) this.drops.lines += 1;
      else if (m.k === 'model_request') this.request(cli, m, 'proxy');
      else this.response(cli, m);
    }
  }
}
