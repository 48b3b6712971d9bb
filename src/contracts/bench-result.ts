// One line of a bench results file (schema `qwen-otel.bench/1`, JSONL, append-only): the plugin's
// run record for the run (null when the target is not instrumented or the run failed before it
// wrote one) plus what only the harness knows. Reports and `qwen-otel compare` read nothing else.
// As for the run record, the type is derived from this schema and docs/schemas/ publishes it.
import { Type, type Static } from '@sinclair/typebox';
import { Nullable, Num, NumbersByName, RunRecordSchema } from './run-record';
import { BENCH_RESULT_SCHEMA } from './schema-ids';

const Host = Type.Object({ node: Type.String(), platform: Type.String(), cpus: Num(), total_memory_bytes: Num() });

const BenchIdentity = Type.Object({
  target: Type.String({ description: '`cli@branch` as given on the command line, e.g. `qwen@0.15.10`' }),
  cli: Type.String(),
  branch: Type.String(),
  workload: Type.String(),
  config: Type.Optional(
    Type.String({ description: "`bench --config`: the configuration this run had (its items in the CLI's settings); absent: none" }),
  ),
  config_items: Type.Optional(Type.Array(Type.String(), { description: 'the configuration items (MCP servers by preset name)' })),
  repeat: Num('0 for a warm-up run (kept in the file, left out of every summary), then 1..N'),
  matrix_id: Type.String({ description: 'the matrix invocation this run belongs to' }),
  host: Host,
});

const ExternalFigures = Type.Object({
  sampler_interval_ms: Num("the harness's own /proc sampler over the whole tree (qwen-otel's processes excluded)"),
  tree_rss_peak_bytes: Num('the largest sum of RSS in one sample'),
  hwm_max_bytes: Num('the largest VmHWM of any one process, read before it was reaped where possible'),
  processes_seen: Num(),
  rss_peak_by_role_bytes: Type.Optional(NumbersByName('per role, the largest sampled sum of RSS; absent in older files')),
});

/** Per model request, in order: the sizes and counts the scripted server recorded (no text). */
const ServerRequest = Type.Object({
  requestBytes: Num(),
  messageCount: Num(),
  toolCount: Num(),
  toolSchemaBytes: Type.Optional(Num('bytes of the `tools` value as JSON (the tool schemas offered); absent in older files')),
  toolResultCount: Num(),
  toolResultBytes: Num(),
  toolCallNames: Type.Array(Type.String()),
});

/** What the scripted model server received and sent: the ground truth of the context figures. */
const ServerFigures = Type.Object({
  requests: Num(),
  request_bytes_total: Num(),
  request_bytes_peak: Num(),
  tool_result_bytes_peak: Num(),
  prompt_tokens: Num(),
  completion_tokens: Num(),
  tool_calls: Num(),
  first_request_ms: Type.Optional(
    Nullable(Num('from spawning the command to the first model request received (start-up); null: no request; absent in older files')),
  ),
  sequence: Type.Array(ServerRequest),
});

/** One MCP tool the workload's model calls after its steps (only the workloads that have some). */
const McpCallOutcome = Type.Object({
  server: Type.String({ description: 'the configuration item (MCP server) whose tool it is' }),
  tool: Type.String(),
  called_as: Nullable(
    Type.String({
      description:
        "the tool's name as the CLI offered it (`mcp__chrome-devtools__list_pages`); null: never offered, the model answered without it",
    }),
  ),
  answered: Type.Boolean({
    description: "a result of the call came back to the model (it may be an error: the tree shows the server's work)",
  }),
});

export const BenchResultSchema = Type.Object(
  {
    schema: Type.Literal(BENCH_RESULT_SCHEMA),
    time: Type.String({ description: 'when the run ended (ISO 8601)' }),
    bench: BenchIdentity,
    status: Type.Union([Type.Literal('ok'), Type.Literal('failed')]),
    failure: Nullable(Type.String({ description: 'why a failed run failed, in words: `timeout after 120000 ms`, `exit code 1`' })),
    exit_code: Nullable(Num()),
    wall_ms: Num('from spawning the command to its end'),
    external: ExternalFigures,
    server: ServerFigures,
    mcp_calls: Type.Optional(
      Type.Array(McpCallOutcome, { description: "the workload's MCP tool calls and what became of them; absent for workloads without" }),
    ),
    record: Nullable(RunRecordSchema),
  },
  { $id: BENCH_RESULT_SCHEMA, title: 'qwen-otel bench result' },
);

export type BenchResult = Static<typeof BenchResultSchema>;
export type BenchIdentity = Static<typeof BenchIdentity>;
export type ExternalFigures = Static<typeof ExternalFigures>;
export type ServerFigures = Static<typeof ServerFigures>;
export type ServerRequest = Static<typeof ServerRequest>;
export type McpCallOutcome = Static<typeof McpCallOutcome>;
export { BENCH_RESULT_SCHEMA };
