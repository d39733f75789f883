// DPoP (RFC 9449) through both demo pages: the demo's DPoP switch, a provider and an API that
// both demand server nonces. The SDK must bind the tokens to its key, answer the nonce
// challenges (one retry each), and still leave nothing at rest.
import { decodeJwt } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startStack } from '../demo/stack.mjs';
import { launchBrowser, login, openContext } from './browser.mjs';
import { collectBrowserState, findLeaks, issuedSecrets } from './leaks.mjs';

let stack;
let browser;
let session;

beforeAll(async () => {
  [stack, browser] = await Promise.all([startStack({ provider: { requireDpopNonce: true } }), launchBrowser()]);
});
afterAll(async () => {
  await Promise.all([browser?.close(), stack?.stop()]);
});
afterEach(async () => {
  await session?.close();
  session = undefined;
  stack.api.setRequireDpopNonce(false);
});

/** The nonce challenges are answered 400 / 401 on purpose; the browser logs those responses. */
const nonceChallenge = (c) =>
  /status of (400|401)/.test(c.text) &&
  (c.url?.endsWith('/token') || c.url?.endsWith('/me') || c.url?.endsWith('/request'));

describe.each([
  ['ES-module page', '/'],
  ['script-tag page', '/static.html'],
])('%s', (_name, path) => {
  test('the DPoP switch: DPoP-bound tokens, nonces from provider and API, API call succeeds', async () => {
    const appOrigin = stack.pages.url;
    session = await openContext(browser, { appOrigin });
    const page = await session.newPage();
    await page.goto(`${appOrigin}${path}?dpop=1`);
    await page.locator('#status[data-state="signed-out"]').waitFor();
    expect(await page.isChecked('#dpop')).toBe(true);
    const mark = stack.provider.requests.length;
    await page.click('#login');
    await login(page, { appOrigin, user: 'dpop-user' });
    await page.locator('#status[data-state="signed-in"]').waitFor();

    const tokenCalls = stack.provider.requests.slice(mark).filter((r) => r.route === 'token');
    expect(tokenCalls.at(-1)).toMatchObject({
      grantType: 'authorization_code',
      status: 200,
      dpop: true,
      tokenType: 'DPoP',
    });
    expect(tokenCalls.some((r) => r.error === 'use_dpop_nonce')).toBe(true);
    expect(decodeJwt(stack.provider.issued.at(-1).accessToken).cnf?.jkt).toBeTruthy();

    stack.api.setRequireDpopNonce(true);
    const apiMark = stack.api.requests.length;
    await page.click('#call-api');
    await page.locator('#api-result[data-state="done"]').waitFor();
    expect(await page.getAttribute('#api-result', 'data-status')).toBe('200');
    expect(await page.textContent('#api-result')).toContain('"tokenType": "DPoP"');
    const calls = stack.api.requests.slice(apiMark).filter((r) => r.method === 'GET');
    expect(calls.map((r) => `${r.authorizationScheme} ${r.dpop} ${r.status} ${r.error ?? ''}`.trim())).toEqual([
      'DPoP true 401 use_dpop_nonce',
      'DPoP true 200',
    ]);

    // a redirect to another origin must not carry the DPoP proof (browsers do not strip it)
    const recMark = stack.recorder.requests.length;
    await page.click('#call-redirect');
    await page.locator('#api-result[data-state="done"]').waitFor();
    expect(stack.api.requests.findLast((r) => r.path === '/redirect-to-foreign')).toMatchObject({
      method: 'GET',
      authorization: true,
      dpop: true,
    });
    for (const r of stack.recorder.requests.slice(recMark)) {
      expect('authorization' in r.headers, `${r.method} ${r.path} carried authorization`).toBe(false);
      expect('dpop' in r.headers, `${r.method} ${r.path} carried dpop`).toBe(false);
    }

    // a refresh is DPoP-bound too
    await page.click('#refresh');
    await page.locator('#log li[data-event="tokenRefreshed"]').waitFor();
    expect(stack.provider.requests.filter((r) => r.grantType === 'refresh_token').at(-1)).toMatchObject({
      status: 200,
      dpop: true,
      tokenType: 'DPoP',
    });

    expect(findLeaks(await collectBrowserState(page), issuedSecrets(stack.provider))).toEqual([]);
    expect(session.appProblems({ allowConsole: nonceChallenge })).toEqual({
      pageErrors: [],
      consoleErrors: [],
      cspViolations: [],
    });
  });
});
