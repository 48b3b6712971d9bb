/**
 * A tool result the CLI cut before sending it, told from the notice each CLI puts at its head
 * (learnt from real runs against the scripted model server with 300 KB and 5 MiB shell outputs).
 * Only the head is looked at; what leaves is whether it was cut and saved, the size the CLI
 * states, and a hash that tells one result from another when later requests carry it again.
 */
import type { TruncatedResult } from './types';

/** Characters of a result's head (as sent, escapes kept) that are looked at. Qwen's notice ends before 600. */
export const HEAD_CHARS = 600;

interface Notice {
  /** The CLI sent a cut form of the output. */
  cut: RegExp;
  /** ... and kept the whole of it in a file. */
  saved: RegExp;
  /** The original size, where the CLI states it: a number and a unit. */
  size?: RegExp;
}

const NOTICES: Notice[] = [
  // Qwen Code 0.15.10 (a 300 KB output became a 25.9 KB message; the full one went to ~/.qwen/tmp/…/*.output).
  { cut: /Tool output was too large and has been truncated\./, saved: /The full output has been saved to: / },
  // Claude Code 2.1.112 (5 MiB: a 2,198-byte preview; the output went to …/tool-results/*.txt).
  {
    cut: /^(?:"|\[\{"type":"text","text":")<persisted-output>/,
    saved: /Full output saved to: /,
    size: /Output too large \((\d+(?:\.\d+)?)\s*(B|KB|MB|GB)\)/,
  },
];

const UNIT: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };

/** null when the head carries no CLI's truncation notice. `sentBytes` is the result's size as sent. */
export function truncationOf(head: string, sentBytes: number): TruncatedResult | null {
  for (const notice of NOTICES) {
    if (!notice.cut.test(head)) continue;
    const size = notice.size?.exec(head);
    return {
      key: fnv1a(head),
      sentBytes,
      saved: notice.saved.test(head),
      statedBytes: size ? Math.round(Number(size[1]) * UNIT[size[2]]) : null,
    };
  }
  return null;
}

/** 32-bit FNV-1a: the saved file's name in the notice makes each cut result's head unique. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
