// The React example: `npm run build` first (it imports spa-auth from the repository's dist/),
// then set VITE_ISSUER, VITE_CLIENT_ID and VITE_API_URL and run `npx vite examples/react`.
// The e2e suite (e2e/examples.e2e.test.mjs) builds it with the same file.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
  resolve: { alias: { 'spa-auth': fileURLToPath(new URL('../../dist/index.js', import.meta.url)) } },
});
