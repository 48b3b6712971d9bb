// What a process in the CLI's tree is for, told from its command line and its parent's role.
// The command line is read to decide, and only the role leaves this function.
import type { ProcessRole } from '../config';

export interface RoleInput {
  argv: string[];
  /** The kernel's short name (comm), used when argv is empty (a zombie, or a kernel thread). */
  name: string;
  parentRole: ProcessRole | null;
  isRoot: boolean;
  /** The directory of the package the root CLI runs from, when known. */
  cliPackageDir: string | null;
  /**
   * The package holding the script a launcher runs (`node /x/dist/index.js`): its name, and
   * whether it depends on the MCP SDK. Read from its package.json by the caller; absent when unknown.
   */
  scriptPackage?: ScriptPackage | null;
}

export interface ScriptPackage {
  name: string;
  dependsOnMcpSdk: boolean;
}

const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'ksh', 'fish', 'busybox', 'ash']);
/** Programs that run another one named in their arguments (a script, a package, an image). */
const LAUNCHERS = /^(node|nodejs|bun|deno|npx|npm|pnpm|yarn|uv|uvx|pipx|docker|podman|python[0-9.]*)$/;
// npx shows as `npm exec X` once it has set its process title.
const WITH_SUBCOMMAND = /^(npm|pnpm|yarn|uv|pipx|docker|podman)$/;
const CODING_CLI =
  /(^|\/)(qwen|claude|gemini|codex)(\.exe|\.js)?$|@qwen-code\/qwen-code|@anthropic-ai\/claude-code|@google\/gemini-cli|@openai\/codex/;
const MCP = /(^|[/@_.-])mcp([/@_.-]|$)|modelcontextprotocol/i;

export function classifyRole(input: RoleInput): ProcessRole {
  if (input.isRoot) return 'cli';
  const { argv, parentRole } = input;
  const inherited = parentRole === 'mcp_server' || parentRole === 'subagent';
  if (inherited) return parentRole;
  const program = basename(argv[0] ?? input.name);
  const script = argv.slice(1).find((arg) => !arg.startsWith('-')) ?? '';
  const fromCliTree = parentRole === 'cli' || parentRole === 'cli_worker';
  // The CLI's runtime on a script of its package is its worker; a helper binary it ships
  // (Qwen Code's vendor/ripgrep/rg) runs a search for a tool call: a tool, below.
  const fromPackage = runsFromPackage(argv, input.cliPackageDir);
  if (fromCliTree && isNode(program) && fromPackage) return 'cli_worker';
  if (parentRole === 'cli' && sameCodingCli(argv[0] ?? '', input.cliPackageDir)) return 'cli_worker';
  if ((fromCliTree || parentRole === 'tool') && fromPackage) return 'tool';
  if (programNames(argv, input.name).some((name) => MCP.test(name))) return 'mcp_server';
  // A shell's operand is its command text: data, as in Claude Code's shell snapshot
  // (`bash -c -l 'SNAPSHOT_FILE=… …/claude-code/vendor/ripgrep/…'`). A coding CLI it starts is
  // its child, named as one there.
  if (CODING_CLI.test(argv[0] ?? '') || (!SHELLS.has(program) && CODING_CLI.test(script))) return 'subagent';
  if (isMcpPackage(input.scriptPackage)) return 'mcp_server';
  if (SHELLS.has(program) || parentRole === 'tool') return 'tool';
  if (fromCliTree && !isNode(program)) return 'tool';
  return 'other';
}

/**
 * The program, and for a launcher the script or package it runs: what names a server. Other
 * arguments are data (`rg mcp`, `cat src/mcp/client.ts` are tools, not MCP servers).
 */
function programNames(argv: string[], name: string): string[] {
  const program = basename(argv[0] ?? name);
  if (!LAUNCHERS.test(program)) return [program];
  // `uv run X`, `docker run X`, `pnpm dlx X` name X after a subcommand; `node X`, `npx X` at once.
  const operands = argv
    .slice(1)
    .filter((arg) => !arg.startsWith('-'))
    .slice(0, WITH_SUBCOMMAND.test(program) ? 2 : 1);
  const named = (arg: string): string[] =>
    arg.includes('/') && !arg.startsWith('@') ? [lastSegments(arg), ...installedPackage(arg)] : [arg];
  return [program, ...operands.flatMap(named)];
}

/**
 * A server installed from npm runs as `node /…/node_modules/@modelcontextprotocol/server-memory/dist/index.js`:
 * the package directory names it, not the file (`dist/index.js`).
 */
function installedPackage(p: string): string[] {
  const at = p.lastIndexOf('/node_modules/');
  if (at === -1) return [];
  const [first, second] = p.slice(at + '/node_modules/'.length).split('/');
  if (!first) return [];
  return [first.startsWith('@') && second ? `${first}/${second}` : first];
}

/**
 * A script from a package that is an MCP server by name, or built on the MCP SDK. Coding CLIs
 * depend on the SDK too (as MCP clients): they are subagents, told apart before this.
 */
function isMcpPackage(pkg: ScriptPackage | null | undefined): boolean {
  return !!pkg && !CODING_CLI.test(pkg.name) && (pkg.dependsOnMcpSdk || MCP.test(pkg.name));
}

/**
 * The root CLI's own native binary, from another package of the same CLI (Codex's launcher runs
 * `@openai/codex-linux-x64/.../codex`): its worker, not a subagent.
 */
function sameCodingCli(program: string, packageDir: string | null): boolean {
  const name = /(?:^|\/)(qwen|claude|gemini|codex)(?:\.exe)?$/.exec(program)?.[1];
  return name !== undefined && packageDir?.includes(name) === true;
}

function runsFromPackage(argv: string[], packageDir: string | null): boolean {
  if (!packageDir) return false;
  const prefix = packageDir.endsWith('/') ? packageDir : `${packageDir}/`;
  return argv.slice(0, 3).some((arg) => arg.startsWith(prefix));
}

function isNode(program: string): boolean {
  return program === 'node' || program === 'nodejs' || program === 'bun';
}

/** `.../chrome-devtools-mcp/index.js` -> `chrome-devtools-mcp/index.js`: a package's directory names it. */
function lastSegments(p: string): string {
  return p.split('/').filter(Boolean).slice(-2).join('/');
}

function basename(p: string): string {
  const slash = p.lastIndexOf('/');
  return slash === -1 ? p : p.slice(slash + 1);
}
