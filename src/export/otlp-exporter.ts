// What the OTLP exporters of every signal share: making one for a session's settings (and
// not the collector's own environment), keeping one per settings, and one export bounded in time.
import type { ExportResult } from '@opentelemetry/core';
import type { OtlpTarget } from '../config';
import { connectCheck, timeoutError } from './reachability';

/** The part of an OpenTelemetry exporter the collector uses (span and metric exporters alike). */
export interface OtlpExporter<T> {
  export(items: T, done: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
}

/** An exporter class of one package, required only when first used (each costs memory to load). */
type ExporterClass<E> = () => new (options: never) => E;

/** The official exporter of one signal for each protocol. */
export interface ExporterClasses<E> {
  'http/protobuf': ExporterClass<E>;
  'http/json': ExporterClass<E>;
  grpc: ExporterClass<E>;
}

/**
 * Makes an exporter for the target. The OTLP exporters also read OTEL_EXPORTER_OTLP_* from the
 * process's environment, which in the shared collector is whichever session started it: they are
 * hidden while the exporter is made, so one session's headers never go with another's figures.
 */
export function makeOtlpExporter<E>(target: OtlpTarget, timeoutMs: number, classes: ExporterClasses<E>): E {
  const hidden = Object.entries(process.env).filter(([k]) => k.startsWith('OTEL_EXPORTER_OTLP_'));
  for (const [k] of hidden) delete process.env[k];
  try {
    const options = { url: target.endpoint, timeoutMillis: timeoutMs, compression: target.compression };
    const Exporter = classes[target.protocol]();
    if (target.protocol !== 'grpc') return new Exporter({ ...options, headers: { ...target.headers } } as never);
    // gRPC (grpc-js with it) costs the collector ~7 MiB of RSS, ~2 MiB more than protobuf over HTTP
    // (`npm run bench:collector -- --metrics-exporter prometheus,otlp --otlp-protocol grpc`: one live
    // session 66.0-66.7 MiB, against 64.3 over HTTP and 59.2 without OTLP; load average 7-8 on 2 cores).
    const { Metadata } = require('@grpc/grpc-js') as typeof import('@grpc/grpc-js');
    const metadata = new Metadata();
    for (const [key, value] of Object.entries(target.headers)) metadata.set(key, value);
    return new Exporter({ ...options, metadata } as never);
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
