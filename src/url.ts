/**
 * URL rules in one place: which endpoints may be called or navigated to, which origins get
 * tokens, which `returnTo` values are safe, and how the callback is read and removed from the
 * address bar.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.11.1 (open redirectors)
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-browser-based-apps#section-7.2.1
 * @module
 */
import { must, type AuthErrorCode } from './errors.js';

/** True for 127.0.0.0/8, [::1] and localhost: the only hosts where plain http is tolerated. */
export function isLoopback(url: URL): boolean {
  return /^(localhost|\[::1\]|127(\.\d{1,3}){3})$/.test(url.hostname);
}

/** Parses an absolute URL string (relative to `base` when given), or returns undefined. */
export function parseUrl(value: unknown, base?: string): URL | undefined {
  try {
    return typeof value === 'string' ? new URL(value, base) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Checks a URL the SDK will call, navigate to, or send tokens to: absolute, no credentials,
 * `https:`; `http:` only on a loopback host, and only when `loopback` allows it. Anything
 * else (`javascript:`, `data:`, `blob:`, plain http elsewhere) is refused with `code`, naming `name`
 * and the rule (a missing value: "required"), with the origin and path of a refused URL.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-2.6
 * @example
 * ```ts
 * checkUrl(as.token_endpoint, 'token_endpoint', allowHttp); // invalid_response
 * ```
 */
export function checkUrl(value: unknown, name: string, loopback: boolean, code?: AuthErrorCode): URL {
  const url = parseUrl(value);
  const http = url?.protocol === 'http:';
  must(value !== undefined && value !== '', `${name} is required: an absolute https: URL.`, code);
  must(
    url,
    `${name} must be an absolute URL such as https://id.example.com; got ${typeof value === 'string' ? JSON.stringify(value.slice(0, 100)) : typeof value}.`,
    code,
  );
  must(!url.username && !url.password, `${name} must not contain a user name or password.`, code);
  must(
    url.protocol === 'https:' || (http && loopback && isLoopback(url)),
    `${name} must use https: (${http ? url.origin + url.pathname : url.protocol} is not allowed). http: is allowed only on a loopback host (localhost, 127.0.0.1, [::1])${loopback ? '' : ' when the issuer is on one too'}, for development.`,
    code,
  );
  return url;
}

/**
 * Resolves a `returnTo` against the page and keeps it only when it stays on the page's origin;
 * returns the path + query + fragment, which is itself same-origin: dot segments can turn a
 * path into `//host/...` (`/.//evil.example` → `//evil.example`), so leading slashes collapse
 * to one. Undefined otherwise (`javascript:`, another host).
 */
export function originPath(value: string, origin: string): string | undefined {
  const url = parseUrl(value, origin);
  return url?.origin === origin && /^https?:$/.test(url.protocol) && !/^[/\\]{2}/.test(value)
    ? url.pathname.replace(/^\/+/, '/') + url.search + url.hash
    : undefined;
}

/** {@link originPath}, for a `returnTo` the app gives: throws `invalid_config` when it leaves the page's origin. */
export function sameOriginPath(value: string, origin: string): string {
  const path = originPath(value, origin);
  must(
    path !== undefined,
    "returnTo must be a path or URL on this page's origin: spa-auth never sends the user elsewhere after login.",
    'invalid_config',
  );
  return path;
}

/** True when `href` is the page `redirectUri` names (same origin and path). */
export function isRedirectTarget(href: string, redirectUri: string): boolean {
  const here = parseUrl(href);
  const target = parseUrl(redirectUri);
  return here?.origin === target?.origin && here?.pathname === target?.pathname && !!here;
}

/**
 * Removes the OAuth parameters and any fragment from the address bar with
 * `history.replaceState`, so reload and back never replay the callback. Token parameters a
 * misbehaving server put in the response (which the SDK never reads) go too.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-browser-based-apps#section-7.2.1
 */
export function cleanAddressBar(win: Pick<Window, 'location' | 'history'>): void {
  const url = new URL(win.location.href);
  for (const name of [
    'code',
    'state',
    'iss',
    'session_state',
    'error',
    'error_description',
    'error_uri',
    'access_token',
    'id_token',
    'refresh_token',
    'token',
  ])
    url.searchParams.delete(name);
  url.hash = '';
  win.history.replaceState(win.history.state, '', url.href);
}

/** RFC 6749 §3.1: an endpoint's own query is kept; our parameters replace same-named ones. */
export function withParams(url: URL, params: URLSearchParams): URL {
  const query = url.searchParams;
  params.forEach((_, name) => query.delete(name));
  params.forEach((value, name) => query.append(name, value));
  return url;
}
