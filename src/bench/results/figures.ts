// Every figure a report or `qwen-otel compare` can use, by name. The list is documented in
// docs/compare.md; `figureNames()` is what `--figure` accepts. All are "higher is worse".
import { PROCESS_ROLES } from '../../config';
import type { BenchResult } from '../../contracts/bench-result';
import { BUCKET_NAMES, type RunRecord } from '../../contracts/run-record';

export type Unit = 'bytes' | 'ms' | 'count';

export interface Figure {
  name: string;
  label: string;
  unit: Unit;
  /** null when the run does not have it (no record, no such process). */
  read: (result: BenchResult) => number | null;
}

/** A finite number or null: a record field that a run lacks reads as no data, never as 0. */
function finite(value: number | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** A figure of the run record (null for a run without a record). */
function recordFigure(pick: (record: RunRecord) => number | undefined): (result: BenchResult) => number | null {
  return (result) => (result.record ? finite(pick(result.record)) : null);
}

const fromRecord = (name: string, label: string, unit: Unit, pick: (record: RunRecord) => number | undefined): Figure => ({
  name,
  label,
  unit,
  read: recordFigure(pick),
});

const peakTotal = recordFigure((r) => r.peak_request_bytes);
const peakSystem = recordFigure((r) => r.peak_request?.system_bytes);
const peakTools = recordFigure((r) => r.peak_request?.tool_schema_bytes);
const peakHistory = recordFigure((r) => r.peak_request?.history_bytes);
const retainedBytes = recordFigure((r) => r.retained_tool_results.total_bytes);

/** The largest request's history less the tool results it carried (they are part of its history). */
function historyWithoutToolResults(result: BenchResult): number | null {
  const history = peakHistory(result);
  return history === null ? null : history - (retainedBytes(result) ?? 0);
}

/** What the largest request holds besides its system prompt, tool schemas and history: model, options, JSON framing. */
function otherRequestBytes(result: BenchResult): number | null {
  const [total, system, tools, history] = [peakTotal(result), peakSystem(result), peakTools(result), peakHistory(result)];
  return total === null || system === null || tools === null || history === null ? null : total - system - tools - history;
}

/** The tool schemas each model request carried, as the server received them (mean over the run's requests). */
function toolSchemaBytesPerRequest(result: BenchResult): number | null {
  const sizes = (result.server?.sequence ?? []).map((r) => r.toolSchemaBytes);
  if (sizes.length === 0 || sizes.some((s) => s === undefined)) return null;
  return (sizes as number[]).reduce((a, b) => a + b, 0) / sizes.length;
}

/** The largest request by part, in the order they are stacked; the parts add up to `peak_request_bytes`. */
export const REQUEST_PARTS: ReadonlyArray<{ figure: string; label: string }> = [
  { figure: 'request_system_bytes', label: 'system prompt' },
  { figure: 'request_tool_schema_bytes', label: 'tool schemas' },
  { figure: 'request_history_bytes', label: 'history without tool results' },
  { figure: 'retained_tool_result_bytes', label: 'retained tool results' },
  { figure: 'request_other_bytes', label: 'other fields (model, options, framing)' },
];

export const ROLES = PROCESS_ROLES;
export const BUCKETS = BUCKET_NAMES;

const FIGURES: Figure[] = [
  fromRecord('tree_rss_peak', 'peak tree RSS', 'bytes', (r) => r.tree.rss_peak_bytes),
  fromRecord('tree_rss_peak_sampled', 'largest sampled tree RSS', 'bytes', (r) => r.tree.rss_peak_sampled_bytes),
  fromRecord('tree_pss_peak', 'largest tree PSS read (shared pages split)', 'bytes', (r) => r.tree.pss_peak_bytes ?? undefined),
  fromRecord('root_rss_peak', 'root process peak RSS (VmHWM)', 'bytes', (r) => r.root?.rss_peak_bytes),
  fromRecord('hwm_max', 'largest process peak RSS', 'bytes', (r) => r.tree.hwm_max_bytes),
  fromRecord('processes_peak', 'processes alive at once', 'count', (r) => r.tree.processes_peak),
  fromRecord('processes_seen', 'processes seen', 'count', (r) => r.tree.processes_seen),
  fromRecord('heap_used_peak', 'V8 heap in use, peak', 'bytes', (r) => r.v8?.heap_used_peak_bytes),
  fromRecord('heap_total_peak', 'V8 heap reserved, peak', 'bytes', (r) => r.v8?.heap_total_peak_bytes),
  fromRecord('external_peak', 'V8 external, peak', 'bytes', (r) => r.v8?.external_peak_bytes),
  fromRecord('array_buffers_peak', 'array buffers, peak', 'bytes', (r) => r.v8?.array_buffers_peak_bytes),
  fromRecord('malloced_peak', 'V8 malloced, peak', 'bytes', (r) => r.v8?.malloced_peak_bytes),
  fromRecord('duration', 'run duration (record)', 'ms', (r) => r.duration_ms),
  { name: 'wall', label: 'wall time (harness)', unit: 'ms', read: (r) => r.wall_ms },
  fromRecord('turns', 'turns', 'count', (r) => r.turns),
  fromRecord('requests', 'model requests', 'count', (r) => r.requests),
  fromRecord('tokens_input', 'input tokens', 'count', (r) => r.tokens.input),
  fromRecord('tokens_output', 'output tokens', 'count', (r) => r.tokens.output),
  fromRecord('tool_calls', 'tool calls', 'count', (r) => r.tool_calls),
  fromRecord('peak_request_bytes', 'largest request', 'bytes', (r) => r.peak_request_bytes),
  fromRecord('request_system_bytes', 'system prompt in the largest request', 'bytes', (r) => r.peak_request?.system_bytes),
  fromRecord('request_tool_schema_bytes', 'tool schemas in the largest request', 'bytes', (r) => r.peak_request?.tool_schema_bytes),
  {
    name: 'request_history_bytes',
    label: 'history in the largest request, without tool results',
    unit: 'bytes',
    read: historyWithoutToolResults,
  },
  { name: 'request_other_bytes', label: 'other fields of the largest request', unit: 'bytes', read: otherRequestBytes },
  fromRecord('request_messages', 'messages in the largest request', 'count', (r) => r.peak_request?.messages),
  fromRecord('history_items', 'history items', 'count', (r) => r.history_items),
  fromRecord('retained_tool_results', 'retained tool results', 'count', (r) => r.retained_tool_results.count),
  fromRecord('retained_tool_result_bytes', 'retained tool-result bytes', 'bytes', (r) => r.retained_tool_results.total_bytes),
  fromRecord('largest_tool_result', 'largest retained tool result', 'bytes', (r) => r.retained_tool_results.largest_bytes),
  fromRecord('subagents', 'subagents', 'count', (r) => r.subagents),
  fromRecord('truncations', 'truncations', 'count', (r) => r.truncations),
  fromRecord('saved_output_recoveries', 'saved-output recoveries', 'count', (r) => r.saved_output_recoveries),
  fromRecord('compressions', 'compressions', 'count', (r) => r.compressions),
  fromRecord('collector_hwm', 'qwen-otel collector peak RSS', 'bytes', (r) => r.observer.collector_hwm_bytes),
  {
    name: 'external_tree_rss_peak',
    label: 'peak tree RSS (harness sampler)',
    unit: 'bytes',
    read: (r) => r.external?.tree_rss_peak_bytes ?? null,
  },
  {
    name: 'server_request_bytes',
    label: 'request bytes received (server)',
    unit: 'bytes',
    read: (r) => r.server?.request_bytes_total ?? null,
  },
  {
    name: 'server_request_peak',
    label: 'largest request received (server)',
    unit: 'bytes',
    read: (r) => r.server?.request_bytes_peak ?? null,
  },
  {
    name: 'tool_schema_bytes_per_request',
    label: 'tool-schema bytes per request (server)',
    unit: 'bytes',
    read: toolSchemaBytesPerRequest,
  },
  {
    name: 'input_tokens_per_request',
    label: 'input tokens per request (server)',
    unit: 'count',
    read: (r) => (r.server && r.server.requests > 0 ? r.server.prompt_tokens / r.server.requests : null),
  },
  {
    name: 'first_request_ms',
    label: 'start-up: spawn to first model request',
    unit: 'ms',
    read: (r) => r.server?.first_request_ms ?? null,
  },
  ...ROLES.map((role) =>
    fromRecord(`role_peak.${role}`, `peak RSS of ${role} processes`, 'bytes', (r) => r.tree.rss_peak_by_role_bytes[role]),
  ),
  ...BUCKETS.map((bucket) =>
    fromRecord(`bucket.${bucket}`, `${bucket} at the tree peak`, 'bytes', (r) => r.diagnosis.buckets_bytes[bucket]),
  ),
];

const BY_NAME = new Map(FIGURES.map((f) => [f.name, f]));

export const DEFAULT_FIGURE = 'tree_rss_peak';

export function figureNames(): string[] {
  return FIGURES.map((f) => f.name);
}

export function findFigure(name: string): Figure | undefined {
  return BY_NAME.get(name);
}

/** The context figures shown beside a memory gap (what the requests carried, how the run went). */
export const CONTEXT_FIGURES = [
  'requests',
  'turns',
  'tokens_input',
  'tokens_output',
  'tool_calls',
  'peak_request_bytes',
  ...REQUEST_PARTS.map((p) => p.figure),
  'server_request_bytes',
  'history_items',
  'retained_tool_results',
  'largest_tool_result',
  'subagents',
  'truncations',
  'saved_output_recoveries',
  'compressions',
  'processes_peak',
  'duration',
];
