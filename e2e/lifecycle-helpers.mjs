// Helpers for the token-lifecycle e2e tests: tabs of one browser context on the demo pages,
// API calls through the page's "Call API" button, the event log, and what the provider saw.
import { decodeJwt } from 'jose';
import { login } from './browser.mjs';

/** The provider's access-token lifetime in these tests, in seconds. */
export const TTL = 8;

/**
 * Signs in on the first path and opens the others as more tabs of the same context, which get
 * the session from the first one.
 * @param {{ newPage: () => Promise<import('playwright-core').Page> }} session from openContext()
 * @param {{ pages: { url: string } }} stack
 * @param {string[]} paths
 * @param {string} user
 */
export async function openTabs(session, stack, paths, user) {
  const appOrigin = stack.pages.url;
  const pages = [];
  for (const path of paths) {
    const page = await session.newPage();
    await page.goto(appOrigin + path);
    if (pages.length === 0) {
      await page.locator('#status[data-state="signed-out"]').waitFor();
      await page.click('#login');
      await login(page, { appOrigin, user });
    }
    await page.locator('#status[data-state="signed-in"]').waitFor();
    pages.push(page);
  }
  return pages;
}

/**
 * Clicks "Call API" (auth.fetch → getAccessToken) and waits for the answer shown on the page.
 * `clicked`: the click was already made in the page. A disabled button (no session) is
 * reported as status 'disabled'.
 * @returns {Promise<{ status: string, text: string, body?: any }>}
 */
export async function callApi(page, { clicked = false } = {}) {
  if (!clicked) {
    const enabled = await page.evaluate(() => {
      const button = document.getElementById('call-api');
      if (button.disabled) return false;
      button.click(); // sets #api-result to pending at once
      return true;
    });
    if (!enabled) return { status: 'disabled', text: '' };
  }
  const out = page.locator('#api-result[data-state="done"]');
  await out.waitFor({ timeout: 20_000 });
  const status = await out.getAttribute('data-status');
  const text = await out.textContent();
  return status === '200' ? { status, text, body: JSON.parse(text.slice(text.indexOf('\n') + 1)) } : { status, text };
}

/** How many times the page logged this SDK event. */
export const logCount = (page, event) => page.locator(`#log li[data-event="${event}"]`).count();

/** Waits until the page logged this event at least `count` times (or, sooner, any `unless` event). */
export const waitForLog = (page, event, count, timeout = 10_000, unless = '-') =>
  page.waitForFunction(
    ([e, n, u]) =>
      document.querySelectorAll(`#log li[data-event="${e}"]`).length >= n ||
      !!document.querySelector(`#log li[data-event="${u}"]`),
    [event, count, unless],
    { timeout },
  );

/** The provider's token-endpoint requests since `mark`. */
export const tokenCalls = (stack, mark) => stack.provider.requests.slice(mark).filter((r) => r.route === 'token');

/** The refresh-token grants since `mark`. */
export const refreshes = (stack, mark) => tokenCalls(stack, mark).filter((r) => r.grantType === 'refresh_token');

/** The API's GET /me calls since `mark`. */
export const apiCalls = (stack, mark) =>
  stack.api.requests.slice(mark).filter((r) => r.method === 'GET' && r.path === '/me');

/** The latest `exp` (epoch ms) of every access token the provider issued so far. */
export const latestExpiry = (stack) =>
  Math.max(...stack.provider.issued.map((t) => decodeJwt(t.accessToken).exp * 1000));

/**
 * Checks refresh-token rotation against what the provider recorded: after a code exchange,
 * each refresh must present exactly the refresh token the previous response issued (so every
 * issued token is presented at most once, in order, by one chain) and be accepted.
 * @returns {string[]} the problems found (no token values, only short hash prefixes)
 */
export function rotationProblems(calls) {
  const problems = [];
  const presented = new Set();
  let held;
  calls.forEach((r, i) => {
    if (r.grantType === 'authorization_code') {
      held = r.issuedRefreshTokenHash;
      return;
    }
    if (r.grantType !== 'refresh_token') return;
    const at = `refresh #${i}`;
    if (presented.has(r.refreshTokenHash))
      problems.push(`${at} presented a refresh token already used (${r.refreshTokenHash?.slice(0, 6)})`);
    else if (r.refreshTokenHash !== held)
      problems.push(`${at} presented ${r.refreshTokenHash?.slice(0, 6)}, not the latest issued ${held?.slice(0, 6)}`);
    if (r.status !== 200) problems.push(`${at} answered ${r.status} ${r.error ?? ''}`.trim());
    presented.add(r.refreshTokenHash);
    if (r.issuedRefreshTokenHash) held = r.issuedRefreshTokenHash;
  });
  return problems;
}

/**
 * An init script that emulates a tab sent to the background and frozen there: while
 * `__e2eBackground()` is in effect, `document.visibilityState` is 'hidden' and no timer callback
 * of the page runs (they are held, as in a frozen tab); `__e2eForeground()` makes the page
 * visible again, dispatches `visibilitychange`, then runs the held callbacks.
 * (CDP's Page.setWebLifecycleState 'frozen' does not stop timers in this headless Chromium.)
 */
export const BACKGROUND_SCRIPT = `(() => {
  let hidden = false;
  const held = [];
  const gate = (fn) => (typeof fn !== 'function' ? fn : function (...args) {
    if (hidden) held.push(() => fn.apply(this, args));
    else fn.apply(this, args);
  });
  const realTimeout = window.setTimeout.bind(window);
  const realInterval = window.setInterval.bind(window);
  window.setTimeout = (fn, ms, ...rest) => realTimeout(gate(fn), ms, ...rest);
  window.setInterval = (fn, ms, ...rest) => realInterval(gate(fn), ms, ...rest);
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (hidden ? 'hidden' : 'visible') });
  Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });
  window.__e2eBackground = () => {
    hidden = true;
    document.dispatchEvent(new Event('visibilitychange'));
  };
  window.__e2eForeground = () => {
    hidden = false;
    document.dispatchEvent(new Event('visibilitychange'));
    for (const run of held.splice(0)) run();
  };
})();`;
