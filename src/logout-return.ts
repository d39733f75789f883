/**
 * The round trip of RP-initiated logout: a fresh `state` goes with the end-session request,
 * this tab keeps it (public, one-shot) in sessionStorage, and the page the provider sends the
 * user back to (`postLogoutRedirectUri`) takes it out of the address bar and compares it.
 * Some providers (Glewlwyd) redirect back only when a `state` was sent.
 *
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout (§2, `state`)
 * @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RedirectionAfterLogout (§3)
 * @module
 */
import type { Config } from './config.js';
import { AuthError } from './errors.js';
import { storageKey } from './names.js';
import { isRedirectTarget } from './url.js';

/** The sessionStorage key holding the `state` of this client's last logout in this tab. */
const keyOf = (config: Pick<Config, 'issuer' | 'clientId'>) => storageKey.logout(config.issuer, config.clientId);

/**
 * Adds `state` to an end-session URL and keeps it in this tab for the return. Storage that
 * is blocked does not stop the logout: the provider still gets a `state`, and the return
 * page reports it as unknown.
 * @example
 * ```ts
 * location.assign(withLogoutState(endSessionUrl, config, sessionStorage, random()).href);
 * ```
 */
export function withLogoutState(
  url: URL,
  config: Pick<Config, 'issuer' | 'clientId'>,
  storage: () => Storage,
  state: string,
): URL {
  url.searchParams.set('state', state);
  try {
    storage().setItem(keyOf(config), state);
  } catch {
    // storage blocked: the return page will say it does not know this state
  }
  return url;
}

/**
 * On `postLogoutRedirectUri` with a `state` parameter (and no `code` or `error`: that is a
 * login callback): removes `state` from the address bar, forgets the kept one, and calls
 * `report` with an `invalid_state` error when they differ or none was kept. Never throws.
 * Any other page keeps its own `state` parameter untouched.
 * @example
 * ```ts
 * checkLogoutReturn(window, config, () => sessionStorage, (e) => events.emit('error', e));
 * ```
 */
export function checkLogoutReturn(
  win: Pick<Window, 'location' | 'history'> | undefined,
  config: Pick<Config, 'issuer' | 'clientId' | 'postLogoutRedirectUri'>,
  storage: () => Storage,
  report: (error: AuthError) => void,
): void {
  const target = config.postLogoutRedirectUri;
  if (!win || !target || !isRedirectTarget(win.location.href, target)) return;
  const url = new URL(win.location.href);
  const state = url.searchParams.get('state');
  if (state === null || url.searchParams.has('code') || url.searchParams.has('error')) return;
  url.searchParams.delete('state');
  win.history.replaceState(win.history.state, '', url.href);
  let kept: string | null = null;
  try {
    kept = storage().getItem(keyOf(config));
    storage().removeItem(keyOf(config));
  } catch {
    // storage blocked: nothing was kept
  }
  if (kept !== state) {
    report(
      new AuthError(
        'invalid_state',
        `Post-logout page ${target}: its state is not that of a logout from this tab (opened from elsewhere, or again)`,
        { cause: kept === null ? 'no logout state kept' : 'logout state mismatch' },
      ),
    );
  }
}
