// Test runner settings: plain Node, one fork per file so native handles (SQLite, wasm) never share state.
// Timeouts are generous because the CI machine has two cores shared with child processes under test.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    allowOnly: false,
  },
});
