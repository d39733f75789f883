// Callback critical path: from the callback page's navigation start to "authenticated"
// (performance.now() when init() / signinRedirectCallback() resolves), and which requests the
// provider answered on the way (sequential levels from the browser's resource timing).
//
// One form login per library warms the provider session; every measured run then starts a
// fresh login (the provider answers at once), stops the browser at the redirect back, and
// loads that callback URL in a fresh navigation of the same tab.
import { benchResult, callbackUrl, signIn } from './browser.mjs';
import { describeLevels, levels, mode, summary } from './stats.mjs';

const LABELS = {
  '/.well-known/openid-configuration': 'discovery',
  '/jwks': 'jwks',
  '/token': 'token',
  '/oauth/token': 'token',
  '/auth': 'authorize',
  '/me': 'userinfo',
};
const WARMUP = 2;

/** One measured callback. */
async function once(page, origin, provider) {
  const url = await callbackUrl(page, origin, provider.issuer);
  const mark = provider.requests.length;
  await page.goto(url);
  const r = await benchResult(page);
  if (!r.authenticated) throw new Error(`callback failed: ${r.error}`);
  const seen = provider.requests.slice(mark).map((q) => LABELS[q.path] ?? q.path);
  const entries = await page.evaluate(
    (issuer) =>
      performance
        .getEntriesByType('resource')
        .filter((e) => e.name.startsWith(issuer))
        .map((e) => ({ path: new URL(e.name).pathname, start: e.startTime, end: e.responseEnd })),
    provider.issuer,
  );
  const lv = levels(entries.map((e) => ({ label: LABELS[e.path] ?? e.path, start: e.start, end: e.end })));
  // Requests made from a Web Worker (auth0-spa-js with refresh tokens) are not in the page's
  // resource timing: take the provider's order and count them as sequential.
  if (lv.length === 0 && seen.length)
    return {
      ms: r.t,
      providerRequests: seen.length,
      path: `${seen.join(' → ')} (from a worker)`,
      sequential: seen.length,
    };
  return { ms: r.t, providerRequests: seen.length, path: describeLevels(lv), sequential: lv.length };
}

/**
 * @param {{ runs: number, libs: Record<string, { page: import('playwright-core').Page, origin: string, provider: object }>}} o
 *   pages already open in their own contexts, and the provider each signs in with; runs are
 *   interleaved across libraries
 */
export async function benchCallback({ runs, libs }) {
  const raw = Object.fromEntries(Object.keys(libs).map((id) => [id, []]));
  for (const { page, origin } of Object.values(libs)) await signIn(page, origin);
  for (let i = 0; i < WARMUP + runs; i++) {
    for (const [id, { page, origin, provider }] of Object.entries(libs)) {
      const r = await once(page, origin, provider);
      if (i >= WARMUP) raw[id].push(r);
    }
  }
  return Object.fromEntries(
    Object.entries(raw).map(([id, rs]) => [
      id,
      {
        ...summary(rs.map((r) => r.ms)),
        providerRequests: mode(rs.map((r) => r.providerRequests)),
        sequential: mode(rs.map((r) => r.sequential)),
        path: mode(rs.map((r) => r.path)),
        paths: [...new Set(rs.map((r) => r.path))],
      },
    ]),
  );
}

/**
 * Per-call cost of auth.fetch() with a valid token vs plain fetch() (and fetch() with a
 * hand-made Bearer header) to the same same-origin endpoint. Sequential calls, the three
 * kinds interleaved call by call (so drift hits all alike); per batch, the mean per call of
 * each kind; the medians of those. Then the wrapper alone: the same with window.fetch
 * replaced by a stub that resolves at once (batches of 1,000 calls). The page must be a
 * signed-in spa-auth page.
 */
export async function benchFetch(page, { batches = 24, rounds = 40 } = {}) {
  const out = await page.evaluate(
    async ({ batches, rounds }) => {
      const token = await window.bench.token();
      const kinds = {
        plain: () => fetch('/ping'),
        header: () => fetch('/ping', { headers: { Authorization: `Bearer ${token}` } }),
        auth: () => window.bench.fetch('/ping'),
      };
      const names = Object.keys(kinds);
      const us = { plain: [], header: [], auth: [] };
      for (let i = 0; i < 30; i++) for (const k of names) await (await kinds[k]()).text();
      for (let b = 0; b < batches; b++) {
        const total = { plain: 0, header: 0, auth: 0 };
        for (let i = 0; i < rounds; i++) {
          for (let j = 0; j < names.length; j++) {
            const k = names[(i + j) % names.length];
            const t0 = performance.now();
            await (await kinds[k]()).text();
            total[k] += performance.now() - t0;
          }
        }
        for (const k of names) us[k].push((total[k] / rounds) * 1000);
      }
      performance.clearResourceTimings();
      // The wrapper alone: the network replaced by a stub that answers at once.
      const real = window.fetch;
      const stub = () => Promise.resolve(new Response(null, { status: 204 }));
      const js = { stub: [], auth: [] };
      window.fetch = stub;
      try {
        for (let i = 0; i < 200; i++) await window.bench.fetch('/ping');
        for (let b = 0; b < batches; b++) {
          for (const [k, call] of [
            ['stub', () => stub()],
            ['auth', () => window.bench.fetch('/ping')],
          ]) {
            const t0 = performance.now();
            for (let i = 0; i < 1000; i++) await call();
            js[k].push(performance.now() - t0); // ms per 1,000 calls = µs per call
          }
        }
      } finally {
        window.fetch = real;
      }
      return { ...us, js };
    },
    { batches, rounds },
  );
  return {
    plain: summary(out.plain),
    header: summary(out.header),
    auth: summary(out.auth),
    calls: batches * rounds,
    stub: summary(out.js.stub),
    authStub: summary(out.js.auth),
    stubCalls: batches * 1000,
  };
}
