// Popup login, UserInfo and appState through the demo pages, against the real provider, in a
// real Chromium: the popup opens from the click, lands on the redirect URI, hands the answer to
// the opener (also when the provider's Cross-Origin-Opener-Policy severs window.opener), and
// closes; the opener exchanges the code. A blocked or closed popup, a step-up while signed in,
// a switch of user, UserInfo in Bearer and DPoP modes, a UserInfo answer for another user, and
// appState there and back (and refused when too large).
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startStack } from '../demo/stack.mjs';
import { launchBrowser, login, openContext } from './browser.mjs';
import { collectBrowserState, findLeaks, issuedSecrets } from './leaks.mjs';

let browser;
let session;
const stacks = [];

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await Promise.all([browser?.close(), ...stacks.map((s) => s.stop())]);
});
afterEach(async () => {
  await session?.close();
  session = undefined;
});

/** A stack for this file, stopped after all tests. */
async function stackWith(o) {
  const stack = await startStack(o);
  stacks.push(stack);
  return stack;
}

/** Opens a demo page in a fresh context and waits until init() settled. */
async function open(stack, path = '/', into = browser) {
  session = await openContext(into, { appOrigin: stack.pages.url });
  const page = await session.newPage();
  await page.goto(stack.pages.url + path);
  await page.locator('body:not([data-state="loading"])').waitFor();
  return page;
}

/**
 * Completes the provider's forms in the popup and waits until the popup has closed itself
 * (its page on the app's origin handed the answer over).
 */
async function loginInPopup(popup, user = 'alice') {
  await popup.locator('input[name="login"]').waitFor();
  await popup.fill('input[name="login"]', user);
  await popup.fill('input[name="password"]', 'secret');
  await popup.click('button[type="submit"]');
  const consent = popup.locator('input[name="prompt"][value="consent"]');
  // Either the consent page comes (first login of this user), or the popup goes back and closes.
  const next = await Promise.race([
    consent.waitFor({ state: 'attached' }).then(() => 'consent'),
    popup.waitForEvent('close').then(() => 'closed'),
  ]).catch(() => 'closed');
  if (next === 'consent') await Promise.all([popup.waitForEvent('close'), popup.click('button[type="submit"]')]);
}

/** Clicks "Log in with a popup" and returns the popup's page. */
async function clickPopup(page) {
  const [popup] = await Promise.all([page.waitForEvent('popup'), page.click('#login-popup')]);
  return popup;
}

const tokenRequests = (page) => {
  const seen = [];
  page.on('request', (r) => new URL(r.url()).pathname === '/token' && seen.push(r.method()));
  return seen;
};

const lastLog = (page) => page.locator('#log li').first().textContent();

describe('popup login', () => {
  let stack;
  beforeAll(async () => {
    stack = await stackWith();
  });

  describe.each([
    ['ES-module page', '/'],
    ['script-tag page', '/static.html'],
  ])('%s', (_name, path) => {
    test('logs in: the opener exchanges the code, the popup closes and holds nothing', async () => {
      const page = await open(stack, path);
      expect(await page.getAttribute('#status', 'data-state')).toBe('signed-out');
      const openerTokens = tokenRequests(page);
      // every authorization request of the context, the popup's first included
      const authorize = [];
      session.context.on(
        'request',
        (r) => r.url().startsWith(`${stack.provider.issuer}/auth?`) && authorize.push(new URL(r.url())),
      );
      const popup = await clickPopup(page);
      const popupTokens = tokenRequests(popup);
      await loginInPopup(popup, 'popper');
      await page.locator('#status[data-state="signed-in"]').waitFor();
      expect(await page.getAttribute('#user', 'data-sub')).toBe('popper');
      expect(page.url()).toBe(stack.pages.url + path); // the page stayed where it was
      expect(popup.isClosed()).toBe(true);
      expect(openerTokens).toEqual(['POST']);
      expect(popupTokens).toEqual([]);
      // the same authorization request as a redirect login: pushed (PAR) by the opener, so the
      // popup's address carries only client_id and request_uri
      expect(authorize).toHaveLength(1);
      expect([...authorize[0].searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
      const pushed = stack.provider.requests.filter((r) => r.route === 'pushed_authorization_request');
      expect(pushed.at(-1)).toMatchObject({ status: 201 });
      expect(findLeaks(await collectBrowserState(page), issuedSecrets(stack.provider))).toEqual([]);
      expect(
        await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('spa-auth.tx.'))),
      ).toEqual([]);
      expect(session.appProblems()).toEqual({ pageErrors: [], consoleErrors: [], cspViolations: [] });
    });
  });

  test('closed by the user: popup_closed, and the page stays signed out', async () => {
    const page = await open(stack);
    const popup = await clickPopup(page);
    await popup.locator('input[name="login"]').waitFor();
    // A user looks at the provider's page before closing it: long enough for the opener to see
    // the window open there (it looks four times a second), which tells it that `closed` can be
    // believed (a provider with Cross-Origin-Opener-Policy would have made it read closed at once).
    await popup.waitForTimeout(1500);
    await popup.close();
    await page.locator('#log li[data-event="error"]').first().waitFor();
    expect(await lastLog(page)).toContain('popup_closed');
    expect(await page.getAttribute('#status', 'data-state')).toBe('signed-out');
  });

  test('logout() cancels an open popup (popup_closed) and closes it', async () => {
    const page = await open(stack);
    const popup = await clickPopup(page);
    await popup.locator('input[name="login"]').waitFor();
    await Promise.all([
      popup.waitForEvent('close'),
      page.evaluate(() => window.SpaAuthDemo.auth.logout({ localOnly: true })),
    ]);
    await page.locator('#log li[data-event="error"]').first().waitFor();
    expect(await lastLog(page)).toContain('popup_closed');
  });

  test('step-up in a popup keeps the session until the new one is installed, then every tab has it', async () => {
    const page = await open(stack);
    await page.click('#login');
    await login(page, { appOrigin: stack.pages.url, user: 'stepper' });
    await page.locator('#status[data-state="signed-in"]').waitFor();
    const other = await session.newPage();
    await other.goto(stack.pages.url + '/');
    await other.locator('#status[data-state="signed-in"]').waitFor();
    const authTime = () => page.evaluate(() => window.SpaAuthDemo.auth.user.auth_time);
    const sessionBefore = await page.evaluate(() => window.SpaAuthDemo.auth.user.iat);

    const [popup] = await Promise.all([
      page.waitForEvent('popup'),
      page.evaluate(() => void (window.SpaAuthDemo.stepUp = window.SpaAuthDemo.auth.loginWithPopup({ maxAge: 0 }))),
    ]);
    await popup.locator('input[name="login"]').waitFor(); // max_age=0: the provider asks again
    // meanwhile the current session goes on
    expect(await page.evaluate(() => window.SpaAuthDemo.auth.getAccessToken().then((t) => t.length > 0))).toBe(true);
    expect(await page.getAttribute('#status', 'data-state')).toBe('signed-in');
    await page.waitForTimeout(1100); // auth_time has a resolution of one second
    await loginInPopup(popup, 'stepper');
    await page.evaluate(() => window.SpaAuthDemo.stepUp);
    // max_age was sent: the new ID token says when the user authenticated, after the first login
    const after = await authTime();
    expect(after).toBeGreaterThan(sessionBefore);
    // the other tab took the new session
    await expect.poll(() => other.evaluate(() => window.SpaAuthDemo.auth.user.auth_time)).toBe(after);
    expect(findLeaks(await collectBrowserState(page), issuedSecrets(stack.provider))).toEqual([]);
  });

  test('a popup that comes back with another user starts a new session (authenticated) in every tab', async () => {
    const page = await open(stack);
    await page.click('#login');
    await login(page, { appOrigin: stack.pages.url, user: 'first' });
    await page.locator('#status[data-state="signed-in"]').waitFor();
    const other = await session.newPage();
    await other.goto(stack.pages.url + '/');
    await other.locator('#status[data-state="signed-in"]').waitFor();
    // the provider forgets first's login (its session cookie), so the popup asks who it is
    await stack.provider.endSessions('first');
    const popup = await clickPopup(page);
    await loginInPopup(popup, 'second');
    await page.locator('#user[data-sub="second"]').waitFor();
    // a new login, not a renewal: `authenticated` for the new user, here and in the other tab
    expect(await page.locator('#log li[data-event="authenticated"]').first().textContent()).toContain('second');
    await other.locator('#user[data-sub="second"]').waitFor();
    expect(await other.locator('#log li[data-event="authenticated"]').first().textContent()).toContain('second');
  });
});

test('popup blocked: no window without a user gesture, popup_blocked, nothing left in sessionStorage', async () => {
  const stack = await stackWith();
  const strict = await launchBrowser({ popupBlocker: true });
  try {
    const page = await open(stack, '/', strict);
    // Called from a timer, long after any user gesture (Playwright's evaluate counts as one, and
    // Chromium's user activation lasts 5 s): the browser's blocker refuses window.open.
    await page.evaluate(() =>
      setTimeout(
        () =>
          window.SpaAuthDemo.auth.loginWithPopup().then(
            () => (window.popupResult = 'resolved'),
            (e) => (window.popupResult = e.code),
          ),
        5500,
      ),
    );
    await page.waitForFunction(() => window.popupResult !== undefined, null, { timeout: 20_000 });
    expect(await page.evaluate(() => window.popupResult)).toBe('popup_blocked');
    expect(await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('spa-auth.tx.')))).toEqual(
      [],
    );
    expect(session.context.pages()).toHaveLength(1);
  } finally {
    await session?.close();
    session = undefined;
    await strict.close();
  }
});

test('a provider that sets Cross-Origin-Opener-Policy: same-origin: window.opener is severed, the login still completes', async () => {
  const stack = await stackWith({ provider: { coop: true } });
  const page = await open(stack);
  const popup = await clickPopup(page);
  await popup.locator('input[name="login"]').waitFor();
  // the provider's page has no opener: only a same-origin channel can carry the answer back
  expect(await popup.evaluate(() => window.opener)).toBeNull();
  // and the opener's handle reads `closed` although the popup is open: that alone must not fail the login
  expect(
    await page.evaluate(
      () =>
        new Promise((r) =>
          setTimeout(() => r(document.querySelector('#log li[data-event="error"]')?.textContent ?? null), 600),
        ),
    ),
  ).toBeNull();
  await loginInPopup(popup, 'coop-user');
  await page.locator('#status[data-state="signed-in"]').waitFor();
  expect(await page.getAttribute('#user', 'data-sub')).toBe('coop-user');
  expect(findLeaks(await collectBrowserState(page), issuedSecrets(stack.provider))).toEqual([]);
});

describe('UserInfo', () => {
  let stack;
  beforeAll(async () => {
    // access tokens for the UserInfo endpoint (not the demo API), with DPoP nonces required
    stack = await stackWith({
      provider: { userinfoTokens: true, requireDpopNonce: true },
      clientOptions: { scope: 'openid profile offline_access' },
    });
  });
  /** DPoP nonce challenges are answered 400 / 401 on purpose; the browser logs them. */
  const nonceChallenge = (c) => /status of (400|401)/.test(c.text);

  describe.each([
    ['Bearer', '?dpop=0'],
    ['DPoP', '?dpop=1'],
  ])('%s', (mode, query) => {
    test('getUserInfo(): the claims of the session, with its access token, cached until it changes', async () => {
      const page = await open(stack, '/' + query);
      const popup = await clickPopup(page);
      await loginInPopup(popup, `info-${mode.toLowerCase()}`);
      await page.locator('#status[data-state="signed-in"]').waitFor();
      const mark = stack.provider.requests.length;
      await page.click('#userinfo');
      await page.locator('#userinfo-result[data-state="done"]').waitFor();
      expect(await page.getAttribute('#userinfo-result', 'data-status')).toBe('ok');
      expect(JSON.parse(await page.textContent('#userinfo-result'))).toMatchObject({
        sub: `info-${mode.toLowerCase()}`,
        name: `Info-${mode.toLowerCase()}`,
      });
      const calls = () => stack.provider.requests.slice(mark).filter((r) => r.route === 'userinfo');
      expect(calls().at(-1)).toMatchObject({ status: 200, ...(mode === 'DPoP' && { dpop: true }) });
      const count = calls().length;
      // cached: no second request for the same access token
      await page.evaluate(() => window.SpaAuthDemo.auth.getUserInfo());
      expect(calls()).toHaveLength(count);
      // a new access token, a new request
      await page.evaluate(() =>
        window.SpaAuthDemo.auth
          .getAccessToken({ forceRefresh: true })
          .then(() => window.SpaAuthDemo.auth.getUserInfo()),
      );
      expect(calls().length).toBeGreaterThan(count);
      expect(session.appProblems({ allowConsole: nonceChallenge })).toEqual({
        pageErrors: [],
        consoleErrors: [],
        cspViolations: [],
      });
    });
  });

  test('an answer for another user (sub mismatch) is refused with invalid_response; no Referer is sent', async () => {
    const page = await open(stack, '/?dpop=0');
    const popup = await clickPopup(page);
    await loginInPopup(popup, 'victim');
    await page.locator('#status[data-state="signed-in"]').waitFor();
    const seen = [];
    await session.context.route(`${stack.provider.issuer}/me`, (route) => {
      seen.push(route.request().headers());
      return route.fulfill({
        status: 200,
        contentType: 'application/json',
        headers: { 'access-control-allow-origin': stack.pages.url },
        body: JSON.stringify({ sub: 'mallory', name: 'Mallory' }),
      });
    });
    await page.click('#userinfo');
    await page.locator('#userinfo-result[data-state="done"]').waitFor();
    expect(await page.getAttribute('#userinfo-result', 'data-status')).toBe('invalid_response');
    expect(await page.textContent('#userinfo-result')).not.toContain('Mallory');
    expect(seen).toHaveLength(1);
    expect(seen[0].authorization).toMatch(/^Bearer /);
    expect(seen[0].referer).toBeUndefined();
  });

  test('signed out: login_required', async () => {
    const page = await open(stack, '/?dpop=0');
    expect(
      await page.evaluate(() =>
        window.SpaAuthDemo.auth.getUserInfo().then(
          () => 'resolved',
          (e) => e.code,
        ),
      ),
    ).toBe('login_required');
  });
});

describe('appState', () => {
  let stack;
  beforeAll(async () => {
    stack = await stackWith();
  });

  test('login({ appState }) hands it back from init() after the callback, never sent to the provider', async () => {
    const page = await open(stack);
    const value = { page: 'orders', filter: 'späť-42', n: [1, 2] };
    await page.fill('#app-state', JSON.stringify(value));
    const sent = [];
    page.on(
      'request',
      (r) => r.url().startsWith(stack.provider.issuer) && sent.push(decodeURIComponent(r.url()) + (r.postData() ?? '')),
    );
    await page.click('#login');
    await login(page, { appOrigin: stack.pages.url, user: 'stateful' });
    await page.locator('#status[data-state="signed-in"]').waitFor();
    await expect.poll(() => page.textContent('#app-state-result')).toBe(JSON.stringify(value));
    expect(sent.length).toBeGreaterThan(0);
    for (const s of sent) expect(s).not.toContain('orders');
    expect(await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('spa-auth.tx.')))).toEqual(
      [],
    );
  });

  test('an appState over 4,096 bytes is refused with invalid_config: no redirect, nothing stored', async () => {
    const page = await open(stack);
    await page.fill('#app-state', JSON.stringify('x'.repeat(4095))); // 4,097 bytes with its quotes
    await page.click('#login');
    await page.locator('#log li[data-event="error"]').first().waitFor();
    expect(await lastLog(page)).toContain('invalid_config');
    expect(page.url()).toBe(stack.pages.url + '/');
    expect(await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('spa-auth.tx.')))).toEqual(
      [],
    );
  });
});
