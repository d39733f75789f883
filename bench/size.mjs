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
import { build as esbuildBuild } from 'esbuild';
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

/** The opt-in entries, each measured as the typical-use app plus that one import. */
const OPT_IN = ['dpop', 'popup', 'userinfo'];

/**
 * What each opt-in import adds to the typical-use app: the same entry with the import added
 * (and used, so it cannot be shaken out), bundled as in 1b.
 */
async function optInCosts(typical) {
  const entry = await readFile(join(ROOT, 'bench/entries/spa-auth.js'), 'utf8');
  const costs = {};
  for (const name of OPT_IN) {
    const id = name === 'userinfo' ? 'userInfo' : name;
    const code = `${entry}\nimport { ${id} } from 'spa-auth/${name}';\nconsole.log(${id});\n`;
    const size = measure(await bundle({ input: VIRTUAL + name, format: 'es', virtual: code }));
    costs[name] = { min: size.min - typical.min, gzip: size.gzip - typical.gzip, brotli: size.brotli - typical.brotli };
  }
  return costs;
}

/**
 * Each module's share of the script-tag bundle, from src/ (oauth4webapi as one row). Attribution
 * needs a bundler that reports bytes per module after minifying: esbuild's metafile. Its
 * minified total differs from the rollup + terser artifact by a few percent, and oauth4webapi's
 * error sentences are kept here; the gzip column spreads the artifact's gzip size pro rata.
 */
async function moduleShares(artifactGzip) {
  const result = await esbuildBuild({
    entryPoints: [join(ROOT, 'src/iife.ts')],
    bundle: true,
    minify: true,
    format: 'iife',
    target: 'es2022',
    platform: 'browser',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const [output] = Object.values(result.metafile.outputs);
  const byModule = new Map();
  for (const [file, { bytesInOutput }] of Object.entries(output.inputs)) {
    const name = file.includes('node_modules/') ? file.replace(/^.*node_modules\/([^/]+)\/.*$/, '$1') : file;
    byModule.set(name, (byModule.get(name) ?? 0) + bytesInOutput);
  }
  return [...byModule]
    .map(([module, min]) => ({
      module,
      min,
      share: min / output.bytes,
      gzip: Math.round((artifactGzip * min) / output.bytes),
    }))
    .sort((a, b) => b.min - a.min);
}

/** @returns {Promise<{ iife: Record<string, object>, app: Record<string, object>, optIn: Record<string, object>, shares: object[], bundles: Record<string, string> }>} */
export async function runSize() {
  const bundles = await iifeBundles();
  const iife = {};
  const app = {};
  for (const lib of LIBS) {
    iife[lib.id] = measure(bundles[lib.id]);
    app[lib.id] = measure(await bundle({ input: join(ROOT, 'bench/entries', `${lib.id}.js`), format: 'es' }));
  }
  const optIn = await optInCosts(app['spa-auth']);
  const shares = await moduleShares(iife['spa-auth'].gzip);
  return { iife, app, optIn, shares, bundles };
}
