/**
 * Option names developers bring from other libraries (oidc-client-ts, auth0-spa-js, MSAL) or
 * from the OAuth parameters themselves. A near miss is not an error, since the options object
 * may carry the app's own fields too, but it is the first thing to check when the
 * real option then seems missing: a console warning names the option meant, once per name
 * and page. A client secret is refused outright.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.1 (public clients)
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-browser-based-apps#section-6
 * @module
 */
import { AuthError } from './errors.js';

/** The near-miss names and what to write instead. */
const MEANT: Record<string, string> = {
  client_id: 'clientId',
  authority: 'issuer',
  domain: 'issuer (https://your-domain)',
  redirect_uri: 'redirectUri',
  post_logout_redirect_uri: 'postLogoutRedirectUri',
  silent_redirect_uri: 'silentRedirectUri',
  response_type: 'nothing: the flow is always code with PKCE',
  authorizationParams: 'redirectUri, scope and extraParams',
  audience: 'extraParams: { audience }',
  auth: 'clientId, issuer and redirectUri at the top level',
  automaticSilentRenew: 'silentAuthorization',
  useRefreshTokens: 'the offline_access scope',
  cacheLocation: 'nothing: tokens stay in memory',
};

/** Names already warned about on this page. */
const warned = new Set<string>();

/**
 * Refuses a client secret and warns (once per name) about near-miss option names.
 * @throws AuthError `invalid_config` when a client secret is given
 * @example
 * ```ts
 * checkOptionNames({ client_id: 'spa' }); // console.warn: client_id is not an option: use clientId
 * ```
 */
export function checkOptionNames(options: object): void {
  for (const name of ['client_secret', 'clientSecret']) {
    if (name in options) {
      throw new AuthError(
        'invalid_config',
        `${name} must not be given: anyone can read what a page downloads, so a browser app cannot keep a secret. Register it as a public client (no secret) at the provider; PKCE protects the code instead.`,
        { cause: 'a client secret in a public client' },
      );
    }
  }
  for (const name of Object.keys(options)) {
    const meant = Object.hasOwn(MEANT, name) && MEANT[name];
    if (meant && !warned.has(name)) {
      warned.add(name);
      // eslint-disable-next-line no-console -- a developer's typo, said once per page; never a token
      console.warn(`spa-auth: ${name} is not an option; use ${meant}.`);
    }
  }
}
