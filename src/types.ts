/**
 * Public types of spa-auth. Behaviour is documented on {@link AuthClient} and in the README.
 * @module
 */
import type { AuthError } from './errors.js';
import type { GetAccessTokenOptions, LoginOptions, LogoutOptions, PopupLoginOptions } from './options.js';

export type {
  FetchFunction,
  AuthClientOptions,
  DPoPSupport,
  PopupSupport,
  UserInfoSupport,
  LoginOptions,
  PopupLoginOptions,
  LogoutOptions,
  GetAccessTokenOptions,
} from './options.js';

// The public types name the platform's fetch types. A project compiled without the DOM library
// and without @types/node (an SSR or worker build with `lib: ["ES2022"]`) has none of them:
// these empty declarations make the names exist there, and merge with the real ones wherever
// the DOM library or @types/node declares them, changing nothing.
declare global {
  /* eslint-disable @typescript-eslint/no-empty-object-type -- empty on purpose: they only make the names exist, see above */
  interface Request {}
  interface RequestInit {}
  interface Response {}
  interface URL {}
  /* eslint-enable @typescript-eslint/no-empty-object-type */
}

/** What {@link AuthClient.init} resolves with. */
export interface InitResult {
  /** Whether this tab has a session now. */
  authenticated: boolean;
  /** The `returnTo` given to `login()`, when this page was its callback (else undefined). */
  returnTo?: string | undefined;
  /** The `appState` given to `login()`, when this page was its callback (else undefined). */
  appState?: unknown;
}

/** Validated ID token claims. */
export interface User {
  /** The subject: the provider's identifier for the user. */
  readonly sub: string;
  readonly [claim: string]: unknown;
}

/**
 * What a UI shows about the session, from {@link AuthClient.getSnapshot}: frozen, and the same
 * object until one of its fields changes.
 * @example
 * ```ts
 * const { loading, isAuthenticated, user } = auth.getSnapshot();
 * ```
 */
export interface AuthSnapshot {
  /** Whether this tab holds a session. */
  readonly isAuthenticated: boolean;
  /** The validated ID token claims of the session, or `undefined` without one. */
  readonly user: User | undefined;
  /** Access-token expiry, epoch milliseconds, or `undefined` without a session. */
  readonly expiresAt: number | undefined;
  /** True until `init()` settles (resolves or rejects): show neither "signed in" nor "signed out" yet. */
  readonly loading: boolean;
}

/** Events and their payloads; see {@link AuthClient.on}. */
export interface AuthEvents {
  /** A session started in this tab (callback, tab handoff, silent authorization). */
  authenticated: { user: User };
  /** New tokens, from a refresh here or in another tab; `expiresAt` as `auth.expiresAt`. */
  tokenRefreshed: { expiresAt: number };
  /** The session cannot be renewed and tokens were dropped. */
  sessionExpired: { error: AuthError };
  /** Logout, here or in another tab. */
  loggedOut: Record<string, never>;
  /**
   * A failure the app did not call for and that did not reject: a renewal that will be retried;
   * a restore that failed for another reason than "no session" (the provider answered
   * `invalid_request`, left a page in the silent frame, timed out; discovery failed), or that
   * was skipped because the issuer left a page in the frame earlier in this tab; a stale
   * callback (`invalid_state`). The provider's "no session" answers and "no other tab" emit nothing.
   */
  error: AuthError;
  /** An API answered `insufficient_user_authentication` (RFC 9470); pass these to `login()`. */
  stepUpRequired: { url: string; acrValues?: string; maxAge?: number };
  /** An API answered `insufficient_scope`. */
  insufficientScope: { url: string; scope?: string };
}

/** An event name of {@link AuthEvents}. */
export type AuthEventName = keyof AuthEvents;

/**
 * A browser OAuth 2.0 / OpenID Connect client. Create it with {@link createAuthClient}.
 */
export interface AuthClient {
  /**
   * On the callback URL (`redirectUri` with `code` or `error`): validates the response, exchanges
   * the code, validates the ID token, cleans the address bar, and resolves `{ authenticated: true,
   * returnTo }`; rejects with `invalid_response` or `oauth_error` when a callback of a live
   * transaction of this tab fails validation. A stale callback (its `state` unknown, used or
   * expired: the URL reopened, the back button, a restored tab) exchanges nothing, leaves the
   * address bar, emits `error` (`invalid_state`) and continues as a normal page load. Elsewhere:
   * restores the session from another tab, then by silent authorization (then, with
   * `restoreWithRedirect`, one top-level `prompt=none` redirect) and never rejects; failures
   * other than "no session" are `error` events. On the silent page loaded at top level, a stray
   * authorization response is dropped and the user sent on to the app (the promise never
   * settles there). Calling it twice returns the same promise.
   * @see https://www.rfc-editor.org/rfc/rfc9207 (issuer identification)
   * @see https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation
   * @example
   * ```ts
   * const { authenticated, returnTo } = await auth.init();
   * if (returnTo) router.replace(returnTo);
   * ```
   */
  init(): Promise<InitResult>;
  /**
   * Starts Authorization Code + PKCE (S256) with fresh `state` and `nonce` by full-page redirect,
   * through PAR when the server advertises it. `returnTo` must stay on this origin.
   * @see https://www.rfc-editor.org/rfc/rfc7636 (PKCE)
   * @see https://www.rfc-editor.org/rfc/rfc9126 (PAR)
   * @example
   * ```ts
   * await auth.login({ returnTo: location.pathname + location.search });
   * ```
   */
  login(options?: LoginOptions): Promise<void>;
  /**
   * The same login in a popup window; resolves once the session is installed in this tab (and
   * shared with the others), leaving the page where it is. Call it from a click handler: the
   * window opens before the first `await`. The transaction stays in this tab's memory. A step-up
   * (`acrValues`, `maxAge`) keeps the current session until the new one is validated and
   * installed; a popup that comes back with another user starts a new session
   * (`authenticated`). Needs the `popup` option (`spa-auth/popup`) here and on the page at
   * `redirectUri`. Rejects `popup_blocked` (no window could be opened), `popup_closed` (the
   * user closed it, or `logout()` cancelled it), `timeout` (`popupTimeout`), or what a callback
   * rejects with.
   * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.17.2
   * @example
   * ```ts
   * loginButton.onclick = () => auth.loginWithPopup().catch((e) => e.code === 'popup_blocked' && auth.login());
   * ```
   */
  loginWithPopup(options?: PopupLoginOptions): Promise<void>;
  /**
   * The UserInfo claims (OIDC Core §5.3) for the session's access token (Bearer or DPoP). Its
   * `sub` must be the ID token's, else `invalid_response`. Cached until the access token
   * changes. Rejects `login_required` without a session. Needs the `userInfo` option
   * (`spa-auth/userinfo`).
   * @see https://openid.net/specs/openid-connect-core-1_0.html#UserInfo
   * @example
   * ```ts
   * const { email } = await auth.getUserInfo();
   * ```
   */
  getUserInfo(): Promise<User>;
  /**
   * A valid access token, renewed first when it expires within `refreshLeeway`. Concurrent calls,
   * in this tab and in the app's other tabs, share one renewal. Rejects with `login_required`
   * when there is no session.
   * @see https://www.rfc-editor.org/rfc/rfc6749#section-6 (refresh)
   * @example
   * ```ts
   * const token = await auth.getAccessToken();
   * ```
   */
  getAccessToken(options?: GetAccessTokenOptions): Promise<string>;
  /**
   * `fetch` with the same signature and semantics that attaches the access token (and a DPoP
   * proof) only for `apiOrigins`, never across a redirect, and renews and retries once on a
   * 401 `invalid_token`. A request that already has an `Authorization` header is sent as is.
   * @see https://www.rfc-editor.org/rfc/rfc6750#section-3 (WWW-Authenticate)
   * @see https://www.rfc-editor.org/rfc/rfc9470 (step-up)
   * @example
   * ```ts
   * const res = await auth.fetch('https://api.example.com/orders', { method: 'POST', body });
   * ```
   */
  fetch(input: Request | string | URL, init?: RequestInit): Promise<Response>;
  /**
   * Ends the session in every tab, revokes the refresh token, and redirects to the server's
   * end-session endpoint with `id_token_hint` (unless `localOnly`).
   * @see https://www.rfc-editor.org/rfc/rfc7009 (revocation)
   * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html
   * @example
   * ```ts
   * await auth.logout();
   * ```
   */
  logout(options?: LogoutOptions): Promise<void>;
  /** Subscribes to an event; returns the unsubscribe function. */
  on<K extends AuthEventName>(event: K, listener: (payload: AuthEvents[K]) => void): () => void;
  /**
   * Calls `listener()` after each change of {@link AuthClient.getSnapshot}'s snapshot: a session
   * started (callback, another tab, silent authorization), renewed, expired or ended (here or in
   * another tab), `init()` settled, or the client destroyed. Returns the unsubscribe function.
   * Listeners run before the app's `on()` listeners of the same change; one that throws is
   * reported and never stops the others. Needs no `this`: pass it on as it is.
   * @see https://react.dev/reference/react/useSyncExternalStore
   * @example
   * ```ts
   * const user = useSyncExternalStore(auth.subscribe, auth.getSnapshot).user; // React
   * ```
   */
  subscribe(listener: () => void): () => void;
  /**
   * The session as a frozen {@link AuthSnapshot}. Repeated calls return the same object until a
   * field changes, as React's `useSyncExternalStore` requires. Needs no `this`.
   * @example
   * ```ts
   * const unsubscribe = auth.subscribe(() => render(auth.getSnapshot()));
   * ```
   */
  getSnapshot(): AuthSnapshot;
  /** Stops timers and listeners; the client is unusable afterwards. */
  destroy(): void;
  /** Whether this tab holds a session (tokens may still need renewal; see `expiresAt`). */
  readonly isAuthenticated: boolean;
  /** The validated ID token claims of the session, or `undefined` without one. */
  readonly user: User | undefined;
  /**
   * Access-token expiry, epoch milliseconds on this device's clock (comparable with
   * `Date.now()`), even when that clock is off from the provider's.
   */
  readonly expiresAt: number | undefined;
}
