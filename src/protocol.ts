/**
 * The oauth4webapi boundary: discovery, the authorization URL (with PAR), the code exchange,
 * refresh, revocation and the end-session URL. Everything oauth4webapi checks is used, and
 * the rules it leaves to the client are added here: exact issuer string, endpoint schemes,
 * asymmetric ID token algorithms only, a single audience, the acr asked for, token charset and
 * lifetime, renewal continuity (same user, a new ID token).
 * Every failure leaves as an {@link AuthError} through {@link toAuthError}.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1
 * @see https://openid.net/specs/openid-connect-core-1_0.html#CodeFlowAuth
 * @module
 */
import * as oauth from 'oauth4webapi';
// Two symbols oauth4webapi exports but does not declare (openid-client uses them): skip its
// discovery issuer check (ours is exact), and supply the expected ID token issuer per token.
// @ts-expect-error -- exported, not declared
import { _expectedIssuer, _nodiscoverycheck } from 'oauth4webapi';
import { systemNow } from './clock.js';
import type { Config } from './config.js';
import type { DPoPSession } from './dpop.js';
import { AuthError, must, toAuthError } from './errors.js';
import { discoveryFailed, issuerMismatch } from './protocol-errors.js';
import { cappedFetch } from './http.js';
import { peekIat, type ProviderClock, type Timing } from './provider-clock.js';
import type { Tokens } from './session.js';
import type { Transaction } from './transaction.js';
import { isTenantTemplate, tenantIssuer } from './tenant-issuer.js';
import { tokenFailure } from './token-failure.js';
import { checkUrl } from './url.js';

/** Authorization server metadata, validated. */
export type Metadata = oauth.AuthorizationServer;

/** Parameters of one authorization request. */
export interface AuthorizeParams {
  tx: Transaction;
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
  /** A random value (32 bytes, base64url): `state`, session and tab ids. */
  random(): string;
  /** A new login transaction for `redirectUri`: fresh secrets, bound to this issuer and client. */
  transaction(redirectUri: string, more?: Partial<Transaction>): Transaction;
  /** The authorization request URL, for the transaction's `redirectUri`. */
  authorizationUrl(as: Metadata, p: AuthorizeParams): Promise<URL>;
  /** Exchanges a callback's code: a new session, or the next tokens of `base` (silent renewal). */
  exchangeCode(as: Metadata, tx: Transaction, params: URLSearchParams, base?: Tokens, dpop?: DPoPSession): Promise<Tokens>;
  /** The next tokens of `base` from its refresh token. */
  refresh(as: Metadata, base: Tokens & { refreshToken: string }, dpop?: DPoPSession): Promise<Tokens>;
  /**
   * RFC 7009 revocation of the refresh token, else the access token. Never rejects: resolves the
   * failure (the token may still be valid), or undefined when revoked or when the server has no
   * revocation endpoint.
   */
  revoke(as: Metadata, tokens: Pick<Tokens, 'accessToken' | 'refreshToken'>): Promise<AuthError | undefined>;
  endSessionUrl(as: Metadata, idToken: string | undefined): URL | undefined;
}

/** Asymmetric JWS algorithms accepted for ID tokens: never `none`, never HS*. */
const ID_TOKEN_ALG = /^(RS|PS|ES)(256|384|512)$|^Ed(DSA|25519)$/;
/** RFC 6750 §2.1 b64token. */
const B64TOKEN = /^[\w\-.~+/]+=*$/;
/**
 * Request parameters the SDK sets or checks afterwards (acr_values, max_age: use acrValues,
 * maxAge); `extraParams` cannot set them, in any case (some servers read names case-insensitively).
 */
const RESERVED = /^(response_type|response_mode|client_id|redirect_uri|scope|state|nonce|id_token_hint|code_challenge(_method)?|request(_uri)?|dpop_jkt|resource|acr_values|max_age)$/i;
/** Decodes base64url to a binary string (atob throws on anything that is not base64). */
const b64u = (text: string) => atob(text.replace(/-/g, '+').replace(/_/g, '/'));
/** Endpoints every server must have, then optional ones (checked when present). */
const ENDPOINTS = ['authorization_endpoint', 'token_endpoint', 'jwks_uri', 'revocation_endpoint', 'end_session_endpoint', 'pushed_authorization_request_endpoint'] as const;
/** RFC 6749 §3.1: an endpoint's own query is kept; our parameters replace same-named ones. */
const withParams = (url: URL, params: URLSearchParams) => {
  const q = url.searchParams;
  params.forEach((_, k) => q.delete(k));
  params.forEach((v, k) => q.append(k, v));
  return url;
};

/** Where validated metadata may be kept between page loads (it is public; never a token). */
export interface MetadataCache {
  get(): unknown;
  set(metadata: Metadata): void;
}

/**
 * Binds the protocol to a configuration. Does no I/O until a method is called; discovery
 * runs once and is shared by all callers (a failed discovery is retried on the next call).
 * A cached metadata document is re-validated before use; a bad one is simply rediscovered.
 * `idToken` reads the ID token the tab holds: every `prompt=none` request sends it as
 * `id_token_hint` (OIDC Core §3.1.2.1; some providers refuse `prompt=none` without it).
 */
export function createProtocol(config: Config, cache: MetadataCache, clock: ProviderClock, idToken: () => string | undefined = () => undefined): Protocol {
  const { clientId, issuer, issuerUrl, allowHttp, clockTolerance } = config;
  const tokenType = config.dpop ? 'DPoP' : 'Bearer';
  const client: oauth.Client = { client_id: clientId, [oauth.clockTolerance]: clockTolerance };
  const auth = oauth.None();
  const http = { [oauth.customFetch]: cappedFetch(config.fetch, config.requestTimeout * 1000 || 15_000), [oauth.allowInsecureRequests]: allowHttp };
  const endpoint = (as: Metadata, name: (typeof ENDPOINTS)[number]) => checkUrl(as[name], name, allowHttp);
  // oauth4webapi treats an undefined DPoP option as absent.
  const grant = (dpop?: DPoPSession) => ({ ...http, additionalParameters: new URLSearchParams(config.resource.map((r) => ['resource', r])), DPoP: dpop?.handle! });
  // state, nonce and verifier are all 32 random bytes, base64url (oauth4webapi's generators are one function).
  const random = oauth.generateRandomState;
  let discovery: Promise<Metadata> | undefined;

  /**
   * The offset (ms) a token response implies, from its ID token's `iat` (the current one when it
   * has none), and the client as oauth4webapi should see it for that response: with that clock
   * skew, its exp, iat and auth_time checks compare the provider's times with the provider's time.
   */
  const skewFor = async (res: Response, timing: Timing) => {
    const iat = await peekIat(res);
    const offset = iat === undefined ? clock.offset() : clock.estimate(iat, timing);
    return { offset, client: { ...client, [oauth.clockSkew]: Math.round(offset / 1000) } };
  };

  /**
   * RFC 8414 §3.3 / OIDC Discovery §4.3: identical issuer strings; every endpoint https. The
   * `metadata` option's values replace the discovered ones first.
   */
  const validate = (found: Metadata): Metadata => {
    const as = { ...found, ...config.metadata } as Metadata;
    // A multi-tenant template (Entra ID's common, organizations): each ID token names its tenant.
    if (as.issuer !== issuer && isTenantTemplate(issuer, as.issuer)) Object.assign(as, { [_expectedIssuer as symbol]: (r: { claims: { tid?: unknown } }) => tenantIssuer(as.issuer, r.claims) });
    else must(as.issuer === issuer, issuerMismatch(issuer, as.issuer), 'invalid_response', 'the issuer in the metadata differs from the configured one');
    ENDPOINTS.forEach((name, i) => (i < 3 || as[name] !== undefined) && endpoint(as, name));
    must(as.code_challenge_methods_supported?.includes('S256') ?? true, 'no PKCE S256');
    must(as.response_types_supported?.includes('code') ?? true, 'no code response type');
    return as;
  };

  /** Runs `fn`, translating failures; with DPoP, retries once with the server's nonce (RFC 9449 §8). */
  const call = <T>(fn: () => Promise<T>, dpop?: unknown): Promise<T> =>
    fn()
      .catch((err: unknown) => (dpop && oauth.isDPoPNonceError(err) ? fn() : Promise.reject(err)))
      .catch((err: unknown) => Promise.reject(toAuthError(err)));

  /**
   * The checks oauth4webapi leaves to the client (RFC 6750 §2.1, RFC 9449 §5), then the tokens
   * to install: a renewal of `base` keeps what the response omits (a refresh may omit the ID
   * token; a code exchange requires one). oauth4webapi already lowercases `token_type`, and
   * refuses an empty `refresh_token`, a non-string `scope` and a negative or non-numeric `expires_in`.
   */
  const finish = async (as: Metadata, res: Response, r: oauth.TokenEndpointResponse, offset: number, base?: Tokens, dpop?: DPoPSession, jwks?: Promise<oauth.ExportedJWKSCache | undefined>): Promise<Tokens> => {
    const { access_token: at, id_token: idToken } = r;
    must(r.token_type === tokenType.toLowerCase(), 'bad token_type');
    must(at.length < 16384 && B64TOKEN.test(at), 'bad access_token');
    const claims = oauth.getValidatedIdTokenClaims(r);
    if (claims) {
      // OIDC Core §3.1.3.7 steps 3 and 5: no audience but this client (oauth4webapi allows
      // others when azp is the client), and an azp, when present, is this client (oauth4webapi
      // checks it only when there are several audiences).
      must([claims.aud].flat().every((aud) => aud === clientId) && (claims.azp ?? clientId) === clientId, 'bad ID token aud or azp');
      const alg = String((JSON.parse(b64u(idToken!.split('.')[0]!)) as { alg?: unknown }).alg);
      must(ID_TOKEN_ALG.test(alg), 'bad ID token alg');
      await oauth.validateApplicationLevelSignature(as, res, { ...http, [oauth.jwksCache]: (await jwks) ?? {} });
      must(/^[\x21-\x7e]{1,255}$/.test(claims.sub), 'bad ID token sub');
      must(claims.iat < (systemNow() + offset) / 1000 + clockTolerance, 'bad ID token iat');
      // OIDC Core §3.1.3.8 (MAY, checked here): at_hash is the left half of the access token's hash.
      if (claims.at_hash !== undefined) {
        const hash = new Uint8Array(await crypto.subtle.digest(`SHA-${/^Ed/.test(alg) ? 512 : alg.slice(2)}`, new TextEncoder().encode(at)));
        must(String.fromCharCode(...hash.subarray(0, hash.length / 2)) === b64u(String(claims.at_hash)), 'bad at_hash');
      }
      if (base) {
        // OIDC Core §12.2: a renewal's ID token is not older than the last, and is for the same
        // user, provider and client (two times of the provider's clock: the offset plays no
        // part). A silent renewal (a code exchange, the one that brings
        // `jwks`) that finds another user at the provider ends the session: login_required.
        must(claims.iat >= (base.claims.iat as number) - clockTolerance, 'ID token not new');
        for (const claim of ['iss', 'sub', 'azp', 'aud']) {
          must(String(claims[claim]) === String(base.claims[claim]), `ID token ${claim} changed`, claim === 'sub' && jwks ? 'login_required' : undefined);
        }
      }
    }
    // Token times are kept on the provider's clock: a step of the device clock moves none of them.
    const issuedAt = systemNow() + offset;
    return {
      sessionId: base?.sessionId ?? random(),
      rotation: base ? base.rotation + 1 : 0,
      accessToken: at,
      tokenType,
      issuedAt,
      // Lifetime clamped to [5 s, 24 h].
      expiresAt: issuedAt + Math.min(Math.max(r.expires_in ?? 300, 5), 86_400) * 1000,
      idToken: idToken ?? base!.idToken,
      claims: (claims ?? base!.claims) as Tokens['claims'],
      refreshToken: r.refresh_token ?? base?.refreshToken,
      scope: r.scope || base?.scope, // an empty scope says nothing
      dpopKeys: dpop?.keys,
      clockOffset: offset,
    };
  };

  return {
    discover: () =>
      (discovery ??= call(async () => {
        try {
          return validate(cache.get() as Metadata);
        } catch {
          // nothing cached, or not valid for this configuration: discover
        }
        let res = await oauth.discoveryRequest(issuerUrl, http);
        if (res.status === 404) res = await oauth.discoveryRequest(issuerUrl, { ...http, algorithm: 'oauth2' });
        // The issuer is compared below, exactly (or as a tenant template), not by oauth4webapi.
        const found = await oauth.processDiscoveryResponse(_nodiscoverycheck as URL, res);
        const as = validate(found);
        cache.set(found); // as discovered: the options may change before it is read again
        return as;
      }).catch((err: unknown) => {
        discovery = undefined;
        throw discoveryFailed(err, issuerUrl);
      })),

    adopt(snapshot) {
      const as = validate(snapshot as Metadata);
      discovery ??= Promise.resolve(as);
      return as;
    },

    random,

    transaction: (redirectUri, more) => ({
      state: random(),
      nonce: random(),
      verifier: random(),
      issuer,
      clientId,
      redirectUri,
      metadata: {},
      createdAt: systemNow(),
      ...more,
    }),

    // DPoP keys live in memory and do not survive the login redirect, so the authorization
    // request is not key-bound (dpop_jkt is optional); the token request binds the tokens.
    authorizationUrl: (as, { tx, prompt, ...p }) =>
      call(async () => {
        const params = grant().additionalParameters;
        for (const [k, v] of Object.entries({ ...config.extraParams, ...p.extraParams })) if (!RESERVED.test(k)) params.set(k, v);
        const own = {
          client_id: clientId,
          response_type: 'code',
          response_mode: 'query',
          redirect_uri: tx.redirectUri,
          scope: config.scope,
          state: tx.state,
          nonce: tx.nonce,
          code_challenge: await oauth.calculatePKCECodeChallenge(tx.verifier),
          code_challenge_method: 'S256',
          prompt,
          id_token_hint: prompt === 'none' ? idToken() : undefined,
          login_hint: p.loginHint,
          acr_values: p.acrValues,
          max_age: p.maxAge,
        };
        for (const [k, v] of Object.entries(own)) if (v !== undefined) params.set(k, String(v));
        const url = endpoint(as, 'authorization_endpoint');
        // PAR (RFC 9126 §4): the browser then carries only client_id and request_uri. A
        // prompt=none request (silent authorization) skips it unless required: one round trip less.
        if (as.require_pushed_authorization_requests || (as.pushed_authorization_request_endpoint && prompt !== 'none')) {
          const par = await oauth.processPushedAuthorizationResponse(as, client, await oauth.pushedAuthorizationRequest(as, client, auth, params, http));
          return withParams(url, new URLSearchParams({ client_id: clientId, request_uri: par.request_uri }));
        }
        return withParams(url, params);
      }),

    async exchangeCode(as, tx, params, base, dpop) {
      const callback = await call(async () => oauth.validateAuthResponse(as, client, params, tx.state));
      // The JWKS is fetched in parallel with the token request, in oauth4webapi's cache format. Only
      // a 200 is kept, and a failed fetch resolves undefined; oauth4webapi ignores a cache that is
      // missing or not JWKS-shaped, and then fetches itself.
      const jwks = http[oauth.customFetch](String(as.jwks_uri), { headers: { accept: 'application/json' } })
        .then(async (res) => (res.status === 200 ? { jwks: (await res.json()) as oauth.JWKS, uat: Math.floor(systemNow() / 1000) } : undefined))
        .catch(() => undefined);
      return call(async () => {
        const timing = clock.time();
        const res = await oauth.authorizationCodeGrantRequest(as, client, auth, callback, tx.redirectUri, tx.verifier, grant(dpop));
        // The nonce binds this ID token to this login: its iat is a fresh reading of the provider's clock.
        const { offset, client: skewed } = await skewFor(res, timing());
        const answer = await oauth.processAuthorizationCodeResponse(as, skewed, res, { expectedNonce: tx.nonce, requireIdToken: true, maxAge: tx.maxAge ?? oauth.skipAuthTimeCheck }).catch((err: unknown) => {
          throw res.status === 200 || oauth.isDPoPNonceError(err) ? err : tokenFailure(err, res, String(as.token_endpoint));
        });
        const result = await finish(as, res, answer, offset, base, dpop, jwks);
        // requireIdToken: the claims are this response's. createdAt is on the device's clock.
        must(result.claims.iat as number * 1000 >= tx.createdAt + offset - clockTolerance * 1000, 'bad ID token iat');
        // OIDC Core §5.5.1.1: the acr asked for (step-up) is the acr obtained.
        must(!tx.acrValues || tx.acrValues.split(' ').includes(result.claims.acr as string), 'acr not satisfied');
        return result;
      }, dpop);
    },

    refresh: (as, base, dpop) =>
      call(async () => {
        const timing = clock.time();
        const res = await oauth.refreshTokenGrantRequest(as, client, auth, base.refreshToken, grant(dpop));
        try {
          // Straight from the token endpoint: an ID token here is fresh, and re-sets the offset.
          const { offset, client: skewed } = await skewFor(res, timing());
          const result = await finish(as, res, await oauth.processRefreshTokenResponse(as, skewed, res), offset, base, dpop);
          const next = result.claims; // base's when the answer has no ID token
          // OIDC Core §12.2: the same authentication. (The same ID token again is accepted: within
          // one second a provider may issue a byte-identical one, and a refusal ends the session.)
          for (const claim of ['auth_time', 'nonce']) must(next[claim] === undefined || next[claim] === base.claims[claim], `ID token ${claim} changed`);
          return result;
        } catch (err) {
          // A 200 means the provider has rotated the refresh token: refusing its answer ends the
          // session (login_required), as a retry would replay the old one and get the grant revoked.
          if (res.status === 200) throw new AuthError('login_required', 'renewal refused', { cause: toAuthError(err).message });
          throw oauth.isDPoPNonceError(err) ? err : tokenFailure(err, res, String(as.token_endpoint));
        }
      }, dpop),

    // RFC 7009 §2.1: revoking the refresh token also invalidates its access tokens, and servers
    // that issue JWT access tokens refuse to revoke those. §2.2: success is a 200. A failure is
    // handed back for the app to hear of (some servers demand client authentication here).
    revoke: async (as, { refreshToken: rt, accessToken }) => {
      if (!as.revocation_endpoint) return undefined;
      const where = String(as.revocation_endpoint).replace(/[?#].*$/, '');
      try {
        const res = await http[oauth.customFetch](endpoint(as, 'revocation_endpoint').href, {
          method: 'POST',
          body: new URLSearchParams({ client_id: clientId, token: rt ?? accessToken, token_type_hint: rt ? 'refresh_token' : 'access_token' }),
        });
        if (res.status === 200) return undefined;
        const body = (await res.json().catch(() => ({}))) as { error?: unknown; error_description?: unknown };
        const code = typeof body.error === 'string' ? 'oauth_error' : 'invalid_response';
        return new AuthError(code, `Revocation at ${where} failed with HTTP ${res.status}: the ${rt ? 'refresh' : 'access'} token may still be valid`, { error: body.error, errorDescription: body.error_description, cause: `HTTP ${res.status}` });
      } catch (err) {
        const e = toAuthError(err, 'network_error');
        return new AuthError(e.code, `Revocation at ${where} failed (${e.cause ?? e.code}): the ${rt ? 'refresh' : 'access'} token may still be valid`, { cause: e.cause ?? e.code });
      }
    },

    endSessionUrl(as, idToken) {
      if (!as.end_session_endpoint) return undefined;
      const url = endpoint(as, 'end_session_endpoint');
      const params = new URLSearchParams({ client_id: clientId });
      if (idToken) params.set('id_token_hint', idToken);
      if (config.postLogoutRedirectUri) params.set('post_logout_redirect_uri', config.postLogoutRedirectUri);
      return withParams(url, params);
    },
  };
}
