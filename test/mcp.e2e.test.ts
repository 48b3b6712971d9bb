// Real MCP servers (server-memory, server-filesystem, server-everything, chrome-devtools-mcp, pinned
// from npm) started by real Qwen Code 0.15.10 from its settings.json, under `qwen-otel run`: their
// processes are MCP servers in the record, with their memory, and the diagnosis names them.
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startModelServer, type ModelServer } from '../src/bench/model-server/server';
import { runCommand } from '../src/bench/run-command';
import { installCli } from '../src/bench/targets/install';
import { addMcpServers, mcpServerConfigs, type McpServerName } from '../src/bench/targets/mcp-servers';
import { QWEN_SPEC } from '../src/bench/targets/registry';
import { qwenInvocation } from '../src/bench/targets/qwen';
import { BIN, measuredRunEnv, readRecords } from './helpers/e2e';

const MiB = 1024 * 1024;
let qwen = '';
let server: ModelServer;
let root = '';

interface Proc {
  role: string;
  name: string;
  hwm_bytes: number;
  instrumented: boolean;
}

beforeAll(async () => {
  qwen = (await installCli(QWEN_SPEC)).binPath('qwen');
  root = mkdtempSync(path.join(os.tmpdir(), 'qo-mcp-'));
  server = await startModelServer();
}, 600_000);
afterAll(async () => {
  await server?.close();
});

/** One run of Qwen with these servers in its settings: its record, and the tools each request offered (server's count). */
async function runWith(names: McpServerName[], tag: string) {
  const [cwd, home] = ['work', 'home'].map((d) => path.join(root, `${tag}-${d}`));
  mkdirSync(cwd);
  mkdirSync(home);
  const servers = await mcpServerConfigs(names, cwd, path.join(root, `${tag}-memory.jsonl`));
  const inv = qwenInvocation({ baseUrl: server.url, prompt: 'Run the two echo commands, then say Done.', home });
  addMcpServers(home, '.qwen', servers);
  const recordFile = path.join(root, `${tag}-runs.jsonl`);
  const served = server.requests.length;
  const run = await runCommand(BIN, ['run', '--', qwen, ...inv.args], {
    env: {
      ...inv.env,
      ...measuredRunEnv(recordFile),
    },
    cwd,
    timeoutMs: 480_000,
  });
  expect(run.code, run.stderr).toBe(0);
  const [record] = readRecords(recordFile);
  const processes = record.processes as Proc[];
  const described = JSON.stringify(processes.map((p) => [p.role, p.name, Math.round(p.hwm_bytes / MiB)]));
  return { record, processes, described, home, counts: server.requests.slice(served).map((r) => r.toolCount) };
}

describe('Qwen Code 0.15.10 with MCP servers from npm', () => {
  it('labels server-memory and server-filesystem mcp_server with their memory, names them in the diagnosis, and reports the tools offered', async () => {
    const { record, processes, described, counts } = await runWith(['memory', 'filesystem'], 'memfs');
    const mcp = processes.filter((p) => p.role === 'mcp_server');
    // Each server is its own Node process (instrumented like every Node child), 60-70 MiB here.
    expect(mcp.length, described).toBe(2);
    for (const p of mcp) expect(p.hwm_bytes, described).toBeGreaterThan(20 * MiB);
    expect(
      processes.filter((p) => p.role === 'other' && p.instrumented),
      described,
    ).toEqual([]);
    expect(record.tree.rss_peak_by_role_bytes.mcp_server).toBeGreaterThan(40 * MiB);
    expect(record.diagnosis.buckets_bytes.mcp_server).toBeGreaterThan(40 * MiB);
    expect(record.diagnosis.reason).toMatch(/MCP servers hold \d+ MiB|mcp_server with \d+ MiB/);

    // The tools offered, as the model server counted them in each request it received.
    expect(counts.length).toBeGreaterThan(0);
    expect(record.tools_offered).toEqual({ first: counts[0], last: counts[counts.length - 1], max: Math.max(...counts) });
  }, 600_000);

  it('labels server-everything and chrome-devtools-mcp (Debian chromium, headless) mcp_server, and no browser is downloaded', async () => {
    const { record, processes, described, home } = await runWith(['everything', 'chrome-devtools'], 'evcd');
    const mcp = processes.filter((p) => p.role === 'mcp_server');
    // Two Node processes: no update check of chrome-devtools-mcp (a shell and an npm-registry
    // query of its own), no browser before a tool of it is called.
    expect(
      mcp.map((p) => p.name),
      described,
    ).toEqual(['node', 'node']);
    for (const p of mcp) expect(p.hwm_bytes, described).toBeGreaterThan(20 * MiB);
    expect(
      processes.filter((p) => p.role === 'other' && p.instrumented),
      described,
    ).toEqual([]);
    expect(record.tree.rss_peak_by_role_bytes.mcp_server).toBeGreaterThan(40 * MiB);
    // Puppeteer's browser cache stays absent: the server was given chromium's path.
    expect(existsSync(path.join(home, '.cache', 'puppeteer'))).toBe(false);
  }, 600_000);
});
