/**
 * Keeping the session alive: when to renew (scheduler), how (refresh-token grant, else silent
 * authorization), one renewal per origin at a time (refresher), retries with backoff on
 * transient failures, and the end of the session when the server says it is over.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6 (refreshing an access token)
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2 (refresh token rotation)
 * @module
 */
import type { Now } from './clock.js';
import type { Config } from './config.js';
import type { Emitter } from './emitter.js';
import { AuthError, must, toAuthError } from './errors.js';
import type { Protocol } from './protocol.js';
import { lockName } from './names.js';
import { createRefresher } from './refresh.js';
import { createScheduler, type Scheduler } from './scheduler.js';
import type { Tokens } from './session.js';
import type { SessionController } from './session-controller.js';
import { silentAuthorize } from './silent-auth.js';
import { failureOf } from './token-failure.js';
import type { AuthEvents } from './types.js';

/** OAuth errors that say "try again later" rather than "this grant is over". */
const TRANSIENT = /^(temporarily_unavailable|server_error|use_dpop_nonce)$/;

/**
 * When tokens are due for renewal (epoch ms): `leeway` before expiry, or at half-life for
 * tokens shorter than twice the leeway, minus this tab's random lead (`jitter` in [0, 1)) of
 * up to 5 s or a tenth of the lifetime, whichever is less. Undefined without tokens.
 * @example
 * ```ts
 * renewAt({ issuedAt: 0, expiresAt: 3_600_000 }, 60_000, 0.5); // 3_537_500
 * ```
 */
export function renewAt(
  t: Pick<Tokens, 'issuedAt' | 'expiresAt'> | undefined,
  leewayMs: number,
  jitter: number,
): number | undefined {
  if (!t) return undefined;
  const life = t.expiresAt - t.issuedAt;
  return t.expiresAt - Math.min(leewayMs, life / 2) - jitter * Math.min(5000, life / 10);
}

/** What {@link createRenewal} works with. */
export interface RenewalOptions {
  config: Config;
  protocol: Protocol;
  /** The session it renews: renewed tokens are installed there, and a session that is over ends there. */
  session: SessionController;
  /** The provider's time (token times are on its clock), with the device clock's steps accounted for. */
  now: Now;
  events: Emitter<AuthEvents>;
  /** navigator.locks when tabs share the session: one renewal per origin at a time. */
  locks: { request: LockManager['request'] } | undefined;
}

/** The handle returned by {@link createRenewal}. */
export interface Renewal extends Pick<Scheduler, 'start' | 'stop'> {
  getAccessToken(force: boolean): Promise<string>;
  /** Silent authorization in a hidden iframe; renews `base` or starts a new session. */
  silent(base?: Tokens): Promise<void>;
  /** Resolves once no renewal runs in this tab, and the tabs queued behind the last one have caught up. */
  settled(): Promise<void>;
}

/**
 * Wires the scheduler and the refresher to one session.
 * @example
 * ```ts
 * const renewal = createRenewal({ config, protocol, session, events, locks: navigator.locks });
 * renewal.start();
 * const token = await renewal.getAccessToken(false);
 * ```
 */
export function createRenewal({ config, protocol, session, now, events, locks }: RenewalOptions): Renewal {
  // Drawn once per tab: tabs do not all wake at once.
  const jitter = Math.random();
  const dueAt = () => renewAt(session.get(), config.refreshLeeway * 1000, jitter);
  const needsRefresh = () => now() >= (dueAt() ?? Infinity);
  const noSession = (error?: string) => new AuthError('login_required', 'no session', { error });
  // A server's Retry-After (RFC 9110 §10.2.3): until then, for this session, its answer stands.
  let pause: { until: number; version: number; error: AuthError } | undefined;

  const silent = async (base?: Tokens): Promise<void> => {
    const signal = session.signal();
    const as = await protocol.discover();
    const redirectUri = config.silentRedirectUri;
    // The silent flow's transaction stays in this tab's memory (P-08): nothing to store.
    const tx = protocol.transaction(redirectUri);
    const url = await protocol.authorizationUrl(as, { tx, prompt: 'none', idTokenHint: session.get()?.idToken });
    const params = await silentAuthorize({
      url: url.href,
      redirectOrigin: new URL(redirectUri).origin,
      timeoutMs: config.silentTimeout * 1000 || 10_000,
      signal,
    });
    await session.complete(as, tx, params, signal, base);
  };

  /** One renewal, run inside the cross-tab lock. */
  const run = async (): Promise<void> => {
    const tokens = session.get();
    if (!tokens) throw noSession();
    const version = session.version();
    if (pause?.version === version && now() < pause.until) throw pause.error;
    try {
      if (tokens.refreshToken) {
        const as = await protocol.discover();
        const next = await protocol
          .refresh(as, tokens as Tokens & { refreshToken: string }, session.dpop())
          .catch(async (err: unknown) => {
            // The grant is over: one silent authorization may still start a new chain, without the dead refresh token.
            const e = toAuthError(err);
            if (!failureOf(e)?.final || !config.silentAuthorization || session.version() !== version) throw e;
            await silent({ ...tokens, refreshToken: undefined }).catch(() => Promise.reject(e));
          });
        if (!next) return; // renewed by silent authorization
        // A response that lands after logout or after another tab's tokens were adopted is stale;
        // after logout its refresh token belongs to nobody, and is revoked (best effort).
        if (session.version() === version) await session.install(next, false, 'refreshed');
        else if (!session.get() && next.refreshToken !== tokens.refreshToken) void protocol.revoke(as, next);
      } else if (config.silentAuthorization) await silent(tokens);
      else must(now() < tokens.expiresAt, 'no refresh token', 'login_required');
    } catch (err) {
      const e = toAuthError(err);
      const failure = failureOf(e);
      // Fatal: the grant is over (no retry can help), or there is nothing to renew with. A
      // token endpoint's 4xx other than 408 and 429 is final, with or without an OAuth error.
      const fatal = failure
        ? failure.final
        : e.code === 'oauth_error'
          ? !TRANSIENT.test(e.error ?? '')
          : e.code === 'login_required';
      if (fatal && session.version() === version) session.drop(e, true);
      if (failure?.retryAfter !== undefined) {
        pause = { until: now() + failure.retryAfter, version, error: e };
        scheduler.retryAfter(failure.retryAfter);
      }
      throw e;
    }
  };

  const refresher = createRefresher({
    locks,
    catchUp: session.catchUp,
    lockName: lockName.refresh(config.tabKey),
    version: session.version,
    needsRefresh,
    run,
  });

  /** Scheduled renewal. The scheduler retries a failure with full-jitter backoff; the app hears of each. */
  const scheduler = createScheduler({
    now,
    dueAt,
    onDue: () => {
      refresher.refresh().catch((err: unknown) => {
        if (session.get()) events.emit('error', toAuthError(err));
      });
    },
  });
  // New tokens (installed, adopted) or none (ended): the next renewal is due at another time.
  session.onChange(scheduler.reschedule);

  return {
    async getAccessToken(force) {
      if (!session.get()) throw noSession();
      if (force || needsRefresh()) {
        try {
          await refresher.refresh(force);
        } catch (err) {
          const e = toAuthError(err);
          const t = session.get();
          if (!t) throw noSession(e.error);
          // Keep using a still-valid token while the server is unreachable.
          if (force || now() >= t.expiresAt) throw e;
          events.emit('error', e);
        }
      }
      const t = session.get();
      if (!t) throw noSession();
      return t.accessToken;
    },
    silent,
    start: scheduler.start,
    stop: scheduler.stop,
    settled: refresher.settled,
  };
}
