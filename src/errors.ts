/**
 * The one error type spa-auth rejects with, and the one function that makes it from anything
 * a lower layer threw. Messages are fixed, safe strings: no token, code, verifier or refresh
 * token can reach `message`, `cause`, or a log through here.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2 (OAuth error responses)
 * @module
 */

/**
 * Stable machine-readable error codes. Switch on these, never on `message`.
 *
 * - `invalid_config`: options or arguments are wrong
 * - `login_required`: no session; call `login()`
 * - `invalid_state`: callback `state` missing, unknown, already used, or expired
 * - `invalid_response`: a server response failed validation
 * - `oauth_error`: the server returned an OAuth error (`error`, `errorDescription`)
 * - `network_error`: the server could not be reached
 * - `timeout`: a request or silent authorization took too long
 */
export type AuthErrorCode =
  | 'invalid_config'
  | 'login_required'
  | 'invalid_state'
  | 'invalid_response'
  | 'oauth_error'
  | 'network_error'
  | 'timeout';

const MAX_DESCRIPTION = 256;

/** Keeps server-supplied text short and single-line; it is shown as plain text only. */
function clip(text: unknown): string | undefined {
  if (typeof text !== 'string') return undefined;
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').slice(0, MAX_DESCRIPTION);
}

/**
 * Every failure spa-auth reports is an `AuthError` with a stable {@link AuthErrorCode}.
 *
 * For `oauth_error`, `error` holds the server's OAuth error code (e.g. `invalid_grant`,
 * `login_required`) and `errorDescription` its description, truncated to 256 characters.
 * `cause`, when present, is a short string naming the underlying failure, never the failure
 * object itself (oauth4webapi puts whole token responses there).
 *
 * @example
 * ```ts
 * try { await auth.getAccessToken(); }
 * catch (e) { if (isAuthError(e) && e.code === 'login_required') await auth.login(); }
 * ```
 */
export class AuthError extends Error {
  /** Stable code; see {@link AuthErrorCode}. */
  readonly code: AuthErrorCode;
  /** The OAuth `error` value for `oauth_error` (and for some `invalid_state` cases). */
  readonly error?: string;
  /** The server's `error_description`, plain text, at most 256 characters. */
  readonly errorDescription?: string;
  declare readonly cause?: string;

  constructor(code: AuthErrorCode, message: string, details?: { error?: unknown; errorDescription?: unknown; cause?: string }) {
    super(message);
    this.name = 'AuthError';
    this.code = code;
    const error = clip(details?.error);
    const description = clip(details?.errorDescription);
    if (error !== undefined) this.error = error;
    if (description !== undefined) this.errorDescription = description;
    if (details?.cause !== undefined) Object.defineProperty(this, 'cause', { value: details.cause, enumerable: false });
  }
}

/**
 * Type guard for {@link AuthError}, also across bundles (checks `name` and `code`, not only
 * `instanceof`, so an ESM copy and a script-tag copy recognise each other's errors).
 *
 * @example
 * ```ts
 * if (isAuthError(err) && err.code === 'oauth_error') console.warn(err.error);
 * ```
 */
export function isAuthError(value: unknown): value is AuthError {
  return (
    value instanceof AuthError ||
    (value instanceof Error && value.name === 'AuthError' && typeof (value as { code?: unknown }).code === 'string')
  );
}

/** Shorthand used across the SDK for its own failures. */
export const authError = (code: AuthErrorCode, message: string, details?: ConstructorParameters<typeof AuthError>[2]): AuthError =>
  new AuthError(code, message, details);

/**
 * Translates anything thrown below the client (oauth4webapi, fetch, WebCrypto, aborts) into an
 * {@link AuthError}. The original error object is dropped: only its class name and, for
 * oauth4webapi, its `code` survive, as the `cause` string.
 *
 * @param fallback the code for failures that are not recognised (defaults to `invalid_response`)
 */
export function toAuthError(err: unknown, fallback: AuthErrorCode = 'invalid_response'): AuthError {
  if (isAuthError(err)) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as {
    name?: unknown;
    code?: unknown;
    error?: unknown;
    error_description?: unknown;
    message?: unknown;
  };
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const libCode = typeof e.code === 'string' ? e.code : undefined;
  const cause = libCode ? `${name}: ${libCode}` : name;
  // OAuth error responses: token endpoint (ResponseBodyError), authorization response
  // (AuthorizationResponseError), resource challenge (WWWAuthenticateChallengeError).
  if (typeof e.error === 'string' && (name === 'ResponseBodyError' || name === 'AuthorizationResponseError')) {
    return authError('oauth_error', `The authorization server returned an error: ${clip(e.error)}`, {
      error: e.error,
      errorDescription: e.error_description,
      cause,
    });
  }
  if (name === 'TimeoutError') return authError('timeout', 'The request to the authorization server timed out', { cause });
  if (name === 'AbortError') return authError('timeout', 'The request was aborted', { cause });
  // fetch() rejects with a TypeError when the network fails or CORS blocks the response.
  if (name === 'TypeError' && !libCode) return authError('network_error', 'The authorization server could not be reached', { cause });
  if (libCode === 'OAUTH_HTTP_REQUEST_FORBIDDEN' || libCode === 'OAUTH_REQUEST_PROTOCOL_FORBIDDEN') {
    return authError('invalid_config', 'An endpoint uses a scheme that is not allowed (https is required)', { cause });
  }
  return authError(fallback, describe(libCode), { cause });
}

/** Fixed messages for oauth4webapi's error codes: never the library's message, which can quote values. */
function describe(libCode: string | undefined): string {
  switch (libCode) {
    case 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED':
      return 'The ID token is expired or not yet valid';
    case 'OAUTH_JWT_CLAIM_COMPARISON_FAILED':
      return 'An ID token claim (iss, aud, azp, nonce or auth_time) did not match';
    case 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED':
      return 'A response attribute (such as issuer or iss) did not match the expected value';
    case 'OAUTH_KEY_SELECTION_FAILED':
      return 'No usable key in the issuer JWKS verifies the ID token';
    case 'OAUTH_RESPONSE_IS_NOT_JSON':
    case 'OAUTH_PARSE_ERROR':
      return 'The server response is not valid JSON';
    case 'OAUTH_RESPONSE_IS_NOT_CONFORM':
      return 'The server response has an unexpected HTTP status';
    case 'OAUTH_MISSING_SERVER_METADATA':
    case 'OAUTH_INVALID_SERVER_METADATA':
      return 'The authorization server metadata is missing a required value';
    default:
      return 'The server response failed validation';
  }
}
