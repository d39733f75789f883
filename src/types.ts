/**
 * Public types of spa-auth. Behaviour is documented on {@link AuthClient} and in the README.
 * @module
 */
import type { AuthError } from './errors.js';

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
  fetch?: typeof fetch;
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
  /** The `returnTo` given to `login()`, when this page was its callback. */
  returnTo?: string;
}

/** Validated ID token claims. */
export interface User {
  /** The subject: the provider's identifier for the user. */
  readonly sub: string;
  readonly [claim: string]: unknown;
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
  /** A background failure, e.g. a refresh that will be retried. */
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
   * returnTo }`; rejects with `invalid_state`, `invalid_response` or `oauth_error` when the callback
   * fails validation. Elsewhere: restores the session from another tab, then by silent
   * authorization (then, with `restoreWithRedirect`, one top-level `prompt=none` redirect) and
   * never rejects. Calling it twice returns the same promise.
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
