/** An in-memory Web Locks manager shared by the "tabs" of a test: exclusive locks, FIFO waiters, `ifAvailable`, `query()`. */
export function fakeLocks(): LockManager {
  const held = new Set<string>();
  const queues = new Map<string, Array<() => void>>();
  async function request(name: string, a: unknown, b?: unknown): Promise<unknown> {
    const [opts, cb] = (typeof a === 'function' ? [{}, a] : [a, b]) as [LockOptions, (l: Lock | null) => unknown];
    if (held.has(name)) {
      if (opts.ifAvailable) return cb(null);
      await new Promise<void>((r) => queues.set(name, [...(queues.get(name) ?? []), r]));
    }
    held.add(name);
    try {
      return await cb({ name, mode: 'exclusive' } as Lock);
    } finally {
      const next = queues.get(name)?.shift();
      if (next) next();
      else held.delete(name);
    }
  }
  return {
    request: request as LockManager['request'],
    query: async () => ({
      held: [...held].map((name) => ({ name, mode: 'exclusive' as const, clientId: 'test' })),
      pending: [],
    }),
  };
}
