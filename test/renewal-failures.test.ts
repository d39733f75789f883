/**
 * How a failed renewal is classified: network failures, timeouts, 5xx, 408 and 429 are
 * transient (retried with backoff, `Retry-After` honoured up to a minute); any other 4xx from
 * the token endpoint ends the session, with or without an OAuth error body, after one silent
 * authorization where that is enabled. Never a session kept alive by a final answer.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AuthClient, AuthError } from '../src/index.js';
import { expectCode, useFlow } from './helpers/flow.js';
import { silentFrames } from './helpers/frames.js';

const flow = useFlow();
// Generous: the until() loops below wait for WebCrypto on a machine that may be busy.
vi.setConfig({ testTimeout: 30_000 });
beforeEach(() => void vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] }));
afterEach(() => {
  vi.useRealTimers();
  document.body.replaceChildren();
});

/**
 * Lets real I/O (WebCrypto) and the fake timers due now run, until `done()` (a busy machine may
 * take a while). `step`: fake milliseconds to move on each round (at most 1,500 rounds).
 */
async function until(done: () => boolean, step = 0) {
  for (let i = 0; i < 1500 && !done(); i++) {
    await sleep(5); // real time: the fake clock stands still
    await vi.advanceTimersByTimeAsync(step);
  }
  expect(done()).toBe(true);
}

const refreshes = () => flow.server.tokenRequests().filter((r) => r.form.get('grant_type') === 'refresh_token').length;

/** A signed-in client (300 s tokens, 60 s leeway: renewal due from 235 s) that records its events. */
async function signedIn(extra = {}) {
  const auth = await flow.signedIn(extra);
  const seen = { expired: [] as AuthError[], errors: [] as AuthError[], refreshed: 0 };
  auth.on('sessionExpired', (e) => seen.expired.push(e.error));
  auth.on('error', (e) => seen.errors.push(e));
  auth.on('tokenRefreshed', () => seen.refreshed++);
  return { auth, seen };
}

/** The token endpoint answers `status` with these headers and no body, until `restore()`; `at`: when it was asked (fake clock). */
function answer(status: number, headers: Record<string, string> = {}) {
  const at: number[] = [];
  flow.server.override.set('/token', () => (at.push(Date.now()), new Response(null, { status, headers })));
  return { at, restore: () => flow.server.override.delete('/token') };
}

/** The gaps between consecutive requests. */
const gaps = (at: number[]) => at.slice(1).map((t, i) => t - at[i]!);

/** Neither an authenticated client whose token cannot be had, nor a retry of a final answer. */
async function expectEnded(auth: AuthClient, requestsSoFar: number) {
  expect(auth.isAuthenticated).toBe(false);
  await expectCode(auth.getAccessToken(), 'login_required');
  await vi.advanceTimersByTimeAsync(30 * 60_000);
  expect(flow.server.tokenRequests()).toHaveLength(requestsSoFar);
}

describe('final answers end the session everywhere', () => {
  it('403 with an empty body: sessionExpired naming the status, no retry, no zombie', async () => {
    const { auth, seen } = await signedIn();
    answer(403);
    await vi.advanceTimersByTimeAsync(240_000);
    await until(() => seen.expired.length > 0);
    expect(seen.expired[0]).toMatchObject({ code: 'invalid_response' });
    expect(seen.expired[0]?.message).toContain('403');
    expect(refreshes()).toBe(1);
    await expectEnded(auth, 2); // the code exchange and the one refresh
  });

  it('400 invalid_grant through getAccessToken ends it as well, and 401 invalid_client too', async () => {
    for (const [status, error] of [
      [400, 'invalid_grant'],
      [401, 'invalid_client'],
    ] as const) {
      const { auth, seen } = await signedIn();
      const before = flow.server.tokenRequests().length;
      flow.server.override.set('/token', () => Response.json({ error }, { status }));
      const err = await expectCode(auth.getAccessToken({ forceRefresh: true }), 'login_required');
      expect(err.error).toBe(error);
      expect(seen.expired.map((e) => e.error)).toEqual([error]);
      await expectEnded(auth, before + 1);
      flow.server.override.delete('/token');
    }
  });

  it('with silent authorization enabled, tries it once: a success starts a new chain without the dead refresh token', async () => {
    const { auth, seen } = await signedIn({ silentAuthorization: true });
    const frames = silentFrames(flow.server);
    const dead = flow.server.issued.refreshTokens[0];
    const { restore } = answer(403);
    const renewed = auth.getAccessToken({ forceRefresh: true });
    await until(() => !!frames.current()?.getAttribute('src'));
    restore();
    frames.answer();
    expect(await renewed).toBe(flow.server.issued.accessTokens[1]);
    expect({ expired: seen.expired.length, refreshed: seen.refreshed, user: auth.user?.sub }).toEqual({
      expired: 0,
      refreshed: 1,
      user: 'alice',
    });
    // the next renewal uses the refresh token the code exchange brought, never the dead one
    await auth.getAccessToken({ forceRefresh: true });
    const presented = flow.server
      .tokenRequests()
      .map((r) => r.form.get('refresh_token'))
      .filter(Boolean);
    expect(presented).toEqual([dead, flow.server.issued.refreshTokens[1]]);
  });

  it('with silent authorization enabled, a failed attempt ends the session with the refresh error', async () => {
    const { auth, seen } = await signedIn({ silentAuthorization: true });
    const frames = silentFrames(flow.server);
    answer(403); // the silent code exchange gets the same answer
    const renewed = auth.getAccessToken({ forceRefresh: true });
    await until(() => !!frames.current()?.getAttribute('src'));
    frames.answer();
    await expectCode(renewed, 'login_required');
    expect(seen.expired).toHaveLength(1);
    expect(seen.expired[0]?.message).toContain('403');
    await expectEnded(auth, 3); // login, the refresh, the silent exchange
  });
});

describe('transient answers are retried, and the token stays in use while valid', () => {
  it('429 with Retry-After: no request before it, a retry after it', async () => {
    const { auth, seen } = await signedIn();
    const { at } = answer(429, { 'retry-after': '30' });
    await vi.advanceTimersByTimeAsync(240_000);
    await until(() => seen.errors.length > 0);
    expect(seen.errors[0]?.message).toContain('429');
    // on demand meanwhile: the still-valid token, no request
    await expect(auth.getAccessToken()).resolves.toBe(flow.server.issued.accessTokens[0]);
    await vi.advanceTimersByTimeAsync(31_000);
    await until(() => at.length === 2);
    expect(gaps(at)).toEqual([30_000]);
    expect(refreshes()).toBe(2);
    expect({ expired: seen.expired.length, authenticated: auth.isAuthenticated }).toEqual({
      expired: 0,
      authenticated: true,
    });
  });

  it('a Retry-After of an hour is capped at a minute', async () => {
    const { seen } = await signedIn();
    const { at } = answer(429, { 'retry-after': '3600' });
    await vi.advanceTimersByTimeAsync(240_000);
    await until(() => seen.errors.length > 0);
    await vi.advanceTimersByTimeAsync(61_000);
    await until(() => at.length === 2);
    expect(gaps(at)).toEqual([60_000]);
  });

  it('503 is retried with backoff at most a minute apart; once expired, getAccessToken rejects with that error', async () => {
    const { auth, seen } = await signedIn();
    const { at, restore } = answer(503);
    await vi.advanceTimersByTimeAsync(240_000);
    await until(() => seen.errors.length > 0);
    for (let minute = 0; minute < 10; minute++) await vi.advanceTimersByTimeAsync(60_000);
    // retried, each time after at least 2 s and at most a minute; every failure reported
    expect(at.length).toBeGreaterThan(5);
    for (const gap of gaps(at)) expect(gap >= 2000 && gap <= 60_000, `gap ${gap}`).toBe(true);
    expect(seen.errors.length).toBe(at.length);
    await expectCode(auth.getAccessToken(), 'invalid_response').then((e) => expect(e.message).toContain('503'));
    expect({ expired: seen.expired.length, authenticated: auth.isAuthenticated }).toEqual({
      expired: 0,
      authenticated: true,
    });
    restore();
    // Up to the next request only: a fake minute at once could pass the request's own 15 s
    // timeout while its answer (WebCrypto, real time) is still being checked.
    const asked = flow.server.tokenRequests().length;
    for (let s = 0; s < 60 && flow.server.tokenRequests().length === asked; s++)
      await vi.advanceTimersByTimeAsync(1000);
    await until(() => seen.refreshed > 0);
    await expect(auth.getAccessToken()).resolves.toBe(flow.server.issued.accessTokens[1]);
  });

  it('a Retry-After of 0 on every answer does not undo the exponential backoff', async () => {
    const { seen } = await signedIn();
    const random = vi.spyOn(Math, 'random').mockReturnValue(0.99); // the backoff's jitter, at its top
    const { at } = answer(503, { 'retry-after': '0' });
    await vi.advanceTimersByTimeAsync(240_000);
    await until(() => seen.errors.length > 0);
    for (let minute = 0; minute < 4; minute++) await vi.advanceTimersByTimeAsync(60_000);
    random.mockRestore();
    // 2 s, 2 s, 4 s, 8 s, 16 s, 32 s, 59 s: not a request every 2 s
    expect(at.length).toBeLessThan(12);
    expect(Math.max(...gaps(at))).toBeGreaterThan(30_000);
    for (const gap of gaps(at)) expect(gap >= 2000 && gap <= 60_000, `gap ${gap}`).toBe(true);
  });

  it('408 and a network failure are transient too', async () => {
    const { auth, seen } = await signedIn();
    answer(408);
    await expectCode(auth.getAccessToken({ forceRefresh: true }), 'invalid_response');
    flow.server.override.set('/token', () => Promise.reject(new TypeError('Failed to fetch')));
    await expectCode(auth.getAccessToken({ forceRefresh: true }), 'network_error');
    expect({ expired: seen.expired.length, authenticated: auth.isAuthenticated }).toEqual({
      expired: 0,
      authenticated: true,
    });
  });
});
