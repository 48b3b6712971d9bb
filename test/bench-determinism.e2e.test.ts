// The same target and workload twice give the same request sequence (sizes and counts) at the
// scripted server: the conversation is fixed, so differences between CLIs are the runtimes'.
import { describe, expect, it } from 'vitest';
import { readResults, runBench } from './helpers/bench-matrix';
import { tempDir } from './helpers/e2e';

describe('determinism', () => {
  it.each([['qwen@0.15.10'], ['claude@2.1.112']])(
    '%s: code-nav twice, the same requests',
    async (target) => {
      const out = tempDir('bench-det');
      const bench = await runBench([
        '--target',
        target,
        '--workload',
        'code-nav',
        '--repeats',
        '2',
        '--warmup',
        '0',
        '--out',
        out,
        '--metrics-port',
        'off',
      ]);
      expect(bench.code, bench.stderr).toBe(0);
      const [first, second] = readResults(out);
      expect(first.server.sequence.length).toBe(4);
      expect(second.server.sequence).toEqual(first.server.sequence);
      expect(second.server.prompt_tokens).toBe(first.server.prompt_tokens);
      expect(second.server.completion_tokens).toBe(first.server.completion_tokens);
    },
    180_000,
  );
});
