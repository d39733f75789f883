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
import { AuthError, must } from './errors.js';
import { clampDelay } from './clock.js';
import { SILENT_MESSAGE } from './names.js';
import { parseUrl } from './url.js';

/** How long a provider page left in the silent iframe may take to redirect back by script. */
export const GRACE_MS = 2000;

/**
 * The `cause` of the `timeout` that {@link silentAuthorize} rejects with when the provider left
 * a page in the frame (it showed its login or an error page instead of redirecting back).
 */
export const PAGE_LEFT_IN_FRAME = 'the provider showed a page in the frame instead of redirecting back';

/** The `type` of the message the silent redirect page posts to its parent (named in names.ts). */
export { SILENT_MESSAGE };

/** Options for {@link silentAuthorize}. */
export interface SilentAuthOptions {
  /** Complete authorization URL (prompt=none already set by the caller). */
  url: string;
  /** Origin of silentRedirectUri; messages from anywhere else are ignored. */
  redirectOrigin: string;
  timeoutMs: number;
  /** Gives up at once (rejects `timeout`, iframe removed) when aborted: logout, destroy. */
  signal?: AbortSignal | undefined;
}

/** The origin of an absolute http(s) URL, else false. */
const httpOrigin = (s: string) => {
  const u = parseUrl(s);
  return !!u && /^https?:$/.test(u.protocol) && u.origin;
};

/**
 * Loads `url` in a hidden iframe and resolves the authorization response's query parameters
 * posted back by the redirect page ({@link postSilentResponse}). A message counts only if
 * `event.origin === redirectOrigin`, `event.source` is the iframe's window, and its data is
 * `{ type: SILENT_MESSAGE, search: string }`; everything else is ignored. Rejects
 * `AuthError('timeout')` after `timeoutMs` or when `signal` aborts, and `invalid_config`
 * without a document or for a non-http(s) `url` or `redirectOrigin`. The caller still
 * validates `state`, `iss` and the rest of the response.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.17.2
 * @example
 * ```ts
 * const params = await silentAuthorize({ url: authUrl.href, redirectOrigin: 'https://app.example.com', timeoutMs: 10_000 });
 * ```
 */
export function silentAuthorize(options: SilentAuthOptions): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    const win = globalThis.document?.defaultView;
    // Thrown in the executor, this rejects the promise.
    must(
      win && httpOrigin(options.url) && httpOrigin(options.redirectOrigin) === options.redirectOrigin,
      'Silent authorization needs a window and http(s) URLs.',
      'invalid_config',
    );
    const iframe = win.document.createElement('iframe');
    /** Cleans up, then resolves `params`, or rejects with a timeout (`left`: a provider page stayed) without them. */
    const finish = (params?: URLSearchParams, left?: boolean) => {
      clearTimeout(timer);
      clearTimeout(grace);
      options.signal?.removeEventListener('abort', abort);
      win.removeEventListener('message', onMessage);
      iframe.remove();
      if (params) resolve(params);
      else if (left)
        reject(
          new AuthError(
            'timeout',
            `Silent authorization: the provider showed a page in the hidden iframe instead of redirecting to ${options.redirectOrigin} (a login page it will not frame, or an error page: check clientId and silentRedirectUri)`,
            { cause: PAGE_LEFT_IN_FRAME },
          ),
        );
      else
        reject(
          new AuthError('timeout', `Silent authorization: no answer within ${options.timeoutMs / 1000} s`, {
            cause: options.signal?.aborted ? 'cancelled' : 'no answer',
          }),
        );
    };
    const onMessage = ({ origin, source, data }: MessageEvent<unknown>) => {
      // `source &&`: a removed iframe's contentWindow is null, and so is a message's source from a worker
      const message = typeof data === 'object' && data !== null ? (data as { type?: unknown; search?: unknown }) : {};
      if (
        origin === options.redirectOrigin &&
        source &&
        source === iframe.contentWindow &&
        message.type === SILENT_MESSAGE &&
        typeof message.search === 'string'
      ) {
        finish(new URLSearchParams(message.search));
      }
    };
    const timer = setTimeout(finish, clampDelay(options.timeoutMs));
    let grace: ReturnType<typeof setTimeout> | undefined;
    const abort = () => finish();
    options.signal?.addEventListener('abort', abort);
    if (options.signal?.aborted) return finish();

    win.addEventListener('message', onMessage);
    // Inline `!important` beats any page stylesheet: never rendered, so never focusable nor announced.
    iframe.hidden = true;
    iframe.style.cssText = 'display:none!important';
    iframe.referrerPolicy = 'no-referrer'; // the provider learns nothing of the page's path
    // A load that leaves the frame on another origin: the provider showed a page instead of
    // redirecting back (framing refused by X-Frame-Options or frame-ancestors, or a page that
    // needs the user). Such a page gets GRACE_MS to redirect by script, not the whole timeout.
    // Once a page of ours has loaded, the answer is on its way: the usual timeout applies.
    iframe.onload = () => {
      clearTimeout(grace);
      try {
        void iframe.contentWindow?.location.href;
      } catch {
        grace = setTimeout(() => finish(undefined, true), GRACE_MS);
      }
    };
    iframe.src = options.url; // absolute: checked above
    (win.document.body ?? win.document.documentElement).appendChild(iframe);
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
export function postSilentResponse(win: Window | undefined = globalThis.window): boolean {
  const parent = win?.parent;
  const q = new URLSearchParams(win?.location.search);
  const ok = !!parent && parent !== win && (q.has('code') || q.has('error')) && q.has('state');
  if (ok) parent.postMessage({ type: SILENT_MESSAGE, search: win.location.search }, win.location.origin);
  return ok;
}
