// Login, API call, foreign-origin call and logout through both demo pages, against the real
// provider, with a real Chromium. After every flow: no token at rest, no page error, no CSP
// violation.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { hashSecret } from '../demo/provider.mjs';
import { startStack } from '../demo/stack.mjs';
import { confirmLogout, launchBrowser, login, openContext } from './browser.mjs';
import { collectBrowserState, findLeaks, issuedSecrets } from './leaks.mjs';
import { captureDemo } from '../scripts/demo-screenshot.mjs';

const SCREENSHOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'demo.png');
const PAGES = [
  ['ES-module page', '/'],
  ['script-tag page', '/static.html'],
];

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

const appOrigin = () => stack.pages.url;

/** Opens a fresh context on a demo page and waits until the SDK's init() settled. */
async function open(path) {
  session = await openContext(browser, { appOrigin: appOrigin() });
  const page = await session.newPage();
  await page.goto(appOrigin() + path);
  await page.locator('body:not([data-state="loading"])').waitFor();
  return page;
}

async function signIn(page, user) {
  expect(await page.getAttribute('#status', 'data-state')).toBe('signed-out');
  await page.click('#login');
  const result = await login(page, { appOrigin: appOrigin(), user });
  await page.locator('#status[data-state="signed-in"]').waitFor();
  return result;
}

async function expectNothingAtRest(page) {
  const leaks = findLeaks(await collectBrowserState(page), issuedSecrets(stack.provider));
  expect(leaks, 'token-like values at rest').toEqual([]);
}

function expectNoProblems(allowConsole) {
  expect(session.appProblems({ allowConsole })).toEqual({ pageErrors: [], consoleErrors: [], cspViolations: [] });
}

test('a provider that refuses to be framed costs init() a moment, not the whole silentTimeout', async () => {
  session = await openContext(browser, { appOrigin: appOrigin() });
  // the provider answers prompt=none with a page it forbids framing, instead of redirecting back
  await session.context.route(
    (url) => url.searchParams.get('prompt') === 'none',
    (route) =>
      route.fulfill({
        status: 200,
        contentType: 'text/html',
        headers: { 'x-frame-options': 'DENY' },
        body: '<p>Sign in</p>',
      }),
  );
  const page = await session.newPage();
  await page.goto(appOrigin() + '/');
  // The demo keeps the default silentTimeout of 10 s; the refused frame is given up after the
  // SDK's 2 s grace, so init() settles well before the timeout would have.
  await page.locator('body:not([data-state="loading"])').waitFor({ timeout: 8_000 });
  expect(await page.getAttribute('#status', 'data-state')).toBe('signed-out');
  expect(await page.locator('iframe').count()).toBe(0);
});

/**
 * The silent page was loaded (in the hidden iframe) since `pagesMark`, and it loaded the tiny
 * entry (/silent-callback.iife.min.js), not the SDK: no SDK file was asked for from then on.
 */
function expectTinySilentPage(pagesMark) {
  const paths = stack.pages.requests.slice(pagesMark).map((r) => r.path);
  expect(paths).toContain('/silent.html');
  const since = paths.slice(paths.indexOf('/silent.html'));
  expect(since).toContain('/silent-callback.iife.min.js');
  expect(since.filter((p) => /^\/(spa-auth|shared-|oauth4webapi)/.test(p))).toEqual([]);
}

const tokenRequests = (grantType) =>
  stack.provider.requests.filter((r) => r.route === 'token' && (!grantType || r.grantType === grantType));

describe.each(PAGES)('%s', (_name, path) => {
  test('loads signed out under the strict CSP; silent authorization finds no session', async () => {
    const mark = stack.provider.requests.length;
    const pagesMark = stack.pages.requests.length;
    const page = await open(path);
    expect(await page.getAttribute('#status', 'data-state')).toBe('signed-out');
    expect(await page.isDisabled('#login')).toBe(false);
    expect(await page.isDisabled('#call-api')).toBe(true);
    expect(await page.textContent('#lifetime')).toBe('—');
    // a prompt=none attempt went to the provider (hidden iframe) and came back to /silent.html
    const since = stack.provider.requests.slice(mark);
    expect(since.some((r) => r.prompt === 'none')).toBe(true);
    expect(since.filter((r) => r.route === 'token')).toEqual([]);
    expectTinySilentPage(pagesMark);
    expect(await page.locator('iframe').count()).toBe(0); // the SDK removed its iframe
    await expectNothingAtRest(page);
    expectNoProblems();
  });

  test('logs in, cleans the URL, calls the API and the foreign origin, leaves no token at rest', async () => {
    const page = await open(path);
    const codeExchangesBefore = tokenRequests('authorization_code').length;
    const mark = stack.provider.requests.length;
    const { consented } = await signIn(page, 'alice');
    expect(consented).toBe(true);

    expect(await page.getAttribute('#user', 'data-sub')).toBe('alice');
    expect(await page.textContent('#user')).toContain('Alice');
    expect(page.url()).toBe(appOrigin() + path);
    expect(await page.evaluate(() => history.state)).toBeNull();
    const lifetime = Number((await page.locator('#lifetime').textContent()).replace(/\D/g, ''));
    expect(lifetime).toBeGreaterThan(0);
    expect(lifetime).toBeLessThanOrEqual(600);

    // the provider advertises PAR, so the request was pushed and the browser carried only its handle
    const flow = stack.provider.requests.slice(mark);
    expect(flow.filter((r) => r.route === 'pushed_authorization_request').map((r) => r.status)).toEqual([201]);
    expect(flow.filter((r) => r.route === 'authorization' && r.method === 'GET').length).toBeGreaterThan(0);

    // exactly one code exchange, and it succeeded
    const exchanges = tokenRequests('authorization_code').slice(codeExchangesBefore);
    expect(exchanges.map((r) => r.status)).toEqual([200]);

    // the API verifies the token for real and sees the same user
    await page.click('#call-api');
    await page.locator('#api-result[data-state="done"]').waitFor();
    expect(await page.getAttribute('#api-result', 'data-status')).toBe('200');
    const apiBody = JSON.parse((await page.locator('#api-result').textContent()).split('\n').slice(1).join('\n'));
    expect(apiBody).toMatchObject({ sub: 'alice', tokenType: 'Bearer', scope: 'api' });
    const apiCall = stack.api.requests.findLast((r) => r.path === '/me' && r.method === 'GET');
    expect(apiCall).toMatchObject({
      authorization: true,
      authorizationScheme: 'Bearer',
      status: 200,
      origin: appOrigin(),
    });

    // auth.fetch to an origin outside apiOrigins: it arrives, without any credential
    const before = stack.recorder.requests.length;
    await page.click('#call-foreign');
    await page.locator('#foreign-result[data-state="done"]').waitFor();
    expect(await page.getAttribute('#foreign-result', 'data-status')).toBe('200');
    const foreign = stack.recorder.requests.slice(before);
    expect(foreign.some((r) => r.method === 'GET' && r.path === '/echo')).toBe(true);
    for (const r of foreign) {
      expect('authorization' in r.headers, `${r.method} ${r.path} carried authorization`).toBe(false);
      expect('dpop' in r.headers, `${r.method} ${r.path} carried dpop`).toBe(false);
      expect(r.headers['access-control-request-headers'] ?? '').not.toMatch(/authorization|dpop/i);
    }

    // an API answer that redirects to another origin must not carry the token there
    const beforeRedirect = stack.recorder.requests.length;
    await page.click('#call-redirect');
    await page.locator('#api-result[data-state="done"]').waitFor();
    expect(stack.api.requests.findLast((r) => r.path === '/redirect-to-foreign')).toMatchObject({
      method: 'GET',
      authorization: true,
    });
    for (const r of stack.recorder.requests.slice(beforeRedirect)) {
      expect('authorization' in r.headers, `${r.method} ${r.path} carried authorization`).toBe(false);
      expect('dpop' in r.headers, `${r.method} ${r.path} carried dpop`).toBe(false);
    }

    // Back and forward never bring the callback (code, state) back, nor a second exchange of it
    await page.goBack();
    expect(page.url()).not.toMatch(/[?&](code|state)=/);
    await page.goForward();
    await page.locator('body:not([data-state="loading"])').waitFor();
    expect(page.url()).toBe(appOrigin() + path);
    const codes = tokenRequests('authorization_code').map((r) => r.codeHash);
    expect(new Set(codes).size).toBe(codes.length);
    expect(tokenRequests('authorization_code').filter((r) => r.status !== 200)).toEqual([]);

    await expectNothingAtRest(page);
    expectNoProblems();
  });

  test('a reload keeps the user signed in (silent authorization through /silent.html)', async () => {
    const page = await open(path);
    await signIn(page, 'erin');
    const mark = stack.provider.requests.length;
    const pagesMark = stack.pages.requests.length;
    await page.reload();
    await page.locator('body:not([data-state="loading"])').waitFor();
    expect(await page.getAttribute('#status', 'data-state')).toBe('signed-in');
    expect(await page.getAttribute('#user', 'data-sub')).toBe('erin');
    const since = stack.provider.requests.slice(mark);
    // tokens were in memory only, so the reload had to ask the provider again, without a prompt
    expect(
      since.some(
        (r) => (r.route === 'authorization' || r.route === 'pushed_authorization_request') && r.prompt === 'none',
      ),
    ).toBe(true);
    expect(since.filter((r) => r.route === 'token').map((r) => `${r.grantType} ${r.status}`)).toEqual([
      'authorization_code 200',
    ]);
    // the code came back through the silent page, which runs the tiny entry, not the SDK
    expectTinySilentPage(pagesMark);
    expect(page.url()).toBe(appOrigin() + path);
    await expectNothingAtRest(page);
    expectNoProblems();
  });

  test('logout revokes at the provider and ends the provider session', async () => {
    const page = await open(path);
    await signIn(page, 'bob');
    expect(await page.getAttribute('#user', 'data-sub')).toBe('bob');
    const issued = stack.provider.issued.at(-1);
    expect(issued.refreshToken).toBeTruthy();
    const revocationsBefore = stack.provider.requests.filter((r) => r.route === 'revocation').length;

    await page.click('#logout');
    await confirmLogout(page, { appOrigin: appOrigin() });
    await page.locator('#status[data-state="signed-out"]').waitFor();
    expect(await page.textContent('#user')).toBe('—');

    // RFC 7009: the SDK revoked the refresh token it held, once, and nothing else (revoking a
    // refresh token invalidates its access tokens; oidc-provider cannot revoke JWT access tokens)
    const heldRefreshToken = stack.provider.issued.filter((t) => t.refreshToken).at(-1).refreshToken;
    const revocations = stack.provider.requests.filter((r) => r.route === 'revocation').slice(revocationsBefore);
    expect(revocations.map((r) => [r.tokenHash === hashSecret(heldRefreshToken), r.tokenTypeHint, r.status])).toEqual([
      [true, 'refresh_token', 200],
    ]);
    const refresh = await fetch(`${stack.provider.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: heldRefreshToken,
        client_id: 'spa-demo',
      }),
    });
    expect(refresh.status).toBe(400);
    expect((await refresh.json()).error).toBe('invalid_grant');

    await expectNothingAtRest(page);
    expectNoProblems();

    // the provider session is gone: logging in again asks for the password again
    await page.click('#login');
    await page.locator('input[name="login"]').waitFor();
  });
});

test('screenshot of the signed-in demo page (docs/demo.png)', async (ctx) => {
  if (existsSync(SCREENSHOT) && process.env.UPDATE_SCREENSHOT !== '1') return ctx.skip();
  session = await openContext(browser, { appOrigin: appOrigin() });
  await captureDemo(await session.newPage(), { appOrigin: appOrigin(), file: SCREENSHOT });
  expectNoProblems();
});
