// The e2e app page for the stub provider: the script-tag build, init() on every page load,
// events and the result kept in window.__app for the test to read (never a token).
/* global SpaAuth -- the script-tag build, loaded before this file */
(() => {
  const C = window.APP_CONFIG;
  const auth = SpaAuth.createAuthClient({
    issuer: C.issuer,
    clientId: C.clientId,
    redirectUri: `${location.origin}/callback`,
    ...(C.silentPage ? { silentRedirectUri: `${location.origin}/silent.html` } : {}),
  });
  const out = { events: [], result: undefined };
  window.__app = out;
  window.app = { login: (returnTo) => auth.login(returnTo ? { returnTo } : {}) };
  auth.on('error', (e) => out.events.push({ event: 'error', code: e.code, message: e.message }));
  auth.on('authenticated', ({ user }) => out.events.push({ event: 'authenticated', sub: user.sub }));
  const t0 = performance.now();
  auth.init().then(
    (r) => {
      out.result = { ...r, initMs: performance.now() - t0 };
      document.body.dataset.state = r.authenticated ? 'signed-in' : 'signed-out';
    },
    (e) => {
      out.result = { error: e.code, message: e.message };
      document.body.dataset.state = 'failed';
    },
  );
})();
