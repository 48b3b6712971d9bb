// Configurations as a bench axis: a named set of configuration items (today: real MCP servers
// from npm), applied to one run through the CLI's own settings: Qwen Code's and Gemini CLI's
// settings.json `mcpServers`, Claude Code's `--mcp-config`, Codex's config.toml `[mcp_servers]`.
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import type { Invocation } from './env';
import { writeHomeFile } from './env';
import { addMcpServers, MCP_SERVER_SPECS, mcpServerConfigs, type McpServerConfig, type McpServerName } from './mcp-servers';

export interface Configuration {
  /** Joined to the target's label and branch: `qwen@0.15.10+NAME`. */
  name: string;
  items: McpServerName[];
}

export const CONFIG_ITEMS = Object.keys(MCP_SERVER_SPECS) as McpServerName[];
/** The presets whose settings take MCP servers (a generic command's settings are unknown). */
const CONFIGURABLE = ['qwen', 'gemini', 'claude', 'codex'];
const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;

/** `NAME=item,item` (or a bare item list, named after its items). */
export function parseConfiguration(text: string): Configuration {
  const equals = text.indexOf('=');
  const list = equals >= 0 ? text.slice(equals + 1) : text;
  const items = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const name = equals >= 0 ? text.slice(0, equals).trim() : items.join('-');
  if (!NAME.test(name)) throw new Error(`--config "${text}": "${name}" is not a configuration name ([A-Za-z0-9_-], up to 32)`);
  if (items.length === 0) throw new Error(`--config "${text}": no items; give some of ${CONFIG_ITEMS.join(', ')}`);
  const unknown = items.find((i) => !(CONFIG_ITEMS as string[]).includes(i));
  if (unknown) throw new Error(`--config "${text}": "${unknown}" is not an item; items: ${CONFIG_ITEMS.join(', ')} (MCP servers from npm)`);
  if (new Set(items).size !== items.length) throw new Error(`--config "${text}": an item is given twice`);
  return { name, items: items as McpServerName[] };
}

export function isConfigurable(preset: string): boolean {
  return CONFIGURABLE.includes(preset);
}

/**
 * Applies a configuration to a run whose invocation already wrote its settings in `home`. The
 * filesystem server serves `work` (the workload's repository); the memory server keeps its graph
 * in `home`. Servers are installed on first use (pinned, from npm) and started by path, offline.
 */
export async function applyConfiguration(
  preset: string,
  invocation: Invocation,
  home: string,
  work: string,
  config: Configuration,
): Promise<Invocation> {
  const servers = await mcpServerConfigs(config.items, work, path.join(home, 'mcp-memory.jsonl'));
  switch (preset) {
    case 'qwen':
      addMcpServers(home, '.qwen', servers);
      return invocation;
    case 'gemini':
      addMcpServers(home, '.gemini', servers);
      return invocation;
    case 'claude': {
      const file = writeHomeFile(home, '.claude-mcp.json', { mcpServers: servers });
      // `-p` denies a tool outside --allowedTools (Claude Code 2.1.112 on mcp-browse: a 101-byte
      // refusal came back as list_pages' result and chromium never started, tree 410 against
      // 1,219 MiB): `mcp__SERVER` allows all of a server's tools.
      const allowed = config.items.map((item) => `mcp__${item}`);
      const args = invocation.args.map((arg, i) => (invocation.args[i - 1] === '--allowedTools' ? [arg, ...allowed].join(',') : arg));
      // Before `-p`: --mcp-config takes a list and would swallow what follows it.
      return { ...invocation, args: ['--mcp-config', file, ...args] };
    }
    case 'codex':
      appendFileSync(path.join(home, '.codex', 'config.toml'), codexMcpToml(servers));
      return invocation;
    default:
      throw new Error(`configurations apply to the presets ${CONFIGURABLE.join(', ')}, not to ${preset}`);
  }
}

function codexMcpToml(servers: Record<string, McpServerConfig>): string {
  const lines: string[] = [''];
  for (const [name, server] of Object.entries(servers)) {
    lines.push(`[mcp_servers.${name}]`, `command = ${JSON.stringify(server.command)}`, `args = ${JSON.stringify(server.args)}`);
    if (server.env)
      lines.push(
        `env = { ${Object.entries(server.env)
          .map(([k, v]) => `${k} = ${JSON.stringify(v)}`)
          .join(', ')} }`,
      );
    lines.push('');
  }
  return lines.join('\n');
}
