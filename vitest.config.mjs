import { defineConfig } from 'vitest/config';

// Unit tests: happy-dom, on an origin the fake servers in test/helpers allow.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'happy-dom',
    environmentOptions: { happyDOM: { url: 'https://app.example.com/' } },
    // leaves happy-dom's expected "Iframe page loading is disabled" errors out of the output
    setupFiles: ['test/helpers/setup.ts'],
    restoreMocks: true,
    testTimeout: 10_000,
  },
});
