/**
 * The session as UI frameworks read it: one frozen {@link AuthSnapshot} whose identity changes
 * only when one of its fields does, and listeners called after each change. That is the
 * contract of React's `useSyncExternalStore` (the same object from repeated reads while nothing
 * changed, so no re-render loop and no tearing), and all a Vue `shallowRef`, a Svelte store or an
 * Angular signal needs.
 *
 * Reads are computed from the session on every call, so a snapshot is never behind the
 * client's own getters; listeners are called once per change, from the client's events
 * (before the app's own event listeners), when `init()` settles, and on `destroy()`.
 * @see https://react.dev/reference/react/useSyncExternalStore
 * @module
 */
import { createEmitter, type Emitter } from './emitter.js';
import type { AuthEvents, AuthSnapshot } from './types.js';

/** The snapshot store of one client. */
export interface SnapshotStore {
  /** The current snapshot: the same object until a field changes. */
  get(): AuthSnapshot;
  /** Calls `listener()` after each change; returns its unsubscribe. Nothing is heard once closed. */
  subscribe(listener: () => void): () => void;
  /** `init()` settled (either way): `loading` ends. */
  settled(): void;
  /** The client is destroyed: listeners hear the signed-out snapshot (if it is new), then nothing more. */
  close(): void;
}

/**
 * A store over `read`, told of changes by the client's `events`.
 * @example
 * ```ts
 * const store = createSnapshotStore(() => ({ isAuthenticated: false, user: undefined, expiresAt: undefined }), events);
 * store.subscribe(() => render(store.get()));
 * ```
 */
export function createSnapshotStore(
  read: () => Omit<AuthSnapshot, 'loading'>,
  events: Emitter<AuthEvents>,
): SnapshotStore {
  const changes = createEmitter<{ change: undefined }>();
  let loading = true;
  let closed = false;
  let snapshot: AuthSnapshot = Object.freeze({ ...read(), loading });

  const get = (): AuthSnapshot => {
    const next: AuthSnapshot = { ...read(), loading };
    for (const key in next)
      if (next[key as keyof AuthSnapshot] !== snapshot[key as keyof AuthSnapshot])
        return (snapshot = Object.freeze(next));
    return snapshot;
  };
  let told = snapshot;
  /** Tells the listeners, once, about a snapshot they have not been told of. */
  const changed = () => {
    if (get() === told) return;
    told = get();
    changes.emit('change', undefined);
  };
  for (const event of ['authenticated', 'tokenRefreshed', 'sessionExpired', 'loggedOut'] as const)
    events.on(event, changed);

  return {
    get,
    subscribe: (listener) => (closed ? () => undefined : changes.on('change', () => listener())),
    settled() {
      loading = false;
      changed();
    },
    close() {
      changed();
      closed = true;
      changes.clear();
    },
  };
}
