// Model traffic, as the accounting the typed API reports by hand: a request's composition, a
// response's tokens and tool calls. One path then fills totals, histograms and the record.
import type { AccountingMessage, ModelRequestMessage, ModelResponseMessage } from '../channel/protocol';
import type { WireFormat } from '../traffic/types';
import type { AccountingTotals } from './accounting';

/** `gen_ai.provider.name` by wire format (semantic conventions' well-known values). */
export const PROVIDERS: Record<WireFormat, string> = { 'openai-chat': 'openai', 'openai-responses': 'openai', anthropic: 'anthropic', gemini: 'gcp.gemini' };

export function requestAccounting(m: ModelRequestMessage): AccountingMessage | null {
  const f = m.figures;
  if (!f) return null;
  return {
    k: 'account',
    kind: 'request',
    t: m.t,
    values: {
      totalBytes: f.totalBytes, systemBytes: f.systemBytes, toolSchemaBytes: f.toolSchemaBytes, toolSchemaCount: f.toolSchemaCount,
      historyBytes: f.historyBytes, messageCount: f.messageCount, toolResultCount: f.toolResultCount,
      toolResultBytes: f.toolResultBytes, toolResultLargest: f.toolResultLargest, ...(f.model ? { model: f.model } : {}),
    },
  };
}

export function responseAccounting(m: ModelResponseMessage, sentAt: number, model: string | null, format: WireFormat): AccountingMessage {
  const f = m.figures;
  const values: AccountingMessage['values'] = { durationMs: Math.max(0, m.t - sentAt), provider: PROVIDERS[format] };
  if (m.firstChunkAt !== null) values.firstChunkMs = Math.max(0, m.firstChunkAt - sentAt);
  if (model) values.model = model;
  if (f) {
    Object.assign(values, { toolCalls: f.toolCalls, toolNames: f.toolNames.join(','), bytes: f.bytes });
    if (f.inputTokens !== null) values.inputTokens = f.inputTokens;
    if (f.outputTokens !== null) values.outputTokens = f.outputTokens;
    if (f.cachedTokens !== null) values.cachedTokens = f.cachedTokens;
    if (f.finishReason) values.finishReason = f.finishReason;
  }
  return { k: 'account', kind: 'response', t: m.t, values };
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
