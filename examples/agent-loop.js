#!/usr/bin/env node
// A toy agent loop instrumented with qwen-otel's typed API: what a CLI's own source would call
// for what only it knows (phases, request composition, tool results, subagents, compression).
//
//   npx qwen-otel run --summary -- node examples/agent-loop.js
//
// Without QWEN_OTEL=1 (which `qwen-otel run` sets) every call below is a no-op.
const otel = require('qwen-otel');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const history = [];

async function turn(n) {
  return otel.phase('turn', async () => {
    const request = otel.phase('request_assembly', () => {
      const system = 'x'.repeat(38_000);
      const tools = 'y'.repeat(30_000);
      const body = JSON.stringify({ system, tools, history });
      otel.recordRequest({
        totalBytes: Buffer.byteLength(body),
        systemBytes: system.length,
        toolSchemaBytes: tools.length,
        toolSchemaCount: 15,
        historyBytes: Buffer.byteLength(JSON.stringify(history)),
        messageCount: history.length + 2,
        model: 'example-model',
      });
      return body;
    });
    await otel.phase('chat example-model', () => sleep(80 + request.length / 10_000));
    otel.recordTokens({ input: Math.ceil(request.length / 4), output: 40 });
    await otel.phase('execute_tool run_shell_command', async () => {
      const output = 'z'.repeat(n === 2 ? 300_000 : 2_000);
      const kept = output.length > 25_000 ? output.slice(0, 25_000) : output;
      otel.recordToolResult({ bytes: output.length, truncated: kept !== output, tool: 'run_shell_command' });
      history.push({ role: 'tool', content: kept });
      await sleep(30);
    });
  });
}

async function main() {
  await otel.phase('startup', () => sleep(50));
  for (let n = 0; n < 4; n += 1) await turn(n);
  const sub = otel.startSubagent('reviewer');
  await sleep(60);
  sub.end();
  otel.phase('compression', () => {
    const before = Buffer.byteLength(JSON.stringify(history));
    history.splice(0, history.length - 1);
    otel.recordCompression({ beforeBytes: before, afterBytes: Buffer.byteLength(JSON.stringify(history)) });
  });
  console.log(`done: ${history.length} history item(s) kept; instrumented: ${otel.isEnabled()}`);
}

main();
