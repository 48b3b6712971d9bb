/**
 * Scrubbing captured traffic before it is committed as a fixture. Every replacement has the
 * same UTF-8 byte length as what it replaces, so body sizes in the fixtures stay true.
 */
import os from 'node:os';
import path from 'node:path';

export interface SanitizeRule {
  label: string;
  find: RegExp;
  /** ASCII text, padded or cut to the match's byte length. */
  placeholder: string;
}

export interface MachineIdentity {
  /**
   * The directory to hide where installed CLIs show up in prompts (Gemini lists its bundled
   * skills by absolute path): the repository for the default `<repo>/.cache/clis`, else the cache.
   */
  installRoot: string;
  home: string;
  hostname: string;
  username: string;
  /** Kernel release, which Claude Code puts in its system prompt ("OS Version: Linux …"). */
  kernelRelease: string;
}

export function machineIdentity(cliCacheDir: string): MachineIdentity {
  const cache = path.resolve(cliCacheDir);
  const repoCache = path.join('.cache', 'clis');
  return {
    installRoot: cache.endsWith(`${path.sep}${repoCache}`) ? path.resolve(cache, '..', '..') : cache,
    home: os.homedir(),
    hostname: os.hostname(),
    username: os.userInfo().username,
    kernelRelease: os.release(),
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function wholeWord(text: string): RegExp {
  return new RegExp(`(?<![A-Za-z0-9_.-])${escapeRegExp(text)}(?![A-Za-z0-9_-])`, 'g');
}

export function sanitizeRules(identity: MachineIdentity): SanitizeRule[] {
  const rules: SanitizeRule[] = [
    { label: 'random suffix of the temporary run directory', find: /qwen-otel-run-[A-Za-z0-9]{6}/g, placeholder: 'qwen-otel-run-XXXXXX' },
    { label: 'directory holding the installed CLIs', find: new RegExp(escapeRegExp(identity.installRoot), 'g'), placeholder: '/REPO' },
    { label: 'API-key-like token', find: /(?<![A-Za-z0-9])sk-[A-Za-z0-9_-]{16,}/g, placeholder: 'sk-XXXXXXXX' },
  ];
  // Only as the start of a path: Codex names its root agent "/root", which is no directory.
  if (identity.home.length > 1) {
    rules.push({
      label: "the machine user's home directory",
      find: new RegExp(`${escapeRegExp(identity.home)}(?=/)`, 'g'),
      placeholder: '/HOME',
    });
  }
  if (identity.kernelRelease.length > 0) {
    rules.push({
      label: "the machine's kernel release",
      find: new RegExp(escapeRegExp(identity.kernelRelease), 'g'),
      placeholder: '0.0.0-kernel',
    });
  }
  if (identity.hostname.length > 0)
    rules.push({ label: "the machine's hostname", find: wholeWord(identity.hostname), placeholder: 'HOST' });
  // 'root' is a system account and a common word ("root directory"), not a person's name.
  if (identity.username !== 'root')
    rules.push({ label: "the machine's user name", find: wholeWord(identity.username), placeholder: 'USER' });
  return rules;
}

/** `placeholder` fitted to exactly `bytes` bytes (ASCII, so one byte per character). */
export function fitted(placeholder: string, bytes: number): string {
  return placeholder.length >= bytes ? placeholder.slice(0, bytes) : placeholder + '_'.repeat(bytes - placeholder.length);
}

export interface SanitizeResult {
  text: string;
  /** Rule label → number of replacements made. */
  counts: Map<string, number>;
}

export function sanitize(text: string, rules: SanitizeRule[]): SanitizeResult {
  const counts = new Map<string, number>();
  let result = text;
  for (const rule of rules) {
    result = result.replace(rule.find, (match) => {
      counts.set(rule.label, (counts.get(rule.label) ?? 0) + 1);
      return fitted(rule.placeholder, Buffer.byteLength(match, 'utf8'));
    });
  }
  return { text: result, counts };
}

/** What must never be left in a fixture; each entry names what was found. */
export function leftovers(text: string, identity: MachineIdentity): string[] {
  const found: string[] = [];
  if (/(?<![A-Za-z0-9])sk-[A-Za-z0-9_-]{16,}/.test(text)) found.push('an sk- API key');
  if (text.includes(identity.installRoot)) found.push('the install directory');
  if (/qwen-otel-run-(?!XXXXXX)[A-Za-z0-9]{6}/.test(text)) found.push('a temporary run directory');
  if (identity.home !== '/' && text.includes(`${identity.home}/`)) found.push(`the home directory ${identity.home}/`);
  if (identity.username !== 'root' && text.includes(`/home/${identity.username}`)) found.push('the user name in a path');
  return found;
}

/**
 * Each distinct `/home…` or `/root…` that starts a path (not our temporary HOME, `<run>/home`),
 * with a little text before it, so the README can show why it may stay. `</root>` closes a tag.
 */
export function homeLikePaths(text: string): string[] {
  const found = new Map<string, string>();
  for (const match of text.matchAll(/(?<![A-Za-z0-9._<-])\/(?:home|root)(?:\/[A-Za-z0-9._-]*)?/g)) {
    const start = Math.max(0, (match.index ?? 0) - 20);
    const context = text.slice(start, (match.index ?? 0) + match[0].length + 8).replace(/[`\n]/g, ' ');
    if (!found.has(match[0])) found.set(match[0], context);
  }
  return [...found.values()].sort();
}
