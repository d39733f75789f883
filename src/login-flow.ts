/**
 * The login round trip of one tab: `login()` keeps a one-shot transaction and redirects to the
 * provider; back on the callback page, the transaction is found, spent, claimed across tabs,
 * and the code exchanged. Reading the address bar also tells apart what else it can hold: a
 * silent-authorization answer (this page is the hidden iframe) or another client's callback.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.2.4 (single-use state)
 * @module
 */
import { systemNow as now } from './clock.js';
import type { Config } from './config.js';
import { must, toAuthError, type AuthError } from './errors.js';
import type { Protocol } from './protocol.js';
import { isNoSession, unexpected } from './restore.js';
import type { RestoreNotes } from './restore-notes.js';
import type { SessionController } from './session-controller.js';
import { checkedReturnTo, dropResponse, readSilentPage } from './silent-page.js';
import {
  checkAppState,
  claimTransaction,
  findTransaction,
  saveTransaction,
  spendTransaction,
  type Transaction,
} from './transaction.js';
import type { InitResult, LoginOptions } from './types.js';
import { cleanAddressBar, isRedirectTarget, sameOriginPath } from './url.js';

/** What {@link createLoginFlow} needs from the client. */
export interface LoginFlowOptions {
  config: Config;
  protocol: Protocol;
  win: Window | undefined;
  /** This tab's sessionStorage; throws without one. */
  storage: () => Storage;
  /** Where the callback's tokens go (it exchanges the code and installs the new session); its ID token is the hint of a prompt=none request. */
  session: Pick<SessionController, 'complete' | 'get'>;
  /** What restore remembers in this tab. */
  notes: RestoreNotes;
  /** Emits the `error` event (a failure that does not reject). */
  report: (error: AuthError) => void;
}

/** The handle returned by {@link createLoginFlow}. */
export interface LoginFlow {
  /** Redirects to the provider, unless `signal` (taken when the login started) aborted first. `restore`: a prompt=none round trip. */
  start(options: LoginOptions, signal: AbortSignal, restore?: boolean): Promise<void>;
  /**
   * Reads the address bar, once per page: `'posted'` when it was a silent-authorization answer
   * now handed to the parent window; this client's callback, handled (the promise of its
   * result, or `'stale'` when no live transaction of this tab was waiting for it: reported,
   * removed, nothing exchanged); `'leaving'` when a stray answer on the silent page at top
   * level was dropped and the user sent on to the app; `'foreign'` for another client's
   * callback (left alone); `'none'` otherwise.
   */
  readAddressBar(signal: AbortSignal): Promise<InitResult | 'stale'> | 'posted' | 'leaving' | 'foreign' | 'none';
}

/**
 * Creates the login round trip for one client.
 * @example
 * ```ts
 * const flow = createLoginFlow({ config, protocol, win: window, storage: () => sessionStorage, session, notes, report });
 * const landed = flow.readAddressBar(signal); // on init()
 * await flow.start({ returnTo: '/orders' }, signal); // on login()
 * ```
 */
export function createLoginFlow({
  config,
  protocol,
  win,
  storage,
  session,
  notes,
  report,
}: LoginFlowOptions): LoginFlow {
  const { issuer, clientId, redirectUri } = config;

  /** The callback for `state`, with this tab's transaction for it (undefined: unknown, used or expired). */
  const callback = async (
    params: URLSearchParams,
    state: string,
    tx: Transaction | undefined,
    signal: AbortSignal,
  ): Promise<InitResult | 'stale'> => {
    try {
      spendTransaction(storage(), state, now()); // single use, whatever happens next
    } catch {
      // storage blocked: there was no transaction to spend
    }
    cleanAddressBar(win!); // a callback URL comes from a window
    // Unknown, used or expired (the URL opened again: back button, restored tab, bookmark), or a
    // copy of this transaction that a duplicated tab already used (a code presented twice makes
    // the provider revoke what it issued for it): nothing is exchanged, and a user with a live
    // session is not signed out by it.
    if (!tx || !(await claimTransaction(win!.navigator.locks, tx, now()))) {
      dropResponse(win!, notes, params);
      report(
        unexpected(
          `on ${redirectUri} (reopened by the back button, a restored tab or a bookmark)`,
          tx ? 'used in another tab' : undefined,
        ),
      );
      return 'stale';
    }
    let authenticated = true;
    try {
      await session.complete(protocol.adopt(tx.metadata), tx, params, signal);
    } catch (err) {
      const e = toAuthError(err);
      // A prompt=none restore that found no provider session is not a failure; other provider answers are reported.
      if (!tx.restore || e.code !== 'oauth_error') throw e;
      if (!isNoSession(e)) report(e);
      authenticated = false;
    }
    return { authenticated, returnTo: checkedReturnTo(tx, win!), appState: tx.appState };
  };

  return {
    async start(options, signal, restore) {
      const store = storage();
      const { maxAge } = options;
      const returnTo =
        options.returnTo === undefined ? undefined : sameOriginPath(options.returnTo, win!.location.origin);
      must(maxAge === undefined || (Number.isInteger(maxAge) && maxAge >= 0), 'bad maxAge', 'invalid_config');
      checkAppState(options.appState);
      const as = await protocol.discover();
      const tx = protocol.transaction(redirectUri, {
        metadata: as,
        returnTo,
        appState: options.appState,
        maxAge,
        restore,
        acrValues: options.acrValues,
      });
      const { prompt, loginHint, acrValues, extraParams } = options;
      const idTokenHint = session.get()?.idToken;
      const url = await protocol.authorizationUrl(as, {
        tx,
        prompt,
        loginHint,
        acrValues,
        maxAge,
        extraParams,
        idTokenHint,
      });
      must(!signal.aborted, 'signed out meanwhile', 'login_required');
      saveTransaction(store, tx);
      win!.location.assign(url.href);
    },

    readAddressBar(signal) {
      const href = win?.location.href ?? '';
      const url = new URL(href || redirectUri);
      const params = url.searchParams;
      const state = params.get('state');
      const tx = state ? findTransaction(storage, state, now()) : undefined;
      const isAt = (uri: string) => isRedirectTarget(href, uri);
      // The silent redirect page (silent-page.ts, shared with spa-auth/silent-callback): in the
      // hidden iframe, the answer handed up to the parent ('posted'); at top level, a stray answer
      // of this issuer dropped and the user sent on ('leaving'). Without a window there is none.
      const silent = win && readSilentPage(config, win, storage, notes, tx);
      if (silent) return silent;
      const response = !!state && (params.has('code') || params.has('error'));
      // A callback: code or error, and state (README, "Decisions"). One for another client on this page
      // (same redirect URI, another issuer or client id) is left to that client.
      if (tx && (tx.issuer !== issuer || tx.clientId !== clientId)) return 'foreign';
      if (response && isAt(redirectUri)) return callback(params, state, tx, signal);
      // An answer in the fragment is never used (login asks for response_mode=query), but the
      // tokens or code a misbehaving provider put there leave the address bar and history. Only a
      // fragment made of parameters is one: a hash route (`#/verify?user=bob&code=1`) is the app's.
      if (isAt(redirectUri) && /^([^/&=?#!]+=[^&]*&)*(code|access_token|id_token)=/.test(url.hash.slice(1)))
        cleanAddressBar(win!);
      return 'none';
    },
  };
}
