import type { ChatReply } from './openai-chat';

/**
 * The turn script of the mock model, and how one request picks its reply.
 *
 * The server keeps no state between requests: a request's step is the number of
 * `role: "tool"` messages it carries, so concurrent sessions never interfere and
 * a replayed conversation gets the same replies.
 */

export type ScriptStep = { toolCall: { name: string; arguments: Record<string, unknown> } } | { text: string };
export type Script = ScriptStep[];

/** main: a turn of the agent loop; json-side: a structured side query; plain-side: no tools offered. */
export type RequestKind = 'main' | 'json-side' | 'plain-side';

export interface Selection {
  kind: RequestKind;
  stepIndex: number;
  reply: ChatReply;
}

export interface ChatRequest {
  messages: unknown[];
  tools?: unknown;
  stream?: unknown;
  response_format?: unknown;
}

type JsonSchema = Record<string, unknown>;

export const DEFAULT_FINAL_TEXT = 'Done.';

/**
 * Qwen Code's shell tool requires only `command` (checked on 0.15.10's schema);
 * missing required arguments would be filled from the offered schema anyway.
 */
export const DEFAULT_QWEN_SCRIPT: Script = [
  { toolCall: { name: 'run_shell_command', arguments: { command: 'echo qwen-otel-one' } } },
  { toolCall: { name: 'run_shell_command', arguments: { command: 'echo qwen-otel-two' } } },
  { text: DEFAULT_FINAL_TEXT },
];

/** Qwen Code's `BaseLlmClient.generateJson` asks for JSON through this single forced tool. */
export const SCHEMA_TOOL_NAME = 'respond_in_schema';

export function isChatRequest(body: unknown): body is ChatRequest {
  return isObject(body) && Array.isArray(body.messages);
}

function toolMessages(messages: unknown[]): Record<string, unknown>[] {
  return messages.filter((message): message is Record<string, unknown> => isObject(message) && message.role === 'tool');
}

export function countToolResults(messages: unknown[]): number {
  return toolMessages(messages).length;
}

/** UTF-8 bytes of the text carried by `role: "tool"` messages. */
export function toolResultTextBytes(messages: unknown[]): number {
  return toolMessages(messages).reduce((sum, message) => sum + Buffer.byteLength(messageText(message.content), 'utf8'), 0);
}

export function selectReply(request: ChatRequest, script: Script): Selection {
  const stepIndex = countToolResults(request.messages);
  const tools = offeredTools(request);
  const schemaTool = tools.get(SCHEMA_TOOL_NAME);
  if (schemaTool) {
    const argumentsJson = JSON.stringify(sampleFromSchema(schemaTool));
    return { kind: 'json-side', stepIndex, reply: toolCallReply(`call_schema_${stepIndex}`, SCHEMA_TOOL_NAME, argumentsJson) };
  }
  const format = responseFormatSchema(request.response_format);
  if (format !== undefined) {
    return { kind: 'json-side', stepIndex, reply: { kind: 'text', text: JSON.stringify(sampleFromSchema(format)) } };
  }
  if (tools.size === 0) {
    const text = asksForJson(request.messages) ? '{}' : finalText(script);
    return { kind: 'plain-side', stepIndex, reply: { kind: 'text', text } };
  }
  return { kind: 'main', stepIndex, reply: scriptedReply(script, stepIndex, tools) };
}

function scriptedReply(script: Script, stepIndex: number, tools: Map<string, JsonSchema>): ChatReply {
  const step = script[stepIndex];
  if (!step || !('toolCall' in step)) return { kind: 'text', text: step ? step.text : finalText(script) };
  const schema = tools.get(step.toolCall.name);
  // A step whose tool is not offered (e.g. a sub-agent with fewer tools) ends the turn instead.
  if (!schema) return { kind: 'text', text: finalText(script) };
  const args = withRequiredArguments(step.toolCall.arguments, schema);
  return toolCallReply(`call_${stepIndex}`, step.toolCall.name, JSON.stringify(args));
}

function toolCallReply(id: string, name: string, argumentsJson: string): ChatReply {
  return { kind: 'tool_call', id, name, argumentsJson };
}

/** The last text step of the script, or a short default. */
export function finalText(script: Script): string {
  for (let i = script.length - 1; i >= 0; i--) {
    const step = script[i];
    if (step && 'text' in step) return step.text;
  }
  return DEFAULT_FINAL_TEXT;
}

/** Tool name → parameters schema, for OpenAI `tools: [{type:"function", function:{name, parameters}}]`. */
export function offeredTools(request: ChatRequest): Map<string, JsonSchema> {
  const tools = new Map<string, JsonSchema>();
  if (!Array.isArray(request.tools)) return tools;
  for (const tool of request.tools) {
    const fn = isObject(tool) && isObject(tool.function) ? tool.function : undefined;
    if (fn && typeof fn.name === 'string') tools.set(fn.name, isObject(fn.parameters) ? fn.parameters : {});
  }
  return tools;
}

function responseFormatSchema(format: unknown): JsonSchema | undefined {
  if (!isObject(format)) return undefined;
  if (format.type === 'json_object') return { type: 'object' };
  if (format.type !== 'json_schema') return undefined;
  const wrapper = isObject(format.json_schema) ? format.json_schema : {};
  return isObject(wrapper.schema) ? wrapper.schema : { type: 'object' };
}

function asksForJson(messages: unknown[]): boolean {
  const instructions = messages.filter((m) => isObject(m) && (m.role === 'system' || m.role === 'user'));
  const last = instructions[instructions.length - 1];
  return isObject(last) && /\bJSON\b/.test(messageText(last.content));
}

export function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part) => (isObject(part) && typeof part.text === 'string' ? part.text : '')).join('');
}

/** Adds required properties that the script left out, with values sampled from their schema. */
export function withRequiredArguments(args: Record<string, unknown>, schema: JsonSchema): Record<string, unknown> {
  const complete = { ...args };
  const properties = isObject(schema.properties) ? schema.properties : {};
  for (const name of requiredNames(schema)) {
    if (!(name in complete)) complete[name] = sampleFromSchema(asSchema(properties[name]));
  }
  return complete;
}

/**
 * A small value matching a JSON schema's shape: first enum value (Qwen's next-speaker
 * check lists "user" first, which ends the turn), "mock" strings, 0, false, [].
 * Objects get their required properties, or all of them when none is required.
 */
export function sampleFromSchema(schema: JsonSchema): unknown {
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if ('const' in schema) return schema.const;
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string':
      return 'mock';
    case 'number':
    case 'integer':
      return typeof schema.minimum === 'number' ? schema.minimum : 0;
    case 'boolean':
      return false;
    case 'array':
      return [];
    case 'null':
      return null;
    default:
      return sampleObject(schema);
  }
}

function sampleObject(schema: JsonSchema): Record<string, unknown> {
  const properties = isObject(schema.properties) ? schema.properties : {};
  const required = requiredNames(schema);
  const names = required.length > 0 ? required : Object.keys(properties);
  return Object.fromEntries(names.map((name) => [name, sampleFromSchema(asSchema(properties[name]))]));
}

function requiredNames(schema: JsonSchema): string[] {
  return Array.isArray(schema.required) ? schema.required.filter((n): n is string => typeof n === 'string') : [];
}

function asSchema(value: unknown): JsonSchema {
  return isObject(value) ? value : {};
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
