/**
 * What a failed token-endpoint answer means for the session: transient (network failures,
 * timeouts, 5xx, 408, 429: try again later, after `Retry-After` when the server gives one) or
 * final (any other 4xx, with or without an OAuth error body: the grant is over).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2 (token endpoint errors)
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-10.2.3 (Retry-After)
 * @see https://www.rfc-editor.org/rfc/rfc6585#section-4 (429 Too Many Requests)
 * @module
 */
import { systemNow as now } from './clock.js';
import { AuthError, toAuthError } from './errors.js';

/** The verdict on one failed token request: `final` ends the session; `retryAfter` in ms. */
export interface TokenFailure {
  final: boolean;
  retryAfter?: number | undefined;
}

/** Longest `Retry-After` honoured: a server cannot park the session for longer than a minute. */
const MAX_RETRY_AFTER = 60_000;
const verdicts = new WeakMap<AuthError, TokenFailure>();

/**
 * `Retry-After` (delta-seconds or an HTTP-date) in ms from now, capped at one minute;
 * undefined when absent or unreadable.
 * @example
 * ```ts
 * retryAfterMs(new Headers({ 'retry-after': '5' }), Date.now()); // 5000
 * ```
 */
export function retryAfterMs(headers: Headers, now: number): number | undefined {
  const value = headers.get('retry-after')?.trim() ?? '';
  const at = /^\d+$/.test(value) ? now + Number(value) * 1000 : Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.min(Math.max(at - now, 0), MAX_RETRY_AFTER);
}

/**
 * Turns what a token request threw, given the HTTP answer it got, into an {@link AuthError}
 * and records whether the failure is final. An answer without an OAuth error body is reported
 * with its status.
 * @example
 * ```ts
 * throw tokenFailure(err, res, as.token_endpoint); // 403, empty body: final, invalid_response naming HTTP 403
 * ```
 */
export function tokenFailure(err: unknown, res: Response, endpoint: string): AuthError {
  const { status } = res;
  let e = toAuthError(err);
  if (e.code !== 'oauth_error') {
    e = new AuthError(
      'invalid_response',
      `The token endpoint ${endpoint.replace(/[?#].*$/, '')} answered HTTP ${status} without an OAuth error`,
      { cause: e.cause ?? e.message },
    );
  }
  // RFC 9449 §8: use_dpop_nonce asks for another try, with the nonce it brought.
  const transient = status >= 500 || status === 408 || status === 429 || e.error === 'use_dpop_nonce';
  verdicts.set(e, {
    final: status >= 400 && !transient,
    retryAfter: transient ? retryAfterMs(res.headers, now()) : undefined,
  });
  return e;
}

/**
 * The verdict {@link tokenFailure} recorded for `error`; undefined for failures that never got
 * an HTTP answer from the token endpoint (network, timeout) or were not classified there.
 */
export function failureOf(error: AuthError): TokenFailure | undefined {
  return verdicts.get(error);
}
