/**
 * OpenAI responses (`POST /v1/responses`, Codex): request reading and reply encoding.
 * A tool call is a `function_call` output item, text a `message` item with `output_text`;
 * every streamed event carries its `type` and a `sequence_number`, as the API does.
 */
import { FIXED_CREATED } from './openai-chat';
import { lastInstructionMentionsJson } from './openai-chat-request';
import {
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

type Item = Record<string, unknown>;

function inputItems(body: Record<string, unknown>): unknown[] {
  return typeof body.input === 'string' ? [{ type: 'message', role: 'user', content: body.input }] : asArray(body.input);
}

function callOutputs(items: unknown[]): Item[] {
  return items.filter((item): item is Item => isObject(item) && item.type === 'function_call_output');
}

function offeredTools(tools: unknown[]): Map<string, JsonSchema> {
  const named = new Map<string, JsonSchema>();
  for (const tool of tools) {
    if (isObject(tool) && typeof tool.name === 'string') named.set(tool.name, isObject(tool.parameters) ? tool.parameters : {});
  }
  return named;
}

function textFormatSchema(body: Record<string, unknown>): JsonSchema | undefined {
  const format = isObject(body.text) ? body.text.format : undefined;
  if (!isObject(format) || format.type !== 'json_schema') return undefined;
  return isObject(format.schema) ? format.schema : { type: 'object' };
}

export function responsesWireRequest(body: unknown): WireRequest | undefined {
  if (!isObject(body) || (typeof body.input !== 'string' && !Array.isArray(body.input))) return undefined;
  const items = inputItems(body);
  const tools = asArray(body.tools);
  const outputs = callOutputs(items);
  const jsonSchema = textFormatSchema(body);
  return {
    format: 'openai-responses',
    model: typeof body.model === 'string' ? body.model : '',
    stream: body.stream === true,
    messageCount: items.length,
    toolCount: tools.length,
    toolSchemaBytes: jsonBytes(body.tools),
    tools: offeredTools(tools),
    toolResultCount: outputs.length,
    toolResultBytes: outputs.reduce((sum, item) => sum + utf8Bytes(partsText(item.output)), 0),
    ...(jsonSchema ? { jsonSchema } : {}),
    asksForJson: lastInstructionMentionsJson(items, ['user']),
    ...savedOutputPathIn(outputs.map((item) => partsText(item.output))),
  };
}

function outputItem(reply: ScriptedReply, context: ReplyContext, status: 'in_progress' | 'completed'): Item {
  if (reply.kind === 'tool_call') {
    const args = status === 'completed' ? reply.argumentsJson : '';
    return { type: 'function_call', id: `fc_mock_${context.stepIndex}`, call_id: reply.id, name: reply.name, arguments: args, status };
  }
  const content = status === 'completed' ? [outputText(reply.text)] : [];
  return { type: 'message', id: `msg_mock_${context.stepIndex}`, status, role: 'assistant', content };
}

function outputText(text: string): Item {
  return { type: 'output_text', text, annotations: [] };
}

export function responseObject(reply: ScriptedReply, context: ReplyContext, status: 'in_progress' | 'completed' = 'completed'): Item {
  const { prompt, completion } = context.tokens;
  const done = status === 'completed';
  return {
    id: `resp_mock_${context.stepIndex}`,
    object: 'response',
    created_at: FIXED_CREATED,
    status,
    model: context.model,
    output: done ? [outputItem(reply, context, 'completed')] : [],
    usage: done
      ? {
          input_tokens: prompt,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens: completion,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: prompt + completion,
        }
      : null,
  };
}

/** The events between output_item.added and output_item.done. */
function itemDeltas(reply: ScriptedReply, itemId: string): Item[] {
  const at = { item_id: itemId, output_index: 0 };
  if (reply.kind === 'tool_call') {
    return [
      { type: 'response.function_call_arguments.delta', ...at, delta: reply.argumentsJson },
      { type: 'response.function_call_arguments.done', ...at, arguments: reply.argumentsJson },
    ];
  }
  const part = { ...at, content_index: 0 };
  return [
    { type: 'response.content_part.added', ...part, part: outputText('') },
    { type: 'response.output_text.delta', ...part, delta: reply.text },
    { type: 'response.output_text.done', ...part, text: reply.text },
    { type: 'response.content_part.done', ...part, part: outputText(reply.text) },
  ];
}

export function responsesStreamEvents(reply: ScriptedReply, context: ReplyContext): string[] {
  const added = outputItem(reply, context, 'in_progress');
  const events: Item[] = [
    { type: 'response.created', response: responseObject(reply, context, 'in_progress') },
    { type: 'response.in_progress', response: responseObject(reply, context, 'in_progress') },
    { type: 'response.output_item.added', output_index: 0, item: added },
    ...itemDeltas(reply, String(added.id)),
    { type: 'response.output_item.done', output_index: 0, item: outputItem(reply, context, 'completed') },
    { type: 'response.completed', response: responseObject(reply, context) },
  ];
  return events.map((event, index) => namedEvent(String(event.type), { ...event, sequence_number: index }));
}

export const responsesHandler: FormatHandler = {
  format: 'openai-responses',
  parse: (body) => responsesWireRequest(body),
  encode(reply, context, request) {
    if (request.stream) return { kind: 'sse', events: responsesStreamEvents(reply, context) };
    return { kind: 'json', body: responseObject(reply, context) };
  },
};
