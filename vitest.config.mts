import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 300_000,
    // Tests spawn real processes and read /proc: keep files apart, not parallel within a file.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
