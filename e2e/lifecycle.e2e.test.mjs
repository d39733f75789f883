// Token lifecycle with access tokens that live a few seconds: refresh-token rotation shared by
// three tabs for a minute, reloads, a provider outage, a grant revoked at the provider, and a
// background tab coming back after its token expired. The provider records every request (a
// hash of each refresh token presented and issued), the API every call: the tests judge the
// SDK by what those servers saw and by what the pages show.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startStack } from '../demo/stack.mjs';
import { launchBrowser, openContext } from './browser.mjs';
import {
  BACKGROUND_SCRIPT,
  TTL,
  apiCalls,
  callApi,
  latestExpiry,
  logCount,
  openTabs,
  refreshes,
  rotationProblems,
  tokenCalls,
  waitForLog,
} from './lifecycle-helpers.mjs';

const ROTATION_MS = 50_000; // with TTL 8 s and refreshLeeway 1 s: 6 rotations at the very least

let stack;
let browser;
let session;

beforeAll(async () => {
  [stack, browser] = await Promise.all([
    startStack({ provider: { accessTokenTTL: TTL }, clientOptions: { refreshLeeway: 1 } }),
    launchBrowser(),
  ]);
});
afterAll(async () => {
  await Promise.all([browser?.close(), stack?.stop()]);
});
afterEach(async () => {
  await session?.close();
  session = undefined;
  await stack.provider.restart(); // in case a test failed while the provider was down
});

/** Opens a fresh browser context; the first path signs in, the others get the session from it. */
async function tabs(paths, user, initScript) {
  session = await openContext(browser, { appOrigin: stack.pages.url });
  if (initScript) await session.context.addInitScript(initScript);
  return openTabs(session, stack, paths, user);
}

const clean = { pageErrors: [], consoleErrors: [], cspViolations: [] };

test(
  'three tabs calling the API around expiry share one rotation chain for a minute',
  { timeout: 120_000 },
  async () => {
    const mark = stack.provider.requests.length;
    const apiMark = stack.api.requests.length;
    const pages = await tabs(['/', '/static.html', '/'], 'rita');
    const bursts = [];
    const end = Date.now() + ROTATION_MS;
    while (Date.now() < end) {
      const before = refreshes(stack, mark).length;
      // all three tabs need a token at the same moment: auth.fetch → getAccessToken in each
      const results = await Promise.all(pages.map(callApi));
      bursts.push({ statuses: results.map((r) => r.status), refreshes: refreshes(stack, mark).length - before });
      if (results.some((r) => r.status !== '200')) break; // the session is broken: no need to wait a minute
      // time passes between the bursts: uneven gaps while the token is young, and back-to-back
      // bursts in the last 2.5 s before it expires, where the tabs' scheduled renewals fall
      // (expiry − leeway − up to a tenth of the lifetime), so every renewal overlaps a burst
      const nearExpiry = latestExpiry(stack) - Date.now() < 2500;
      if (!nearExpiry) await pages[0].waitForTimeout(400 + (bursts.length % 5) * 200);
    }

    // the provider saw one linear chain: each issued refresh token presented once, all accepted
    expect(rotationProblems(tokenCalls(stack, mark))).toEqual([]);
    const rotations = refreshes(stack, mark);
    expect(rotations.length).toBeGreaterThanOrEqual(Math.floor(ROTATION_MS / (TTL * 1000)));
    // three tabs asking at once never cost more than one refresh, and the bursts did hit refreshes
    expect(bursts.filter((b) => b.refreshes > 1)).toEqual([]);
    expect(bursts.filter((b) => b.refreshes === 1).length).toBeGreaterThan(0);
    // every call succeeded, and the API never saw an expired or rejected token
    expect(bursts.filter((b) => b.statuses.some((s) => s !== '200'))).toEqual([]);
    expect(apiCalls(stack, apiMark).filter((r) => r.status !== 200)).toEqual([]);
    for (const page of pages) {
      expect(await page.getAttribute('#status', 'data-state')).toBe('signed-in');
      expect(await logCount(page, 'sessionExpired')).toBe(0);
      expect(await logCount(page, 'tokenRefreshed')).toBeGreaterThanOrEqual(rotations.length - 1);
    }
    expect(session.appProblems()).toEqual(clean);
  },
);

test('a reload takes the session from an open tab; reloading the only tab restores it silently', async () => {
  const [a, b] = await tabs(['/', '/static.html'], 'sam');
  // start from fresh tokens: no scheduled refresh of either tab is due for 2 s (TTL 8 − 1 − 5)
  const [ra, rb] = [await logCount(a, 'tokenRefreshed'), await logCount(b, 'tokenRefreshed')];
  await a.click('#refresh');
  await Promise.all([waitForLog(a, 'tokenRefreshed', ra + 1), waitForLog(b, 'tokenRefreshed', rb + 1)]);

  let mark = stack.provider.requests.length;
  const fromB = []; // everything the reloaded tab (and any frame of it) sends to the provider
  b.on(
    'request',
    (r) => r.url().startsWith(stack.provider.issuer) && fromB.push(`${r.method()} ${new URL(r.url()).pathname}`),
  );
  await b.reload();
  await b.locator('#status[data-state="signed-in"]').waitFor();
  expect(fromB).toEqual([]);
  // nor did anything else reach the provider meanwhile (tab A may only refresh on its own schedule)
  const others = stack.provider.requests.slice(mark).filter((r) => r.grantType !== 'refresh_token');
  expect(others.map((r) => `${r.method} ${r.path}`)).toEqual([]);
  expect(await b.getAttribute('#user', 'data-sub')).toBe('sam');
  expect((await callApi(b)).status).toBe('200');

  await a.close();
  mark = stack.provider.requests.length;
  const pagesMark = stack.pages.requests.length;
  const topLevel = [];
  b.on('framenavigated', (f) => f === b.mainFrame() && topLevel.push(f.url()));
  await b.reload();
  await b.locator('body:not([data-state="loading"])').waitFor();
  expect(await b.getAttribute('#status', 'data-state')).toBe('signed-in');
  expect(await b.getAttribute('#user', 'data-sub')).toBe('sam');
  const since = stack.provider.requests.slice(mark);
  expect(since.some((r) => r.route === 'authorization' && r.prompt === 'none')).toBe(true);
  expect(since.filter((r) => r.grantType === 'authorization_code').map((r) => r.status)).toEqual([200]);
  expect(since.filter((r) => r.path.startsWith('/interaction'))).toEqual([]); // no login form
  expect(topLevel.every((u) => u.startsWith(stack.pages.url))).toBe(true);
  expect(stack.pages.requests.slice(pagesMark).map((r) => r.path)).toContain('/silent.html');
  expect((await callApi(b)).status).toBe('200');
  expect(session.appProblems()).toEqual(clean);
});

test('the provider down for longer than a token lifetime: errors meanwhile, then the session carries on', async () => {
  const mark = stack.provider.requests.length;
  const [a, b] = await tabs(['/', '/static.html'], 'omar');
  const errors = [await logCount(a, 'error'), await logCount(b, 'error')];
  await stack.provider.stop();
  const stoppedAt = Date.now();
  // each tab's scheduled refresh fails; the app hears of it as an `error` event, the session stays
  await waitForLog(a, 'error', errors[0] + 1, 15_000, 'sessionExpired');
  await waitForLog(b, 'error', errors[1] + 1, 15_000, 'sessionExpired');
  expect([await logCount(a, 'sessionExpired'), await logCount(b, 'sessionExpired')]).toEqual([0, 0]);
  expect(await a.locator('#log li[data-event="error"]').first().textContent()).toContain('network_error');
  // time passes: the access token expires while the provider is still down
  await a.waitForTimeout(Math.max(latestExpiry(stack), stoppedAt + TTL * 1000) - Date.now() + 300);
  const down = await callApi(a);
  expect(down.status).toBe('error'); // no valid token and none to be had: a network error
  expect(down.text).toContain('network_error');
  for (const page of [a, b]) {
    expect(await page.getAttribute('#status', 'data-state')).toBe('signed-in');
    expect(await logCount(page, 'sessionExpired')).toBe(0);
  }

  await stack.provider.restart();
  const apiMark = stack.api.requests.length;
  const restartedAt = Date.now();
  for (const page of [a, b]) {
    const up = await callApi(page);
    expect(up.status).toBe('200');
    expect(up.body.exp * 1000).toBeGreaterThan(restartedAt); // a token issued after the restart
  }
  expect(apiCalls(stack, apiMark).map((r) => r.status)).toEqual([200, 200]);
  const since = stack.provider.requests.slice(mark);
  expect(since.filter((r) => r.grantType === 'authorization_code').length).toBe(1); // the login only
  expect(since.filter((r) => r.route === 'authorization' && r.time > stoppedAt)).toEqual([]);
  expect(rotationProblems(tokenCalls(stack, mark))).toEqual([]);
  for (const page of [a, b]) expect(await logCount(page, 'authenticated')).toBe(1);
  const refused = (c) => c.url?.startsWith(stack.provider.issuer) && /ERR_CONNECTION_REFUSED/.test(c.text);
  expect(session.appProblems({ allowConsole: refused })).toEqual(clean);
});

describe.each([
  ['an ES-module tab', 0],
  ['the script-tag tab', 1],
])('a grant revoked at the provider, the next refresh by %s', (_name, refresher) => {
  test('ends the session in every tab, with one refresh request', async () => {
    const user = `rex${refresher}`;
    const pages = await tabs(['/', '/static.html', '/'], user);
    expect(await stack.provider.revokeGrants(user)).toBe(1);
    const mark = stack.provider.requests.length;
    await pages[refresher].click('#refresh');
    const states = () => Promise.all(pages.map((p) => p.getAttribute('#status', 'data-state')));
    await expect.poll(states, { timeout: 5000 }).toEqual(['signed-out', 'signed-out', 'signed-out']);
    // one tab asked and learnt the grant is gone; the others heard it from that tab
    const told = (await pages[refresher].locator('#log li').allTextContents()).slice(0, 3).join(' | ');
    expect(
      refreshes(stack, mark).map((r) => `${r.status} ${r.error}`),
      `the refreshing tab logged: ${told}`,
    ).toEqual(['400 invalid_grant']);
    for (const page of pages) {
      expect(await logCount(page, 'sessionExpired')).toBe(1);
      expect(await page.locator('#log li[data-event="sessionExpired"]').textContent()).toContain('invalid_grant');
      expect(await page.textContent('#user')).toBe('—');
      expect(await page.isDisabled('#call-api')).toBe(true);
    }
    const rejectedRefresh = (c) => c.url === `${stack.provider.issuer}/token` && /status of 400/.test(c.text);
    expect(session.appProblems({ allowConsole: rejectedRefresh })).toEqual(clean);
  });
});

test('a background tab whose token expired meanwhile refreshes before its first API call', async () => {
  const [page] = await tabs(['/'], 'bea', BACKGROUND_SCRIPT);
  await page.evaluate(() => window.__e2eBackground());
  const mark = stack.provider.requests.length;
  const apiMark = stack.api.requests.length;
  // time passes in the background, where none of the tab's timers run: the token expires
  await page.waitForTimeout(latestExpiry(stack) - Date.now() + 500);
  expect(stack.provider.requests.slice(mark)).toEqual([]);

  const resumedAt = Date.now();
  // back in the foreground, and the very first thing the app does is call the API
  await page.evaluate(() => {
    window.__e2eForeground();
    document.getElementById('call-api').click();
  });
  const result = await callApi(page, { clicked: true });
  expect(result.status).toBe('200');
  expect(result.body.exp * 1000).toBeGreaterThan(resumedAt); // a fresh token, not the expired one
  const calls = apiCalls(stack, apiMark);
  expect(calls.map((r) => r.status)).toEqual([200]); // no 401 and no retry
  const renewed = refreshes(stack, mark);
  expect(renewed.map((r) => r.status)).toEqual([200]);
  expect(renewed[0].time).toBeLessThanOrEqual(calls[0].time);
  expect(session.appProblems()).toEqual(clean);
});
