/**
 * `auth.getSnapshot()` and `auth.subscribe()` as UI frameworks use them (React's
 * useSyncExternalStore above all): the same frozen object until a field changes, one call per
 * change, in order with the events, and nothing after unsubscribe or destroy.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AuthClient, AuthSnapshot } from '../src/index.js';
import { APP, landOn } from './helpers/browser.js';
import { expectCode, useFlow } from './helpers/flow.js';
import { fakeLocks } from './helpers/locks.js';

const flow = useFlow();

/** Records every snapshot a subscriber is called with (read inside the call, as React does). */
function record(auth: AuthClient) {
  const seen: AuthSnapshot[] = [];
  const unsubscribe = auth.subscribe(() => seen.push(auth.getSnapshot()));
  return { seen, unsubscribe };
}
const fields = (s: AuthSnapshot) => ({ isAuthenticated: s.isAuthenticated, sub: s.user?.sub, loading: s.loading });

describe('getSnapshot', () => {
  it('is the same frozen object on every call until something changes, and works unbound', async () => {
    const auth = flow.client();
    const { getSnapshot, subscribe } = auth; // React and Svelte pass them on without `this`
    const first = getSnapshot();
    expect(first).toEqual({ isAuthenticated: false, user: undefined, expiresAt: undefined, loading: true });
    expect(Object.isFrozen(first)).toBe(true);
    expect(getSnapshot()).toBe(first);
    expect(auth.getSnapshot()).toBe(first);
    const calls = vi.fn();
    subscribe(calls);
    await auth.init();
    const settled = getSnapshot();
    expect(settled).not.toBe(first);
    expect(settled).toEqual({ isAuthenticated: false, user: undefined, expiresAt: undefined, loading: false });
    expect(getSnapshot()).toBe(settled);
    expect(calls).toHaveBeenCalledTimes(1);
    expect(calls).toHaveBeenCalledWith(); // the listener is called without arguments
    expect(first.loading).toBe(true); // an old snapshot never changes
  });

  it('follows a login through the callback page; init() twice (StrictMode effects) is one exchange', async () => {
    const { next, result } = await flow.login();
    const events: string[] = [];
    next.on('authenticated', () => events.push(`authenticated event, snapshot ${next.getSnapshot().isAuthenticated}`));
    const { seen } = record(next);
    next.subscribe(() => events.push('subscriber'));
    // StrictMode: effect, cleanup, effect again
    const again = next.init();
    expect(again).toBe(next.init());
    await result;
    await again;
    expect(flow.server.tokenRequests()).toHaveLength(1);
    expect(seen.map(fields)).toEqual([
      { isAuthenticated: true, sub: 'alice', loading: true },
      { isAuthenticated: true, sub: 'alice', loading: false },
    ]);
    // Subscribers hear of a change before the app's event listeners, which already see it.
    expect(events).toEqual(['subscriber', 'authenticated event, snapshot true', 'subscriber']);
    expect(next.getSnapshot()).toBe(seen[1]);
    expect(next.getSnapshot().user).toBe(next.user);
    expect(next.getSnapshot().expiresAt).toBe(next.expiresAt);
  });

  it('a failed callback still ends loading', async () => {
    const { next, result } = await flow.login({}, { state: 'forged' });
    const { seen } = record(next);
    await result.catch(() => undefined);
    expect(seen.map(fields)).toEqual([{ isAuthenticated: false, sub: undefined, loading: false }]);
  });

  it('changes once per renewal, with the new expiry; a token read that renews nothing changes nothing', async () => {
    const auth = await flow.signedIn();
    const before = auth.getSnapshot();
    const { seen } = record(auth);
    await auth.getAccessToken();
    expect(seen).toEqual([]);
    expect(auth.getSnapshot()).toBe(before);
    flow.server.expiresIn = 900;
    await auth.getAccessToken({ forceRefresh: true });
    expect(seen).toHaveLength(1);
    expect(seen[0]).not.toBe(before);
    expect(seen[0]!.expiresAt).toBe(auth.expiresAt);
    expect(seen[0]!.expiresAt).not.toBe(before.expiresAt);
    expect(auth.getSnapshot()).toBe(seen[0]);
  });

  it('tells of an expired session and of a logout; a logout without a session tells nothing', async () => {
    const auth = await flow.signedIn();
    const { seen } = record(auth);
    flow.server.tokenHook = () => Response.json({ error: 'invalid_grant' }, { status: 400 });
    await expectCode(auth.getAccessToken({ forceRefresh: true }), 'login_required');
    expect(seen.map(fields)).toEqual([{ isAuthenticated: false, sub: undefined, loading: false }]);

    flow.server.tokenHook = undefined;
    const other = await flow.signedIn();
    const log = record(other);
    await other.logout({ localOnly: true });
    await other.logout({ localOnly: true }); // the loggedOut event again, but no change
    expect(log.seen.map(fields)).toEqual([{ isAuthenticated: false, sub: undefined, loading: false }]);
    expect(log.seen[0]).toEqual({ isAuthenticated: false, user: undefined, expiresAt: undefined, loading: false });
  });
});

describe('subscribe', () => {
  it('stops calling a listener once unsubscribed (twice is harmless), and a throwing listener stops no other', async () => {
    const reported: unknown[] = [];
    vi.stubGlobal('reportError', (e: unknown) => reported.push(e));
    const auth = flow.client();
    const gone = vi.fn();
    const unsubscribe = auth.subscribe(gone);
    auth.subscribe(() => {
      throw new Error('listener bug');
    });
    const kept = vi.fn();
    auth.subscribe(kept);
    unsubscribe();
    unsubscribe();
    await auth.init();
    expect(gone).not.toHaveBeenCalled();
    expect(kept).toHaveBeenCalledTimes(1);
    expect(reported).toEqual([new Error('listener bug')]);
    vi.unstubAllGlobals();
  });

  it('the same function subscribed twice is called twice and unsubscribed one at a time', async () => {
    const auth = flow.client();
    const listener = vi.fn();
    const first = auth.subscribe(listener);
    auth.subscribe(listener);
    first();
    await auth.init();
    expect(listener).toHaveBeenCalledTimes(1);
  });

  it('destroy() tells subscribers the session is gone, then nothing more is heard', async () => {
    const auth = await flow.signedIn();
    const { seen } = record(auth);
    auth.destroy();
    expect(seen.map(fields)).toEqual([{ isAuthenticated: false, sub: undefined, loading: false }]);
    const late = vi.fn();
    auth.subscribe(late)(); // a no-op after destroy, and so is its unsubscribe
    expect(auth.getSnapshot()).toBe(seen[0]);
    expect(late).not.toHaveBeenCalled();
    expect(seen).toHaveLength(1);
  });

  it('destroy() of a client that never had a session calls nobody', async () => {
    const auth = flow.client();
    await auth.init();
    const { seen } = record(auth);
    auth.destroy();
    expect(seen).toEqual([]);
  });
});

describe('another tab', () => {
  const shared = { shareSessionAcrossTabs: true } as const;
  beforeEach(() => {
    Object.defineProperty(window.navigator, 'locks', { value: fakeLocks(), configurable: true });
  });
  afterEach(() => {
    Object.defineProperty(window.navigator, 'locks', { value: null, configurable: true });
  });

  it('a new tab shows the session handed over; a logout in the first tab reaches its subscribers', async () => {
    const first = await flow.signedIn(shared);
    landOn(`${APP}/`);
    const second = flow.client(shared);
    const { seen } = record(second);
    await second.init();
    expect(seen.map(fields)).toEqual([
      { isAuthenticated: true, sub: 'alice', loading: true },
      { isAuthenticated: true, sub: 'alice', loading: false },
    ]);
    await first.logout({ localOnly: true });
    await vi.waitFor(() => expect(seen).toHaveLength(3));
    expect(fields(seen[2]!)).toEqual({ isAuthenticated: false, sub: undefined, loading: false });
  });

  it('a renewal in one tab gives the other tab one new snapshot', async () => {
    const first = await flow.signedIn(shared);
    landOn(`${APP}/`);
    const second = flow.client(shared);
    await second.init();
    const before = second.getSnapshot();
    const { seen } = record(second);
    flow.server.expiresIn = 900;
    await first.getAccessToken({ forceRefresh: true });
    await vi.waitFor(() => expect(seen).toHaveLength(1));
    expect(seen[0]!.expiresAt).toBe(first.expiresAt);
    expect(seen[0]!.expiresAt).not.toBe(before.expiresAt);
  });
});
