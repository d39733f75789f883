/**
 * `auth.fetch`: a drop-in `fetch` that attaches the access token only to allowlisted origins,
 * and reads the resource server's `WWW-Authenticate` challenge to refresh once, retry once
 * with a DPoP nonce, or report step-up and scope errors as events.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1 (Bearer error codes)
 * @see https://www.rfc-editor.org/rfc/rfc9470#section-3 (step-up authentication)
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-9 (resource server nonces)
 * @module
 */
import type { AuthEvents } from './types.js';
import type { DPoPSession } from './dpop.js';
import { isAuthError } from './errors.js';
import { parseChallenges } from './www-authenticate.js';

/** What {@link createAuthFetch} needs from the client: a token source, not the client itself. */
export interface AuthFetchOptions {
  /** Normalized origins (`'https://api.example.com'`), compared exactly with the request URL's `origin`. */
  apiOrigins: readonly string[];
  /** The current access token; rejects with `AuthError('login_required')` when there is no session. */
  getAccessToken: (o?: { forceRefresh?: boolean }) => Promise<string>;
  /** The DPoP session in DPoP mode, else `undefined`. */
  dpop: () => DPoPSession | undefined;
  /** The underlying fetch. */
  fetch: typeof fetch;
  /** Reports step-up and scope challenges. */
  emit: <K extends 'stepUpRequired' | 'insufficientScope'>(event: K, payload: AuthEvents[K]) => void;
  /** The base for relative URLs (`document.baseURI`). */
  baseUrl: () => string;
}

// acr_values, scope: printable ASCII, short. Anything else is dropped from the event.
const TEXT = /^[\x20-\x7e]{1,256}$/;

/**
 * Makes `auth.fetch`: same signature and semantics as `fetch` (string, `URL` or `Request`
 * input; `init` merged as `new Request(input, init)` does; `AbortSignal` honoured; HTTP error
 * statuses resolve).
 *
 * - The request is built once, as `new Request(input, init)` (strings and URLs resolved against
 *   `baseUrl()`), and its URL is both the one checked and the one requested.
 * - Origin not in `apiOrigins` (exact scheme, host and port): that request, sent as is, no token.
 * - Allowlisted origin, request already has an `Authorization` header or is `mode: 'no-cors'`:
 *   sent as is, no token, no retry.
 * - Otherwise `Authorization: Bearer <token>` (DPoP mode: `DPoP <token>` plus a `DPoP` proof)
 *   is attached. No session: rejects with `login_required` and sends nothing.
 * - Token-bearing requests use `redirect: 'manual'` (or `'error'` when the caller asked for it),
 *   so a token or proof never follows a redirect: a redirect resolves as the opaque-redirect
 *   response (`type: 'opaqueredirect'`, status 0), as is.
 * - On a 401 `invalid_token`: a newer token (forced refresh when the current one is the one
 *   just sent) and one retry with the same body. On a 401 `use_dpop_nonce` carrying a
 *   `DPoP-Nonce` (DPoP mode): one retry with a fresh proof. Never more than one retry. If the
 *   refresh fails with `login_required` that rejects; any other refresh failure resolves with
 *   the 401.
 * - `insufficient_user_authentication` emits `stepUpRequired` and `insufficient_scope` emits
 *   `insufficientScope`, with validated `acr_values`, `max_age` and `scope`; the response is
 *   returned, nothing is refreshed.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.9 (tokens only to the right server)
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 * @example
 * ```ts
 * const authFetch = createAuthFetch({ apiOrigins: ['https://api.example.com'], getAccessToken, dpop: () => undefined,
 *   fetch: globalThis.fetch, emit, baseUrl: () => document.baseURI });
 * const res = await authFetch('https://api.example.com/me');
 * ```
 */
export function createAuthFetch({
  apiOrigins,
  getAccessToken,
  dpop: getDPoP,
  fetch,
  emit,
  baseUrl,
}: AuthFetchOptions): (input: Request | string | URL, init?: RequestInit) => Promise<Response> {
  return async (input, init) => {
    // The request is built first, the way fetch() builds it (a Request from any realm by its
    // URL, anything else by its string form), and its URL is the one checked and requested: a
    // `{ url }` link object is not a Request. Strings and URLs resolve against the page. Being a
    // Request, it keeps the body replayable (a clone() per attempt).
    const base = new Request(
      typeof input === 'string' || input instanceof URL ? new URL(input, baseUrl()) : input,
      init,
    );
    const url = new URL(base.url);
    // Exact origin, and an http(s) URL with no userinfo (a blob: URL has its creator's origin).
    if (!apiOrigins.includes(url.origin) || !url.href.startsWith(`${url.origin}/`)) return fetch(base);
    // A no-cors request cannot carry Authorization, nor use redirect: 'manual': sent as is.
    if (base.headers.has('authorization') || base.mode === 'no-cors') return fetch(base);
    const send = (token: string): Promise<Response> => {
      const req = base.clone();
      // The key of the session the token came from: read once the token is in hand.
      const dpop = getDPoP();
      const headers = new Headers(req.headers);
      const init: RequestInit = {
        method: req.method,
        headers,
        redirect: req.redirect === 'error' ? 'error' : 'manual',
        // No Referer with a token (RFC 9700 §4.2.4), unless the app chose a policy for this request.
        referrerPolicy: req.referrerPolicy || 'no-referrer',
      };
      if (dpop) return dpop.send(token, url, init, (_u, i) => fetch(new Request(req, i)));
      headers.set('authorization', `Bearer ${token}`);
      return fetch(new Request(req, init));
    };
    /** The first Bearer or DPoP challenge of a 401 or 403 that carries an error. */
    const challenge = (res: Response) =>
      [401, 403].includes(res.status)
        ? parseChallenges(res.headers.get('www-authenticate')).find(
            (c) => /^(bearer|dpop)$/.test(c.scheme) && c.params.error,
          )?.params
        : undefined;

    let token = await getAccessToken();
    let res = await send(token);
    let params = challenge(res);
    let error = res.status === 401 && params?.error;
    if (error === 'invalid_token') {
      try {
        const sent = token;
        token = await getAccessToken();
        if (token === sent) token = await getAccessToken({ forceRefresh: true });
      } catch (err) {
        if (isAuthError(err) && err.code === 'login_required') throw err;
        return res;
      }
    }
    if (error === 'invalid_token' || (error === 'use_dpop_nonce' && getDPoP() && res.headers.has('dpop-nonce'))) {
      void res.body?.cancel().catch(() => {});
      params = challenge((res = await send(token)));
    }
    error = params?.error;
    // Untrusted text: only validated values reach the event.
    const event: Record<string, unknown> = { url: url.href };
    if (error === 'insufficient_user_authentication') {
      if (TEXT.test(params!.acr_values ?? '')) event.acrValues = params!.acr_values;
      if (/^\d{1,9}$/.test(params!.max_age ?? '')) event.maxAge = Number(params!.max_age);
      emit('stepUpRequired', event as AuthEvents['stepUpRequired']);
    } else if (error === 'insufficient_scope') {
      if (TEXT.test(params!.scope ?? '')) event.scope = params!.scope;
      emit('insufficientScope', event as AuthEvents['insufficientScope']);
    }
    return res;
  };
}
