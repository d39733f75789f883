// A browserless OAuth client (oauth4webapi in Node) that drives the demo provider's login and
// consent forms over plain HTTP. It checks the servers themselves (provider config, API token
// verification, DPoP, PAR) without depending on the SDK, so a failing SDK test can be told
// apart from a broken test server.
import * as oauth from 'oauth4webapi';
import { CLIENT_ID } from '../demo/provider.mjs';

const insecure = { [oauth.allowInsecureRequests]: true };

/** fetch with a tiny cookie jar and no automatic redirects. */
function browserlessFetch() {
  const jar = new Map();
  return async (url, init = {}) => {
    const headers = new Headers(init.headers);
    if (jar.size) headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      jar.set(pair.slice(0, i), pair.slice(i + 1));
    }
    return res;
  };
}

/**
 * Logs `user` in through the provider's forms and exchanges the code.
 * @param {object} o
 * @param {string} o.issuer
 * @param {string} o.redirectUri a registered redirect URI
 * @param {string} [o.user='alice']
 * @param {string} [o.scope]
 * @param {boolean} [o.dpop] bind the tokens to a fresh DPoP key
 * @param {boolean} [o.par] push the authorization request (RFC 9126)
 * @param {Record<string,string>} [o.extra] more authorization parameters
 * @returns {Promise<{ as, client, tokens?, dpop?, authorizationStatus?: number, authorizationError?: string }>}
 *   no tokens when the provider refused the authorization request (error page or error redirect)
 */
export async function headlessLogin({
  issuer,
  redirectUri,
  user = 'alice',
  scope = 'openid profile offline_access api',
  dpop,
  par,
  extra = {},
}) {
  const as = await oauth.processDiscoveryResponse(
    new URL(issuer),
    await oauth.discoveryRequest(new URL(issuer), insecure),
  );
  const client = { client_id: CLIENT_ID };
  const verifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  const params = new URLSearchParams({
    client_id: CLIENT_ID,
    redirect_uri: redirectUri,
    response_type: 'code',
    scope,
    state,
    nonce,
    code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    ...extra,
  });
  const handle = dpop ? oauth.DPoP(client, await oauth.generateKeyPair('ES256')) : undefined;
  const dpopOpt = handle ? { DPoP: handle } : {};
  const authUrl = new URL(as.authorization_endpoint);
  if (par) {
    const pushed = async () =>
      oauth.processPushedAuthorizationResponse(
        as,
        client,
        await oauth.pushedAuthorizationRequest(as, client, oauth.None(), params, { ...insecure, ...dpopOpt }),
      );
    const { request_uri: requestUri } = await pushed().catch((e) =>
      oauth.isDPoPNonceError(e) ? pushed() : Promise.reject(e),
    );
    authUrl.search = new URLSearchParams({ client_id: CLIENT_ID, request_uri: requestUri }).toString();
  } else {
    authUrl.search = params.toString();
  }

  const go = browserlessFetch();
  let res = await go(authUrl);
  for (let hops = 0; hops < 20; hops++) {
    const location = res.headers.get('location');
    if (res.status >= 400 || (!location && res.status !== 200)) {
      const body = await res.text();
      return { as, client, authorizationStatus: res.status, authorizationError: /"?error"?\W+(\w+)/.exec(body)?.[1] };
    }
    if (location?.startsWith(redirectUri)) {
      const callback = new URL(location);
      const error = callback.searchParams.get('error');
      if (error) return { as, client, authorizationError: error };
      const validated = oauth.validateAuthResponse(as, client, callback, state);
      const exchange = async () => {
        const response = await oauth.authorizationCodeGrantRequest(
          as,
          client,
          oauth.None(),
          validated,
          redirectUri,
          verifier,
          { ...insecure, ...dpopOpt },
        );
        return oauth.processAuthorizationCodeResponse(as, client, response, {
          expectedNonce: nonce,
          requireIdToken: true,
        });
      };
      const tokens = await exchange().catch((e) => (oauth.isDPoPNonceError(e) ? exchange() : Promise.reject(e)));
      return { as, client, tokens, dpop: handle };
    }
    if (location) {
      res = await go(new URL(location, issuer));
      continue;
    }
    const html = await res.text();
    const action = new URL(/<form[^>]*action="([^"]+)"/.exec(html)[1].replace(/&amp;/g, '&'), issuer);
    const form = /name="login"/.test(html)
      ? new URLSearchParams({ prompt: 'login', login: user, password: 'secret' })
      : new URLSearchParams({ prompt: 'consent' });
    res = await go(action, {
      method: 'POST',
      body: form,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  }
  throw new Error('headlessLogin: too many redirects');
}

/** A raw refresh_token grant (no validation): returns { status, body }. */
export async function rawRefresh(issuer, refreshToken, init = {}) {
  const res = await fetch(`${issuer}/token`, {
    method: 'POST',
    ...init,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...init.headers },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: CLIENT_ID }),
  });
  return { status: res.status, body: await res.json() };
}

/** A refresh through oauth4webapi (DPoP-aware, one nonce retry). */
export async function refresh({ as, client, dpop }, refreshToken) {
  const opt = { ...insecure, ...(dpop ? { DPoP: dpop } : {}) };
  const run = async () =>
    oauth.processRefreshTokenResponse(
      as,
      client,
      await oauth.refreshTokenGrantRequest(as, client, oauth.None(), refreshToken, opt),
    );
  return run().catch((e) => (oauth.isDPoPNonceError(e) ? run() : Promise.reject(e)));
}

/** GET url with the access token, as oauth4webapi's protectedResourceRequest sends it. */
export async function callApi(url, accessToken, dpop) {
  return oauth.protectedResourceRequest(accessToken, 'GET', new URL(url), new Headers(), null, {
    ...insecure,
    ...(dpop ? { DPoP: dpop } : {}),
  });
}

export { oauth };
