// Model traffic, as the accounting the typed API reports by hand: a request's composition, a
// response's tokens and tool calls. One path then fills totals, histograms and the record.
import type { AccountingMessage, ModelRequestMessage, ModelResponseMessage, RequestValues } from '../channel/protocol';
import type { AccountingTotals, ResponseAccount } from './accounting';

export function requestAccounting(m: ModelRequestMessage): AccountingMessage | null {
  const f = m.figures;
  if (!f) return null;
  const values: RequestValues = {
    totalBytes: f.totalBytes, systemBytes: f.systemBytes, toolSchemaBytes: f.toolSchemaBytes, toolSchemaCount: f.toolSchemaCount,
    historyBytes: f.historyBytes, messageCount: f.messageCount, toolResultCount: f.toolResultCount,
    toolResultBytes: f.toolResultBytes, toolResultLargest: f.toolResultLargest,
  };
  if (f.model) values.model = f.model;
  return { k: 'account', kind: 'request', t: m.t, values };
}

export function responseAccounting(m: ModelResponseMessage, sentAt: number, model: string | null): ResponseAccount {
  const f = m.figures;
  return {
    k: 'account',
    kind: 'response',
    t: m.t,
    values: {
      durationMs: Math.max(0, m.t - sentAt),
      firstChunkMs: m.firstChunkAt === null ? null : Math.max(0, m.firstChunkAt - sentAt),
      model: model || null,
      figures: f && { toolNames: f.toolNames, bytes: f.bytes, inputTokens: f.inputTokens, outputTokens: f.outputTokens, cachedTokens: f.cachedTokens, finishReason: f.finishReason },
    },
  };
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
