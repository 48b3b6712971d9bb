// Each real coding CLI, installed from npm at a pinned version, runs the default two-tool script
// of the scripted model server offline; a second run must send the same request sequence.
import { beforeAll, describe, expect, it } from 'vitest';
import type { RecordedExchange } from '../src/bench/model-server/server';
import { installCli } from '../src/bench/targets/install';
import { CLI_TARGETS, SCRIPT_PROMPT, type CliName } from '../src/bench/targets/registry';
import { runCliAgainstModel, type CliRun } from '../src/bench/targets/session';
import { PID_DIGIT_SLACK } from './helpers/pid-digits';

const RUN_TIMEOUT_MS = 120_000;
const CLIS: CliName[] = ['qwen', 'claude', 'gemini', 'codex'];

/**
 * Tool output that may legitimately change between runs, by at most this many bytes per result:
 * Qwen and Gemini end each shell result with a pid (see PID_DIGIT_SLACK). Claude returns the bare
 * output; Codex's header has fixed widths ("Chunk ID: <6 hex>", "Wall time: 0.0000 seconds").
 */
const RESULT_SLACK: Record<CliName, number> = { qwen: PID_DIGIT_SLACK, claude: 0, gemini: PID_DIGIT_SLACK, codex: 0 };

const bins = new Map<CliName, string>();

beforeAll(async () => {
  const installed = await Promise.all(CLIS.map((name) => installCli(CLI_TARGETS[name].spec)));
  for (const [index, name] of CLIS.entries()) bins.set(name, installed[index]!.binPath(CLI_TARGETS[name].bin));
}, 300_000);

function runCli(name: CliName): Promise<CliRun> {
  const target = CLI_TARGETS[name];
  return runCliAgainstModel({ bin: bins.get(name)!, invocation: target.invocation, prompt: SCRIPT_PROMPT, timeoutMs: RUN_TIMEOUT_MS });
}

/** The final answer as each CLI prints it in its JSON output mode. */
function finalAnswer(name: CliName, stdout: string): unknown {
  if (name === 'qwen') return (JSON.parse(stdout) as Array<{ type?: string; result?: string }>).find((e) => e.type === 'result')?.result;
  if (name === 'claude') return (JSON.parse(stdout) as { result?: string }).result;
  if (name === 'gemini') return (JSON.parse(stdout) as { response?: string }).response;
  const events = stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { type: string; item?: { type: string; text?: string } });
  return events.filter((e) => e.type === 'item.completed' && e.item?.type === 'agent_message').pop()?.item?.text;
}

function mainRequests(run: CliRun, name: CliName): RecordedExchange[] {
  return run.requests.filter((r) => r.requestKind === 'main' && r.format === CLI_TARGETS[name].format);
}

function sequenceShape(requests: RecordedExchange[]) {
  return requests.map((r) => ({
    method: r.method,
    path: r.path,
    requestKind: r.requestKind,
    messageCount: r.messageCount,
    toolCount: r.toolCount,
    toolResultCount: r.toolResultCount,
    requestBytesWithoutToolResults: r.requestBytes - r.toolResultBytes,
  }));
}

describe.each(CLIS)('%s against the scripted model server', (name) => {
  const runs: CliRun[] = [];

  it(
    'completes the two-tool script offline',
    async () => {
      const run = await runCli(name);
      runs.push(run);
      expect(run.exitCode, run.stderr).toBe(0);
      expect(finalAnswer(name, run.stdout)).toBe('Done.');
      expect(run.requests.every((r) => r.status === 200)).toBe(true);

      const main = mainRequests(run, name);
      expect(main.map((r) => [r.toolResultCount, r.replyKind])).toEqual([
        [0, 'tool_calls'],
        [1, 'tool_calls'],
        [2, 'text'],
      ]);
      expect(main.flatMap((r) => r.toolCallNames)).toHaveLength(2);
      expect(main.every((r) => r.stream && r.toolCount > 0)).toBe(true);
      expect(main[1]!.toolResultBytes).toBeGreaterThan(0);
      expect(main[2]!.toolResultBytes).toBeGreaterThan(main[1]!.toolResultBytes);
    },
    RUN_TIMEOUT_MS + 10_000,
  );

  it(
    'sends the same request sequence on a second run',
    async () => {
      const first = runs[0] ?? (await runCli(name));
      const second = await runCli(name);
      expect(second.exitCode, second.stderr).toBe(0);
      expect(sequenceShape(second.requests)).toEqual(sequenceShape(first.requests));
      for (const [index, request] of second.requests.entries()) {
        const before = first.requests[index]!;
        const slack = RESULT_SLACK[name] * request.toolResultCount;
        expect(Math.abs(request.toolResultBytes - before.toolResultBytes)).toBeLessThanOrEqual(slack);
        if (request.toolResultBytes === before.toolResultBytes) expect(request.requestBytes).toBe(before.requestBytes);
      }
    },
    2 * RUN_TIMEOUT_MS + 10_000,
  );
});
