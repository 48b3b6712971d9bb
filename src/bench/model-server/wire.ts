/**
 * What every wire format shares: the request as the script sees it (counts and sizes,
 * no text kept), the reply chosen for it, and how a format turns that reply into bytes.
 */
import { replyBytes, tokensOf, type ChatReply } from './openai-chat';

export type WireFormat = 'openai-chat' | 'anthropic' | 'openai-responses' | 'gemini';

export type JsonSchema = Record<string, unknown>;

/** A scripted reply: text, or one call of a tool with its JSON arguments. */
export type ScriptedReply = ChatReply;

/** The parts of a model request that decide the reply and go into the record. */
export interface WireRequest {
  format: WireFormat;
  model: string;
  /** The reply is asked for as a stream (Gemini: the `:streamGenerateContent` method). */
  stream: boolean;
  /** Conversation items: messages, contents or input items, per format. */
  messageCount: number;
  /** Tool definitions offered, whatever their kind. */
  toolCount: number;
  /**
   * Bytes of the `tools` value as JSON (0 without one). The CLIs serialize with JSON.stringify, so
   * re-serializing the parsed value gives the bytes they sent.
   */
  toolSchemaBytes: number;
  /** Name → parameters schema of the function tools offered. */
  tools: Map<string, JsonSchema>;
  /** Tool results carried in the history; also the script step of a main request. */
  toolResultCount: number;
  /** UTF-8 bytes of those tool results' text (Gemini: of each `response` object as JSON). */
  toolResultBytes: number;
  /** Set when the request asks for JSON shaped by this schema (a structured side query). */
  jsonSchema?: JsonSchema;
  /** The latest instruction mentions JSON: a plain side query that wants a JSON answer. */
  asksForJson: boolean;
  /** Where the newest tool result's notice says the CLI saved the whole output it cut (read-back steps use it). */
  savedOutputPath?: string;
}

/** Token usage by the one rule used everywhere: ceil(bytes / 4). */
export interface TokenCounts {
  prompt: number;
  completion: number;
}

export interface ReplyContext {
  stepIndex: number;
  /** Model name echoed back (from the body, or the Gemini path). */
  model: string;
  tokens: TokenCounts;
}

/** SSE events as full text (`event: …\ndata: …\n\n`), or one JSON body. */
export type EncodedReply = { kind: 'sse'; events: string[] } | { kind: 'json'; body: unknown };

export interface FormatHandler {
  format: WireFormat;
  /** Undefined when the body is not a request of this format (the server answers 400). */
  parse(body: unknown, url: URL): WireRequest | undefined;
  encode(reply: ScriptedReply, context: ReplyContext, request: WireRequest, url: URL): EncodedReply;
}

export function tokenCounts(requestBytes: number, reply: ScriptedReply): TokenCounts {
  return { prompt: tokensOf(requestBytes), completion: tokensOf(replyBytes(reply)) };
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** Text of a string, or of the `text` fields of an array of parts/blocks. */
export function partsText(content: unknown): string {
  if (typeof content === 'string') return content;
  return asArray(content)
    .map((part) => (isObject(part) && typeof part.text === 'string' ? part.text : ''))
    .join('');
}

/** Named SSE event, the form Anthropic and OpenAI responses use. */
export function namedEvent(name: string, data: unknown): string {
  return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** Parses a tool call's JSON arguments; the script always produces an object. */
export function argumentsObject(reply: Extract<ScriptedReply, { kind: 'tool_call' }>): Record<string, unknown> {
  const parsed: unknown = JSON.parse(reply.argumentsJson);
  return isObject(parsed) ? parsed : {};
}

/** UTF-8 bytes of a value as compact JSON; 0 for a value that is absent. */
export function jsonBytes(value: unknown): number {
  return value === undefined ? 0 : utf8Bytes(JSON.stringify(value));
}

/** The path a CLI's notice names for a cut output it saved: Qwen Code, Claude Code, Gemini CLI. */
const SAVED_AT = /(?:saved to|For full output see): (\/[^\s"'\\;|&<>()`$]+)/;

/** `{savedOutputPath}` when the newest of these tool results' texts names one, for a WireRequest. */
export function savedOutputPathIn(results: string[]): { savedOutputPath?: string } {
  const newest = results.at(-1);
  const path = newest === undefined ? undefined : SAVED_AT.exec(newest)?.[1];
  return path ? { savedOutputPath: path } : {};
}
