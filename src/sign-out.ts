/**
 * Ending a session at the authorization server: RFC 7009 token revocation, and the
 * RP-initiated logout URL (OpenID Connect RP-Initiated Logout 1.0).
 *
 * @see https://www.rfc-editor.org/rfc/rfc7009
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html
 * @module
 */
import * as oauth from 'oauth4webapi';
import type { Config } from './config.js';
import { AuthError, toAuthError } from './errors.js';
import type { Tokens } from './session.js';
import { checkUrl, withParams } from './url.js';

/** What a revocation request needs. */
export interface RevocationContext {
  clientId: string;
  /** oauth4webapi's request options: its custom fetch sends the request. */
  http: { [oauth.customFetch]: (url: string, init: RequestInit) => Promise<Response> };
  allowHttp: boolean;
}

/**
 * RFC 7009 revocation of the refresh token, else the access token. Never rejects: resolves the
 * failure (the token may still be valid), or undefined when revoked or when the server has no
 * revocation endpoint. §2.1: revoking the refresh token also invalidates its access tokens, and
 * servers that issue JWT access tokens refuse to revoke those. §2.2: success is a 200. A failure
 * is handed back for the app to hear of (some servers demand client authentication here).
 * @example
 * ```ts
 * const failed = await revokeToken(as, tokens, { clientId, http, allowHttp: false });
 * ```
 */
export async function revokeToken(
  as: oauth.AuthorizationServer,
  tokens: Pick<Tokens, 'accessToken' | 'refreshToken'>,
  { clientId, http, allowHttp }: RevocationContext,
): Promise<AuthError | undefined> {
  if (!as.revocation_endpoint) return undefined;
  const { refreshToken, accessToken } = tokens;
  const where = String(as.revocation_endpoint).replace(/[?#].*$/, '');
  const which = refreshToken ? 'refresh' : 'access';
  try {
    const res = await http[oauth.customFetch](checkUrl(as.revocation_endpoint, 'revocation_endpoint', allowHttp).href, {
      method: 'POST',
      body: new URLSearchParams({
        client_id: clientId,
        token: refreshToken ?? accessToken,
        token_type_hint: `${which}_token`,
      }),
    });
    if (res.status === 200) return undefined;
    const body = (await res.json().catch(() => ({}))) as { error?: unknown; error_description?: unknown };
    const code = typeof body.error === 'string' ? 'oauth_error' : 'invalid_response';
    return new AuthError(
      code,
      `Revocation at ${where} failed with HTTP ${res.status}: the ${which} token may still be valid`,
      { error: body.error, errorDescription: body.error_description, cause: `HTTP ${res.status}` },
    );
  } catch (err) {
    const e = toAuthError(err, 'network_error');
    return new AuthError(
      e.code,
      `Revocation at ${where} failed (${e.cause ?? e.code}): the ${which} token may still be valid`,
      { cause: e.cause ?? e.code },
    );
  }
}

/**
 * The end-session URL, with `id_token_hint` and `post_logout_redirect_uri` when known;
 * undefined when the server has no end-session endpoint.
 * @example
 * ```ts
 * const url = endSessionUrl(as, tokens.idToken, config);
 * ```
 */
export function endSessionUrl(
  as: oauth.AuthorizationServer,
  idTokenHint: string | undefined,
  config: Pick<Config, 'clientId' | 'allowHttp' | 'postLogoutRedirectUri'>,
): URL | undefined {
  if (!as.end_session_endpoint) return undefined;
  const url = checkUrl(as.end_session_endpoint, 'end_session_endpoint', config.allowHttp);
  const params = new URLSearchParams({ client_id: config.clientId });
  if (idTokenHint) params.set('id_token_hint', idTokenHint);
  if (config.postLogoutRedirectUri) params.set('post_logout_redirect_uri', config.postLogoutRedirectUri);
  return withParams(url, params);
}
