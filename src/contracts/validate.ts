// Checks a parsed JSON line against a contract's schema and names the first field that does not
// fit, in one short phrase: `record.tree.rss_peak_bytes: expected number, got string`. The value
// itself is never repeated (it may be anything a file held).
import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { Value, type ValueError } from '@sinclair/typebox/value';

export interface Misfit {
  /** Dotted path of the field, array items by index: `record.processes[0].pid`. */
  field: string;
  /** What was expected and what was there: `expected number, got string`, `missing`. */
  problem: string;
}

export type Validator<T extends TSchema> = (value: unknown) => value is Static<T>;

/** A compiled check (compiled on first use: compiling costs ~10 ms a schema) and its first misfit. */
export function validator<T extends TSchema>(schema: T): { check: Validator<T>; misfit: (value: unknown) => Misfit | null } {
  let compiled: TypeCheck<T> | null = null;
  const get = (): TypeCheck<T> => (compiled ??= TypeCompiler.Compile(schema));
  return {
    check: (value): value is Static<T> => get().Check(value),
    misfit: (value) => {
      const error = get().Errors(value).First();
      return error ? describe(narrowed(error, '')) : null;
    },
  };
}

/** An object that fails a `T or null` field: the error inside it, not "expected object or null". */
function narrowed(error: ValueError, prefix: string): { error: ValueError; pointer: string } {
  const members = Array.isArray(error.schema.anyOf) ? (error.schema.anyOf as TSchema[]) : [];
  const objects = members.filter((m) => m.type === 'object');
  if (objects.length === 1 && members.length === 2 && jsonType(error.value) === 'object') {
    const inner = Value.Errors(objects[0], [], error.value).First();
    if (inner) return narrowed(inner, prefix + error.path);
  }
  return { error, pointer: prefix + error.path };
}

function describe({ error, pointer }: { error: ValueError; pointer: string }): Misfit {
  const field = fieldName(pointer);
  if (error.message === 'Expected required property') return { field, problem: 'missing' };
  return { field, problem: `expected ${expected(error.schema)}, got ${jsonType(error.value)}` };
}

function fieldName(pointer: string): string {
  const parts = pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  return parts.reduce((name, part) => (/^\d+$/.test(part) ? `${name}[${part}]` : name ? `${name}.${part}` : part), '') || '(the line)';
}

function expected(schema: TSchema): string {
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as TSchema[]).map(expected).join(' or ');
  if (typeof schema.type === 'string') return schema.type === 'object' && schema.patternProperties ? 'object of numbers' : schema.type;
  return 'a different value';
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}
