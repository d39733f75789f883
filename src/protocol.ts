/**
 * The oauth4webapi boundary: the authorization URL (with PAR), the code exchange,
 * refresh, revocation and the end-session URL. Everything oauth4webapi checks is used, and
 * the rules it leaves to the client are added here: token charset and lifetime. Discovery, the
 * ID token's rules and sign-out have modules of their own; this one binds them to a configuration.
 * Every failure leaves as an {@link AuthError} through {@link toAuthError}.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1
 * @see https://openid.net/specs/openid-connect-core-1_0.html#CodeFlowAuth
 * @module
 */
import * as oauth from 'oauth4webapi';
import type { Metadata } from './discovery.js';
import { systemNow as now } from './clock.js';
import type { Config } from './config.js';
import type { DPoPSession } from './dpop.js';
import { AuthError, must, toAuthError } from './errors.js';
import { createDiscovery } from './discovery.js';
import { cappedFetch } from './http.js';
import { peekIat, type ProviderClock, type Timing } from './provider-clock.js';
import { checkCodeExchangeClaims, checkRefreshClaims, idTokenValidator, type IdTokenInput } from './id-token.js';
import type { Tokens } from './session.js';
import type { MetadataCache, Transaction } from './transaction.js';
import { tokenFailure } from './token-failure.js';
import { endSessionUrl, revokeToken } from './sign-out.js';
import { checkUrl, withParams } from './url.js';

/** Authorization server metadata, validated (see the discovery module). */
export type { Metadata };

/** Parameters of one authorization request. */
export interface AuthorizeParams {
  tx: Transaction;
  prompt?: string | undefined;
  loginHint?: string | undefined;
  acrValues?: string | undefined;
  maxAge?: number | undefined;
  extraParams?: Readonly<Record<string, string>> | undefined;
  /**
   * The ID token the tab holds: a `prompt=none` request sends it as `id_token_hint` (OIDC Core
   * §3.1.2.1; some providers refuse `prompt=none` without it).
   */
  idTokenHint?: string | undefined;
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
  exchangeCode(
    as: Metadata,
    tx: Transaction,
    params: URLSearchParams,
    base?: Tokens,
    dpop?: DPoPSession,
  ): Promise<Tokens>;
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

/** RFC 6750 §2.1 b64token. */
const B64TOKEN = /^[\w\-.~+/]+=*$/;
/**
 * Request parameters the SDK sets or checks afterwards (acr_values, max_age: use acrValues,
 * maxAge); `extraParams` cannot set them, in any case (some servers read names case-insensitively).
 */
const RESERVED =
  /^(response_type|response_mode|client_id|redirect_uri|scope|state|nonce|id_token_hint|code_challenge(_method)?|request(_uri)?|dpop_jkt|resource|acr_values|max_age)$/i;

/** Runs `fn`, translating failures; with DPoP, retries once with the server's nonce (RFC 9449 §8). */
async function call<T>(fn: () => T | Promise<T>, dpop?: unknown): Promise<T> {
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
}

/**
 * Binds the protocol to a configuration. Does no I/O until a method is called; discovery
 * runs once and is shared by all callers (a failed discovery is retried on the next call).
 * A cached metadata document is re-validated before use; a bad one is simply rediscovered.
 */
export function createProtocol(config: Config, cache: MetadataCache, clock: ProviderClock): Protocol {
  const { clientId, issuer, allowHttp, clockTolerance } = config;
  const tokenType = config.dpop ? 'DPoP' : 'Bearer';
  const client: oauth.Client = { client_id: clientId, [oauth.clockTolerance]: clockTolerance };
  const auth = oauth.None();
  const http = {
    [oauth.customFetch]: cappedFetch(config.fetch, config.requestTimeout * 1000 || 15_000),
    [oauth.allowInsecureRequests]: allowHttp,
  };
  const endpoint = (as: Metadata, name: 'authorization_endpoint') => checkUrl(as[name], name, allowHttp);
  /** The options of a token request: `resource` indicators, and the DPoP handle when the session has keys. */
  const grant = (dpop?: DPoPSession) => ({
    ...http,
    additionalParameters: new URLSearchParams(config.resource.map((r) => ['resource', r])),
    ...(dpop ? { DPoP: dpop.handle } : {}),
  });
  // state, nonce and verifier are all 32 random bytes, base64url (oauth4webapi's generators are one function).
  const random = oauth.generateRandomState;
  const discovery = createDiscovery(config, cache, http, call);

  const validateIdToken = idTokenValidator({ clientId, clockTolerance, http });

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
   * The checks oauth4webapi leaves to the client (RFC 6750 §2.1, RFC 9449 §5), then the tokens
   * to install: a renewal of `base` keeps what the response omits (a refresh may omit the ID
   * token; a code exchange requires one). oauth4webapi already lowercases `token_type`, and
   * refuses an empty `refresh_token`, a non-string `scope` and a negative or non-numeric `expires_in`.
   */
  const finish = async (input: IdTokenInput & { dpop?: DPoPSession | undefined }): Promise<Tokens> => {
    const { body, base, dpop, offset } = input;
    const accessToken = body.access_token;
    must(body.token_type === tokenType.toLowerCase(), 'bad token_type');
    must(accessToken.length < 16384 && B64TOKEN.test(accessToken), 'bad access_token');
    const claims = await validateIdToken(input);
    // Token times are kept on the provider's clock: a step of the device clock moves none of them.
    const issuedAt = now() + offset;
    return {
      sessionId: base?.sessionId ?? random(),
      rotation: base ? base.rotation + 1 : 0,
      accessToken,
      tokenType,
      issuedAt,
      // Lifetime clamped to [5 s, 24 h].
      expiresAt: issuedAt + Math.min(Math.max(body.expires_in ?? 300, 5), 86_400) * 1000,
      // Without an ID token in the response, this is a refresh of `base` (a code exchange requires one).
      idToken: body.id_token ?? base!.idToken,
      claims: claims ?? base!.claims,
      refreshToken: body.refresh_token ?? base?.refreshToken,
      scope: body.scope || base?.scope, // an empty scope says nothing
      dpopKeys: dpop?.keys,
      clockOffset: offset,
    };
  };

  return {
    discover: discovery.discover,
    adopt: discovery.adopt,
    random,

    transaction: (redirectUri, more) => ({
      state: random(),
      nonce: random(),
      verifier: random(),
      issuer,
      clientId,
      redirectUri,
      metadata: {},
      createdAt: now(),
      ...more,
    }),

    // DPoP keys live in memory and do not survive the login redirect, so the authorization
    // request is not key-bound (dpop_jkt is optional); the token request binds the tokens.
    authorizationUrl: (as, { tx, prompt, ...p }) =>
      call(async () => {
        const params = grant().additionalParameters;
        for (const [k, v] of Object.entries({ ...config.extraParams, ...p.extraParams }))
          if (!RESERVED.test(k)) params.set(k, v);
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
          id_token_hint: prompt === 'none' ? p.idTokenHint : undefined,
          login_hint: p.loginHint,
          acr_values: p.acrValues,
          max_age: p.maxAge,
        };
        for (const [k, v] of Object.entries(own)) if (v !== undefined) params.set(k, String(v));
        const url = endpoint(as, 'authorization_endpoint');
        // PAR (RFC 9126 §4): the browser then carries only client_id and request_uri. A
        // prompt=none request (silent authorization) skips it unless required: one round trip less.
        if (
          as.require_pushed_authorization_requests ||
          (as.pushed_authorization_request_endpoint && prompt !== 'none')
        ) {
          const par = await oauth.processPushedAuthorizationResponse(
            as,
            client,
            await oauth.pushedAuthorizationRequest(as, client, auth, params, http),
          );
          return withParams(url, new URLSearchParams({ client_id: clientId, request_uri: par.request_uri }));
        }
        return withParams(url, params);
      }),

    async exchangeCode(as, tx, params, base, dpop) {
      const callback = await call(() => oauth.validateAuthResponse(as, client, params, tx.state));
      // The JWKS is fetched in parallel with the token request, in oauth4webapi's cache format. Only
      // a 200 is kept, and a failed fetch resolves undefined; oauth4webapi ignores a cache that is
      // missing or not JWKS-shaped, and then fetches itself.
      const jwks = http[oauth.customFetch](String(as.jwks_uri), { headers: { accept: 'application/json' } })
        .then(async (res) =>
          res.status === 200 ? { jwks: (await res.json()) as oauth.JWKS, uat: Math.floor(now() / 1000) } : undefined,
        )
        .catch(() => undefined);
      return call(async () => {
        const timing = clock.time();
        const res = await oauth.authorizationCodeGrantRequest(
          as,
          client,
          auth,
          callback,
          tx.redirectUri,
          tx.verifier,
          grant(dpop),
        );
        // The nonce binds this ID token to this login: its iat is a fresh reading of the provider's clock.
        const { offset, client: skewed } = await skewFor(res, timing());
        const answer = await oauth
          .processAuthorizationCodeResponse(as, skewed, res, {
            expectedNonce: tx.nonce,
            requireIdToken: true,
            maxAge: tx.maxAge ?? oauth.skipAuthTimeCheck,
          })
          .catch((err: unknown) => {
            throw res.status === 200 || oauth.isDPoPNonceError(err)
              ? err
              : tokenFailure(err, res, String(as.token_endpoint));
          });
        const result = await finish({ as, res, body: answer, offset, base, silent: !!base, jwks, dpop });
        checkCodeExchangeClaims(result.claims, tx, clockTolerance, offset); // requireIdToken: the claims are this response's
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
          const result = await finish({
            as,
            res,
            body: await oauth.processRefreshTokenResponse(as, skewed, res),
            offset,
            base,
            dpop,
          });
          checkRefreshClaims(result.claims, base); // base's claims when the answer has no ID token
          return result;
        } catch (err) {
          // A 200 means the provider has rotated the refresh token: refusing its answer ends the
          // session (login_required), as a retry would replay the old one and get the grant revoked.
          if (res.status === 200)
            throw new AuthError('login_required', 'renewal refused', { cause: toAuthError(err).message });
          throw oauth.isDPoPNonceError(err) ? err : tokenFailure(err, res, String(as.token_endpoint));
        }
      }, dpop),

    revoke: (as, tokens) => revokeToken(as, tokens, { clientId, http, allowHttp }),
    endSessionUrl: (as, idTokenHint) => endSessionUrl(as, idTokenHint, config),
  };
}
