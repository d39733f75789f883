// Signed-out page loads against a provider that answers prompt=none by leaving its login page
// in the frame (200, X-Frame-Options: DENY) instead of redirecting back with login_required
// (e2e/stub-provider.mjs). A fresh tab loads `/?restore` twice: the first load pays for that
// answer; the second load of the same tab is what every later navigation costs. Time: from
// navigation start to init() (oidc-client-ts: signinSilent()) settling, performance.now(), and
// the call alone.
import { startStubProvider } from '../e2e/stub-provider.mjs';
import { benchResult } from './browser.mjs';
import { startBenchServer } from './server.mjs';
import { summary } from './stats.mjs';

/** One tab: two loads of `/?restore`; what the provider received on each. */
async function twoLoads(context, origin, provider) {
  const page = await context.newPage();
  const loads = [];
  for (let i = 0; i < 2; i++) {
    const mark = provider.requests.length;
    await page.goto(`${origin}/?restore&load=${i}`);
    const r = await benchResult(page, 30_000);
    if (r.authenticated) throw new Error(`signed-out load signed in at ${origin}`);
    loads.push({
      ms: r.t,
      call: r.call,
      authorize: provider.requests.slice(mark).filter((q) => q.route === 'authorize').length,
    });
  }
  await page.close();
  return loads;
}

const collect = (loads) => ({
  ...summary(loads.map((l) => l.ms)),
  call: summary(loads.map((l) => l.call)),
  authorize: Math.max(...loads.map((l) => l.authorize)),
});

/**
 * @param {{ runs: number, bundles: Record<string, string>, newContext: () => Promise<object> }} o
 * @returns {Promise<Record<string, { first: object, second: object }>>} per library
 */
export async function benchSignedOut({ runs, bundles, newContext }) {
  const provider = await startStubProvider({ replayPending: false });
  const libs = ['spa-auth', 'oidc-client-ts'];
  const servers = {};
  try {
    for (const lib of libs) {
      servers[lib] = await startBenchServer({ lib, bundle: bundles[lib] });
      provider.allow(servers[lib].url);
      servers[lib].configure({ issuer: provider.issuer, clientId: provider.clientId, scope: 'openid' });
    }
    const seen = Object.fromEntries(libs.map((l) => [l, []]));
    // runs alternate between the libraries; each run is a new tab of a new context (no cookies)
    for (let i = 0; i < runs; i++) {
      for (const lib of libs) {
        const context = await newContext();
        seen[lib].push(await twoLoads(context, servers[lib].url, provider));
        await context.close();
      }
    }
    return Object.fromEntries(
      libs.map((l) => [l, { first: collect(seen[l].map((r) => r[0])), second: collect(seen[l].map((r) => r[1])) }]),
    );
  } finally {
    await Promise.all([provider.stop(), ...Object.values(servers).map((s) => s.stop())]);
  }
}
