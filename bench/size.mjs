// Size: minified, gzip -9 and brotli (q 11) bytes of
//  (a) the script-tag bundle: spa-auth's dist/spa-auth.iife.min.js, and each peer bundled by us
//      into an IIFE the same way (rollup + node-resolve(browser) + esbuild to es2022 + terser
//      with the project's own settings). spa-auth's file also has oauth4webapi's error
//      sentences dropped (scripts/strip-messages.mjs): that is part of the artifact it ships;
//  (b) a typical-use app bundle (bench/entries/*.js), ESM, tree-shaken, bundled the same way
//      for all three (oauth4webapi bundled in for spa-auth, as an app's bundler would, with its
//      messages intact).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import { rollup } from 'rollup';
import terser from '@rollup/plugin-terser';
import esbuild from 'rollup-plugin-esbuild';
import { terserOptions } from '../rollup.config.mjs';
import { LIBS, ROOT } from './libs.mjs';

const VIRTUAL = '\0bench-entry:';

/** Resolves `spa-auth` (and `spa-auth/<entry>`) to this repo's ESM build and serves virtual `export *` entries. */
const benchResolve = (virtual) => ({
  name: 'bench-resolve',
  resolveId(id) {
    if (id === 'spa-auth') return join(ROOT, 'dist/index.js');
    if (/^spa-auth\/[\w-]+$/.test(id)) return join(ROOT, 'dist', `${id.slice('spa-auth/'.length)}.js`);
    if (id.startsWith(VIRTUAL)) return id;
    return null;
  },
  load(id) {
    return id.startsWith(VIRTUAL) ? virtual : null;
  },
});

/** Bundles `input` the way the project builds its IIFE; returns the minified code. */
export async function bundle({ input, format, name, virtual }) {
  const build = await rollup({
    input,
    onwarn: (w, warn) => (w.code === 'CIRCULAR_DEPENDENCY' || w.code === 'THIS_IS_UNDEFINED' ? undefined : warn(w)),
    plugins: [
      benchResolve(virtual),
      nodeResolve({ browser: true }),
      esbuild({ target: 'es2022' }),
      terser(terserOptions),
    ],
  });
  const { output } = await build.generate({ format, name, exports: 'named', inlineDynamicImports: true });
  await build.close();
  return output[0].code;
}

export const measure = (code) => {
  const buf = Buffer.from(code);
  return {
    min: buf.length,
    gzip: gzipSync(buf, { level: 9 }).length,
    brotli: brotliCompressSync(buf, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: buf.length },
    }).length,
  };
};

/** The IIFE bundle each bench page loads, by library id (also used by the browser benches). */
export async function iifeBundles() {
  const out = {};
  for (const lib of LIBS) {
    out[lib.id] =
      lib.id === 'spa-auth'
        ? await readFile(join(ROOT, 'dist/spa-auth.iife.min.js'), 'utf8')
        : await bundle({
            input: VIRTUAL + lib.id,
            format: 'iife',
            name: lib.global,
            virtual: `export * from '${lib.pkg}';`,
          });
  }
  return out;
}

/** @returns {Promise<{ iife: Record<string, object>, app: Record<string, object>, bundles: Record<string, string> }>} */
export async function runSize() {
  const bundles = await iifeBundles();
  const iife = {};
  const app = {};
  for (const lib of LIBS) {
    iife[lib.id] = measure(bundles[lib.id]);
    app[lib.id] = measure(await bundle({ input: join(ROOT, 'bench/entries', `${lib.id}.js`), format: 'es' }));
  }
  return { iife, app, bundles };
}
