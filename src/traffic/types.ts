// The common shape every wire format's parser produces: what a model request carried and what
// its (streamed) response said, as sizes, counts, token figures and tool names, never text.

export type WireFormat = 'openai-chat' | 'anthropic' | 'openai-responses' | 'gemini';

/** What one model request carried. Byte figures are UTF-8 bytes. */
export interface RequestFigures {
  format: WireFormat;
  model: string | null;
  stream: boolean;
  /** The whole body as sent. */
  totalBytes: number;
  /**
   * The system prompt as sent (JSON bytes of its value): OpenAI chat `system`/`developer`
   * messages, Anthropic `system`, responses `instructions` and developer/system input items,
   * Gemini `systemInstruction`.
   */
  systemBytes: number;
  /** Tool definitions offered, and the JSON bytes of the tools array (all of them) as sent. */
  toolSchemaCount: number;
  toolSchemaBytes: number;
  /** The conversation (messages / input items / contents) without the system part, JSON bytes as sent. */
  historyBytes: number;
  /** Conversation items (system ones included): messages, input items or contents. */
  messageCount: number;
  /**
   * Tool results carried in the history: count, and the UTF-8 bytes of their text once decoded
   * (Gemini: of each functionResponse's `response` as JSON), total and largest.
   */
  toolResultCount: number;
  toolResultBytes: number;
  toolResultLargest: number;
  /** Tool results the CLI sent cut (its notice at their head), the newest MAX_TRUNCATED_LISTED; absent from older agents. */
  truncated?: TruncatedResult[];
  /**
   * Tool calls in the history whose arguments name a path where the CLI saved an output it cut
   * earlier in the same history (read-backs), as keys, the newest MAX_READ_BACKS_LISTED; absent from older agents.
   */
  readBacks?: number[];
  /** Saved outputs whose paths were forgotten for read-backs (past the newest MAX_TRUNCATED_LISTED of one request). */
  savedUntracked?: number;
}

/** A tool result sent in a cut form. Every later request carries it again: `key` tells it apart. */
export interface TruncatedResult {
  /** A hash of its head (which names the file the CLI saved), never the text. */
  key: number;
  /** UTF-8 bytes as sent. */
  sentBytes: number;
  /** The CLI said it kept the whole output in a file. */
  saved: boolean;
  /** The original size the CLI stated (rounded as it wrote it), or null. */
  statedBytes: number | null;
}

/** What one response said. Token figures are null when the response did not report them. */
export interface ResponseFigures {
  inputTokens: number | null;
  outputTokens: number | null;
  /** Input tokens served from a cache (OpenAI cached_tokens, Anthropic cache_read_input_tokens, Gemini cachedContentTokenCount). */
  cachedTokens: number | null;
  /** Tool calls the model asked for, and their names in order. */
  toolCalls: number;
  toolNames: string[];
  finishReason: string | null;
  /** Bytes and SSE events (or 1 for a JSON body) received. */
  bytes: number;
  events: number;
  /** The body could not be understood (counted, never thrown). */
  unparsed: boolean;
}

/** Fed the response body chunk by chunk as the CLI reads it; keeps no more than a partial line. */
export interface ResponseObserver {
  /** Never throws: what cannot be read is counted as malformed. */
  push(chunk: Uint8Array): void;
  end(): ResponseFigures;
}

export interface WireParser {
  format: WireFormat;
  /**
   * null when the body is not a request of this format (malformed, another API). Never throws.
   * `url` (optional) is the request's URL: Gemini names the model and streaming there, not in the body.
   */
  parseRequest(body: string, url?: URL): RequestFigures | null;
  /** `contentType` tells a stream (text/event-stream) from one JSON body. */
  observeResponse(contentType: string | null): ResponseObserver;
}

/** Memory at a span boundary, read in the process that opened the span. */
export interface SpanMemory {
  rss: number;
  heapUsed: number;
}

/** A model request the CLI sent (seen by the fetch tap), with what its body carried. */
export interface ModelRequestMessage {
  k: 'model_request';
  /** Pairs the request with its response, within this process. */
  id: number;
  /** When the CLI called fetch. */
  t: number;
  format: WireFormat;
  /** null when the body could not be read or understood (counted as unparsed). */
  figures: RequestFigures | null;
  mem: SpanMemory;
}

/** Its response, once the CLI has read it to the end (or given up on it). */
export interface ModelResponseMessage {
  k: 'model_response';
  id: number;
  t: number;
  /** When the first body chunk arrived (null: no body, or an error first). */
  firstChunkAt: number | null;
  status: number | null;
  figures: ResponseFigures | null;
  /** The error's class name when the request failed or the stream broke; never its message. */
  error: string | null;
  mem: SpanMemory;
}

/** What the tap writes to the channel. */
export type ModelCallMessage = ModelRequestMessage | ModelResponseMessage;
