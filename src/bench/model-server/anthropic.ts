/**
 * Anthropic messages (`POST /v1/messages`, Claude Code): request reading and reply encoding.
 * Streams use named SSE events in the API's order: message_start, content_block_start,
 * ping, content_block_delta, content_block_stop, message_delta, message_stop.
 */
import { tokensOf } from './openai-chat';
import { lastInstructionMentionsJson } from './openai-chat-request';
import {
  argumentsObject,
  asArray,
  isObject,
  namedEvent,
  partsText,
  jsonBytes,
  savedOutputPathIn,
  utf8Bytes,
  type FormatHandler,
  type JsonSchema,
  type ReplyContext,
  type ScriptedReply,
  type WireRequest,
} from './wire';

function toolResultBlocks(messages: unknown[]): Record<string, unknown>[] {
  return messages.flatMap((message) =>
    isObject(message) ? asArray(message.content).filter((b): b is Record<string, unknown> => isObject(b) && b.type === 'tool_result') : [],
  );
}

function offeredTools(tools: unknown[]): Map<string, JsonSchema> {
  const named = new Map<string, JsonSchema>();
  for (const tool of tools) {
    // Server tools (web search…) have no input_schema: the client never runs them.
    if (isObject(tool) && typeof tool.name === 'string' && isObject(tool.input_schema)) named.set(tool.name, tool.input_schema);
  }
  return named;
}

/**
 * Structured-output side queries name their schema in `output_config.format` (Claude Code
 * 2.1.112's session-title request) or, in the older beta, `output_format`.
 */
function outputSchema(body: Record<string, unknown>): JsonSchema | undefined {
  const format = isObject(body.output_config) ? body.output_config.format : body.output_format;
  return isObject(format) && format.type === 'json_schema' && isObject(format.schema) ? format.schema : undefined;
}

export function anthropicWireRequest(body: unknown): WireRequest | undefined {
  if (!isObject(body) || !Array.isArray(body.messages)) return undefined;
  const tools = asArray(body.tools);
  const results = toolResultBlocks(body.messages);
  const jsonSchema = outputSchema(body);
  return {
    format: 'anthropic',
    model: typeof body.model === 'string' ? body.model : '',
    stream: body.stream === true,
    messageCount: body.messages.length,
    toolCount: tools.length,
    toolSchemaBytes: jsonBytes(body.tools),
    tools: offeredTools(tools),
    toolResultCount: results.length,
    toolResultBytes: results.reduce((sum, block) => sum + utf8Bytes(partsText(block.content)), 0),
    ...(jsonSchema ? { jsonSchema } : {}),
    asksForJson: lastInstructionMentionsJson(body.messages, ['user']),
    ...savedOutputPathIn(results.map((block) => partsText(block.content))),
  };
}

function contentBlock(reply: ScriptedReply): Record<string, unknown> {
  if (reply.kind === 'text') return { type: 'text', text: reply.text };
  return { type: 'tool_use', id: reply.id, name: reply.name, input: argumentsObject(reply) };
}

function stopReason(reply: ScriptedReply): 'tool_use' | 'end_turn' {
  return reply.kind === 'tool_call' ? 'tool_use' : 'end_turn';
}

function messageId(context: ReplyContext): string {
  return `msg_mock_${context.stepIndex}`;
}

function fullUsage(context: ReplyContext, outputTokens: number): Record<string, number> {
  return {
    input_tokens: context.tokens.prompt,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    output_tokens: outputTokens,
  };
}

export function anthropicMessage(reply: ScriptedReply, context: ReplyContext): Record<string, unknown> {
  return {
    id: messageId(context),
    type: 'message',
    role: 'assistant',
    model: context.model,
    content: [contentBlock(reply)],
    stop_reason: stopReason(reply),
    stop_sequence: null,
    usage: fullUsage(context, context.tokens.completion),
  };
}

export function anthropicStreamEvents(reply: ScriptedReply, context: ReplyContext): string[] {
  const opening = { ...anthropicMessage(reply, context), content: [], stop_reason: null, usage: fullUsage(context, 0) };
  const start = reply.kind === 'text' ? { type: 'text', text: '' } : { ...contentBlock(reply), input: {} };
  const delta =
    reply.kind === 'text' ? { type: 'text_delta', text: reply.text } : { type: 'input_json_delta', partial_json: reply.argumentsJson };
  return [
    namedEvent('message_start', { type: 'message_start', message: opening }),
    namedEvent('content_block_start', { type: 'content_block_start', index: 0, content_block: start }),
    namedEvent('ping', { type: 'ping' }),
    namedEvent('content_block_delta', { type: 'content_block_delta', index: 0, delta }),
    namedEvent('content_block_stop', { type: 'content_block_stop', index: 0 }),
    namedEvent('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: stopReason(reply), stop_sequence: null },
      usage: { output_tokens: context.tokens.completion },
    }),
    namedEvent('message_stop', { type: 'message_stop' }),
  ];
}

export const anthropicHandler: FormatHandler = {
  format: 'anthropic',
  parse: (body) => anthropicWireRequest(body),
  encode(reply, context, request) {
    if (request.stream) return { kind: 'sse', events: anthropicStreamEvents(reply, context) };
    return { kind: 'json', body: anthropicMessage(reply, context) };
  },
};

/** `POST /v1/messages/count_tokens`, by the same bytes / 4 rule. */
export function countTokensBody(requestBytes: number): object {
  return { input_tokens: tokensOf(requestBytes) };
}

export function anthropicError(message: string, type: string): object {
  return { type: 'error', error: { type, message } };
}
