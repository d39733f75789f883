/**
 * The client's life around its flows: logout and destroy while a restore, a silent
 * authorization or a code exchange is still running; and browsers that refuse sessionStorage
 * or Web Locks. What the app can observe: events, `isAuthenticated`, what `init()` resolves or
 * rejects with, which requests reached the server, what is left in storage.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isAuthError, type AuthClientOptions } from '../src/index.js';
import { APP, captureNavigation, landOn, transactionKeys } from './helpers/browser.js';
import { expectCode, expectStale, useFlow } from './helpers/flow.js';
import { heldTokenAnswers, silentFrames } from './helpers/frames.js';

const flow = useFlow();

/** A callback page whose code exchange has reached the server; its answer waits for `release()`. */
async function heldExchange() {
  const held = heldTokenAnswers(flow.server);
  held.hold();
  const { next, result } = await flow.login({ fetch: held.fetch });
  await vi.waitFor(() => expect(flow.server.tokenRequests()).toHaveLength(1));
  return { next, result, release: held.release };
}

afterEach(() => {
  vi.restoreAllMocks();
  document.body.replaceChildren();
});

describe('logout and destroy while a flow is running', () => {
  it('logout() during init()’s silent authorization ends it: the user stays signed out', async () => {
    const frames = silentFrames(flow.server);
    const auth = flow.client({ silentAuthorization: true });
    const events: string[] = [];
    auth.on('authenticated', () => events.push('authenticated'));
    auth.on('loggedOut', () => events.push('loggedOut'));
    const init = auth.init();
    await frames.waitForFrame();
    await auth.logout({ localOnly: true }); // the user signs out while the page is still restoring
    expect(frames.current()).toBeNull(); // the iframe is gone at once
    await expect(init).resolves.toEqual({ authenticated: false });
    expect({
      isAuthenticated: auth.isAuthenticated,
      events,
      tokenRequests: flow.server.tokenRequests().length,
    }).toEqual({
      isAuthenticated: false,
      events: ['loggedOut'],
      tokenRequests: 0,
    });
  });

  it('logout() during a callback’s code exchange: the tokens are never installed', async () => {
    const { next, result, release } = await heldExchange();
    await next.logout({ localOnly: true });
    release();
    await expectCode(result, 'login_required');
    expect(next.isAuthenticated).toBe(false);
  });

  it('destroy() during init() stops the silent authorization: no token request, no listeners, init() rejects', async () => {
    const frames = silentFrames(flow.server);
    const auth = flow.client({ silentAuthorization: true });
    const init = auth.init();
    await frames.waitForFrame();
    const added = vi.spyOn(window, 'addEventListener');
    auth.destroy();
    expect(frames.current()).toBeNull();
    const err = await expectCode(init, 'invalid_config');
    expect(err.message).toBe('client destroyed');
    expect(flow.server.tokenRequests()).toHaveLength(0);
    expect(added).not.toHaveBeenCalled(); // the renewal scheduler never started
  });

  it('destroy() during a callback’s code exchange: init() does not claim a session the client does not have', async () => {
    const { next, result, release } = await heldExchange();
    next.destroy();
    release();
    await expectCode(result, 'invalid_config');
    expect(next.isAuthenticated).toBe(false);
  });

  /** A client whose discovery answer waits until `release()`. */
  function slowDiscovery(extra: Partial<AuthClientOptions> = {}) {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const answer = await flow.server.fetch(input, init);
      if (String(input).includes('/.well-known/')) await gate;
      return answer;
    }) as typeof globalThis.fetch;
    const auth = flow.client({ fetch, ...extra });
    const discovering = () => vi.waitFor(() => expect(flow.server.requests.length).toBeGreaterThan(0));
    return { auth, release, discovering };
  }

  it('logout() while init() prepares its restoreWithRedirect round trip: no redirect', async () => {
    landOn(`${APP}/orders`);
    const nav = captureNavigation();
    const { auth, release, discovering } = slowDiscovery({ restoreWithRedirect: true });
    const init = auth.init();
    await discovering();
    const out = auth.logout({ localOnly: true });
    release();
    await out;
    await expect(init).resolves.toEqual({ authenticated: false });
    expect({ navigations: nav.all, transactions: transactionKeys() }).toEqual({ navigations: [], transactions: [] });
  });

  it('destroy() while init() prepares its restoreWithRedirect round trip: the page stays where it is', async () => {
    landOn(`${APP}/orders`);
    const nav = captureNavigation();
    const { auth, release, discovering } = slowDiscovery({ restoreWithRedirect: true });
    const init = auth.init();
    await discovering();
    auth.destroy();
    release();
    await expectCode(init, 'invalid_config');
    expect(nav.all).toEqual([]);
  });

  it('logout() while login() prepares its request: no redirect, no transaction left', async () => {
    const nav = captureNavigation();
    const { auth, release, discovering } = slowDiscovery();
    const login = auth.login();
    await discovering();
    const out = auth.logout({ localOnly: true });
    release();
    await out;
    await expectCode(login, 'login_required');
    expect({ navigations: nav.all, transactions: transactionKeys() }).toEqual({ navigations: [], transactions: [] });
  });

  it('logout() also clears a login this tab started and never finished (P-10)', async () => {
    const auth = await flow.signedIn();
    captureNavigation();
    await flow.client().login(); // abandoned: the user came back without finishing it
    expect(transactionKeys()).toHaveLength(1);
    await auth.logout({ localOnly: true });
    expect(transactionKeys()).toEqual([]);
  });
});

describe('browsers that refuse storage or Web Locks', () => {
  const real = Object.getOwnPropertyDescriptor(window, 'sessionStorage');
  afterEach(() => {
    if (real) Object.defineProperty(window, 'sessionStorage', real);
    else delete (window as { sessionStorage?: unknown }).sessionStorage;
  });
  /** window.sessionStorage itself throws, as in a sandboxed iframe or with storage blocked. */
  const blockStorage = () =>
    Object.defineProperty(window, 'sessionStorage', {
      configurable: true,
      get() {
        throw new DOMException('The document is sandboxed and lacks the allow-same-origin flag.', 'SecurityError');
      },
    });

  it('login() with a full sessionStorage rejects with an AuthError and does not navigate', async () => {
    const nav = captureNavigation();
    const auth = flow.client();
    const store = window.sessionStorage;
    const full = Object.create(store, {
      setItem: {
        value: () => {
          throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
        },
      },
    }) as Storage;
    Object.defineProperty(window, 'sessionStorage', { value: full, configurable: true });
    const err = await auth.login().then(
      () => 'resolved',
      (e: unknown) => e,
    );
    expect(isAuthError(err), `got ${String(err)}`).toBe(true);
    expect(nav.all).toHaveLength(0);
  });

  it('init() with restoreWithRedirect resolves signed out when storage is blocked', async () => {
    landOn(`${APP}/orders`);
    const nav = captureNavigation();
    const auth = flow.client({ restoreWithRedirect: true });
    blockStorage();
    await expect(auth.init()).resolves.toEqual({ authenticated: false });
    expect(nav.all).toHaveLength(0);
  });

  it('a callback page whose storage is blocked exchanges nothing, reports invalid_state and loads as usual', async () => {
    const nav = captureNavigation();
    await flow.client().login();
    landOn(flow.server.authorize(nav.last()!));
    const auth = flow.client();
    blockStorage();
    await expectStale(auth);
    expect(flow.server.tokenRequests()).toHaveLength(0);
  });

  it('init() resolves signed out when Web Locks refuse (an opaque origin)', async () => {
    const denied = () => Promise.reject(new DOMException('opaque origin', 'SecurityError'));
    Object.defineProperty(window.navigator, 'locks', { value: { request: denied, query: denied }, configurable: true });
    try {
      await expect(flow.client({ shareSessionAcrossTabs: true }).init()).resolves.toEqual({ authenticated: false });
    } finally {
      Object.defineProperty(window.navigator, 'locks', { value: null, configurable: true });
    }
  });
});

describe('restoreWithRedirect and a crafted link', () => {
  it('hands back a same-origin returnTo for https://app.example.com//evil.example/', async () => {
    landOn(`${APP}//evil.example/`);
    const nav = captureNavigation();
    void flow.client({ restoreWithRedirect: true }).init();
    await vi.waitFor(() => expect(nav.all).toHaveLength(1));
    landOn(flow.server.authorize(nav.last()!));
    const { returnTo } = await flow.client({ restoreWithRedirect: true }).init();
    expect(returnTo).toBe('/evil.example/');
  });
});
