/**
 * DPoP (RFC 9449): one non-extractable key pair per session, an oauth4webapi `DPoPHandle` for
 * the authorization server requests, and proof-carrying resource requests that share the
 * handle's per-origin nonce cache.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9449
 * @module
 */
import * as oauth from 'oauth4webapi';
import { systemNow, type Now } from './clock.js';
import { AuthError, toAuthError } from './errors.js';
import { DPOP_NONCE } from './http.js';
import { isLoopback } from './url.js';

/** A DPoP key pair and what signs with it. Create it with {@link createDPoPSession}. */
export interface DPoPSession {
  /** The key pair; the private key is non-extractable. Structured-cloneable, e.g. to hand to another tab. */
  readonly keys: CryptoKeyPair;
  /** For oauth4webapi's token, refresh, revocation and PAR requests (`{ DPoP: handle }`); shares the nonce cache with {@link DPoPSession.send}. */
  readonly handle: oauth.DPoPHandle;
  /**
   * Sends a resource request with `Authorization: DPoP <accessToken>` and a fresh `DPoP` proof
   * (`htm`, `htu`, `iat`, `jti`, `ath`, and `nonce` when one is known for the URL's origin),
   * and remembers a valid `DPoP-Nonce` the response carries. `init` is used as given (body,
   * credentials, signal, ...), except that the method is upper-cased (it is the proof's `htm`)
   * and redirects are not followed: `redirect` is `'manual'` unless `init` says `'error'`,
   * because browsers keep the `DPoP` header on a cross-origin redirect.
   * Resolves with the real response, untouched; a failed fetch rejects as `fetchImpl` did.
   * Plain `http:` is allowed for loopback hosts only; any other non-`https:` URL rejects
   * with `invalid_config`.
   *
   * @see https://www.rfc-editor.org/rfc/rfc9449#section-7.1
   */
  send(accessToken: string, url: URL, init: RequestInit, fetchImpl: typeof fetch): Promise<Response>;
}

/**
 * Makes a DPoP session from an existing key pair (e.g. received from another tab), or
 * generates a non-extractable ES256 pair. A private key that is extractable, or anything that
 * is not a usable key pair, is refused with `AuthError('invalid_config')`; so is a missing
 * WebCrypto (insecure context). Every proof's `iat` is read from `now` (epoch ms): the
 * provider's time as the client knows it, so a device clock that is off does not make the
 * proofs look stale or early to the server.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-2 (key pair)
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-4 (proofs)
 * @example
 * ```ts
 * const dpop = await createDPoPSession(undefined, clock.now);
 * const res = await dpop.send(accessToken, new URL('https://api.example.com/me'), {}, fetch);
 * ```
 */
export async function createDPoPSession(keys?: CryptoKeyPair, now: Now = systemNow): Promise<DPoPSession> {
  const refused = () =>
    new AuthError('invalid_config', 'DPoP needs WebCrypto (https: or localhost) and a non-extractable private key.');
  let pair: CryptoKeyPair;
  let handle: oauth.DPoPHandle;
  try {
    pair = keys ?? (await oauth.generateKeyPair('ES256'));
    if (pair.privateKey?.extractable !== false) throw refused();
    // RFC 9449 §4.2: iat is the proof's creation time, on the clock the server judges it by.
    handle = oauth.DPoP({}, pair, {
      [oauth.modifyAssertion]: (_, payload) => void (payload.iat = Math.floor(now() / 1000)),
    });
  } catch {
    throw refused(); // not a key pair, an extractable private key, or no WebCrypto (insecure context)
  }
  return {
    keys: pair,
    handle,
    send: (accessToken, url, init, fetchImpl) => sendWithProof(handle, accessToken, url, init, fetchImpl),
  };
}

/** {@link DPoPSession.send}: the proof is oauth4webapi's, the real request is ours. */
async function sendWithProof(
  handle: oauth.DPoPHandle,
  accessToken: string,
  url: URL,
  init: RequestInit,
  fetchImpl: typeof fetch,
): Promise<Response> {
  let real: Promise<Response> | undefined; // set once the request is sent
  const method = (init.method ?? 'GET').toUpperCase();
  try {
    // oauth4webapi computes the proof and caches the nonce; the real request is ours.
    await oauth.protectedResourceRequest(accessToken, method, url, undefined, undefined, {
      DPoP: handle,
      // Plain http on loopback only. Other schemes need no check here: oauth4webapi refuses
      // anything but http: and https: whatever this option says.
      [oauth.allowInsecureRequests]: isLoopback(url),
      [oauth.customFetch]: async (_href, computed) => {
        const headers = new Headers(init.headers);
        for (const name of ['authorization', 'dpop']) headers.set(name, computed.headers[name]!);
        real = fetchImpl(url, { ...init, method, headers, redirect: init.redirect === 'error' ? 'error' : 'manual' });
        const nonce = (await real).headers.get('dpop-nonce');
        // A stand-in: only a valid nonce, never the server's WWW-Authenticate (its parser is O(n²)).
        return new Response(null, { headers: nonce !== null && DPOP_NONCE.test(nonce) ? { 'dpop-nonce': nonce } : {} });
      },
    });
  } catch (err) {
    // Before sending: a forbidden scheme or an unusable key. After: fetch's own rejection.
    throw real ? err : toAuthError(err, 'invalid_config');
  }
  return real!;
}
