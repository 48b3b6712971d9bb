// The PromQL behind the dashboard. Names: docs/metrics.md (in Prometheus: dots become
// underscores, the unit a suffix, counters end in _total) and prometheus/rules/recording.yml.

/** The dashboard's variables, as every query filters by them. */
export const PICKED = 'cli=~"$cli", branch=~"$branch", workload=~"$workload"';
/** Final figures of finished runs, pushed to the Pushgateway. */
export const RUNS = `job="qwen-otel", ${PICKED}`;
/** Live sessions (and a bench's runs while they run), scraped through file_sd: one endpoint per collector, a `session` label each. */
export const LIVE = `job=~"qwen-otel-live|qwen-otel-bench", ${PICKED}`;

export const RUN_LABEL = '{{cli}} @ {{branch}} · {{workload}}';
export const LIVE_LABEL = '{{cli}} @ {{branch}} · {{instance}} #{{session}}';

export const treePeak = `cli_branch_workload:qwen_otel_tree_memory_peak_bytes:max{${PICKED}}`;
export const rootPeak = `cli_branch_workload:qwen_otel_root_memory_peak:max{${PICKED}}`;
export const heapPeak = `cli_branch_workload:qwen_otel_v8_heap_used_peak_bytes:max{${PICKED}}`;
export const turns = `cli_branch_workload:qwen_otel_turns:sum{${PICKED}}`;
export const toolCalls = `cli_branch_workload:qwen_otel_tool_calls:sum{${PICKED}}`;
export const retainedSize = `cli_branch_workload:qwen_otel_tool_results_retained_size_bytes:max{${PICKED}}`;
export const runDuration = `cli_branch_workload:qwen_otel_run_duration_seconds:max{${PICKED}}`;
export const externalPeak = `cli_branch_workload:qwen_otel_v8_external_peak_bytes:max{${PICKED}}`;
export const arrayBuffersPeak = `cli_branch_workload:qwen_otel_v8_array_buffers_peak_bytes:max{${PICKED}}`;

/** One row per run for a stacked bar: `run` = "cli · branch · workload", one series per `segment`. */
const perRun = (recorded: string, segment: string, filter = ''): string =>
  `sum by (run, ${segment}) (label_join(${recorded}{${PICKED}${filter}}, "run", " · ", "cli", "branch", "workload")) > 0`;
/** Where the memory was at the sampled tree peak (the buckets add up to it). */
export const peakBuckets = perRun('cli_branch_workload_bucket:qwen_otel_tree_memory_peak_breakdown_bytes:max', 'bucket');
/** The largest request of each run by part (system prompt, tool schemas, history). */
export const peakRequestParts = perRun('cli_branch_workload_part:qwen_otel_request_peak_size_bytes:max', 'part', ', part!="total"');

/** Each branch's tree peak over the chosen baseline's, same cli and workload, less 1. */
export const vsBaseline = `${treePeak}
  / on (cli, workload) group_left
  max without (branch) (cli_branch_workload:qwen_otel_tree_memory_peak_bytes:max{cli=~"$cli", workload=~"$workload", branch="$baseline"})
  - 1`;

export const firingAlerts = 'ALERTS{alertstate="firing", alertname=~"QwenOtel.+", cli=~"$cli"}';

export const restOfTree = `${treePeak} - on (cli, branch, workload) ${rootPeak}`;
export const rolePeaks = `max by (cli, branch, workload, role) (qwen_otel_tree_memory_role_peak_bytes{${RUNS}})`;

const liveSum = (metric: string, by = 'cli, branch, instance, session'): string => `sum by (${by}) (${metric}{${LIVE}})`;
export const liveTree = liveSum('qwen_otel_tree_memory_usage_bytes');
export const liveHeapUsed = liveSum('qwen_otel_v8_heap_used_bytes');
export const liveHeapTotal = liveSum('qwen_otel_v8_heap_reserved_bytes');
export const liveExternal = liveSum('qwen_otel_v8_external_bytes');
export const liveArrayBuffers = liveSum('qwen_otel_v8_array_buffers_bytes');
export const liveMalloced = liveSum('qwen_otel_v8_malloced_bytes');
export const liveHeapSpaces = `${liveSum('v8js_memory_heap_used_bytes', 'cli, branch, v8js_heap_space_name')} > 0`;
export const liveByRole = liveSum('process_memory_usage_bytes', 'cli, branch, role');
export const liveOldGenerationShare = `max by (cli, branch, instance, session, role) (qwen_otel_v8_old_generation_used_bytes{${LIVE}})
  / max by (cli, branch, instance, session, role) (qwen_otel_v8_old_generation_limit_bytes{${LIVE}})`;
export const liveGcShare = `sum by (cli, branch, v8js_gc_type) (rate(v8js_gc_duration_seconds_sum{${LIVE}}[$__rate_interval]))`;
export const liveGcRate = `sum by (cli, branch, v8js_gc_type) (rate(v8js_gc_duration_seconds_count{${LIVE}}[$__rate_interval]))`;
export const liveLoopDelay = `max by (cli, branch, role) (nodejs_eventloop_delay_p99_seconds{${LIVE}})`;
export const liveLoopUtilization = `max by (cli, branch, role) (nodejs_eventloop_utilization_ratio{${LIVE}})`;
/** Every session of a collector reports the same collector: the largest, not the sum. */
export const liveObserver = `max by (instance) (qwen_otel_observer_memory_usage_bytes{${LIVE}})`;

/** Mean bytes per model request by part (system prompt, tool schemas, history). */
export const requestParts = `sum by (cli, branch, workload, part) (qwen_otel_request_size_bytes_sum{${RUNS}, part!="total"})
  / sum by (cli, branch, workload, part) (qwen_otel_request_size_bytes_count{${RUNS}, part!="total"})`;
export const peakRequestTotal = `max without (part) (cli_branch_workload_part:qwen_otel_request_peak_size_bytes:max{${PICKED}, part="total"})`;
export const retainedLargest = `max by (cli, branch, workload) (qwen_otel_tool_results_retained_largest_bytes{${RUNS}})`;
export const retainedCount = `max by (cli, branch, workload) (qwen_otel_tool_results_retained{${RUNS}})`;
export const tokens = `cli_branch_workload_type:gen_ai_client_token_usage:sum{${PICKED}}`;
export const historyItems = `max by (cli, branch, workload) (qwen_otel_history_items{${RUNS}})`;

/** `qwen-otel attribute`'s split (pushed): one row per cli × branch × workload × item (items, `remainder`, `total`). */
const attribution = (metric: string): string => `max by (cli, branch, workload, item) (${metric}{${RUNS}})`;
export const attributionTree = attribution('qwen_otel_attribution_tree_memory_peak_bytes');
export const attributionTreePss = attribution('qwen_otel_attribution_tree_pss_peak_bytes');
export const attributionToolSchemas = attribution('qwen_otel_attribution_request_tool_schema_bytes');
export const attributionInputTokens = attribution('qwen_otel_attribution_request_input_tokens');
export const attributionStartup = attribution('qwen_otel_attribution_startup_seconds');
