// Refresh coalescing: 1,000 concurrent token requests spread over 4 tabs of one signed-in app,
// started at the same instant. Counted: refresh-token grants the provider received (goal: 1),
// calls that got a token (and whether they all got the same new one), and the time from the
// start until every call settled.
//
// spa-auth, against a provider whose access tokens live TTL s: the tabs share one session
// (tab 1 signs in, tabs 2–4 get it by handoff). "Due" (the `expiring` result): every tab considers its token due
// while none of its renewal timers has run, as in tabs whose timers were throttled or asleep
// (a laptop waking up). Each tab's renewal is due at expiresAt − min(leeway, lifetime/2) −
// jitter × min(5 s, lifetime/10), its jitter drawn per tab, and its timer fires exactly then;
// so the context runs Playwright's fake clock (installed before any page loads, time flowing
// normally), and the wall clock of every page is moved just past the latest possible due time
// (expiresAt − min(leeway, TTL/2)) without firing timers, then getAccessToken() is called.
// "Forced": getAccessToken({ forceRefresh: true }) with a fresh token. Baseline: one forced
// refresh, one call, one tab.
// oidc-client-ts has no shared in-memory session and no single-flight: its tabs can only
// share a user through localStorage (its WebStorageStateStore), and the comparable call is
// signinSilent() (getUser() never refreshes). Each burst starts from a fresh sign-in.
import { benchResult, signIn } from './browser.mjs';
import { summary } from './stats.mjs';

export const TTL = 20;
/** spa-auth's default refreshLeeway in ms (bench/pages/spa-auth.js sets none). */
const LEEWAY = 60_000;
const TABS = 4;
const CALLS = 1000;

/**
 * In each page: wait for `at` (epoch ms), fire `n` token calls at once, report when all settled.
 * Started and timed by `performance`: under Playwright's clock it follows real time, while Date
 * is moved page by page by setSystemTime (seen up to ~15 ms apart, enough to split a burst).
 */
const burst = (page, at, n, force) =>
  page.evaluate(
    async ({ at, n, force }) => {
      const now = () => performance.timeOrigin + performance.now();
      await new Promise((r) => setTimeout(r, Math.max(0, at - now())));
      const t0 = now();
      const before = await window.bench.info();
      const results = await Promise.allSettled(Array.from({ length: n }, () => window.bench.token(force)));
      const t1 = now();
      const ok = results.filter((r) => r.status === 'fulfilled');
      const errors = results
        .filter((r) => r.status === 'rejected')
        .map((r) => String(r.reason?.code ?? r.reason?.error ?? r.reason?.message ?? r.reason));
      return {
        t0,
        t1,
        ok: ok.length,
        tokens: [...new Set(ok.map((r) => r.value))],
        errors: [...new Set(errors)],
        before,
      };
    },
    { at, n, force },
  );

/**
 * Fires `calls` calls over the pages, all starting in 300 ms; counts what reached the provider.
 * `old`: the token before, for the check that every call got one new token.
 */
async function fire(pages, provider, force, { calls = CALLS, old } = {}) {
  const mark = provider.requests.length;
  const per = pages.map((_, i) => Math.floor(calls / pages.length) + (i < calls % pages.length ? 1 : 0));
  const at = Date.now() + 300;
  const rs = await Promise.all(pages.map((p, i) => burst(p, at, per[i], force)));
  await new Promise((r) => setTimeout(r, 300)); // let stragglers land
  const reqs = provider.requests.slice(mark);
  const refresh = reqs.filter((q) => q.grantType === 'refresh_token');
  const tokens = new Set(rs.flatMap((r) => r.tokens));
  const gotToken = rs.reduce((n, r) => n + r.ok, 0);
  return {
    ms: Math.max(...rs.map((r) => r.t1)) - Math.min(...rs.map((r) => r.t0)),
    refreshRequests: refresh.length,
    refreshOk: refresh.filter((q) => q.status === 200).length,
    otherRequests: reqs.length - refresh.length,
    gotToken,
    oneNewToken: gotToken === calls && tokens.size === 1 && !tokens.has(old),
    errors: [...new Set(rs.flatMap((r) => r.errors))],
    skewMs: Math.max(...rs.map((r) => r.t0)) - Math.min(...rs.map((r) => r.t0)),
    // The session as the first tab to start found it, and whether a refresh reached the provider before that.
    first: rs.reduce((a, r) => (r.t0 < a.t0 ? r : a)).before,
    refreshedEarly: refresh.some((q) => q.time < Math.min(...rs.map((r) => r.t0))),
  };
}

/** Opens tabs 2..TABS of the app (spa-auth: with init(), so they take the session by handoff). */
async function moreTabs(context, origin, restore) {
  return Promise.all(
    Array.from({ length: TABS - 1 }, async () => {
      const page = await context.newPage();
      await page.goto(`${origin}/${restore ? '?restore' : ''}`);
      if (restore) {
        const r = await benchResult(page);
        if (!r.authenticated) throw new Error('handoff failed');
      }
      return page;
    }),
  );
}

export async function benchRefreshSpa({ runs, context, origin, provider }) {
  // Fake timers and Date in every page of the context, installed before any page loads; time
  // flows normally until the bench moves the wall clock (setSystemTime fires no timer).
  await context.clock.install();
  const expiring = [];
  const forced = [];
  const single = [];
  for (let i = 0; i < runs; i++) {
    await context.clock.setSystemTime(Date.now()); // no page open: undo the previous run's jump
    const first = await context.newPage();
    await signIn(first, origin);
    const pages = [first, ...(await moreTabs(context, origin, true))];
    const infos = await Promise.all(pages.map((p) => p.evaluate(() => window.bench.info())));
    const expiresAt = Math.max(...infos.map((x) => x.expiresAt));
    if (infos.some((x) => !x.authenticated || x.expiresAt !== expiresAt))
      throw new Error('the tabs do not share one session');
    const old = await first.evaluate(() => window.bench.token()); // not due yet: served from memory
    // Every tab's renewal is due by expiresAt − min(leeway, lifetime/2) (the jitter only makes it
    // earlier); move the wall clock just past that, so the calls (300 ms later) find it due.
    const lastDue = expiresAt - Math.min(LEEWAY, (TTL / 2) * 1000);
    const pageNow = await first.evaluate(() => Date.now());
    await context.clock.setSystemTime(Math.max(lastDue + 100, pageNow));
    const e = await fire(pages, provider, false, { old });
    e.preempted = e.refreshedEarly || e.first.expiresAt !== expiresAt; // a tab's renewal timer ran first
    e.jumpMs = Math.max(0, lastDue + 100 - pageNow);
    expiring.push(e);
    forced.push(await fire(pages, provider, true, { old: await first.evaluate(() => window.bench.token()) }));
    const mark = provider.requests.length;
    const ms = await first.evaluate(async () => {
      const t0 = performance.now();
      await window.bench.token(true);
      return performance.now() - t0;
    });
    single.push({
      ms,
      refreshRequests: provider.requests.slice(mark).filter((q) => q.grantType === 'refresh_token').length,
    });
    await Promise.all(pages.map((p) => p.close()));
  }
  return {
    expiring: { ...sum(expiring), jumpMs: expiring.map((e) => Math.round(e.jumpMs)) },
    forced: sum(forced),
    single: { ...summary(single.map((s) => s.ms)), refreshRequests: single.map((s) => s.refreshRequests) },
  };
}

/** 1,000 signinSilent() calls over 4 tabs once; one call per tab `runs` times. */
export async function benchRefreshOidc({ runs, newContext, origin, provider }) {
  const all = [];
  const one = [];
  const plan = [[CALLS, all], ...Array.from({ length: runs }, () => [TABS, one])];
  for (const [calls, out] of plan) {
    const context = await newContext();
    const first = await context.newPage();
    await signIn(first, origin);
    const pages = [first, ...(await moreTabs(context, origin, false))];
    out.push(await fire(pages, provider, false, { calls }));
    await context.close();
  }
  return { all: sum(all), one: sum(one) };
}

const sum = (rs) => ({
  ...summary(rs.map((r) => r.ms)),
  refreshRequests: rs.map((r) => r.refreshRequests),
  refreshOk: rs.map((r) => r.refreshOk),
  gotToken: rs.map((r) => r.gotToken),
  errors: [...new Set(rs.flatMap((r) => r.errors))],
  preempted: rs.filter((r) => r.preempted).length,
  oneNewToken: rs.filter((r) => r.oneNewToken).length,
  skewMs: rs.map((r) => Math.round(r.skewMs)),
  runs: rs.length,
});
