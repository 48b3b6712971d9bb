// Real MCP servers (server-memory, server-filesystem, pinned from npm) started by real Qwen Code
// 0.15.10 from its settings.json, under `qwen-otel run`: their processes are MCP servers in the
// record, with their memory, and the diagnosis names them.
import { mkdirSync, mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startModelServer, type ModelServer } from '../src/bench/model-server/server';
import { runCommand } from '../src/bench/run-command';
import { installCli } from '../src/bench/targets/install';
import { addMcpServers, mcpServerConfigs, type McpServerConfig } from '../src/bench/targets/mcp-servers';
import { QWEN_SPEC } from '../src/bench/targets/registry';
import { qwenInvocation } from '../src/bench/targets/qwen';
import { BIN, readRecords } from './helpers/e2e';

const MiB = 1024 * 1024;
let qwen = '';
let server: ModelServer;
let servers: Record<string, McpServerConfig> = {};
let root = '';

beforeAll(async () => {
  qwen = (await installCli(QWEN_SPEC)).binPath('qwen');
  root = mkdtempSync(path.join(os.tmpdir(), 'qo-mcp-'));
  servers = await mcpServerConfigs(['memory', 'filesystem'], root, path.join(root, 'memory.jsonl'));
  server = await startModelServer();
}, 600_000);
afterAll(async () => {
  await server?.close();
});

describe('Qwen Code 0.15.10 with two MCP servers from npm', () => {
  it('labels both servers mcp_server with their memory, names them in the diagnosis, and reports the tools offered', async () => {
    const cwd = path.join(root, 'work');
    const home = path.join(root, 'home');
    mkdirSync(cwd);
    mkdirSync(home);
    const inv = qwenInvocation({ baseUrl: server.url, prompt: 'Run the two echo commands, then say Done.', home });
    addMcpServers(home, '.qwen', servers);
    const recordFile = path.join(root, 'runs.jsonl');
    const served = server.requests.length;
    const run = await runCommand(BIN, ['run', '--', qwen, ...inv.args], {
      env: {
        ...inv.env,
        QWEN_OTEL_RECORD_FILE: recordFile,
        OTEL_TRACES_EXPORTER: 'none',
        QWEN_OTEL_PROMETHEUS_PORT: '0',
        QWEN_OTEL_EXIT_TIMEOUT_MS: '120000',
      },
      cwd,
      timeoutMs: 480_000,
    });
    expect(run.code, run.stderr).toBe(0);
    const [record] = readRecords(recordFile);
    const mcp = record.processes.filter((p: { role: string }) => p.role === 'mcp_server');
    const described = JSON.stringify(
      record.processes.map((p: { role: string; name: string; hwm_bytes: number }) => [p.role, p.name, Math.round(p.hwm_bytes / MiB)]),
    );
    // Each server is its own Node process (instrumented like every Node child), 60-70 MiB here.
    expect(mcp.length, described).toBe(2);
    for (const p of mcp) expect(p.hwm_bytes, described).toBeGreaterThan(20 * MiB);
    expect(
      record.processes.filter((p: { role: string; instrumented: boolean }) => p.role === 'other' && p.instrumented),
      described,
    ).toEqual([]);
    expect(record.tree.rss_peak_by_role_bytes.mcp_server).toBeGreaterThan(40 * MiB);
    expect(record.diagnosis.buckets_bytes.mcp_server).toBeGreaterThan(40 * MiB);
    expect(record.diagnosis.reason).toMatch(/MCP servers hold \d+ MiB|mcp_server with \d+ MiB/);

    // The tools offered, as the model server counted them in each request it received.
    const counts = server.requests.slice(served).map((r) => r.toolCount);
    expect(counts.length).toBeGreaterThan(0);
    expect(record.tools_offered).toEqual({ first: counts[0], last: counts[counts.length - 1], max: Math.max(...counts) });
  }, 600_000);
});
