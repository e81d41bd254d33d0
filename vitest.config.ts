import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/util/temp-dir.setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // End-to-end tests run the CLI with a worker pool of their own; on a 2-core machine running
    // test files in parallel only makes each slower.
    fileParallelism: false,
  },
});
