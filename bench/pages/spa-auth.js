// spa-auth bench page. /callback and /silent.html always run init(); / runs it only with
// ?restore. window.__bench gets performance.now() when init() resolves, and `call`: init() alone.
(() => {
  const B = window.BENCH;
  const auth = SpaAuth.createAuthClient({
    issuer: B.issuer,
    clientId: B.clientId,
    redirectUri: location.origin + '/callback',
    silentRedirectUri: location.origin + '/silent.html',
    scope: B.scope,
    apiOrigins: [location.origin],
  });
  let t0 = 0;
  const done = (r) => void (window.__bench = { t: performance.now(), call: performance.now() - t0, ...r });
  const path = location.pathname;
  if (path !== '/' || new URLSearchParams(location.search).has('restore')) {
    t0 = performance.now();
    auth.init().then(
      (r) => done({ authenticated: r.authenticated }),
      (e) => done({ authenticated: false, error: String(e?.code ?? e) }),
    );
  }
  window.bench = {
    login: () => auth.login(),
    token: (force) => auth.getAccessToken(force ? { forceRefresh: true } : undefined),
    fetch: (url) => auth.fetch(url),
    info: () => ({ authenticated: auth.isAuthenticated, expiresAt: auth.expiresAt }),
  };
})();
