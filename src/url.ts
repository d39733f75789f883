/**
 * URL rules in one place: which endpoints may be called or navigated to, which origins get
 * tokens, which `returnTo` values are safe, and how the callback is read and removed from the
 * address bar.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.11.1 (open redirectors)
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-browser-based-apps#section-7.2.1
 * @module
 */
import { authError } from './errors.js';

/** True for 127.0.0.0/8, [::1] and localhost: the only hosts where plain http is tolerated. */
export function isLoopback(url: URL): boolean {
  const host = url.hostname;
  return host === 'localhost' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** Parses an absolute URL, or returns undefined. */
export function parseUrl(value: unknown, base?: string): URL | undefined {
  try {
    return typeof value === 'string' || value instanceof URL ? new URL(value, base) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Checks an endpoint the SDK will call or navigate to: `https:`, or `http:` on a loopback host
 * when `allowHttp` (the issuer itself is on loopback). Anything else (`javascript:`, `data:`,
 * `blob:`, plain http elsewhere) is refused with `invalid_response`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-2.6
 */
export function checkEndpoint(value: unknown, name: string, allowHttp: boolean): URL {
  const url = parseUrl(value);
  if (!url || !(url.protocol === 'https:' || (url.protocol === 'http:' && allowHttp && isLoopback(url))) || url.username || url.password) {
    throw authError('invalid_response', `The server metadata ${name} is not an allowed https URL`);
  }
  return url;
}

/**
 * Resolves a `returnTo` against the page and keeps it only when it stays on the page's origin;
 * returns the path + query + fragment. Throws `invalid_config` otherwise.
 */
export function sameOriginPath(value: string, origin: string): string {
  const url = parseUrl(value, origin);
  if (!url || url.origin !== origin || !/^https?:$/.test(url.protocol) || /^[/\\]{2}/.test(value)) {
    throw authError('invalid_config', 'returnTo must be a path on this origin');
  }
  return url.pathname + url.search + url.hash;
}

/** The authorization response parameters that are removed from the address bar after a callback. */
const CALLBACK_PARAMS = ['code', 'state', 'iss', 'session_state', 'error', 'error_description', 'error_uri'];

/**
 * Reads an authorization response from a URL's query (never its fragment: the SDK asks for
 * `response_mode=query`). A response has `state` and either `code` or `error`.
 */
export function readCallback(href: string): URLSearchParams | undefined {
  const params = parseUrl(href)?.searchParams;
  return params && params.has('state') && (params.has('code') || params.has('error')) ? params : undefined;
}

/** True when `href` is the page `redirectUri` names (same origin and path). */
export function isRedirectTarget(href: string, redirectUri: string): boolean {
  const here = parseUrl(href);
  const target = parseUrl(redirectUri);
  return !!here && !!target && here.origin === target.origin && here.pathname === target.pathname;
}

/**
 * Removes the OAuth parameters and any fragment from the address bar with
 * `history.replaceState`, so reload and back never replay the callback.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-browser-based-apps#section-7.2.1
 */
export function cleanAddressBar(win: Pick<Window, 'location' | 'history'>): void {
  const url = new URL(win.location.href);
  for (const name of CALLBACK_PARAMS) url.searchParams.delete(name);
  url.hash = '';
  win.history.replaceState(win.history.state, '', url.href);
}
