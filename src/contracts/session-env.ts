// session.env: what a session's collector needs to know of the environment the CLI ran in.
// The wrapper (sh) writes it as its shell's `export -p` prints the environment (dash:
// `export K='v'"'"'s'`, bash: `export K="v"` or `declare -x K="v"`), filtered to QWEN_OTEL_* and
// OTEL_* lines, after the CLI has started (off its start path); the preload writes the same form.
import { SESSION_ENV_END } from './session-layout';

const KEPT = /^(QWEN_OTEL_|OTEL_)[A-Z0-9_]*$/;
const MAX_VALUE = 4096;

export type SessionEnv = Record<string, string>;

/** The variables of a complete session.env, or null while its writer has not written `end`. */
export function parseSessionEnv(text: string): SessionEnv | null {
  const lines = text.split('\n');
  if (!lines.includes(SESSION_ENV_END)) return null;
  const env: SessionEnv = {};
  for (const line of lines) {
    const parsed = parseLine(line.replace(/^(export|declare -x) /, ''));
    if (parsed) env[parsed[0]] = parsed[1];
  }
  return env;
}

/** session.env for a process that has its settings in hand (the preload). */
export function formatSessionEnv(meta: SessionEnv, env: Record<string, string | undefined>): string {
  const lines: string[] = [];
  for (const [key, value] of [...Object.entries(meta), ...Object.entries(env)]) {
    if (value !== undefined && KEPT.test(key) && !value.includes('\n') && value.length <= MAX_VALUE) {
      lines.push(`export ${key}='${value.replaceAll("'", `'"'"'`)}'`);
    }
  }
  return `${lines.join('\n')}\n${SESSION_ENV_END}\n`;
}

function parseLine(line: string): [string, string] | null {
  const eq = line.indexOf('=');
  if (eq <= 0) return null;
  const key = line.slice(0, eq);
  if (!KEPT.test(key)) return null;
  const value = shellWord(line.slice(eq + 1));
  return value === null || value.length > MAX_VALUE ? null : [key, value];
}

/**
 * One shell word as `export -p` quotes it: single-quoted, double-quoted (with \" \\ \$ \`
 * escapes) and bare segments, concatenated. null when a quote is left open (a value with a
 * newline, which no setting of ours has).
 */
export function shellWord(text: string): string | null {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) return null;
      out += text.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      i += 1;
      for (; i < text.length && text[i] !== '"'; i += 1) {
        if (text[i] === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1])) i += 1;
        out += text[i];
      }
      if (i >= text.length) return null;
      i += 1;
    } else {
      out += c === '\\' && i + 1 < text.length ? text[++i] : c;
      i += 1;
    }
  }
  return out;
}
