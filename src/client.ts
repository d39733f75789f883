/**
 * `createAuthClient`: a facade. It wires configuration, protocol, the session controller (tokens,
 * tabs, DPoP keys), renewal, the login flow, restore and the fetch wrapper into the public
 * {@link AuthClient}, and delegates to them; this file only decides what happens when.
 * @module
 */
import { createAuthFetch } from './auth-fetch.js';
import { systemNow as now } from './clock.js';
import { resolveConfig, type Config } from './config.js';
import { createEmitter } from './emitter.js';
import { createLoginFlow } from './login-flow.js';
import { checkLogoutReturn, withLogoutState } from './logout-return.js';
import { AuthError, must, toAuthError } from './errors.js';
import type { FeatureHost, PopupFeature, UserInfoFeature } from './features.js';
import { createProtocol } from './protocol.js';
import { createProviderClock } from './provider-clock.js';
import { createRenewal } from './renewal.js';
import { createRestore } from './restore.js';
import { restoreNotes } from './restore-notes.js';
import { createSessionController } from './session-controller.js';
import { createSnapshotStore } from './snapshot.js';
import { metadataCache, sweep } from './transaction.js';
import type {
  AuthClient,
  AuthClientOptions,
  AuthEvents,
  InitResult,
  LoginOptions,
  PopupLoginOptions,
  User,
} from './types.js';

/**
 * A public method: refused once the client is destroyed (`alive` throws), also when that
 * happened while it ran; rejects only with an `AuthError` (a browser's storage or lock failure included).
 */
function publicMethod<A extends unknown[], R>(
  alive: () => void,
  fn: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return async (...args) => {
    alive();
    let result: R;
    try {
      result = await fn(...args);
    } catch (err) {
      alive(); // destroyed meanwhile: that is the news
      throw toAuthError(err, 'invalid_config');
    }
    alive();
    return result;
  };
}

/** The parts of one client, each the owner of its piece, wired to each other in dependency order. */
function wire(config: Config, win: Window | undefined) {
  const storage = () => {
    must(win, 'no window', 'invalid_config');
    return win.sessionStorage;
  };
  const events = createEmitter<AuthEvents>();
  const report = (error: AuthError) => events.emit('error', error);
  const notes = restoreNotes(storage, config.issuer);
  // The provider's time, per tab: learned from fresh tokens, shared with the session.
  const clock = createProviderClock(report);
  const protocol = createProtocol(config, metadataCache(storage, config.issuer), clock);
  // Cross-tab sharing needs Web Locks: without them two tabs could present one refresh token twice.
  const locks = config.shareSessionAcrossTabs && win?.navigator.locks?.request ? win.navigator.locks : undefined;
  const session = createSessionController({ config, protocol, events, notes, clock, locks });
  const renewal = createRenewal({ config, protocol, session, now: clock.now, events, locks });
  const flow = createLoginFlow({ config, protocol, win, storage, session, notes, report });
  const restore = createRestore({
    config,
    storage,
    notes,
    href: () => win?.location.href,
    discover: protocol.discover,
    handOff: session.takeOver,
    silent: () => renewal.silent(),
    redirect: (returnTo, signal) => flow.start({ prompt: 'none', returnTo }, signal, true),
    signedIn: () => !!session.get(),
    report,
  });
  return { storage, events, report, clock, protocol, session, renewal, flow, restore };
}

/**
 * What serves the app's own calls beside the session: the fetch wrapper, and the opt-in
 * features (spa-auth/popup, spa-auth/userinfo), absent unless the app passed them.
 */
function serve(
  {
    config,
    protocol,
    win,
    session,
    events,
  }: Pick<ReturnType<typeof wire>, 'protocol' | 'session' | 'events'> & {
    config: Config;
    win: Window | undefined;
  },
  getAccessToken: () => Promise<string>,
  user: () => User | undefined,
) {
  const host: FeatureHost = {
    config,
    protocol,
    win,
    signal: session.signal,
    complete: session.complete,
    getAccessToken,
    user,
    dpop: session.dpop,
  };
  return {
    popup: (config.popup as PopupFeature | undefined)?.create(host),
    userInfo: (config.userInfo as UserInfoFeature | undefined)?.create(host),
    authFetch: createAuthFetch({
      apiOrigins: config.apiOrigins,
      getAccessToken,
      dpop: session.dpop,
      fetch: (input, init) => (config.fetch ?? fetch)(input, init),
      emit: events.emit,
      baseUrl: () => win?.document.baseURI ?? config.redirectUri,
    }),
  };
}

/** A feature the app did not pass: refused, naming the option. */
function missing(name: string): never {
  throw new AuthError('invalid_config', `no ${name} option (spa-auth/${name.toLowerCase()})`);
}

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
  const { storage, events, report, clock, protocol, session, renewal, flow, restore } = wire(config, win);
  let initPromise: Promise<InitResult> | undefined;
  let destroyed = false;
  /** The session as the app sees it: none once destroyed. */
  const current = () => (destroyed ? undefined : session.get());
  /** The access token's expiry on the device's clock, as the app reads it (token times are on the provider's). */
  const expiresAt = () => {
    const tokens = current();
    return tokens && tokens.expiresAt - clock.offset();
  };
  const store = createSnapshotStore(
    () => ({ isAuthenticated: !!current(), user: current()?.claims, expiresAt: expiresAt() }),
    events,
  );
  /** Refuses (`invalid_config`) once the client is destroyed. */
  const alive = () => must(!destroyed, 'client destroyed', 'invalid_config');
  const method = <A extends unknown[], R>(fn: (...args: A) => Promise<R>) => publicMethod(alive, fn);

  /** Reads the address bar (a callback, a silent answer), then restores the session if there is none. */
  const init = async (): Promise<InitResult> => {
    const signal = session.signal();
    // A popup's answer handed over: this window holds no session, nor hears of one.
    if (popup?.land()) {
      session.closeChannel();
      return { authenticated: false };
    }
    checkLogoutReturn(win, config, storage, report);
    const landed = await flow.readAddressBar(signal);
    // A silent frame's answer handed over: the same.
    if (landed === 'posted') {
      session.closeChannel();
      return { authenticated: false };
    }
    if (landed === 'leaving') return new Promise<never>(() => undefined); // sent on: the page is going away
    // 'stale': a callback nobody here waits for, reported and removed; a normal page load goes on.
    const restored = typeof landed === 'string' ? await restore(signal, landed === 'foreign') : landed;
    if (restored === 'leaving') return new Promise<never>(() => undefined);
    // Scheduled renewal runs from here on, in a browser, unless the client was destroyed meanwhile.
    if (!destroyed && win) renewal.start();
    return typeof restored === 'boolean' ? { authenticated: !!current() } : restored;
  };

  /** Ends the session in every tab, revokes its tokens and, unless `localOnly`, signs out at the provider. */
  const logout = async (options?: { localOnly?: boolean }): Promise<void> => {
    let tokens = session.drop('loggedOut', true);
    // Still taking the session over (or never initialised) while other tabs are signed in: their session ends.
    const peer = tokens ? undefined : await session.ask();
    if (peer) session.loggedOutElsewhere((tokens = peer).sessionId);
    try {
      sweep(storage(), now(), (tx) => tx.issuer === config.issuer && tx.clientId === config.clientId); // a login this client started here is over too
    } catch {
      // storage blocked: nothing to clear
    }
    // Without a session or a window (a server render) there is nothing to revoke or redirect.
    const as = tokens || win ? await protocol.discover().catch(() => undefined) : undefined;
    const failed = as && tokens ? await protocol.revoke(as, tokens) : undefined;
    if (failed) report(failed); // cleared here; the token may live on at the server
    const url = as && !options?.localOnly ? protocol.endSessionUrl(as, tokens?.idToken) : undefined;
    if (url && win) win.location.assign(withLogoutState(url, config, storage, protocol.random()).href);
  };

  const destroy = () => {
    destroyed = true;
    store.close(); // subscribers see the signed-out snapshot
    session.destroy(); // every flow, started or to come, sees it aborted
    renewal.stop();
    events.clear();
    // A renewal in flight still hands its rotated tokens to the other tabs (broadcast, and
    // answers to the tabs that queued behind it) before this tab lets go.
    void renewal.settled().then(session.close);
  };

  const getAccessToken = method((options?: { forceRefresh?: boolean }) =>
    renewal.getAccessToken(options?.forceRefresh === true),
  );
  const { popup, userInfo, authFetch } = serve(
    { config, protocol, win, session, events },
    getAccessToken,
    () => current()?.claims,
  );

  return {
    init: () => (initPromise ??= method(init)().finally(store.settled)),
    login: method((options: LoginOptions = {}) => flow.start(options, session.signal())),
    // Synchronous up to window.open: a click handler is enough for popup blockers.
    loginWithPopup: method((options: PopupLoginOptions = {}) => (popup ?? missing('popup')).login(options)),
    getUserInfo: method(() => (userInfo ?? missing('userInfo'))()),
    getAccessToken,
    // fetch() semantics: an AbortError or a network TypeError rejects as it is.
    fetch: async (input, init) => {
      alive();
      return authFetch(input, init);
    },
    logout: method(logout),
    subscribe: store.subscribe,
    getSnapshot: store.get,
    // After destroy() nothing is heard: a listener added then is never called.
    on: (event, listener) => (destroyed ? () => undefined : events.on(event, listener)),
    destroy,
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
