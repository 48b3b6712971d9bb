// Building blocks of the generated repositories: a seeded generator of code-like text, file
// writing, and git with every input of a commit id pinned (author, dates, configuration).
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** mulberry32: small, fast, and the same sequence on every machine for a given seed. */
export function seededRandom(seed: string): () => number {
  let state = 0;
  for (let i = 0; i < seed.length; i += 1) state = (Math.imul(state ^ seed.charCodeAt(i), 0x5bd1e995) + 0x9e3779b9) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = [
  'order',
  'item',
  'account',
  'ledger',
  'invoice',
  'customer',
  'batch',
  'route',
  'token',
  'cache',
  'queue',
  'record',
  'report',
  'entry',
  'price',
  'stock',
];

export function pick<T>(random: () => number, list: readonly T[]): T {
  return list[Math.floor(random() * list.length)] as T;
}

/** One line of a TypeScript data table: `  { id: 17, name: 'ledger-cache', weight: 803 },`. */
export function tableLine(random: () => number, id: number): string {
  return `  { id: ${id}, name: '${pick(random, WORDS)}-${pick(random, WORDS)}', weight: ${Math.floor(random() * 10000)} },`;
}

/** A small TypeScript module of `functions` functions, named from the seed. */
export function sourceModule(random: () => number, moduleName: string, functions: number, extra: string[] = []): string {
  const lines = [`// ${moduleName}: generated for the qwen-otel bench.`, `import { strict as assert } from 'node:assert';`, ''];
  for (let f = 0; f < functions; f += 1) {
    const name = `${pick(random, WORDS)}${pick(random, WORDS).replace(/^./, (c) => c.toUpperCase())}${f}`;
    lines.push(`export function ${name}(input: number[]): number {`);
    lines.push(`  assert(input.length > 0, '${name} needs input');`);
    lines.push(`  return input.reduce((sum, value) => sum + value * ${Math.floor(random() * 97) + 1}, ${Math.floor(random() * 1000)});`);
    lines.push('}', '');
  }
  return [...lines, ...extra, ''].join('\n');
}

export function writeFiles(dir: string, files: Record<string, string>): { files: number; bytes: number } {
  let bytes = 0;
  for (const [relative, content] of Object.entries(files)) {
    const file = path.join(dir, relative);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, content);
    bytes += Buffer.byteLength(content);
  }
  return { files: Object.keys(files).length, bytes };
}

/** Nothing of the user's or the system's git configuration, and fixed identities and dates. */
function gitEnv(): NodeJS.ProcessEnv {
  const when = '2026-01-01T00:00:00Z';
  return {
    PATH: process.env.PATH,
    HOME: '/nonexistent',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: 'qwen-otel bench',
    GIT_AUTHOR_EMAIL: 'bench@example.invalid',
    GIT_COMMITTER_NAME: 'qwen-otel bench',
    GIT_COMMITTER_EMAIL: 'bench@example.invalid',
    GIT_AUTHOR_DATE: when,
    GIT_COMMITTER_DATE: when,
    TZ: 'UTC',
    LANG: 'C',
  };
}

export function git(dir: string, args: string[]): string {
  return execFileSync('git', args, {
    cwd: dir,
    env: gitEnv(),
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** `git init` and one commit of everything in `dir`. */
export function commitAll(dir: string, message: string): void {
  git(dir, ['init', '-q', '-b', 'main']);
  git(dir, ['add', '-A']);
  git(dir, ['-c', 'commit.gpgsign=false', 'commit', '-q', '-m', message]);
}

export function diffBytes(dir: string): number {
  return Buffer.byteLength(git(dir, ['diff']));
}
