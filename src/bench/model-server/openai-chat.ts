/**
 * Encoding of one scripted reply in the OpenAI chat-completions wire format.
 *
 * Token usage rule (the mock has no tokenizer; one rule everywhere so figures are comparable):
 *   prompt_tokens     = ceil(requestBytes / 4)  — UTF-8 bytes of the whole request body
 *   completion_tokens = ceil(replyBytes / 4)    — UTF-8 bytes of the reply text, or of the
 *                                                 tool name plus its JSON arguments
 *   total_tokens      = prompt_tokens + completion_tokens
 *
 * Everything here is pure and deterministic: ids and `created` never depend on time or chance.
 */

export const MOCK_MODEL_ID = 'mock-model';
/** Fixed so that identical requests get byte-identical replies. */
export const FIXED_CREATED = 1_700_000_000;

export type ChatReply = { kind: 'text'; text: string } | { kind: 'tool_call'; id: string; name: string; argumentsJson: string };

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface ReplyMeta {
  /** Completion id, e.g. `chatcmpl-mock-3`. */
  id: string;
  model: string;
  usage: Usage;
}

type ChunkDelta = Record<string, unknown>;

export function replyBytes(reply: ChatReply): number {
  const text = reply.kind === 'text' ? reply.text : reply.name + reply.argumentsJson;
  return Buffer.byteLength(text, 'utf8');
}

/** The token rule above, for any count of bytes. */
export function tokensOf(bytes: number): number {
  return Math.ceil(bytes / 4);
}

export function usageOf(prompt: number, completion: number): Usage {
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

export function usageFor(requestBytes: number, reply: ChatReply): Usage {
  return usageOf(tokensOf(requestBytes), tokensOf(replyBytes(reply)));
}

export function finishReasonOf(reply: ChatReply): 'tool_calls' | 'stop' {
  return reply.kind === 'tool_call' ? 'tool_calls' : 'stop';
}

/** The `chat.completion.chunk` objects of a streamed reply, usage-only chunk last. */
export function streamChunks(reply: ChatReply, meta: ReplyMeta): object[] {
  const chunk = (delta: ChunkDelta, finishReason: string | null = null): object =>
    chunkEnvelope(meta, [{ index: 0, delta, logprobs: null, finish_reason: finishReason }]);
  const body = reply.kind === 'tool_call' ? toolCallDeltas(reply) : [{ role: 'assistant', content: reply.text }];
  return [...body.map((delta) => chunk(delta)), chunk({}, finishReasonOf(reply)), { ...chunkEnvelope(meta, []), usage: meta.usage }];
}

function toolCallDeltas(reply: Extract<ChatReply, { kind: 'tool_call' }>): ChunkDelta[] {
  const opening = {
    role: 'assistant',
    content: null,
    tool_calls: [{ index: 0, id: reply.id, type: 'function', function: { name: reply.name, arguments: '' } }],
  };
  const argumentsDelta = { tool_calls: [{ index: 0, function: { arguments: reply.argumentsJson } }] };
  return [opening, argumentsDelta];
}

function chunkEnvelope(meta: ReplyMeta, choices: object[]): Record<string, unknown> {
  return { id: meta.id, object: 'chat.completion.chunk', created: FIXED_CREATED, model: meta.model, choices };
}

/** SSE events (`data: …\n\n`), ending with `data: [DONE]`. */
export function sseEvents(chunks: object[]): string[] {
  return [...chunks.map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`), 'data: [DONE]\n\n'];
}

/** The non-streamed `chat.completion` object. */
export function completionObject(reply: ChatReply, meta: ReplyMeta): object {
  const message =
    reply.kind === 'tool_call'
      ? {
          role: 'assistant',
          content: null,
          tool_calls: [{ id: reply.id, type: 'function', function: { name: reply.name, arguments: reply.argumentsJson } }],
        }
      : { role: 'assistant', content: reply.text };
  return {
    id: meta.id,
    object: 'chat.completion',
    created: FIXED_CREATED,
    model: meta.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishReasonOf(reply) }],
    usage: meta.usage,
  };
}

export function modelsList(): object {
  return { object: 'list', data: [{ id: MOCK_MODEL_ID, object: 'model', created: FIXED_CREATED, owned_by: 'qwen-otel' }] };
}

export function errorBody(message: string, type: string): object {
  return { error: { message, type, param: null, code: null } };
}
