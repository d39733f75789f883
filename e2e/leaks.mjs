// Where a token could be left at rest in the browser, and a check that none is.
// Gathers every string the app's origin keeps: Web Storage, IndexedDB (every record of every
// store of every database), CacheStorage, cookies, window.name, the URL and history.state.

/**
 * @param {import('playwright-core').Page} page a page on the app's origin
 * @returns {Promise<{ where: string, value: string }[]>}
 */
export async function collectBrowserState(page) {
  const inPage = await page.evaluate(async () => {
    const out = [];
    const add = (where, value) =>
      out.push({ where, value: typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value)) });
    for (const [name, store] of [
      ['localStorage', localStorage],
      ['sessionStorage', sessionStorage],
    ]) {
      for (let i = 0; i < store.length; i++) {
        const key = store.key(i);
        add(`${name}[${key}]`, `${key}=${store.getItem(key)}`);
      }
    }
    const dbs = (await indexedDB.databases?.()) ?? [];
    for (const { name } of dbs) {
      add('indexedDB', `database ${name}`);
      const db = await new Promise((resolve, reject) => {
        const req = indexedDB.open(name);
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      for (const storeName of db.objectStoreNames) {
        const records = await new Promise((resolve, reject) => {
          const req = db.transaction(storeName, 'readonly').objectStore(storeName).getAll();
          req.onsuccess = () => resolve(req.result);
          req.onerror = () => reject(req.error);
        });
        // Structured-clone values may hold CryptoKeys (not serialisable, and not secrets we can read).
        for (const r of records) add(`indexedDB[${name}/${storeName}]`, r);
      }
      db.close();
    }
    if (globalThis.caches) {
      for (const cacheName of await caches.keys()) {
        const cache = await caches.open(cacheName);
        for (const req of await cache.keys())
          add(`caches[${cacheName}]`, `${req.url} ${await (await cache.match(req)).text()}`);
      }
    }
    add('document.cookie', document.cookie);
    add('window.name', window.name);
    add('location.href', location.href);
    add('history.state', history.state);
    add('history.length', String(history.length));
    return out;
  });
  const cookies = await page.context().cookies();
  return [
    ...inPage,
    ...cookies.map((c) => ({ where: `cookie ${c.name} (${c.domain}${c.path})`, value: `${c.name}=${c.value}` })),
  ];
}

const JWT = /eyJ[\w-]{5,}\.eyJ[\w-]{5,}\.[\w-]+/;

/**
 * The entries that hold one of `secrets` (raw token values) or anything shaped like a JWT.
 * @param {{ where: string, value: string }[]} state
 * @param {string[]} secrets
 */
export function findLeaks(state, secrets) {
  const real = secrets.filter((s) => typeof s === 'string' && s.length >= 8);
  return state.filter(({ value }) => JWT.test(value) || real.some((s) => value.includes(s))).map(({ where }) => where); // never echo the value: it would put the token in the test log
}

/** Every raw token the provider issued so far. */
export const issuedSecrets = (provider) => provider.issued.flatMap((t) => [t.accessToken, t.refreshToken, t.idToken]);
