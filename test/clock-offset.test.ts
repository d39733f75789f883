// A device clock that is off, or steps, during a login and a session: the offset to the
// provider's clock is learned from fresh ID tokens, and every check and schedule uses it.
import * as jose from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDPoPSession } from '../src/dpop.js';
import type { AuthClient, AuthError } from '../src/index.js';
import { createProviderClock, MAX_OFFSET } from '../src/provider-clock.js';
import { createScheduler } from '../src/scheduler.js';
import { captureNavigation, landOn } from './helpers/browser.js';
import { expectCode, useFlow } from './helpers/flow.js';
import { dpop } from '../src/dpop-support.js';

const flow = useFlow();
afterEach(() => vi.useRealTimers());

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/**
 * Holds the device's wall clock and performance.now() still, where they are (timers and promises
 * run for real), so that only the test moves them.
 */
function holdClocks() {
  if (vi.isFakeTimers()) return;
  const [wall, mono] = [Date.now(), performance.now()];
  vi.useFakeTimers({ toFake: ['Date', 'performance'] });
  vi.advanceTimersByTime(mono - performance.now()); // the fake performance.now() starts where the real one was
  vi.setSystemTime(wall);
}

/** Steps the device's wall clock by `ms` (performance.now() does not move); the provider's clock stays where it was. */
function stepDeviceClock(ms: number) {
  holdClocks();
  vi.setSystemTime(Date.now() + ms);
  flow.server.clockOffset -= ms;
}

/** Time passes, for the device (both its clocks) and the provider. */
function timePasses(ms: number) {
  holdClocks();
  vi.advanceTimersByTime(ms);
}

/** Signs in, and the bounds (device clock) of when the tokens arrived. */
async function signIn() {
  const before = Date.now();
  const auth = await flow.signedIn();
  return { auth, before, after: Date.now() };
}

/**
 * `auth.expiresAt` is on the device's clock: a 300 s token received between `before` and
 * `after` (within a second: the monotonic clock's fractions, and steps measured against it).
 */
function expectExpiry(auth: AuthClient, before: number, after = before) {
  expect(auth.expiresAt).toBeGreaterThanOrEqual(before + 300_000 - 1000);
  expect(auth.expiresAt).toBeLessThanOrEqual(after + 300_000 + 1000);
}

const refreshGrants = () => flow.server.tokenRequests().filter((r) => r.form.get('grant_type') === 'refresh_token');

/** No refresh token was presented twice, and each refresh presented the latest one. */
function expectLinearRotation() {
  const presented = refreshGrants().map((r) => r.form.get('refresh_token'));
  expect(new Set(presented).size).toBe(presented.length);
  expect(presented).toEqual(flow.server.issued.refreshTokens.slice(0, presented.length));
}

/** Watches a client's `sessionExpired` and `error` events. */
function watch(auth: AuthClient) {
  const expired = vi.fn();
  const errors: AuthError[] = [];
  auth.on('sessionExpired', expired);
  auth.on('error', (e) => errors.push(e));
  return { expired, errors };
}

describe('a device clock that is off logs in and keeps its session', () => {
  // positive: the device is behind the provider
  for (const offset of [10 * MIN, -10 * MIN, HOUR, -2 * HOUR, 23 * HOUR, -23 * HOUR]) {
    it(`with the device ${Math.abs(offset) / MIN} minutes ${offset > 0 ? 'behind' : 'ahead'}`, async () => {
      flow.server.clockOffset = offset;
      const { auth, before, after } = await signIn();
      const { expired } = watch(auth);
      expect(auth.isAuthenticated).toBe(true);
      // expiresAt is on the device's clock, as the app's Date.now() sees it (token of 300 s)
      expectExpiry(auth, before, after);
      // a token that is fresh on the provider's clock is handed out without a request
      expect(await auth.getAccessToken()).toBe(flow.server.issued.accessTokens[0]);
      expect(refreshGrants()).toHaveLength(0);
      // renewals are accepted, on schedule by the provider's clock
      timePasses(250_000);
      expect(await auth.getAccessToken()).toBe(flow.server.issued.accessTokens[1]);
      expect(await auth.getAccessToken({ forceRefresh: true })).toBe(flow.server.issued.accessTokens[2]);
      expect(auth.isAuthenticated).toBe(true);
      expect(expired).not.toHaveBeenCalled();
      expectLinearRotation();
    });
  }

  it("checks auth_time against maxAge on the provider's clock", async () => {
    flow.server.clockOffset = -10 * MIN; // device ahead: auth_time looks 10 minutes old to it
    const nav = captureNavigation();
    await flow.client().login({ maxAge: 60 });
    landOn(flow.server.authorize(nav.last()!));
    await expect(flow.client().init()).resolves.toMatchObject({ authenticated: true });
  });

  it('still refuses an auth_time older than maxAge, and an exp before the iat', async () => {
    flow.server.clockOffset = 10 * MIN;
    flow.server.idTokenHook = (c) => ({ ...c, auth_time: (c.iat as number) - 3600 });
    const nav = captureNavigation();
    await flow.client().login({ maxAge: 60 });
    landOn(flow.server.authorize(nav.last()!));
    await expectCode(flow.client().init(), 'invalid_response');
    flow.server.idTokenHook = (c) => ({ ...c, exp: (c.iat as number) - 120 });
    await expectCode((await flow.login()).result, 'invalid_response');
  });
});

describe('an offset of more than a day', () => {
  for (const offset of [DAY + 10 * MIN, -2 * DAY]) {
    it(`is refused at login with invalid_response naming both times, and reported (${offset > 0 ? 'behind' : 'ahead'})`, async () => {
      flow.server.clockOffset = offset;
      const { next, result } = await flow.login();
      const { errors } = watch(next);
      const err = await expectCode(result, 'invalid_response');
      const provider = new Date(Math.floor((Date.now() + offset) / 1000) * 1000).toISOString().slice(0, 16);
      const device = new Date().toISOString().slice(0, 16);
      expect(err.message).toContain(provider);
      expect(err.message).toContain(device);
      expect(err.message).toMatch(/more than a day/);
      expect(errors.map((e) => e.code)).toEqual(['invalid_response']);
      expect(errors[0]?.message).toBe(err.message);
      expect(next.isAuthenticated).toBe(false);
    });
  }

  it('is refused on renewal: reported, the session ends, the refresh token is not presented again', async () => {
    const auth = await flow.signedIn();
    const { expired, errors } = watch(auth);
    flow.server.clockOffset = 2 * DAY; // a hostile provider pushes its time two days on
    await expectCode(auth.getAccessToken({ forceRefresh: true }), 'login_required');
    expect(errors.map((e) => e.code)).toEqual(['invalid_response']);
    expect(errors[0]?.message).toMatch(/more than a day apart/);
    expect(expired).toHaveBeenCalledTimes(1);
    await expectCode(auth.getAccessToken(), 'login_required');
    expect(refreshGrants()).toHaveLength(1);
  });
});

describe('a step of the device clock during a session', () => {
  it('10 minutes back: the next renewal is accepted, and the session kept', async () => {
    const auth = await flow.signedIn();
    const { expired } = watch(auth);
    stepDeviceClock(-10 * MIN);
    expect(await auth.getAccessToken({ forceRefresh: true })).toBe(flow.server.issued.accessTokens[1]);
    expect(await auth.getAccessToken({ forceRefresh: true })).toBe(flow.server.issued.accessTokens[2]);
    expect(auth.isAuthenticated).toBe(true);
    expect(expired).not.toHaveBeenCalled();
    expectLinearRotation();
  });

  it('10 minutes back: the token is still renewed before it expires at the provider', async () => {
    const auth = await flow.signedIn(); // 300 s token, 60 s leeway
    stepDeviceClock(-10 * MIN);
    // right after the step the token is still fresh: no renewal
    expect(await auth.getAccessToken()).toBe(flow.server.issued.accessTokens[0]);
    timePasses(320_000); // the token expired 20 s ago at the provider; the wall clock says 280 s are left
    expect(await auth.getAccessToken()).toBe(flow.server.issued.accessTokens[1]);
    expectExpiry(auth, Date.now());
  });

  it('10 minutes forward: renewed at once, accepted, and the session kept', async () => {
    const auth = await flow.signedIn();
    const { expired } = watch(auth);
    stepDeviceClock(10 * MIN);
    expect(await auth.getAccessToken()).toBe(flow.server.issued.accessTokens[1]);
    expect(await auth.getAccessToken()).toBe(flow.server.issued.accessTokens[1]); // re-learned: no loop
    expect(expired).not.toHaveBeenCalled();
  });

  it('2 hours forward: no expired token is handed out; the renewal re-learns the offset and the session goes on', async () => {
    const auth = await flow.signedIn();
    const { expired, errors } = watch(auth);
    stepDeviceClock(2 * HOUR);
    // the old token looks expired by two hours: renewed before anything is handed out
    expect(await auth.getAccessToken()).toBe(flow.server.issued.accessTokens[1]);
    expect(refreshGrants()).toHaveLength(1);
    // the new token's times are right on the device's (wrong) clock, so it is used, not renewed again
    expectExpiry(auth, Date.now());
    expect(await auth.getAccessToken()).toBe(flow.server.issued.accessTokens[1]);
    timePasses(250_000);
    expect(await auth.getAccessToken()).toBe(flow.server.issued.accessTokens[2]);
    expect(expired).not.toHaveBeenCalled();
    expect(errors).toEqual([]);
    expectLinearRotation();
  });

  it('the "not older than the last ID token" rule compares the provider\'s times, whatever the device clock did', async () => {
    const auth = await flow.signedIn();
    stepDeviceClock(-10 * MIN);
    const last = auth.user!.iat as number;
    flow.server.idTokenHook = (c) => ({ ...c, iat: last - 120, exp: last + 600 });
    await expectCode(auth.getAccessToken({ forceRefresh: true }), 'login_required');
    expect(refreshGrants()).toHaveLength(1);
  });
});

describe("DPoP proofs carry the provider's time", () => {
  it('createDPoPSession takes its iat from the clock it is given', async () => {
    const s = await createDPoPSession(undefined, () => 1_700_000_000_999);
    let sent: Headers | undefined;
    await s.send('t', new URL('https://api.example.com/x'), {}, (async (_u: RequestInfo | URL, init?: RequestInit) => {
      sent = new Headers(init?.headers);
      return new Response('ok');
    }) as typeof fetch);
    expect(jose.decodeJwt(sent!.get('dpop')!).iat).toBe(1_700_000_000);
  });

  it("a refresh request's proof is stamped on the provider's clock, not the device's", async () => {
    flow.server.clockOffset = 10 * MIN;
    flow.server.tokenHook = (body) => ({ ...body, token_type: 'DPoP' });
    const auth = await flow.signedIn({ dpop });
    const before = Date.now();
    await auth.getAccessToken({ forceRefresh: true });
    const after = Date.now();
    const proof = refreshGrants()[0]?.headers.get('dpop');
    const iat = jose.decodeJwt(proof!).iat!;
    // the provider's time when the proof was made (the offset is learned to within a second or two)
    expect(iat).toBeGreaterThanOrEqual(Math.floor((before + 10 * MIN) / 1000) - 2);
    expect(iat).toBeLessThanOrEqual(Math.ceil((after + 10 * MIN) / 1000) + 2);
  });
});

describe('createProviderClock', () => {
  it("estimates the offset from the middle of the round trip, and iat's whole seconds", () => {
    const clock = createProviderClock();
    // sent at 1_000_000 (device), answered at 1_004_000: the provider stamped 2000 s meanwhile
    expect(clock.estimate(2000, { at: 1_004_000, rtt: 4000 })).toBe(2_000_500 - 1_002_000);
  });

  it('refuses, and reports, an offset of more than a day', () => {
    const report = vi.fn();
    const clock = createProviderClock(report);
    expect(clock.estimate(MAX_OFFSET / 1000 - 1, { at: 0, rtt: 0 })).toBe(MAX_OFFSET - 500);
    expect(() => clock.estimate(MAX_OFFSET / 1000 + 1, { at: 0, rtt: 0 })).toThrow(
      /1970-01-02T00:00:01.000Z.*1970-01-01T00:00:00.000Z/,
    );
    expect(report).toHaveBeenCalledTimes(1);
    expect(report.mock.calls[0]?.[0]).toMatchObject({ name: 'AuthError', code: 'invalid_response' });
  });

  it('absorbs a step back of the wall clock; a step forward counts as time passed', () => {
    vi.useFakeTimers({ toFake: ['Date', 'performance'], now: 1_000_000_000 });
    const clock = createProviderClock();
    clock.set(5000);
    expect(clock.now()).toBe(1_000_005_000);
    vi.setSystemTime(Date.now() - 600_000); // the wall clock only
    expect(clock.now()).toBe(1_000_005_000);
    expect(clock.offset()).toBe(605_000);
    vi.advanceTimersByTime(1000); // time passes: both clocks
    expect(clock.now()).toBe(1_000_006_000);
    vi.setSystemTime(Date.now() + 7_200_000);
    expect(clock.now()).toBe(1_007_206_000);
    expect(clock.offset()).toBe(605_000);
  });

  it("keeps the renewal timer on the provider's clock across a step back", () => {
    vi.useFakeTimers({ now: 1_000_000_000 });
    const clock = createProviderClock();
    const onDue = vi.fn();
    const due = 1_000_240_000;
    const s = createScheduler({ now: clock.now, dueAt: () => due, onDue });
    s.start();
    vi.setSystemTime(Date.now() - 600_000); // the wall clock only: timers keep their time
    vi.advanceTimersByTime(239_000);
    expect(onDue).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1_000);
    expect(onDue).toHaveBeenCalledTimes(1);
    s.stop();
  });
});
