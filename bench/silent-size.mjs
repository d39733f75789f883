// `node bench/silent-size.mjs` (after `npm run build`): what the page at silentRedirectUri
// loads with the tiny entry, minified, gzip -9 and brotli (q 11) bytes:
//  (a) the script tag: dist/silent-callback.iife.min.js as built;
//  (b) an app whose only import is `spa-auth/silent-callback`, bundled the way bench/size.mjs
//      bundles the typical-use app (rollup + node-resolve(browser) + esbuild to es2022 + terser
//      with the project's settings), tree-shaken from the ESM build;
// beside the whole SDK's script-tag bundle, which such a page loaded before.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT } from './libs.mjs';
import { bundle, measure } from './size.mjs';

const VIRTUAL = '\0bench-entry:silent-page';
const PAGE = `import { handleSilentCallback } from 'spa-auth/silent-callback';
handleSilentCallback({ issuer: 'https://id.example.com', clientId: 'my-spa', redirectUri: location.origin + '/callback', silentRedirectUri: location.origin + '/silent.html' });
`;

const rows = {
  'silent-callback.iife.min.js (script tag)': await readFile(join(ROOT, 'dist/silent-callback.iife.min.js'), 'utf8'),
  'app importing only spa-auth/silent-callback (ESM)': await bundle({ input: VIRTUAL, format: 'es', virtual: PAGE }),
  'spa-auth.iife.min.js (the whole SDK)': await readFile(join(ROOT, 'dist/spa-auth.iife.min.js'), 'utf8'),
};
console.log('| silent page loads | min | gzip | brotli |\n|---|--:|--:|--:|');
for (const [name, code] of Object.entries(rows)) {
  const { min, gzip, brotli } = measure(code);
  console.log(`| ${name} | ${min} | ${gzip} | ${brotli} |`);
}
