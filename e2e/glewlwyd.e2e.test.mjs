// spa-auth against a provider it was not built with: Glewlwyd 2.7.5 (Debian's package, written
// in C), configured from scratch for this file (e2e/glewlwyd-server.mjs): a public client with
// PKCE required, 30 s access tokens (JWTs), rotating one-time refresh tokens, end session and
// revocation. The demo pages drive it through Glewlwyd's own login UI in Chromium, and the demo
// API verifies its access tokens with Glewlwyd's JWKS.
//
// Where Glewlwyd departs from the specs, the tests assert what spa-auth documents for that case:
// - its revocation endpoint demands client authentication, which a public client cannot give
//   (RFC 7009 §2.1 lets a public client revoke with its client_id): logout still signs out
//   everywhere and reports the failed revocation as an `error` event;
// - it refuses `prompt=none` without `id_token_hint` (OIDC Core makes the hint a SHOULD), and a
//   reloaded tab with no other tab open holds no ID token: the restore fails, `init()` resolves
//   signed out and an `error` event says why;
// - it takes as `id_token_hint` only the latest ID token it issued to the client for the user:
//   after a sign-in elsewhere, a refused refresh cannot fall back on silent authorization, and
//   the session ends in every tab;
// - it answers a disabled refresh token 400 with an empty body (no OAuth error): final all the same.
import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startApi } from '../demo/api.mjs';
import { startPages } from '../demo/pages.mjs';
import { launchBrowser, openContext } from './browser.mjs';
import { startGlewlwyd } from './glewlwyd-server.mjs';
import { collectBrowserState, findLeaks } from './leaks.mjs';
import { callApi, rotationProblems, waitForLog } from './lifecycle-helpers.mjs';

const USERS = ['ada', 'bo', 'cy', 'di', 'ed', 'flo', 'gus'].map((username) => ({
  username,
  password: `${username}-Passw0rd!`,
  name: username.toUpperCase(),
}));
const SCOPE = 'openid api offline_access'; // Glewlwyd knows no offline_access and drops it
const hash = (value) => createHash('sha256').update(String(value)).digest('base64url').slice(0, 16);

let pages;
let glewlwyd;
let api;
let browser;
let session;

beforeAll(async () => {
  if (process.env.SPA_AUTH_SKIP_GLEWLWYD === '1') return;
  pages = await startPages({});
  const origin = pages.url;
  [glewlwyd, browser] = await Promise.all([
    startGlewlwyd({
      appOrigin: origin,
      redirectUris: [`${origin}/`, `${origin}/static.html`, `${origin}/silent.html`],
      postLogoutRedirectUris: [`${origin}/`, `${origin}/static.html`],
      accessTokenTtl: 30,
      users: USERS,
    }),
    launchBrowser(),
  ]);
  // Glewlwyd's access tokens are RFC 9068 JWTs (`typ: at+jwt`) whose `aud` is the granted scope
  // list as one string when no resource indicator was asked for.
  api = await startApi({ issuer: glewlwyd.issuer, audience: 'openid api', allowedOrigin: origin });
  pages.configure({
    providerIssuer: glewlwyd.issuer,
    apiUrl: api.url,
    clientOptions: { clientId: glewlwyd.clientId, scope: SCOPE },
  });
}, 120_000);
afterAll(async () => {
  await Promise.all([browser?.close(), api?.stop(), pages?.stop()]);
  await glewlwyd?.stop();
});
afterEach(async () => {
  await session?.close();
  session = undefined;
});

/**
 * A browser context on the app, with what it sent to Glewlwyd (no token values: hashes of the
 * refresh tokens presented and issued) and every SDK event the demo UI logged, even on a page
 * that navigated away since.
 */
async function openSession() {
  const appOrigin = pages.url;
  const s = await openContext(browser, { appOrigin });
  const calls = new Map(); // request → what Glewlwyd was sent and answered
  const secrets = [];
  const refreshTokens = []; // raw, in the order issued: only ever sent back to Glewlwyd
  const inFlight = new Map(); // request → { promise, resolve }, until it finished or failed
  const events = [];
  const entryFor = (req) => {
    if (!calls.has(req)) {
      const url = new URL(req.url());
      const entry = { method: req.method(), path: url.pathname.replace(/\/$/, '') };
      if (entry.path.endsWith('/auth')) {
        entry.prompt = url.searchParams.get('prompt');
        entry.idTokenHint = url.searchParams.has('id_token_hint');
      }
      if (entry.path.endsWith('/token')) {
        const params = new URLSearchParams(req.postData() ?? '');
        entry.route = 'token';
        entry.grantType = params.get('grant_type');
        if (params.has('refresh_token')) entry.refreshTokenHash = hash(params.get('refresh_token'));
      }
      calls.set(req, entry);
    }
    return calls.get(req);
  };
  const fromGlewlwyd = (req) => new URL(req.url()).origin === glewlwyd.url;
  s.context.on('request', (req) => {
    if (!fromGlewlwyd(req)) return;
    entryFor(req);
    let resolve;
    const promise = new Promise((r) => (resolve = r));
    inFlight.set(req, { promise, resolve });
  });
  const done = async (req) => {
    if (!fromGlewlwyd(req)) return;
    const res = await req.response().catch(() => null);
    entryFor(req).status ??= res?.status() ?? 'failed';
    inFlight.get(req)?.resolve();
    inFlight.delete(req);
  };
  s.context.on('requestfinished', done);
  s.context.on('requestfailed', done);
  // Token answers are read on their way to the page (never from the browser's cache of bodies):
  // the issued refresh token is hashed, and every token kept for the leak checks.
  await s.context.route(
    (u) => u.origin === glewlwyd.url && /\/token\/?$/.test(u.pathname),
    async (route) => {
      const response = await route.fetch();
      const entry = entryFor(route.request());
      entry.status = response.status();
      if (entry.status === 200) {
        const body = await response.json();
        secrets.push(body.access_token, body.refresh_token, body.id_token);
        if (body.refresh_token) {
          entry.issuedRefreshTokenHash = hash(body.refresh_token);
          refreshTokens.push(body.refresh_token);
        }
      }
      await route.fulfill({ response });
    },
  );
  await s.context.exposeBinding('__e2eEvent', ({ frame }, event, text) =>
    events.push({ event, text, url: frame?.url() }),
  );
  await s.context.addInitScript(() => {
    document.addEventListener('DOMContentLoaded', () => {
      const log = document.getElementById('log');
      if (!log || typeof window.__e2eEvent !== 'function') return;
      new MutationObserver((records) => {
        for (const r of records)
          for (const li of r.addedNodes) if (li.dataset?.event) window.__e2eEvent(li.dataset.event, li.textContent);
      }).observe(log, { childList: true });
    });
  });
  return {
    ...s,
    appOrigin,
    events,
    secrets,
    refreshTokens,
    /** What reached Glewlwyd, in order, once every request already made has its answer. */
    async glewlwydCalls() {
      const deadline = Date.now() + 20_000; // past it, an unanswered call shows without a status
      while (inFlight.size && Date.now() < deadline) {
        await Promise.race([
          Promise.all([...inFlight.values()].map((f) => f.promise)),
          new Promise((r) => setTimeout(r, 1000)),
        ]);
      }
      return [...calls.values()];
    },
  };
}

/** Presents a refresh token at Glewlwyd's token endpoint, from outside the browser. */
async function presentRefreshToken(refreshToken) {
  const res = await fetch(`${glewlwyd.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: glewlwyd.clientId,
    }),
  });
  const body = await res.json().catch(() => ({}));
  return { status: res.status, error: body.error };
}

const settled = (page) => page.locator('body:not([data-state="loading"])').waitFor();

/**
 * Signs in through Glewlwyd's own login UI: the password form, then the page that grants the
 * client its scopes (first time for this user only), then "Continue" back to the app.
 */
async function glewlwydLogin(page, { appOrigin, username, password }) {
  await page.locator('#username').waitFor();
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.click('#loginbut');
  const grant = page.locator('h3', { hasText: 'Client access grant' });
  const connect = page.locator('h3', { hasText: 'Connection to' });
  await grant.or(connect).first().waitFor();
  if (await grant.count()) {
    await page.locator('#grant-api').check();
    await page.getByRole('button', { name: 'Grant access' }).click();
    await connect.waitFor();
  }
  await Promise.all([
    page.waitForURL((u) => u.href.startsWith(appOrigin)),
    page.locator('button[title="Continue to client application"]').click(),
  ]);
}

/** Tab A signs in on the ES-module page; the other paths open afterwards as more tabs. */
async function signedInTabs(s, user, paths = ['/']) {
  const tabs = [];
  for (const path of paths) {
    const page = await s.newPage();
    await page.goto(s.appOrigin + path);
    await settled(page);
    if (tabs.length === 0) {
      await page.click('#login');
      await glewlwydLogin(page, { appOrigin: s.appOrigin, ...user });
    }
    await page.locator('#status[data-state="signed-in"]').waitFor();
    tabs.push(page);
  }
  return tabs;
}

const noProblems = { pageErrors: [], consoleErrors: [], cspViolations: [] };

// SPA_AUTH_SKIP_GLEWLWYD=1: a machine where Glewlwyd cannot be installed (e2e/ensure-glewlwyd.mjs).
describe.skipIf(process.env.SPA_AUTH_SKIP_GLEWLWYD === '1')('Glewlwyd', () => {
  test('login through its UI, callback, auth.fetch to an API that checks its JWTs, and renewal past expiry', async () => {
    session = await openSession();
    const [a] = await signedInTabs(session, USERS[0]);
    const calls = await session.glewlwydCalls();
    const auth = calls.find((c) => c.path.endsWith('/auth') && c.prompt !== 'none');
    expect(auth).toBeDefined();
    const exchanges = calls.filter((c) => c.grantType === 'authorization_code');
    expect(exchanges.map((c) => c.status)).toEqual([200]);

    const first = await callApi(a);
    expect(first.status).toBe('200');
    expect(first.body.sub).toBe(await a.getAttribute('#user', 'data-sub'));
    expect(first.body.scope).toBe('openid api');

    // Wait until the first access token (30 s) has expired: the session renewed itself.
    await a.waitForFunction((exp) => Date.now() > exp * 1000 + 1000, first.body.exp, { timeout: 90_000, polling: 500 });
    await waitForLog(a, 'tokenRefreshed', 1);
    const later = await callApi(a);
    expect(later.status).toBe('200');
    expect(later.body.exp).toBeGreaterThan(first.body.exp);
    const tokenCalls = (await session.glewlwydCalls()).filter((c) => c.route === 'token');
    expect(tokenCalls.filter((c) => c.grantType === 'refresh_token').length).toBeGreaterThan(0);
    expect(rotationProblems(tokenCalls)).toEqual([]);
    // Glewlwyd rotated the refresh token on every refresh.
    const issued = tokenCalls.map((c) => c.issuedRefreshTokenHash);
    expect(issued.every(Boolean)).toBe(true);
    expect(new Set(issued).size).toBe(issued.length);
    expect(await a.getAttribute('#status', 'data-state')).toBe('signed-in');
    expect(session.events.filter((e) => e.event === 'sessionExpired' || e.event === 'error')).toEqual([]);
    expect(findLeaks(await collectBrowserState(a), session.secrets)).toEqual([]);
    expect(session.appProblems()).toEqual(noProblems);
  }, 150_000);

  test('two tabs share one refresh chain: concurrent refreshes never present a rotated-out refresh token', async () => {
    session = await openSession();
    const mark = (await session.glewlwydCalls()).length;
    const [a, b] = await signedInTabs(session, USERS[1], ['/', '/static.html']);
    // B got the session from A, without asking Glewlwyd.
    const afterLogin = (await session.glewlwydCalls()).slice(mark);
    const lastExchange = afterLogin.findLastIndex((c) => c.grantType === 'authorization_code');
    expect(afterLogin.slice(lastExchange + 1).filter((c) => c.route === 'token' || c.path.endsWith('/auth'))).toEqual(
      [],
    );
    expect(await b.getAttribute('#user', 'data-sub')).toBe(await a.getAttribute('#user', 'data-sub'));

    await Promise.all([a.click('#refresh'), b.click('#refresh')]);
    await waitForLog(a, 'tokenRefreshed', 1);
    await waitForLog(b, 'tokenRefreshed', 1);
    for (const page of [a, b]) expect((await callApi(page)).status).toBe('200');
    const tokenCalls = (await session.glewlwydCalls()).filter((c) => c.route === 'token');
    expect(tokenCalls.filter((c) => c.grantType === 'refresh_token').length).toBeGreaterThan(0);
    expect(rotationProblems(tokenCalls)).toEqual([]);
    for (const page of [a, b]) expect(await page.getAttribute('#status', 'data-state')).toBe('signed-in');
    expect(session.events.filter((e) => e.event === 'sessionExpired' || e.event === 'error')).toEqual([]);
    expect(session.appProblems()).toEqual(noProblems);
  });

  test('a reloaded tab gets the session from another open tab, without asking Glewlwyd', async () => {
    session = await openSession();
    const [a, b] = await signedInTabs(session, USERS[2], ['/', '/static.html']);
    const mark = (await session.glewlwydCalls()).length;
    await a.reload();
    await a.locator('#status[data-state="signed-in"]').waitFor();
    expect(await a.getAttribute('#user', 'data-sub')).toBe(await b.getAttribute('#user', 'data-sub'));
    expect((await callApi(a)).status).toBe('200');
    const since = (await session.glewlwydCalls()).slice(mark);
    expect(since.filter((c) => c.path.endsWith('/auth') || c.grantType === 'authorization_code')).toEqual([]);
    expect(findLeaks(await collectBrowserState(a), session.secrets)).toEqual([]);
    expect(session.appProblems()).toEqual(noProblems);
  });

  test('a reload with no other tab open cannot restore (Glewlwyd wants id_token_hint): an error event and a clean signed-out state', async () => {
    session = await openSession();
    const [a] = await signedInTabs(session, USERS[3]);
    const mark = (await session.glewlwydCalls()).length;
    await a.reload();
    await settled(a);
    expect(await a.getAttribute('#status', 'data-state')).toBe('signed-out');
    // The silent authorization went to Glewlwyd (its session cookie is alive) and was refused.
    const silent = (await session.glewlwydCalls()).slice(mark).filter((c) => c.path.endsWith('/auth'));
    expect(silent.map((c) => [c.prompt, c.idTokenHint])).toEqual([['none', false]]);
    await waitForLog(a, 'error', 1);
    const errors = await a.locator('#log li[data-event="error"]').allTextContents();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('oauth_error (invalid_request)');
    expect(await a.textContent('#user')).toBe('—');
    expect(await a.isDisabled('#call-api')).toBe(true);
    const state = await collectBrowserState(a);
    expect(state.filter((e) => e.where.startsWith('sessionStorage[spa-auth.tx.'))).toEqual([]); // no login transaction left
    expect(findLeaks(state, session.secrets)).toEqual([]);
    // Glewlwyd's own session is alive: signing in again takes one click, no password.
    await a.click('#login');
    const proceed = a.locator('button[title="Continue to client application"]');
    await proceed.waitFor();
    expect(await a.locator('#username').count()).toBe(0);
    await Promise.all([a.waitForURL((u) => u.href.startsWith(session.appOrigin)), proceed.click()]);
    await a.locator('#status[data-state="signed-in"]').waitFor();
    expect(session.appProblems()).toEqual(noProblems);
  });

  test('a refresh chain Glewlwyd broke (a rotated-out refresh token replayed) is replaced by one silent authorization with id_token_hint', async () => {
    session = await openSession();
    const [a] = await signedInTabs(session, USERS[5]);
    await a.click('#refresh');
    await waitForLog(a, 'tokenRefreshed', 1);
    expect(session.refreshTokens).toHaveLength(2);
    // Someone replays the first, rotated-out refresh token: Glewlwyd refuses it and disables
    // the chain's latest one, the token this tab holds.
    expect((await presentRefreshToken(session.refreshTokens[0])).status).toBe(400);
    const mark = (await session.glewlwydCalls()).length;
    await a.click('#refresh');
    await waitForLog(a, 'tokenRefreshed', 2, 20_000, 'sessionExpired');
    const since = (await session.glewlwydCalls()).slice(mark);
    expect(
      since
        .filter((c) => c.route === 'token' || c.path.endsWith('/auth'))
        .map((c) => [c.grantType ?? `${c.prompt} hint=${c.idTokenHint}`, c.status]),
    ).toEqual([
      ['refresh_token', 400],
      ['none hint=true', 302],
      ['authorization_code', 200],
    ]);
    expect(await a.getAttribute('#status', 'data-state')).toBe('signed-in');
    expect((await callApi(a)).status).toBe('200');
    expect(session.events.filter((e) => e.event === 'sessionExpired')).toEqual([]);
    expect(findLeaks(await collectBrowserState(a), session.secrets)).toEqual([]);
    expect(
      session.appProblems({ allowConsole: (c) => c.url === `${glewlwyd.issuer}/token` && c.text.includes('400') }),
    ).toEqual(noProblems);
  });

  test("after the same user signs in elsewhere, Glewlwyd refuses this tab's id_token_hint: a refused refresh ends the session in every tab", async () => {
    session = await openSession();
    const [a, b] = await signedInTabs(session, USERS[6], ['/', '/static.html']);
    await a.click('#refresh');
    await waitForLog(a, 'tokenRefreshed', 1);
    // The same user in another browser: Glewlwyd's latest ID token for the client is now that one,
    // and it accepts no other as id_token_hint.
    const elsewhere = await openSession();
    try {
      await signedInTabs(elsewhere, USERS[6]);
    } finally {
      await elsewhere.close();
    }
    expect((await presentRefreshToken(session.refreshTokens[0])).status).toBe(400); // breaks this chain
    const mark = (await session.glewlwydCalls()).length;
    await a.click('#refresh');
    for (const page of [a, b]) await page.locator('#status[data-state="signed-out"]').waitFor();
    const since = (await session.glewlwydCalls()).slice(mark);
    expect(
      since
        .filter((c) => c.route === 'token' || c.path.endsWith('/auth'))
        .map((c) => [c.grantType ?? `${c.prompt} hint=${c.idTokenHint}`, c.status]),
    ).toEqual([
      ['refresh_token', 400],
      ['none hint=true', 302],
    ]);
    for (const page of [a, b]) {
      expect(await page.locator('#log li[data-event="sessionExpired"]').count()).toBe(1);
      expect(await page.textContent('#user')).toBe('—');
      expect(findLeaks(await collectBrowserState(page), session.secrets)).toEqual([]);
    }
    expect(
      session.appProblems({ allowConsole: (c) => c.url === `${glewlwyd.issuer}/token` && c.text.includes('400') }),
    ).toEqual(noProblems);
  });

  test('logout: the refused revocation is an error event, every tab signs out, and Glewlwyd sends the user back to the app', async () => {
    session = await openSession();
    const [a, b] = await signedInTabs(session, USERS[4], ['/', '/static.html']);
    const mark = (await session.glewlwydCalls()).length;
    await a.click('#logout');
    // Glewlwyd's end-session page asks for confirmation.
    const confirm = a.locator('.card-body button', { hasText: 'Logout' });
    await confirm.waitFor();
    await Promise.all([a.waitForURL((u) => u.href.startsWith(session.appOrigin)), confirm.click()]);
    await settled(a);
    expect(await a.getAttribute('#status', 'data-state')).toBe('signed-out');
    expect(new URL(a.url()).search).toBe(''); // init() took the logout `state` out of the address bar
    await b.locator('#status[data-state="signed-out"]').waitFor();
    expect(await b.locator('#log li[data-event="loggedOut"]').count()).toBe(1);

    const since = (await session.glewlwydCalls()).slice(mark);
    const revoke = since.filter((c) => c.path.endsWith('/revoke'));
    expect(revoke.map((c) => c.status)).toEqual([401]);
    const endSession = since.find((c) => c.path.endsWith('/end_session'));
    expect(endSession).toBeDefined();
    // Tab A reported the refused revocation before it left for Glewlwyd's page; the page it came
    // back to reported nothing (its logout `state` matched).
    const errors = session.events.filter((e) => e.event === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0].url.startsWith(session.appOrigin)).toBe(true);
    expect(errors[0].text).toMatch(/Revocation at .*\/revoke failed with HTTP 401/);

    // Revocation failed, but confirming the end session disabled the session's refresh tokens.
    // (Glewlwyd answers a disabled refresh token 400 with an empty body, not RFC 6749's invalid_grant.)
    expect((await presentRefreshToken(session.refreshTokens.at(-1))).status).toBe(400);
    for (const page of [a, b]) expect(findLeaks(await collectBrowserState(page), session.secrets)).toEqual([]);
    // The Glewlwyd session is over too: signing in asks for the password again.
    await a.click('#login');
    await a.locator('#username').waitFor();
    expect(session.appProblems({ allowConsole: (c) => c.url?.startsWith(`${glewlwyd.issuer}/revoke`) })).toEqual(
      noProblems,
    );
  });
});
