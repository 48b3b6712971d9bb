// The attribution by configuration item (`qwen-otel attribute`, schema `qwen-otel.attribution/1`):
// written as attribution.json beside the bench results it was split from, read by the reports.
// As for the other contracts, the type is derived from this schema and docs/schemas/ publishes it.
import { Type, type Static } from '@sinclair/typebox';
import { Nullable, Num } from './run-record';
import { ATTRIBUTION_SCHEMA } from './schema-ids';

const Share = Type.Object({
  n: Num('paired repeats the figure was read in'),
  median: Nullable(Num('median of the paired differences; null when no repeat had the figure')),
  q1: Nullable(Num()),
  q3: Nullable(Num()),
});

const Row = Type.Object({
  item: Type.String({ description: 'a configuration item (an MCP server preset), `remainder`, or `total` (all - none)' }),
  figures: Type.Record(Type.String(), Share, { description: 'by figure name (docs/compare.md)' }),
});

const Split = Type.Object({
  target: Type.String({ description: 'the target without configuration, e.g. `qwen@0.15.10`' }),
  workload: Type.String(),
  method: Type.Literal('leave-one-out', {
    description: "an item's share is the run with all items minus the run with all but that item, paired by repeat",
  }),
  all: Type.String({ description: 'the configuration with every item' }),
  items: Type.Array(Type.String()),
  pairs: Num('repeats with a run of none, of all and of every all-but-one'),
  missing: Type.Array(Type.String(), { description: 'items whose all-but-one configuration did not run: no share, no remainder' }),
  rows: Type.Array(Row, {
    description: "each item, then `remainder` (total - the items' medians: what they do together), then `total` (all - none)",
  }),
});

export const AttributionSchema = Type.Object(
  {
    schema: Type.Literal(ATTRIBUTION_SCHEMA),
    time: Type.String({ description: 'when it was split (ISO 8601)' }),
    results: Type.String({ description: 'the results file it was split from, as given' }),
    figures: Type.Array(Type.String(), { description: 'the figures split, in the order shown' }),
    splits: Type.Array(Split),
  },
  { $id: ATTRIBUTION_SCHEMA, title: 'qwen-otel attribution by configuration item' },
);

export type AttributionFile = Static<typeof AttributionSchema>;
export type Attribution = Static<typeof Split>;
export type AttributionRow = Static<typeof Row>;
export type ShareSpread = Static<typeof Share>;
export { ATTRIBUTION_SCHEMA };
