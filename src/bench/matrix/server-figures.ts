// The scripted server's ground truth for one run: model requests only (not HEAD probes, model
// lists or token counts), their sizes and counts in order, and whether the script was played out.
import type { RecordedExchange } from '../model-server/record';
import type { ServerFigures } from '../../contracts/bench-result';

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
