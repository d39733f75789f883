/**
 * The oauth4webapi boundary: discovery, the authorization URL (with PAR), the code exchange,
 * refresh, revocation and the end-session URL. Everything oauth4webapi checks is used, and
 * the rules it leaves to the client are added here: exact issuer string, endpoint schemes,
 * asymmetric ID token algorithms only, token charset and lifetime, refresh continuity.
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

/** A successful token response, validated and normalised. Absent members are undefined. */
export interface TokenResult {
  accessToken: string;
  tokenType: 'Bearer' | 'DPoP';
  /** Lifetime in seconds, clamped to [5 s, 24 h]. */
  expiresIn: number;
  refreshToken?: string | undefined;
  idToken?: string | undefined;
  claims?: oauth.IDToken | undefined;
  scope?: string | undefined;
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

/** The protocol operations the client needs, bound to one configuration. */
export interface Protocol {
  discover(): Promise<Metadata>;
  /** Re-validates a metadata snapshot taken by `login()` (the callback page skips discovery). */
  adopt(snapshot: Record<string, unknown>): Metadata;
  /** Fresh `state`, `nonce` (32 random bytes each) and PKCE verifier. */
  secrets(): Pick<Transaction, 'state' | 'nonce' | 'verifier'>;
  /** A new login transaction for `redirectUri`: fresh secrets, bound to this issuer and client. */
  transaction(redirectUri: string, metadata?: Metadata): Transaction;
  authorizationUrl(as: Metadata, p: AuthorizeParams): Promise<URL>;
  exchangeCode(as: Metadata, tx: Transaction, params: URLSearchParams, dpop?: oauth.DPoPHandle): Promise<TokenResult>;
  refresh(as: Metadata, refreshToken: string, previous: oauth.IDToken, dpop?: oauth.DPoPHandle): Promise<TokenResult>;
  revoke(as: Metadata, token: string, hint: string): Promise<void>;
  endSessionUrl(as: Metadata, idToken: string | undefined): URL | undefined;
}

/** Asymmetric JWS algorithms accepted for ID tokens: never `none`, never HS*. */
const ID_TOKEN_ALG = /^(RS|PS|ES)(256|384|512)$|^Ed(DSA|25519)$/;
/** RFC 6750 §2.1 b64token. */
const B64TOKEN = /^[\w\-.~+/]+=*$/;
/** Request parameters the SDK owns; `extraParams` cannot override them. */
const RESERVED = /^(response_type|response_mode|client_id|redirect_uri|scope|state|nonce|code_challenge(_method)?|request(_uri)?|dpop_jkt|resource)$/;

/** Throws `invalid_response` with `why` unless `ok`. */
function must(ok: unknown, why: string): asserts ok {
  if (!ok) throw authError('invalid_response', why);
}

/** Where validated metadata may be kept between page loads (it is public; never a token). */
export interface MetadataCache {
  get(): unknown;
  set(metadata: Metadata): void;
}

/**
 * Binds the protocol to a configuration. Does no I/O until a method is called; discovery
 * runs once and is shared by all callers (a failed discovery is retried on the next call).
 * A cached metadata document is re-validated before use; a bad one is simply rediscovered.
 */
export function createProtocol(config: Config, cache?: MetadataCache): Protocol {
  const { clientId, issuer, allowHttp, clockTolerance } = config;
  const client: oauth.Client = { client_id: clientId, [oauth.clockTolerance]: clockTolerance };
  const auth = oauth.None();
  const http = { [oauth.customFetch]: cappedFetch(config.fetch, config.requestTimeoutMs), [oauth.allowInsecureRequests]: allowHttp };
  const endpoint = (as: Metadata, name: keyof Metadata & string) => checkEndpoint(as[name], name, allowHttp);
  const resources = () => new URLSearchParams(config.resource.map((r) => ['resource', r]));
  let discovery: Promise<Metadata> | undefined;
  const secrets = () => ({ state: oauth.generateRandomState(), nonce: oauth.generateRandomNonce(), verifier: oauth.generateRandomCodeVerifier() });

  /** RFC 8414 §3.3 / OIDC Discovery §4.3: identical issuer strings; every endpoint https. */
  const validate = (as: Metadata): Metadata => {
    must(as.issuer === issuer, 'issuer mismatch');
    for (const name of ['authorization_endpoint', 'token_endpoint', 'jwks_uri'] as const) endpoint(as, name);
    for (const name of ['revocation_endpoint', 'end_session_endpoint', 'pushed_authorization_request_endpoint'] as const) {
      if (as[name] !== undefined) endpoint(as, name);
    }
    must(as.code_challenge_methods_supported?.includes('S256') ?? true, 'PKCE S256 unsupported');
    return as;
  };

  /** Runs `fn`, translating failures; with DPoP, retries once with the server's nonce (RFC 9449 §8). */
  const call = async <T>(fn: () => Promise<T>, dpop?: oauth.DPoPHandle): Promise<T> => {
    try {
      try {
        return await fn();
      } catch (err) {
        if (dpop && oauth.isDPoPNonceError(err)) return await fn();
        throw err;
      }
    } catch (err) {
      throw toAuthError(err);
    }
  };

  /** The checks oauth4webapi leaves to the client (RFC 6749 §5.1, RFC 6750 §2.1, RFC 9449 §5). */
  const finish = async (as: Metadata, res: Response, r: oauth.TokenEndpointResponse, jwks?: Promise<oauth.ExportedJWKSCache | undefined>): Promise<TokenResult> => {
    const { access_token: at, refresh_token: rt, id_token: idToken, scope } = r;
    const expiresIn = r.expires_in ?? 300;
    must(r.token_type.toLowerCase() === (config.dpop ? 'dpop' : 'bearer'), 'token_type mismatch');
    must(at.length < 16384 && B64TOKEN.test(at), 'malformed access_token');
    must(rt === undefined || rt, 'malformed refresh_token');
    must(scope === undefined || typeof scope === 'string', 'malformed scope');
    must(expiresIn >= 0, 'malformed expires_in');
    const claims = oauth.getValidatedIdTokenClaims(r);
    if (idToken) {
      const alg = String((JSON.parse(atob((idToken.split('.')[0] ?? '').replace(/-/g, '+').replace(/_/g, '/'))) as { alg?: unknown }).alg);
      must(ID_TOKEN_ALG.test(alg), 'ID token alg not allowed');
      await oauth.validateApplicationLevelSignature(as, res, { ...http, [oauth.jwksCache]: (await jwks?.catch(() => undefined)) ?? {} });
      must(/^[\x21-\x7e]{1,255}$/.test(String(claims?.sub)), 'malformed ID token sub');
      must(claims && claims.iat < Date.now() / 1000 + clockTolerance, 'ID token iat in the future');
      // OIDC Core §3.1.3.8 (MAY, checked here): at_hash is the left half of the access token's hash.
      if (claims.at_hash !== undefined) {
        const hash = new Uint8Array(await crypto.subtle.digest(`SHA-${/^Ed/.test(alg) ? 512 : alg.slice(2)}`, new TextEncoder().encode(at)));
        const half = btoa(String.fromCharCode(...hash.subarray(0, hash.length / 2)));
        must(half.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '') === claims.at_hash, 'at_hash mismatch');
      }
    }
    return {
      accessToken: at,
      tokenType: config.dpop ? 'DPoP' : 'Bearer',
      expiresIn: Math.min(Math.max(expiresIn, 5), 86_400),
      refreshToken: rt,
      idToken,
      claims,
      scope,
    };
  };

  return {
    discover: () =>
      (discovery ??= call(async () => {
        try {
          return validate(cache?.get() as Metadata);
        } catch {
          // nothing cached, or not valid for this configuration: discover
        }
        let res = await oauth.discoveryRequest(config.issuerUrl, http);
        if (res.status === 404) res = await oauth.discoveryRequest(config.issuerUrl, { ...http, algorithm: 'oauth2' });
        const as = validate(await oauth.processDiscoveryResponse(config.issuerUrl, res));
        cache?.set(as);
        return as;
      }).catch((err: unknown) => {
        discovery = undefined;
        throw err;
      })),

    adopt(snapshot) {
      const as = validate(snapshot as Metadata);
      discovery ??= Promise.resolve(as);
      return as;
    },

    secrets,

    transaction: (redirectUri, metadata) => ({
      ...secrets(),
      issuer,
      clientId,
      redirectUri,
      metadata: (metadata ?? {}) as Record<string, unknown>,
      createdAt: Date.now(),
    }),

    // DPoP keys live in memory and do not survive the login redirect, so the authorization
    // request is not key-bound (dpop_jkt is optional); the token request binds the tokens.
    authorizationUrl: (as, p) =>
      call(async () => {
        const params = resources();
        for (const [k, v] of Object.entries(p.extraParams ?? {})) if (!RESERVED.test(k)) params.set(k, v);
        const set = (name: string, value: unknown) => value !== undefined && params.set(name, String(value));
        set('client_id', clientId);
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
        const url = endpoint(as, 'authorization_endpoint');
        // PAR (RFC 9126 §4): the browser then carries only client_id and request_uri. A
        // prompt=none request (silent authorization) skips it unless required: one round trip less.
        if (as.require_pushed_authorization_requests || (as.pushed_authorization_request_endpoint && p.prompt !== 'none')) {
          const par = await oauth.processPushedAuthorizationResponse(as, client, await oauth.pushedAuthorizationRequest(as, client, auth, params, http));
          url.search = `client_id=${encodeURIComponent(clientId)}&request_uri=${encodeURIComponent(par.request_uri)}`;
        } else url.search = `${params}`;
        return url;
      }),

    async exchangeCode(as, tx, params, dpop) {
      const callback = await call(async () => oauth.validateAuthResponse(as, client, params, tx.state));
      // The JWKS is fetched in parallel with the token request, in oauth4webapi's cache format.
      const jwks = http[oauth.customFetch](String(as.jwks_uri), {}).then(async (res) => ({ jwks: (await res.json()) as oauth.JWKS, uat: Math.floor(Date.now() / 1000) }));
      jwks.catch(() => undefined);
      return call(async () => {
        const res = await oauth.authorizationCodeGrantRequest(as, client, auth, callback, tx.redirectUri, tx.verifier, { ...http, additionalParameters: resources(), ...(dpop && { DPoP: dpop }) });
        const result = await finish(as, res, await oauth.processAuthorizationCodeResponse(as, client, res, { expectedNonce: tx.nonce, requireIdToken: true, maxAge: tx.maxAge ?? oauth.skipAuthTimeCheck }), jwks);
        must((result.claims?.iat ?? 0) * 1000 >= tx.createdAt - clockTolerance * 1000, 'ID token older than the login');
        return result;
      }, dpop);
    },

    refresh: (as, refreshToken, previous, dpop) =>
      call(async () => {
        const res = await oauth.refreshTokenGrantRequest(as, client, auth, refreshToken, { ...http, additionalParameters: resources(), ...(dpop && { DPoP: dpop }) });
        const result = await finish(as, res, await oauth.processRefreshTokenResponse(as, client, res));
        const next = result.claims;
        // OIDC Core §12.2: a refreshed ID token describes the same authentication.
        if (next) {
          for (const claim of ['iss', 'sub', 'azp', 'aud', 'auth_time', 'nonce'] as const) {
            must(String(next[claim]) === String(previous[claim]) || (claim === 'auth_time' || claim === 'nonce') && next[claim] === undefined, `refreshed ID token changed ${claim}`);
          }
        }
        return result;
      }, dpop),

    async revoke(as, token, hint) {
      if (as.revocation_endpoint) {
        await call(async () => oauth.processRevocationResponse(await oauth.revocationRequest(as, client, auth, token, { ...http, additionalParameters: { token_type_hint: hint } })));
      }
    },

    endSessionUrl(as, idToken) {
      if (!as.end_session_endpoint) return undefined;
      const url = endpoint(as, 'end_session_endpoint');
      url.search = `${new URLSearchParams({ client_id: clientId, ...(idToken && { id_token_hint: idToken }), ...(config.postLogoutRedirectUri && { post_logout_redirect_uri: config.postLogoutRedirectUri }) })}`;
      return url;
    },
  };
}
