/**
 * Gemini (`POST …/models/<model>:generateContent` or `:streamGenerateContent`; Gemini CLI). The
 * model and whether it streams are in the URL, not the body. System prompt: `systemInstruction`;
 * tool results: `functionResponse` parts, measured as the JSON of their `response` as sent.
 * Both the camelCase and the snake_case spelling of the REST API are read.
 */
import type { JsonScanner } from '../json-scan';
import { GEMINI_MODEL_CALL } from '../detect';
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
} from '../request-scan';
import { addToolCall, asArray, isObject, numberOr, setFinishReason } from '../response-values';
import { HEAD_CHARS } from '../truncation';
import type { RequestFigures, ResponseFigures, WireParser } from '../types';

/** Model and streaming from a `…/models/<model>:<method>` URL. */
function geminiTarget(url: URL | undefined): { model: string | null; stream: boolean } {
  const match = url ? GEMINI_MODEL_CALL.exec(url.pathname) : null;
  if (!match) return { model: null, stream: false };
  let model = match[1]!;
  try {
    model = decodeURIComponent(model);
  } catch {
    // A malformed escape: keep the name as it stands.
  }
  return { model, stream: match[2] === 'streamGenerateContent' };
}

function readFunctionResponse(scanner: JsonScanner, figures: RequestFigures): void {
  let bytes = 0;
  let head: string | null = null;
  forEachMember(scanner, (key) => {
    if (key !== 'response') return false;
    head = scanner.headOf(HEAD_CHARS, () => (bytes = scanner.valueBytes()));
    return true;
  });
  addToolResult(figures, bytes, head);
}

function readFunctionCall(scanner: JsonScanner, figures: RequestFigures): void {
  let id: string | null = null;
  let args: string | null = null;
  forEachMember(scanner, (key) => {
    if (key === 'id') id = scanner.readString();
    else if (key === 'args') args = callArgumentsHead(scanner);
    else return false;
    return true;
  });
  if (args !== null) addHistoryCall(figures, id, args);
}

function readParts(scanner: JsonScanner, figures: RequestFigures): void {
  forEachElement(scanner, () => {
    forEachMember(scanner, (key) => {
      if (key === 'functionResponse' || key === 'function_response') readFunctionResponse(scanner, figures);
      else if (key === 'functionCall' || key === 'function_call') readFunctionCall(scanner, figures);
      else return false;
      return true;
    });
  });
}

function readContents(scanner: JsonScanner, figures: RequestFigures): void {
  readConversation(scanner, figures, () => {
    forEachMember(scanner, (key) => {
      if (key !== 'parts') return false;
      readParts(scanner, figures);
      return true;
    });
    return false;
  });
}

/** Each function declaration is a tool; so is an entry offering none (a built-in such as search). */
function readTools(scanner: JsonScanner, figures: RequestFigures): void {
  readToolsArray(scanner, figures, () => {
    let declarations = -1;
    forEachMember(scanner, (key) => {
      if (key !== 'functionDeclarations' && key !== 'function_declarations') return false;
      declarations = forEachElement(scanner, () => scanner.skipValue());
      return true;
    });
    return declarations >= 0 ? declarations : 1;
  });
}

function readTopLevel(key: string, scanner: JsonScanner, figures: RequestFigures): boolean {
  if (key === 'systemInstruction' || key === 'system_instruction') figures.systemBytes += scanner.valueBytes();
  else if (key === 'contents') readContents(scanner, figures);
  else if (key === 'tools') readTools(scanner, figures);
  else return false;
  return true;
}

function parseGeminiRequest(body: string, url?: URL): RequestFigures | null {
  const figures = scanRequestBody(body, 'gemini', ['contents'], readTopLevel);
  if (figures) Object.assign(figures, geminiTarget(url));
  return figures;
}

/** Usage is cumulative in every chunk. Thinking tokens are output the model produced and billed. */
function readUsage(usage: unknown, figures: ResponseFigures): void {
  if (!isObject(usage)) return;
  figures.inputTokens = numberOr(usage.promptTokenCount, figures.inputTokens);
  const candidates = numberOr(usage.candidatesTokenCount, null);
  const thoughts = numberOr(usage.thoughtsTokenCount, null);
  if (candidates !== null || thoughts !== null) figures.outputTokens = (candidates ?? 0) + (thoughts ?? 0);
  figures.cachedTokens = numberOr(usage.cachedContentTokenCount, figures.cachedTokens);
}

function readCandidate(candidate: unknown, figures: ResponseFigures): void {
  if (!isObject(candidate)) return;
  const content = isObject(candidate.content) ? candidate.content : {};
  for (const part of asArray(content.parts)) {
    const call = isObject(part) ? part.functionCall : undefined;
    if (isObject(call) && typeof call.name === 'string') addToolCall(figures, call.name);
  }
  if (typeof candidate.finishReason === 'string') figures.finishReason = candidate.finishReason;
}

function consumeGeminiValue(value: unknown, figures: ResponseFigures): boolean {
  if (!isObject(value)) return false;
  if (value.error !== undefined) return setFinishReason(figures, 'error');
  readUsage(value.usageMetadata, figures);
  for (const candidate of asArray(value.candidates)) readCandidate(candidate, figures);
  return Array.isArray(value.candidates) || isObject(value.usageMetadata) || isObject(value.promptFeedback);
}

const consume: ValueConsumer = (value, _event, figures) => consumeGeminiValue(value, figures);

export const geminiParser: WireParser = {
  format: 'gemini',
  parseRequest: parseGeminiRequest,
  observeResponse: (contentType) => observeWith(contentType, consume),
};
