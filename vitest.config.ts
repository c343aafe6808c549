import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Temporal's native bridge and embedded servers want real processes, not worker threads.
    pool: 'forks',
    // Two cores: one test file per core keeps each file's own Temporal server responsive.
    maxWorkers: 2,
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', '.data/**', '.scratch/**'],
    globalSetup: ['test/global-setup.ts'],
    reporters: ['default', './test/summary-reporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
