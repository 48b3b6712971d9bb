import { chatWireRequest, type ChatRequest } from './openai-chat-request';
import { isObject, type JsonSchema, type ScriptedReply, type WireFormat, type WireRequest } from './wire';

/**
 * The turn script of the mock model, and how one request picks its reply.
 *
 * The server keeps no state between requests: a request's step is the number of tool
 * results it carries (per format: `role:"tool"` messages, `tool_result` blocks,
 * `function_call_output` items, `functionResponse` parts), so concurrent sessions never
 * interfere and a replayed conversation gets the same replies.
 */

export type ScriptStep = { toolCall: { name: string; arguments: Record<string, unknown> } } | { mcpCall: McpCall } | { text: string };

/** A tool of an MCP server, called under whatever name the CLI offers it. */
export interface McpCall {
  server: string;
  tool: string;
  arguments: Record<string, unknown>;
}
export type Script = ScriptStep[];

/**
 * Stands for the path where the CLI saved the output it cut last (the newest tool result's notice
 * names it) in a step's string arguments: the model reads a saved output back. Without one, the
 * step ends the turn instead.
 */
export const SAVED_OUTPUT = '{saved output}';

/** The final answer of a script that ends without one of its own. */
export const DEFAULT_FINAL_TEXT = 'Done.';

/** main: a turn of the agent loop; json-side: a structured side query; plain-side: no tools offered. */
export type RequestKind = 'main' | 'json-side' | 'plain-side';

export interface Selection {
  kind: RequestKind;
  stepIndex: number;
  reply: ScriptedReply;
}

// Kept here for the tests of the first, chat-only version of this module.
export type { ChatRequest } from './openai-chat-request';

/** Qwen Code's `BaseLlmClient.generateJson` asks for JSON through this single forced tool. */
export const SCHEMA_TOOL_NAME = 'respond_in_schema';

/** Selection for an OpenAI chat-completions request (kept for callers of the first version). */
export function selectReply(request: ChatRequest, script: Script): Selection {
  return selectStep(chatWireRequest(request), script);
}

/** The reply to a request of any format: side queries first, then the script step. */
export function selectStep(request: WireRequest, script: Script): Selection {
  const stepIndex = request.toolResultCount;
  const schemaTool = request.tools.get(SCHEMA_TOOL_NAME);
  if (schemaTool) {
    const argumentsJson = JSON.stringify(sampleFromSchema(schemaTool));
    return {
      kind: 'json-side',
      stepIndex,
      reply: toolCallReply(callId(request.format, `schema_${stepIndex}`), SCHEMA_TOOL_NAME, argumentsJson),
    };
  }
  if (request.jsonSchema !== undefined) {
    return { kind: 'json-side', stepIndex, reply: { kind: 'text', text: JSON.stringify(sampleFromSchema(request.jsonSchema)) } };
  }
  if (request.tools.size === 0) {
    const text = request.asksForJson ? '{}' : finalText(script);
    return { kind: 'plain-side', stepIndex, reply: { kind: 'text', text } };
  }
  return { kind: 'main', stepIndex, reply: scriptedReply(script, stepIndex, request) };
}

function scriptedReply(script: Script, stepIndex: number, request: WireRequest): ScriptedReply {
  const step = script[stepIndex];
  if (!step || 'text' in step) return { kind: 'text', text: step ? step.text : finalText(script) };
  const call = 'toolCall' in step ? step.toolCall : resolveMcpCall(step.mcpCall, request.tools);
  const schema = call && request.tools.get(call.name);
  // A step whose tool is not offered (a sub-agent with fewer tools, an MCP server not configured)
  // ends the turn instead.
  const named = call && withSavedOutput(call.arguments, request.savedOutputPath);
  if (!call || !schema || !named) return { kind: 'text', text: finalText(script) };
  const args = withRequiredArguments(named, schema);
  return toolCallReply(callId(request.format, String(stepIndex)), call.name, JSON.stringify(args));
}

/**
 * The names CLIs give an MCP server's tool: `mcp__SERVER__TOOL` (Claude Code 2.1.112, Qwen Code
 * 0.15.10, Codex), `mcp_SERVER_TOOL` (Gemini CLI 0.61.0).
 */
export function mcpToolNames(server: string, tool: string): string[] {
  return [`mcp__${server}__${tool}`, `mcp_${server}_${tool}`];
}

function resolveMcpCall(call: McpCall, offered: Map<string, JsonSchema>): { name: string; arguments: Record<string, unknown> } | null {
  const name = mcpToolNames(call.server, call.tool).find((candidate) => offered.has(candidate));
  return name ? { name, arguments: call.arguments } : null;
}

/** The arguments with SAVED_OUTPUT replaced by the path; null when they need one and there is none. */
function withSavedOutput(args: Record<string, unknown>, path: string | undefined): Record<string, unknown> | null {
  const needs = Object.values(args).some((value) => typeof value === 'string' && value.includes(SAVED_OUTPUT));
  if (!needs) return args;
  if (!path) return null;
  return Object.fromEntries(Object.entries(args).map(([k, v]) => [k, typeof v === 'string' ? v.replaceAll(SAVED_OUTPUT, path) : v]));
}

/** Call ids in each API's own style, derived from the step only (no time, no chance). */
function callId(format: WireFormat, suffix: string): string {
  return format === 'anthropic' ? `toolu_mock_${suffix}` : `call_${suffix}`;
}

function toolCallReply(id: string, name: string, argumentsJson: string): ScriptedReply {
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
 * A small value matching a JSON schema's shape: first enum value (Qwen's and Gemini's
 * next-speaker checks list "user" first, which ends the turn), "mock" strings, 0, false, [].
 * Objects get their required properties, or all of them when none is required.
 * Type names are read case-blind: Gemini's schemas say "OBJECT", "STRING".
 */
export function sampleFromSchema(schema: JsonSchema): unknown {
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if ('const' in schema) return schema.const;
  const alternative = firstAlternative(schema);
  if (alternative) return sampleFromSchema(alternative);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (typeof type === 'string' ? type.toLowerCase() : type) {
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

function firstAlternative(schema: JsonSchema): JsonSchema | undefined {
  const options = schema.anyOf ?? schema.oneOf;
  return Array.isArray(options) && isObject(options[0]) ? options[0] : undefined;
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
