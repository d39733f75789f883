import { nodeResolve } from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import esbuild from 'rollup-plugin-esbuild';
import dts from 'rollup-plugin-dts';
import { stripMessages } from './scripts/strip-messages.mjs';

// The artifacts:
//  - dist/index.js, dist/dpop.js, dist/popup.js, dist/userinfo.js, dist/silent-callback.js: ESM
//    for bundlers, oauth4webapi left external so apps dedupe it;
//  - dist/spa-auth.iife.min.js: one minified file for a <script> tag, global `SpaAuth`;
//  - dist/silent-callback.iife.min.js: the silent page's tiny script, global `SpaAuthSilent`;
//  - dist/index.d.ts, dist/dpop.d.ts, dist/popup.d.ts, dist/userinfo.d.ts,
//    dist/silent-callback.d.ts: bundled declarations.
// esbuild only strips types; `npm run typecheck` runs tsc. terser minifies the script-tag
// bundle (a few percent smaller than esbuild's minifier), and oauth4webapi's error sentences
// are dropped from it because spa-auth never surfaces them (scripts/strip-messages.mjs).
/** The script-tag bundle's minifier settings; bench/size.mjs minifies the peers with the same. */
export const terserOptions = { ecma: 2020, compress: { passes: 3 }, format: { comments: /^!/ } };

/** The script-tag bundle includes oauth4webapi: both licence notices travel with it. */
const banner = '/*! spa-auth | MIT License | includes oauth4webapi, (c) Filip Skokan, MIT License */';

/**
 * The ESM entries. The opt-in features are entries of their own (spa-auth/dpop, spa-auth/popup,
 * spa-auth/userinfo): an app that does not import them does not carry them. So is the silent
 * page's (spa-auth/silent-callback), which needs neither oauth4webapi nor the client.
 */
const entries = {
  index: 'src/index.ts',
  dpop: 'src/dpop-support.ts',
  popup: 'src/popup.ts',
  userinfo: 'src/userinfo.ts',
  'silent-callback': 'src/silent-callback.ts',
};

export default [
  {
    // Code the entries share lives in shared chunks, so there is one AuthError class.
    input: entries,
    external: ['oauth4webapi'],
    output: { dir: 'dist', format: 'es', chunkFileNames: 'shared-[hash].js' },
    plugins: [esbuild({ target: 'es2022' })],
  },
  {
    input: 'src/iife.ts',
    output: { file: 'dist/spa-auth.iife.min.js', format: 'iife', name: 'SpaAuth', exports: 'named', banner },
    plugins: [nodeResolve({ browser: true }), stripMessages(), esbuild({ target: 'es2022' }), terser(terserOptions)],
  },
  {
    // The silent page's script tag: no oauth4webapi in it, so only spa-auth's notice.
    input: 'src/silent-callback.ts',
    output: {
      file: 'dist/silent-callback.iife.min.js',
      format: 'iife',
      name: 'SpaAuthSilent',
      exports: 'named',
      banner: '/*! spa-auth | MIT License */',
    },
    plugins: [esbuild({ target: 'es2022' }), terser(terserOptions)],
  },
  {
    input: entries,
    output: { dir: 'dist', format: 'es', chunkFileNames: 'shared-[hash].d.ts' },
    plugins: [dts()],
  },
];
