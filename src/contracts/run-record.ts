// The run record (schema `qwen-otel.run/1`): one content-free JSON line per run, written by the
// collector (`session/record.ts` builds it) and read by the bench, its reports and `compare`.
// This schema is the one definition: the TypeScript type is derived from it (renaming a field
// fails `tsc` wherever it is built or read), docs/schemas/ publishes it as JSON Schema, and
// readers validate lines against it. Nothing else in the project is imported here.
//
// Extending it: add a field with `Type.Optional(...)` (a reader must cope with records written
// before it existed) and regenerate docs/schemas/ with `npm run schemas`. Extra fields that a
// reader does not know are allowed (a newer writer, an older reader).
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { RUN_RECORD_SCHEMA } from './schema-ids';

/** A value or JSON null. */
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
/** Bytes, counts, milliseconds: a JSON number. */
export const Num = (description?: string) => Type.Number(description ? { description } : {});
/** Figures by name (a role, a tool, a heap space, a host). */
export const NumbersByName = (description?: string) => Type.Record(Type.String(), Type.Number(), description ? { description } : {});

const Exit = Type.Object({
  code: Nullable(Type.Number({ description: '128 + n for signal n under qwen-otel run' })),
  signal: Nullable(Type.String()),
  reason: Type.String({ description: 'exit, signal, exception or unknown' }),
  error_name: Nullable(Type.String({ description: 'the class only, never the message' })),
});

const Tree = Type.Object({
  rss_peak_bytes: Num('the tree peak: a bound from every VmHWM and the sampled sums'),
  rss_peak_sampled_bytes: Num('the largest sampled sum of RSS'),
  hwm_max_bytes: Num('the largest VmHWM of one process'),
  processes_peak: Num('processes alive at once'),
  processes_seen: Num(),
  rss_peak_by_role_bytes: NumbersByName('per role, the largest sampled sum of RSS'),
  pss_peak_bytes: Type.Optional(
    Nullable(
      Num(
        'the largest sum of PSS read from smaps_rollup (shared pages split among their processes); read sparsely, so a lower bound; null when never read',
      ),
    ),
  ),
  uss_at_pss_peak_bytes: Type.Optional(Nullable(Num('the private pages (USS) summed in the same read'))),
  rss_at_pss_peak_bytes: Type.Optional(Nullable(Num('the RSS summed in the same read: the ratio to pss_peak_bytes is what sharing saves'))),
  pss_reads: Type.Optional(Num('tree-wide smaps_rollup reads')),
  pss_read_ms: Type.Optional(Num('the CPU time those reads cost the collector, in ms')),
});

const Root = Type.Object({
  rss_peak_bytes: Num('the VmHWM of the process the user started'),
  instrumented: Type.Boolean(),
});

const V8 = Type.Object(
  {
    heap_used_peak_bytes: Num(),
    heap_total_peak_bytes: Num(),
    external_peak_bytes: Num(),
    array_buffers_peak_bytes: Num(),
    malloced_peak_bytes: Num(),
    heap_size_limit_bytes: Num(),
    old_generation_used_peak_bytes: Num(),
    old_generation_limit_bytes: Num(),
    heap_space_used_peak_bytes: NumbersByName(),
  },
  { description: 'peaks over the instrumented processes' },
);

const HeapProfile = Type.Object(
  {
    captures: Num('captures taken at the heap high points'),
    failures: Num(),
    skipped: Nullable(Type.String({ description: 'why the profiler did not run or stopped capturing (e.g. inspector already attached)' })),
    pause_ms_median: Nullable(Num('a capture pauses the process: V8 collects garbage, then reports')),
    pause_ms_max: Nullable(Num()),
    attribute_ms_max: Num('summing one capture by origin'),
    at_ms: Nullable(Num('when the kept capture was taken, from the run start')),
    heap_used_bytes: Nullable(Num('V8 heap in use at the high point the kept capture (the highest) was taken for')),
    heap_used_after_bytes: Nullable(Num('V8 heap in use right after it (its forced GC)')),
    sampled_bytes: Nullable(Num('live bytes the profile accounts for; each by_* adds up to it')),
    by_package_bytes: NumbersByName(
      'the largest 20 packages ("node:<module>" for Node\'s own, "(outside the CLI)", "(unattributed)"), the rest as "(other)"',
    ),
    by_module_bytes: NumbersByName('the largest 20 modules, paths relative to the CLI\'s installation, the rest as "(other)"'),
  },
  { description: 'QWEN_OTEL_HEAP_PROFILE: what filled the V8 heap at its highest capture' },
);

const ProcessFigures = Type.Object({
  pid: Num(),
  role: Type.String(),
  name: Type.String({ description: 'the executable base name' }),
  instrumented: Type.Boolean(),
  runtime: Nullable(Type.String()),
  hwm_bytes: Num(),
  rss_peak_sampled_bytes: Num(),
  heap_used_peak_bytes: Nullable(Num()),
  start_ms: Num('from the run start'),
  end_ms: Nullable(Num()),
  exit_code: Nullable(Num()),
  end_reason: Nullable(Type.String()),
  heap_pressure: Type.Boolean(),
  heap_profile: Type.Optional(HeapProfile),
  pss_peak_bytes: Type.Optional(
    Nullable(Num("the largest PSS the tree's smaps_rollup reads saw for this process (sparse reads: a lower bound); null: never read")),
  ),
  uss_at_pss_peak_bytes: Type.Optional(Nullable(Num('its private pages (USS) in the same read'))),
});

const Tokens = Type.Object({ input: Num(), output: Num(), cached: Num() });
const ToolResults = Type.Object({ count: Num(), total_bytes: Num(), largest_bytes: Num(), truncated: Num() });
const RetainedToolResults = Type.Object(
  { count: Num(), total_bytes: Num(), largest_bytes: Num() },
  {
    description: 'the tool results carried in the largest request',
  },
);
const PeakRequest = Type.Object(
  { system_bytes: Num(), tool_schema_bytes: Num(), history_bytes: Num(), messages: Num() },
  {
    description: 'the largest request by part (peak_request_bytes is its total); absent in records written before it was kept',
  },
);

/** The diagnosis buckets at the sampled tree peak; they add up to `total`. */
export const BUCKET_NAMES = [
  'heap_used',
  'heap_free',
  'external',
  'native',
  'cli_opaque',
  'mcp_server',
  'tool',
  'subagent',
  'other',
] as const;
export type BucketName = (typeof BUCKET_NAMES)[number];

const BucketsBytes = Type.Object({
  heap_used: Num(),
  heap_free: Num(),
  external: Num(),
  native: Num(),
  cli_opaque: Num(),
  mcp_server: Num(),
  tool: Num(),
  subagent: Num(),
  other: Num(),
  total: Num(),
});

const Diagnosis = Type.Object({
  class: Type.String({ description: 'heap-limit, children, external, native, heap or low' }),
  reason: Type.String(),
  at_ms: Num('when the sampled tree peak was, from the run start'),
  buckets_bytes: BucketsBytes,
  context: Type.Object({ history_items: Num(), retained_tool_result_bytes: Num() }),
});

const Timeline = Type.Object({
  fields: Type.Array(Type.String(), { description: 't_ms, tree_rss, root_rss, heap_used, processes' }),
  points: Type.Array(Type.Array(Type.Number())),
});

const Observer = Type.Object(
  {
    mode: Type.String({ description: 'run or sidecar' }),
    finish_at_ms: Nullable(Num()),
    run_ended_at_ms: Nullable(Num()),
    collector_hwm_bytes: Num("the shared collector's kernel high-water mark over its whole life"),
    collector_cpu_ms: Num("this run's share of the collector's CPU (split among the runs live together)"),
    agent_start_ms: Num('wall time from the preload to the agent started, summed over the instrumented processes'),
    agent_sampling_cpu_ms: Num("CPU time the agents spent sampling (each process's main thread, /proc/thread-self/schedstat), summed"),
    agent_start_cpu_ms: Type.Optional(
      Num(
        'CPU time of the instrumented processes while their agents loaded and started (process.cpuUsage), summed; absent in older records',
      ),
    ),
    agent_traffic_cpu_ms: Type.Optional(Num('CPU time the agents spent reading model traffic, summed; absent in older records')),
    agent_cpu_ms: Type.Optional(Num("the agents' own CPU in all: starting + sampling + traffic; absent in older records")),
    agent_samples: Num(),
    spans: Num(),
    spans_dropped: Num(),
    heap_snapshots: Num(),
    collector_pid: Type.Optional(Num('the shared collector that kept the session; absent in older records')),
    collector_restarts: Type.Optional(Num('times a collector took the session over from a checkpoint')),
    collector_rss_peak_bytes: Type.Optional(Num("the collector's largest RSS sampled while this run was live")),
    collector_sessions_peak: Type.Optional(Num('the most runs the collector served at once while this one was live')),
  },
  { description: "qwen-otel's own cost" },
);

export const RunRecordSchema = Type.Object(
  {
    schema: Type.Literal(RUN_RECORD_SCHEMA),
    run_id: Type.String(),
    trace_id: Type.String(),
    complete: Type.Boolean({ description: 'false for the early record written under heap pressure' }),
    time: Type.String({ description: 'when the run started (ISO 8601)' }),
    duration_ms: Num(),
    cli: Type.String(),
    cli_version: Nullable(Type.String()),
    branch: Type.String(),
    workload: Type.String(),
    model: Nullable(Type.String()),
    exit: Exit,
    tree: Tree,
    root: Nullable(Root),
    v8: Nullable(V8),
    processes: Type.Array(ProcessFigures, { description: 'up to 100 processes' }),
    processes_not_listed: Num(),
    turns: Num(),
    requests: Num(),
    tokens: Tokens,
    tool_calls: Num(),
    tool_calls_by_name: NumbersByName(),
    tool_results: ToolResults,
    retained_tool_results: RetainedToolResults,
    history_items: Num(),
    tools_offered: Type.Optional(
      Type.Object(
        { first: Nullable(Num()), last: Num(), max: Num() },
        {
          description:
            'tool definitions offered to the model: in the first request (null: no request seen), the last, the most in one; absent in older records',
        },
      ),
    ),
    peak_request_bytes: Num(),
    peak_request: Type.Optional(PeakRequest),
    subagents: Num(),
    truncations: Num("tool outputs sent to the model in a cut form: from traffic (each CLI's notice) and the typed API"),
    truncated_outputs: Type.Optional(
      Type.Object(
        {
          saved: Num('of the truncations, outputs the CLI said it kept whole in a file'),
          sent_bytes: Num('their size as sent to the model'),
          stated: Num('truncations whose original size the CLI stated'),
          stated_original_bytes: Num('those original sizes, as the CLI rounded them'),
          saved_untracked: Type.Optional(
            Num(
              'the most saved outputs one request carried past the newest 64 whose paths are matched for read-backs; absent in older records',
            ),
          ),
        },
        { description: 'absent in older records' },
      ),
    ),
    saved_output_recoveries: Num(),
    compressions: Num(),
    unparsed_requests: Num(),
    http_requests_by_host: Type.Optional(NumbersByName('other requests by host; absent in older records')),
    dropped_lines: Type.Optional(
      Num("agents' lines skipped: not JSON, not a known message, or a figure of the wrong type or out of range; absent in older records"),
    ),
    dropped_long_lines: Type.Optional(
      Num("agents' lines read past without being kept: longer than 64 KiB, or their unfinished part past the 1 MiB a session holds"),
    ),
    dropped_files: Type.Optional(Num('channel files not read: the session followed 1,024 already')),
    dropped_processes: Type.Optional(Num('processes whose lines were dropped: 1,024 were made known by their lines alone already')),
    unread_bytes: Type.Optional(Num("bytes of the agents' files still unread at the end (a writer faster than the per-poll bounds)")),
    traffic: Type.Optional(
      Type.Object(
        {
          observed: Type.Boolean({
            description:
              'false: no model request was seen and no proxy ran, so the accounting zeros mean "not observed" (a CLI whose HTTP is beyond the in-process tap: run it with --proxy), not "none"',
          }),
          in_process_requests: Num(),
          proxy_requests: Nullable(Num('model requests the loopback proxy forwarded; null: no proxy ran')),
        },
        { description: 'who saw the model traffic the accounting fields come from; absent in older records' },
      ),
    ),
    diagnosis: Diagnosis,
    timeline: Timeline,
    observer: Observer,
  },
  { $id: RUN_RECORD_SCHEMA, title: 'qwen-otel run record' },
);

export type RunRecord = Static<typeof RunRecordSchema>;
export type ProcessFigures = Static<typeof ProcessFigures>;
export type HeapProfileFigures = Static<typeof HeapProfile>;
export type V8Figures = Static<typeof V8>;
export type ExitFigures = Static<typeof Exit>;
export type DiagnosisFigures = Static<typeof Diagnosis>;
export type TimelineFigures = Static<typeof Timeline>;
export type ObserverRecord = Static<typeof Observer>;
