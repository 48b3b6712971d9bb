// The reading of one environment variable and the small parsers the configuration is made of:
// a bad value becomes one problem line (variable, value, what is accepted) and the default is used.
import { redactUrl } from './redact';

export type Env = Record<string, string | undefined>;

const LABEL_VALUE = /^[A-Za-z0-9._@/+:=-]{1,80}$/;

/** Reads one variable; `parse` returns the value or undefined when it is not acceptable. */
export class Reader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  read<T>(name: string, fallback: T, accepted: string, parse: (raw: string) => T | undefined): T {
    const raw = this.env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    const value = parse(raw.trim());
    if (value !== undefined) return value;
    this.problems.push(
      `qwen-otel: ${name}=${JSON.stringify(shorten(raw))} is not valid (expected ${accepted}); using ${describe(fallback)}`,
    );
    return fallback;
  }

  /** The first of several names that is set wins (our own name before the OpenTelemetry one). */
  readFirst<T>(names: string[], fallback: T, accepted: string, parse: (raw: string) => T | undefined): T {
    const name = names.find((n) => (this.env[n] ?? '').trim() !== '') ?? names[0];
    return this.read(name, fallback, accepted, parse);
  }
}

export function parseExporterList(v: string): string[] | undefined {
  const list = v
    .split(',')
    .map((e) => e.trim().toLowerCase())
    .filter(Boolean);
  return list.length > 0 && list.every((e) => /^[a-z_/]+$/.test(e)) ? list : undefined;
}

export function parseSwitch(v: string): boolean | undefined {
  const lower = v.toLowerCase();
  if (['1', 'true', 'on', 'yes'].includes(lower)) return true;
  if (['0', 'false', 'off', 'no'].includes(lower)) return false;
  return undefined;
}

export function isOff(v: string): boolean {
  return ['off', 'none', 'false', 'no'].includes(v.toLowerCase());
}

export function parseIntIn(v: string, min: number, max: number): number | undefined {
  if (!/^\d+$/.test(v)) return undefined;
  const n = Number(v);
  return n >= min && n <= max ? n : undefined;
}

export function parseUrl(v: string): string | undefined {
  try {
    const url = new URL(v);
    return url.protocol === 'http:' || url.protocol === 'https:' ? v.replace(/\/+$/, '') : undefined;
  } catch {
    return undefined;
  }
}

export function parseLabel(v: string): string | undefined {
  return LABEL_VALUE.test(v) ? v : undefined;
}

export function joinUrl(base: string, suffix: string): string {
  return `${base.replace(/\/+$/, '')}/${suffix}`;
}

export function parseResourceAttributes(v: string): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const pair of v.split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) return undefined;
    try {
      out[decodeURIComponent(pair.slice(0, eq).trim())] = decodeURIComponent(pair.slice(eq + 1).trim());
    } catch {
      return undefined;
    }
  }
  return out;
}

function shorten(raw: string): string {
  const redacted = redactUrl(raw);
  return redacted.length > 60 ? `${redacted.slice(0, 57)}...` : redacted;
}

function describe(value: unknown): string {
  if (value === null) return 'off';
  if (typeof value === 'object') return 'the default';
  return String(value);
}
