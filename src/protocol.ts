/**
 * The oauth4webapi boundary: discovery, the authorization URL (with PAR), the code exchange,
 * refresh, revocation and the end-session URL. Everything oauth4webapi checks is used, and
 * the few rules it leaves to the client are added here (exact issuer string, endpoint
 * schemes, asymmetric ID token algorithms, token charset and lifetime, refresh continuity).
 * Every failure leaves as an {@link AuthError} through {@link toAuthError}.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1
 * @see https://openid.net/specs/openid-connect-core-1_0.html#CodeFlowAuth
 * @module
 */
import * as oauth from 'oauth4webapi';
import type { Config } from './config.js';
import { authError, toAuthError } from './errors.js';
import { cappedFetch } from './http.js';
import type { Transaction } from './transaction.js';
import { checkEndpoint } from './url.js';

/** Authorization server metadata, validated. */
export type Metadata = oauth.AuthorizationServer;

/** What a successful token response leaves behind, validated and normalised. */
export interface TokenResult {
  accessToken: string;
  tokenType: 'Bearer' | 'DPoP';
  /** Lifetime in seconds, clamped to [5 s, 24 h]. */
  expiresIn: number;
  refreshToken?: string;
  idToken?: string;
  claims?: oauth.IDToken;
  scope?: string;
}

/** Parameters of one authorization request. */
export interface AuthorizeParams {
  tx: Transaction;
  redirectUri: string;
  prompt?: string | undefined;
  loginHint?: string | undefined;
  acrValues?: string | undefined;
  maxAge?: number | undefined;
  extraParams?: Readonly<Record<string, string>> | undefined;
}

const ID_TOKEN_ALGS = new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519']);
/** RFC 6750 §2.1 b64token, with a length cap. */
const B64TOKEN = /^[\w\-.~+/]+=*$/;
/** Request parameters the SDK owns; `extraParams` cannot override them. */
const RESERVED = new Set(['response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'nonce', 'code_challenge', 'code_challenge_method', 'response_mode', 'request_uri', 'request', 'dpop_jkt']);

/** The protocol operations the client needs, bound to one configuration. */
export interface Protocol {
  discover(): Promise<Metadata>;
  /** Re-validates a metadata snapshot taken by `login()` (the callback page skips discovery). */
  adopt(snapshot: Record<string, unknown>): Metadata;
  authorizationUrl(as: Metadata, p: AuthorizeParams): Promise<URL>;
  /** Fresh `state`, `nonce` (32 random bytes each) and PKCE verifier. */
  secrets(): Pick<Transaction, 'state' | 'nonce' | 'verifier'>;
  exchangeCode(as: Metadata, tx: Transaction, params: URLSearchParams, dpop?: oauth.DPoPHandle): Promise<TokenResult>;
  refresh(as: Metadata, refreshToken: string, previous: oauth.IDToken | undefined, dpop?: oauth.DPoPHandle): Promise<TokenResult>;
  revoke(as: Metadata, token: string, hint: 'refresh_token' | 'access_token'): Promise<void>;
  endSessionUrl(as: Metadata, idToken: string | undefined): URL | undefined;
}

/**
 * Binds the protocol to a configuration. Does no I/O until a method is called; discovery
 * runs once and is shared by all callers (a failed discovery is retried on the next call).
 */
export function createProtocol(config: Config): Protocol {
  const client: oauth.Client = { client_id: config.clientId, [oauth.clockTolerance]: config.clockTolerance };
  const auth = oauth.None();
  const http = {
    [oauth.customFetch]: cappedFetch(config.fetch, config.requestTimeoutMs),
    [oauth.allowInsecureRequests]: config.allowHttp,
  };
  let discovery: Promise<Metadata> | undefined;

  const validate = (as: Metadata): Metadata => {
    // RFC 8414 §3.3 / OIDC Discovery §4.3: identical strings, not just equivalent URLs.
    if (as.issuer !== config.issuer) throw authError('invalid_response', 'The discovered issuer does not match the configured issuer exactly');
    checkEndpoint(as.authorization_endpoint, 'authorization_endpoint', config.allowHttp);
    checkEndpoint(as.token_endpoint, 'token_endpoint', config.allowHttp);
    checkEndpoint(as.jwks_uri, 'jwks_uri', config.allowHttp);
    for (const name of ['revocation_endpoint', 'end_session_endpoint', 'pushed_authorization_request_endpoint'] as const) {
      if (as[name] !== undefined) checkEndpoint(as[name], name, config.allowHttp);
    }
    const methods = as.code_challenge_methods_supported;
    if (Array.isArray(methods) && !methods.includes('S256')) throw authError('invalid_response', 'The server does not support PKCE S256');
    if (Array.isArray(as.response_types_supported) && !as.response_types_supported.includes('code')) {
      throw authError('invalid_response', 'The server does not support the authorization code flow');
    }
    return as;
  };

  const discoverOnce = async (): Promise<Metadata> => {
    try {
      let res = await oauth.discoveryRequest(config.issuerUrl, { ...http, algorithm: 'oidc' });
      if (res.status === 404) res = await oauth.discoveryRequest(config.issuerUrl, { ...http, algorithm: 'oauth2' });
      return validate(await oauth.processDiscoveryResponse(config.issuerUrl, res));
    } catch (err) {
      throw toAuthError(err);
    }
  };

  /** Sends a token-endpoint request, retrying once with the server's DPoP nonce. */
  const withNonceRetry = async (send: () => Promise<TokenResult>, dpop: oauth.DPoPHandle | undefined): Promise<TokenResult> => {
    try {
      return await send();
    } catch (err) {
      if (dpop && oauth.isDPoPNonceError(err)) return send();
      throw err;
    }
  };

  /** The checks oauth4webapi leaves to the client (RFC 6749 §5.1, RFC 6750 §2.1, RFC 9449 §5). */
  const finish = async (as: Metadata, res: Response, r: oauth.TokenEndpointResponse, jwks: Promise<oauth.ExportedJWKSCache | undefined>): Promise<TokenResult> => {
    const type = r.token_type.toLowerCase();
    if (type !== (config.dpop ? 'dpop' : 'bearer')) throw authError('invalid_response', `The token_type must be ${config.dpop ? 'DPoP' : 'Bearer'}`);
    if (!r.access_token || r.access_token.length > 16384 || !B64TOKEN.test(r.access_token)) throw authError('invalid_response', 'The access_token is malformed');
    if (r.refresh_token !== undefined && (typeof r.refresh_token !== 'string' || !r.refresh_token)) throw authError('invalid_response', 'The refresh_token is malformed');
    if (r.scope !== undefined && typeof r.scope !== 'string') throw authError('invalid_response', 'The scope is malformed');
    const expiresIn = r.expires_in === undefined ? 300 : Number(r.expires_in);
    if (!Number.isFinite(expiresIn) || expiresIn < 0) throw authError('invalid_response', 'The expires_in is malformed');
    const claims = oauth.getValidatedIdTokenClaims(r);
    if (r.id_token !== undefined) {
      const alg = (JSON.parse(new TextDecoder().decode(base64url(r.id_token.split('.')[0] ?? ''))) as { alg?: unknown }).alg;
      if (typeof alg !== 'string' || !ID_TOKEN_ALGS.has(alg)) throw authError('invalid_response', 'The ID token algorithm is not allowed');
      const cache = await jwks.catch(() => undefined);
      await oauth.validateApplicationLevelSignature(as, res, { ...http, [oauth.jwksCache]: cache ?? {} });
      if (!claims || typeof claims.sub !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(claims.sub)) throw authError('invalid_response', 'The ID token sub is malformed');
    }
    return {
      accessToken: r.access_token,
      tokenType: config.dpop ? 'DPoP' : 'Bearer',
      expiresIn: Math.min(Math.max(expiresIn, 5), 86_400),
      ...(r.refresh_token ? { refreshToken: r.refresh_token } : {}),
      ...(r.id_token ? { idToken: r.id_token } : {}),
      ...(claims ? { claims } : {}),
      ...(typeof r.scope === 'string' ? { scope: r.scope } : {}),
    };
  };

  /** Fetches the JWKS in parallel with the token request, in oauth4webapi's cache format. */
  const prefetchJwks = (as: Metadata): Promise<oauth.ExportedJWKSCache | undefined> =>
    http[oauth.customFetch](String(as.jwks_uri), { headers: { accept: 'application/json' } })
      .then(async (res) => (res.ok ? { jwks: (await res.json()) as oauth.JWKS, uat: Math.floor(Date.now() / 1000) } : undefined));

  const tokenParams = () => {
    const params = new URLSearchParams();
    for (const r of config.resource) params.append('resource', r);
    return params;
  };

  return {
    discover: () => (discovery ??= discoverOnce().catch((err: unknown) => {
      discovery = undefined;
      throw err;
    })),

    adopt(snapshot) {
      const as = validate(snapshot as unknown as Metadata);
      discovery ??= Promise.resolve(as);
      return as;
    },

    secrets: () => ({ state: oauth.generateRandomState(), nonce: oauth.generateRandomNonce(), verifier: oauth.generateRandomCodeVerifier() }),

    // DPoP keys live in memory and do not survive the login redirect, so the authorization
    // request is not key-bound (dpop_jkt is optional); the token request binds the tokens.
    async authorizationUrl(as, p) {
      try {
        const params = new URLSearchParams(Object.entries(p.extraParams ?? {}).filter(([k]) => !RESERVED.has(k)));
        const set = (name: string, value: string | number | undefined) => value !== undefined && params.set(name, String(value));
        set('client_id', config.clientId);
        set('response_type', 'code');
        set('response_mode', 'query');
        set('redirect_uri', p.redirectUri);
        set('scope', config.scope);
        set('state', p.tx.state);
        set('nonce', p.tx.nonce);
        set('code_challenge', await oauth.calculatePKCECodeChallenge(p.tx.verifier));
        set('code_challenge_method', 'S256');
        set('prompt', p.prompt);
        set('login_hint', p.loginHint);
        set('acr_values', p.acrValues);
        set('max_age', p.maxAge);
        for (const r of config.resource) params.append('resource', r);
        const url = checkEndpoint(as.authorization_endpoint, 'authorization_endpoint', config.allowHttp);
        if (as.pushed_authorization_request_endpoint) {
          const par = await oauth.processPushedAuthorizationResponse(as, client, await oauth.pushedAuthorizationRequest(as, client, auth, params, http));
          url.search = new URLSearchParams({ client_id: config.clientId, request_uri: par.request_uri }).toString();
          return url;
        }
        url.search = params.toString();
        return url;
      } catch (err) {
        throw toAuthError(err);
      }
    },

    async exchangeCode(as, tx, params, dpop) {
      try {
        const callback = oauth.validateAuthResponse(as, client, params, tx.state);
        const jwks = prefetchJwks(as);
        jwks.catch(() => undefined);
        return await withNonceRetry(async () => {
          const res = await oauth.authorizationCodeGrantRequest(as, client, auth, callback, tx.redirectUri, tx.verifier, {
            ...http,
            additionalParameters: tokenParams(),
            ...(dpop ? { DPoP: dpop } : {}),
          });
          const r = await oauth.processAuthorizationCodeResponse(as, client, res, {
            expectedNonce: tx.nonce,
            requireIdToken: true,
            maxAge: tx.maxAge ?? oauth.skipAuthTimeCheck,
          });
          const result = await finish(as, res, r, jwks);
          const iat = result.claims?.iat ?? 0;
          if (iat * 1000 < tx.createdAt - config.clockTolerance * 1000) throw authError('invalid_response', 'The ID token was issued before the login started');
          return result;
        }, dpop);
      } catch (err) {
        throw toAuthError(err);
      }
    },

    async refresh(as, refreshToken, previous, dpop) {
      try {
        return await withNonceRetry(async () => {
          const res = await oauth.refreshTokenGrantRequest(as, client, auth, refreshToken, {
            ...http,
            additionalParameters: tokenParams(),
            ...(dpop ? { DPoP: dpop } : {}),
          });
          const result = await finish(as, res, await oauth.processRefreshTokenResponse(as, client, res), Promise.resolve(undefined));
          const next = result.claims;
          // OIDC Core §12.2: a refreshed ID token describes the same authentication.
          if (next && previous) {
            for (const claim of ['iss', 'sub', 'azp', 'auth_time'] as const) {
              if (next[claim] !== previous[claim]) throw authError('invalid_response', `The refreshed ID token changed "${claim}"`);
            }
            if (String(next.aud) !== String(previous.aud)) throw authError('invalid_response', 'The refreshed ID token changed "aud"');
            if (next.nonce !== undefined && next.nonce !== previous.nonce) throw authError('invalid_response', 'The refreshed ID token has another nonce');
          }
          return result;
        }, dpop);
      } catch (err) {
        throw toAuthError(err);
      }
    },

    async revoke(as, token, hint) {
      if (!as.revocation_endpoint) return;
      try {
        await oauth.processRevocationResponse(
          await oauth.revocationRequest(as, client, auth, token, { ...http, additionalParameters: { token_type_hint: hint } }),
        );
      } catch (err) {
        throw toAuthError(err);
      }
    },

    endSessionUrl(as, idToken) {
      if (!as.end_session_endpoint) return undefined;
      const url = checkEndpoint(as.end_session_endpoint, 'end_session_endpoint', config.allowHttp);
      url.searchParams.set('client_id', config.clientId);
      if (idToken) url.searchParams.set('id_token_hint', idToken);
      if (config.postLogoutRedirectUri) url.searchParams.set('post_logout_redirect_uri', config.postLogoutRedirectUri);
      return url;
    },
  };
}

/** Decodes base64url (no padding) to bytes. */
function base64url(input: string): Uint8Array {
  const bin = atob(input.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}
