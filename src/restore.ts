/**
 * Restoring a session on a page load that is not a callback, without the user: another tab of
 * the app first (no network), then silent authorization in a hidden iframe, then, only with
 * `restoreWithRedirect`, a top-level `prompt=none` redirect. It never rejects: the app learns
 * `authenticated`, and every failure other than the provider's "no session" answers and "no
 * other tab" is reported as an `error` event, so a broken configuration does not pass for a
 * signed-out user.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthError (the "no session" answers)
 * @see https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfigurationRequest
 * @module
 */
import { systemNow as now } from './clock.js';
import type { Config } from './config.js';
import { AuthError, toAuthError } from './errors.js';
import { storageKey } from './names.js';
import type { RestoreNotes } from './restore-notes.js';
import { PAGE_LEFT_IN_FRAME } from './silent-auth.js';

/** The provider's normal answers to `prompt=none` without a session (OIDC Core §3.1.2.6): not failures. */
const NO_SESSION = /^(login_required|interaction_required|consent_required|account_selection_required)$/;

/**
 * True for the provider's normal "no session" answer to `prompt=none` (`login_required`,
 * `interaction_required`, `consent_required`, `account_selection_required`): not a failure.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthError
 */
export const isNoSession = (e: AuthError): boolean => e.code === 'oauth_error' && NO_SESSION.test(e.error ?? '');

/** What {@link createRestore} needs from the client. */
export interface RestoreOptions {
  config: Config;
  /** This tab's sessionStorage; throws without one. */
  storage: () => Storage;
  notes: RestoreNotes;
  /** The page's address, for the top-level redirect to come back to; undefined outside a browser. */
  href: () => string | undefined;
  /** Discovery (shared with every other caller). */
  discover: () => Promise<unknown>;
  /** Takes the session over from another tab (unless `signal` aborted meanwhile): true when one was installed. */
  handOff: (signal: AbortSignal) => Promise<boolean>;
  /** Silent authorization in a hidden iframe, installing a new session. */
  silent: () => Promise<void>;
  /** The top-level prompt=none redirect to the provider, coming back to `returnTo`. */
  redirect: (returnTo: string, signal: AbortSignal) => Promise<void>;
  signedIn: () => boolean;
  /** Emits the `error` event. */
  report: (error: AuthError) => void;
}

/**
 * The `error` event for an authorization response that no live login of this tab was waiting for.
 * @param where where it was found, and how it can happen
 */
export const unexpected = (where: string, cause = 'unknown state'): AuthError =>
  new AuthError(
    'invalid_state',
    `Ignored an authorization response ${where} whose state no login of this tab is waiting for: nothing was exchanged, the page loads as usual`,
    { cause },
  );

/** The discovery document's URL (OpenID Connect Discovery §4; the issuer has no query). */
const discoveryUrl = (issuer: URL) => `${issuer.href.replace(/\/$/, '')}/.well-known/openid-configuration`;

/** `e` with a message that says what was being done (`what`), then `more`; the fields the app switches on are kept. */
const explain = (e: AuthError, what: string, more = e.message) =>
  new AuthError(e.code, `${what}: ${more}`, {
    error: e.error,
    errorDescription: e.errorDescription,
    cause: e.cause ?? e.message,
  });

/**
 * Creates the restore step of `init()`. The returned function resolves true when a session is
 * installed, `'leaving'` when the page is being sent to the provider (it never comes back
 * here), false otherwise. `stay`: no top-level redirect (the address bar holds another
 * client's callback). Nothing is installed or reported once `signal` aborted (logout, destroy).
 * @example
 * ```ts
 * const restore = createRestore({ config, storage, notes, href, discover, handOff, silent, redirect, signedIn, report });
 * const authenticated = await restore(signal);
 * ```
 */
export function createRestore(
  options: RestoreOptions,
): (signal: AbortSignal, stay?: boolean) => Promise<boolean | 'leaving'> {
  const { config, notes } = options;
  const { issuer } = config;

  /** What a tab does after the issuer left a page in the frame, and what the developer can do. */
  const skip = `not tried again in this tab until a login succeeds here (if the provider always does this, set silentAuthorization: false)`;

  /** Reports a failure of silent authorization, unless it is a "no session" answer or a cancellation. */
  const failed = (err: unknown, signal: AbortSignal) => {
    const e = toAuthError(err);
    if (signal.aborted || isNoSession(e)) return;
    if (e.cause === PAGE_LEFT_IN_FRAME) notes.framedPage.set();
    options.report(
      e.cause === PAGE_LEFT_IN_FRAME
        ? explain(e, e.message, skip)
        : explain(e, 'Silent authorization could not restore the session'),
    );
  };

  /** Silent authorization, unless this tab already learnt that the issuer leaves a page in the frame. */
  const silent = async (signal: AbortSignal) => {
    if (notes.framedPage.has()) {
      options.report(
        new AuthError(
          'timeout',
          `Silent authorization skipped: ${issuer} showed a page in the hidden iframe earlier; ${skip}`,
          { cause: PAGE_LEFT_IN_FRAME },
        ),
      );
      return;
    }
    try {
      await options.discover();
    } catch (err) {
      if (!signal.aborted)
        options.report(explain(toAuthError(err), `Discovery failed (${discoveryUrl(config.issuerUrl)})`));
      return;
    }
    await options.silent().catch((err: unknown) => failed(err, signal));
  };

  return async (signal, stay) => {
    if (notes.strayResponse.take()) {
      options.report(
        unexpected(
          "on the silent page at top level (the provider answered a login with an earlier request's response)",
        ),
      );
    }
    const href = options.href();
    const peer = await options.handOff(signal);
    if (!signal.aborted && !peer && config.silentAuthorization && href) await silent(signal);
    let mark: number;
    try {
      mark = Number(options.storage().getItem(storageKey.restoreMark));
    } catch {
      return options.signedIn(); // storage blocked: no redirect; login() is still there
    }
    // The top-level prompt=none redirect runs at most once a minute per tab, so it never loops.
    if (options.signedIn() || !config.restoreWithRedirect || !href || stay || signal.aborted || now() - mark < 60_000)
      return options.signedIn();
    try {
      options.storage().setItem(storageKey.restoreMark, String(now()));
      await options.redirect(options.href() ?? href, signal);
      return 'leaving';
    } catch (err) {
      // storage full, or the provider unreachable: no redirect; login() is still there
      if (!signal.aborted)
        options.report(
          explain(toAuthError(err), 'Could not start the top-level prompt=none redirect (restoreWithRedirect)'),
        );
      return false;
    }
  };
}
