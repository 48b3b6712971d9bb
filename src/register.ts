// The preload (`node --require qwen-otel/register`, or through NODE_OPTIONS / BUN_OPTIONS).
// Off unless QWEN_OTEL is set to an "on" value, and then it returns having loaded nothing: this
// file is kept tiny because every Node process pays for reading it (the agent is ~28 KB).
export {};

const switchValue = (process.env.QWEN_OTEL ?? '').trim().toLowerCase();
const on = switchValue === '1' || switchValue === 'true' || switchValue === 'on' || switchValue === 'yes';

if (on) {
  (globalThis as Record<symbol, bigint>)[Symbol.for('qwen-otel.preload-start')] = process.hrtime.bigint();
  (globalThis as Record<symbol, NodeJS.CpuUsage>)[Symbol.for('qwen-otel.preload-cpu')] = process.cpuUsage();
  try {
    // One bundled file (esbuild): loading the agent as ~20 separate modules cost ~6 ms more.
    require(`${__dirname}/agent.bundle.js`);
  } catch (error) {
    process.stderr.write(`qwen-otel: not started: ${(error as Error).message}\n`);
  }
} else if (!['', '0', 'false', 'off', 'no'].includes(switchValue) && !process.env.QWEN_OTEL_WARNED) {
  process.env.QWEN_OTEL_WARNED = '1';
  process.stderr.write(
    `qwen-otel: QWEN_OTEL=${JSON.stringify(process.env.QWEN_OTEL?.slice(0, 20))} is not valid (expected 1 to turn on, or 0); staying off\n`,
  );
}
