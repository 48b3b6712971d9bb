/** JSON text at the character level: structural codes and escapes, for the scanner and the splitter. */

export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const COMMA = 0x2c;
export const COLON = 0x3a;
export const OPEN_BRACE = 0x7b;
export const CLOSE_BRACE = 0x7d;
export const OPEN_BRACKET = 0x5b;
export const CLOSE_BRACKET = 0x5d;

export function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

const LOWER_U = 0x75;

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/** The code unit written as four hex digits at `at`; -1 when they are not hex. */
function hex4(text: string, at: number): number {
  let value = 0;
  for (let i = at; i < at + 4; i++) {
    const digit = hexValue(text.charCodeAt(i));
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}

/** UTF-8 bytes of one UTF-16 code unit written as `\uXXXX` (a lone surrogate encodes as U+FFFD: 3). */
function unitBytes(unit: number): number {
  if (unit < 0) return 1;
  return unit < 0x80 ? 1 : unit < 0x800 ? 2 : 3;
}

/**
 * UTF-8 bytes saved by decoding the escape at `at` (a backslash): 1 for `\n` and the like,
 * 3 to 5 for `\uXXXX`, 8 for a surrogate pair written as two escapes (12 characters, 4 bytes).
 */
export function escapeSavings(text: string, at: number): number {
  if (text.charCodeAt(at + 1) !== LOWER_U) return 1;
  const unit = hex4(text, at + 2);
  if (unit >= 0xd800 && unit <= 0xdbff && text.charCodeAt(at + 6) === BACKSLASH && text.charCodeAt(at + 7) === LOWER_U) {
    const low = hex4(text, at + 8);
    if (low >= 0xdc00 && low <= 0xdfff) return 12 - 4;
  }
  return 6 - unitBytes(unit);
}

/** Characters of an escape, told by what it saves (each kind saves a different amount). */
export function escapeLength(saved: number): number {
  return saved === 1 ? 2 : saved === 8 ? 12 : 6;
}
