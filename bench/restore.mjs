// Restore on reload: a new tab of a signed-in app, from navigation start to init() resolving
// `authenticated` (performance.now()), with the requests the provider received meanwhile.
//   handoff: another tab of the app is open (BroadcastChannel, no network expected);
//   silent:  no other tab, so spa-auth waits for a peer, then silent authorization (iframe);
//   oidc-client-ts (in-memory user store): signinSilent() at load, the comparable.
import { benchResult, signIn } from './browser.mjs';
import { mode, summary } from './stats.mjs';

const LABELS = {
  '/.well-known/openid-configuration': 'discovery',
  '/jwks': 'jwks',
  '/token': 'token',
  '/auth': 'authorize',
  '/request': 'par',
};

async function openRestore(context, origin, provider) {
  const mark = provider.requests.length;
  const page = await context.newPage();
  await page.goto(`${origin}/?restore`);
  const r = await benchResult(page);
  if (!r.authenticated) throw new Error(`restore failed at ${origin}: ${r.error ?? 'not authenticated'}`);
  const seen = provider.requests.slice(mark).map((q) => LABELS[q.path] ?? q.path);
  await page.close();
  return { ms: r.t, requests: seen };
}

const collect = (rs) => ({
  ...summary(rs.map((r) => r.ms)),
  providerRequests: mode(rs.map((r) => r.requests.length)),
  sequence: mode(rs.map((r) => r.requests.join(', '))),
});

/**
 * @param {{ runs: number, provider: object, spa: { context: object, origin: string }, oidc?: { context: object, origin: string } }} o
 *   fresh contexts; spa-auth's and oidc-client-ts's pages are opened here
 */
export async function benchRestore({ runs, provider, spa, oidc }) {
  const anchor = await spa.context.newPage();
  await signIn(anchor, spa.origin);
  const handoff = [];
  for (let i = 0; i < runs + 1; i++) handoff.push(await openRestore(spa.context, spa.origin, provider));
  await anchor.close();
  const silent = [];
  for (let i = 0; i < runs + 1; i++) silent.push(await openRestore(spa.context, spa.origin, provider));
  const out = { handoff: collect(handoff.slice(1)), silent: collect(silent.slice(1)) };
  if (oidc) {
    const first = await oidc.context.newPage();
    await signIn(first, oidc.origin);
    await first.close();
    const o = [];
    for (let i = 0; i < runs + 1; i++) o.push(await openRestore(oidc.context, oidc.origin, provider));
    out.oidcSilent = collect(o.slice(1));
  }
  return out;
}
