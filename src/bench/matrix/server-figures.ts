// The scripted server's ground truth for one run: model requests only (not HEAD probes, model
// lists or token counts), their sizes and counts in order, and whether the script was played out.
import type { RecordedExchange } from '../model-server/record';
import { mcpToolNames, type McpCall } from '../model-server/script';
import type { McpCallOutcome, ServerFigures } from '../../contracts/bench-result';

function modelRequests(all: RecordedExchange[]): RecordedExchange[] {
  return [...all].filter((r) => r.format !== 'none' && r.replyKind !== 'none').sort((a, b) => a.seq - b.seq);
}

/** `spawnedAt`: when the command was spawned (epoch ms), for the time to the first model request. */
export function serverFigures(all: RecordedExchange[], spawnedAt: number | null = null): ServerFigures {
  const model = modelRequests(all);
  const sum = (pick: (r: RecordedExchange) => number): number => model.reduce((s, r) => s + pick(r), 0);
  const max = (pick: (r: RecordedExchange) => number): number => Math.max(0, ...model.map(pick));
  return {
    requests: model.length,
    request_bytes_total: sum((r) => r.requestBytes),
    request_bytes_peak: max((r) => r.requestBytes),
    tool_result_bytes_peak: max((r) => r.toolResultBytes),
    prompt_tokens: sum((r) => r.promptTokens),
    completion_tokens: sum((r) => r.completionTokens),
    tool_calls: sum((r) => r.toolCallNames.length),
    first_request_ms: spawnedAt === null || model.length === 0 ? null : Math.round((model[0].startedAt - spawnedAt) * 10) / 10,
    sequence: model.map(({ requestBytes, messageCount, toolCount, toolSchemaBytes, toolResultCount, toolResultBytes, toolCallNames }) => ({
      requestBytes,
      messageCount,
      toolCount,
      toolSchemaBytes,
      toolResultCount,
      toolResultBytes,
      toolCallNames,
    })),
  };
}

/**
 * Null when the CLI asked for the final answer with every scripted tool result in its history;
 * otherwise why not. A CLI that exits 0 without doing the work (a tool it does not offer, a
 * request it gave up on) must not count as a run of the workload.
 */
export function scriptShortfall(all: RecordedExchange[], steps: number): string | null {
  const main = modelRequests(all).filter((r) => r.requestKind === 'main');
  if (main.some((r) => r.replyKind === 'text' && r.toolResultCount >= steps)) return null;
  const furthest = Math.max(0, ...main.map((r) => r.toolResultCount));
  if (main.length === 0) return 'no model request reached the scripted server';
  return `conversation incomplete: ${Math.min(furthest, steps)} of ${steps} tool results came back`;
}

/**
 * For each MCP tool the workload's model calls: the name the CLI offered it under and whether its
 * result came back. `called_as: null`: the CLI never offered the tool (the server is not in the
 * configuration, or it did not start), and the model answered without it.
 */
export function mcpCallOutcomes(all: RecordedExchange[], calls: McpCall[]): McpCallOutcome[] {
  const main = modelRequests(all).filter((r) => r.requestKind === 'main');
  return calls.map(({ server, tool }) => {
    const names = mcpToolNames(server, tool);
    const call = main.find((r) => r.toolCallNames.some((n) => names.includes(n)));
    const answered = !!call && main.some((r) => r.seq > call.seq && r.toolResultCount > call.toolResultCount);
    return { server, tool, called_as: call?.toolCallNames.find((n) => names.includes(n)) ?? null, answered };
  });
}

/** Why a run whose configuration has the server did not get its tool's result, or null. */
export function mcpShortfall(outcomes: McpCallOutcome[], configured: readonly string[]): string | null {
  const missed = outcomes.find((o) => configured.includes(o.server) && !o.answered);
  if (!missed) return null;
  const what = missed.called_as ? 'its result never came back' : 'the CLI never offered it';
  return `MCP tool ${missed.server}/${missed.tool} not done though the server is configured: ${what}`;
}
