/**
 * The options of spa-auth's public API: the client's (checked once, by the config module) and
 * those of its methods. Re-exported by the public types module.
 * @module
 */

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
  /**
   * RFC 9449 sender-constrained tokens: `import { dpop } from 'spa-auth/dpop'` and pass it here.
   * Default: off (Bearer tokens). The script-tag bundle includes it, so `dpop: true` works there.
   * @see https://www.rfc-editor.org/rfc/rfc9449
   */
  dpop?: DPoPSupport | false;
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

/** DPoP support, from `spa-auth/dpop`; opaque. Pass it as the `dpop` option. */
export interface DPoPSupport {
  readonly feature: 'dpop';
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
