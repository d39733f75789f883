/**
 * Teardown and clean state (docs/security.md P-10; the README on destroy(): it stops timers and listeners).
 * After destroy(), and after a failed init(), nothing of the client may stay behind: window
 * listeners, iframes, open BroadcastChannels, held Web Locks (other than the documented
 * spent-state lock), pending timers, login transactions. And a client that met a hostile
 * answer can still log in cleanly.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { APP, captureNavigation, landOn, transactionKeys } from './helpers/browser.js';
import { expectCode, useFlow } from './helpers/flow.js';
import { fakeLocks } from './helpers/locks.js';

const flow = useFlow();
const shared = { shareSessionAcrossTabs: true } as const;
let locks: LockManager;
const open = new Set<BroadcastChannel>();
const listeners = new Map<string, number>();

beforeEach(() => {
  locks = fakeLocks();
  Object.defineProperty(window.navigator, 'locks', { value: locks, configurable: true });
  const Real = globalThis.BroadcastChannel;
  class Tracked extends Real {
    constructor(name: string) {
      super(name);
      open.add(this);
    }
    override close() {
      open.delete(this);
      super.close();
    }
  }
  vi.stubGlobal('BroadcastChannel', Tracked);
  const add = window.addEventListener.bind(window);
  const remove = window.removeEventListener.bind(window);
  vi.spyOn(window, 'addEventListener').mockImplementation(((type: string, l: EventListener, o?: unknown) => {
    listeners.set(type, (listeners.get(type) ?? 0) + 1);
    return add(type, l, o as AddEventListenerOptions);
  }) as typeof window.addEventListener);
  vi.spyOn(window, 'removeEventListener').mockImplementation(((type: string, l: EventListener, o?: unknown) => {
    listeners.set(type, (listeners.get(type) ?? 0) - 1);
    return remove(type, l, o as EventListenerOptions);
  }) as typeof window.removeEventListener);
});
afterEach(() => {
  open.forEach((c) => c.close());
  listeners.clear();
  vi.unstubAllGlobals();
  Object.defineProperty(window.navigator, 'locks', { value: null, configurable: true });
});

/** login() in a non-sharing client (the page that leaves), init() on the callback page in a sharing one. */
async function callbackPage() {
  const nav = captureNavigation();
  await flow.client().login();
  landOn(flow.server.authorize(nav.last() ?? ''));
  const next = flow.client(shared);
  return { next, result: next.init() };
}
const held = async () =>
  ((await locks.query()).held ?? []).map((l) => l.name ?? '').filter((n) => !n.startsWith('spa-auth:state:'));
const liveListeners = () => [...listeners].filter(([, n]) => n > 0).map(([t]) => t);

describe('teardown', () => {
  it('destroy() of a signed-in, tab-sharing client leaves no listener, channel or lock behind', async () => {
    const { next: auth, result } = await callbackPage();
    await result;
    expect(auth.isAuthenticated).toBe(true);
    auth.destroy();
    await vi.waitFor(async () => expect(await held()).toEqual([]));
    await vi.waitFor(() => expect(open.size).toBe(0));
    expect(liveListeners()).toEqual([]);
    expect(document.querySelectorAll('iframe')).toHaveLength(0);
  });

  it('a failed callback (bad ID token) followed by destroy() leaves no transaction, listener, channel or lock', async () => {
    flow.server.idTokenHook = (c) => ({ ...c, nonce: 'forged' });
    const { next, result } = await callbackPage();
    await expectCode(result, 'invalid_response');
    next.destroy();
    await vi.waitFor(async () => expect(await held()).toEqual([]));
    await vi.waitFor(() => expect(open.size).toBe(0));
    expect(liveListeners()).toEqual([]);
    expect(transactionKeys()).toEqual([]);
    expect(window.location.search).toBe('');
  });

  it('after a hostile token answer the same page can log in cleanly', async () => {
    flow.server.tokenHook = (b) => ({ ...b, token_type: 'mac' });
    const first = await flow.login();
    await expectCode(first.result, 'invalid_response');
    flow.server.tokenHook = undefined;
    // The client that saw the hostile answer starts a new login; the callback page completes it.
    const nav = captureNavigation();
    await first.next.login();
    landOn(flow.server.authorize(nav.last() ?? ''));
    const again = flow.client();
    await expect(again.init()).resolves.toMatchObject({ authenticated: true });
    expect(transactionKeys()).toEqual([]);
    expect(new URL(window.location.href).href).toBe(`${APP}/callback`);
  });
});
