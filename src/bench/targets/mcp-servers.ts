/**
 * Real MCP servers from npm, pinned, started by a CLI from its own settings (offline: each is
 * installed once into the CLI cache and run by path, never fetched by npx at run time).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { installCli } from './install';
import { writeHomeFile } from './env';

export const MCP_SERVER_SPECS = {
  memory: '@modelcontextprotocol/server-memory@2026.8.31',
  filesystem: '@modelcontextprotocol/server-filesystem@2026.8.31',
  everything: '@modelcontextprotocol/server-everything@2026.8.31',
  // Bundled (no dependencies, no install script): it never fetches a browser; it is pointed at
  // Debian's chromium below.
  'chrome-devtools': 'chrome-devtools-mcp@1.11.0',
} as const;

export type McpServerName = keyof typeof MCP_SERVER_SPECS;

/** How a CLI's settings start a stdio server. */
export interface McpServerConfig {
  command: string;
  args: string[];
  env?: Record<string, string>;
}

const BINS: Record<McpServerName, string> = {
  memory: 'mcp-server-memory',
  filesystem: 'mcp-server-filesystem',
  everything: 'mcp-server-everything',
  'chrome-devtools': 'chrome-devtools-mcp',
};

/** Debian's chromium package; chrome-devtools-mcp would otherwise look for Google Chrome. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Without these it spawns `node` to ask the npm registry for a newer version once a day (a 54 MiB
 * process in the tree, and network), and looks for a configuration file of its own.
 */
const CHROME_DEVTOOLS_ENV = {
  CHROME_DEVTOOLS_MCP_NO_USAGE_STATISTICS: '1',
  CHROME_DEVTOOLS_MCP_NO_UPDATE_CHECKS: '1',
  CHROME_DEVTOOLS_MCP_NO_CONFIG_DISCOVERY: '1',
};

/**
 * chrome-devtools-mcp starts the browser on its first tool call, headless, in a temporary profile
 * (`--isolated`), with nothing reporting home: no usage statistics, no CrUX lookups. As root,
 * chromium refuses to start without `--no-sandbox`.
 */
function chromeDevtoolsArgs(): string[] {
  const args = ['--headless', '--executablePath', CHROMIUM, '--isolated', '--no-usage-statistics', '--no-performance-crux'];
  if (process.getuid?.() === 0) args.push('--chromeArg=--no-sandbox');
  return args;
}

/**
 * Installs the servers and says how to start each. `filesystem` serves `root` (the workload's
 * repository); `memory` keeps its knowledge graph in `memoryFile`.
 */
export async function mcpServerConfigs(names: McpServerName[], root: string, memoryFile: string): Promise<Record<string, McpServerConfig>> {
  if (names.includes('chrome-devtools') && !existsSync(CHROMIUM))
    throw new Error(`the chrome-devtools item drives ${CHROMIUM} (Debian's chromium package), which is not installed`);
  const configs: Record<string, McpServerConfig> = {};
  for (const name of names) {
    const bin = (await installCli(MCP_SERVER_SPECS[name])).binPath(BINS[name]);
    configs[name] = serverConfig(name, bin, root, memoryFile);
  }
  return configs;
}

function serverConfig(name: McpServerName, bin: string, root: string, memoryFile: string): McpServerConfig {
  switch (name) {
    case 'filesystem':
      return { command: bin, args: [root] };
    case 'memory':
      return { command: bin, args: [], env: { MEMORY_FILE_PATH: memoryFile } };
    case 'everything':
      return { command: bin, args: [] };
    case 'chrome-devtools':
      return { command: bin, args: chromeDevtoolsArgs(), env: CHROME_DEVTOOLS_ENV };
  }
}

/** Adds `mcpServers` to the Qwen Code (or Gemini CLI) settings a target's invocation wrote in `home`. */
export function addMcpServers(home: string, settingsDir: '.qwen' | '.gemini', servers: Record<string, McpServerConfig>): void {
  const file = path.join(home, settingsDir, 'settings.json');
  const settings = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  writeHomeFile(home, `${settingsDir}/settings.json`, { ...settings, mcpServers: servers });
}
