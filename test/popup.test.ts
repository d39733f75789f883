import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AuthClient, AuthClientOptions } from '../src/index.js';
import { popup as popupSupport } from '../src/popup.js';
import { APP, landOn, transactionKeys } from './helpers/browser.js';
import { expectCode, useFlow } from './helpers/flow.js';
import { silentFrames } from './helpers/frames.js';

const flow = useFlow();

/** A stand-in for the popup window: records where it is sent; `at` says what it shows. */
function fakeWindow() {
  const w = {
    closed: false,
    at: 'about:blank' as 'about:blank' | 'provider' | 'app',
    sentTo: [] as string[],
    close: vi.fn(() => void (w.closed = true)),
    location: {
      assign: (url: string) => void w.sentTo.push(url),
      get href() {
        // a page of another origin cannot be read
        if (w.at === 'provider') throw new DOMException('Blocked a frame', 'SecurityError');
        return w.at;
      },
    },
  };
  return w;
}

let opened: ReturnType<typeof fakeWindow> | null;
let open: ReturnType<typeof vi.fn>;
beforeEach(() => {
  opened = fakeWindow();
  open = vi.fn(() => opened);
  vi.spyOn(window, 'open').mockImplementation(open as unknown as typeof window.open);
  // the popup page closes itself: never the test's window
  vi.spyOn(window, 'close').mockImplementation(() => undefined);
});
afterEach(() => vi.useRealTimers());

const client = (extra: Partial<AuthClientOptions> = {}) => flow.client({ popup: popupSupport, ...extra });

/** Waits until the opener sent the popup to the provider; returns that URL. */
async function sentToProvider(w = opened!): Promise<string> {
  await vi.waitFor(() => expect(w.sentTo).toHaveLength(1));
  return w.sentTo[0]!;
}

/** Plays the popup: the provider answers, and the page at redirectUri runs init() with the popup option. */
async function answerInPopup(authorizeUrl: string, extra: Record<string, string> = {}): Promise<AuthClient> {
  landOn(flow.server.authorize(authorizeUrl, extra));
  const page = client();
  await expect(page.init()).resolves.toEqual({ authenticated: false });
  return page;
}

describe('loginWithPopup()', () => {
  it('opens the window before its first await, from the call itself', () => {
    const auth = client();
    const pending = auth.loginWithPopup();
    expect(open).toHaveBeenCalledTimes(1);
    expect(open.mock.calls[0]![0]).toBe('about:blank');
    pending.catch(() => undefined);
    auth.destroy();
  });

  it('logs in: the opener checks the answer and exchanges the code; the popup page holds nothing', async () => {
    const auth = client();
    const events: string[] = [];
    auth.on('authenticated', ({ user }) => events.push(user.sub));
    const done = auth.loginWithPopup();
    const url = new URL(await sentToProvider());
    // the same authorization request as a redirect login
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('redirect_uri')).toBe(`${APP}/callback`);
    expect(url.searchParams.get('nonce')).toMatch(/^[\w-]{43}$/);
    expect(transactionKeys()).toEqual([]); // the transaction stays in the opener's memory
    const page = await answerInPopup(url.href);
    await done;
    expect(auth.isAuthenticated).toBe(true);
    expect(auth.user?.sub).toBe('alice');
    expect(events).toEqual(['alice']);
    expect(page.isAuthenticated).toBe(false);
    expect(flow.server.tokenRequests()).toHaveLength(1);
    expect(window.location.href).toBe(`${APP}/callback`); // the popup's address bar was cleaned
    expect(opened!.close).toHaveBeenCalled();
  });

  it('popup_blocked when no window opens, and nothing is left in sessionStorage', async () => {
    opened = null;
    const auth = client();
    await expectCode(auth.loginWithPopup(), 'popup_blocked');
    expect(transactionKeys()).toEqual([]);
    expect(Object.keys(sessionStorage)).toEqual([]);
  });

  it('popup_closed when the user closes the window on the provider page', async () => {
    const auth = client();
    const done = auth.loginWithPopup();
    await sentToProvider();
    opened!.at = 'provider';
    await new Promise((r) => setTimeout(r, 600)); // the opener sees it there
    opened!.closed = true;
    await expectCode(done, 'popup_closed');
  });

  it('popup_closed when the popup page goes away without an answer (it says so on pagehide)', async () => {
    const auth = client();
    const done = auth.loginWithPopup();
    const state = new URL(await sentToProvider()).searchParams.get('state')!;
    const channel = new BroadcastChannel(`spa-auth:popup:${state}`);
    channel.postMessage({ type: 'closed' });
    await expectCode(done, 'popup_closed');
    channel.close();
  });

  it('a window that reads closed as soon as it went to the provider (Cross-Origin-Opener-Policy) is not taken for closed', async () => {
    const auth = client();
    const done = auth.loginWithPopup();
    const url = await sentToProvider();
    opened!.closed = true; // the provider's COOP severed the opener's handle
    await new Promise((r) => setTimeout(r, 600));
    await answerInPopup(url);
    await done;
    expect(auth.isAuthenticated).toBe(true);
  });

  it('timeout after popupTimeout, and the window is closed', async () => {
    const auth = client();
    const err = await expectCode(auth.loginWithPopup({ popupTimeout: 1 }), 'timeout');
    expect(err.message).toContain('popupTimeout');
    expect(opened!.close).toHaveBeenCalled();
  });

  it('logout() and destroy() cancel it', async () => {
    const auth = client();
    const done = auth.loginWithPopup();
    await sentToProvider();
    await auth.logout({ localOnly: true });
    await expectCode(done, 'popup_closed');
    expect(opened!.close).toHaveBeenCalled();

    opened = fakeWindow();
    const other = client();
    const pending = other.loginWithPopup();
    await sentToProvider();
    other.destroy();
    await expectCode(pending, 'invalid_config');
    expect(opened.close).toHaveBeenCalled();
  });

  it('an answer that fails validation is refused like a callback (iss of another server)', async () => {
    const auth = client();
    const done = auth.loginWithPopup();
    await answerInPopup(await sentToProvider(), { iss: 'https://evil.example.com' });
    await expectCode(done, 'invalid_response');
    expect(auth.isAuthenticated).toBe(false);
    expect(flow.server.tokenRequests()).toHaveLength(0);
  });

  it('step-up keeps the current session until the new one is installed, then starts it as a new login', async () => {
    const auth = await flow.signedIn({ popup: popupSupport });
    const before = await auth.getAccessToken();
    const events: string[] = [];
    auth.on('authenticated', ({ user }) => events.push(user.sub));
    auth.on('tokenRefreshed', () => events.push('refreshed'));
    const done = auth.loginWithPopup({ maxAge: 0 });
    const url = new URL(await sentToProvider());
    expect(url.searchParams.get('max_age')).toBe('0');
    // meanwhile the session goes on
    expect(auth.isAuthenticated).toBe(true);
    await expect(auth.getAccessToken()).resolves.toBe(before);
    flow.server.sub = 'bob'; // another user came back
    await answerInPopup(url.href);
    await done;
    expect(auth.user?.sub).toBe('bob');
    await expect(auth.getAccessToken()).resolves.not.toBe(before);
    expect(events).toEqual(['bob']);
  });

  it('needs the popup option: invalid_config naming it, and no window', async () => {
    const auth = flow.client();
    const err = await expectCode(auth.loginWithPopup(), 'invalid_config');
    expect(err.message).toContain('spa-auth/popup');
    expect(open).not.toHaveBeenCalled();
  });

  it('refuses a bad popupTimeout or maxAge before opening anything', async () => {
    const auth = client();
    await expectCode(auth.loginWithPopup({ popupTimeout: 0 }), 'invalid_config');
    await expectCode(auth.loginWithPopup({ maxAge: -1 }), 'invalid_config');
    expect(open).not.toHaveBeenCalled();
  });

  it("with the popup option, a redirect login's callback is still exchanged on its page (only popup answers are handed over)", async () => {
    const { next, result } = await flow.login({ popup: popupSupport });
    await expect(result).resolves.toMatchObject({ authenticated: true });
    expect(next.isAuthenticated).toBe(true);
    expect(window.close).not.toHaveBeenCalled();
  });
});

describe('a popup login during a silent renewal of the session it replaces', () => {
  afterEach(() => {
    document.body.replaceChildren();
    vi.restoreAllMocks();
  });

  it('keeps the popup session when the renewal of the old one lands later, and revokes what the renewal got', async () => {
    flow.server.tokenHook = (b) => ({ ...b, refresh_token: undefined }); // renewal goes through the iframe
    const auth = await flow.signedIn({ popup: popupSupport, silentAuthorization: true });
    const frames = silentFrames(flow.server);
    const renewal = auth.getAccessToken({ forceRefresh: true });
    await frames.waitForFrame();
    // meanwhile the user logs in again, in a popup
    const done = auth.loginWithPopup();
    await answerInPopup(await sentToProvider());
    await done;
    const popupToken = flow.server.issued.accessTokens[1]!;
    expect(await auth.getAccessToken()).toBe(popupToken);
    // now the old session's silent answer arrives, and is exchanged
    frames.answer();
    await renewal.catch(() => undefined);
    const late = flow.server.issued.accessTokens[2]!;
    const revoked = () =>
      flow.server.requests.filter((r) => r.url.pathname === '/revoke').map((r) => r.form?.get('token'));
    await vi.waitFor(() => expect(revoked()).toContain(late));
    expect(await auth.getAccessToken()).toBe(popupToken);
  });
});
