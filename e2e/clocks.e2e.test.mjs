// Wrong device clocks against the real provider: Playwright's clock sets the page's clock (not
// the provider's) off by minutes at login, steps it during a session, jumps it two hours on,
// and puts it two days away. Access tokens live 8 s, so every session goes through renewals.
// The provider records every token request (hashes of refresh tokens presented and issued), the
// API every call: no refresh token may be presented twice, and no expired token reach the API.
import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { startStack } from '../demo/stack.mjs';
import { launchBrowser, login, openContext } from './browser.mjs';
import {
  TTL,
  apiCalls,
  callApi,
  logCount,
  openTabs,
  refreshes,
  rotationProblems,
  tokenCalls,
  waitForLog,
} from './lifecycle-helpers.mjs';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

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
});

const clean = { pageErrors: [], consoleErrors: [], cspViolations: [] };
const hash = (token) => createHash('sha256').update(token).digest('base64url').slice(0, 16);

/** A fresh context whose pages' clock runs `offset` ms ahead of the real one (negative: behind). */
async function context(offset = 0) {
  session = await openContext(browser, { appOrigin: stack.pages.url });
  await session.context.clock.install({ time: Date.now() + offset });
  return session;
}

/** What the page's clock says now. */
const pageNow = (page) => page.evaluate(() => Date.now());

/**
 * The session stays through `n` more renewals: no sessionExpired, each renewal accepted, the API
 * answers 200, and the provider saw one linear rotation chain since `mark`.
 */
async function keepsSession(page, mark, n = 2) {
  const seen = await logCount(page, 'tokenRefreshed');
  await waitForLog(page, 'tokenRefreshed', seen + n, (n + 4) * TTL * 1000, 'sessionExpired');
  expect(await logCount(page, 'sessionExpired')).toBe(0);
  expect(await page.getAttribute('#status', 'data-state')).toBe('signed-in');
  const apiMark = stack.api.requests.length;
  expect((await callApi(page)).status).toBe('200');
  expect(apiCalls(stack, apiMark).map((r) => r.status)).toEqual([200]);
  expect(rotationProblems(tokenCalls(stack, mark))).toEqual([]);
  expect(refreshes(stack, mark).length).toBeGreaterThanOrEqual(n);
  // the page shows the remaining lifetime from auth.expiresAt and its own clock: never more than a token's life
  expect(Number.parseInt(await page.textContent('#lifetime'), 10)).toBeLessThanOrEqual(TTL);
}

describe('a device clock that is off at login', () => {
  for (const [name, offset] of [
    ['10 minutes behind', -10 * MIN],
    ['10 minutes ahead', 10 * MIN],
  ]) {
    test(`${name}: logs in and keeps the session through renewals`, async () => {
      const mark = stack.provider.requests.length;
      await context(offset);
      const [page] = await openTabs(session, stack, ['/'], 'clara');
      expect(Math.abs((await pageNow(page)) - offset - Date.now())).toBeLessThan(5 * MIN); // the page's clock is off indeed
      await keepsSession(page, mark);
      expect(await logCount(page, 'error')).toBe(0);
      expect(session.appProblems()).toEqual(clean);
    });
  }

  test('more than a day off: the login is refused with a clear error naming both times', async () => {
    const mark = stack.provider.requests.length;
    await context(-2 * DAY);
    const page = await session.newPage();
    await page.goto(stack.pages.url + '/');
    await page.locator('#status[data-state="signed-out"]').waitFor();
    await page.click('#login');
    await login(page, { appOrigin: stack.pages.url, user: 'dora' });
    const error = page.locator('#log li[data-event="error"]', { hasText: 'more than a day apart' }).first();
    await error.waitFor();
    const text = await error.textContent();
    expect(text).toContain('invalid_response');
    const provider = new Date().toISOString().slice(0, 10);
    const device = new Date(Date.now() - 2 * DAY).toISOString().slice(0, 10);
    expect(text).toContain(`issued the ID token at ${provider}`);
    expect(text).toContain(`this device's clock said ${device}`);
    expect(await page.getAttribute('#status', 'data-state')).toBe('signed-out');
    // one code exchange, answered, refused by the client; nothing presented again
    const calls = tokenCalls(stack, mark);
    expect(calls.map((r) => `${r.grantType} ${r.status}`)).toEqual(['authorization_code 200']);
    expect(session.appProblems()).toEqual(clean);
  });
});

describe('a step of the device clock during a session', () => {
  for (const [name, step] of [
    ['10 minutes back', -10 * MIN],
    ['10 minutes forward', 10 * MIN],
  ]) {
    test(`${name}: the session carries on through renewals`, async () => {
      const mark = stack.provider.requests.length;
      await context();
      const [page] = await openTabs(session, stack, ['/'], 'ezra');
      await waitForLog(page, 'tokenRefreshed', 1, 3 * TTL * 1000);
      await session.context.clock.setSystemTime((await pageNow(page)) + step);
      await keepsSession(page, mark, 3);
      expect(await logCount(page, 'error')).toBe(0);
      expect(session.appProblems()).toEqual(clean);
    });
  }

  test('2 hours forward: renewed before any token is handed out, and the session carries on', async () => {
    const mark = stack.provider.requests.length;
    await context();
    const [page] = await openTabs(session, stack, ['/', '/static.html'], 'finn');
    const jumped = Date.now();
    // the jump, and at once a call to the API: its token must be a new one
    await session.context.clock.setSystemTime((await pageNow(page)) + 2 * HOUR);
    const apiMark = stack.api.requests.length;
    expect((await callApi(page)).status).toBe('200');
    const [call] = apiCalls(stack, apiMark);
    const issued = stack.provider.issued.find((t) => hash(t.accessToken) === call.tokenHash);
    expect(issued.time).toBeGreaterThanOrEqual(jumped);
    for (const tab of session.context.pages()) await keepsSession(tab, mark);
    expect(session.appProblems()).toEqual(clean);
  });

  test('2 hours pass at once (a sleeping device): renewed on waking, and the session carries on', async () => {
    const mark = stack.provider.requests.length;
    await context();
    const [page] = await openTabs(session, stack, ['/'], 'gus');
    const slept = Date.now();
    await session.context.clock.fastForward('02:00:00');
    const apiMark = stack.api.requests.length;
    expect((await callApi(page)).status).toBe('200');
    const [call] = apiCalls(stack, apiMark);
    expect(stack.provider.issued.find((t) => hash(t.accessToken) === call.tokenHash).time).toBeGreaterThanOrEqual(
      slept,
    );
    await keepsSession(page, mark);
    expect(session.appProblems()).toEqual(clean);
  });
});
