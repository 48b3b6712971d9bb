/**
 * Anthropic messages (`POST …/v1/messages`; Claude Code). System prompt: top-level `system`;
 * tool results: `tool_result` blocks inside user messages.
 */
import type { JsonScanner } from '../json-scan';
import { observeWith, type ValueConsumer } from '../observer';
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
import { addToolCall, asArray, isObject, numberOr, setFinishReason } from '../response-values';
import type { RequestFigures, ResponseFigures, WireParser } from '../types';

/** Tool results and calls of one message's `content` array (a string content carries none). */
function readToolBlocks(scanner: JsonScanner, figures: RequestFigures): void {
  forEachElement(scanner, () => {
    const block = {
      type: null as string | null,
      contentBytes: 0,
      head: null as string | null,
      id: null as string | null,
      input: null as string | null,
    };
    forEachMember(scanner, (key) => {
      if (key === 'type') block.type = scanner.readString();
      else if (key === 'content') ({ bytes: block.contentBytes, head: block.head } = toolResultText(scanner));
      else if (key === 'id') block.id = scanner.readString();
      else if (key === 'input') block.input = callArgumentsHead(scanner);
      else return false;
      return true;
    });
    if (block.type === 'tool_result') addToolResult(figures, block.contentBytes, block.head);
    else if (block.type === 'tool_use' && block.input !== null) addHistoryCall(figures, block.id, block.input);
  });
}

function readMessages(scanner: JsonScanner, figures: RequestFigures): void {
  readConversation(scanner, figures, () => {
    forEachMember(scanner, (key) => {
      if (key !== 'content') return false;
      readToolBlocks(scanner, figures);
      return true;
    });
    return false;
  });
}

function readTopLevel(key: string, scanner: JsonScanner, figures: RequestFigures): boolean {
  if (key === 'model') figures.model = scanner.readString();
  else if (key === 'stream') figures.stream = scanner.readTrue();
  else if (key === 'system') figures.systemBytes += scanner.valueBytes();
  else if (key === 'messages') readMessages(scanner, figures);
  else if (key === 'tools') readToolsArray(scanner, figures);
  else return false;
  return true;
}

/**
 * Anthropic reports uncached input apart from cache reads and writes; the input figure is their
 * sum (GenAI conventions: input tokens include cached ones). Later events repeat or extend usage.
 */
class AnthropicUsage {
  private input: number | null = null;
  private cacheRead: number | null = null;
  private cacheWrite: number | null = null;

  read(usage: unknown, figures: ResponseFigures): void {
    if (!isObject(usage)) return;
    this.input = numberOr(usage.input_tokens, this.input);
    this.cacheRead = numberOr(usage.cache_read_input_tokens, this.cacheRead);
    this.cacheWrite = numberOr(usage.cache_creation_input_tokens, this.cacheWrite);
    figures.outputTokens = numberOr(usage.output_tokens, figures.outputTokens);
    figures.cachedTokens = this.cacheRead;
    if (this.input !== null) figures.inputTokens = this.input + (this.cacheRead ?? 0) + (this.cacheWrite ?? 0);
  }
}

function readToolUse(block: unknown, figures: ResponseFigures): void {
  if (isObject(block) && block.type === 'tool_use' && typeof block.name === 'string') addToolCall(figures, block.name);
}

/** A whole message: the `message_start` payload, or a non-stream body. */
function readMessage(message: unknown, figures: ResponseFigures, usage: AnthropicUsage): void {
  if (!isObject(message)) return;
  usage.read(message.usage, figures);
  for (const block of asArray(message.content)) readToolUse(block, figures);
  if (typeof message.stop_reason === 'string') figures.finishReason = message.stop_reason;
}

function consumeAnthropicValue(value: unknown, figures: ResponseFigures, usage: AnthropicUsage): boolean {
  if (!isObject(value) || typeof value.type !== 'string') return false;
  switch (value.type) {
    case 'message_start':
      readMessage(value.message, figures, usage);
      break;
    case 'content_block_start':
      readToolUse(value.content_block, figures);
      break;
    case 'message_delta': {
      usage.read(value.usage, figures);
      const delta = isObject(value.delta) ? value.delta : {};
      if (typeof delta.stop_reason === 'string') figures.finishReason = delta.stop_reason;
      break;
    }
    case 'message':
      readMessage(value, figures, usage);
      break;
    case 'error':
      return setFinishReason(figures, 'error');
  }
  return true;
}

export const anthropicParser: WireParser = {
  format: 'anthropic',
  parseRequest: (body) => scanRequestBody(body, 'anthropic', ['messages'], readTopLevel),
  observeResponse(contentType) {
    const usage = new AnthropicUsage();
    const consume: ValueConsumer = (value, _event, figures) => consumeAnthropicValue(value, figures, usage);
    return observeWith(contentType, consume);
  },
};
