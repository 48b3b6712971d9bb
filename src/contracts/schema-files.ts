// The contracts as JSON Schema files in docs/schemas/, generated from the same definitions the
// code is typed with: `npm run schemas` writes them; a test fails when they are stale.
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { TSchema } from '@sinclair/typebox';
import { AttributionSchema } from './attribution';
import { BenchResultSchema } from './bench-result';
import { RunRecordSchema } from './run-record';

const DRAFT = 'http://json-schema.org/draft-07/schema#';

export interface SchemaFile {
  /** Relative to docs/schemas/. */
  name: string;
  text: string;
}

function file(name: string, schema: TSchema): SchemaFile {
  return { name, text: `${JSON.stringify({ $schema: DRAFT, ...schema }, null, 2)}\n` };
}

export function schemaFiles(): SchemaFile[] {
  return [
    file('qwen-otel.run-1.schema.json', RunRecordSchema),
    file('qwen-otel.bench-1.schema.json', BenchResultSchema),
    file('qwen-otel.attribution-1.schema.json', AttributionSchema),
  ];
}

if (require.main === module) {
  const dir = path.join(__dirname, '..', '..', 'docs', 'schemas');
  mkdirSync(dir, { recursive: true });
  for (const { name, text } of schemaFiles()) writeFileSync(path.join(dir, name), text);
  process.stdout.write(
    `wrote ${schemaFiles()
      .map((f) => f.name)
      .join(', ')} to ${dir}\n`,
  );
}
