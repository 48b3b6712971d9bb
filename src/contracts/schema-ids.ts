// The schema names the project's JSON lines carry in their `schema` field. A module of its own,
// without the schemas, so the collector can name its record without loading a schema library.
export const RUN_RECORD_SCHEMA = 'qwen-otel.run/1';
export const BENCH_RESULT_SCHEMA = 'qwen-otel.bench/1';
export const ATTRIBUTION_SCHEMA = 'qwen-otel.attribution/1';
