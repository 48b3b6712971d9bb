import { describe, expect, it } from 'vitest';
import { runCommand } from '../src/bench/run-command';
import { API, readRecords, sandbox, writeScript } from './helpers/e2e';

describe('the typed API', () => {
  it('is a no-op when QWEN_OTEL is off, returns what the wrapped function returns, and passes errors through', async () => {
    const box = sandbox('api-off');
    const script = writeScript(
      box.dir,
      'off.js',
      `
      const otel = require(${JSON.stringify(API)});
      const value = otel.phase('x', () => 41) + 1;
      otel.recordRequest({ totalBytes: 5 });
      otel.startSubagent('s').end();
      let caught = null;
      try { otel.phase('y', () => { throw new RangeError('boom'); }); } catch (e) { caught = e.name; }
      otel.phase('z', async () => 7).then((v) => console.log(JSON.stringify({ value, v, caught, enabled: otel.isEnabled(), cache: Object.keys(require.cache).filter((k) => k.includes('/agent/')).length })));`,
    );
    const result = await runCommand(process.execPath, [script], { env: box.env });
    expect(JSON.parse(result.stdout)).toEqual({ value: 42, v: 7, caught: 'RangeError', enabled: false, cache: 0 });
  });

  it('when on without a preload, starts the agent itself, and keeps content out of what it sends', async () => {
    const box = sandbox('api-on', { QWEN_OTEL: '1' });
    const script = writeScript(
      box.dir,
      'on.js',
      `
      const otel = require(${JSON.stringify(API)});
      otel.phase('turn', () => {
        otel.recordRequest({ totalBytes: 1200, systemBytes: 500, messageCount: 3, model: 'qwen3-coder' });
        otel.recordToolResult({ bytes: 300, truncated: true, tool: 'run_shell_command' });
        otel.recordToolResult({ bytes: 900, tool: 'Summarise /home/alice/secret-project please' });
        otel.recordTokens({ input: 300, output: 20, cached: 100 });
        otel.recordSavedOutputRecovery({ bytes: 300 });
        otel.recordCompression({ beforeBytes: 1000, afterBytes: 200 });
      }, { note: 'the user asked: what is my password' });
      console.log(otel.isEnabled());`,
    );
    const result = await runCommand(process.execPath, [script], { env: box.env });
    expect(result.stdout).toBe('true\n');
    let record: Record<string, any> | undefined;
    for (let i = 0; i < 40 && !record; i += 1) {
      [record] = readRecords(box.recordFile);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(record).toMatchObject({
      requests: 1,
      model: 'qwen3-coder',
      history_items: 3,
      peak_request_bytes: 1200,
      tokens: { input: 300, output: 20, cached: 100 },
      tool_results: { count: 2, total_bytes: 1200, largest_bytes: 900, truncated: 1 },
      tool_calls_by_name: { run_shell_command: 1, unknown: 1 },
      saved_output_recoveries: 1,
      compressions: 1,
      truncations: 1,
    });
    expect(JSON.stringify(record)).not.toMatch(/alice|password|secret/);
  });
});
