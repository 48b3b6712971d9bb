// Benchmark helper: a Node process the size of a coding CLI's worker. It builds a JS heap of
// ~400 MiB of small objects (as a CLI's history and schemas are), then sends 5 OpenAI-chat
// requests of ~200 KB to a local server, one per turn; at exit (after the agent's exit handler)
// it prints its VmHWM and its CPU time.
//   node large-process.js URL
import { readFileSync, writeSync } from 'node:fs';
import { syntheticRequest } from '../../traffic/bodies';

const HEAP_CHUNKS = 400;
const OBJECTS_PER_CHUNK = 16_000;
const TURNS = 5;

const held: Array<Array<{ i: number; chunk: number; turn: number }>> = [];
for (let chunk = 0; chunk < HEAP_CHUNKS; chunk++) {
  const objects = [];
  // Numbers only: with a template string per object (`turn ${chunk} line ${i}`) V8 itself is
  // bimodal: VmHWM ~480 or ~730 MiB from run to run, plain or not (5 of 8 plain runs high, 4 of 8
  // with the agent), which no number of rounds pairs away. With numbers the spread is a few MiB.
  for (let i = 0; i < OBJECTS_PER_CHUNK; i++) objects.push({ i, chunk, turn: i % 7 });
  held.push(objects);
}

process.on('exit', () => {
  const status = readFileSync('/proc/self/status', 'latin1');
  const cpu = process.cpuUsage();
  const hwmKiB = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  writeSync(1, `${JSON.stringify({ hwmKiB, cpuMs: (cpu.user + cpu.system) / 1000, chunks: held.length })}\n`);
});

(async () => {
  const { body } = syntheticRequest('openai-chat', 200 * 1024);
  for (let turn = 0; turn < TURNS; turn++) {
    const reply = await fetch(`${process.argv[2]}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    await reply.text();
  }
})().catch((error: Error) => {
  process.stderr.write(`large-process: ${error.message}\n`);
  process.exitCode = 1;
});
