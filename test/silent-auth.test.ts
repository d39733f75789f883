import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GRACE_MS, postSilentResponse, silentAuthorize, SILENT_MESSAGE } from '../src/silent-auth.js';
import { isAuthError } from '../src/errors.js';
import { APP } from './helpers/browser.js';
import { expectCode, useFlow } from './helpers/flow.js';

const AS_URL = 'https://id.example.com/authorize?client_id=spa&prompt=none&state=s1';
const ORIGIN = 'https://app.example.com';

/**
 * happy-dom does not load iframe pages, so the iframe has no window: give every new iframe a
 * stand-in `contentWindow` that the tests use as the message source.
 */
function stubFrameWindow() {
  const frameWindow = { name: 'frame' } as unknown as Window;
  const create = document.createElement.bind(document);
  vi.spyOn(document, 'createElement').mockImplementation(((tag: string, opts?: ElementCreationOptions) => {
    const el = create(tag, opts);
    if (tag === 'iframe') Object.defineProperty(el, 'contentWindow', { get: () => frameWindow });
    return el;
  }) as typeof document.createElement);
  return frameWindow;
}

const post = (data: unknown, origin: string, source: unknown) =>
  window.dispatchEvent(new MessageEvent('message', { data, origin, source: source as Window }));

const iframes = () => document.querySelectorAll('iframe');

/** Settles or not, without waiting: 'pending' if still open. */
async function state<T>(p: Promise<T>) {
  const marker = Symbol('pending');
  const r = await Promise.race([
    p.then(
      (v) => ({ v }),
      (e: unknown) => ({ e }),
    ),
    Promise.resolve(marker),
  ]);
  return r === marker ? 'pending' : r;
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
  document.body.replaceChildren();
});

describe('silentAuthorize', () => {
  it('loads the URL in a hidden iframe and resolves the params the redirect page posts', async () => {
    const frame = stubFrameWindow();
    const added = vi.spyOn(window, 'addEventListener');
    const removed = vi.spyOn(window, 'removeEventListener');
    const p = silentAuthorize({ url: AS_URL, redirectOrigin: ORIGIN, timeoutMs: 10_000 });
    const [iframe] = iframes();
    expect(iframe?.getAttribute('src')).toBe(AS_URL);
    expect(iframe?.hidden).toBe(true);
    expect(iframe?.style.getPropertyValue('display')).toBe('none');
    expect(iframe?.style.getPropertyPriority('display')).toBe('important');
    expect(iframe?.referrerPolicy).toBe('no-referrer'); // the provider is not told the page's path
    post({ type: SILENT_MESSAGE, search: '?code=c1&state=s1&iss=https%3A%2F%2Fid.example.com' }, ORIGIN, frame);
    const params = await p;
    expect(Object.fromEntries(params)).toEqual({ code: 'c1', state: 's1', iss: 'https://id.example.com' });
    expect(iframes()).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
    const listener = added.mock.calls.find((c) => c[0] === 'message')?.[1];
    expect(listener).toBeTypeOf('function');
    expect(removed).toHaveBeenCalledWith('message', listener);
  });

  it('gives up at once when its signal aborts (logout, destroy), and lets go of the signal when done', async () => {
    const frame = stubFrameWindow();
    const flows = new AbortController();
    const added = vi.spyOn(flows.signal, 'addEventListener');
    const removed = vi.spyOn(flows.signal, 'removeEventListener');
    // a long-lived signal: each finished flow removes its listener (no closure kept per renewal)
    for (let i = 0; i < 3; i++) {
      const p = silentAuthorize({ url: AS_URL, redirectOrigin: ORIGIN, timeoutMs: 10_000, signal: flows.signal });
      post({ type: SILENT_MESSAGE, search: '?code=c&state=s1' }, ORIGIN, frame);
      await p;
    }
    expect({ added: added.mock.calls.length, removed: removed.mock.calls.length }).toEqual({ added: 3, removed: 3 });
    const p = silentAuthorize({ url: AS_URL, redirectOrigin: ORIGIN, timeoutMs: 10_000, signal: flows.signal });
    expect(iframes()).toHaveLength(1);
    flows.abort();
    await expectCode(p, 'timeout');
    expect(iframes()).toHaveLength(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('ignores messages from the wrong origin, the wrong source, or with the wrong shape', async () => {
    const frame = stubFrameWindow();
    const p = silentAuthorize({ url: AS_URL, redirectOrigin: ORIGIN, timeoutMs: 10_000 });
    const good = { type: SILENT_MESSAGE, search: '?code=c1&state=s1' };
    post(good, 'https://evil.example.com', frame);
    post(good, 'https://app.example.com:8443', frame);
    post(good, 'null', frame);
    post(good, ORIGIN, window); // right origin, another window (e.g. the page itself)
    post(good, ORIGIN, null);
    for (const data of [
      null,
      undefined,
      'string',
      42,
      [],
      {},
      { type: 'other', search: '?code=x' },
      { type: SILENT_MESSAGE },
      { type: SILENT_MESSAGE, search: 5 },
    ]) {
      post(data, ORIGIN, frame);
    }
    expect(await state(p)).toBe('pending');
    expect(iframes()).toHaveLength(1);
    post(good, ORIGIN, frame);
    expect(Object.fromEntries(await p)).toEqual({ code: 'c1', state: 's1' });
  });

  it('rejects with timeout after timeoutMs and removes the iframe', async () => {
    stubFrameWindow();
    const p = silentAuthorize({ url: AS_URL, redirectOrigin: ORIGIN, timeoutMs: 5000 });
    const settled = state(p);
    await vi.advanceTimersByTimeAsync(4999);
    expect(await settled).toBe('pending');
    expect(iframes()).toHaveLength(1);
    const caught = p.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1);
    const err = await caught;
    expect(isAuthError(err) && err.code).toBe('timeout');
    expect(iframes()).toHaveLength(0);
  });

  it('gives up GRACE_MS after the frame loads a provider page that stays (framing refused), not after the whole timeout', async () => {
    const frame = stubFrameWindow();
    // a frame left on the provider's origin: reading its location throws, as across origins
    Object.defineProperty(frame, 'location', {
      get: () => {
        throw new DOMException('cross-origin', 'SecurityError');
      },
    });
    const p = silentAuthorize({ url: AS_URL, redirectOrigin: ORIGIN, timeoutMs: 60_000 });
    const caught = p.catch((e: unknown) => e);
    iframes()[0]?.dispatchEvent(new Event('load'));
    await vi.advanceTimersByTimeAsync(GRACE_MS - 1);
    expect(await state(p)).toBe('pending'); // a page that redirects by script still has its moment
    await vi.advanceTimersByTimeAsync(1);
    const err = await caught;
    expect(isAuthError(err) && err.code).toBe('timeout');
    expect(iframes()).toHaveLength(0);
  });

  it("waits for the answer once the frame loads this app's own page, even after a provider page", async () => {
    const frame = stubFrameWindow();
    let here: string | undefined; // undefined: still on the provider's origin
    Object.defineProperty(frame, 'location', {
      get: () =>
        here
          ? { href: here }
          : (() => {
              throw new DOMException('cross-origin', 'SecurityError');
            })(),
    });
    const p = silentAuthorize({ url: AS_URL, redirectOrigin: ORIGIN, timeoutMs: 60_000 });
    iframes()[0]?.dispatchEvent(new Event('load')); // a provider page that redirects by script
    await vi.advanceTimersByTimeAsync(GRACE_MS / 2);
    here = `${ORIGIN}/silent?code=c1&state=s1`;
    iframes()[0]?.dispatchEvent(new Event('load')); // the redirect came back
    await vi.advanceTimersByTimeAsync(GRACE_MS * 2);
    expect(await state(p)).toBe('pending');
    post({ type: SILENT_MESSAGE, search: '?code=c1&state=s1' }, ORIGIN, frame);
    await expect(p).resolves.toBeInstanceOf(URLSearchParams);
  });

  it.each([
    ['javascript:alert(1)', ORIGIN],
    ['data:text/html,<script>1</script>', ORIGIN],
    ['blob:https://app.example.com/x', ORIGIN],
    ['/relative', ORIGIN],
    [AS_URL, '*'],
    [AS_URL, 'https://app.example.com/silent'],
    [AS_URL, 'javascript:x'],
  ])('refuses url %s / redirectOrigin %s with invalid_config', async (url, redirectOrigin) => {
    stubFrameWindow();
    const err = await silentAuthorize({ url, redirectOrigin, timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(isAuthError(err) && err.code).toBe('invalid_config');
    expect(iframes()).toHaveLength(0);
  });
  it('refuses with invalid_config when there is no document (SSR)', async () => {
    vi.stubGlobal('document', undefined);
    try {
      const err = await silentAuthorize({ url: AS_URL, redirectOrigin: ORIGIN, timeoutMs: 10_000 }).catch(
        (e: unknown) => e,
      );
      expect(isAuthError(err) && err.code).toBe('invalid_config');
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

describe('postSilentResponse', () => {
  function fakeFrame(search: string, framed = true) {
    const parent = { postMessage: vi.fn() };
    const win = { location: { search, origin: ORIGIN }, postMessage: vi.fn() };
    const self = Object.assign(win, { parent: framed ? parent : win }) as unknown as Window;
    return { win: self, parent, own: win.postMessage };
  }

  it.each(['?code=c1&state=s1', '?error=login_required&state=s1&iss=x'])(
    'posts %s to the parent with the exact origin',
    (search) => {
      const { win, parent } = fakeFrame(search);
      expect(postSilentResponse(win)).toBe(true);
      expect(parent.postMessage).toHaveBeenCalledExactlyOnceWith({ type: SILENT_MESSAGE, search }, ORIGIN);
    },
  );

  it.each(['', '?foo=1', '?code=c1', '?state=s1', '?error=x'])(
    'does not post without a callback in the query (%s)',
    (search) => {
      const { win, parent } = fakeFrame(search);
      expect(postSilentResponse(win)).toBe(false);
      expect(parent.postMessage).not.toHaveBeenCalled();
    },
  );

  it('does not post when not framed', () => {
    const { win, own } = fakeFrame('?code=c1&state=s1', false);
    expect(postSilentResponse(win)).toBe(false);
    expect(own).not.toHaveBeenCalled();
    expect(postSilentResponse()).toBe(false); // the test page itself is top-level
  });
});

describe('silent renewal through the client (OIDC Core §12.2 by analogy, docs/security.md P-18)', () => {
  beforeEach(() => vi.useRealTimers());
  const flow = useFlow();

  /** A session without a refresh token (renewal goes through the iframe); `renew` plays the provider's answer. */
  async function silentSession() {
    flow.server.tokenHook = (b) => ({ ...b, refresh_token: undefined });
    const auth = await flow.signedIn({ silentAuthorization: true });
    const frame = stubFrameWindow();
    const events = { refreshed: vi.fn(), expired: vi.fn() };
    auth.on('tokenRefreshed', events.refreshed);
    auth.on('sessionExpired', events.expired);
    const renew = async () => {
      const renewed = auth.getAccessToken({ forceRefresh: true });
      await vi.waitFor(() => expect(iframes()[0]?.getAttribute('src')).toBeTruthy());
      const callback = new URL(flow.server.authorize(iframes()[0]?.getAttribute('src') ?? ''));
      post({ type: SILENT_MESSAGE, search: callback.search }, APP, frame);
      return renewed;
    };
    return { auth, events, renew };
  }

  it("sends the client's extraParams (an Auth0 audience) with silent authorization too", async () => {
    flow.server.tokenHook = (b) => ({ ...b, refresh_token: undefined });
    const auth = await flow.signedIn({
      silentAuthorization: true,
      extraParams: { audience: 'https://api.example.com' },
    });
    stubFrameWindow();
    const renewed = auth.getAccessToken({ forceRefresh: true }).catch(() => undefined);
    await vi.waitFor(() => expect(iframes()[0]?.getAttribute('src')).toBeTruthy());
    expect(new URL(iframes()[0]?.getAttribute('src') ?? '').searchParams.get('audience')).toBe(
      'https://api.example.com',
    );
    auth.destroy();
    await renewed;
  });

  it('renews the same user: a new nonce and auth_time are expected', async () => {
    const { auth, events, renew } = await silentSession();
    flow.server.idTokenHook = (c) => ({ ...c, auth_time: Math.floor(Date.now() / 1000) + 5 });
    expect(await renew()).toBe(flow.server.issued.accessTokens[1]);
    expect({ sub: auth.user?.sub, refreshed: events.refreshed.mock.calls.length }).toEqual({
      sub: 'alice',
      refreshed: 1,
    });
  });

  it("ends the session when the provider's session now belongs to another user", async () => {
    const { auth, events, renew } = await silentSession();
    flow.server.sub = 'mallory';
    await expectCode(renew(), 'login_required');
    expect({
      user: auth.user,
      refreshed: events.refreshed.mock.calls.length,
      expired: events.expired.mock.calls.length,
    }).toEqual({ user: undefined, refreshed: 0, expired: 1 });
    expect(flow.server.tokenRequests()).toHaveLength(2); // the new user's tokens were fetched, never installed
  });

  it('refuses (invalid_response) a renewal whose other claims changed (azp), keeping the session', async () => {
    const { auth, events, renew } = await silentSession();
    flow.server.idTokenHook = (c) => ({ ...c, azp: 'spa' });
    await expectCode(renew(), 'invalid_response');
    expect({
      sub: auth.user?.sub,
      refreshed: events.refreshed.mock.calls.length,
      expired: events.expired.mock.calls.length,
    }).toEqual({ sub: 'alice', refreshed: 0, expired: 0 });
  });
});
