// The libraries compared, in table order. spa-auth is the subject; the others are peers
// pinned as dev dependencies.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

const versionOf = (pkg) => {
  const file = pkg === 'spa-auth' ? `${ROOT}package.json` : require.resolve(`${pkg}/package.json`);
  return JSON.parse(readFileSync(file, 'utf8')).version;
};

/** `global`: the IIFE global the bench pages use. */
export const LIBS = [
  { id: 'spa-auth', pkg: 'spa-auth', global: 'SpaAuth' },
  { id: 'oidc-client-ts', pkg: 'oidc-client-ts', global: 'oidc' },
  { id: 'auth0-spa-js', pkg: '@auth0/auth0-spa-js', global: 'auth0' },
].map((l) => ({ ...l, version: versionOf(l.pkg) }));

export const versions = () => ({
  ...Object.fromEntries(LIBS.map((l) => [l.pkg, l.version])),
  oauth4webapi: versionOf('oauth4webapi'),
  rollup: versionOf('rollup'),
  esbuild: versionOf('esbuild'),
  'oidc-provider': versionOf('oidc-provider'),
  'playwright-core': versionOf('playwright-core'),
});
