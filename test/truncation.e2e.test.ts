// Real Qwen Code 0.15.10 and Claude Code 2.1.112 under `qwen-otel run`, told by the scripted model
// server to print a large shell output: each cuts the result it sends to the model and saves the
// whole in a file, and the record's truncation counters say so from traffic alone (sizes checked
// against what the model server received). A small output counts nothing.
import { mkdirSync, mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { largeOutputScript } from '../src/bench/model-server/default-scripts';
import { startModelServer, type ModelServer } from '../src/bench/model-server/server';
import { runCommand } from '../src/bench/run-command';
import { installCli } from '../src/bench/targets/install';
import { CLI_TARGETS, type CliName } from '../src/bench/targets/registry';
import { BIN, measuredRunEnv, readRecords } from './helpers/e2e';

const MiB = 1024 * 1024;
const servers: ModelServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function run(cli: CliName, outputBytes: number): Promise<{ record: Record<string, any>; server: ModelServer }> {
  const target = CLI_TARGETS[cli];
  const bin = (await installCli(target.spec)).binPath(target.bin);
  const server = await startModelServer({ scripts: { [target.format]: largeOutputScript(target.format, outputBytes) } });
  servers.push(server);
  const root = mkdtempSync(path.join(os.tmpdir(), `qo-trunc-${cli}-`));
  const [home, cwd] = ['home', 'work'].map((d) => path.join(root, d));
  mkdirSync(home);
  mkdirSync(cwd);
  const inv = target.invocation({ baseUrl: server.url, prompt: 'Print the output, then say Done.', home });
  const recordFile = path.join(root, 'runs.jsonl');
  const result = await runCommand(BIN, ['run', '--', bin, ...inv.args], {
    env: {
      ...inv.env,
      ...measuredRunEnv(recordFile),
    },
    cwd,
    timeoutMs: 480_000,
  });
  expect(result.code, result.stderr).toBe(0);
  const [record] = readRecords(recordFile);
  return { record, server };
}

/** The size of the one tool result the model server received, as it measured it. */
function resultBytesServed(server: ModelServer): number {
  const carrying = server.requests.filter((r) => r.toolResultCount === 1);
  expect(carrying.length).toBeGreaterThan(0);
  return carrying[0]!.toolResultBytes;
}

describe('truncation counters from traffic', () => {
  beforeAll(async () => {
    await installCli(CLI_TARGETS.qwen.spec);
    await installCli(CLI_TARGETS.claude.spec);
  }, 600_000);

  it('Qwen Code 0.15.10: a 300 KB output sent cut and saved counts once, with its size as sent', async () => {
    const { record, server } = await run('qwen', 300_000);
    const sent = resultBytesServed(server);
    expect(sent).toBeLessThan(64 * 1024);
    expect(record.truncations).toBe(1);
    // Qwen does not state the original size.
    expect(record.truncated_outputs).toEqual({ saved: 1, sent_bytes: sent, stated: 0, stated_original_bytes: 0 });
  }, 600_000);

  it('Claude Code 2.1.112: a 5 MiB output sent as a preview and saved counts once, with the size Claude states', async () => {
    const { record, server } = await run('claude', 5 * MiB);
    const sent = resultBytesServed(server);
    expect(sent).toBeLessThan(4096);
    expect(record.truncations).toBe(1);
    expect(record.truncated_outputs).toEqual({ saved: 1, sent_bytes: sent, stated: 1, stated_original_bytes: 5 * MiB });
  }, 600_000);

  it('a small output counts nothing', async () => {
    const { record, server } = await run('qwen', 2_000);
    expect(resultBytesServed(server)).toBeGreaterThan(2_000);
    expect(record.truncations).toBe(0);
    expect(record.truncated_outputs).toEqual({ saved: 0, sent_bytes: 0, stated: 0, stated_original_bytes: 0 });
  }, 600_000);
});
