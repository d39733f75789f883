/**
 * Several clients in one page stand for several tabs of the app: they share sessionStorage
 * (as the test's single window does), a BroadcastChannel, and a Web Locks manager.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AuthClient, AuthClientOptions } from '../src/index.js';
import { resolveConfig } from '../src/config.js';
import { APP, captureNavigation, landOn } from './helpers/browser.js';
import { expectCode, expectStale, useFlow } from './helpers/flow.js';
import { heldTokenAnswers, silentFrames } from './helpers/frames.js';
import { fakeLocks } from './helpers/locks.js';
import { dpop } from '../src/dpop-support.js';

const flow = useFlow();
const shared = { shareSessionAcrossTabs: true } as const;
const refreshes = () => flow.server.tokenRequests().filter((r) => r.form.get('grant_type') === 'refresh_token');
/** What names the channel and the locks the test's tabs share: issuer, client and token settings. */
const tabKey = (extra: Partial<AuthClientOptions> = {}) =>
  resolveConfig(
    {
      issuer: flow.server.issuer,
      clientId: flow.server.clientId,
      redirectUri: `${APP}/callback`,
      scope: 'openid profile offline_access',
      ...extra,
    },
    APP,
  ).tabKey;
const channel = (extra?: Partial<AuthClientOptions>) => new BroadcastChannel(`spa-auth:${tabKey(extra)}`);
/**
 * Asks the signed-in tabs for the session over `ch` and resolves once `answers` of them replied:
 * they have then handled every message `ch` posted before. The positive signal to wait for
 * before asserting that a message changed nothing (a fixed sleep proves nothing when messages are slow).
 */
async function handled(ch: BroadcastChannel, answers: number): Promise<void> {
  const id = `probe-${Math.random()}`;
  let heard = 0;
  let listener!: (e: MessageEvent<{ to?: string }>) => void;
  await new Promise<void>((resolve) => {
    listener = (e) => e.data?.to === id && ++heard >= answers && resolve();
    ch.addEventListener('message', listener);
    ch.postMessage({ type: 'spa-auth', v: 1, k: 'q', id });
  });
  ch.removeEventListener('message', listener);
}

beforeEach(() => {
  Object.defineProperty(window.navigator, 'locks', { value: fakeLocks(), configurable: true });
});
afterEach(() => {
  vi.restoreAllMocks();
  Object.defineProperty(window.navigator, 'locks', { value: null, configurable: true });
});

/** A signed-in first tab and `n` more tabs that took the session over from it. */
async function tabs(n: number): Promise<AuthClient[]> {
  const first = await flow.signedIn(shared);
  const more: AuthClient[] = [];
  for (let i = 0; i < n; i++) {
    const tab = flow.client(shared);
    await expect(tab.init()).resolves.toEqual({ authenticated: true });
    more.push(tab);
  }
  return [first, ...more];
}

describe('tabs of one origin', () => {
  it('a duplicated tab cannot use a callback the first tab consumed (P-08)', async () => {
    const nav = captureNavigation();
    await flow.client(shared).login();
    // "Duplicate tab" copies sessionStorage: the copy still holds the transaction.
    const copy = Object.entries(sessionStorage).filter(([k]) => k.startsWith('spa-auth.tx.'));
    expect(copy).toHaveLength(1);
    const callback = flow.server.authorize(nav.last()!);
    landOn(callback);
    const first = flow.client(shared);
    await expect(first.init()).resolves.toMatchObject({ authenticated: true });
    for (const [k, v] of copy) sessionStorage.setItem(k, v);
    landOn(callback);
    const exchanges = flow.server.tokenRequests().length;
    // used in another tab: nothing exchanged, and the copy takes the session over from the first tab
    await expectStale(flow.client(shared), true);
    expect(flow.server.tokenRequests()).toHaveLength(exchanges);
    expect(first.isAuthenticated).toBe(true);
  });

  it('lets the state lock go once any copy of the transaction has expired', async () => {
    const nav = captureNavigation();
    await flow.client(shared).login();
    landOn(flow.server.authorize(nav.last()!));
    const stateLocks = async () =>
      ((await navigator.locks.query()).held ?? []).filter((l) => l.name?.startsWith('spa-auth:state:')).length;
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
    try {
      await expect(flow.client(shared).init()).resolves.toMatchObject({ authenticated: true });
      expect(await stateLocks()).toBe(1);
      await vi.advanceTimersByTimeAsync(10 * 60_000 - 1000);
      expect(await stateLocks()).toBe(1);
      await vi.advanceTimersByTimeAsync(1000);
      expect(await stateLocks()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a new tab takes the session from a signed-in tab without any request to the server', async () => {
    await flow.signedIn(shared);
    const before = flow.server.requests.length;
    const tab = flow.client(shared);
    const authenticated = vi.fn();
    tab.on('authenticated', authenticated);
    await expect(tab.init()).resolves.toEqual({ authenticated: true });
    expect(flow.server.requests).toHaveLength(before);
    expect(tab.user?.sub).toBe('alice');
    expect(authenticated).toHaveBeenCalledTimes(1);
    await expect(tab.getAccessToken()).resolves.toBe(flow.server.issued.accessTokens[0]);
  });

  it('a new tab takes the clock offset with the session, as the signed-in tab knows it now', async () => {
    flow.server.clockOffset = 600_000; // the device is 10 minutes behind the provider
    const before = Date.now();
    const first = await flow.signedIn(shared);
    const after = Date.now();
    // and its clock then steps back 10 more minutes (performance.now() held still: only the wall
    // clock moves); the signed-in tab notices at its next reading
    const [wall, mono] = [Date.now(), performance.now()];
    vi.useFakeTimers({ toFake: ['Date', 'performance'] });
    try {
      vi.advanceTimersByTime(mono - performance.now()); // the fake performance.now() starts where the real one was
      vi.setSystemTime(wall - 600_000);
      await first.getAccessToken();
      const tab = flow.client(shared);
      await expect(tab.init()).resolves.toEqual({ authenticated: true });
      // expiresAt is on this device's clock, as it reads now: both tabs see the same moment
      expect(tab.expiresAt).toBe(first.expiresAt);
      // (within a second: the monotonic clock's fractions, and the step measured against it)
      expect(first.expiresAt).toBeGreaterThanOrEqual(before + 300_000 - 600_000 - 1000);
      expect(first.expiresAt).toBeLessThanOrEqual(after + 300_000 - 600_000 + 1000);
    } finally {
      vi.useRealTimers();
    }
  });

  it('concurrent forced renewals in three tabs cost one refresh, and every tab ends with its result', async () => {
    const all = await tabs(2);
    const tokens = await Promise.all(all.map((t) => t.getAccessToken({ forceRefresh: true })));
    expect(refreshes()).toHaveLength(1);
    expect(new Set(tokens)).toEqual(new Set([flow.server.issued.accessTokens[1]]));
    // and the next rotation presents the new refresh token, from whichever tab
    await all[2]?.getAccessToken({ forceRefresh: true });
    expect(refreshes().map((r) => r.form.get('refresh_token'))).toEqual(flow.server.issued.refreshTokens.slice(0, 2));
  });

  it('ignores a late broadcast of older tokens for its session', async () => {
    const [a, b] = await tabs(1);
    type Message = { k?: string; reason?: string; s?: { rotation?: number } };
    const recorded: Message[] = [];
    const spy = channel();
    spy.onmessage = (e: MessageEvent<Message>) => e.data.reason === 'refreshed' && recorded.push(e.data);
    await a?.getAccessToken({ forceRefresh: true }); // rotation 1
    await a?.getAccessToken({ forceRefresh: true }); // rotation 2
    await vi.waitFor(() => expect(recorded).toHaveLength(2));
    await vi.waitFor(async () => expect(await b?.getAccessToken()).toBe(flow.server.issued.accessTokens[2]));
    spy.postMessage(recorded.find((m) => m.s?.rotation === 1)); // replayed out of order
    await handled(spy, 2); // both tabs have seen the replay
    expect(await b?.getAccessToken()).toBe(flow.server.issued.accessTokens[2]);
    spy.close();
  });

  /** Tab A, whose token requests can be held after the provider answered (and rotated), and tab B. */
  async function slowTabAndPeer() {
    let hold: Promise<void> | undefined;
    const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const answer = await flow.server.fetch(input, init);
      await hold;
      return answer;
    }) as typeof globalThis.fetch;
    const a = await flow.signedIn({ ...shared, fetch });
    const b = flow.client(shared);
    await expect(b.init()).resolves.toEqual({ authenticated: true });
    let release!: () => void;
    hold = new Promise((r) => (release = r));
    /** Starts A's forced refresh; resolves (with its promise, wrapped) once the provider has rotated the refresh token. */
    const refreshA = async () => {
      const done = a.getAccessToken({ forceRefresh: true }).catch(() => undefined);
      await vi.waitFor(() => expect(flow.server.issued.refreshTokens).toHaveLength(2));
      return { done };
    };
    return { a, b, refreshA, release };
  }

  it('a tab destroyed while its refresh is in flight still hands the rotated refresh token to the others', async () => {
    const { a, b, refreshA, release } = await slowTabAndPeer();
    const heard = vi.fn();
    b.on('tokenRefreshed', heard);
    const { done } = await refreshA();
    a.destroy(); // a route teardown, HMR, a micro-frontend unmounting
    release();
    await done;
    expect(a.isAuthenticated).toBe(false);
    await vi.waitFor(() => expect(heard).toHaveBeenCalledTimes(1));
    // b's next refresh presents the new refresh token: the provider sees no replay
    await b.getAccessToken({ forceRefresh: true });
    expect(refreshes().map((r) => r.form.get('refresh_token'))).toEqual(flow.server.issued.refreshTokens.slice(0, 2));
    expect(b.isAuthenticated).toBe(true);
  });

  it("a tab queued behind a destroyed tab's refresh catches up from it instead of replaying the old refresh token", async () => {
    const { a, b, refreshA, release } = await slowTabAndPeer();
    // A's broadcast of the new tokens is lost (or late): b can only learn of them by asking a.
    const post = BroadcastChannel.prototype.postMessage;
    vi.spyOn(BroadcastChannel.prototype, 'postMessage').mockImplementation(function (
      this: BroadcastChannel,
      m: { reason?: string },
    ) {
      if (m?.reason !== 'refreshed') post.call(this, m);
    });
    const { done } = await refreshA();
    const fromB = b.getAccessToken({ forceRefresh: true }); // waits for the refresh lock
    a.destroy();
    release();
    await done;
    await expect(fromB).resolves.toBe(flow.server.issued.accessTokens[1]);
    expect(refreshes()).toHaveLength(1);
  });

  it('destroy() during a silent renewal’s code exchange does not end the session in the other tabs', async () => {
    flow.server.tokenHook = (b) => ({ ...b, refresh_token: undefined }); // renewal goes through the iframe
    const held = heldTokenAnswers(flow.server);
    const opts = { ...shared, silentAuthorization: true } as const;
    const a = await flow.signedIn({ ...opts, fetch: held.fetch });
    const b = flow.client(opts);
    await expect(b.init()).resolves.toEqual({ authenticated: true });
    const expired = vi.fn();
    b.on('sessionExpired', expired);
    const frames = silentFrames(flow.server);
    held.hold();
    const renewing = a.getAccessToken({ forceRefresh: true }).catch(() => undefined);
    await frames.waitForFrame();
    frames.answer();
    await vi.waitFor(() => expect(flow.server.tokenRequests()).toHaveLength(2)); // the code is being exchanged
    a.destroy();
    held.release();
    await renewing;
    await handled(channel(), 1); // b has handled every broadcast a sent
    expect(expired).not.toHaveBeenCalled();
    expect(b.isAuthenticated).toBe(true);
    await expect(b.getAccessToken()).resolves.toBe(flow.server.issued.accessTokens[0]);
  });

  it('a logout of another session elsewhere does not cut this tab’s silent renewal', async () => {
    flow.server.tokenHook = (b) => ({ ...b, refresh_token: undefined });
    const held = heldTokenAnswers(flow.server);
    const opts = { ...shared, silentAuthorization: true } as const;
    const a = await flow.signedIn({ ...opts, fetch: held.fetch });
    const frames = silentFrames(flow.server);
    held.hold();
    const renewing = a.getAccessToken({ forceRefresh: true });
    await frames.waitForFrame();
    frames.answer();
    await vi.waitFor(() => expect(flow.server.tokenRequests()).toHaveLength(2));
    // a tab that still held an older session (restored from the back/forward cache, say) logs it out
    const stale = channel();
    stale.postMessage({ type: 'spa-auth', v: 1, k: 'e', sid: 'an-older-session-id' });
    await handled(stale, 1); // a has handled it
    stale.close();
    held.release();
    await expect(renewing).resolves.toBe(flow.server.issued.accessTokens[1]);
    expect(a.isAuthenticated).toBe(true);
  });

  it('a new login completing in one tab survives another tab logging out the previous session', async () => {
    const a = await flow.signedIn(shared);
    const held = heldTokenAnswers(flow.server);
    const nav = captureNavigation();
    await flow.client({ ...shared, fetch: held.fetch }).login({ prompt: 'select_account' });
    landOn(flow.server.authorize(nav.last()!));
    held.hold();
    const b = flow.client({ ...shared, fetch: held.fetch });
    const result = b.init();
    await vi.waitFor(() => expect(flow.server.tokenRequests()).toHaveLength(2));
    await a.logout({ localOnly: true });
    held.release();
    await expect(result).resolves.toEqual({ authenticated: true });
    expect(b.isAuthenticated).toBe(true);
  });

  it('logout() in a tab still taking the session over signs out the tab it was taking it from, and revokes', async () => {
    const a = await flow.signedIn(shared);
    const b = flow.client(shared);
    const init = b.init();
    await b.logout({ localOnly: true }); // clicked while the new tab is still loading
    await expect(init).resolves.toEqual({ authenticated: false });
    await vi.waitFor(() => expect(a.isAuthenticated).toBe(false));
    expect(flow.server.requests.filter((r) => r.url.pathname === '/revoke').map((r) => r.form.get('token'))).toEqual([
      flow.server.issued.refreshTokens[0],
    ]);
  });

  it('a destroyed client tells nothing, even to a listener added after destroy(), while it hands a renewal over', async () => {
    const { a, b, refreshA, release } = await slowTabAndPeer();
    const peerHeard = vi.fn();
    b.on('tokenRefreshed', peerHeard);
    const { done } = await refreshA();
    a.destroy();
    const heard = vi.fn();
    a.on('tokenRefreshed', heard); // e.g. an effect re-run on the same instance
    release();
    await done;
    await vi.waitFor(() => expect(peerHeard).toHaveBeenCalledTimes(1)); // the hand-over's broadcast is out
    expect(heard).not.toHaveBeenCalled();
  });

  for (const [name, hook] of [
    ['an empty "scope"', (body: Record<string, unknown>) => ({ ...body, scope: '' })],
    ['an ID token claim named "constructor"', undefined],
  ] as const) {
    it(`a refresh answered with ${name} still reaches the other tabs: no refresh token is presented twice`, async () => {
      const [a, b] = await tabs(1);
      if (hook) flow.server.tokenHook = (body, grant) => (grant === 'refresh_token' ? hook(body) : body);
      else flow.server.idTokenHook = (c) => ({ ...c, constructor: 'x' });
      const heard = vi.fn();
      b?.on('tokenRefreshed', heard);
      await a?.getAccessToken({ forceRefresh: true });
      await vi.waitFor(() => expect(heard).toHaveBeenCalledTimes(1)); // the broadcast is delivered
      await b?.getAccessToken({ forceRefresh: true });
      const sent = refreshes().map((r) => r.form.get('refresh_token'));
      expect(sent).toEqual(flow.server.issued.refreshTokens.slice(0, 2));
      expect([a?.isAuthenticated, b?.isAuthenticated]).toEqual([true, true]);
    });
  }

  it('a tab with other token settings keeps its own session: DPoP never takes a Bearer one, resource or audience B never gets A’s token', async () => {
    const bearer = await flow.signedIn({ ...shared, resource: 'https://api-a.example.com' });
    const seen: string[] = [];
    const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const req = new Request(input, init);
      if (req.url.startsWith('https://api-'))
        return (seen.push(req.headers.get('authorization') ?? ''), new Response('ok'));
      return flow.server.fetch(input, init);
    }) as typeof globalThis.fetch;
    for (const other of [
      { dpop },
      { resource: 'https://api-b.example.com' },
      { extraParams: { audience: 'https://api-b.example.com' } },
    ]) {
      // the bearer tab's settings, but for the one that differs
      const tab = flow.client({
        ...shared,
        resource: 'https://api-a.example.com',
        ...other,
        apiOrigins: ['https://api-a.example.com', 'https://api-b.example.com'],
        fetch,
      });
      await expect(tab.init()).resolves.toEqual({ authenticated: false });
      await expectCode(tab.fetch('https://api-b.example.com/me'), 'login_required');
      await expectCode(tab.getAccessToken({ forceRefresh: true }), 'login_required');
    }
    expect(seen).toEqual([]);
    expect(bearer.isAuthenticated).toBe(true);
    await expect(bearer.getAccessToken()).resolves.toBe(flow.server.issued.accessTokens[0]);
  });

  it('init() falls back when a peer hands over DPoP keys this browser cannot use', async () => {
    const key = tabKey({ dpop });
    // A signed-in peer (another SDK version, say): it holds a presence lock and answers requests.
    let release!: () => void;
    void navigator.locks.request(`spa-auth:tab:${key}:peer`, () => new Promise<void>((r) => (release = r)));
    const gen = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
    // a non-extractable public key: no DPoP proof can carry it
    const pub = await crypto.subtle.importKey(
      'jwk',
      await crypto.subtle.exportKey('jwk', gen.publicKey),
      { name: 'ECDSA', namedCurve: 'P-256' },
      false,
      ['verify'],
    );
    const peer = channel({ dpop });
    const asked = vi.fn();
    peer.onmessage = ({ data }: MessageEvent) => {
      if (data?.k !== 'q') return;
      asked();
      const s = {
        sessionId: 'peer',
        accessToken: 'at',
        tokenType: 'DPoP',
        expiresAt: Date.now() + 300_000,
        issuedAt: Date.now(),
        rotation: 0,
        refreshToken: 'rt',
        idToken: 'a.b.c',
        claims: { sub: 'alice' },
        dpopKeys: { privateKey: gen.privateKey, publicKey: pub },
      };
      peer.postMessage({ type: 'spa-auth', v: 1, k: 's', reason: 'handoff', to: data.id, s });
    };
    try {
      const tab = flow.client({ ...shared, dpop });
      await expect(tab.init()).resolves.toEqual({ authenticated: false });
      expect(asked).toHaveBeenCalled();
    } finally {
      peer.close();
      release();
    }
  });

  it('logout in one tab signs every tab out', async () => {
    const [a, b, c] = await tabs(2);
    const out = vi.fn();
    b?.on('loggedOut', out);
    c?.on('loggedOut', out);
    await a?.logout({ localOnly: true });
    await vi.waitFor(() => expect(out).toHaveBeenCalledTimes(2));
    expect([a, b, c].map((t) => t?.isAuthenticated)).toEqual([false, false, false]);
  });

  it('invalid_grant in one tab ends the session in every tab', async () => {
    const [a, b] = await tabs(1);
    const expired = vi.fn();
    b?.on('sessionExpired', expired);
    flow.server.tokenHook = () => Response.json({ error: 'invalid_grant' }, { status: 400 });
    await expect(a?.getAccessToken({ forceRefresh: true })).rejects.toMatchObject({ code: 'login_required' });
    await vi.waitFor(() => expect(expired).toHaveBeenCalledTimes(1));
    expect(b?.isAuthenticated).toBe(false);
  });

  it('a bare 403 from the token endpoint ends the session in every tab too, and no tab retries it', async () => {
    const [a, b] = await tabs(1);
    const expired = vi.fn();
    b?.on('sessionExpired', expired);
    flow.server.override.set('/token', () => new Response(null, { status: 403 }));
    await expect(a?.getAccessToken({ forceRefresh: true })).rejects.toMatchObject({ code: 'login_required' });
    await vi.waitFor(() => expect(expired).toHaveBeenCalledTimes(1));
    expect(expired.mock.calls[0]?.[0].error.error).toBe('invalid_response');
    await expectCode(b!.getAccessToken({ forceRefresh: true }), 'login_required');
    expect(refreshes()).toHaveLength(1);
  });
});
