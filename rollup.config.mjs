import { nodeResolve } from '@rollup/plugin-node-resolve';
import esbuild from 'rollup-plugin-esbuild';
import dts from 'rollup-plugin-dts';

// Three artifacts (see API.md "Packaging"):
//  - dist/index.js: ESM for bundlers, oauth4webapi left external so apps dedupe it;
//  - dist/spa-auth.iife.min.js: one minified file for a <script> tag, global `SpaAuth`;
//  - dist/index.d.ts: one bundled declaration file.
// esbuild only strips types; `npm run typecheck` runs tsc.
export default [
  {
    input: 'src/index.ts',
    external: ['oauth4webapi'],
    output: { file: 'dist/index.js', format: 'es' },
    plugins: [esbuild({ target: 'es2022' })],
  },
  {
    input: 'src/iife.ts',
    output: { file: 'dist/spa-auth.iife.min.js', format: 'iife', name: 'SpaAuth', exports: 'named' },
    plugins: [nodeResolve({ browser: true }), esbuild({ target: 'es2022', minify: true, legalComments: 'none' })],
  },
  {
    input: 'src/index.ts',
    output: { file: 'dist/index.d.ts', format: 'es' },
    plugins: [dts()],
  },
];
