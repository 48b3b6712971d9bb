// What the OTLP/HTTP exporters of every signal share: making one for a session's settings (and
// not the collector's own environment), keeping one per settings, and one export bounded in time.
import type { ExportResult } from '@opentelemetry/core';
import type { OtlpTarget } from '../config';
import { connectCheck, timeoutError } from './reachability';

/** The part of an OpenTelemetry exporter the collector uses (span and metric exporters alike). */
export interface OtlpExporter<T> {
  export(items: T, done: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
}

/** What the exporters' constructors take, from the session's settings. */
export interface OtlpExporterOptions {
  url: string;
  headers: Record<string, string>;
  timeoutMillis: number;
  compression: never;
}

/**
 * Makes an exporter for the target. The OTLP exporters also read OTEL_EXPORTER_OTLP_* from the
 * process's environment, which in the shared collector is whichever session started it: they are
 * hidden while the exporter is made, so one session's headers never go with another's figures.
 */
export function makeOtlpExporter<E>(target: OtlpTarget, timeoutMs: number, make: (options: OtlpExporterOptions) => E): E {
  const hidden = Object.entries(process.env).filter(([k]) => k.startsWith('OTEL_EXPORTER_OTLP_'));
  for (const [k] of hidden) delete process.env[k];
  try {
    return make({
      url: target.endpoint,
      headers: { ...target.headers },
      timeoutMillis: timeoutMs,
      compression: target.compression as never,
    });
  } finally {
    for (const [k, v] of hidden) process.env[k] = v;
  }
}

/** One exporter per distinct settings, made on first use and kept (a collector serves many runs). */
export class ExporterCache<T> {
  private readonly exporters = new Map<string, OtlpExporter<T>>();
  constructor(private readonly make: (target: OtlpTarget, timeoutMs: number) => OtlpExporter<T>) {}

  get(target: OtlpTarget): OtlpExporter<T> {
    const key = JSON.stringify([target.endpoint, target.protocol, target.headers, target.compression, target.timeoutMs]);
    let exporter = this.exporters.get(key);
    if (!exporter) {
      exporter = this.make(target, Math.max(1000, target.timeoutMs));
      this.exporters.set(key, exporter);
    }
    return exporter;
  }
}

/** The exporter's answer, or null when the deadline passed first. */
export function exportBefore<T>(exporter: OtlpExporter<T>, items: T, deadline: number): Promise<ExportResult | null> {
  return Promise.race([
    new Promise<ExportResult>((resolve) => exporter.export(items, resolve)),
    new Promise<null>((resolve) => setTimeout(() => resolve(null), Math.max(0, deadline - Date.now())).unref()),
  ]);
}

/**
 * One batch, within a time budget: rejects with the reason when nothing listens (checked first:
 * exporter 0.223 retries a refused connection for ~8 s, measured), the receiver refuses it, or the
 * budget runs out (the caller retries or keeps it).
 */
export async function sendBatch<T>(cache: ExporterCache<T>, target: OtlpTarget, items: T, budgetMs: number): Promise<void> {
  const timeoutMs = Math.min(budgetMs, target.timeoutMs);
  const deadline = Date.now() + timeoutMs;
  await connectCheck(target.endpoint, Math.min(timeoutMs, 1000));
  const result = await exportBefore(cache.get(target), items, deadline);
  if (result === null) throw timeoutError(`no answer within ${timeoutMs} ms`);
  if (result.code !== 0) throw new Error(`the receiver refused the batch: ${result.error?.message ?? 'unknown error'}`);
}
