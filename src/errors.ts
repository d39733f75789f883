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

/**
 * Keeps server-supplied text short (`max` characters) and single-line; it is shown as plain text
 * only. In a description (`hide`), a run of 24 or more token characters with a digit or both
 * cases (a token, code, verifier or state a provider echoes back) becomes `…`, so no secret
 * travels on; words such as `account_selection_required` stay.
 */
function clip(text: unknown, max = 256, hide = false): string | undefined {
  if (typeof text !== 'string') return undefined;
  // eslint-disable-next-line no-control-regex -- control characters are what it removes
  const flat = text.replace(/[\0-\x1f\x7f]+/g, ' ');
  return (
    hide ? flat.replace(/[\w-]{24,}/g, (run) => (/\d|[a-z].*[A-Z]|[A-Z].*[a-z]/.test(run) ? '…' : run)) : flat
  ).slice(0, max);
}

/** What each code means, in words: the `cause` of an error that has no more precise one. */
const CAUSE: Record<AuthErrorCode, string> = {
  invalid_config: 'an option or argument breaks a rule',
  login_required: 'there is no session',
  invalid_state: 'the callback belongs to no login of this tab',
  invalid_response: 'the answer breaks a rule of OAuth or OpenID Connect',
  oauth_error: 'the provider answered with an OAuth error',
  network_error: 'the server could not be reached',
  timeout: 'no answer in time',
  popup_blocked: 'the browser did not open the login window',
  popup_closed: 'the login window was closed before the login finished',
};

/**
 * Every failure spa-auth reports is an `AuthError` with a stable {@link AuthErrorCode}.
 *
 * For `oauth_error`, `error` holds the server's OAuth error code (e.g. `invalid_grant`,
 * `login_required`) and `errorDescription` its description, truncated to 256 characters.
 * `message` says what failed, the public values involved (an option, an issuer, a URL without
 * its query) and how to fix it. `cause` is always set: the underlying failure in words, never
 * the failure object itself (oauth4webapi puts whole token responses there).
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
  /** The underlying failure in words (e.g. "the answer is not JSON"); always set, never a secret. */
  declare readonly cause: string;

  constructor(
    code: AuthErrorCode,
    message: string,
    details: { error?: unknown; errorDescription?: unknown; cause?: string } = {},
  ) {
    super(message);
    // Own properties; error and errorDescription are undefined when absent.
    Object.assign(this, {
      name: 'AuthError',
      code,
      error: clip(details.error),
      errorDescription: clip(details.errorDescription, 256, true),
    });
    // Not enumerable, not writable.
    Object.defineProperty(this, 'cause', { value: details.cause ?? CAUSE[code] });
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
 * must(as.code_challenge_methods_supported?.includes('S256'), 'The provider does not offer PKCE S256…'); // invalid_response
 * ```
 */
export function must(
  ok: unknown,
  message: string,
  code: AuthErrorCode = 'invalid_response',
  cause?: string,
): asserts ok {
  if (!ok) throw new AuthError(code, message, cause === undefined ? {} : { cause });
}

/** What oauth4webapi's error codes mean, in words (its codes are stable; its messages are not kept). */
const LIBRARY_CAUSE: Record<string, string> = {
  OAUTH_RESPONSE_IS_NOT_JSON: 'the answer is not JSON',
  OAUTH_PARSE_ERROR: 'the answer could not be parsed',
  OAUTH_INVALID_RESPONSE: 'a value in the answer is missing or of the wrong type',
  OAUTH_RESPONSE_IS_NOT_CONFORM: 'unexpected HTTP status',
  OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED: 'a value in the answer is not the expected one',
  OAUTH_JWT_CLAIM_COMPARISON_FAILED: 'an ID token claim is not the expected one',
  OAUTH_JWT_TIMESTAMP_CHECK_FAILED: 'the ID token is expired or not yet valid (check the device clock)',
  OAUTH_KEY_SELECTION_FAILED: "no key of the provider's JWKS fits the ID token",
  OAUTH_HTTP_REQUEST_FORBIDDEN: 'plain http: is allowed only to a loopback host',
  OAUTH_REQUEST_PROTOCOL_FORBIDDEN: 'only https: and http: URLs are allowed',
  OAUTH_UNSUPPORTED_OPERATION: 'an unsupported algorithm or key type',
};

/** What to do about the OAuth errors a developer meets most. */
const SIGN_IN = 'The user must sign in at the provider: call login().';
const OAUTH_HINT: Record<string, string> = {
  access_denied: 'The user cancelled or was refused: offer to sign in again.',
  login_required: SIGN_IN,
  interaction_required: SIGN_IN,
  consent_required: SIGN_IN,
  invalid_grant: 'The code or refresh token is used, expired or revoked: call login().',
  invalid_client: 'Check clientId, and that the provider registers the app as a public client.',
  invalid_request: 'Check the client registration at the provider: redirectUri must match a registered one exactly.',
};

/** A public name (an ID token claim, a metadata field) oauth4webapi reports, or undefined. */
const nameIn = (x: unknown) => (typeof x === 'string' && /^\w{1,40}$/.test(x) ? x : undefined);

/**
 * Translates anything thrown below the client (oauth4webapi, fetch, WebCrypto, aborts) into an
 * {@link AuthError}. The original error object is dropped: what survives is its error code (for
 * oauth4webapi) or class name (for platform errors), told in words in `message` and `cause`,
 * and, for OAuth errors, the server's `error` and a capped `error_description`.
 * oauth4webapi's own messages and causes (which can quote whole token responses) never get through.
 *
 * @param fallback the code for failures that are not recognised (defaults to `invalid_response`)
 */
export function toAuthError(err: unknown, fallback: AuthErrorCode = 'invalid_response'): AuthError {
  if (isAuthError(err)) return err;
  // oauth4webapi's error codes are stable; class names are not (minifiers rename classes).
  const e = (err ?? {}) as {
    name?: unknown;
    code?: unknown;
    error?: unknown;
    error_description?: unknown;
    cause?: { status?: unknown; claim?: unknown; attribute?: unknown };
  };
  const name = String(e.name);
  const code = typeof e.code === 'string' ? e.code : '';
  // OAuth error responses from the token endpoint or the authorization response.
  const fromToken = code === 'OAUTH_RESPONSE_BODY_ERROR';
  if (typeof e.error === 'string' && (fromToken || code === 'OAUTH_AUTHORIZATION_RESPONSE_ERROR')) {
    const error = clip(e.error, 64)!;
    const description = clip(e.error_description, 200, true);
    return new AuthError(
      'oauth_error',
      `The provider refused ${fromToken ? 'the token request' : 'the sign-in'}: ${error}${description ? ` ("${description}")` : ''}. ${OAUTH_HINT[error] ?? 'See error and errorDescription.'}`,
      {
        error: e.error,
        errorDescription: e.error_description,
        cause: `an OAuth error response from the ${fromToken ? 'token endpoint' : 'authorization endpoint'}`,
      },
    );
  }
  if (name === 'TimeoutError' || name === 'AbortError')
    return new AuthError('timeout', 'The request timed out or was cancelled.');
  // fetch() rejects with a bare TypeError when the network fails (cappedFetch names the URL)
  if (name === 'TypeError' && !code) return new AuthError('network_error', 'The server could not be reached.');
  const status = typeof e.cause?.status === 'number' ? ` (HTTP ${e.cause.status})` : '';
  const field = nameIn(e.cause?.claim) ?? nameIn(e.cause?.attribute);
  const words = code.startsWith('OAUTH_')
    ? `${LIBRARY_CAUSE[code] ?? 'the answer failed validation'}${field ? `: ${field}` : ''}${status}`
    : `the browser raised ${/^\w{1,40}$/.test(name) ? name : 'an error'}`;
  // oauth4webapi refused a non-https URL
  const forbidden = /FORBIDDEN/.test(code);
  return new AuthError(
    forbidden ? 'invalid_config' : fallback,
    forbidden
      ? `Refused a request: ${words}. Use https: URLs (http: only on localhost, 127.0.0.1 or [::1]).`
      : `${fallback === 'invalid_config' ? 'The browser refused the operation' : "The server's answer failed validation"}: ${words}. Check the provider's configuration for this client.`,
    { cause: words },
  );
}
