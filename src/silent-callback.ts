/**
 * `spa-auth/silent-callback`: the page at `silentRedirectUri` without the whole SDK. That page
 * only forwards the authorization response from the hidden iframe to the parent window (or,
 * loaded at top level with a stray response, sends the user on to the app): it never exchanges
 * a code, so it needs neither oauth4webapi nor the client. This entry runs the very code
 * `init()` runs there (silent-page.ts) and weighs about 1.4 KB gzipped instead of the SDK's
 * ~25 KB. The script-tag form is `dist/silent-callback.iife.min.js`, global `SpaAuthSilent`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.17.2
 * @module
 */
import { systemNow as now } from './clock.js';
import { restoreNotes } from './restore-notes.js';
import { readSilentPage } from './silent-page.js';
import { findTransaction } from './transaction.js';
import type { AuthClientOptions } from './types.js';

/**
 * The options {@link handleSilentCallback} reads: `issuer`, `clientId`, `redirectUri` and
 * `silentRedirectUri` (default: `redirectUri`), the same values the app gives
 * `createAuthClient`. The app's whole options object may be passed as it is; the others are
 * ignored.
 */
export type SilentCallbackOptions = Pick<
  AuthClientOptions,
  'issuer' | 'clientId' | 'redirectUri' | 'silentRedirectUri'
> &
  Partial<AuthClientOptions>;

/**
 * What {@link handleSilentCallback} did: `'posted'` (the response went to the parent window),
 * `'leaving'` (a stray response at top level was dropped and the page is navigating to the app),
 * `'none'` (nothing for this page to do).
 */
export type SilentCallbackResult = 'posted' | 'leaving' | 'none';

/**
 * Call once on the page at `silentRedirectUri`, instead of `createAuthClient(options).init()`,
 * with the same options: it does what `init()` does there, synchronously, and nothing else.
 *
 * - In the hidden iframe of a silent authorization, with a response (`code` or `error`, and
 *   `state`) that no login of this tab waits for: posts `{ type: 'spa-auth:silent', search }` to
 *   `window.parent` with the target origin set to this page's own origin (never `'*'`), so only
 *   the app that opened the iframe reads it, and checks it; then removes the response from the
 *   address bar. Returns `'posted'`.
 * - At top level, with a response of this issuer that no login waits for (some providers answer
 *   a later login with the response to an earlier silent request): exchanges nothing, removes it
 *   from the address bar, ends this tab's pending `login()`, and sends the user on with
 *   `location.replace` to that login's `returnTo`, else to `redirectUri`, where the app's
 *   `init()` reports it (`invalid_state`) and restores the session. Returns `'leaving'`.
 * - Otherwise (no response, another page, another issuer's response, no window): nothing.
 *   Returns `'none'`.
 *
 * It never exchanges a code, so it cannot serve as the page at `redirectUri`, which must run the
 * app's `init()` to complete logins: give the silent page a URL of its own (`silentRedirectUri`).
 * The options are not validated here (`AuthError` and its messages would make this entry half
 * again as large): `createAuthClient` checks the same options in the app.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.17.2 (postMessage with an exact target origin)
 * @example
 * ```ts
 * // silent.ts, the only script of the page at silentRedirectUri
 * import { handleSilentCallback } from 'spa-auth/silent-callback';
 * import { authOptions } from './auth-options'; // what the app passes to createAuthClient
 * handleSilentCallback(authOptions);
 * ```
 */
export function handleSilentCallback(options: SilentCallbackOptions): SilentCallbackResult {
  const win = typeof window === 'undefined' ? undefined : window;
  if (!win) return 'none';
  const { issuer, redirectUri, silentRedirectUri = redirectUri } = options;
  const storage = () => win.sessionStorage;
  const state = new URL(win.location.href).searchParams.get('state');
  const tx = state ? findTransaction(storage, state, now()) : undefined;
  const notes = restoreNotes(storage, issuer);
  return readSilentPage({ ...options, silentRedirectUri }, win, storage, notes, tx) ?? 'none';
}
