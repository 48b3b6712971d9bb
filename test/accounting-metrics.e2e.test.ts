// The typed API's accounting, from the CLI's call to the exporters: each kind's figures arrive
// typed (checked against the protocol's schema on the way in) and land in their histograms and
// counters and in the record.
import { describe, expect, it } from 'vitest';
import { API, find, parsePrometheus, readRecords, runWrapped, sandbox, WAIT_FOR_METRICS_URL, writeScript } from './helpers/e2e';

const SCRIPT = `${WAIT_FOR_METRICS_URL}
const otel = require(${JSON.stringify(API)});
otel.recordRequest({ totalBytes: 1200, systemBytes: 500, toolSchemaBytes: 300, historyBytes: 400, messageCount: 3, model: 'qwen3-coder' });
otel.recordToolResult({ bytes: 4096, truncated: true, tool: 'read_file' });
otel.recordTokens({ input: 100, output: 20 });
otel.recordCompression({ beforeBytes: 9000, afterBytes: 3000 });
// Out of range: refused by the collector and counted, never a figure.
otel.recordToolResult({ bytes: -5, tool: 'bad' });
metricsUrl().then(async (url) => {
  await sleep(1500);
  console.log(await (await fetch(url)).text());
});
`;

describe('accounting from the typed API to the exporters', () => {
  it('each kind lands in its instruments and the record; a figure out of range is counted, not taken', async () => {
    const box = sandbox('accounting', { QWEN_OTEL: '1' });
    const script = writeScript(box.dir, 'account.js', SCRIPT);
    const result = await runWrapped([process.execPath, script], box.env);
    expect(result.code).toBe(0);
    const series = parsePrometheus(result.stdout);
    const one = (name: string, labels: Record<string, string> = {}): number => find(series, name, labels)[0]?.value ?? Number.NaN;
    expect(one('qwen_otel_request_size_bytes_sum', { part: 'total' })).toBe(1200);
    expect(one('qwen_otel_request_size_bytes_sum', { part: 'system' })).toBe(500);
    expect(one('qwen_otel_request_messages_sum')).toBe(3);
    expect(one('qwen_otel_tool_result_size_bytes_sum', { truncated: 'true' })).toBe(4096);
    expect(one('gen_ai_client_token_usage_sum', { gen_ai_token_type: 'input' })).toBe(100);
    expect(one('gen_ai_client_token_usage_sum', { gen_ai_token_type: 'output' })).toBe(20);
    const [record] = readRecords(box.recordFile);
    expect(record).toMatchObject({
      requests: 1,
      model: 'qwen3-coder',
      peak_request_bytes: 1200,
      compressions: 1,
      tokens: { input: 100, output: 20 },
      tool_results: { count: 1, total_bytes: 4096, truncated: 1 },
      tool_calls_by_name: { read_file: 1 },
      dropped_lines: 1,
    });
  });
});
