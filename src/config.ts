/**
 * Validates and normalises {@link AuthClientOptions} once, synchronously, into a frozen
 * config. Every default lives here. A bad option throws `AuthError('invalid_config')` naming it.
 * @module
 */
import { must } from './errors.js';
import { checkOptionNames } from './option-names.js';
import type { AuthClientOptions, DPoPSupport, PopupSupport, UserInfoSupport } from './types.js';
import { checkUrl, isLoopback, parseUrl } from './url.js';

/**
 * The plain-valued options and their defaults: a given value must have the default's type, and
 * a string must not be empty.
 */
const DEFAULTS = {
  scope: 'openid',
  refreshLeeway: 60,
  clockTolerance: 30,
  requestTimeout: 15,
  silentTimeout: 10,
  silentAuthorization: true,
  shareSessionAcrossTabs: true,
  restoreWithRedirect: false,
};

/** The normalised, frozen configuration every part of the client reads. Durations in seconds, as given. */
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
  readonly extraParams: Readonly<Record<string, string>>;
  /** Metadata values that replace or add to the discovered ones, already checked. */
  readonly metadata: Readonly<Record<string, unknown>>;
  /**
   * Tabs share a session (channel and locks) only with tabs of the same issuer, client and
   * token settings: a DPoP tab never takes a Bearer session, nor a tab for other resources or scopes.
   */
  readonly tabKey: string;
  readonly refreshLeeway: number;
  readonly clockTolerance: number;
  /** DPoP support (spa-auth/dpop); undefined: Bearer tokens. */
  readonly dpop?: DPoPSupport | undefined;
  readonly silentAuthorization: boolean;
  readonly shareSessionAcrossTabs: boolean;
  readonly restoreWithRedirect: boolean;
  /** Seconds; 0 means the default. */
  readonly requestTimeout: number;
  /** Seconds; 0 means the default. */
  readonly silentTimeout: number;
  readonly fetch?: typeof fetch | undefined;
  readonly popup?: PopupSupport | undefined;
  readonly userInfo?: UserInfoSupport | undefined;
}

const check = (ok: unknown, option: string, expected: string) =>
  must(ok, `${option} must be ${expected}.`, 'invalid_config');

/** Every URL option: absolute, no credentials, https, or plain http on a loopback host (development). */
const url = (value: unknown, option: string) => checkUrl(value, option, true, 'invalid_config');

/**
 * The `metadata` option: an object of JSON values; never `issuer` (the issuer check is the
 * point of discovery); every `…_endpoint` and `…_uri` under the endpoint URL rules.
 */
function checkMetadata(value: unknown, allowHttp: boolean): Record<string, unknown> {
  check(
    value === undefined || Object.prototype.toString.call(value) === '[object Object]',
    'metadata',
    'an object of metadata values',
  );
  const metadata = { ...(value as Record<string, unknown>) };
  check(!('issuer' in metadata), 'metadata.issuer', 'unset (the issuer option is checked against discovery)');
  for (const [name, v] of Object.entries(metadata)) {
    if (/_(endpoint|uri)$/.test(name)) checkUrl(v, `metadata.${name}`, allowHttp, 'invalid_config');
    else
      check(
        ['string', 'number', 'boolean'].includes(typeof v) ||
          (Array.isArray(v) && v.every((x) => typeof x === 'string')),
        `metadata.${name}`,
        'a string, number, boolean or string array',
      );
  }
  return metadata;
}

/** Every plain-valued option has its default's type (a number within range, a string not empty). */
function checkPlainOptions(options: typeof DEFAULTS): void {
  for (const [name, fallback] of Object.entries(DEFAULTS)) {
    const value: unknown = options[name as keyof typeof DEFAULTS];
    const type = typeof fallback;
    const max = name === 'clockTolerance' ? 60 : 3600;
    const inRange = type !== 'number' || ((value as number) >= 0 && (value as number) <= max);
    check(
      typeof value === type && value !== '' && inRange,
      name,
      type === 'number' ? `0 to ${max} seconds` : `a non-empty ${type}`,
    );
  }
}

/** `apiOrigins` (default: the page's origin): origins only, https or loopback http. */
function checkApiOrigins(value: unknown, pageOrigin: string | undefined): string[] {
  const apiOrigins: unknown = value ?? (pageOrigin ? [pageOrigin] : []);
  check(Array.isArray(apiOrigins), 'apiOrigins', "an array of origins, such as ['https://api.example.com']");
  // Tokens never travel over plain http, except to a loopback host (development).
  return (apiOrigins as unknown[]).map((a) => {
    const u = url(a, 'apiOrigins');
    check(
      u.href === `${u.origin}/`,
      'apiOrigins',
      `origins (scheme, host and port), without a path: ${u.origin}, not ${u.origin + u.pathname}`,
    );
    return u.origin;
  });
}

/** The opt-in features: the option (also the name its entry exports the value under), and the entry. */
const FEATURES = [
  ['dpop', 'dpop'],
  ['popup', 'popup'],
  ['userInfo', 'userinfo'],
] as const;

/**
 * The opt-in features: absent, or the value their entry exports. `dpop: true` is the
 * script-tag bundle's form: an ES-module app imports DPoP support instead.
 */
function checkFeatures(given: AuthClientOptions): void {
  const dpop: unknown = given.dpop; // a boolean, from JavaScript or the script-tag habit
  must(
    dpop !== true,
    "dpop: true needs DPoP support, imported in an ES-module app: import { dpop } from 'spa-auth/dpop', then pass { dpop } (dpop: true works in the script-tag bundle).",
    'invalid_config',
  );
  for (const [option, entry] of FEATURES) {
    const value: unknown = given[option];
    const feature = typeof value === 'object' && value !== null && 'feature' in value ? value.feature : undefined;
    check(
      value === undefined || (option === 'dpop' && value === false) || feature === entry,
      option,
      `the ${option} value of spa-auth/${entry} (import { ${option} } from 'spa-auth/${entry}')`,
    );
  }
}

/** `extraParams`: an object of strings. */
function checkExtraParams(value: unknown): Record<string, string> {
  const extraParams = { ...(value as Record<string, string> | undefined) };
  const isObject = value === undefined || Object.prototype.toString.call(value) === '[object Object]';
  check(
    isObject && Object.values(extraParams).every((v) => typeof v === 'string'),
    'extraParams',
    'an object of strings',
  );
  return extraParams;
}

/**
 * The redirect URIs, checked and normalised: responses never travel over plain http, except on
 * a loopback host.
 */
function checkRedirects(given: AuthClientOptions, pageOrigin: string | undefined) {
  const href = (name: 'redirectUri' | 'silentRedirectUri') => url(given[name], name).href;
  const redirectUri = href('redirectUri');
  // RFC 9700 §4.11.1 (docs/security.md P-06): logout lands on this app, never forwards the user
  // elsewhere: on the page's origin or the redirect URI's (one app served under two host names;
  // a server render, or an opaque origin, has only the latter).
  const postLogout = given.postLogoutRedirectUri
    ? url(given.postLogoutRedirectUri, 'postLogoutRedirectUri')
    : undefined;
  check(
    !postLogout || [pageOrigin, new URL(redirectUri).origin].includes(postLogout.origin),
    'postLogoutRedirectUri',
    "on this page's or redirectUri's origin: logout never sends the user to another site",
  );
  return {
    redirectUri,
    silentRedirectUri: given.silentRedirectUri === undefined ? redirectUri : href('silentRedirectUri'),
    postLogoutRedirectUri: postLogout?.href,
  };
}

/** The three options every client needs, named with what they are when missing; then the plain ones. */
function checkRequired(given: typeof DEFAULTS & AuthClientOptions) {
  must(
    given.clientId !== undefined,
    `clientId is required: the client ID the provider registered for this app${'client_id' in given ? ' (the option is named clientId, not client_id)' : ''}.`,
    'invalid_config',
  );
  check(typeof given.clientId === 'string' && given.clientId !== '', 'clientId', 'a non-empty string');
  checkPlainOptions(given);
  must(
    given.issuer !== undefined,
    `issuer is required: the provider's issuer URL, such as https://id.example.com${'authority' in given || 'domain' in given ? ' (the option is named issuer)' : ''}.`,
    'invalid_config',
  );
  must(
    given.redirectUri !== undefined,
    "redirectUri is required: the URL of this app's page the provider sends the user back to, registered with the provider (for example location.origin + '/callback').",
    'invalid_config',
  );
}

/**
 * Checks every option and applies defaults. Does no I/O.
 * @throws AuthError `invalid_config`, naming the option
 */
export function resolveConfig(options: AuthClientOptions, pageOrigin: string | undefined): Config {
  const given = { ...DEFAULTS, ...options }; // an option given as undefined is refused below, as a wrong type
  checkOptionNames(given);
  checkRequired(given);
  const issuerUrl = url(given.issuer, 'issuer');
  check(!issuerUrl.search && !issuerUrl.hash, 'issuer', 'without query or fragment');
  const allowHttp = isLoopback(issuerUrl);
  const { redirectUri, silentRedirectUri, postLogoutRedirectUri } = checkRedirects(given, pageOrigin);
  const apiOrigins = checkApiOrigins(given.apiOrigins, pageOrigin);
  const resource = [given.resource ?? []].flat();
  // RFC 8707 §2: absolute URIs without a fragment.
  for (const r of resource)
    check(parseUrl(r) && !r.includes('#'), 'resource', 'absolute URIs without a fragment (RFC 8707)');
  check(given.fetch === undefined || typeof given.fetch === 'function', 'fetch', 'a function');
  checkFeatures(given);
  const extraParams = checkExtraParams(given.extraParams);
  const metadata = checkMetadata(given.metadata, allowHttp);
  const scopes = [...new Set(['openid', ...(given.scope.match(/\S+/g) ?? [])])];
  return Object.freeze({
    issuer: given.issuer,
    issuerUrl,
    allowHttp,
    clientId: given.clientId,
    redirectUri,
    silentRedirectUri,
    postLogoutRedirectUri,
    scope: scopes.join(' '),
    apiOrigins,
    resource,
    extraParams,
    metadata,
    // extraParams too: an Auth0 `audience` decides which API a token is for, as `resource` does.
    // JSON, so no value can pass for two fields (a client id with a `|` in it, say).
    tabKey: JSON.stringify([
      given.issuer,
      given.clientId,
      given.dpop ? 'DPoP' : 'Bearer',
      [...scopes].sort(),
      resource,
      Object.entries(extraParams).sort(),
    ]),
    refreshLeeway: given.refreshLeeway,
    clockTolerance: given.clockTolerance,
    dpop: given.dpop || undefined,
    silentAuthorization: given.silentAuthorization,
    shareSessionAcrossTabs: given.shareSessionAcrossTabs,
    restoreWithRedirect: given.restoreWithRedirect,
    requestTimeout: given.requestTimeout,
    silentTimeout: given.silentTimeout,
    fetch: given.fetch,
    popup: given.popup,
    userInfo: given.userInfo,
  });
}
