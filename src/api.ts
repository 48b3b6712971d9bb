// The typed API a CLI's own source can call for what only the CLI knows: phases, what a request
// carried, tool results, recoveries, compressions, subagents, tokens. Every call is a no-op
// unless QWEN_OTEL=1; with it on and no preload, the first call starts the agent.
// Values are sizes, counts, durations and short names: strings that look like content are dropped.
import type {
  AccountingKind,
  AccountingMessage,
  AccountingMessageOf,
  AccountingValues,
  Attributes,
  RequestValues,
  TokenValues,
} from './channel/protocol';

export type { Attributes };

export interface Phase {
  /** Ends the phase; attributes are added to its span. Ending twice does nothing. */
  end(attributes?: Attributes): void;
}

/** What a model request carried: sizes in UTF-8 bytes, counts, and the model's id. */
export type RequestFigures = RequestValues;

export interface ToolResultFigures {
  bytes: number;
  truncated?: boolean;
  tool?: string;
}

export interface CompressionFigures {
  beforeBytes: number;
  afterBytes: number;
  beforeMessages?: number;
  afterMessages?: number;
}

export type TokenFigures = TokenValues;

type AgentModule = typeof import('./agent/agent');
type Agent = NonNullable<ReturnType<AgentModule['startAgent']>>;

/**
 * An identifier (a tool name, an attribute key or value): letters, digits, `_.:-`, not starting
 * with a dot. No spaces, no slashes: sentences and paths are content. A model id may hold one
 * inner `/` (`Qwen/Qwen3-Coder`).
 */
const IDENTIFIER = /^(?=.{1,64}$)[A-Za-z0-9_:-][A-Za-z0-9_.:-]*$/;
const MODEL = /^(?=.{1,64}$)[A-Za-z0-9_:-][A-Za-z0-9_.:-]*(\/[A-Za-z0-9_.:-]+)?$/;
/** A phase name: an identifier, or an operation and an identifier or model (`chat qwen3-coder`). */
const PHASE_NAME = /^(?=.{1,96}$)[A-Za-z0-9_:-][A-Za-z0-9_.:-]*( [A-Za-z0-9_:-][A-Za-z0-9_.:-]*(\/[A-Za-z0-9_.:-]+)?)?$/;
/** Long unbroken runs and well-known key prefixes look like tokens, not names. */
const SECRET_LIKE = /[A-Za-z0-9]{24,}|^(sk-|ghp_|gho_|ghs_|github_pat_|AKIA|AIza|xox[abpr]-)/;
const NOOP: Phase = { end: () => undefined };
const openPhases: Array<{ id: number }> = [];
let nextId = 1;
let agentModule: AgentModule | null | undefined;

function agent(): Agent | null {
  const value = (process.env.QWEN_OTEL ?? '').trim().toLowerCase();
  if (!['1', 'true', 'on', 'yes'].includes(value)) return null;
  if (agentModule === undefined) {
    try {
      agentModule = require('./agent/agent') as AgentModule;
    } catch {
      agentModule = null;
    }
  }
  return agentModule?.startAgent() ?? null;
}

/** true when figures are being collected. */
export function isEnabled(): boolean {
  return agent() !== null;
}

/** Opens a phase span; nested by default under the innermost phase still open in this process. */
export function startPhase(name: string, attributes: Attributes = {}, parent?: Phase): Phase {
  const a = agent();
  if (!a) return NOOP;
  const id = nextId++;
  const parentId = parent ? idOf(parent) : (openPhases[openPhases.length - 1]?.id ?? null);
  const record = { id };
  openPhases.push(record);
  quietly(() =>
    a.send({ k: 'start', id, parent: parentId, name: safeName(name), t: Date.now(), mem: a.memory(), attrs: clean(attributes) }),
  );
  let ended = false;
  const phase: Phase & { id: number } = {
    id,
    end(endAttributes: Attributes = {}): void {
      if (ended) return;
      ended = true;
      const at = openPhases.indexOf(record);
      if (at >= 0) openPhases.splice(at, 1);
      quietly(() => a.send({ k: 'end', id, t: Date.now(), mem: a.memory(), attrs: clean(endAttributes) }));
    },
  };
  return phase;
}

/** Runs fn inside a phase; a promise ends the phase when it settles. Off, it is just fn(). */
export function phase<T>(name: string, fn: () => T, attributes?: Attributes): T {
  if (!agent()) return fn();
  const handle = startPhase(name, attributes);
  let result: T;
  try {
    result = fn();
  } catch (error) {
    handle.end({ 'qwen_otel.phase.failed': true });
    throw error;
  }
  if (result instanceof Promise) {
    return result.then(
      (value) => {
        handle.end();
        return value;
      },
      (error: unknown) => {
        handle.end({ 'qwen_otel.phase.failed': true });
        throw error;
      },
    ) as T;
  }
  handle.end();
  return result;
}

export function recordRequest(figures: RequestFigures): void {
  account('request', figures);
}

export function recordToolResult(figures: ToolResultFigures): void {
  account('tool_result', figures);
}

export function recordSavedOutputRecovery(figures: { bytes?: number } = {}): void {
  account('saved_output_recovery', figures);
}

export function recordTruncation(figures: { bytes?: number } = {}): void {
  account('truncation', figures);
}

export function recordCompression(figures: CompressionFigures): void {
  account('compression', figures);
}

export function recordTokens(figures: TokenFigures): void {
  account('tokens', figures);
}

/** A subagent's lifetime as an `invoke_agent {name}` span; end it when the subagent finishes. */
export function startSubagent(name: string): Phase {
  account('subagent_start', { name });
  const agentName = IDENTIFIER.test(name) && !SECRET_LIKE.test(name) ? name : 'unnamed';
  const span = startPhase(`invoke_agent ${agentName}`, { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.agent.name': agentName });
  return {
    end(attributes?: Attributes): void {
      span.end(attributes);
      account('subagent_end', { name });
    },
  };
}

function account<K extends AccountingKind>(kind: K, values: AccountingValues[K]): void {
  const a = agent();
  if (!a) return;
  quietly(() => {
    // clean() only drops fields, and every field of AccountingValues is optional: still one of its kind.
    const message: AccountingMessageOf<K> = { k: 'account', kind, t: Date.now(), values: clean(values) as AccountingValues[K] };
    a.send(message as AccountingMessage);
  });
}

/** Telemetry never throws into the CLI (reading memory can fail, e.g. out of file descriptors). */
function quietly(fn: () => void): void {
  try {
    fn();
  } catch {
    // Dropped.
  }
}

function idOf(phase: Phase): number | null {
  const id = (phase as { id?: unknown }).id;
  return typeof id === 'number' ? id : null;
}

function safeName(name: string): string {
  return PHASE_NAME.test(name) && !SECRET_LIKE.test(name) ? name : 'unnamed';
}

/** Numbers, booleans and identifier-like strings pass; anything else is dropped. */
function clean(values: object | undefined): Attributes {
  const out: Attributes = {};
  for (const [key, value] of Object.entries(values ?? {}) as Array<[string, unknown]>) {
    if (!IDENTIFIER.test(key) || SECRET_LIKE.test(key)) continue;
    if (typeof value === 'number' && Number.isFinite(value)) out[key] = value;
    else if (typeof value === 'boolean') out[key] = value;
    else if (typeof value === 'string' && (key === 'model' ? MODEL : IDENTIFIER).test(value) && !SECRET_LIKE.test(value)) out[key] = value;
  }
  return out;
}
