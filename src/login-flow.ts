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
import { must, toAuthError } from './errors.js';
import type { Metadata, Protocol } from './protocol.js';
import { postSilentResponse } from './silent-auth.js';
import { checkAppState, claimTransaction, findTransaction, saveTransaction, spendTransaction, type Transaction } from './transaction.js';
import type { InitResult, LoginOptions } from './types.js';
import { cleanAddressBar, isRedirectTarget, sameOriginPath } from './url.js';

/** What {@link createLoginFlow} needs from the client. */
export interface LoginFlowOptions {
  config: Config;
  protocol: Protocol;
  win: Window | undefined;
  /** This tab's sessionStorage; throws without one. */
  storage: () => Storage;
  /** Exchanges a validated callback and installs the new session, unless `signal` aborted meanwhile. */
  complete: (as: Metadata, tx: Transaction, params: URLSearchParams, signal: AbortSignal) => Promise<void>;
}

/** The handle returned by {@link createLoginFlow}. */
export interface LoginFlow {
  /** Redirects to the provider, unless `signal` (taken when the login started) aborted first. `restore`: a prompt=none round trip. */
  start(o: LoginOptions, signal: AbortSignal, restore?: boolean): Promise<void>;
  /**
   * Reads the address bar, once per page: `'posted'` when it was a silent-authorization answer
   * now handed to the parent window; this client's callback, handled (the promise of its
   * result); `'foreign'` for another client's callback (left alone); `'none'` otherwise.
   */
  land(signal: AbortSignal): Promise<InitResult> | 'posted' | 'foreign' | 'none';
}

/** This window's address once it handed a silent-authorization answer up (module state: one per page). */
let handedUp: string | undefined;

/**
 * Creates the login round trip for one client.
 * @example
 * ```ts
 * const flow = createLoginFlow({ config, protocol, win: window, storage: () => sessionStorage, complete });
 * const landed = flow.land(signal); // on init()
 * await flow.start({ returnTo: '/orders' }, signal); // on login()
 * ```
 */
export function createLoginFlow({ config, protocol, win, storage, complete }: LoginFlowOptions): LoginFlow {
  const { issuer, clientId, redirectUri, silentRedirectUri } = config;

  /** The callback for `state`, with this tab's transaction for it (undefined: unknown, used or expired). */
  const callback = async (params: URLSearchParams, state: string, tx: Transaction | undefined, signal: AbortSignal): Promise<InitResult> => {
    try {
      spendTransaction(storage(), state, now()); // single use, whatever happens next
    } catch {
      // storage blocked: there was no transaction to spend
    }
    cleanAddressBar(win!); // a callback URL comes from a window
    must(tx, 'bad callback state', 'invalid_state');
    // A copy of this transaction in a duplicated tab must not reach the token endpoint as well.
    must(await claimTransaction(win!.navigator.locks, tx, now()), 'callback used in another tab', 'invalid_state');
    let authenticated = true;
    try {
      await complete(protocol.adopt(tx.metadata), tx, params, signal);
    } catch (err) {
      const e = toAuthError(err);
      // A prompt=none restore that found no provider session is not a failure.
      if (!tx.restore || e.code !== 'oauth_error') throw e;
      authenticated = false;
    }
    return { authenticated, returnTo: tx.returnTo, appState: tx.appState };
  };

  return {
    async start(o, signal, restore) {
      const store = storage();
      const { maxAge } = o;
      const returnTo = o.returnTo === undefined ? undefined : sameOriginPath(o.returnTo, win!.location.origin);
      must(maxAge === undefined || (Number.isInteger(maxAge) && maxAge >= 0), 'bad maxAge', 'invalid_config');
      checkAppState(o.appState);
      const as = await protocol.discover();
      const tx = protocol.transaction(redirectUri, { metadata: as as Record<string, unknown>, returnTo, appState: o.appState, maxAge, restore, acrValues: o.acrValues });
      const url = await protocol.authorizationUrl(as, { ...o, tx });
      must(!signal.aborted, 'signed out meanwhile', 'login_required');
      saveTransaction(store, tx);
      win!.location.assign(url.href);
    },

    land(signal) {
      const href = win?.location.href ?? '';
      const url = new URL(href || redirectUri);
      const params = url.searchParams;
      const state = params.get('state');
      const tx = state ? findTransaction(storage, state, now()) : undefined;
      const at = (uri: string) => isRedirectTarget(href, uri);
      // On the silent redirect page in an iframe (postSilentResponse checks it is one): hand the
      // answer up, then take it out of the frame's address bar. Another client on that page finds
      // it handed up, and starts nothing there either. A framed app's own login (its transaction
      // is here) is a callback like any other.
      if ((href === handedUp && win!.parent !== win) || (!tx && at(silentRedirectUri) && postSilentResponse(win))) {
        cleanAddressBar(win!);
        handedUp = win!.location.href;
        return 'posted';
      }
      // A callback: code or error, and state (API.md). One for another client on this page
      // (same redirect URI, another issuer or client id) is left to that client.
      if (tx && (tx.issuer !== issuer || tx.clientId !== clientId)) return 'foreign';
      if (state && (params.has('code') || params.has('error')) && at(redirectUri)) return callback(params, state, tx, signal);
      // An answer in the fragment is never used (login asks for response_mode=query), but the
      // tokens or code a misbehaving provider put there leave the address bar and history. Only a
      // fragment made of parameters is one: a hash route (`#/verify?user=bob&code=1`) is the app's.
      if (at(redirectUri) && /^([^/&=?#!]+=[^&]*&)*(code|access_token|id_token)=/.test(url.hash.slice(1))) cleanAddressBar(win!);
      return 'none';
    },
  };
}
