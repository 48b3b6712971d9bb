/**
 * Real MCP servers from npm, pinned, started by a CLI from its own settings (offline: each is
 * installed once into the CLI cache and run by path, never fetched by npx at run time).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { installCli } from './install';
import { writeHomeFile } from './env';

export const MCP_SERVER_SPECS = {
  memory: '@modelcontextprotocol/server-memory@2026.8.31',
  filesystem: '@modelcontextprotocol/server-filesystem@2026.8.31',
} as const;

export type McpServerName = keyof typeof MCP_SERVER_SPECS;

/** How a CLI's settings start a stdio server. */
export interface McpServerConfig {
  command: string;
  args: string[];
  env?: Record<string, string>;
}

const BINS: Record<McpServerName, string> = { memory: 'mcp-server-memory', filesystem: 'mcp-server-filesystem' };

/**
 * Installs the servers and says how to start each. `filesystem` serves `root` (the workload's
 * repository); `memory` keeps its knowledge graph in `memoryFile`.
 */
export async function mcpServerConfigs(names: McpServerName[], root: string, memoryFile: string): Promise<Record<string, McpServerConfig>> {
  const configs: Record<string, McpServerConfig> = {};
  for (const name of names) {
    const bin = (await installCli(MCP_SERVER_SPECS[name])).binPath(BINS[name]);
    configs[name] =
      name === 'filesystem' ? { command: bin, args: [root] } : { command: bin, args: [], env: { MEMORY_FILE_PATH: memoryFile } };
  }
  return configs;
}

/** Adds `mcpServers` to the Qwen Code (or Gemini CLI) settings a target's invocation wrote in `home`. */
export function addMcpServers(home: string, settingsDir: '.qwen' | '.gemini', servers: Record<string, McpServerConfig>): void {
  const file = path.join(home, settingsDir, 'settings.json');
  const settings = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  writeHomeFile(home, `${settingsDir}/settings.json`, { ...settings, mcpServers: servers });
}
