/**
 * A tiny typed event emitter. `on()` returns its own unsubscribe; a listener that throws is
 * reported (via `reportError` where the platform has it) and never breaks the client or the
 * other listeners.
 * @module
 */

/** Removes the listener it was returned for. Calling it twice is harmless. */
export type Unsubscribe = () => void;

export interface Emitter<Events> {
  on<K extends keyof Events>(event: K, listener: (payload: Events[K]) => void): Unsubscribe;
  emit<K extends keyof Events>(event: K, payload: Events[K]): void;
  clear(): void;
}

export function createEmitter<Events>(): Emitter<Events> {
  const listeners = new Map<keyof Events, Set<(payload: never) => void>>();
  return {
    on(event, listener) {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set.add(listener));
      return () => void set.delete(listener);
    },
    emit(event, payload) {
      for (const listener of [...(listeners.get(event) ?? [])]) {
        try {
          (listener as (p: typeof payload) => void)(payload);
        } catch (err) {
          (globalThis as { reportError?: (e: unknown) => void }).reportError?.(err);
        }
      }
    },
    clear() {
      listeners.clear();
    },
  };
}
