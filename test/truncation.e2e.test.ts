// Real Qwen Code 0.15.10, Claude Code 2.1.112, Gemini CLI 0.61.0 and Codex 0.169.0 (through the
// loopback proxy: its HTTP is Rust's) under `qwen-otel run`, told by the scripted model server to
// print a large shell output and, where the CLI saved it, to read the saved file's head back: the
// record's truncation and recovery counters say so from traffic alone (sizes checked against what
// the model server received). A small output counts nothing; a cut output not read back, no recovery.
import { mkdirSync, mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../src/bench/backends';
import { largeOutputScript } from '../src/bench/model-server/default-scripts';
import { startModelServer, type ModelServer } from '../src/bench/model-server/server';
import { runCommand } from '../src/bench/run-command';
import { installCli } from '../src/bench/targets/install';
import { viaProxy } from '../src/bench/targets/proxy';
import { CLI_TARGETS, type CliName } from '../src/bench/targets/registry';
import { BIN, measuredRunEnv, readRecords } from './helpers/e2e';

const MiB = 1024 * 1024;
const servers: ModelServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

interface Run {
  record: Record<string, any>;
  server: ModelServer;
}

async function run(cli: CliName, outputBytes: number, readBack: boolean): Promise<Run> {
  const target = CLI_TARGETS[cli];
  const bin = (await installCli(target.spec)).binPath(target.bin);
  const server = await startModelServer({ scripts: { [target.format]: largeOutputScript(target.format, outputBytes, { readBack }) } });
  servers.push(server);
  const root = mkdtempSync(path.join(os.tmpdir(), `qo-trunc-${cli}-`));
  const [home, cwd] = ['home', 'work'].map((d) => path.join(root, d));
  mkdirSync(home);
  mkdirSync(cwd);
  const invocation = target.nativeHttp ? viaProxy(target.invocation, await freePort()) : target.invocation;
  const inv = invocation({ baseUrl: server.url, prompt: 'Print the output, then say Done.', home });
  const recordFile = path.join(root, 'runs.jsonl');
  const result = await runCommand(BIN, ['run', '--', bin, ...inv.args], {
    env: { ...inv.env, ...measuredRunEnv(recordFile) },
    cwd,
    timeoutMs: 480_000,
  });
  expect(result.code, result.stderr).toBe(0);
  const [record] = readRecords(recordFile);
  return { record, server };
}

/** The size of the first tool result the model server received, as it measured it. */
function resultBytesServed(server: ModelServer): number {
  const carrying = server.requests.filter((r) => r.toolResultCount === 1);
  expect(carrying.length).toBeGreaterThan(0);
  return carrying[0]!.toolResultBytes;
}

/** Main requests that carried a second tool result: the model's read-back was run and answered. */
const readBacksServed = (server: ModelServer): number => server.requests.filter((r) => r.toolResultCount === 2).length;

/** One cut output counted, with its size as the model server received it. */
function expectOneCut({ record, server }: Run, saved: boolean, statedBytes: number | null): number {
  const sent = resultBytesServed(server);
  expect(record.truncations).toBe(1);
  expect(record.truncated_outputs).toEqual({
    saved: saved ? 1 : 0,
    sent_bytes: sent,
    stated: statedBytes === null ? 0 : 1,
    stated_original_bytes: statedBytes ?? 0,
    saved_untracked: 0,
  });
  return sent;
}

describe('truncation and saved-output recovery counters from traffic', () => {
  beforeAll(async () => {
    for (const cli of ['qwen', 'claude', 'gemini', 'codex'] as const) await installCli(CLI_TARGETS[cli].spec);
  }, 900_000);

  it('Qwen Code 0.15.10: a 300 KB output sent cut and saved counts once (no size stated); reading it back, one recovery', async () => {
    const qwen = await run('qwen', 300_000, true);
    expect(expectOneCut(qwen, true, null)).toBeLessThan(64 * 1024);
    expect(readBacksServed(qwen.server)).toBeGreaterThan(0);
    expect(qwen.record.saved_output_recoveries).toBe(1);
  }, 600_000);

  it('Claude Code 2.1.112: a 5 MiB output sent as a preview and saved counts once, with the size Claude states; read back once', async () => {
    const claude = await run('claude', 5 * MiB, true);
    expect(expectOneCut(claude, true, 5 * MiB)).toBeLessThan(4096);
    expect(readBacksServed(claude.server)).toBeGreaterThan(0);
    expect(claude.record.saved_output_recoveries).toBe(1);
  }, 600_000);

  it('Gemini CLI 0.61.0: 300 KB and 5 MiB both sent as their first 8,000 and last 32,000 characters and saved (no size stated); recovery only when read back', async () => {
    const small = await run('gemini', 300_000, true);
    const large = await run('gemini', 5 * MiB, false);
    expect(expectOneCut(small, true, null)).toBeLessThan(48 * 1024);
    expect(expectOneCut(large, true, null)).toBeLessThan(48 * 1024);
    expect(readBacksServed(small.server)).toBeGreaterThan(0);
    expect(small.record.saved_output_recoveries).toBe(1);
    expect(readBacksServed(large.server)).toBe(0);
    expect(large.record.saved_output_recoveries).toBe(0);
  }, 600_000);

  it('Codex 0.169.0 through the proxy: 300 KB and 5 MiB cut in the middle, not saved, with the size it states in tokens (x4); nothing to read back', async () => {
    for (const bytes of [300_000, 5 * MiB]) {
      const codex = await run('codex', bytes, true);
      expect(codex.record.traffic.proxy_requests).toBeGreaterThan(0);
      expect(expectOneCut(codex, false, bytes)).toBeLessThan(16 * 1024);
      // Nothing saved: the scripted model has no path to read back and ends the turn.
      expect(readBacksServed(codex.server)).toBe(0);
      expect(codex.record.saved_output_recoveries).toBe(0);
    }
  }, 600_000);

  it('a small output counts nothing', async () => {
    const { record, server } = await run('qwen', 2_000, true);
    expect(resultBytesServed(server)).toBeGreaterThan(2_000);
    expect(record.truncations).toBe(0);
    expect(record.truncated_outputs).toEqual({ saved: 0, sent_bytes: 0, stated: 0, stated_original_bytes: 0, saved_untracked: 0 });
    expect(record.saved_output_recoveries).toBe(0);
  }, 600_000);
});
