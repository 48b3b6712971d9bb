/**
 * A tool result the CLI cut before sending it, told from the notice each CLI puts at its head
 * (learnt from real runs against the scripted model server with 300 KB and 5 MiB shell outputs).
 * Only the head is looked at; what leaves is whether it was cut and saved, the size the CLI
 * states, and a hash that tells one result from another when later requests carry it again.
 */
import type { TruncatedResult } from './types';

/** Characters of a result's head (as sent, escapes kept) that are looked at. Qwen's notice ends before 600. */
export const HEAD_CHARS = 600;

/**
 * A path as it stands in raw JSON, in a notice or in a tool call's arguments: it ends at
 * whitespace, an escape (`\n` after it in every notice), a quote or a shell metacharacter.
 */
const PATH = String.raw`(\/[^\s"'\\;|&<>()\x60$]+)`;

interface Notice {
  /** The CLI sent a cut form of the output. */
  cut: RegExp;
  /** ... and kept the whole of it in a file, whose path is the first group. */
  saved?: RegExp;
  /** The original size in bytes, where the CLI states it. */
  stated?: (head: string) => number | null;
}

const UNIT: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };

function statedWith(pattern: RegExp, bytesOf: (match: RegExpExecArray) => number): (head: string) => number | null {
  return (head) => {
    const match = pattern.exec(head);
    return match ? Math.round(bytesOf(match)) : null;
  };
}

const NOTICES: Notice[] = [
  // Qwen Code 0.15.10 (a 300 KB output became a 25.9 KB message; the full one went to ~/.qwen/tmp/…/*.output).
  { cut: /Tool output was too large and has been truncated\./, saved: new RegExp(`The full output has been saved to: ${PATH}`) },
  // Claude Code 2.1.112 (5 MiB: a 2,198-byte preview; the output went to …/tool-results/*.txt).
  {
    cut: /^(?:"|\[\{"type":"text","text":")<persisted-output>/,
    saved: new RegExp(`Full output saved to: ${PATH}`),
    stated: statedWith(/Output too large \((\d+(?:\.\d+)?)\s*(B|KB|MB|GB)\)/, (m) => Number(m[1]) * UNIT[m[2]!]!),
  },
  // Gemini CLI 0.61.0 (300 KB and 5 MiB alike: the first 8,000 and last 32,000 characters, 40.9 KB
  // as sent; the output went to ~/.gemini/tmp/…/tool-outputs/…/*.txt). It states no size.
  {
    cut: /^\{"output":"Output too large\. Showing first [\d,]+ and last [\d,]+ characters\./,
    saved: new RegExp(`For full output see: ${PATH}`),
  },
  // Codex 0.169.0 (300 KB and 5 MiB alike: ~10.2 KB as sent, cut in the middle, nothing saved). It
  // states the original size in tokens of its own 4-bytes-a-token estimate: 75,000 for 300,000 bytes,
  // 1,310,720 for 5 MiB. A result it did not cut says "Original token count" but no warning.
  {
    cut: /^"[^"]{0,300}?Output:\\nWarning: truncated output \(original token count: \d+\)/,
    stated: statedWith(/Warning: truncated output \(original token count: (\d+)\)/, (m) => Number(m[1]) * 4),
  },
];

/** null when the head carries no CLI's truncation notice. `sentBytes` is the result's size as sent. */
export function truncationOf(head: string, sentBytes: number): TruncatedResult | null {
  const notice = NOTICES.find((n) => n.cut.test(head));
  if (!notice) return null;
  return {
    key: fnv1a(head),
    sentBytes,
    saved: notice.saved?.test(head) === true,
    statedBytes: notice.stated?.(head) ?? null,
  };
}

/** A hash of the path where the CLI says it saved the whole output (head as truncationOf had it), or null. */
export function savedPathKey(head: string): number | null {
  const notice = NOTICES.find((n) => n.cut.test(head));
  const path = notice?.saved?.exec(head)?.[1];
  return path ? fnv1a(path) : null;
}

const PATHS = new RegExp(PATH, 'g');

/** Hashes of the absolute paths a tool call's arguments (raw JSON head) name, at most `max`. */
export function pathKeysIn(argumentsHead: string, max: number): number[] {
  const keys: number[] = [];
  for (const match of argumentsHead.matchAll(PATHS)) {
    if (keys.length >= max) break;
    keys.push(fnv1a(match[1]!));
  }
  return keys;
}

/** 32-bit FNV-1a: the saved file's name in the notice makes each cut result's head unique. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
