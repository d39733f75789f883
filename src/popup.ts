/**
 * Login in a popup window, an opt-in import (`spa-auth/popup`): apps that never call
 * `loginWithPopup()` do not carry it. The opener keeps the whole transaction (`state`, `nonce`,
 * PKCE verifier) in memory, opens the window before its first `await` (so a click handler is
 * enough for popup blockers), and navigates it to the authorization request once that is ready.
 * The popup comes back to `redirectUri`, whose `init()` hands the authorization response to the
 * opener over a `BroadcastChannel` named after the transaction's `state` (a same-origin channel
 * that still works when the provider's `Cross-Origin-Opener-Policy` severed `window.opener`),
 * and closes once the opener has it. The opener checks the response exactly like a callback and
 * exchanges the code itself: the popup never exchanges a code and never holds a token.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.17.2 (in-browser communication)
 * @see https://html.spec.whatwg.org/multipage/browsers.html#cross-origin-opener-policies
 * @module
 */
import { AuthError, must, toAuthError } from './errors.js';
import type { PopupFeature, FeatureHost, PopupLogin } from './features.js';
import type { Metadata } from './protocol.js';
import type { PopupLoginOptions, PopupSupport } from './types.js';
import { cleanAddressBar, isRedirectTarget } from './url.js';

/** Starts every popup transaction's `state`: how the page at `redirectUri` knows the answer is a popup's. */
const POPUP_STATE = 'popup.';
/**
 * The BroadcastChannel of one popup login is this plus its `state`. Named here, not in names.ts
 * with the others: the main entry shares names.ts, and an app without the popup does not carry it.
 */
const CHANNEL = 'spa-auth:popup:';
/** Seconds a popup may stay open by default. */
const DEFAULT_TIMEOUT = 300;
/** How often the opener looks at the window (ms). */
const POLL_MS = 250;

/** Messages on a popup transaction's channel. */
type PopupMessage = { type: 'response'; search: string } | { type: 'closed' } | { type: 'done' };

/** Window features: a popup of a usual login-page size, centred over the opener. */
const features = (win: Window) => {
  const width = 500;
  const height = 650;
  const left = Math.round(win.screenX + (win.outerWidth - width) / 2);
  const top = Math.round(win.screenY + (win.outerHeight - height) / 2);
  return `popup,width=${width},height=${height},left=${left},top=${top}`;
};

/** True while the window shows a page of another origin (reading its address throws then). */
const elsewhere = (w: Window) => {
  try {
    void w.location.href;
    return false;
  } catch {
    return true;
  }
};

/**
 * Opens the popup and runs the login in it. Everything up to `window.open` is synchronous.
 * The user closing the window is noticed two ways: the popup page of ours says so on
 * `pagehide`, and `window.closed` is polled. A provider that sets `Cross-Origin-Opener-Policy`
 * severs the opener's handle, which then reads `closed` although the window is open: a
 * `closed` is believed only before the window was navigated, or once it was seen open on the
 * provider's page (a provider that severs the handle never shows that). Otherwise the popup's
 * answer, its pagehide message or `popupTimeout` ends the wait.
 */
function loginWithPopup(host: FeatureHost, o: PopupLoginOptions): Promise<void> {
  const { config, protocol, win } = host;
  const signal = host.signal();
  const { maxAge, popupTimeout = DEFAULT_TIMEOUT } = o;
  must(win, 'loginWithPopup() needs a browser window', 'invalid_config');
  must(
    maxAge === undefined || (Number.isInteger(maxAge) && maxAge >= 0),
    'maxAge must be a whole number of seconds',
    'invalid_config',
  );
  must(
    typeof popupTimeout === 'number' && popupTimeout > 0 && popupTimeout <= 3600,
    'popupTimeout must be 1 to 3600 seconds',
    'invalid_config',
  );
  must(!signal.aborted, 'client destroyed', 'invalid_config');
  // The transaction stays in this tab's memory: nothing is written to storage.
  const tx = protocol.transaction(config.redirectUri, {
    state: POPUP_STATE + protocol.random(),
    maxAge,
    acrValues: o.acrValues,
  });
  const popup = win.open('about:blank', '_blank', features(win));
  must(popup, 'the browser blocked the login popup: call loginWithPopup() from a click handler', 'popup_blocked');

  return new Promise<void>((resolve, reject) => {
    const channel = new BroadcastChannel(CHANNEL + tx.state);
    let as: Metadata | undefined;
    let navigated = false;
    let seenAtProvider = false;
    let over = false;
    /** Stops watching the window; closes it unless it carries on by itself. */
    const stop = () => {
      over = true;
      clearInterval(poll);
      clearTimeout(timer);
      signal.removeEventListener('abort', cancel);
      channel.close();
      popup.close();
    };
    const fail = (error: AuthError) => {
      if (over) return;
      stop();
      reject(error);
    };
    const closed = () => fail(new AuthError('popup_closed', 'the login popup was closed before the login finished'));
    const cancel = () => fail(new AuthError('popup_closed', 'the login popup was cancelled by logout() or destroy()'));

    channel.onmessage = ({ data }: MessageEvent<PopupMessage>) => {
      if (over || !as) return;
      if (data?.type === 'closed') return closed();
      if (data?.type !== 'response' || typeof data.search !== 'string') return;
      channel.postMessage({ type: 'done' } satisfies PopupMessage); // the popup closes itself on this
      stop();
      // Checked like any callback (state, iss, error), then exchanged here.
      host
        .complete(as, tx, new URLSearchParams(data.search), signal)
        .then(resolve, (err: unknown) => reject(toAuthError(err)));
    };
    const poll = setInterval(() => {
      if (!popup.closed) seenAtProvider ||= navigated && elsewhere(popup);
      else if (!navigated || seenAtProvider) closed();
    }, POLL_MS);
    const timer = setTimeout(
      () => fail(new AuthError('timeout', `the login popup did not finish within popupTimeout (${popupTimeout} s)`)),
      popupTimeout * 1000,
    );
    signal.addEventListener('abort', cancel);

    (async () => {
      const metadata = await protocol.discover();
      // The same request as a redirect login (PKCE, state, nonce, PAR), for redirectUri.
      const url = await protocol.authorizationUrl(metadata, { ...o, tx });
      if (over) return;
      if (popup.closed) return closed();
      as = metadata;
      navigated = true;
      popup.location.assign(url.href);
    })().catch((err: unknown) => fail(toAuthError(err)));
  });
}

/**
 * On the page at `redirectUri`: when the address bar holds a popup transaction's answer, posts
 * it on that transaction's channel, removes it from the address bar, and closes the window
 * once the opener confirms. If the page goes away first, the opener hears `closed`.
 */
function handOver(win: Window | undefined, redirectUri: string): boolean {
  const params = new URLSearchParams(win?.location.search);
  const state = params.get('state');
  if (
    !win ||
    !state?.startsWith(POPUP_STATE) ||
    !(params.has('code') || params.has('error')) ||
    !isRedirectTarget(win.location.href, redirectUri)
  )
    return false;
  const channel = new BroadcastChannel(CHANNEL + state);
  let confirmed = false;
  channel.onmessage = ({ data }: MessageEvent<PopupMessage>) => {
    if (data?.type !== 'done') return;
    confirmed = true;
    channel.close();
    win.close();
  };
  win.addEventListener('pagehide', () => confirmed || channel.postMessage({ type: 'closed' } satisfies PopupMessage));
  channel.postMessage({ type: 'response', search: win.location.search } satisfies PopupMessage);
  cleanAddressBar(win);
  return true;
}

/**
 * Popup login support: pass it to `createAuthClient` as the `popup` option, then call
 * `auth.loginWithPopup()` from a click handler. The page at `redirectUri` must create its
 * client with the same option, so its `init()` hands the answer back. The script-tag bundle
 * includes it already.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7636 (PKCE, as for every login)
 * @example
 * ```ts
 * import { createAuthClient } from 'spa-auth';
 * import { popup } from 'spa-auth/popup';
 * const auth = createAuthClient({ issuer, clientId, redirectUri, popup });
 * button.onclick = () => auth.loginWithPopup().catch((e) => e.code === 'popup_blocked' && auth.login());
 * ```
 */
export const popup: PopupSupport = {
  feature: 'popup',
  create: (host: FeatureHost): PopupLogin => ({
    login: (o) => loginWithPopup(host, o),
    land: () => handOver(host.win, host.config.redirectUri),
  }),
} as PopupFeature;
