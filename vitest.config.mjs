import { defineConfig } from 'vitest/config';

// Unit tests: happy-dom, on an origin the fake servers in test/helpers allow.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'happy-dom',
    environmentOptions: { happyDOM: { url: 'https://app.example.com/' } },
    restoreMocks: true,
    testTimeout: 10_000,
  },
});
