/** The parser of each wire format. */
import { anthropicParser } from './formats/anthropic';
import { geminiParser } from './formats/gemini';
import { openAiChatParser } from './formats/openai-chat';
import { openAiResponsesParser } from './formats/openai-responses';
import type { WireFormat, WireParser } from './types';

export const WIRE_PARSERS: Readonly<Record<WireFormat, WireParser>> = {
  'openai-chat': openAiChatParser,
  anthropic: anthropicParser,
  'openai-responses': openAiResponsesParser,
  gemini: geminiParser,
};

export function parserFor(format: WireFormat): WireParser {
  return WIRE_PARSERS[format];
}
