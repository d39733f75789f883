/**
 * The UserInfo endpoint (OIDC Core §5.3), an opt-in import (`spa-auth/userinfo`): apps that
 * never call `getUserInfo()` do not carry it. The request goes to the discovered
 * `userinfo_endpoint` with the session's access token in the `Authorization` header (Bearer, or
 * DPoP with a proof), through the SDK's transport (timeout, size cap, no redirect, no Referer).
 * The answer must be JSON, or a JWT whose signature is checked against the provider's keys, and
 * its `sub` must be the ID token's (§5.3.4), else none of it is used. It is kept in memory until
 * the access token changes.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#UserInfo
 * @module
 */
import * as oauth from 'oauth4webapi';
import { must, toAuthError } from './errors.js';
import type { UserInfoFeature, FeatureHost } from './features.js';
import { cappedFetch } from './http.js';
import type { Metadata } from './protocol.js';
import type { User, UserInfoSupport } from './types.js';
import { checkUrl } from './url.js';

/** One request to the UserInfo endpoint, checked; with DPoP, retried once with the server's nonce (RFC 9449 §9). */
async function request(host: FeatureHost, as: Metadata, accessToken: string, sub: string): Promise<User> {
  const { config } = host;
  const client: oauth.Client = { client_id: config.clientId, [oauth.clockTolerance]: config.clockTolerance };
  const dpop = host.dpop();
  const http = {
    // A GET: the body oauth4webapi passes is always null, which the transport takes.
    [oauth.customFetch]: cappedFetch(config.fetch, config.requestTimeout * 1000 || 15_000) as (
      url: string,
      init: oauth.CustomFetchOptions<string, oauth.ProtectedResourceRequestBody>,
    ) => Promise<Response>,
    [oauth.allowInsecureRequests]: config.allowHttp,
    ...(dpop && { DPoP: dpop.handle }),
  };
  const url = checkUrl(as.userinfo_endpoint, 'userinfo_endpoint', config.allowHttp);
  const once = async () => {
    // What oauth4webapi's userInfoRequest sends, to the endpoint checked above.
    const headers = new Headers({ accept: 'application/json, application/jwt' });
    const res = await oauth.protectedResourceRequest(accessToken, 'GET', url, headers, null, http);
    const claims = await oauth.processUserInfoResponse(as, client, sub, res);
    // A signed answer: oauth4webapi checked its claims; the signature is checked here.
    if (/^application\/jwt\s*(;|$)/i.test(res.headers.get('content-type') ?? ''))
      await oauth.validateApplicationLevelSignature(as, res, http);
    return claims as User;
  };
  try {
    try {
      return await once();
    } catch (err) {
      if (dpop && oauth.isDPoPNonceError(err)) return await once(); // RFC 9449 §8: once more, with the server's nonce
      throw err;
    }
  } catch (err) {
    throw toAuthError(err);
  }
}

/**
 * The UserInfo of the session, cached per access token: concurrent calls share one request,
 * and a new access token (renewal, new login) means a new request.
 */
function createUserInfo(host: FeatureHost): () => Promise<User> {
  let cached: { token: string; claims: Promise<User> } | undefined;
  return async () => {
    const token = await host.getAccessToken();
    const sub = host.user()?.sub;
    must(sub, 'no session: log in first', 'login_required');
    if (cached?.token !== token) {
      const claims = host.protocol
        .discover()
        .then((as) => {
          must(as.userinfo_endpoint, "the provider's discovery document has no userinfo_endpoint", 'invalid_config');
          return request(host, as, token, sub);
        })
        .then((claims) => Object.freeze(claims));
      const entry = { token, claims };
      cached = entry;
      // A failure is not kept: the next call asks again.
      claims.catch(() => cached === entry && (cached = undefined));
    }
    return cached.claims;
  };
}

/**
 * UserInfo support: pass it to `createAuthClient` as the `userInfo` option, then call
 * `auth.getUserInfo()`. The script-tag bundle includes it already.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#UserInfoResponse (§5.3.4: same `sub`)
 * @example
 * ```ts
 * import { createAuthClient } from 'spa-auth';
 * import { userInfo } from 'spa-auth/userinfo';
 * const auth = createAuthClient({ issuer, clientId, redirectUri, userInfo });
 * const { email } = await auth.getUserInfo();
 * ```
 */
export const userInfo: UserInfoSupport = { feature: 'userinfo', create: createUserInfo } as UserInfoFeature;
