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
 * - `timeout`: a request, silent authorization or a popup took too long
 * - `popup_blocked`: `loginWithPopup()` could not open its window
 * - `popup_closed`: the user closed the popup before it finished
 */
export type AuthErrorCode =
  | 'invalid_config'
  | 'login_required'
  | 'invalid_state'
  | 'invalid_response'
  | 'oauth_error'
  | 'network_error'
  | 'timeout'
  | 'popup_blocked'
  | 'popup_closed';

/** Keeps server-supplied text short (256 characters) and single-line; it is shown as plain text only. */
function clip(text: unknown): string | undefined {
  // eslint-disable-next-line no-control-regex
  return typeof text === 'string' ? text.replace(/[\0-\x1f\x7f]+/g, ' ').slice(0, 256) : undefined;
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
  declare readonly code: AuthErrorCode;
  /** The OAuth `error` value for `oauth_error` (and for some `invalid_state` cases). */
  declare readonly error?: string;
  /** The server's `error_description`, plain text, at most 256 characters. */
  declare readonly errorDescription?: string;
  /** A short name of the underlying failure (an oauth4webapi code or an error class), never a secret. */
  declare readonly cause?: string;

  constructor(code: AuthErrorCode, message: string, details: { error?: unknown; errorDescription?: unknown; cause?: string } = {}) {
    super(message);
    // Own properties; error and errorDescription are undefined when absent.
    Object.assign(this, { name: 'AuthError', code, error: clip(details.error), errorDescription: clip(details.errorDescription) });
    // Not enumerable, not writable.
    if (details.cause !== undefined) Object.defineProperty(this, 'cause', { value: details.cause });
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
  return value instanceof Error && value.name === 'AuthError' && typeof (value as { code?: unknown }).code === 'string';
}

/**
 * Throws `AuthError(code, message)` unless `ok`: the one way the SDK asserts a rule.
 *
 * @example
 * ```ts
 * must(as.issuer === issuer, 'issuer mismatch'); // invalid_response
 * ```
 */
export function must(ok: unknown, message: string, code: AuthErrorCode = 'invalid_response'): asserts ok {
  if (!ok) throw new AuthError(code, message);
}

/**
 * Translates anything thrown below the client (oauth4webapi, fetch, WebCrypto, aborts) into an
 * {@link AuthError}. The original error object is dropped: only its error code (for
 * oauth4webapi) or class name (for platform errors) survives, in `message` and as `cause`. Neither can
 * hold a secret; oauth4webapi's own messages and causes (which can quote whole token
 * responses) never get through.
 *
 * @param fallback the code for failures that are not recognised (defaults to `invalid_response`)
 */
export function toAuthError(err: unknown, fallback: AuthErrorCode = 'invalid_response'): AuthError {
  if (isAuthError(err)) return err;
  // oauth4webapi's error codes are stable; class names are not (minifiers rename classes).
  const e = (err ?? {}) as { name?: unknown; code?: unknown; error?: unknown; error_description?: unknown };
  const name = String(e.name);
  const cause = typeof e.code === 'string' ? e.code : name;
  // OAuth error responses from the token endpoint or the authorization response.
  if (typeof e.error === 'string' && (cause === 'OAUTH_RESPONSE_BODY_ERROR' || cause === 'OAUTH_AUTHORIZATION_RESPONSE_ERROR')) {
    return new AuthError('oauth_error', `Server error: ${clip(e.error)}`, { error: e.error, errorDescription: e.error_description, cause });
  }
  const code: AuthErrorCode =
    name === 'TimeoutError' || name === 'AbortError'
      ? 'timeout'
      : name === 'TypeError' && !e.code // fetch() rejects with a bare TypeError when the network fails
        ? 'network_error'
        : /FORBIDDEN/.test(cause) // oauth4webapi refused a non-https URL
          ? 'invalid_config'
          : fallback;
  return new AuthError(code, `Request failed (${cause})`, { cause });
}
