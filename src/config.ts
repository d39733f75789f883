/**
 * Validates and normalises {@link AuthClientOptions} once, synchronously, into a frozen
 * config. Every default lives here. A bad option throws `AuthError('invalid_config')` naming it.
 * @module
 */
import { authError } from './errors.js';
import type { AuthClientOptions } from './types.js';
import { isLoopback, parseUrl } from './url.js';

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

const fail = (option: string, why: string) => authError('invalid_config', `Option "${option}" ${why}`);

function str(value: unknown, option: string): string {
  if (typeof value !== 'string' || !value.trim()) throw fail(option, 'must be a non-empty string');
  return value;
}

function absoluteUrl(value: unknown, option: string): URL {
  const url = parseUrl(str(value, option));
  if (!url || !/^https?:$/.test(url.protocol) || url.username || url.password) {
    throw fail(option, 'must be an absolute http(s) URL');
  }
  return url;
}

function seconds(value: unknown, option: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > max) {
    throw fail(option, `must be a number of seconds between 0 and ${max}`);
  }
  return value;
}

function bool(value: unknown, option: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw fail(option, 'must be a boolean');
  return value;
}

/**
 * Checks every option and applies defaults. Does no I/O.
 * @throws AuthError `invalid_config`, naming the option
 */
export function resolveConfig(options: AuthClientOptions, pageOrigin: string | undefined): Config {
  if (typeof options !== 'object' || options === null) throw fail('options', 'must be an object');
  const issuerUrl = absoluteUrl(options.issuer, 'issuer');
  if (issuerUrl.search || issuerUrl.hash) throw fail('issuer', 'must not have a query or fragment');
  const allowHttp = isLoopback(issuerUrl);
  if (issuerUrl.protocol === 'http:' && !allowHttp) throw fail('issuer', 'must use https (http only on a loopback host)');
  const redirectUri = absoluteUrl(options.redirectUri, 'redirectUri').href;
  const scopes = new Set((options.scope === undefined ? 'openid' : str(options.scope, 'scope')).split(/\s+/).filter(Boolean));
  scopes.add('openid');
  const origins = options.apiOrigins ?? (pageOrigin ? [pageOrigin] : []);
  if (!Array.isArray(origins)) throw fail('apiOrigins', 'must be an array of origins');
  const apiOrigins = origins.map((o: unknown) => {
    const url = absoluteUrl(o, 'apiOrigins');
    // Tokens never travel over plain http, except to a loopback host (development).
    if (url.href !== url.origin + '/' || (url.protocol === 'http:' && !isLoopback(url))) {
      throw fail('apiOrigins', 'must hold https origins only (scheme, host, port)');
    }
    return url.origin;
  });
  const resource = options.resource === undefined ? [] : [options.resource].flat();
  // RFC 8707 §2: an absolute URI without a fragment.
  for (const r of resource) if (!parseUrl(r)?.protocol || parseUrl(r)?.hash || typeof r !== 'string') throw fail('resource', 'must be absolute URIs without a fragment');
  if (options.fetch !== undefined && typeof options.fetch !== 'function') throw fail('fetch', 'must be a function');
  return Object.freeze({
    issuer: str(options.issuer, 'issuer'),
    issuerUrl,
    allowHttp,
    clientId: str(options.clientId, 'clientId'),
    redirectUri,
    silentRedirectUri: options.silentRedirectUri === undefined ? redirectUri : absoluteUrl(options.silentRedirectUri, 'silentRedirectUri').href,
    postLogoutRedirectUri:
      options.postLogoutRedirectUri === undefined ? undefined : absoluteUrl(options.postLogoutRedirectUri, 'postLogoutRedirectUri').href,
    scope: [...scopes].join(' '),
    apiOrigins: Object.freeze(apiOrigins),
    resource: Object.freeze(resource),
    refreshLeewayMs: seconds(options.refreshLeeway, 'refreshLeeway', 60, 3600) * 1000,
    clockTolerance: seconds(options.clockTolerance, 'clockTolerance', 30, 300),
    dpop: bool(options.dpop, 'dpop', false),
    silentAuthorization: bool(options.silentAuthorization, 'silentAuthorization', true),
    shareSessionAcrossTabs: bool(options.shareSessionAcrossTabs, 'shareSessionAcrossTabs', true),
    restoreWithRedirect: bool(options.restoreWithRedirect, 'restoreWithRedirect', false),
    requestTimeoutMs: seconds(options.requestTimeout, 'requestTimeout', 15, 300) * 1000 || 15_000,
    silentTimeoutMs: seconds(options.silentTimeout, 'silentTimeout', 10, 300) * 1000 || 10_000,
    fetch: options.fetch,
  });
}
