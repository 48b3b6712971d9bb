#!/usr/bin/env node
// Real Qwen Code under qwen-otel, offline: installs @qwen-code/qwen-code@0.15.10 into the CLI
// cache (~/.cache/qwen-otel/clis, or QWEN_OTEL_CLI_CACHE_DIR),
// starts the scripted model server, and runs a two-tool task through `qwen-otel run`.
//
//   node examples/qwen-code.js            (after npm install, which builds dist/)
//
// Prints Qwen's answer, qwen-otel's one-line summary, and where the run record and metrics are.
const path = require('node:path');
const os = require('node:os');
const fs = require('node:fs');
const { spawn } = require('node:child_process');
const dist = path.join(__dirname, '..', 'dist');
const { startModelServer } = require(path.join(dist, 'bench/model-server/server.js'));
const { defaultCliCacheDir, installCli } = require(path.join(dist, 'bench/targets/install.js'));
const { qwenInvocation } = require(path.join(dist, 'bench/targets/qwen.js'));

async function main() {
  process.stderr.write(`installing @qwen-code/qwen-code@0.15.10 (once, into ${defaultCliCacheDir()}) ...\n`);
  const qwen = (await installCli('@qwen-code/qwen-code@0.15.10')).binPath('qwen');
  const server = await startModelServer();
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'qwen-otel-example-'));
  const { args, env } = qwenInvocation({ baseUrl: server.url, prompt: 'Run the two echo commands, then say Done.', home });
  const recordFile = path.join(home, 'runs.jsonl');
  const child = spawn(path.join(__dirname, '..', 'bin', 'qwen-otel'), ['run', '--summary', '--workload', 'example', '--', qwen, ...args], {
    cwd: home,
    env: { ...env, QWEN_OTEL_RECORD_FILE: recordFile, OTEL_TRACES_EXPORTER: process.env.OTEL_TRACES_EXPORTER ?? 'none' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  const code = await new Promise((resolve) => child.on('close', resolve));
  await server.close();
  const result = JSON.parse(out).find((entry) => entry.type === 'result');
  console.log(`qwen answered: ${JSON.stringify(result && result.result)} (exit ${code})`);
  console.log(`run record: ${recordFile}`);
  const record = JSON.parse(fs.readFileSync(recordFile, 'utf8').trim().split('\n').pop());
  for (const p of record.processes.filter((p) => p.instrumented)) {
    console.log(`  ${p.role.padEnd(10)} peak RSS ${(p.hwm_bytes / 2 ** 20).toFixed(0)} MiB, V8 heap peak ${(p.heap_used_peak_bytes / 2 ** 20).toFixed(0)} MiB`);
  }
  console.log(`  diagnosis: ${record.diagnosis.class}: ${record.diagnosis.reason}`);
}

main().catch((error) => {
  console.error(`example failed: ${error.message}`);
  process.exitCode = 1;
});
