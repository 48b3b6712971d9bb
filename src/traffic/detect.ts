/** Which model API a request speaks, from its method and URL path (base URLs vary: match the end). */
import type { WireFormat } from './types';

/** A Gemini model call; captures the model and the method. */
export const GEMINI_MODEL_CALL = /\/(?:models|tunedModels)\/([^/:]+):(streamGenerateContent|generateContent)$/;

export function detectFormat(url: URL, method: string): WireFormat | null {
  if (method.toUpperCase() !== 'POST' || (url.protocol !== 'http:' && url.protocol !== 'https:')) return null;
  const path = url.pathname.endsWith('/') ? url.pathname.slice(0, -1) : url.pathname;
  if (path.endsWith('/chat/completions')) return 'openai-chat';
  if (path.endsWith('/v1/messages')) return 'anthropic';
  if (path.endsWith('/responses')) return 'openai-responses';
  if (GEMINI_MODEL_CALL.test(path)) return 'gemini';
  return null;
}
