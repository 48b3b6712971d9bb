/**
 * Gemini (`POST /v1beta/models/<model>:generateContent` and `:streamGenerateContent`, Gemini CLI):
 * request reading and reply encoding. A stream with `alt=sse` is one `data:` event ending in
 * CRLF CRLF as Google's servers send it; without `alt=sse` it is a JSON array of chunks.
 */
import { tokensOf } from './openai-chat';
import { lastInstructionMentionsJson } from './openai-chat-request';
import {
  argumentsObject,
  asArray,
  isObject,
  jsonBytes,
  savedOutputPathIn,
  utf8Bytes,
  type FormatHandler,
  type JsonSchema,
  type ReplyContext,
  type ScriptedReply,
  type WireRequest,
} from './wire';

export const GEMINI_MODEL_PATH = /^\/v1(?:beta|alpha)?\/models\/([^/:]+):([A-Za-z]+)$/;

/** `{ model, method }` of a `/v1beta/models/<model>:<method>` path. */
export function geminiPath(pathname: string): { model: string; method: string } | undefined {
  const match = GEMINI_MODEL_PATH.exec(pathname);
  return match ? { model: decodeURIComponent(match[1] ?? ''), method: match[2] ?? '' } : undefined;
}

function functionResponses(contents: unknown[]): Record<string, unknown>[] {
  return contents.flatMap((content) =>
    isObject(content)
      ? asArray(content.parts).flatMap((part) => (isObject(part) && isObject(part.functionResponse) ? [part.functionResponse] : []))
      : [],
  );
}

function declarations(tools: unknown[]): Record<string, unknown>[] {
  return tools.flatMap((tool) => (isObject(tool) ? asArray(tool.functionDeclarations).filter(isObject) : []));
}

function offeredTools(declared: Record<string, unknown>[]): Map<string, JsonSchema> {
  const named = new Map<string, JsonSchema>();
  for (const fn of declared) {
    const schema = isObject(fn.parametersJsonSchema) ? fn.parametersJsonSchema : fn.parameters;
    if (typeof fn.name === 'string') named.set(fn.name, isObject(schema) ? schema : {});
  }
  return named;
}

function responseSchema(body: Record<string, unknown>): JsonSchema | undefined {
  const config = isObject(body.generationConfig) ? body.generationConfig : {};
  const schema = config.responseJsonSchema ?? config.responseSchema;
  if (isObject(schema)) return schema;
  return config.responseMimeType === 'application/json' ? { type: 'object' } : undefined;
}

export function geminiWireRequest(body: unknown, url: URL): WireRequest | undefined {
  const target = geminiPath(url.pathname);
  if (!target || !isObject(body) || !Array.isArray(body.contents)) return undefined;
  const declared = declarations(asArray(body.tools));
  const results = functionResponses(body.contents);
  const jsonSchema = responseSchema(body);
  return {
    format: 'gemini',
    model: target.model,
    stream: target.method === 'streamGenerateContent',
    messageCount: body.contents.length,
    toolCount: declared.length,
    toolSchemaBytes: jsonBytes(body.tools),
    tools: offeredTools(declared),
    toolResultCount: results.length,
    toolResultBytes: results.reduce((sum, result) => sum + utf8Bytes(JSON.stringify(result.response ?? null)), 0),
    ...(jsonSchema ? { jsonSchema } : {}),
    asksForJson: lastInstructionMentionsJson(body.contents, ['user'], 'parts'),
    ...savedOutputPathIn(results.map((result) => JSON.stringify(result.response ?? null))),
  };
}

function replyPart(reply: ScriptedReply): Record<string, unknown> {
  if (reply.kind === 'text') return { text: reply.text };
  return { functionCall: { name: reply.name, args: argumentsObject(reply) } };
}

export function geminiChunk(reply: ScriptedReply, context: ReplyContext): Record<string, unknown> {
  const { prompt, completion } = context.tokens;
  return {
    candidates: [{ content: { role: 'model', parts: [replyPart(reply)] }, finishReason: 'STOP', index: 0 }],
    usageMetadata: { promptTokenCount: prompt, candidatesTokenCount: completion, totalTokenCount: prompt + completion },
    modelVersion: context.model,
    responseId: `resp_mock_${context.stepIndex}`,
  };
}

export function geminiSseEvent(chunk: unknown): string {
  return `data: ${JSON.stringify(chunk)}\r\n\r\n`;
}

export const geminiHandler: FormatHandler = {
  format: 'gemini',
  parse: (body, url) => geminiWireRequest(body, url),
  encode(reply, context, request, url) {
    const chunk = geminiChunk(reply, context);
    if (!request.stream) return { kind: 'json', body: chunk };
    if (url.searchParams.get('alt') !== 'sse') return { kind: 'json', body: [chunk] };
    return { kind: 'sse', events: [geminiSseEvent(chunk)] };
  },
};

/** `:countTokens`, by the same bytes / 4 rule. */
export function geminiCountTokens(requestBytes: number): object {
  return { totalTokens: tokensOf(requestBytes) };
}

export function geminiModel(name: string): object {
  return {
    name: `models/${name}`,
    displayName: name,
    inputTokenLimit: 1_048_576,
    outputTokenLimit: 65_536,
    supportedGenerationMethods: ['generateContent', 'streamGenerateContent', 'countTokens'],
  };
}

export function geminiError(code: number, message: string, status: string): object {
  return { error: { code, message, status } };
}
