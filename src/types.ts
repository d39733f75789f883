/**
 * Public types of spa-auth. Behaviour is documented on {@link AuthClient} and in the README.
 * @module
 */
import type { AuthError } from './errors.js';

// The public types name the platform's fetch types. A project compiled without the DOM library
// and without @types/node (an SSR or worker build with `lib: ["ES2022"]`) has none of them:
// these empty declarations make the names exist there, and merge with the real ones wherever
// the DOM library or @types/node declares them, changing nothing.
declare global {
  interface Request {}
  interface RequestInit {}
  interface Response {}
  interface URL {}
}

/**
 * The signature of the platform's `fetch`, written out so that the declarations do not depend
 * on a global `fetch` value being declared.
 */
export type FetchFunction = (input: Request | string | URL, init?: RequestInit) => Promise<Response>;

/**
 * Options for {@link createAuthClient}. Validated synchronously: a bad value throws
 * `AuthError('invalid_config')` naming the option. Durations are in seconds.
 *
 * @example
 * ```ts
 * const auth = createAuthClient({
 *   issuer: 'https://id.example.com',
 *   clientId: 'my-spa',
 *   redirectUri: 'https://app.example.com/callback',
 *   scope: 'openid profile offline_access',
 *   apiOrigins: ['https://api.example.com'],
 * });
 * ```
 */
export interface AuthClientOptions {
  /** The issuer identifier. Discovered with OIDC discovery, then RFC 8414. Must match the metadata's `issuer` exactly. */
  issuer: string;
  /** The public client's id (a browser app has no secret). */
  clientId: string;
  /** Absolute redirect URI registered at the server; sent unchanged. `https:`, or `http:` on a loopback host only (RFC 9700 §2.6). */
  redirectUri: string;
  /** Space-separated scopes. Default `'openid'`; `openid` is always included. */
  scope?: string;
  /** Where the server sends the browser after logout. Must be absolute. */
  postLogoutRedirectUri?: string;
  /** Origins `auth.fetch` attaches tokens to, matched exactly (scheme, host, port). Default: the page's origin. */
  apiOrigins?: readonly string[];
  /** RFC 8707 resource indicator(s), sent on authorization and token requests. */
  resource?: string | readonly string[];
  /**
   * Extra parameters for every authorization request: login, silent authorization and the
   * restore redirect (e.g. Auth0's `audience`). `login({ extraParams })` adds to them for one
   * login. Protocol parameters, `acr_values` and `max_age` cannot be set, in any letter case.
   * Tabs share a session only with tabs whose `extraParams` are the same.
   * @example `extraParams: { audience: 'https://api.example.com' }`
   */
  extraParams?: Readonly<Record<string, string>>;
  /**
   * Supplies or overrides single values of the discovered metadata (RFC 8414 §2 names), for
   * providers whose discovery leaves one out: Amazon Cognito's `/logout`, Auth0's `/v2/logout`.
   * Every `…_endpoint` and `…_uri` value follows the endpoint rules (`https:`; `http:` only on a
   * loopback host, and only when the issuer is on one); `issuer` cannot be overridden.
   * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
   * @example `metadata: { end_session_endpoint: 'https://auth.example.com/logout?logout_uri=https%3A%2F%2Fapp.example.com%2F' }`
   */
  metadata?: Readonly<Record<string, string | number | boolean | readonly string[]>>;
  /** Seconds before expiry at which the access token is renewed. Default 60. */
  refreshLeeway?: number;
  /** Seconds of clock skew allowed when checking ID token times. Default 30, at most 60 (OIDC Core §3.1.3.7 asks for a small tolerance). */
  clockTolerance?: number;
  /** RFC 9449 sender-constrained tokens. Default false. */
  dpop?: boolean;
  /** Use a hidden iframe with `prompt=none` when there is no refresh token. Default true. */
  silentAuthorization?: boolean;
  /** The page loaded in the silent-authorization iframe. Default `redirectUri`. */
  silentRedirectUri?: string;
  /** Tabs of the origin share one session over BroadcastChannel. Default true. */
  shareSessionAcrossTabs?: boolean;
  /** Last resort on `init()`: a top-level `prompt=none` redirect. Default false. */
  restoreWithRedirect?: boolean;
  /** Seconds before a request to the server is abandoned with `timeout`. Default 15. */
  requestTimeout?: number;
  /** Seconds before silent authorization gives up. Default 10. */
  silentTimeout?: number;
  /** The `fetch` used for every request (tests, instrumentation). Default `globalThis.fetch`. */
  fetch?: FetchFunction;
  /**
   * Popup login, for {@link AuthClient.loginWithPopup}: `import { popup } from 'spa-auth/popup'`.
   * Give it on the page at `redirectUri` too, whose `init()` hands the popup's answer back.
   * The script-tag bundle includes it.
   */
  popup?: PopupSupport;
  /** UserInfo, for {@link AuthClient.getUserInfo}: `import { userInfo } from 'spa-auth/userinfo'`. The script-tag bundle includes it. */
  userInfo?: UserInfoSupport;
}

/** Popup login support, from `spa-auth/popup`; opaque. Pass it as the `popup` option. */
export interface PopupSupport {
  readonly feature: 'popup';
}

/** UserInfo support, from `spa-auth/userinfo`; opaque. Pass it as the `userInfo` option. */
export interface UserInfoSupport {
  readonly feature: 'userinfo';
}

/**
 * Options for {@link AuthClient.login}. Every field may also be `undefined` (same as absent),
 * so a `stepUpRequired` payload can be passed on as it is.
 */
export interface LoginOptions {
  /** Same-origin path to return to after login (resolved against the page); anything else is refused. */
  returnTo?: string | undefined;
  /** OIDC `prompt`, e.g. `'login'`, `'consent'`, `'select_account'`. */
  prompt?: string | undefined;
  /** OIDC `login_hint`. */
  loginHint?: string | undefined;
  /** OIDC `acr_values`, space-separated (as given by a `stepUpRequired` event). */
  acrValues?: string | undefined;
  /** OIDC `max_age` in seconds; `auth_time` is then checked. */
  maxAge?: number | undefined;
  /** Extra authorization request parameters. Protocol parameters the SDK sets cannot be overridden. */
  extraParams?: Readonly<Record<string, string>> | undefined;
  /**
   * Any JSON value of at most 4,096 bytes once serialised (UTF-8 `JSON.stringify`), handed back
   * by `init()` on the callback page as `appState`. It stays in this tab's one-shot login
   * transaction and is never sent to the provider (`state` stays random). Anything larger, or
   * that `JSON.stringify` cannot serialise, is refused with `invalid_config`.
   * @example `auth.login({ appState: { cart: 42 } })` then `const { appState } = await auth.init()`
   */
  appState?: unknown;
}

/**
 * Options for {@link AuthClient.loginWithPopup}: those of `login()` but `returnTo` and
 * `appState` (the page stays where it is), plus `popupTimeout`.
 */
export interface PopupLoginOptions extends Omit<LoginOptions, 'returnTo' | 'appState'> {
  /** Seconds before an unfinished popup is given up (`timeout`) and closed. Default 300, at most 3600. */
  popupTimeout?: number | undefined;
}

/** Options for {@link AuthClient.logout}. */
export interface LogoutOptions {
  /** Clear the session here and in every tab, revoke, but do not redirect to the server. */
  localOnly?: boolean;
}

/** Options for {@link AuthClient.getAccessToken}. */
export interface GetAccessTokenOptions {
  /** Renew even if the current token is still valid. */
  forceRefresh?: boolean;
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
