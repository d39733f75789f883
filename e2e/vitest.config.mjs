import { defineConfig } from 'vitest/config';

// End-to-end tests: a real Chromium (playwright-core) against a real oidc-provider, all on
// 127.0.0.1. One file at a time: each starts its own servers and browser, and 2 cores are
// enough for one browser, not several.
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.test.mjs'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    teardownTimeout: 20_000,
    reporters: ['default'],
  },
});
