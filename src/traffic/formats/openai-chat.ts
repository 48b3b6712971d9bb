/**
 * OpenAI chat completions (`POST …/chat/completions`; Qwen Code and most OpenAI-compatible
 * providers). System prompt: `system`/`developer` messages; tool results: `role: "tool"` messages.
 */
import type { JsonScanner } from '../json-scan';
import {
  addHistoryCall,
  addToolResult,
  callArgumentsHead,
  forEachElement,
  forEachMember,
  readConversation,
  readToolsArray,
  scanRequestBody,
  toolResultText,
} from '../request-scan';
import { observeWith, type ValueConsumer } from '../observer';
import { addToolCall, asArray, isObject, numberOr, setFinishReason } from '../response-values';
import type { RequestFigures, ResponseFigures, WireParser } from '../types';

const SYSTEM_ROLES = new Set(['system', 'developer']);

interface ChatMessage {
  role: string | null;
  contentBytes: number;
  head: string | null;
}

/** An assistant message's `tool_calls`: `{id, function: {name, arguments}}`. */
function readHistoryCalls(scanner: JsonScanner, figures: RequestFigures): void {
  forEachElement(scanner, () => {
    let id: string | null = null;
    let args: string | null = null;
    forEachMember(scanner, (key) => {
      if (key === 'id') id = scanner.readString();
      else if (key === 'function') {
        forEachMember(scanner, (inner) => {
          if (inner !== 'arguments') return false;
          args = callArgumentsHead(scanner);
          return true;
        });
      } else return false;
      return true;
    });
    if (args !== null) addHistoryCall(figures, id, args);
  });
}

function readMessage(scanner: JsonScanner, figures: RequestFigures): ChatMessage {
  const message: ChatMessage = { role: null, contentBytes: 0, head: null };
  forEachMember(scanner, (key) => {
    if (key === 'role') message.role = scanner.readString();
    else if (key === 'content') ({ bytes: message.contentBytes, head: message.head } = toolResultText(scanner));
    else if (key === 'tool_calls') readHistoryCalls(scanner, figures);
    else return false;
    return true;
  });
  return message;
}

function readMessages(scanner: JsonScanner, figures: RequestFigures): void {
  readConversation(scanner, figures, () => {
    const { role, contentBytes, head } = readMessage(scanner, figures);
    if (role === 'tool') addToolResult(figures, contentBytes, head);
    return role !== null && SYSTEM_ROLES.has(role);
  });
}

function readTopLevel(key: string, scanner: JsonScanner, figures: RequestFigures): boolean {
  if (key === 'model') figures.model = scanner.readString();
  else if (key === 'stream') figures.stream = scanner.readTrue();
  else if (key === 'messages') readMessages(scanner, figures);
  else if (key === 'tools') readToolsArray(scanner, figures);
  else return false;
  return true;
}

function readUsage(usage: unknown, figures: ResponseFigures): void {
  if (!isObject(usage)) return;
  figures.inputTokens = numberOr(usage.prompt_tokens, figures.inputTokens);
  figures.outputTokens = numberOr(usage.completion_tokens, figures.outputTokens);
  const details = isObject(usage.prompt_tokens_details) ? usage.prompt_tokens_details : {};
  figures.cachedTokens = numberOr(details.cached_tokens, figures.cachedTokens);
}

/** Tool calls of a chunk's delta (streams: the first delta of a call names it) or a whole message. */
function readToolCalls(calls: unknown, choice: number, figures: ResponseFigures, named: Set<string>): void {
  asArray(calls).forEach((call, position) => {
    if (!isObject(call)) return;
    const fn = isObject(call.function) ? call.function : {};
    const key = `${choice}:${typeof call.index === 'number' ? call.index : position}`;
    if (typeof fn.name !== 'string' || fn.name === '' || named.has(key)) return;
    named.add(key);
    addToolCall(figures, fn.name);
  });
}

function consumeChatValue(value: unknown, figures: ResponseFigures, named: Set<string>): boolean {
  if (!isObject(value)) return false;
  if (value.error !== undefined) return setFinishReason(figures, 'error');
  readUsage(value.usage, figures);
  asArray(value.choices).forEach((choice, position) => {
    if (!isObject(choice)) return;
    const index = typeof choice.index === 'number' ? choice.index : position;
    const message = isObject(choice.delta) ? choice.delta : isObject(choice.message) ? choice.message : {};
    readToolCalls(message.tool_calls, index, figures, named);
    if (typeof choice.finish_reason === 'string') figures.finishReason = choice.finish_reason;
  });
  return Array.isArray(value.choices) || isObject(value.usage);
}

export const openAiChatParser: WireParser = {
  format: 'openai-chat',
  parseRequest: (body) => scanRequestBody(body, 'openai-chat', ['messages'], readTopLevel),
  observeResponse(contentType) {
    const named = new Set<string>();
    const consume: ValueConsumer = (value, _event, figures) => consumeChatValue(value, figures, named);
    return observeWith(contentType, consume);
  },
};
