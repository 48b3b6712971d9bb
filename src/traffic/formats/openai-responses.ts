/**
 * OpenAI responses (`POST …/responses`; Codex). System prompt: `instructions` plus `system` and
 * `developer` input items; tool results: `*_call_output` items (function, custom tool, shell).
 */
import { QUOTE } from '../json-chars';
import type { JsonScanner } from '../json-scan';
import { observeWith, type ValueConsumer } from '../observer';
import {
  addHistoryCall,
  addToolResult,
  callArgumentsHead,
  forEachMember,
  readConversation,
  readToolsArray,
  scanRequestBody,
  toolResultText,
} from '../request-scan';
import { addToolCall, asArray, isObject, numberOr, setFinishReason } from '../response-values';
import type { RequestFigures, ResponseFigures, WireParser } from '../types';

const SYSTEM_ROLES = new Set(['system', 'developer']);
const TOOL_CALL_TYPES = new Set(['function_call', 'custom_tool_call', 'local_shell_call']);

interface InputItem {
  type: string | null;
  role: string | null;
  outputBytes: number;
  head: string | null;
  callId: string | null;
  /** A call's arguments: `arguments` (function), `input` (custom tool) or `action` (local shell). */
  args: string | null;
}

const CALL_ARGUMENT_KEYS = new Set(['arguments', 'input', 'action']);

function readItem(scanner: JsonScanner): InputItem {
  const item: InputItem = { type: null, role: null, outputBytes: 0, head: null, callId: null, args: null };
  forEachMember(scanner, (key) => {
    if (key === 'type') item.type = scanner.readString();
    else if (key === 'role') item.role = scanner.readString();
    else if (key === 'output') ({ bytes: item.outputBytes, head: item.head } = toolResultText(scanner));
    else if (key === 'call_id') item.callId = scanner.readString();
    else if (CALL_ARGUMENT_KEYS.has(key)) item.args = callArgumentsHead(scanner);
    else return false;
    return true;
  });
  return item;
}

function isSystemItem({ type, role }: InputItem): boolean {
  return (type === null || type === 'message') && role !== null && SYSTEM_ROLES.has(role);
}

/** `input` is a list of items, or a plain string (one user message). */
function readInput(scanner: JsonScanner, figures: RequestFigures): void {
  if (scanner.peek() === QUOTE) {
    figures.historyBytes += scanner.valueBytes();
    figures.messageCount += 1;
    return;
  }
  readConversation(scanner, figures, () => {
    const item = readItem(scanner);
    if (item.type?.endsWith('_call_output')) addToolResult(figures, item.outputBytes, item.head);
    else if (item.type !== null && TOOL_CALL_TYPES.has(item.type) && item.args !== null) addHistoryCall(figures, item.callId, item.args);
    return isSystemItem(item);
  });
}

function readTopLevel(key: string, scanner: JsonScanner, figures: RequestFigures): boolean {
  if (key === 'model') figures.model = scanner.readString();
  else if (key === 'stream') figures.stream = scanner.readTrue();
  else if (key === 'instructions') figures.systemBytes += scanner.valueBytes();
  else if (key === 'input') readInput(scanner, figures);
  else if (key === 'tools') readToolsArray(scanner, figures);
  else return false;
  return true;
}

function readCallItem(item: unknown, figures: ResponseFigures): void {
  if (!isObject(item) || typeof item.type !== 'string' || !TOOL_CALL_TYPES.has(item.type)) return;
  addToolCall(figures, typeof item.name === 'string' ? item.name : item.type);
}

/** Per stream: calls come from `output_item.done` events, else from the final response's output. */
interface ResponsesState {
  callsFromItems: boolean;
}

function readResponse(response: unknown, figures: ResponseFigures, state: ResponsesState): void {
  if (!isObject(response)) return;
  const usage = isObject(response.usage) ? response.usage : {};
  figures.inputTokens = numberOr(usage.input_tokens, figures.inputTokens);
  figures.outputTokens = numberOr(usage.output_tokens, figures.outputTokens);
  const details = isObject(usage.input_tokens_details) ? usage.input_tokens_details : {};
  figures.cachedTokens = numberOr(details.cached_tokens, figures.cachedTokens);
  const incomplete = isObject(response.incomplete_details) ? response.incomplete_details.reason : undefined;
  const reason = typeof incomplete === 'string' ? incomplete : response.status;
  if (typeof reason === 'string' && reason !== 'in_progress') figures.finishReason = reason;
  if (!state.callsFromItems) for (const item of asArray(response.output)) readCallItem(item, figures);
}

function consumeResponsesValue(value: unknown, figures: ResponseFigures, state: ResponsesState): boolean {
  if (!isObject(value)) return false;
  if (value.object === 'response') {
    readResponse(value, figures, state);
    return true;
  }
  if (typeof value.type !== 'string') return false;
  switch (value.type) {
    case 'response.output_item.done':
      state.callsFromItems = true;
      readCallItem(value.item, figures);
      break;
    case 'response.completed':
    case 'response.incomplete':
    case 'response.failed':
      readResponse(value.response, figures, state);
      break;
    case 'error':
    case 'response.error':
      return setFinishReason(figures, 'error');
  }
  return true;
}

export const openAiResponsesParser: WireParser = {
  format: 'openai-responses',
  parseRequest: (body) => scanRequestBody(body, 'openai-responses', ['input'], readTopLevel),
  observeResponse(contentType) {
    const state: ResponsesState = { callsFromItems: false };
    const consume: ValueConsumer = (value, _event, figures) => consumeResponsesValue(value, figures, state);
    return observeWith(contentType, consume);
  },
};
