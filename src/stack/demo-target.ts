// A small instrumented "CLI" for the stack's demo and its end-to-end test: a few model turns
// reported through the typed API, a shell child, a known amount of retained memory, garbage to
// collect. `--retain-mib 100` is a bloated candidate; `--hold-ms` keeps a live session running.
//   qwen-otel run --cli demo --branch main --workload w -- node dist/stack/demo-target.js --retain-mib 20
// Under `qwen-otel bench` (generic preset: QWEN_OTEL_BENCH_BASE_URL set, the prompt as the last
// argument) it plays the workload's conversation with the scripted model server instead.
import { spawnSync } from 'node:child_process';
import * as otel from '../api';
import { converse } from './demo-agent';

interface TargetOptions {
  retainMiB: number;
  holdMs: number;
  turns: number;
  /** The prompt `qwen-otel bench` appends, if any. */
  prompt: string | null;
}

function parse(given: string[]): TargetOptions {
  // `qwen-otel bench`'s generic preset appends the workload's prompt: a trailing word, not an option.
  const last = given[given.length - 1];
  const prompt = given.length % 2 === 1 && last !== undefined && !last.startsWith('-') ? last : null;
  const argv = prompt === null ? given : given.slice(0, -1);
  const options: TargetOptions = { retainMiB: 20, holdMs: 0, turns: 3, prompt };
  for (let i = 0; i < argv.length; i += 2) {
    const value = Number(argv[i + 1]);
    if (!Number.isFinite(value) || value < 0) throw new Error(`${argv[i]} needs a number, got "${argv[i + 1]}"`);
    if (argv[i] === '--retain-mib') options.retainMiB = value;
    else if (argv[i] === '--hold-ms') options.holdMs = value;
    else if (argv[i] === '--turns') options.turns = value;
    else throw new Error(`unknown option ${argv[i]} (--retain-mib N, --hold-ms N, --turns N)`);
  }
  return options;
}

const retained: string[] = [];
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const PIECES_PER_MIB = 4;
const retainedMiB = (): number => retained.length / PIECES_PER_MIB;

/**
 * Retains `mib` MiB of distinct strings on the V8 heap (a history that keeps tool output), in
 * 256 KiB pieces: Node makes a string decoded from a Buffer of ~1 MiB or more an external string,
 * outside the heap's figures.
 */
function retain(mib: number): void {
  const piece = (1024 * 1024) / PIECES_PER_MIB;
  for (let i = 0; i < mib * PIECES_PER_MIB; i += 1) {
    const chunk = Buffer.alloc(piece, 97 + (retained.length % 26));
    chunk.write(`${retained.length}:`);
    retained.push(chunk.toString('latin1')); // a flat heap string (repeat/padEnd would build a tiny rope)
  }
}

async function turn(n: number, options: TargetOptions): Promise<void> {
  await otel.phase('turn', async () => {
    const historyBytes = retainedMiB() * 1024 * 1024;
    otel.recordRequest({
      totalBytes: 70_000 + historyBytes,
      systemBytes: 38_000,
      toolSchemaBytes: 32_000,
      toolSchemaCount: 15,
      historyBytes,
      messageCount: 2 + 2 * n,
      model: 'demo-model',
    });
    await otel.phase('chat demo-model', () => sleep(20));
    otel.recordTokens({ input: 18_000 + n * 500, output: 60 });
    await otel.phase('execute_tool run_shell_command', async () => {
      spawnSync('sh', ['-c', 'sleep 0.2'], { stdio: 'ignore' });
      otel.recordToolResult({ bytes: 4096 * (n + 1), tool: 'run_shell_command' });
    });
    retain(options.retainMiB / options.turns);
  });
}

/** The model requests go through fetch (the traffic tap accounts for them); memory grows per turn. */
async function benchConversation(baseUrl: string, prompt: string, options: TargetOptions): Promise<void> {
  const share = options.retainMiB / options.turns;
  await converse(baseUrl, prompt, () => retain(Math.min(share, options.retainMiB - retainedMiB())));
  retain(options.retainMiB - retainedMiB());
}

async function main(): Promise<void> {
  const options = parse(process.argv.slice(2));
  const benchUrl = process.env.QWEN_OTEL_BENCH_BASE_URL;
  if (benchUrl && options.prompt !== null) await benchConversation(benchUrl, options.prompt, options);
  else for (let n = 0; n < options.turns; n += 1) await turn(n, options);
  const end = Date.now() + options.holdMs;
  while (Date.now() < end) {
    JSON.stringify(new Array(20_000).fill({ garbage: 'x'.repeat(16) })); // something for the GC
    await sleep(100);
  }
  process.stdout.write(`demo-target: retained ${retainedMiB()} MiB\n`);
}

main().catch((error: Error) => {
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  process.stderr.write(`demo-target: ${error.message}${cause}\n`);
  process.exitCode = 2;
});
