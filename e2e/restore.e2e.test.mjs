// Restore never strands the user. Against a stub provider that reproduces two legal provider
// behaviours (prompt=none answered with a login page left in the frame; a later login answered
// with the response to an earlier request), and against oidc-provider for a reopened callback
// URL: the tests judge by where the browser ends up, what the page shows and reports, and what
// the provider received.
import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { hashSecret } from '../demo/provider.mjs';
import { startStack } from '../demo/stack.mjs';
import { launchBrowser, login, openContext } from './browser.mjs';
import { startStubApp } from './stub-app/server.mjs';
import { startStubProvider } from './stub-provider.mjs';

let browser;
let framing; // prompt=none → a login page in the frame; logins answered normally
let quirky; // both behaviours
let apps; // { silentPage: app with /silent.html, plain: silentRedirectUri = redirectUri }
let session;

beforeAll(async () => {
  browser = await launchBrowser();
  [framing, quirky] = await Promise.all([startStubProvider({ replayPending: false }), startStubProvider()]);
  apps = { silentPage: await startStubApp({ silentPage: true }), plain: await startStubApp() };
  for (const p of [framing, quirky]) for (const a of Object.values(apps)) p.allow(a.url);
});
afterAll(async () => {
  await Promise.all([
    browser?.close(),
    framing?.stop(),
    quirky?.stop(),
    ...Object.values(apps ?? {}).map((a) => a.stop()),
  ]);
});
afterEach(async () => {
  await session?.close();
  session = undefined;
});

/** A fresh browser context on `app`, configured for `provider`. */
async function open(app, provider) {
  app.configure({ issuer: provider.issuer, clientId: provider.clientId });
  session = await openContext(browser, { appOrigin: app.url });
  return session;
}

/** Waits until init() settled on the page; returns what the page reported. */
async function settled(page) {
  await page.locator('body:not([data-state="loading"])').waitFor({ state: 'attached', timeout: 30_000 });
  return page.evaluate(() => window.__app);
}

/** The stub provider records a code by the first 12 hex digits of its SHA-256. */
const hashCode = (code) =>
  createHash('sha256')
    .update(code ?? '')
    .digest('hex')
    .slice(0, 12);
const errors = (app) => app.events.filter((e) => e.event === 'error');
const authorizeRequests = (provider, mark) => provider.requests.slice(mark).filter((r) => r.route === 'authorize');

/**
 * Each load of the silent page in `requests` (the app server's paths, in order), with the
 * scripts requested after it until the next page, sorted (a browser may fetch them in parallel):
 * what that page ran.
 */
function silentPageLoads(requests) {
  const pages = requests.flatMap((r, i) => (/^\/[^.?]*(\.html)?(\?|$)/.test(r) ? [i] : []));
  return pages
    .map((start, n) => [requests[start], requests.slice(start + 1, pages[n + 1])])
    .filter(([path]) => path.startsWith('/silent.html'))
    .map(([path, after]) => [path.split('?')[0], after.filter((r) => r.endsWith('.js')).sort()]);
}

/** Fills the stub provider's login form and waits until the browser is back on the app. */
async function signInAtProvider(page, appUrl, user) {
  await page.locator('input[name="login"]').waitFor();
  await page.fill('input[name="login"]', user);
  await Promise.all([
    page.waitForURL((u) => u.href.startsWith(appUrl), { timeout: 20_000 }),
    page.click('button[type="submit"]'),
  ]);
}

describe('a provider that answers prompt=none with a login page left in the frame', () => {
  test('a tab pays for it once: the next page load skips the iframe and says so; a login here lifts it', async () => {
    const app = apps.silentPage;
    const { newPage } = await open(app, framing);
    const page = await newPage();
    let mark = framing.requests.length;
    await page.goto(`${app.url}/orders`);
    const first = await settled(page);
    expect(first.result).toMatchObject({ authenticated: false });
    expect(authorizeRequests(framing, mark).map((r) => [r.prompt, r.answer])).toEqual([['none', 'login page']]);
    expect(errors(first).map((e) => e.code)).toEqual(['timeout']);
    expect(errors(first)[0].message).toContain('silentAuthorization: false');
    // what the tab keeps: a public flag (a time), never a token
    const stored = await page.evaluate(() =>
      Object.fromEntries(Object.entries(sessionStorage).filter(([k]) => k.startsWith('spa-auth.framed.'))),
    );
    expect(Object.keys(stored)).toEqual([`spa-auth.framed.${framing.issuer}`]);
    expect(Object.values(stored)[0]).toMatch(/^\d+$/);

    // the second load of the same tab: no iframe, no request to the provider, an error event that says why
    mark = framing.requests.length;
    await page.reload();
    const second = await settled(page);
    expect(second.result).toMatchObject({ authenticated: false });
    expect(errors(second).map((e) => e.code)).toEqual(['timeout']);
    expect(errors(second)[0].message).toMatch(/^Silent authorization skipped: .*silentAuthorization: false/);
    expect(framing.requests.slice(mark)).toEqual([]);
    expect(await page.locator('iframe').count()).toBe(0);

    // a login in this tab succeeds: the next load tries silent authorization again, and restores
    await page.evaluate(() => void window.app.login('/orders'));
    await signInAtProvider(page, app.url, 'ada');
    expect((await settled(page)).result).toMatchObject({ authenticated: true, returnTo: '/orders' });
    mark = framing.requests.length;
    const appMark = app.requests.length;
    await page.goto(`${app.url}/orders`);
    const third = await settled(page);
    expect(third.result).toMatchObject({ authenticated: true });
    expect(authorizeRequests(framing, mark).map((r) => [r.prompt, r.answer])).toEqual([['none', 'code']]);
    // the answer came through the silent page in the iframe, which loads the tiny entry, not the SDK
    expect(silentPageLoads(app.requests.slice(appMark))).toEqual([
      ['/silent.html', ['/config.js', '/silent-callback.iife.min.js', '/silent.js']],
    ]);
    expect(errors(third)).toEqual([]);
    expect(session.appProblems().pageErrors).toEqual([]);
  });

  test('tab handoff is not affected: a tab that skips the iframe still takes the session from a signed-in tab', async () => {
    const app = apps.silentPage;
    const { newPage } = await open(app, framing);
    const a = await newPage();
    await a.goto(`${app.url}/`);
    await settled(a);
    await a.reload();
    expect(errors(await settled(a))[0].message).toMatch(/^Silent authorization skipped/);

    const b = await newPage();
    await b.goto(`${app.url}/`);
    await settled(b);
    await b.evaluate(() => void window.app.login('/'));
    await signInAtProvider(b, app.url, 'bea');
    expect((await settled(b)).result).toMatchObject({ authenticated: true });

    const mark = framing.requests.length;
    await a.reload();
    const handed = await settled(a);
    expect(handed.result).toMatchObject({ authenticated: true });
    expect(handed.events.filter((e) => e.event === 'authenticated').map((e) => e.sub)).toEqual(['bea']);
    expect(framing.requests.slice(mark)).toEqual([]); // from the other tab, no network
  });
});

describe('a provider that answers a later login with the response to an earlier request', () => {
  test("the silent page at top level sends the user on to the login's returnTo, where the session is restored", async () => {
    const app = apps.silentPage;
    const { newPage } = await open(app, quirky);
    const page = await newPage();
    await page.goto(`${app.url}/orders`);
    expect((await settled(page)).result).toMatchObject({ authenticated: false });

    const stray = [];
    page.on(
      'request',
      (r) =>
        r.isNavigationRequest() &&
        r.frame() === page.mainFrame() &&
        r.url().startsWith(`${app.url}/silent.html?`) &&
        stray.push(new URL(r.url())),
    );
    const mark = quirky.requests.length;
    const appMark = app.requests.length;
    await page.evaluate(() => void window.app.login('/orders?tab=2'));
    await signInAtProvider(page, app.url, 'cy');
    await page.waitForURL(`${app.url}/orders?tab=2`);
    const landed = await settled(page);

    // the provider did answer with the earlier (silent) request's response, at top level on the silent page
    expect(
      quirky.requests
        .slice(mark)
        .filter((r) => r.route === 'login')
        .map((r) => r.answered),
    ).toEqual(['an earlier request']);
    expect(stray).toHaveLength(1);
    // the silent page ran the tiny entry, not the SDK, both times: at top level, where it sent the
    // user on, and then in the iframe of the silent authorization that signed the user in there
    const tiny = ['/silent.html', ['/config.js', '/silent-callback.iife.min.js', '/silent.js']];
    expect(silentPageLoads(app.requests.slice(appMark))).toEqual([tiny, tiny]);
    // ... which was exchanged by nobody; the user is signed in on returnTo through silent authorization
    expect(landed.result).toMatchObject({ authenticated: true });
    expect(errors(landed).map((e) => e.code)).toEqual(['invalid_state']);
    const tokens = quirky.requests.slice(mark).filter((r) => r.route === 'token');
    expect(tokens.map((r) => r.status)).toEqual([200]);
    expect(tokens.map((r) => r.codeHash)).not.toContain(hashCode(stray[0].searchParams.get('code')));
    expect(page.url()).toBe(`${app.url}/orders?tab=2`);
    expect(session.appProblems().pageErrors).toEqual([]);
  });

  test('on the redirect URI (no separate silent page) the stray answer is a stale callback: reported, and the user ends up signed in', async () => {
    const app = apps.plain;
    const { newPage } = await open(app, quirky);
    const page = await newPage();
    await page.goto(`${app.url}/`);
    expect((await settled(page)).result).toMatchObject({ authenticated: false });
    const mark = quirky.requests.length;
    await page.evaluate(() => void window.app.login('/'));
    await signInAtProvider(page, app.url, 'dee');
    const landed = await settled(page);
    expect(
      quirky.requests
        .slice(mark)
        .filter((r) => r.route === 'login')
        .map((r) => r.answered),
    ).toEqual(['an earlier request']);
    expect(landed.result).toMatchObject({ authenticated: true });
    expect(errors(landed).map((e) => e.code)).toEqual(['invalid_state']);
    expect(
      quirky.requests
        .slice(mark)
        .filter((r) => r.route === 'token')
        .map((r) => r.status),
    ).toEqual([200]);
    expect(new URL(page.url()).search).toBe('');
  });
});

describe('a reopened callback URL (oidc-provider)', () => {
  let stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(async () => {
    await stack?.stop();
  });

  test('a user with a live provider session stays signed in; the used code is never presented again', async () => {
    const appOrigin = stack.pages.url;
    session = await openContext(browser, { appOrigin });
    const page = await session.newPage();
    await page.goto(`${appOrigin}/`);
    await page.locator('#status[data-state="signed-out"]').waitFor();
    let callbackUrl;
    page.on(
      'request',
      (r) => r.isNavigationRequest() && new URL(r.url()).searchParams.has('code') && (callbackUrl = r.url()),
    );
    await page.click('#login');
    await login(page, { appOrigin, user: 'eve' });
    await page.locator('#status[data-state="signed-in"]').waitFor();
    expect(callbackUrl).toBeDefined();
    const usedCode = hashSecret(new URL(callbackUrl).searchParams.get('code'));

    // the only tab of the app opens the callback URL again (a restored tab, a bookmark, history)
    await page.close();
    const mark = stack.provider.requests.length;
    const again = await session.newPage();
    await again.goto(callbackUrl);
    await again.locator('body:not([data-state="loading"])').waitFor();
    await again.locator('#status[data-state="signed-in"]').waitFor();
    expect(await again.getAttribute('#user', 'data-sub')).toBe('eve');
    const error = again.locator('#log li[data-event="error"]');
    expect(await error.count()).toBe(1);
    expect(await error.textContent()).toContain('invalid_state');
    expect(new URL(again.url()).searchParams.has('code')).toBe(false);
    const since = stack.provider.requests.slice(mark);
    expect(since.filter((r) => r.codeHash === usedCode)).toEqual([]);
    expect(since.filter((r) => r.grantType === 'authorization_code').map((r) => r.status)).toEqual([200]); // the silent authorization's
    expect(session.appProblems()).toEqual({ pageErrors: [], consoleErrors: [], cspViolations: [] });
  });
});
