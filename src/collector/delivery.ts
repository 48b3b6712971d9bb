// Delivering a finished run's final figures (the Pushgateway push, the last trace batch) after
// its record is written and its wrapper has returned: retried with backoff until a deadline
// counted from the run's end, then kept in the spool for `qwen-otel flush` and the next
// collector. The CLI's exit never waits for any of it. Nothing is dropped without one line.
import type { DeliveryItem, FinalDelivery } from '../export/final-delivery';
import type { SessionNotices } from './notices';
import type { Spool } from './spool';

export interface DeliveryOptions {
  /** Kinds of figures the user was already told have nowhere to go (nothing listens). */
  told: (what: string) => boolean;
  /** Give up (spool) this long after the run ended. */
  deadlineMs: number;
  /** One attempt may take this long. */
  attemptTimeoutMs: number;
}

/** Waits between attempts: quick at first (a backend under load), then every few seconds. */
const BACKOFF_MS = [250, 500, 1000, 2000, 4000, 8000];

/** Delivers every item of a run; resolves once each is delivered, spooled or dropped (with a line). */
export async function deliverFinal(
  final: FinalDelivery,
  runEndedAt: number,
  options: DeliveryOptions,
  notices: SessionNotices,
  spool: Spool | null,
): Promise<void> {
  await Promise.all(final.items.map((item) => deliverOne(final.runId, item, runEndedAt + options.deadlineMs, options, notices, spool)));
}

async function deliverOne(
  runId: string,
  item: DeliveryItem,
  deadline: number,
  options: DeliveryOptions,
  notices: SessionNotices,
  spool: Spool | null,
): Promise<void> {
  let lastError: Error | null = null;
  let refusedEveryTime = true;
  for (let attempt = 0; ; attempt += 1) {
    const timeout = Math.max(50, Math.min(options.attemptTimeoutMs, deadline - Date.now()));
    try {
      await item.attempt(timeout);
      if (attempt > 0) notices.log(`qwen-otel: run ${runId}: ${item.what} delivered to ${item.target} after ${attempt + 1} attempts`);
      return;
    } catch (error) {
      lastError = error as Error;
      refusedEveryTime &&= isRefused(lastError);
      if (attempt === 0)
        notices.log(`qwen-otel: run ${runId}: ${item.what} not sent to ${item.target} yet (${reason(lastError)}); retrying`);
    }
    const wait = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)];
    if (Date.now() + wait >= deadline) break;
    await sleep(wait);
  }
  // Nothing ever listened there: a backend that is not running is a setting, said once (not kept).
  if (refusedEveryTime) {
    if (!options.told(item.what))
      notices.later(`qwen-otel: run ${runId}: ${item.what} not sent: nothing listens at ${item.target} (${item.hint})`);
    return;
  }
  const kept = spool?.keep(runId, item.spoolForm()) ?? null;
  notices.later(
    `qwen-otel: run ${runId}: ${item.what} not delivered to ${item.target} within ${Math.round(options.deadlineMs / 1000)} s ` +
      `(${reason(lastError)}); ${kept ? `kept in ${kept} (qwen-otel flush retries)` : 'not kept: the spool is full or not writable'}`,
  );
}

function isRefused(error: Error | null): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ECONNREFUSED' || code === 'EADDRNOTAVAIL';
}

function reason(error: Error | null): string {
  if (!error) return 'unknown';
  return error.name === 'TimeoutError' ? error.message : ((error as NodeJS.ErrnoException).code ?? error.message);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
