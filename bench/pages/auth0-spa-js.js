// auth0-spa-js bench page: /callback runs handleRedirectCallback(). `domain` is the provider's
// origin; auth0-spa-js appends its own paths and expects `iss` = `<domain>/`.
(() => {
  const B = window.BENCH;
  const client = new auth0.Auth0Client({
    domain: B.issuer,
    clientId: B.clientId,
    useRefreshTokens: true,
    authorizationParams: { redirect_uri: location.origin + '/callback', scope: B.scope },
  });
  const done = (r) => void (window.__bench = { t: performance.now(), ...r });
  if (location.pathname === '/callback') {
    client.handleRedirectCallback().then(
      () => done({ authenticated: true }),
      (e) => done({ authenticated: false, error: String(e?.error ?? e?.message ?? e) }),
    );
  }
  window.bench = {
    login: () => client.loginWithRedirect(),
    token: () => client.getTokenSilently(),
  };
})();
