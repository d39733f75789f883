/**
 * One refresh for the whole origin: concurrent callers in a tab share one flight, tabs take a
 * Web Lock, and the session is re-checked inside the lock, so a peer that already renewed (and
 * broadcast its tokens) wins and a rotated refresh token is never presented twice.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2 (refresh token rotation)
 * @see https://w3c.github.io/web-locks/
 * @module
 */

/** Options for {@link createRefresher}. */
export interface RefresherOptions {
  /** Web Lock name shared by all tabs of this app with the same settings, e.g. `spa-auth:refresh:<tabKey>`. */
  lockName: string;
  /** navigator.locks, or null/undefined when unavailable (then only in-tab single flight; the client disables cross-tab token sharing in that case so no refresh token is ever used twice). */
  locks?: { request: LockManager['request'] } | null | undefined;
  /** Session version: increments whenever tokens are installed (here or adopted from another tab) or cleared. */
  version: () => number;
  /** True when the current tokens need renewal (expired or within leeway). */
  needsRefresh: () => boolean;
  /** Performs the network refresh and installs (+ broadcasts) the result. Runs inside the lock. */
  run: () => Promise<void>;
  /**
   * Runs inside the lock before the re-check: asks the other tabs for their session and adopts
   * a newer one (changing `version()`). A tab that renewed installs its tokens before it
   * releases the lock, so its answer is current even when its broadcast is still in flight.
   */
  catchUp?: (() => Promise<void>) | undefined;
}

/** The handle returned by {@link createRefresher}. */
export interface Refresher {
  /** Renew. Concurrent calls in the tab share one promise. force=true renews even if !needsRefresh(), but never if version() changed since the call started (someone else already renewed). */
  refresh(force?: boolean): Promise<void>;
  /**
   * Resolves once no renewal is running or queued in this tab (whatever their outcome), and then
   * the lock once held: every tab that queued for it behind this tab's last renewal is done.
   */
  settled(): Promise<void>;
}

/** One run of the check → lock → re-check sequence: the version it started at, whether forced, its promise. */
interface Flight {
  version: number;
  forced: boolean;
  done: Promise<void>;
}

/**
 * Creates the refresh coordinator.
 *
 * A call joins the running flight when that flight started at the current `version()` and is
 * at least as strong (a forced call never joins an unforced flight, whose re-check might skip
 * the renewal); otherwise it starts a new flight queued behind the running one, so two
 * `run()`s never overlap in a tab. A flight takes the Web Lock, catches up with the other tabs,
 * then checks, in order: `version()` changed since it started → done; not forced and
 * `!needsRefresh()` → done; else `run()`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2
 * @example
 * ```ts
 * const r = createRefresher({ lockName, locks: navigator.locks?.request ? navigator.locks : null,
 *   version: () => gen, needsRefresh: () => expiresAt - now() < leeway, run: refreshAndInstall,
 *   catchUp: adoptNewerSessionFromOtherTabs });
 * await r.refresh();
 * ```
 */
export function createRefresher({ lockName, locks, version, needsRefresh, run, catchUp }: RefresherOptions): Refresher {
  let flight: Flight | undefined;

  return {
    refresh(force = false) {
      const started = version();
      if (flight && flight.version === started && (flight.forced || !force)) return flight.done;
      const previous = flight?.done;
      const renew = async () => {
        await catchUp?.();
        if (version() === started && (force || needsRefresh())) await run();
      };
      // Queued behind the running flight, whatever its outcome. Cleared inside the flight,
      // before its promise settles: nobody can join a settled flight.
      const next: Flight = {
        version: started,
        forced: force,
        done: (async () => {
          await previous?.catch(() => {});
          await (locks ? locks.request(lockName, renew) : renew());
        })().finally(() => {
          if (flight === next) flight = undefined;
        }),
      };
      flight = next;
      return next.done;
    },
    // The newest flight runs after all the others.
    settled: async () => {
      await flight?.done.catch(() => {});
      await locks?.request(lockName, () => {}).catch(() => {});
    },
  };
}
