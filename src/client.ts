/**
 * `createAuthClient`: wires configuration, protocol, session, renewal, tabs and the fetch
 * wrapper into the public {@link AuthClient}. Each part lives in its own module; this file
 * only decides what happens when.
 * @module
 */
import { createAuthFetch } from './auth-fetch.js';
import { systemNow as now } from './clock.js';
import { resolveConfig } from './config.js';
import { createDPoPSession, type DPoPSession } from './dpop.js';
import { createEmitter } from './emitter.js';
import { createLoginFlow } from './login-flow.js';
import { checkLogoutReturn, withLogoutState } from './logout-return.js';
import { AuthError, must, toAuthError } from './errors.js';
import { createProtocol, type Metadata } from './protocol.js';
import { createProviderClock } from './provider-clock.js';
import { createRenewal } from './renewal.js';
import { createRestore } from './restore.js';
import { restoreNotes } from './restore-notes.js';
import { createSession, type Tokens } from './session.js';
import { createSnapshotStore } from './snapshot.js';
import { createTabSync, type SharedSession } from './tab-sync.js';
import type { FeatureHost, PopupFeature, UserInfoFeature } from './features.js';
import { metadataCache, sweep, type Transaction } from './transaction.js';
import type { AuthClient, AuthClientOptions, AuthEvents, InitResult, LoginOptions, PopupLoginOptions } from './types.js';

/**
 * Creates a client. Synchronous and free of I/O: options are validated at once (a bad one
 * throws `AuthError('invalid_config')`), discovery happens lazily on first use.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9700 (OAuth 2.0 Security BCP)
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-browser-based-apps
 * @example
 * ```ts
 * const auth = createAuthClient({ issuer: 'https://id.example.com', clientId: 'my-spa', redirectUri: location.origin + '/callback' });
 * const { authenticated, returnTo } = await auth.init();
 * if (!authenticated) await auth.login({ returnTo: location.pathname });
 * const res = await auth.fetch('/api/me');
 * ```
 */
export function createAuthClient(options: AuthClientOptions): AuthClient {
  const win = typeof window === 'undefined' ? undefined : window;
  const config = resolveConfig(options, win?.location.origin);
  const { issuer, clientId, redirectUri } = config;
  const storage = () => {
    must(win, 'no window', 'invalid_config');
    return win.sessionStorage;
  };
  const events = createEmitter<AuthEvents>();
  // The provider's time, per tab: learned from fresh tokens, shared with the session.
  const clock = createProviderClock((e) => events.emit('error', e));
  const protocol = createProtocol(config, metadataCache(storage, issuer), clock, () => current()?.idToken);
  const session = createSession();
  const notes = restoreNotes(storage, issuer);
  const ended = new Set<string>();
  // Cross-tab sharing needs Web Locks: without them two tabs could present one refresh token twice.
  const locks = config.shareSessionAcrossTabs && win?.navigator.locks?.request ? win.navigator.locks : undefined;
  const presence = `spa-auth:tab:${config.tabKey}:`;
  const me = presence + protocol.random();
  let leave: (() => void) | undefined;
  let dpop: DPoPSession | undefined;
  let initPromise: Promise<InitResult> | undefined;
  let destroyed = false;
  // Aborted by logout and destroy: a login, restore or silent renewal that started before them
  // gives up instead of installing a session the user just ended.
  let flows = new AbortController();
  const cut = () => {
    flows.abort();
    flows = new AbortController();
  };
  /** The session as the app sees it: none once destroyed. */
  const current = () => (destroyed ? undefined : session.get());
  /** A token time (kept on the provider's clock) as the app's `Date.now()` sees it. */
  const onDevice = (ms: number) => ms - clock.offset();
  /** The access token's expiry on the device's clock, as the app reads it. */
  const expiresAt = () => {
    const t = current();
    return t && onDevice(t.expiresAt);
  };
  const store = createSnapshotStore(() => ({ isAuthenticated: !!current(), user: current()?.claims, expiresAt: expiresAt() }), events);

  /**
   * Installs tokens in this tab. `fresh` marks a new session (`authenticated`) rather than
   * renewed tokens (`tokenRefreshed`); `publish` tells the other tabs, for tokens made here.
   * A destroyed client still takes a renewal it made, hidden from the app (its getters and
   * events are gone), to hand it to the other tabs: their refresh token was just rotated out.
   */
  const install = async (tokens: Tokens, fresh: boolean, publish?: 'login' | 'refreshed'): Promise<void> => {
    if (ended.has(tokens.sessionId)) return;
    if (tokens.dpopKeys && dpop?.keys !== tokens.dpopKeys) dpop = await createDPoPSession(tokens.dpopKeys, clock.now);
    // Fresh tokens bring a newly learned offset; a peer's session brings what that tab knows.
    if (tokens.clockOffset !== undefined) clock.set(tokens.clockOffset);
    session.set(tokens);
    renewal.reschedule();
    // A signed-in tab holds a presence lock, so a new tab knows whether anyone can hand over.
    // `leave` is set at once (not when the lock is granted), so a second install cannot queue a
    // second request, and a logout before the grant still releases it.
    if (locks && !leave && !destroyed) {
      const held = new Promise<void>((resolve) => (leave = resolve));
      locks.request(me, () => held).catch(() => undefined);
    }
    if (fresh) events.emit('authenticated', { user: tokens.claims });
    else events.emit('tokenRefreshed', { expiresAt: onDevice(tokens.expiresAt) });
    if (publish) sync.publish(tokens as SharedSession, publish);
  };

  /** Drops the session here; `how` says whether it ended by logout or expiry. */
  const drop = (how: 'loggedOut' | AuthError, broadcast?: boolean): Tokens | undefined => {
    const tokens = session.get();
    if (tokens) ended.add(tokens.sessionId);
    session.set();
    dpop = undefined;
    renewal.reschedule();
    leave?.();
    leave = undefined;
    if (how === 'loggedOut') {
      cut();
      if (tokens && broadcast) sync.loggedOut(tokens.sessionId);
      events.emit('loggedOut', {});
    } else if (tokens) {
      if (broadcast) sync.expired(tokens.sessionId, how.error ?? how.code);
      events.emit('sessionExpired', { error: how });
    }
    return tokens;
  };

  /** Another tab ended session `id`: drop it here, or make sure it is never adopted. */
  const endedElsewhere = (id: string, how: 'loggedOut' | AuthError) => (session.get()?.sessionId === id ? drop(how) : ended.add(id));

  const sync = createTabSync({
    channelName: `spa-auth:${config.tabKey}`,
    // With the offset as this tab knows it now (it may have absorbed a step of the device clock).
    getSession: () => {
      const tokens = session.get() as SharedSession | undefined;
      return tokens && { ...tokens, clockOffset: clock.offset() };
    },
    onSession: (tokens, reason) => {
      const current = session.get();
      const same = current?.sessionId === tokens.sessionId;
      // Broadcasts from different tabs can arrive out of order: never step back to older tokens
      // (their refresh token is rotated out), and take another session only from a new login.
      if (current && (same ? tokens.rotation <= current.rotation : reason !== 'login')) return;
      install(tokens, !same).catch(() => undefined);
    },
    onLoggedOut: (id) => endedElsewhere(id, 'loggedOut'),
    onExpired: (id, error) => endedElsewhere(id, new AuthError('oauth_error', 'ended in another tab', { error })),
    // Without Web Locks two tabs could present one refresh token twice: each tab keeps its own grant.
    ...(!locks && { BroadcastChannel: null }),
  });

  /**
   * Exchanges a validated callback for tokens and installs them (renewing `base`, or a new
   * session), unless a logout or destroy aborted `signal` meanwhile.
   */
  const complete = async (as: Metadata, tx: Transaction, params: URLSearchParams, signal: AbortSignal, base?: Tokens): Promise<void> => {
    // A renewal keeps the session's key (its refresh token is bound to it); a new session gets a new one.
    const key = config.dpop ? (base && dpop) || (await createDPoPSession(undefined, clock.now)) : undefined;
    const tokens = await protocol.exchangeCode(as, tx, params, base, key);
    // Cut short: a new session is refused; a renewal is merely not done (the session may live on elsewhere).
    must(!signal.aborted, 'signed out meanwhile', base ? 'timeout' : 'login_required');
    dpop = key;
    await install(tokens, !base, base ? 'refreshed' : 'login');
    if (!base) notes.framedPage.clear(); // a login succeeded: silent authorization is worth trying again
  };

  /** Asks every other signed-in tab (they hold presence locks) for its session; resolves the newest answer. */
  const ask = async () => {
    // A browser may refuse Web Locks (an opaque origin): then nobody is asked.
    const n = locks ? ((await locks.query().catch(() => ({}) as LockManagerSnapshot)).held?.filter((l) => l.name?.startsWith(presence) && l.name !== me).length ?? 0) : 0;
    // A new tab waits at most 500 ms for the hand-over.
    return n ? sync.requestSession(500, n) : undefined;
  };

  const renewal = createRenewal({
    config,
    protocol,
    session,
    now: clock.now,
    events,
    dpop: () => dpop,
    install: (tokens) => install(tokens, false, 'refreshed'),
    complete,
    end: (error) => void drop(error, true),
    locks,
    signal: () => flows.signal,
    // Inside the refresh lock: a tab that just renewed may not have been heard from yet.
    catchUp: async () => {
      const peer = await ask();
      const t = session.get();
      if (peer && peer.sessionId === t?.sessionId && peer.rotation > t.rotation) await install(peer, false).catch(() => undefined);
    },
  });

  const flow = createLoginFlow({ config, protocol, win, storage, complete, notes, report: (e) => events.emit('error', e) });

  /** Scheduled renewal runs from init() on, in a browser, unless the client was destroyed meanwhile. */
  const start = () => destroyed || !win || renewal.start();

  const restore = createRestore({
    config,
    storage,
    notes,
    href: () => win?.location.href,
    discover: protocol.discover,
    handOff: async (signal) => {
      const peer = await ask();
      // A hand-over that cannot be installed (keys this browser cannot use) is as good as none.
      if (peer && !signal.aborted) await install(peer, true).catch(() => undefined);
      return !!session.get();
    },
    silent: () => renewal.silent(),
    redirect: (returnTo, signal) => flow.start({ prompt: 'none', returnTo }, signal, true),
    signedIn: () => !!session.get(),
    report: (e) => events.emit('error', e),
  });

  /** Refuses (`invalid_config`) once the client is destroyed. */
  const alive = () => must(!destroyed, 'client destroyed', 'invalid_config');

  /**
   * A public method: refused once the client is destroyed, also when that happened while it
   * ran; rejects only with an `AuthError` (a browser's storage or lock failure included).
   */
  const method =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      alive();
      try {
        return await fn(...args);
      } catch (err) {
        throw toAuthError(err, 'invalid_config');
      } finally {
        alive();
      }
    };

  const getAccessToken = method((o?: { forceRefresh?: boolean }) => renewal.getAccessToken(o?.forceRefresh === true));
  // Opt-in features (spa-auth/popup, spa-auth/userinfo): absent unless the app passed them.
  const host: FeatureHost = { config, protocol, win, signal: () => flows.signal, complete, getAccessToken, user: () => current()?.claims, dpop: () => dpop };
  const popup = (config.popup as PopupFeature | undefined)?.create(host);
  const userInfo = (config.userInfo as UserInfoFeature | undefined)?.create(host);
  /** A feature the app did not pass: refused, naming the option. */
  const missing = (name: string): never => {
    throw new AuthError('invalid_config', `no ${name} option (spa-auth/${name.toLowerCase()})`);
  };
  const authFetch = createAuthFetch({
    apiOrigins: config.apiOrigins,
    getAccessToken,
    dpop: () => dpop,
    fetch: (input, init) => (config.fetch ?? fetch)(input, init),
    emit: events.emit,
    baseUrl: () => win?.document.baseURI ?? redirectUri,
  });

  return {
    init: () =>
      (initPromise ??= method(async () => {
        const signal = flows.signal;
        // A popup's answer handed over: this window holds no session, nor hears of one.
        if (popup?.land()) {
          sync.close();
          return { authenticated: false };
        }
        checkLogoutReturn(win, config, storage, (e) => events.emit('error', e));
        const landed = await flow.land(signal);
        // A silent frame's answer handed over: the same.
        if (landed === 'posted') {
          sync.close();
          return { authenticated: false };
        }
        // 'stale': a callback nobody here waits for, reported and removed; a normal page load goes on.
        const restored = landed === 'leaving' ? landed : typeof landed === 'string' ? await restore(signal, landed === 'foreign') : landed;
        if (restored === 'leaving') return new Promise<never>(() => undefined); // sent on: the page is going away
        start();
        return typeof restored === 'boolean' ? { authenticated: !!current() } : restored;
      })().finally(store.settled)),
    login: method((o: LoginOptions = {}) => flow.start(o, flows.signal)),
    // Synchronous up to window.open: a click handler is enough for popup blockers.
    loginWithPopup: method((o: PopupLoginOptions = {}) => (popup ?? missing('popup')).login(o)),
    getUserInfo: method(() => (userInfo ?? missing('userInfo'))()),
    getAccessToken,
    // fetch() semantics: an AbortError or a network TypeError rejects as it is.
    fetch: async (input, init) => (alive(), authFetch(input, init)),
    logout: method(async (o?: { localOnly?: boolean }) => {
      let tokens = drop('loggedOut', true);
      // Still taking the session over (or never initialised) while other tabs are signed in: their session ends.
      const peer = tokens ? undefined : await ask();
      if (peer) sync.loggedOut((tokens = peer).sessionId);
      try {
        sweep(storage(), now(), (tx) => tx.issuer === issuer && tx.clientId === clientId); // a login this client started here is over too
      } catch {
        // storage blocked: nothing to clear
      }
      // Without a session or a window (a server render) there is nothing to revoke or redirect.
      const as = tokens || win ? await protocol.discover().catch(() => undefined) : undefined;
      const failed = as && tokens ? await protocol.revoke(as, tokens) : undefined;
      if (failed) events.emit('error', failed); // cleared here; the token may live on at the server
      const url = as && !o?.localOnly ? protocol.endSessionUrl(as, tokens?.idToken) : undefined;
      if (url && win) win.location.assign(withLogoutState(url, config, storage, protocol.random()).href);
    }),
    subscribe: store.subscribe,
    getSnapshot: store.get,
    // After destroy() nothing is heard: a listener added then is never called.
    on: (event, listener) => (destroyed ? () => undefined : events.on(event, listener)),
    destroy() {
      destroyed = true;
      store.close(); // subscribers see the signed-out snapshot
      flows.abort(); // and every flow started later sees it aborted
      renewal.stop();
      events.clear();
      // A renewal in flight still hands its rotated tokens to the other tabs (broadcast, and
      // answers to the tabs that queued behind it) before this tab lets go.
      void renewal.settled().then(() => {
        leave?.();
        sync.close();
        session.set();
        dpop = undefined;
      });
    },
    get isAuthenticated() {
      return !!current();
    },
    get user() {
      return current()?.claims;
    },
    get expiresAt() {
      return expiresAt();
    },
  };
}
