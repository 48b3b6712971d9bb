/** Reading an OpenAI chat-completions request body into the common WireRequest. */
import {
  isObject,
  jsonBytes,
  partsText,
  savedOutputPathIn,
  utf8Bytes,
  type FormatHandler,
  type JsonSchema,
  type WireRequest,
} from './wire';
import { completionObject, MOCK_MODEL_ID, sseEvents, streamChunks, usageOf } from './openai-chat';

export interface ChatRequest {
  messages: unknown[];
  tools?: unknown;
  stream?: unknown;
  response_format?: unknown;
  model?: unknown;
}

export function isChatRequest(body: unknown): body is ChatRequest {
  return isObject(body) && Array.isArray(body.messages);
}

function toolMessages(messages: unknown[]): Record<string, unknown>[] {
  return messages.filter((message): message is Record<string, unknown> => isObject(message) && message.role === 'tool');
}

export function countToolResults(messages: unknown[]): number {
  return toolMessages(messages).length;
}

/** UTF-8 bytes of the text carried by `role: "tool"` messages. */
export function toolResultTextBytes(messages: unknown[]): number {
  return toolMessages(messages).reduce((sum, message) => sum + utf8Bytes(partsText(message.content)), 0);
}

/** Tool name → parameters schema, for OpenAI `tools: [{type:"function", function:{name, parameters}}]`. */
export function offeredTools(request: ChatRequest): Map<string, JsonSchema> {
  const tools = new Map<string, JsonSchema>();
  if (!Array.isArray(request.tools)) return tools;
  for (const tool of request.tools) {
    const fn = isObject(tool) && isObject(tool.function) ? tool.function : undefined;
    if (fn && typeof fn.name === 'string') tools.set(fn.name, isObject(fn.parameters) ? fn.parameters : {});
  }
  return tools;
}

function responseFormatSchema(format: unknown): JsonSchema | undefined {
  if (!isObject(format)) return undefined;
  if (format.type === 'json_object') return { type: 'object' };
  if (format.type !== 'json_schema') return undefined;
  const wrapper = isObject(format.json_schema) ? format.json_schema : {};
  return isObject(wrapper.schema) ? wrapper.schema : { type: 'object' };
}

/** True when the last message with one of these roles mentions JSON (Gemini keeps text in `parts`). */
export function lastInstructionMentionsJson(
  messages: unknown[],
  roles = ['system', 'user'],
  field: 'content' | 'parts' = 'content',
): boolean {
  const instructions = messages.filter((m) => isObject(m) && roles.includes(String(m.role)));
  const last = instructions[instructions.length - 1];
  return isObject(last) && /\bJSON\b/.test(partsText(last[field]));
}

export function chatWireRequest(request: ChatRequest): WireRequest {
  const jsonSchema = responseFormatSchema(request.response_format);
  return {
    format: 'openai-chat',
    model: typeof request.model === 'string' ? request.model : '',
    stream: request.stream === true,
    messageCount: request.messages.length,
    toolCount: Array.isArray(request.tools) ? request.tools.length : 0,
    toolSchemaBytes: jsonBytes(request.tools),
    tools: offeredTools(request),
    toolResultCount: countToolResults(request.messages),
    toolResultBytes: toolResultTextBytes(request.messages),
    ...(jsonSchema ? { jsonSchema } : {}),
    asksForJson: lastInstructionMentionsJson(request.messages),
    ...savedOutputPathIn(toolMessages(request.messages).map((message) => partsText(message.content))),
  };
}

export const openAiChatHandler: FormatHandler = {
  format: 'openai-chat',
  parse: (body) => (isChatRequest(body) ? chatWireRequest(body) : undefined),
  encode(reply, context, request) {
    const { prompt, completion } = context.tokens;
    // The reply names the mock model, not the requested one, as it always has.
    const meta = {
      id: `chatcmpl-mock-${context.stepIndex}`,
      model: MOCK_MODEL_ID,
      usage: usageOf(prompt, completion),
    };
    if (request.stream) return { kind: 'sse', events: sseEvents(streamChunks(reply, meta)) };
    return { kind: 'json', body: completionObject(reply, meta) };
  },
};
