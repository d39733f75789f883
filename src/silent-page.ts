/**
 * The page at `silentRedirectUri`: what its address bar can hold and what becomes of it. In the
 * hidden iframe, an authorization response is handed up to the parent window; at top level, a
 * stray response (a provider answered a later login with the response to an earlier silent
 * request) is dropped and the user sent on to the app. Both `init()` (login-flow.ts) and the
 * tiny entry `spa-auth/silent-callback` run this, so the two never drift apart. Nothing here
 * exchanges a code or needs oauth4webapi.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.17.2 (postMessage with an exact origin)
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.2.4 (single-use state)
 * @module
 */
import { systemNow as now } from './clock.js';
import type { Config } from './config.js';
import { HANDED_UP } from './names.js';
import type { RestoreNotes } from './restore-notes.js';
import { postSilentResponse } from './silent-auth.js';
import { newestTransaction, spendTransaction, type Transaction } from './transaction.js';
import { cleanAddressBar, isRedirectTarget, originPath } from './url.js';

/** Who the client is and its two pages: `Config`'s values, already checked and normalised. */
export type SilentPageConfig = Pick<Config, 'issuer' | 'clientId' | 'redirectUri' | 'silentRedirectUri'>;

/**
 * A window that handed a silent-authorization answer up keeps its address under {@link HANDED_UP}:
 * the fact belongs to the page (every client on it, any copy of the SDK), not to one client.
 */
type MarkedWindow = Window & { [HANDED_UP]?: string };

/**
 * An authorization response this tab has no live transaction for was taken out of the address
 * bar. One with a code says the provider has a session now: silent authorization is worth
 * trying again, even with an issuer that left a page in the frame before.
 */
export function dropResponse(win: Window, notes: RestoreNotes, params: URLSearchParams): void {
  cleanAddressBar(win);
  if (params.has('code')) notes.framedPage.clear();
}

/**
 * A transaction's `returnTo`, read back from storage (which any script of this origin can
 * write): kept only when it is on this page's origin, as login() required; undefined otherwise.
 */
export function checkedReturnTo(tx: Transaction | undefined, win: Window): string | undefined {
  return typeof tx?.returnTo === 'string' ? originPath(tx.returnTo, win.location.origin) : undefined;
}

/**
 * Reads the address bar as the silent page of one client, once per page load. Returns
 * `'posted'` when this window is the hidden iframe and its authorization response is now handed
 * to the parent (target origin: its own) and taken out of its address bar, or was already handed
 * up by another client on the page; `'leaving'` when a stray response of this issuer at top
 * level was dropped and the user is being sent on to the app; undefined when the page is not the
 * silent page's business (no response, another page, a framed app's own login whose transaction
 * is here, another issuer's answer).
 *
 * At top level (a provider answered a later login with the response to an earlier silent
 * request): nothing is exchanged; the user is sent on to the `returnTo` of this tab's live login,
 * which is spent (its own answer is never coming), else to `redirectUri`, where `init()` reports
 * it and restores the session the usual way.
 *
 * @param tx this tab's transaction for the response's `state`, of any client (undefined: none)
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.17.2
 * @example
 * ```ts
 * const landed = readSilentPage(config, window, () => sessionStorage, notes, tx);
 * if (landed) return landed; // 'posted' | 'leaving'
 * ```
 */
export function readSilentPage(
  { issuer, clientId, redirectUri, silentRedirectUri }: SilentPageConfig,
  win: Window,
  storage: () => Storage,
  notes: RestoreNotes,
  tx: Transaction | undefined,
): 'posted' | 'leaving' | undefined {
  const href = win.location.href;
  const params = new URL(href).searchParams;
  const isAt = (uri: string) => isRedirectTarget(href, uri);
  // In an iframe (postSilentResponse checks it is one): hand the answer up, then take it out of
  // the frame's address bar. Another client on that page finds it handed up, and starts nothing
  // there either. A framed app's own login (its transaction is here) is a callback like any other.
  const marked = win as MarkedWindow;
  if (
    (href === marked[HANDED_UP] && win.parent !== win) ||
    (!tx && isAt(silentRedirectUri) && postSilentResponse(win))
  ) {
    cleanAddressBar(win);
    marked[HANDED_UP] = win.location.href;
    return 'posted';
  }
  const response = !!params.get('state') && (params.has('code') || params.has('error'));
  // The same at top level, where nobody waits for it (another issuer's is left alone).
  if (!response || tx || !isAt(silentRedirectUri) || isAt(redirectUri) || (params.get('iss') ?? issuer) !== issuer)
    return undefined;
  dropResponse(win, notes, params);
  notes.strayResponse.set();
  const live = newestTransaction(storage, now(), (t) => t.issuer === issuer && t.clientId === clientId && !t.restore);
  try {
    if (live) spendTransaction(storage(), live.state, now()); // its own answer is never coming
  } catch {
    // storage blocked: nothing to spend
  }
  const back = checkedReturnTo(live, win);
  win.location.replace(back === undefined ? redirectUri : new URL(back, win.location.origin).href);
  return 'leaving';
}
