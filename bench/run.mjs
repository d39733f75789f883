// `npm run bench`: sizes, then the browser benches against the demo's oidc-provider; prints
// the tables and writes docs/benchmarks.md. Never fails on speed; fails only when a bench
// cannot run (no browser, a flow that breaks).
//
// BENCH_QUICK=1 runs fewer repetitions (for trying changes to the benches).
import { writeFile } from 'node:fs/promises';
import { CLIENT_ID } from '../demo/provider.mjs';
import { startAuth0Provider } from './auth0-provider.mjs';
import { join } from 'node:path';
import { launch, newContext, SCOPE, startBench } from './browser.mjs';
import { benchCallback, benchFetch } from './callback.mjs';
import { ROOT } from './libs.mjs';
import { benchRefreshOidc, benchRefreshSpa, TTL } from './refresh.mjs';
import { renderDoc, renderTables } from './report.mjs';
import { benchRestore } from './restore.mjs';
import { benchSignedOut } from './signed-out.mjs';
import { startBenchServer } from './server.mjs';
import { runSize } from './size.mjs';
import { systemInfo } from './system.mjs';

const quick = process.env.BENCH_QUICK === '1';
const N = quick
  ? { callback: 5, fetchBatches: 6, restore: 3, refresh: 1, refreshOidc: 1, signedOut: 1 }
  : { callback: 21, fetchBatches: 24, restore: 10, refresh: 3, refreshOidc: 3, signedOut: 3 };

const log = (...a) => console.error('[bench]', ...a);
const started = performance.now();

log('size: bundling');
const size = await runSize();

const browser = await launch();
const outside = [];
const ctx = () => newContext(browser, outside);
const stack = await startBench(
  size.bundles,
  { main: {}, short: { provider: { accessTokenTTL: TTL }, page: { store: 'local' } } },
  ['spa-auth', 'oidc-client-ts'],
);
const auth0Server = await startBenchServer({ lib: 'auth0-spa-js', bundle: size.bundles['auth0-spa-js'] });
const auth0Provider = await startAuth0Provider({ appOrigins: [auth0Server.url] });
auth0Server.configure({ issuer: auth0Provider.issuer, clientId: CLIENT_ID, scope: SCOPE });
let run;
try {
  const system = systemInfo(browser);
  const { main, short } = stack;
  const open = async (id) => ({
    page: await (await ctx()).newPage(),
    origin: main.servers[id].url,
    provider: main.provider,
  });

  log(`callback: ${N.callback} runs per library`);
  const libs = {
    'spa-auth': await open('spa-auth'),
    'oidc-client-ts': await open('oidc-client-ts'),
    'auth0-spa-js': { page: await (await ctx()).newPage(), origin: auth0Server.url, provider: auth0Provider },
  };
  const callback = await benchCallback({ runs: N.callback, libs });

  log('fetch overhead');
  const fetch = await benchFetch(libs['spa-auth'].page, { batches: N.fetchBatches });
  await Promise.all(Object.values(libs).map(({ page }) => page.context().close()));

  log(`restore: ${N.restore} runs per scenario`);
  const restore = await benchRestore({
    runs: N.restore,
    provider: main.provider,
    spa: { context: await ctx(), origin: main.servers['spa-auth'].url },
    oidc: { context: await ctx(), origin: main.servers['oidc-client-ts'].url },
  });

  log(`signed-out loads, provider page left in the frame: ${N.signedOut} tabs per library, 2 loads each`);
  const signedOut = await benchSignedOut({ runs: N.signedOut, bundles: size.bundles, newContext: ctx });

  log(`refresh coalescing: ${N.refresh} runs (spa-auth), ${N.refreshOidc} (oidc-client-ts, 4 × 1)`);
  const spaContext = await ctx();
  const spa = await benchRefreshSpa({
    runs: N.refresh,
    context: spaContext,
    origin: short.servers['spa-auth'].url,
    provider: short.provider,
  });
  await spaContext.close();
  const oidc = await benchRefreshOidc({
    runs: N.refreshOidc,
    newContext: ctx,
    origin: short.servers['oidc-client-ts'].url,
    provider: short.provider,
  });

  run = {
    system,
    size,
    callback,
    fetch,
    restore,
    signedOut,
    refresh: { spa, oidc },
    ttl: TTL,
    outside: { count: outside.length, hosts: [...new Set(outside.map((u) => new URL(u).host))] },
  };
} finally {
  await browser.close();
  await Promise.all([stack.stop(), auth0Server.stop(), auth0Provider.stop()]);
}
run.seconds = (performance.now() - started) / 1000;

console.log(renderTables(run));
if (quick) {
  log('BENCH_QUICK: docs/benchmarks.md not written');
} else {
  const file = join(ROOT, 'docs/benchmarks.md');
  await writeFile(file, renderDoc(run));
  log(`wrote ${file} (${Math.round(run.seconds)} s)`);
}
