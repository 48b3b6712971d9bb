// One line of a bench results file (JSONL, append-only): the plugin's run record for the run
// (null when the target is not instrumented or the run failed before it wrote one) plus what
// only the harness knows. Reports and `qwen-otel compare` read nothing else.
import type { RecordedExchange } from '../model-server/record';

export const BENCH_RESULT_SCHEMA = 'qwen-otel.bench/1';

export interface BenchIdentity {
  /** `cli@branch` as given on the command line, e.g. `qwen@0.15.10`, `qwen@my-branch`. */
  target: string;
  cli: string;
  branch: string;
  workload: string;
  /** 0 for a warm-up run (kept in the file, left out of every summary), then 1..N. */
  repeat: number;
  /** The matrix invocation this run belongs to. */
  matrix_id: string;
  /** Machine-independent: the same script, workload generator version and target spec. */
  host: { node: string; platform: string; cpus: number; total_memory_bytes: number };
}

export interface ExternalFigures {
  /** The harness's own ≤ 20 ms /proc sampler over the whole tree (qwen-otel's processes excluded). */
  sampler_interval_ms: number;
  tree_rss_peak_bytes: number;
  /** Largest VmHWM of any one process, read before it was reaped where possible. */
  hwm_max_bytes: number;
  processes_seen: number;
  /** Per role, the largest sampled sum of RSS of the processes with that role. */
  rss_peak_by_role_bytes: Record<string, number>;
}

/** What the scripted model server received and sent: the ground truth of the context figures. */
export interface ServerFigures {
  requests: number;
  request_bytes_total: number;
  request_bytes_peak: number;
  tool_result_bytes_peak: number;
  prompt_tokens: number;
  completion_tokens: number;
  tool_calls: number;
  /** Per request, in order: the sizes and counts the server recorded (no text). */
  sequence: Array<Pick<RecordedExchange, 'requestBytes' | 'messageCount' | 'toolCount' | 'toolResultCount' | 'toolResultBytes' | 'toolCallNames'>>;
}

export interface BenchResult {
  schema: typeof BENCH_RESULT_SCHEMA;
  time: string;
  bench: BenchIdentity;
  status: 'ok' | 'failed';
  /** Why a failed run failed, in words: `timeout after 120000 ms`, `exit code 1`, `crashed (SIGSEGV)`. */
  failure: string | null;
  exit_code: number | null;
  wall_ms: number;
  external: ExternalFigures;
  server: ServerFigures;
  /** The plugin's run record (schema qwen-otel.run/1, see docs/metrics.md), or null. */
  record: Record<string, unknown> | null;
}
