// The practical margin a change must clear to count: relative AND absolute (`5%,20MiB`), or one
// of them alone (`10%`, `64MiB`, `500ms`, `3` for a count). Shared by `compare` and `bench
// --until-confident`.
import type { Unit } from './figures';
import { InputError } from './load';
import type { Margin } from './verdict';

export const DEFAULT_MARGIN = '5%,20MiB';

const BYTES: Record<string, number> = { b: 1, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, kb: 1e3, mb: 1e6, gb: 1e9 };
const TIME: Record<string, number> = { ms: 1, s: 1000 };

/** One amount: `5%`, `20MiB`, `500ms`, `3`. */
function amount(text: string, unit: Unit | null): { relative?: number; absolute?: number } {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(%|[a-zA-Z]+)?\s*$/.exec(text);
  const suffix = match?.[2]?.toLowerCase();
  if (!match) throw new InputError(`bad margin "${text}": give a percentage (5%), an amount (20MiB, 500ms, 3), or both (5%,20MiB)`);
  const value = Number(match[1]);
  if (suffix === '%') return { relative: value / 100 };
  if (!suffix) return unit === 'count' ? { absolute: value } : { relative: value / 100 };
  const scale = BYTES[suffix] ?? TIME[suffix];
  if (scale === undefined) throw new InputError(`bad margin "${text}": unknown unit "${match[2]}"`);
  const kind: Unit = suffix in BYTES ? 'bytes' : 'ms';
  if (unit !== null && unit !== kind)
    throw new InputError(`margin "${text}" is in ${kind === 'bytes' ? 'bytes' : 'time'}, the figure is in ${unit}`);
  return { absolute: value * scale };
}

/**
 * `5%,20MiB`: a regression must clear both; `10%` or `64MiB` alone: that one only. A bare number
 * is a percentage, except for count figures. For a figure not in bytes, the default's 20 MiB does
 * not apply (its relative part does).
 */
export function parseMargin(text: string, unit: Unit | null = null): Margin {
  const parts = text.split(',').map((part) => amount(part, unit));
  const relative = parts.find((p) => p.relative !== undefined)?.relative ?? 0;
  const absolute = parts.find((p) => p.absolute !== undefined)?.absolute ?? 0;
  if (
    parts.length > 2 ||
    parts.filter((p) => p.relative !== undefined).length > 1 ||
    parts.filter((p) => p.absolute !== undefined).length > 1
  ) {
    throw new InputError(`bad margin "${text}": at most one percentage and one amount`);
  }
  return { relative, absolute, text: text.replace(/\s+/g, '') };
}

/** A margin for one figure: the default's 20 MiB applies to byte figures only (its 5 % to all). */
export function marginFor(text: string, unit: Unit): Margin {
  if (text !== DEFAULT_MARGIN || unit === 'bytes') return parseMargin(text, unit);
  return parseMargin(text.split(',')[0], unit);
}
