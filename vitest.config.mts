import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 300_000,
    // Tests spawn real processes and read /proc: keep files apart, not parallel within a file.
    fileParallelism: true,
    maxWorkers: 2,
    // The suite's real CLIs (1.4 GB) stay in the checkout's .cache/clis, whatever HOME a test
    // gives its processes, rather than in the per-user cache a user's bench uses.
    env: { QWEN_OTEL_CLI_CACHE_DIR: process.env.QWEN_OTEL_CLI_CACHE_DIR ?? fileURLToPath(new URL('.cache/clis', import.meta.url)) },
  },
});
