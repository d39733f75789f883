/**
 * The messages of the failures a developer meets first when pointing spa-auth at a provider:
 * an issuer that differs from the one the provider names, and a discovery that fails. They
 * name the public values involved (issuers, the discovery URL) and what to change.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-3.3 (identical issuer)
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfigurationValidation
 * @module
 */
import { AuthError, toAuthError } from './errors.js';

/** A server-supplied value, quoted: single-line, at most 200 characters. */
const quote = (value: unknown) =>
  typeof value === 'string'
    ? // eslint-disable-next-line no-control-regex -- control characters are what it removes
      JSON.stringify(value.replace(/[\0-\x1f\x7f]/g, ' ').slice(0, 200))
    : String(typeof value);

/**
 * The message for metadata whose `issuer` is not, character for character, the configured one.
 * @example
 * ```ts
 * must(as.issuer === issuer, issuerMismatch(issuer, as.issuer));
 * ```
 */
export function issuerMismatch(configured: string, discovered: unknown): string {
  const slash = typeof discovered === 'string' && configured.replace(/\/$/, '') === discovered.replace(/\/$/, '');
  return `The provider names its issuer ${quote(discovered)}, but the issuer option is ${quote(configured)}: they must be identical, character for character${
    slash ? ' (here only the trailing slash differs)' : ''
  }. Set issuer to the provider's value.`;
}

/**
 * The discovery document's URL (OpenID Connect Discovery §4), without any query.
 * @example
 * ```ts
 * discoveryUrl(new URL('https://id.example.com/tenant')); // 'https://id.example.com/tenant/.well-known/openid-configuration'
 * ```
 */
export const discoveryUrl = (issuer: URL) =>
  `${issuer.origin}${issuer.pathname.replace(/\/$/, '')}/.well-known/openid-configuration`;

/**
 * Names the discovery URL in a discovery failure that does not name its URL already (network
 * failures and timeouts do, an issuer mismatch names both issuers), and says what to check.
 * @example
 * ```ts
 * discover().catch((err) => { throw discoveryFailed(err, issuerUrl); });
 * ```
 */
export function discoveryFailed(err: unknown, issuerUrl: URL): AuthError {
  const a = toAuthError(err);
  if (a.code === 'network_error' || a.code === 'timeout' || a.message.startsWith('The provider names its issuer'))
    return a;
  return new AuthError(
    a.code,
    `Discovery at ${discoveryUrl(issuerUrl)} failed: ${a.message} Check that issuer is the provider's issuer URL.`,
    { cause: a.cause },
  );
}
