/**
 * Validates and normalises {@link AuthClientOptions} once, synchronously, into a frozen
 * config. Every default lives here. A bad option throws `AuthError('invalid_config')` naming it.
 * @module
 */
import { authError } from './errors.js';
import type { AuthClientOptions } from './types.js';
import { isLoopback, parseUrl } from './url.js';

/** Defaults of the plain-valued options; a given value must have the default's type. */
const DEFAULTS = {
  scope: 'openid',
  refreshLeeway: 60,
  clockTolerance: 30,
  requestTimeout: 15,
  silentTimeout: 10,
  dpop: false,
  silentAuthorization: true,
  shareSessionAcrossTabs: true,
  restoreWithRedirect: false,
};

/** The normalised, frozen configuration every part of the client reads. Durations in ms. */
export interface Config {
  readonly issuer: string;
  readonly issuerUrl: URL;
  /** Plain http is tolerated only because the issuer itself is on a loopback host. */
  readonly allowHttp: boolean;
  readonly clientId: string;
  readonly redirectUri: string;
  readonly silentRedirectUri: string;
  readonly postLogoutRedirectUri: string | undefined;
  readonly scope: string;
  readonly apiOrigins: readonly string[];
  readonly resource: readonly string[];
  readonly refreshLeewayMs: number;
  readonly clockTolerance: number;
  readonly dpop: boolean;
  readonly silentAuthorization: boolean;
  readonly shareSessionAcrossTabs: boolean;
  readonly restoreWithRedirect: boolean;
  readonly requestTimeoutMs: number;
  readonly silentTimeoutMs: number;
  readonly fetch: typeof fetch | undefined;
}

const fail = (option: string, expected: string) => authError('invalid_config', `Option "${option}" must be ${expected}`);

/** An absolute http(s) URL without credentials (https unless `loopbackOnly` allows http on loopback). */
function url(value: unknown, option: string, httpsUnlessLoopback?: boolean): URL {
  const u = parseUrl(typeof value === 'string' ? value : undefined);
  if (!u || !/^https?:$/.test(u.protocol) || u.username || u.password || (httpsUnlessLoopback && u.protocol === 'http:' && !isLoopback(u))) {
    throw fail(option, httpsUnlessLoopback ? 'an https URL (http only on a loopback host)' : 'an absolute http(s) URL');
  }
  return u;
}

/**
 * Checks every option and applies defaults. Does no I/O.
 * @throws AuthError `invalid_config`, naming the option
 */
export function resolveConfig(options: AuthClientOptions, pageOrigin: string | undefined): Config {
  const o = { ...DEFAULTS, ...options };
  for (const [name, fallback] of Object.entries(DEFAULTS)) {
    const value = o[name as keyof typeof DEFAULTS];
    const max = name === 'clockTolerance' ? 300 : 3600;
    if (typeof value !== typeof fallback || (typeof value === 'number' && !(value >= 0 && value <= max)) || value === '') {
      throw fail(name, typeof fallback === 'number' ? `a number of seconds from 0 to ${max}` : `a ${typeof fallback}`);
    }
  }
  const issuerUrl = url(o.issuer, 'issuer', true);
  if (issuerUrl.search || issuerUrl.hash) throw fail('issuer', 'without query or fragment');
  if (typeof o.clientId !== 'string' || !o.clientId) throw fail('clientId', 'a string');
  const redirectUri = url(o.redirectUri, 'redirectUri').href;
  const apiOrigins = o.apiOrigins ?? (pageOrigin ? [pageOrigin] : []);
  if (!Array.isArray(apiOrigins)) throw fail('apiOrigins', 'an array');
  const resource = [o.resource ?? []].flat();
  // RFC 8707 §2: absolute URIs without a fragment.
  for (const r of resource) if (!parseUrl(r)?.protocol || r.includes('#')) throw fail('resource', 'absolute URIs');
  if (o.fetch !== undefined && typeof o.fetch !== 'function') throw fail('fetch', 'a function');
  return Object.freeze({
    ...o,
    issuerUrl,
    allowHttp: isLoopback(issuerUrl),
    redirectUri,
    silentRedirectUri: o.silentRedirectUri === undefined ? redirectUri : url(o.silentRedirectUri, 'silentRedirectUri').href,
    postLogoutRedirectUri: o.postLogoutRedirectUri && url(o.postLogoutRedirectUri, 'postLogoutRedirectUri').href,
    scope: [...new Set(['openid', ...(o.scope.match(/\S+/g) ?? [])])].join(' '),
    // Tokens never travel over plain http, except to a loopback host (development).
    apiOrigins: apiOrigins.map((a: unknown) => {
      const u = url(a, 'apiOrigins', true);
      if (u.href !== `${u.origin}/`) throw fail('apiOrigins', 'origins (scheme, host, port)');
      return u.origin;
    }),
    resource,
    refreshLeewayMs: o.refreshLeeway * 1000,
    requestTimeoutMs: o.requestTimeout * 1000 || 15_000,
    silentTimeoutMs: o.silentTimeout * 1000 || 10_000,
    fetch: o.fetch,
  });
}
