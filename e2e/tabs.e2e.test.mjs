// Several tabs of the same app (the ES-module page and the script-tag page share the origin):
// a new tab gets the session from a live one without any request to the provider, refreshes
// are shared and never replay a rotated-out refresh token, logout reaches every tab, and a
// duplicated tab (a copy of the login transaction) cannot replay the first tab's callback, and a
// client destroyed mid-refresh still hands its rotated refresh token to the other tabs.
import { afterAll, afterEach, beforeAll, expect, test } from 'vitest';
import { startStack } from '../demo/stack.mjs';
import { confirmLogout, launchBrowser, login, openContext } from './browser.mjs';
import { collectBrowserState, findLeaks, issuedSecrets } from './leaks.mjs';

let stack;
let browser;
let session;

beforeAll(async () => {
  [stack, browser] = await Promise.all([startStack(), launchBrowser()]);
});
afterAll(async () => {
  await Promise.all([browser?.close(), stack?.stop()]);
});
afterEach(async () => {
  await session?.close();
  session = undefined;
});

const settled = (page) => page.locator('body:not([data-state="loading"])').waitFor();
const refreshes = () => stack.provider.requests.filter((r) => r.grantType === 'refresh_token');

/** Tab A signs in on the ES-module page; tab B opens the script-tag page afterwards. */
async function twoTabs(user) {
  const appOrigin = stack.pages.url;
  session = await openContext(browser, { appOrigin });
  const a = await session.newPage();
  await a.goto(`${appOrigin}/`);
  await settled(a);
  await a.click('#login');
  await login(a, { appOrigin, user });
  await a.locator('#status[data-state="signed-in"]').waitFor();
  const mark = stack.provider.requests.length;
  const b = await session.newPage();
  await b.goto(`${appOrigin}/static.html`);
  await settled(b);
  return { a, b, appOrigin, providerRequestsDuringHandoff: stack.provider.requests.slice(mark) };
}

test('a new tab gets the session from a live tab, without asking the provider', async () => {
  const { b, providerRequestsDuringHandoff } = await twoTabs('tina');
  expect(await b.getAttribute('#status', 'data-state')).toBe('signed-in');
  expect(await b.getAttribute('#user', 'data-sub')).toBe('tina');
  expect(providerRequestsDuringHandoff.map((r) => `${r.method} ${r.path}`)).toEqual([]);
  await b.click('#call-api');
  await b.locator('#api-result[data-state="done"]').waitFor();
  expect(await b.getAttribute('#api-result', 'data-status')).toBe('200');
  expect(findLeaks(await collectBrowserState(b), issuedSecrets(stack.provider))).toEqual([]);
  expect(session.appProblems()).toEqual({ pageErrors: [], consoleErrors: [], cspViolations: [] });
});

test('refreshes in two tabs at once never present a rotated-out refresh token', async () => {
  const { a, b } = await twoTabs('uma');
  const mark = refreshes().length;
  await Promise.all([a.click('#refresh'), b.click('#refresh')]);
  await a.locator('#log li[data-event="tokenRefreshed"]').first().waitFor();
  await b.locator('#log li[data-event="tokenRefreshed"]').first().waitFor();
  // every refresh either tab started has ended: no tab holds or waits for the refresh lock
  await a.waitForFunction(async () => {
    const { held = [], pending = [] } = await navigator.locks.query();
    return ![...held, ...pending].some((l) => l.name?.startsWith('spa-auth:refresh:'));
  });
  const done = refreshes().slice(mark);
  expect(done.length).toBeGreaterThan(0);
  expect(done.map((r) => r.status)).toEqual(done.map(() => 200));
  const presented = refreshes().map((r) => r.refreshTokenHash);
  expect(new Set(presented).size).toBe(presented.length); // no refresh token used twice
  for (const page of [a, b]) {
    expect(await page.getAttribute('#status', 'data-state')).toBe('signed-in');
    expect(await page.locator('#log li[data-event="sessionExpired"]').count()).toBe(0);
  }
  // both tabs still work with the API after the rotation
  for (const page of [a, b]) {
    await page.click('#call-api');
    await page.locator('#api-result[data-state="done"]').waitFor();
    expect(await page.getAttribute('#api-result', 'data-status')).toBe('200');
  }
  expect(session.appProblems()).toEqual({ pageErrors: [], consoleErrors: [], cspViolations: [] });
});

test('logout in one tab signs the other tab out', async () => {
  const { a, b, appOrigin } = await twoTabs('vera');
  await a.click('#logout');
  await confirmLogout(a, { appOrigin });
  await b.locator('#status[data-state="signed-out"]').waitFor();
  expect(await b.locator('#log li[data-event="loggedOut"]').count()).toBe(1);
  expect(await b.textContent('#user')).toBe('—');
  expect(findLeaks(await collectBrowserState(b), issuedSecrets(stack.provider))).toEqual([]);
  expect(session.appProblems()).toEqual({ pageErrors: [], consoleErrors: [], cspViolations: [] });
});

test('a duplicated tab cannot replay the callback the first tab consumed', async () => {
  const appOrigin = stack.pages.url;
  session = await openContext(browser, { appOrigin });
  const a = await session.newPage();
  await a.goto(`${appOrigin}/`);
  await settled(a);
  // Stop tab A on its way to the provider: the login transaction is in its sessionStorage.
  let authorizeUrl;
  const isAuthorize = (url) => url.href.startsWith(`${stack.provider.issuer}/auth`);
  await session.context.route(isAuthorize, (route) => {
    authorizeUrl = route.request().url();
    return route.abort('aborted');
  });
  await a.click('#login');
  await expect.poll(() => authorizeUrl).toBeDefined();
  await session.context.unroute(isAuthorize);
  // window.open copies the opener's sessionStorage, as "Duplicate tab" does: B holds a copy.
  const [b] = await Promise.all([
    session.context.waitForEvent('page'),
    a.evaluate(() => void window.open('/favicon.svg')),
  ]);
  await b.waitForLoadState();
  const transactions = (page) =>
    page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('spa-auth.tx.')).length);
  expect(await transactions(b)).toBe(1);

  let callbackUrl;
  a.on(
    'request',
    (r) => r.isNavigationRequest() && new URL(r.url()).searchParams.has('code') && (callbackUrl = r.url()),
  );
  const exchanges = () => stack.provider.requests.filter((r) => r.grantType === 'authorization_code');
  const mark = exchanges().length;
  await a.goto(authorizeUrl);
  await login(a, { appOrigin, user: 'vera' });
  await a.locator('#status[data-state="signed-in"]').waitFor();
  expect(callbackUrl).toBeDefined();
  // B lands on the same callback with its copy of the transaction: ignored before any token
  // request, because a replayed code makes the provider revoke what it issued for it; B then
  // loads as usual and takes the session over from A.
  await b.goto(callbackUrl);
  await b.locator('#log li[data-event="error"]').first().waitFor();
  expect(await b.locator('#log li[data-event="error"]').first().textContent()).toContain('invalid_state');
  await b.locator('#status[data-state="signed-in"]').waitFor();
  expect(await b.getAttribute('#user', 'data-sub')).toBe('vera');
  expect(exchanges().length - mark).toBe(1);
  expect(await transactions(b)).toBe(0);
  // A's grant is intact: it still refreshes.
  await a.click('#refresh');
  await a.locator('#log li[data-event="tokenRefreshed"]').first().waitFor();
  expect(await a.locator('#log li[data-event="sessionExpired"]').count()).toBe(0);
  expect(session.appProblems()).toEqual({ pageErrors: [], consoleErrors: [], cspViolations: [] });
});

test('a client destroyed while its refresh is at the provider hands the new refresh token to the other tabs', async () => {
  const { a, b } = await twoTabs('wade');
  // A second client in tab A (a micro-frontend's own, say) takes the session over from the tabs.
  // (A string: vitest would rewrite an import() in a function passed to evaluate.)
  const extraClient = `(async () => {
    const config = await (await fetch('/config.json?page=esm')).json();
    const { createAuthClient } = await import('/spa-auth.js');
    window.extra = createAuthClient(config.client);
    return window.extra.init();
  })()`;
  expect(await a.evaluate(extraClient)).toEqual({ authenticated: true });
  // Its refresh reaches the provider, which rotates the refresh token; the answer is held back.
  let release;
  const gate = new Promise((r) => (release = r));
  let rotated;
  const atProvider = new Promise((r) => (rotated = r));
  await a.route(
    `${stack.provider.issuer}/token`,
    async (route) => {
      const response = await route.fetch();
      rotated();
      await gate;
      await route.fulfill({ response });
    },
    { times: 1 },
  );
  const mark = refreshes().length;
  await a.evaluate(
    () => void (window.extraRefresh = window.extra.getAccessToken({ forceRefresh: true }).catch((e) => e.code)),
  );
  await atProvider;
  await a.evaluate(() => window.extra.destroy()); // unmounted while the answer is on its way
  release();
  const destroyedResult = await a.evaluate(() => window.extraRefresh);
  // Tab B hears of the new tokens, and its next refresh presents the refresh token the destroyed client obtained.
  await b.locator('#log li[data-event="tokenRefreshed"]').first().waitFor({ timeout: 5000 });
  await b.click('#refresh');
  await expect.poll(() => refreshes().length).toBe(mark + 2);
  const presented = refreshes().map((r) => r.refreshTokenHash);
  expect(new Set(presented).size).toBe(presented.length); // no refresh token used twice
  expect(
    refreshes()
      .slice(mark)
      .map((r) => r.status),
  ).toEqual([200, 200]);
  await b.locator('#log li[data-event="tokenRefreshed"]').nth(1).waitFor();
  for (const page of [a, b]) {
    expect(await page.getAttribute('#status', 'data-state')).toBe('signed-in');
    expect(await page.locator('#log li[data-event="sessionExpired"]').count()).toBe(0);
  }
  expect(destroyedResult).toBe('invalid_config'); // the destroyed client's own call: "client destroyed"
  expect(session.appProblems()).toEqual({ pageErrors: [], consoleErrors: [], cspViolations: [] });
});
