// Typical use of auth0-spa-js: create a client, handle the callback, start a login, get a
// token and call an API with it.
import { Auth0Client } from '@auth0/auth0-spa-js';

const auth0 = new Auth0Client({
  domain: 'id.example.com',
  clientId: 'my-spa',
  useRefreshTokens: true,
  authorizationParams: { redirect_uri: location.origin + '/callback', scope: 'openid profile offline_access' },
});
if (new URLSearchParams(location.search).has('code')) await auth0.handleRedirectCallback();
if (!(await auth0.isAuthenticated())) await auth0.loginWithRedirect();
const token = await auth0.getTokenSilently();
const res = await fetch('/api/me', { headers: { Authorization: `Bearer ${token}` } });
document.body.textContent = `${token.length} ${res.status}`;
