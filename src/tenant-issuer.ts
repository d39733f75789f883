/**
 * Multi-tenant issuers (Microsoft Entra ID's `common` and `organizations`): their discovery
 * names the template `https://login.microsoftonline.com/{tenantid}/v2.0`, and each ID token
 * carries its own tenant's issuer. The template is accepted only for a configured issuer that
 * is that same template with `common` or `organizations` in the tenant's place; an ID token's
 * `iss` must then equal the template filled with the token's own `tid` (a GUID), as MSAL
 * checks it. Never a wildcard: one tenant's token never passes for another's.
 *
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfigurationValidation
 * @see https://learn.microsoft.com/entra/identity-platform/id-token-claims-reference
 * @module
 */

const TENANT = '{tenantid}';
const GUID = /^[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}$/i;

/**
 * True when `discovered` is the multi-tenant template of `configured`: the same string, with
 * `{tenantid}` as a whole path segment where `configured` has `common` or `organizations`.
 * @example
 * ```ts
 * isTenantTemplate('https://login.microsoftonline.com/organizations/v2.0', 'https://login.microsoftonline.com/{tenantid}/v2.0'); // true
 * ```
 */
export function isTenantTemplate(configured: string, discovered: unknown): boolean {
  const [before, after, more] = typeof discovered === 'string' ? discovered.split(TENANT) : [];
  return (
    more === undefined &&
    after !== undefined &&
    /\/$/.test(before!) &&
    /^\//.test(after) &&
    [`${before}common${after}`, `${before}organizations${after}`].includes(configured)
  );
}

/**
 * The issuer an ID token from a multi-tenant `template` must carry: the template filled with
 * the token's own `tid`. A `tid` that is not a GUID string yields a value no token can match.
 * @example
 * ```ts
 * tenantIssuer('https://login.microsoftonline.com/{tenantid}/v2.0', { tid: '9188040d-6c67-4c5b-b112-36a304b66dad' });
 * ```
 */
export function tenantIssuer(template: string, claims: { tid?: unknown }): string {
  const { tid } = claims;
  // A string only: an array holding one GUID stringifies to that GUID.
  return typeof tid === 'string' && GUID.test(tid) ? template.replace(TENANT, tid) : '\0tid missing or not a GUID';
}
