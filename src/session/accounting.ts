// What the CLI's model traffic and its own API calls say about context: requests and their parts,
// tokens, tool calls and results, truncations, saved-output recoveries, compressions, subagents.
import type { AccountingMessage, Attributes } from '../channel/protocol';

/** Tool names become a label; past this many distinct names the rest count as "other". */
export const MAX_TOOL_NAMES = 32;

export interface AccountingTotals {
  requests: number;
  turns: number;
  peakRequestBytes: number;
  /** The largest request's parts (the request composition at its peak). */
  peakRequest: { systemBytes: number; toolSchemaBytes: number; historyBytes: number; messageCount: number };
  tokens: { input: number; output: number; cached: number };
  toolCalls: number;
  toolCallsByName: Record<string, number>;
  toolResults: { count: number; totalBytes: number; largestBytes: number; truncated: number };
  /** Tool results carried in the history of the largest request (what the CLI retains). */
  retained: { count: number; totalBytes: number; largestBytes: number };
  historyItems: number;
  savedOutputRecoveries: number;
  truncations: number;
  compressions: number;
  subagents: number;
  model: string | null;
  /** Model requests whose body could not be read or understood. */
  unparsedRequests: number;
  /** Requests to anything but a model API, by host name (the first 32). */
  httpByHost: Record<string, number>;
  /**
   * Who saw the model requests: the agents' in-process tap, the loopback proxy (null: no proxy
   * ran). Without a proxy, 0 in-process requests may mean "none" or "out of the tap's reach".
   */
  requestsSeenBy: { inProcess: number; proxy: number | null };
}

export function emptyTotals(): AccountingTotals {
  return {
    requests: 0, turns: 0, peakRequestBytes: 0, peakRequest: { systemBytes: 0, toolSchemaBytes: 0, historyBytes: 0, messageCount: 0 }, tokens: { input: 0, output: 0, cached: 0 },
    toolCalls: 0, toolCallsByName: {}, toolResults: { count: 0, totalBytes: 0, largestBytes: 0, truncated: 0 },
    retained: { count: 0, totalBytes: 0, largestBytes: 0 }, historyItems: 0, savedOutputRecoveries: 0,
    truncations: 0, compressions: 0, subagents: 0, model: null, unparsedRequests: 0, httpByHost: {},
    requestsSeenBy: { inProcess: 0, proxy: null },
  };
}

export function num(values: Attributes, name: string): number {
  const value = values[name];
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : 0;
}

export function toolLabel(totals: AccountingTotals, name: string): string {
  if (name in totals.toolCallsByName) return name;
  return Object.keys(totals.toolCallsByName).length < MAX_TOOL_NAMES ? name : 'other';
}

export function applyAccounting(totals: AccountingTotals, message: AccountingMessage): void {
  const v = message.values;
  switch (message.kind) {
    case 'request':
      totals.requests += 1;
      totals.turns += 1;
      totals.historyItems = num(v, 'messageCount');
      if (typeof v.model === 'string') totals.model = v.model;
      if (num(v, 'totalBytes') >= totals.peakRequestBytes) {
        totals.peakRequestBytes = num(v, 'totalBytes');
        totals.peakRequest = { systemBytes: num(v, 'systemBytes'), toolSchemaBytes: num(v, 'toolSchemaBytes'), historyBytes: num(v, 'historyBytes'), messageCount: num(v, 'messageCount') };
        totals.retained = {
          count: num(v, 'toolResultCount'), totalBytes: num(v, 'toolResultBytes'), largestBytes: num(v, 'toolResultLargest'),
        };
      }
      break;
    case 'response':
      addTokens(totals, num(v, 'inputTokens'), num(v, 'outputTokens'), num(v, 'cachedTokens'));
      addToolCalls(totals, typeof v.toolNames === 'string' && v.toolNames !== '' ? v.toolNames.split(',') : []);
      break;
    case 'tokens':
      addTokens(totals, num(v, 'input'), num(v, 'output'), num(v, 'cached'));
      break;
    case 'tool_result':
      addToolResult(totals, v);
      break;
    case 'saved_output_recovery':
      totals.savedOutputRecoveries += 1;
      break;
    case 'truncation':
      totals.truncations += 1;
      break;
    case 'compression':
      totals.compressions += 1;
      break;
    case 'subagent_start':
      totals.subagents += 1;
      break;
    case 'subagent_end':
      break;
  }
}

/** Tool calls the model asked for (from model traffic). */
function addToolCalls(totals: AccountingTotals, names: string[]): void {
  for (const name of names) {
    totals.toolCalls += 1;
    const label = toolLabel(totals, name);
    totals.toolCallsByName[label] = (totals.toolCallsByName[label] ?? 0) + 1;
  }
}

function addTokens(totals: AccountingTotals, input: number, output: number, cached: number): void {
  totals.tokens.input += input;
  totals.tokens.output += output;
  totals.tokens.cached += cached;
}

function addToolResult(totals: AccountingTotals, v: Attributes): void {
  const bytes = num(v, 'bytes');
  const results = totals.toolResults;
  results.count += 1;
  results.totalBytes += bytes;
  results.largestBytes = Math.max(results.largestBytes, bytes);
  if (v.truncated === true) {
    results.truncated += 1;
    totals.truncations += 1;
  }
  addToolCalls(totals, [typeof v.tool === 'string' ? v.tool : 'unknown']);
}
