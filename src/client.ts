/**
 * `createAuthClient`: wires configuration, protocol, session, renewal, tabs and the fetch
 * wrapper into the public {@link AuthClient}. Each part lives in its own module; this file
 * only decides what happens when.
 * @module
 */
import { createAuthFetch } from './auth-fetch.js';
import { systemNow } from './clock.js';
import { resolveConfig } from './config.js';
import { createDPoPSession, type DPoPSession } from './dpop.js';
import { createEmitter } from './emitter.js';
import { authError, toAuthError, type AuthError } from './errors.js';
import { createProtocol, type Metadata, type TokenResult } from './protocol.js';
import { createRenewal } from './renewal.js';
import { createSession, type Tokens } from './session.js';
import { postSilentResponse } from './silent-auth.js';
import { createTabSync } from './tab-sync.js';
import { consumeTransaction, saveTransaction, type Transaction } from './transaction.js';
import type { AuthClient, AuthClientOptions, AuthEvents, InitResult, LoginOptions } from './types.js';
import { cleanAddressBar, isRedirectTarget, sameOriginPath } from './url.js';

/** How long a new tab waits for a signed-in tab to hand over the session. */
const HANDOFF_MS = 500;
const RESTORE_MARK = 'spa-auth.restore';

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
  const now = systemNow;
  // The public discovery metadata is kept for an hour in this tab's sessionStorage, so a reload
  // does not rediscover; it is re-validated before use.
  const metaKey = `spa-auth.meta.${config.issuer}`;
  const protocol = createProtocol(config, {
    get() {
      const cached = JSON.parse(win?.sessionStorage.getItem(metaKey) ?? 'null') as { as?: unknown; at?: number } | null;
      return cached && now() - Number(cached.at) < 3_600_000 ? cached.as : undefined;
    },
    set(as) {
      try {
        win?.sessionStorage.setItem(metaKey, JSON.stringify({ as, at: now() }));
      } catch {
        // storage full or blocked: discovery simply runs again next time
      }
    },
  });
  const events = createEmitter<AuthEvents>();
  const session = createSession();
  const ended = new Set<string>();
  // Cross-tab sharing needs Web Locks: without them two tabs could present one refresh token twice.
  const locks = config.shareSessionAcrossTabs && win?.navigator.locks?.request ? win.navigator.locks : undefined;
  const presence = `spa-auth:tab:${config.issuer}:${config.clientId}:`;
  const me = presence + protocol.secrets().state;
  let leave: (() => void) | undefined;
  let dpop: DPoPSession | undefined;
  let initPromise: Promise<InitResult> | undefined;
  let destroyed = false;

  const storage = () => {
    if (!win) throw authError('invalid_config', 'spa-auth needs a browser window');
    return win.sessionStorage;
  };

  /** Builds the session to install from a token response, keeping what the response omits. */
  const toTokens = (r: TokenResult, base: Tokens | undefined): Tokens => {
    const claims = r.claims ?? base?.claims;
    const idToken = r.idToken ?? base?.idToken;
    if (!claims || !idToken) throw authError('invalid_response', 'The token response has no ID token');
    const issuedAt = now();
    return {
      sessionId: base?.sessionId ?? protocol.secrets().state,
      rotation: base ? base.rotation + 1 : 0,
      accessToken: r.accessToken,
      tokenType: r.tokenType,
      issuedAt,
      expiresAt: issuedAt + r.expiresIn * 1000,
      idToken,
      claims: claims as Tokens['claims'],
      ...((r.refreshToken ?? base?.refreshToken) ? { refreshToken: (r.refreshToken ?? base?.refreshToken) as string } : {}),
      ...((r.scope ?? base?.scope) !== undefined ? { scope: (r.scope ?? base?.scope) as string } : {}),
      ...(dpop ? { dpopKeys: dpop.keys } : {}),
    };
  };

  /**
   * Installs tokens in this tab. `fresh` marks a new session (`authenticated`) rather than
   * renewed tokens (`tokenRefreshed`); `publish` tells the other tabs, for tokens made here.
   */
  const install = async (tokens: Tokens, fresh: boolean, publish?: 'login' | 'refreshed'): Promise<void> => {
    if (destroyed || ended.has(tokens.sessionId)) return;
    if (tokens.dpopKeys && dpop?.keys !== tokens.dpopKeys) dpop = await createDPoPSession(tokens.dpopKeys);
    session.set(tokens);
    renewal.changed();
    // A signed-in tab holds a presence lock, so a new tab knows whether anyone can hand over.
    if (locks && !leave) {
      const held = new Promise<void>((resolve) => (leave = resolve));
      locks.request(me, () => held).catch(() => undefined);
    }
    if (fresh) events.emit('authenticated', { user: tokens.claims });
    else events.emit('tokenRefreshed', { expiresAt: tokens.expiresAt });
    if (publish) sync.publish(tokens, publish);
  };

  /** Drops the session here; `how` says whether it ended by logout or expiry. */
  const drop = (how: 'loggedOut' | AuthError, broadcast: boolean): Tokens | undefined => {
    const tokens = session.get();
    if (tokens) ended.add(tokens.sessionId);
    session.clear();
    dpop = undefined;
    renewal.changed();
    leave?.();
    leave = undefined;
    if (tokens && broadcast) {
      if (how === 'loggedOut') sync.loggedOut(tokens.sessionId);
      else sync.expired(tokens.sessionId, how.error ?? how.code);
    }
    if (how === 'loggedOut') events.emit('loggedOut', {});
    else if (tokens) events.emit('sessionExpired', { error: how });
    return tokens;
  };

  const sync = createTabSync({
    channelName: `spa-auth:${config.issuer}:${config.clientId}`,
    getSession: () => session.get(),
    onSession: (tokens, reason) => {
      const current = session.get();
      const same = current?.sessionId === tokens.sessionId;
      // Broadcasts from different tabs can arrive out of order: never step back to older tokens
      // (their refresh token is rotated out), and take another session only from a new login.
      if (current && (same ? tokens.rotation <= current.rotation : reason !== 'login')) return;
      void install(tokens, !same).catch(() => undefined);
    },
    onLoggedOut: (id) => session.get()?.sessionId === id ? drop('loggedOut', false) : ended.add(id),
    onExpired: (id, error) =>
      session.get()?.sessionId === id
        ? drop(authError('oauth_error', 'The session ended in another tab', { error }), false)
        : ended.add(id),
    // Without Web Locks two tabs could present one refresh token twice: each tab keeps its own grant.
    ...(!locks && { BroadcastChannel: null }),
  });

  /** Exchanges a validated callback for tokens and installs them as a new session. */
  const complete = async (as: Metadata, tx: Transaction, params: URLSearchParams, base?: Tokens): Promise<void> => {
    // A renewal keeps the session's key (its refresh token is bound to it); a new session gets a new one.
    const key = config.dpop ? (base && dpop) || (await createDPoPSession()) : undefined;
    const result = await protocol.exchangeCode(as, tx, params, key?.handle);
    dpop = key;
    await install(toTokens(result, base), !base, base ? 'refreshed' : 'login');
  };

  /** How many other tabs of the app are signed in (they hold presence locks). */
  const peers = async () => (locks ? (await locks.query()).held?.filter((l) => l.name?.startsWith(presence) && l.name !== me).length ?? 0 : 0);

  /** Asks every signed-in tab for its session and resolves the newest answer. */
  const ask = async () => {
    const n = await peers();
    return n ? sync.requestSession(HANDOFF_MS, n) : undefined;
  };

  const renewal = createRenewal({
    config,
    now,
    protocol,
    session,
    events,
    dpop: () => dpop,
    toTokens,
    install: (tokens) => install(tokens, false, 'refreshed'),
    complete,
    end: (error) => void drop(error, true),
    locks,
    // Inside the refresh lock: a tab that just renewed may not have been heard from yet.
    catchUp: async () => {
      const peer = await ask();
      const t = session.get();
      if (peer && t && peer.sessionId === t.sessionId && peer.rotation > t.rotation) await install(peer, false);
    },
  });

  const handleCallback = async (params: URLSearchParams): Promise<InitResult> => {
    const state = params.get('state');
    const tx = state ? consumeTransaction(storage(), state, now(), config.issuer, config.clientId) : undefined;
    if (win) cleanAddressBar(win);
    if (!tx) throw authError('invalid_state', 'The callback state is missing, unknown, already used, or expired');
    const returnTo = tx.returnTo === undefined ? {} : { returnTo: tx.returnTo };
    try {
      await complete(protocol.adopt(tx.metadata), tx, params);
    } catch (err) {
      const e = toAuthError(err);
      // A prompt=none restore that found no provider session is not a failure.
      if (tx.restore && e.code === 'oauth_error') return { authenticated: false, ...returnTo };
      throw e;
    }
    return { authenticated: true, ...returnTo };
  };

  const restore = async (): Promise<InitResult> => {
    const peer = await ask();
    if (peer) await install(peer, true);
    else if (config.silentAuthorization) await renewal.silent().catch(() => undefined);
    // The top-level prompt=none redirect runs at most once a minute per tab, so it never loops.
    if (!session.get() && config.restoreWithRedirect && win && !(now() - Number(storage().getItem(RESTORE_MARK)) < 60_000)) {
      storage().setItem(RESTORE_MARK, String(now()));
      await startLogin({ prompt: 'none', returnTo: win.location.href }, true);
      return new Promise(() => undefined);
    }
    renewal.start();
    return { authenticated: !!session.get() };
  };

  const startLogin = async (o: LoginOptions = {}, isRestore = false): Promise<void> => {
    if (!win) throw authError('invalid_config', 'login() needs a browser window');
    const returnTo = o.returnTo === undefined ? undefined : sameOriginPath(o.returnTo, win.location.origin);
    if (o.maxAge !== undefined && !(Number.isInteger(o.maxAge) && o.maxAge >= 0)) throw authError('invalid_config', 'maxAge must be a whole number of seconds');
    const as = await protocol.discover();
    const tx: Transaction = {
      ...protocol.transaction(config.redirectUri, as),
      ...(returnTo === undefined ? {} : { returnTo }),
      ...(o.maxAge === undefined ? {} : { maxAge: o.maxAge }),
      ...(isRestore ? { restore: true } : {}),
    };
    const url = await protocol.authorizationUrl(as, { ...o, tx, redirectUri: config.redirectUri });
    saveTransaction(storage(), tx);
    win.location.assign(url.href);
  };

  const alive = () => {
    if (destroyed) throw authError('invalid_config', 'This client was destroyed');
  };

  const authFetch = createAuthFetch({
    apiOrigins: config.apiOrigins,
    getAccessToken: (o) => renewal.getAccessToken(o?.forceRefresh === true),
    dpop: () => dpop,
    fetch: (input, init) => (config.fetch ?? fetch)(input, init),
    emit: (event, payload) => events.emit(event, payload),
    baseUrl: () => win?.document.baseURI ?? config.redirectUri,
  });

  return {
    init() {
      return (initPromise ??= (async () => {
        alive();
        if (win && win.parent !== win && postSilentResponse(win)) return { authenticated: false };
        const href = win?.location.href ?? '';
        const params = isRedirectTarget(href, config.redirectUri) ? new URL(href).searchParams : undefined;
        if (params?.has('code') || params?.has('error')) {
          const result = await handleCallback(params);
          renewal.start();
          return result;
        }
        return restore();
      })());
    },
    async login(o) {
      alive();
      await startLogin(o);
    },
    async getAccessToken(o) {
      alive();
      return renewal.getAccessToken(o?.forceRefresh === true);
    },
    async fetch(input, init) {
      alive();
      return authFetch(input, init);
    },
    async logout(o) {
      alive();
      const tokens = drop('loggedOut', true);
      const as = await protocol.discover().catch(() => undefined);
      // RFC 7009 §2.1: revoking the refresh token also invalidates its access tokens, and
      // servers that issue JWT access tokens refuse to revoke those; best effort either way.
      if (as && tokens) {
        await (tokens.refreshToken
          ? protocol.revoke(as, tokens.refreshToken, 'refresh_token')
          : protocol.revoke(as, tokens.accessToken, 'access_token')
        ).catch(() => undefined);
      }
      const url = as && !o?.localOnly ? protocol.endSessionUrl(as, tokens?.idToken) : undefined;
      if (url && win) win.location.assign(url.href);
    },
    on: (event, listener) => events.on(event, listener),
    destroy() {
      destroyed = true;
      leave?.();
      renewal.stop();
      sync.close();
      events.clear();
      session.clear();
      dpop = undefined;
    },
    get isAuthenticated() {
      return !!session.get();
    },
    get user() {
      return session.get()?.claims;
    },
    get expiresAt() {
      return session.get()?.expiresAt;
    },
  };
}
