// An in-memory storage adapter for oidc-provider that tests can inspect: unlike the built-in
// one, it can list grants and sessions, so a test can revoke a user's grant or end their
// provider session while the browser still holds tokens.
// Adapter contract: https://github.com/panva/node-oidc-provider/blob/main/example/my_adapter.js

export function createMemoryAdapter() {
  /** key `${model}:${id}` → { payload, expiresAt } */
  const store = new Map();
  const key = (model, id) => `${model}:${id}`;
  const live = (entry) => entry && (!entry.expiresAt || entry.expiresAt > Date.now());

  class Adapter {
    constructor(model) {
      this.model = model;
    }
    async upsert(id, payload, expiresIn) {
      store.set(key(this.model, id), { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : 0 });
    }
    async find(id) {
      const entry = store.get(key(this.model, id));
      return live(entry) ? entry.payload : undefined;
    }
    async findByUid(uid) {
      for (const [k, entry] of store)
        if (k.startsWith(`${this.model}:`) && entry.payload.uid === uid && live(entry)) return entry.payload;
      return undefined;
    }
    async findByUserCode(userCode) {
      for (const [k, entry] of store)
        if (k.startsWith(`${this.model}:`) && entry.payload.userCode === userCode && live(entry)) return entry.payload;
      return undefined;
    }
    async consume(id) {
      const entry = store.get(key(this.model, id));
      if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id) {
      store.delete(key(this.model, id));
    }
    async revokeByGrantId(grantId) {
      for (const [k, entry] of store) if (entry.payload.grantId === grantId) store.delete(k);
    }
  }

  const entriesOf = (model) => [...store].filter(([k, e]) => k.startsWith(`${model}:`) && live(e));

  return {
    Adapter,
    /** Deletes the grants of `sub` (all when undefined) and every token issued under them. */
    revokeGrants(sub) {
      let count = 0;
      for (const [k, { payload }] of entriesOf('Grant')) {
        if (sub !== undefined && payload.accountId !== sub) continue;
        store.delete(k);
        for (const [k2, e] of store) if (e.payload.grantId === payload.jti) store.delete(k2);
        count += 1;
      }
      return count;
    },
    /** Deletes the provider sessions (login state) of `sub` (all when undefined). */
    endSessions(sub) {
      let count = 0;
      for (const [k, { payload }] of entriesOf('Session')) {
        if (sub !== undefined && payload.accountId !== sub) continue;
        store.delete(k);
        count += 1;
      }
      return count;
    },
  };
}
