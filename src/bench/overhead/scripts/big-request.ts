// Benchmark helper, run in a fresh process: sends the same ~5 MB OpenAI-chat request N times to
// a local server and prints how long each took (fetch to the reply read whole: wall and the
// process's CPU), or, with `scan`, how long the tap's request parser takes on that body alone.
//   node big-request.js plain|scan URL N
import { syntheticRequest } from '../../traffic/bodies';
import { WIRE_PARSERS } from '../../../traffic/parsers';

const [mode, base, count] = process.argv.slice(2);
const { body, url } = syntheticRequest('openai-chat', 5 * 1024 * 1024);
const target = `${base}/v1/chat/completions`;

async function once(): Promise<[number, number]> {
  const began = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  if (mode === 'scan') {
    if (!WIRE_PARSERS['openai-chat'].parseRequest(body, url)) throw new Error('the body did not parse');
  } else {
    const reply = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    await reply.text();
  }
  const used = process.cpuUsage(cpu);
  return [Number(process.hrtime.bigint() - began) / 1e6, (used.user + used.system) / 1000];
}

(async () => {
  const ms: number[] = [];
  const cpuMs: number[] = [];
  for (let i = 0; i < Number(count); i++) {
    const [wall, cpu] = await once();
    ms.push(wall);
    cpuMs.push(cpu);
  }
  process.stdout.write(`${JSON.stringify({ ms, cpuMs, bodyBytes: Buffer.byteLength(body) })}\n`);
})().catch((error: Error) => {
  process.stderr.write(`big-request: ${error.message}\n`);
  process.exitCode = 1;
});
