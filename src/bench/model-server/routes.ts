/**
 * Which answer a method and path get. Besides the four model APIs, the CLIs make a few
 * calls that need a sensible answer to go on: Claude Code's `HEAD /` reachability probe
 * and token counts, Gemini CLI's token counts and model lookups, model lists.
 */
import { anthropicError, anthropicHandler, countTokensBody } from './anthropic';
import { geminiCountTokens, geminiError, geminiHandler, geminiModel, geminiPath } from './gemini';
import { errorBody, MOCK_MODEL_ID, modelsList } from './openai-chat';
import { openAiChatHandler } from './openai-chat-request';
import { responsesHandler } from './responses';
import type { FormatHandler, WireFormat } from './wire';

export type Route =
  | { kind: 'model'; handler: FormatHandler }
  | { kind: 'fixed'; format: WireFormat | 'none'; answer: (requestBytes: number) => object }
  | { kind: 'empty' };

const POST_ROUTES: Record<string, Route> = {
  '/v1/chat/completions': { kind: 'model', handler: openAiChatHandler },
  '/v1/messages': { kind: 'model', handler: anthropicHandler },
  '/v1/messages/count_tokens': { kind: 'fixed', format: 'anthropic', answer: countTokensBody },
  '/v1/responses': { kind: 'model', handler: responsesHandler },
};

const GET_ROUTES: Record<string, Route> = {
  '/': { kind: 'empty' },
  '/v1/models': { kind: 'fixed', format: 'none', answer: modelsList },
  '/v1beta/models': { kind: 'fixed', format: 'gemini', answer: () => ({ models: [geminiModel(MOCK_MODEL_ID)] }) },
};

export function findRoute(method: string, pathname: string): Route | undefined {
  if (method === 'POST') return POST_ROUTES[pathname] ?? geminiPostRoute(pathname);
  if (method === 'GET' || method === 'HEAD') return GET_ROUTES[pathname] ?? geminiModelRoute(pathname);
  return undefined;
}

function geminiPostRoute(pathname: string): Route | undefined {
  const target = geminiPath(pathname);
  if (!target) return undefined;
  if (target.method === 'generateContent' || target.method === 'streamGenerateContent') return { kind: 'model', handler: geminiHandler };
  if (target.method === 'countTokens') return { kind: 'fixed', format: 'gemini', answer: geminiCountTokens };
  return undefined;
}

function geminiModelRoute(pathname: string): Route | undefined {
  const match = /^\/v1(?:beta|alpha)?\/models\/([^/:]+)$/.exec(pathname);
  if (!match) return undefined;
  const model = decodeURIComponent(match[1] ?? '');
  return { kind: 'fixed', format: 'gemini', answer: () => geminiModel(model) };
}

/** An error body in the format's own shape (every shape has `error.message`). */
export function formatError(format: WireFormat | 'none', status: number, message: string): object {
  if (format === 'anthropic') return anthropicError(message, status === 404 ? 'not_found_error' : 'invalid_request_error');
  if (format === 'gemini') return geminiError(status, message, status === 404 ? 'NOT_FOUND' : 'INVALID_ARGUMENT');
  return errorBody(message, status === 404 ? 'not_found_error' : 'invalid_request_error');
}
