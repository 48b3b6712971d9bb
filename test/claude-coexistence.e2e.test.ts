// Real Claude Code 2.1.112 with its own OpenTelemetry Prometheus exporter on
// (CLAUDE_CODE_ENABLE_TELEMETRY=1 OTEL_METRICS_EXPORTER=prometheus serves on *:9464) under
// `qwen-otel run`: both endpoints serve while it runs, and its answer is the one it gives alone.
// With OTEL_EXPORTER_PROMETHEUS_PORT set to qwen-otel's own default, qwen-otel moves aside.
// Runs in a network namespace of its own (root, `unshare -n`): the default ports, for real,
// without touching this machine's.
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { installCli } from '../src/bench/targets/install';
import { CLI_TARGETS } from '../src/bench/targets/registry';
import { BIN, inNetworkNamespace, REPO } from './helpers/e2e';

let claudeBin = '';
beforeAll(async () => {
  claudeBin = (await installCli(CLI_TARGETS.claude.spec)).binPath(CLI_TARGETS.claude.bin);
}, 300_000);

/** Inside the namespace: Claude alone, then under qwen-otel, scraping both endpoints while it runs. */
const RUNNER = `
const { runCliAgainstModel } = require(${JSON.stringify(path.join(REPO, 'dist', 'bench', 'targets', 'session.js'))});
const { CLI_TARGETS, SCRIPT_PROMPT } = require(${JSON.stringify(path.join(REPO, 'dist', 'bench', 'targets', 'registry.js'))});
const [bin, qwenOtel, claudePort, oursPort, cliPortVar] = process.argv.slice(2);
const telemetry = { CLAUDE_CODE_ENABLE_TELEMETRY: '1', OTEL_METRICS_EXPORTER: 'prometheus', OTEL_TRACES_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' };
if (cliPortVar) telemetry.OTEL_EXPORTER_PROMETHEUS_PORT = cliPortVar;
const scrape = (port) => fetch('http://127.0.0.1:' + port + '/metrics').then((r) => r.text(), () => null);
(async () => {
  const run = (wrapper) => runCliAgainstModel({ bin, invocation: CLI_TARGETS.claude.invocation, prompt: SCRIPT_PROMPT, wrapper, extraEnv: telemetry, timeoutMs: 120000 });
  const alone = await run(undefined);
  const seen = { claude: null, ours: null };
  let done = false;
  const watching = (async () => {
    while (!done) {
      const [claude, ours] = await Promise.all([scrape(claudePort), scrape(oursPort)]);
      // Claude's own exposition (its target_info names it), not ours answering on its port.
      if (claude && claude.includes('service_name="claude-code"') && !claude.includes('qwen_otel_')) seen.claude = claude;
      if (ours && ours.includes('qwen_otel_tree_memory_usage_bytes')) seen.ours = ours;
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const wrapped = await run([qwenOtel, 'run', '--']);
  done = true;
  await watching;
  const answer = (r) => { try { return JSON.parse(r.stdout).result; } catch { return r.stdout; } };
  console.log(JSON.stringify({
    alone: { code: alone.exitCode, answer: answer(alone) },
    wrapped: { code: wrapped.exitCode, answer: answer(wrapped), stderr: wrapped.stderr },
    claudeServed: seen.claude !== null, oursServed: seen.ours !== null,
    oursHasClaudeSession: seen.ours !== null && /cli="[^"]*claude[^"]*"/.test(seen.ours),
  }));
})();
`;

function inNamespace(claudePort: number, oursPort: number, cliPortVar = ''): Promise<Record<string, any>> {
  return inNetworkNamespace('claude-ports', RUNNER, [claudeBin, BIN, String(claudePort), String(oursPort), cliPortVar], 300_000);
}

describe.skipIf(process.getuid?.() !== 0)("Claude Code's own Prometheus exporter beside qwen-otel's", () => {
  it('both serve at their defaults (Claude *:9464, qwen-otel 127.0.0.1:19464); Claude answers as it does alone', async () => {
    const seen = await inNamespace(9464, 19464);
    expect(seen.alone.code).toBe(0);
    expect(seen.wrapped).toEqual({ code: 0, answer: seen.alone.answer, stderr: '' });
    expect([seen.claudeServed, seen.oursServed, seen.oursHasClaudeSession]).toEqual([true, true, true]);
  }, 400_000);

  it("qwen-otel leaves OTEL_EXPORTER_PROMETHEUS_PORT to the CLI even when it names qwen-otel's own default, and says where it went", async () => {
    const seen = await inNamespace(19464, 19465, '19464');
    expect(seen.wrapped.code).toBe(0);
    expect(seen.wrapped.answer).toBe(seen.alone.answer);
    expect(seen.wrapped.stderr.trim().split('\n')).toEqual([
      "qwen-otel: port 19464 is left to the CLI's own Prometheus exporter; metrics are at http://127.0.0.1:19465/metrics",
    ]);
    expect([seen.claudeServed, seen.oursServed]).toEqual([true, true]);
  }, 400_000);
});
