/** Small readers for parsed response events, whose shape is never trusted. */
import type { ResponseFigures } from './types';

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** `value` when it is a finite number, else `fallback` (a later event may not repeat a figure). */
export function numberOr(value: unknown, fallback: number | null): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

export function addToolCall(figures: ResponseFigures, name: string): void {
  figures.toolCalls += 1;
  figures.toolNames.push(name);
}

/** Records an ending reason; true, so an error event counts as understood. */
export function setFinishReason(figures: ResponseFigures, reason: string): true {
  figures.finishReason = reason;
  return true;
}

export function emptyResponseFigures(): ResponseFigures {
  return {
    inputTokens: null,
    outputTokens: null,
    cachedTokens: null,
    toolCalls: 0,
    toolNames: [],
    finishReason: null,
    bytes: 0,
    events: 0,
    unparsed: false,
  };
}
