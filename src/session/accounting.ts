// What the CLI's model traffic and its own API calls say about context: requests and their parts,
// tokens, tool calls and results, truncations, saved-output recoveries, compressions, subagents.
import type { AccountingMessage, ToolResultValues, TruncationValues } from '../channel/protocol';

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
  /** Tools offered to the model: in the first request, the last, and the most in one (MCP tools arrive late or not at all). */
  toolsOffered: { first: number | null; last: number; max: number };
  savedOutputRecoveries: number;
  truncations: number;
  /** Of the truncations: the output kept whole in a file, bytes sent in cut form, and the original sizes the CLI stated. */
  truncated: { saved: number; sentBytes: number; stated: number; statedBytes: number };
  /** Cut tool results already counted (their keys): every later request carries them again. */
  truncationKeys: number[];
  /** Read-backs of saved outputs already counted (their keys), likewise. */
  recoveryKeys: number[];
  /** The most saved outputs one request carried past those whose paths the parser keeps for read-backs. */
  savedUntracked: number;
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
    requests: 0,
    turns: 0,
    peakRequestBytes: 0,
    peakRequest: { systemBytes: 0, toolSchemaBytes: 0, historyBytes: 0, messageCount: 0 },
    tokens: { input: 0, output: 0, cached: 0 },
    toolCalls: 0,
    toolCallsByName: {},
    toolResults: { count: 0, totalBytes: 0, largestBytes: 0, truncated: 0 },
    retained: { count: 0, totalBytes: 0, largestBytes: 0 },
    historyItems: 0,
    toolsOffered: { first: null, last: 0, max: 0 },
    savedOutputRecoveries: 0,
    truncations: 0,
    truncated: { saved: 0, sentBytes: 0, stated: 0, statedBytes: 0 },
    truncationKeys: [],
    recoveryKeys: [],
    savedUntracked: 0,
    compressions: 0,
    subagents: 0,
    model: null,
    unparsedRequests: 0,
    httpByHost: {},
    requestsSeenBy: { inProcess: 0, proxy: null },
  };
}

/** A model response as the collector accounts it, from the traffic it saw (agents never send one). */
export interface ResponseValues {
  durationMs: number;
  /** null: no body chunk arrived. */
  firstChunkMs: number | null;
  model: string | null;
  /** `gen_ai.provider.name`, from the request's wire format. */
  provider: string;
  /** null: the response could not be observed (an error first); its figures are then unknown. */
  figures: {
    toolNames: string[];
    bytes: number;
    inputTokens: number | null;
    outputTokens: number | null;
    cachedTokens: number | null;
    finishReason: string | null;
  } | null;
}

export interface ResponseAccount {
  k: 'account';
  kind: 'response';
  t: number;
  values: ResponseValues;
}

/** Every accounting event, from the typed API (checked on the way in) or built from traffic. */
export type AccountEvent = AccountingMessage | ResponseAccount;

export function toolLabel(totals: AccountingTotals, name: string): string {
  if (name in totals.toolCallsByName) return name;
  return Object.keys(totals.toolCallsByName).length < MAX_TOOL_NAMES ? name : 'other';
}

export function applyAccounting(totals: AccountingTotals, event: AccountEvent): void {
  switch (event.kind) {
    case 'request': {
      const v = event.values;
      totals.requests += 1;
      totals.turns += 1;
      totals.historyItems = v.messageCount ?? 0;
      offerTools(totals, v.toolSchemaCount ?? 0);
      if (v.model !== undefined) totals.model = v.model;
      const total = v.totalBytes ?? 0;
      if (total >= totals.peakRequestBytes) {
        totals.peakRequestBytes = total;
        totals.peakRequest = {
          systemBytes: v.systemBytes ?? 0,
          toolSchemaBytes: v.toolSchemaBytes ?? 0,
          historyBytes: v.historyBytes ?? 0,
          messageCount: v.messageCount ?? 0,
        };
        totals.retained = { count: v.toolResultCount ?? 0, totalBytes: v.toolResultBytes ?? 0, largestBytes: v.toolResultLargest ?? 0 };
      }
      break;
    }
    case 'response': {
      const f = event.values.figures;
      if (f) addTokens(totals, f.inputTokens ?? 0, f.outputTokens ?? 0, f.cachedTokens ?? 0);
      addToolCalls(totals, f?.toolNames ?? []);
      break;
    }
    case 'tokens':
      addTokens(totals, event.values.input ?? 0, event.values.output ?? 0, event.values.cached ?? 0);
      break;
    case 'tool_result':
      addToolResult(totals, event.values);
      break;
    case 'saved_output_recovery':
      totals.savedOutputRecoveries += 1;
      break;
    case 'truncation':
      addTruncation(totals, event.values);
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

function offerTools(totals: AccountingTotals, count: number): void {
  const offered = totals.toolsOffered;
  offered.first ??= count;
  offered.last = count;
  offered.max = Math.max(offered.max, count);
}

/** Tool calls the model asked for (from model traffic). */
function addToolCalls(totals: AccountingTotals, names: string[]): void {
  for (const name of names) {
    totals.toolCalls += 1;
    const label = toolLabel(totals, name);
    totals.toolCallsByName[label] = (totals.toolCallsByName[label] ?? 0) + 1;
  }
}

function addTruncation(totals: AccountingTotals, v: TruncationValues): void {
  totals.truncations += 1;
  const t = totals.truncated;
  if (v.saved === true) t.saved += 1;
  t.sentBytes += v.bytes ?? 0;
  if ((v.statedBytes ?? 0) > 0) {
    t.stated += 1;
    t.statedBytes += v.statedBytes ?? 0;
  }
}

function addTokens(totals: AccountingTotals, input: number, output: number, cached: number): void {
  totals.tokens.input += input;
  totals.tokens.output += output;
  totals.tokens.cached += cached;
}

function addToolResult(totals: AccountingTotals, v: ToolResultValues): void {
  const bytes = v.bytes ?? 0;
  const results = totals.toolResults;
  results.count += 1;
  results.totalBytes += bytes;
  results.largestBytes = Math.max(results.largestBytes, bytes);
  if (v.truncated === true) {
    results.truncated += 1;
    totals.truncations += 1;
  }
  addToolCalls(totals, [v.tool ?? 'unknown']);
}
