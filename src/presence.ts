/**
 * Presence: a signed-in tab holds a Web Lock of its own, named under the tab key, so a new tab
 * can count the tabs that could hand it their session before it asks them (no lock held: nobody
 * to wait for).
 *
 * @see https://w3c.github.io/web-locks/
 * @module
 */
import { lockName } from './names.js';

/** The handle returned by {@link createPresence}. */
export interface Presence {
  /** Holds this tab's presence lock (once; again only after {@link Presence.leave}). */
  hold(): void;
  /** Releases it. */
  leave(): void;
  /** How many other tabs hold one now (0 when the browser refuses Web Locks, e.g. an opaque origin). */
  others(): Promise<number>;
}

/**
 * This tab's presence among the tabs that share `tabKey`; `id` makes its lock name unique.
 * @example
 * ```ts
 * const presence = createPresence(navigator.locks, config.tabKey, random());
 * presence.hold(); // signed in
 * const peers = await presence.others();
 * ```
 */
export function createPresence(locks: LockManager, tabKey: string, id: string): Presence {
  const prefix = lockName.presencePrefix(tabKey);
  const me = prefix + id;
  /** Set while this tab holds (or has asked for) its lock. */
  let release: (() => void) | undefined;
  return {
    hold() {
      // Set at once (not when the lock is granted): a second call cannot queue a second
      // request, and a leave() before the grant still releases it.
      if (release) return;
      const held = new Promise<void>((resolve) => (release = resolve));
      locks.request(me, () => held).catch(() => undefined);
    },
    leave() {
      release?.();
      release = undefined;
    },
    async others() {
      const snapshot = await locks.query().catch((): LockManagerSnapshot => ({}));
      return snapshot.held?.filter((lock) => lock.name?.startsWith(prefix) && lock.name !== me).length ?? 0;
    },
  };
}
