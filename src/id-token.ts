/**
 * ID token validation beyond what oauth4webapi checks: the rules it leaves to the client
 * (a single audience, `azp`, asymmetric algorithms only, the signature, `sub` and `iat`,
 * `at_hash`), the rules of a renewal (OIDC Core §12.2: the same user, provider and client, a
 * token not older than the last) and of a code exchange (issued after the login started, the
 * `acr` asked for).
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation
 * @see https://openid.net/specs/openid-connect-core-1_0.html#RefreshTokenResponse
 * @module
 */
import * as oauth from 'oauth4webapi';
import { systemNow as now } from './clock.js';
import { must } from './errors.js';
import type { Tokens } from './session.js';
import type { Transaction } from './transaction.js';

/** Asymmetric JWS algorithms accepted for ID tokens: never `none`, never HS*. */
const ID_TOKEN_ALG = /^(RS|PS|ES)(256|384|512)$|^Ed(DSA|25519)$/;

/** Decodes base64url to a binary string (atob throws on anything that is not base64). */
const b64u = (text: string) => atob(text.replace(/-/g, '+').replace(/_/g, '/'));

/** The validated claims of an ID token. */
export type Claims = Tokens['claims'];

/** One token response whose ID token is to be checked. */
export interface IdTokenInput {
  as: oauth.AuthorizationServer;
  /** The token endpoint's response (oauth4webapi re-reads it to check the signature). */
  res: Response;
  /** Its body, already processed by oauth4webapi. */
  body: oauth.TokenEndpointResponse;
  /** The tokens this response renews (undefined for a new session). */
  base?: Tokens | undefined;
  /** The provider's clock minus the device's (ms), as this response implies: `iat` is compared on the provider's clock. */
  offset: number;
  /** A silent renewal (a code exchange that renews `base`): another user at the provider means login_required. */
  silent?: boolean | undefined;
  /** The issuer's JWKS, fetched beside the token request, in oauth4webapi's cache format. */
  jwks?: Promise<oauth.ExportedJWKSCache | undefined> | undefined;
}

/** The options of {@link idTokenValidator}. */
export interface IdTokenOptions {
  clientId: string;
  /** Seconds of clock skew tolerated. */
  clockTolerance: number;
  /** oauth4webapi's request options (custom fetch, insecure requests) for the JWKS. */
  http: oauth.ValidateSignatureOptions;
}

/** OIDC Core §3.1.3.8 (MAY, checked here): `at_hash` is the left half of the access token's hash. */
async function checkAtHash(atHash: unknown, alg: string, accessToken: string): Promise<void> {
  const digest = `SHA-${/^Ed/.test(alg) ? 512 : alg.slice(2)}`;
  const hash = new Uint8Array(await crypto.subtle.digest(digest, new TextEncoder().encode(accessToken)));
  must(String.fromCharCode(...hash.subarray(0, hash.length / 2)) === b64u(String(atHash)), 'bad at_hash');
}

/**
 * OIDC Core §12.2: a renewal's ID token is not older than the last, and is for the same user,
 * provider and client (two times of the provider's clock: the offset plays no part).
 */
function checkContinuity(claims: Claims, base: Tokens, silent: boolean, clockTolerance: number): void {
  must((claims.iat as number) >= (base.claims.iat as number) - clockTolerance, 'ID token not new');
  for (const claim of ['iss', 'sub', 'azp', 'aud']) {
    // A silent renewal that finds another user at the provider ends the session: login_required.
    must(
      String(claims[claim]) === String(base.claims[claim]),
      `ID token ${claim} changed`,
      claim === 'sub' && silent ? 'login_required' : undefined,
    );
  }
}

/**
 * Binds the ID token checks to one client. The validator resolves the response's validated
 * claims, or undefined when it carries no ID token (a refresh may omit it).
 * @example
 * ```ts
 * const validate = idTokenValidator({ clientId, clockTolerance: 30, http });
 * const claims = await validate({ as, res, body, base });
 * ```
 */
export function idTokenValidator({
  clientId,
  clockTolerance,
  http,
}: IdTokenOptions): (input: IdTokenInput) => Promise<Claims | undefined> {
  return async ({ as, res, body, offset, base, silent, jwks }) => {
    const claims = oauth.getValidatedIdTokenClaims(body);
    if (!claims) return undefined;
    // OIDC Core §3.1.3.7 steps 3 and 5: no audience but this client (oauth4webapi allows
    // others when azp is the client), and an azp, when present, is this client (oauth4webapi
    // checks it only when there are several audiences).
    must(
      [claims.aud].flat().every((aud) => aud === clientId) && (claims.azp ?? clientId) === clientId,
      'bad ID token aud or azp',
    );
    const header = JSON.parse(b64u(body.id_token!.split('.')[0]!)) as { alg?: unknown };
    const alg = String(header.alg);
    must(ID_TOKEN_ALG.test(alg), 'bad ID token alg');
    await oauth.validateApplicationLevelSignature(as, res, { ...http, [oauth.jwksCache]: (await jwks) ?? {} });
    must(/^[\x21-\x7e]{1,255}$/.test(claims.sub), 'bad ID token sub');
    must(claims.iat < (now() + offset) / 1000 + clockTolerance, 'bad ID token iat');
    if (claims.at_hash !== undefined) await checkAtHash(claims.at_hash, alg, body.access_token);
    if (base) checkContinuity(claims, base, silent === true, clockTolerance);
    return claims;
  };
}

/**
 * The rules of a code exchange's ID token (the response always has one): issued after the
 * login started, and, OIDC Core §5.5.1.1, with the `acr` asked for (step-up).
 */
export function checkCodeExchangeClaims(claims: Claims, tx: Transaction, clockTolerance: number, offset: number): void {
  // createdAt is on the device's clock; `offset` takes it to the provider's.
  must((claims.iat as number) * 1000 >= tx.createdAt + offset - clockTolerance * 1000, 'bad ID token iat');
  must(!tx.acrValues || tx.acrValues.split(' ').includes(claims.acr as string), 'acr not satisfied');
}

/**
 * OIDC Core §12.2: a refresh keeps the same authentication. (The same ID token again is
 * accepted: within one second a provider may issue a byte-identical one, and a refusal ends the session.)
 */
export function checkRefreshClaims(next: Claims, base: Tokens): void {
  for (const claim of ['auth_time', 'nonce'])
    must(next[claim] === undefined || next[claim] === base.claims[claim], `ID token ${claim} changed`);
}
