/**
 * Silent authorization (`prompt=none`) in a hidden iframe. The redirect page inside the iframe
 * only forwards its query string to the parent with an exact target origin; the parent checks
 * origin, source window and shape, and does every protocol check and the code exchange itself.
 * The iframe is always removed: on success, error, timeout or abort.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest (`prompt=none`)
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.17.2 (postMessage origin checks)
 * @module
 */
import { authError, isAuthError } from './errors.js';
import { clampDelay } from './clock.js';

/** The `type` of the message the silent redirect page posts to its parent. */
export const SILENT_MESSAGE = 'spa-auth:silent';

/** Options for {@link silentAuthorize}. */
export interface SilentAuthOptions {
  /** Complete authorization URL (prompt=none already set by the caller). */
  url: string;
  /** Origin of silentRedirectUri; messages from anywhere else are ignored. */
  redirectOrigin: string;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Default globalThis.document. */
  document?: Document;
}

const isHttp = (u: URL) => u.protocol === 'https:' || u.protocol === 'http:';

/**
 * Loads `url` in a hidden iframe and resolves the authorization response's query parameters
 * posted back by the redirect page ({@link postSilentResponse}). A message counts only if
 * `event.origin === redirectOrigin`, `event.source` is the iframe's window, and its data is
 * `{ type: SILENT_MESSAGE, search: string }`; everything else is ignored. Rejects
 * `AuthError('timeout')` after `timeoutMs` or on abort (an `AuthError` abort reason is passed
 * through), and `invalid_config` for a non-http(s) `url` or `redirectOrigin`. The caller still
 * validates `state`, `iss` and the rest of the response.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.17.2
 * @example
 * ```ts
 * const params = await silentAuthorize({ url: authUrl.href, redirectOrigin: 'https://app.example.com', timeoutMs: 10_000 });
 * ```
 */
export function silentAuthorize(o: SilentAuthOptions): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    const doc = o.document ?? (globalThis as { document?: Document }).document;
    const win = doc?.defaultView;
    let url: URL;
    let origin: URL;
    try {
      url = new URL(o.url);
      origin = new URL(o.redirectOrigin);
    } catch {
      return reject(authError('invalid_config', 'Silent authorization needs absolute http(s) URLs'));
    }
    if (!doc || !win || !isHttp(url) || !isHttp(origin) || origin.origin !== o.redirectOrigin) {
      return reject(authError('invalid_config', 'Silent authorization needs a document and http(s) URLs'));
    }
    const { signal } = o;
    const aborted = () =>
      isAuthError(signal?.reason) ? signal.reason : authError('timeout', 'Silent authorization was aborted');
    if (signal?.aborted) return reject(aborted());

    const iframe = doc.createElement('iframe');
    const finish = (err: unknown, params?: URLSearchParams) => {
      clearTimeout(timer);
      win.removeEventListener('message', onMessage);
      signal?.removeEventListener('abort', onAbort);
      iframe.remove();
      if (params) resolve(params);
      else reject(err);
    };
    const onMessage = (e: MessageEvent) => {
      const source = iframe.contentWindow;
      const d: unknown = e.data;
      if (e.origin !== o.redirectOrigin || !source || e.source !== source) return;
      if (typeof d !== 'object' || d === null) return;
      const { type, search } = d as { type?: unknown; search?: unknown };
      if (type === SILENT_MESSAGE && typeof search === 'string') finish(undefined, new URLSearchParams(search));
    };
    const onAbort = () => finish(aborted());
    const timer = setTimeout(() => finish(authError('timeout', 'Silent authorization timed out')), clampDelay(o.timeoutMs));

    win.addEventListener('message', onMessage);
    signal?.addEventListener('abort', onAbort, { once: true });
    iframe.hidden = true;
    iframe.style.display = 'none';
    iframe.tabIndex = -1;
    iframe.setAttribute('aria-hidden', 'true');
    iframe.src = url.href;
    (doc.body ?? doc.documentElement).appendChild(iframe);
  });
}

/**
 * Call on the silent redirect page. If this window is framed and its URL carries an
 * authorization response (`code` or `error`, plus `state`, in the query), posts
 * `{ type: SILENT_MESSAGE, search: location.search }` to `window.parent` with
 * `targetOrigin = location.origin` (never `'*'`), so only a same-origin parent can read it.
 * The iframe never exchanges the code itself.
 *
 * @returns whether a message was posted
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.17.2
 * @example
 * ```ts
 * // silent.html's script (a file, not inline):
 * postSilentResponse();
 * ```
 */
export function postSilentResponse(win: Window | undefined = (globalThis as { window?: Window }).window): boolean {
  if (!win || !win.parent || win.parent === win) return false;
  const { search, origin } = win.location;
  const q = new URLSearchParams(search);
  if (!(q.has('code') || q.has('error')) || !q.has('state')) return false;
  win.parent.postMessage({ type: SILENT_MESSAGE, search }, origin);
  return true;
}
