// `cli@branch[=COMMAND]` on the command line: which CLI preset, which branch label, and either a
// published version to install from npm or a command that runs a local build (or anything else).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { CLI_TARGETS, type CliName } from './registry';

export interface TargetSpec {
  /** `cli@branch`, the target's name in results and summaries. */
  label: string;
  cli: string;
  branch: string;
  /** The words of COMMAND, paths made absolute; null: install `<package>@<branch>` from npm. */
  command: string[] | null;
}

const LABEL_PART = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;
const EXACT_VERSION = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/;

export function isPresetCli(cli: string): cli is CliName {
  return Object.hasOwn(CLI_TARGETS, cli);
}

/** The default version of each preset, from the pinned spec in registry.ts. */
export function presetVersion(cli: CliName): string {
  const spec = CLI_TARGETS[cli].spec;
  return spec.slice(spec.lastIndexOf('@') + 1);
}

export function parseTarget(text: string, cwd = process.cwd()): TargetSpec {
  const equals = text.indexOf('=');
  const head = equals >= 0 ? text.slice(0, equals) : text;
  const commandText = equals >= 0 ? text.slice(equals + 1).trim() : null;
  const at = head.indexOf('@');
  const cli = at >= 0 ? head.slice(0, at) : head;
  const usage = 'expected cli@branch, cli@version or cli@branch="COMMAND"';
  if (!LABEL_PART.test(cli)) throw new Error(`target "${text}": "${cli}" is not a CLI name; ${usage}`);
  const branch = at >= 0 ? head.slice(at + 1) : isPresetCli(cli) && commandText === null ? presetVersion(cli) : '';
  if (!LABEL_PART.test(branch)) throw new Error(`target "${text}": "${branch}" is not a branch or version name; ${usage}`);
  const label = `${cli}@${branch}`;
  if (commandText !== null) {
    if (commandText === '') throw new Error(`target "${text}": the command after "=" is empty`);
    return { label, cli, branch, command: absoluteWords(splitWords(commandText, text), cwd) };
  }
  if (!isPresetCli(cli)) {
    throw new Error(
      `target "${text}": "${cli}" has no preset (${Object.keys(CLI_TARGETS).join(', ')}); give its command: ${label}="COMMAND"`,
    );
  }
  if (!EXACT_VERSION.test(branch)) {
    throw new Error(
      `target "${text}": "${branch}" is not a published version; for a local build give its command: ${label}="node ../path/to/cli.js"`,
    );
  }
  return { label, cli, branch, command: null };
}

/** Shell-like words: spaces separate, single and double quotes group, backslash escapes. */
export function splitWords(text: string, where: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) word += text[++i];
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      word ??= '';
    } else if (c === '\\' && i + 1 < text.length) {
      word = (word ?? '') + text[++i];
    } else if (/\s/.test(c)) {
      if (word !== null) words.push(word);
      word = null;
    } else {
      word = (word ?? '') + c;
    }
  }
  if (quote) throw new Error(`target "${where}": unclosed ${quote} in the command`);
  if (word !== null) words.push(word);
  return words;
}

/**
 * Runs happen in a fresh temporary directory: a relative path that names an existing file or
 * directory here (the program or a script) is made absolute.
 */
function absoluteWords(words: string[], cwd: string): string[] {
  return words.map((word) => {
    if (path.isAbsolute(word) || !word.includes('/') || word.startsWith('-')) return word;
    const resolved = path.resolve(cwd, word);
    return existsSync(resolved) ? resolved : word;
  });
}
