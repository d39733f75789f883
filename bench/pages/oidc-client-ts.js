// oidc-client-ts bench page. /callback runs signinRedirectCallback(), /silent.html
// signinSilentCallback(), /?restore signinSilent(). The user store is in memory unless the
// config says `store: 'local'` (the only way its tabs can share a session).
(() => {
  const B = window.BENCH;
  const store = B.store === 'local' ? localStorage : new oidc.InMemoryWebStorage();
  const mgr = new oidc.UserManager({
    authority: B.issuer,
    client_id: B.clientId,
    redirect_uri: location.origin + '/callback',
    silent_redirect_uri: location.origin + '/silent.html',
    scope: B.scope,
    userStore: new oidc.WebStorageStateStore({ store }),
    automaticSilentRenew: false,
  });
  let t0 = 0;
  const done = (r) => void (window.__bench = { t: performance.now(), call: performance.now() - t0, ...r });
  const fail = (e) => done({ authenticated: false, error: String(e?.error ?? e?.message ?? e) });
  const path = location.pathname;
  if (path === '/callback') mgr.signinRedirectCallback().then((u) => done({ authenticated: !!u }), fail);
  else if (path === '/silent.html') mgr.signinSilentCallback().catch(() => {});
  else if (new URLSearchParams(location.search).has('restore')) {
    t0 = performance.now();
    mgr.signinSilent().then((u) => done({ authenticated: !!u }), fail);
  }
  window.bench = {
    login: () => mgr.signinRedirect(),
    token: () => mgr.signinSilent().then((u) => u.access_token),
    info: async () => {
      const u = await mgr.getUser();
      return { authenticated: !!u, expiresAt: u?.expires_at && u.expires_at * 1000 };
    },
  };
})();
