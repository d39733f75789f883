// Browser and stack set-up shared by the browser benches: Chromium with the project's flags,
// nothing but 127.0.0.1 reachable, one bench origin per library, the demo's oidc-provider.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { findBrowser } from '../e2e/browser-path.mjs';
import { LAUNCH_ARGS, login } from '../e2e/browser.mjs';
import { CLIENT_ID, startProvider } from '../demo/provider.mjs';
import { startBenchServer } from './server.mjs';

/** Every host name resolves to nothing and every other address goes to a dead proxy: only 127.0.0.1 is reachable. */
const ISOLATION = [
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
  '--proxy-server=http://127.0.0.1:9',
  '--proxy-bypass-list=127.0.0.1',
];

export const SCOPE = 'openid profile offline_access api';

/** Launches Chromium; when none is found, e2e/ensure-browser.mjs installs one first. */
export async function launch() {
  if (!findBrowser())
    execFileSync(process.execPath, [fileURLToPath(new URL('../e2e/ensure-browser.mjs', import.meta.url))], {
      stdio: 'inherit',
    });
  const found = findBrowser();
  if (!found) throw new Error('No Chromium found: run `node e2e/ensure-browser.mjs` or set CHROMIUM_PATH');
  return chromium.launch({ executablePath: found.path, headless: true, args: [...LAUNCH_ARGS, ...ISOLATION] });
}

/** A fresh context (own cookies and storage); `outside` counts requests that tried to leave 127.0.0.1. */
export async function newContext(browser, outside) {
  const context = await browser.newContext();
  context.on('request', (r) => {
    const u = new URL(r.url());
    if (/^(http|https|ws|wss):$/.test(u.protocol) && u.hostname !== '127.0.0.1') outside.push(r.url());
  });
  return context;
}

/**
 * Starts one bench server per (library, provider) and the providers that serve them.
 * @param {Record<string, string>} bundles IIFE code by library id
 * @param {Record<string, { provider?: object, page?: object }>} providers by key: startProvider options and
 *   extra page settings (e.g. { short: { provider: { accessTokenTTL: 20 }, page: { store: 'local' } } })
 * @param {string[]} libs library ids with a bench page
 */
export async function startBench(bundles, providers, libs) {
  const stops = [];
  try {
    const out = {};
    for (const [key, { provider: options = {}, page = {} }] of Object.entries(providers)) {
      const servers = {};
      for (const lib of libs) {
        servers[lib] = await startBenchServer({ lib, bundle: bundles[lib] });
        stops.push(servers[lib].stop);
      }
      const provider = await startProvider({ appOrigins: Object.values(servers).map((s) => s.url), ...options });
      stops.push(provider.stop);
      for (const s of Object.values(servers))
        s.configure({ issuer: provider.issuer, clientId: CLIENT_ID, scope: SCOPE, ...page });
      out[key] = { provider, servers };
    }
    return { ...out, stop: () => Promise.all(stops.map((s) => s())) };
  } catch (err) {
    await Promise.all(stops.map((s) => s()));
    throw err;
  }
}

/** Waits until the page's bench script reports (init / callback resolved). */
export async function benchResult(page, timeout = 20_000) {
  await page.waitForFunction(() => window.__bench, null, { timeout, polling: 10 });
  return page.evaluate(() => window.__bench);
}

/** From the app's start page: login(); completes the provider's form when it is shown. */
export async function signIn(page, origin) {
  await page.goto(`${origin}/`);
  await page.evaluate(() => void window.bench.login());
  await page.waitForURL((u) => u.origin !== origin || u.pathname === '/callback', { timeout: 20_000 });
  if (!page.url().startsWith(origin)) await login(page, { appOrigin: origin });
  return benchResult(page);
}

/**
 * From the app's start page: login(), stopped at the provider's redirect back to the app;
 * resolves the callback URL. The browser cannot intercept a redirect's next hop, so the
 * authorization request itself is replayed through Playwright (with the context's cookies)
 * and answered 204 (the browser stays where it is).
 */
export async function callbackUrl(page, origin, issuer) {
  await page.goto(`${origin}/`);
  let resolve;
  const url = new Promise((r) => void (resolve = r));
  const pattern = (u) => u.origin === issuer && /^\/auth(orize)?$/.test(u.pathname);
  await page.route(pattern, async (route) => {
    const res = await route.fetch({ maxRedirects: 0 });
    const location = res.headers().location ?? '';
    if (!location.startsWith(`${origin}/callback?`)) return route.fulfill({ response: res });
    resolve(location);
    return route.fulfill({ status: 204 });
  });
  let timer;
  try {
    await page.evaluate(() => void window.bench.login());
    const timeout = new Promise(
      (_, reject) =>
        void (timer = setTimeout(() => reject(new Error(`no callback; the page is at ${page.url()}`)), 20_000)),
    );
    return await Promise.race([url, timeout]);
  } finally {
    clearTimeout(timer);
    await page.unroute(pattern);
  }
}
