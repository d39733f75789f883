/**
 * Discovery: the authorization server's metadata, fetched once (RFC 8414, OpenID Connect
 * Discovery), kept in the tab's cache, and validated before use: the exact issuer string (or a
 * multi-tenant template), every endpoint https, PKCE S256 and the code response type.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.3
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfigurationValidation
 * @module
 */
import * as oauth from 'oauth4webapi';
// Two symbols oauth4webapi exports but does not declare (openid-client uses them): skip its
// discovery issuer check (ours is exact), and supply the expected ID token issuer per token.
// @ts-expect-error -- exported, not declared
import { _expectedIssuer, _nodiscoverycheck } from 'oauth4webapi';
import type { Config } from './config.js';
import { must } from './errors.js';
import { discoveryFailed, issuerMismatch } from './protocol-errors.js';
import { isTenantTemplate, tenantIssuer } from './tenant-issuer.js';
import type { MetadataCache } from './transaction.js';
import { checkUrl } from './url.js';

/** Authorization server metadata, validated. */
export type Metadata = oauth.AuthorizationServer;

/** Endpoints every server must have. */
const REQUIRED_ENDPOINTS = ['authorization_endpoint', 'token_endpoint', 'jwks_uri'] as const;
/** Endpoints a server may have: checked when present. */
const OPTIONAL_ENDPOINTS = [
  'revocation_endpoint',
  'end_session_endpoint',
  'pushed_authorization_request_endpoint',
] as const;

/** The handle returned by {@link createDiscovery}. */
export interface Discovery {
  /** The validated metadata: discovered once, shared by all callers; a failure is retried on the next call. */
  discover(): Promise<Metadata>;
  /** Re-validates a metadata snapshot taken by `login()` (the callback page skips discovery). */
  adopt(snapshot: Record<string, unknown>): Metadata;
}

/**
 * RFC 8414 §3.3 / OIDC Discovery §4.3: identical issuer strings; every endpoint https. The
 * `metadata` option's values replace the discovered ones first.
 */
function validate(found: Metadata, config: Pick<Config, 'issuer' | 'metadata' | 'allowHttp'>): Metadata {
  const { issuer, allowHttp } = config;
  const as = { ...found, ...config.metadata } as Metadata;
  // A multi-tenant template (Entra ID's common, organizations): each ID token names its tenant.
  if (as.issuer !== issuer && isTenantTemplate(issuer, as.issuer)) {
    Object.assign(as, {
      [_expectedIssuer as symbol]: (r: { claims: { tid?: unknown } }) => tenantIssuer(as.issuer, r.claims),
    });
  } else
    must(
      as.issuer === issuer,
      issuerMismatch(issuer, as.issuer),
      'invalid_response',
      'the issuer in the metadata differs from the configured one',
    );
  for (const name of REQUIRED_ENDPOINTS) checkUrl(as[name], name, allowHttp);
  for (const name of OPTIONAL_ENDPOINTS) if (as[name] !== undefined) checkUrl(as[name], name, allowHttp);
  must(as.code_challenge_methods_supported?.includes('S256') ?? true, 'no PKCE S256');
  must(as.response_types_supported?.includes('code') ?? true, 'no code response type');
  return as;
}

/**
 * Discovery for one configuration. A cached metadata document is re-validated before use; a
 * bad one is simply rediscovered. `call` translates failures (the protocol's error boundary).
 * @example
 * ```ts
 * const discovery = createDiscovery(config, metadataCache(() => sessionStorage, config.issuer), http, call);
 * const as = await discovery.discover();
 * ```
 */
export function createDiscovery(
  config: Config,
  cache: MetadataCache,
  http: oauth.DiscoveryRequestOptions,
  call: <T>(fn: () => Promise<T>) => Promise<T>,
): Discovery {
  let discovery: Promise<Metadata> | undefined;
  const fetchMetadata = async (): Promise<Metadata> => {
    try {
      return validate(cache.get() as Metadata, config);
    } catch {
      // nothing cached, or not valid for this configuration: discover
    }
    let res = await oauth.discoveryRequest(config.issuerUrl, http);
    if (res.status === 404) res = await oauth.discoveryRequest(config.issuerUrl, { ...http, algorithm: 'oauth2' });
    // The issuer is compared by validate, exactly (or as a tenant template), not by oauth4webapi.
    const found = await oauth.processDiscoveryResponse(_nodiscoverycheck as URL, res);
    const as = validate(found, config);
    cache.set(found); // as discovered: the options may change before it is read again
    return as;
  };
  return {
    discover: () =>
      (discovery ??= call(fetchMetadata).catch((err: unknown) => {
        discovery = undefined;
        throw discoveryFailed(err, config.issuerUrl);
      })),
    adopt(snapshot) {
      const as = validate(snapshot as Metadata, config);
      discovery ??= Promise.resolve(as);
      return as;
    },
  };
}
