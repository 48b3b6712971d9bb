// Model traffic, as the accounting the typed API reports by hand: a request's composition, a
// response's tokens and tool calls. One path then fills totals, histograms and the record.
import type { AccountingMessage, ModelRequestMessage, ModelResponseMessage, RequestValues, TruncationValues } from '../channel/protocol';
import type { WireFormat } from '../traffic/types';
import type { AccountingTotals, ResponseAccount } from './accounting';

/** `gen_ai.provider.name` by wire format (semantic conventions' well-known values). */
export const PROVIDERS: Record<WireFormat, string> = {
  'openai-chat': 'openai',
  'openai-responses': 'openai',
  anthropic: 'anthropic',
  gemini: 'gcp.gemini',
};

export function requestAccounting(m: ModelRequestMessage): AccountingMessage | null {
  const f = m.figures;
  if (!f) return null;
  const values: RequestValues = {
    totalBytes: f.totalBytes,
    systemBytes: f.systemBytes,
    toolSchemaBytes: f.toolSchemaBytes,
    toolSchemaCount: f.toolSchemaCount,
    historyBytes: f.historyBytes,
    messageCount: f.messageCount,
    toolResultCount: f.toolResultCount,
    toolResultBytes: f.toolResultBytes,
    toolResultLargest: f.toolResultLargest,
  };
  if (f.model) values.model = f.model;
  return { k: 'account', kind: 'request', t: m.t, values };
}

export function responseAccounting(m: ModelResponseMessage, sentAt: number, model: string | null, format: WireFormat): ResponseAccount {
  const f = m.figures;
  return {
    k: 'account',
    kind: 'response',
    t: m.t,
    values: {
      durationMs: Math.max(0, m.t - sentAt),
      firstChunkMs: m.firstChunkAt === null ? null : Math.max(0, m.firstChunkAt - sentAt),
      model: model || null,
      provider: PROVIDERS[format],
      figures: f && {
        toolNames: f.toolNames,
        bytes: f.bytes,
        inputTokens: f.inputTokens,
        outputTokens: f.outputTokens,
        cachedTokens: f.cachedTokens,
        finishReason: f.finishReason,
      },
    },
  };
}

/** Keys of cut tool results (and of read-backs) kept to tell a new one from one carried again; the oldest are forgotten past this. */
const MAX_TRUNCATION_KEYS = 1024;

/** True the first time `key` is seen (remembered among the newest MAX_TRUNCATION_KEYS). */
function firstSeen(keys: number[], key: number): boolean {
  if (keys.includes(key)) return false;
  keys.push(key);
  if (keys.length > MAX_TRUNCATION_KEYS) keys.shift();
  return true;
}

/**
 * The cut tool results a request carries for the first time (the CLI's notice found at their
 * head by the parser), as truncation accounting. Entries of another shape are skipped.
 */
export function truncationAccounting(totals: AccountingTotals, m: ModelRequestMessage): AccountingMessage[] {
  const listed = m.figures?.truncated;
  if (!Array.isArray(listed)) return [];
  const out: AccountingMessage[] = [];
  for (const cut of listed) {
    if (!cut || typeof cut.key !== 'number' || !firstSeen(totals.truncationKeys, cut.key)) continue;
    const values: TruncationValues = { bytes: finite(cut.sentBytes), saved: cut.saved === true };
    if (typeof cut.statedBytes === 'number') values.statedBytes = finite(cut.statedBytes);
    out.push({ k: 'account', kind: 'truncation', t: m.t, values });
  }
  return out;
}

/**
 * The read-backs of saved outputs a request carries for the first time (a later tool call naming
 * the path a cut result was saved to, matched by the parser), as recovery accounting.
 */
export function recoveryAccounting(totals: AccountingTotals, m: ModelRequestMessage): AccountingMessage[] {
  const figures = m.figures;
  totals.savedUntracked = Math.max(totals.savedUntracked, finite(figures?.savedUntracked));
  const listed = figures?.readBacks;
  if (!Array.isArray(listed)) return [];
  const fresh = listed.filter((key) => typeof key === 'number' && firstSeen(totals.recoveryKeys, key));
  return fresh.map(() => ({ k: 'account', kind: 'saved_output_recovery', t: m.t, values: {} }));
}

function finite(n: unknown): number {
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : 0;
}

/** Hosts become a label (no port: ports of local servers change run to run), the first 32 only. */
export function addHosts(totals: AccountingTotals, hosts: Record<string, number>): void {
  for (const [hostAndPort, count] of Object.entries(hosts)) {
    const host = hostAndPort.replace(/:\d+$/, '');
    const known = host in totals.httpByHost || Object.keys(totals.httpByHost).length < 32;
    const label = known ? host : 'other';
    totals.httpByHost[label] = (totals.httpByHost[label] ?? 0) + count;
  }
}
