// Typical use of spa-auth: create a client, handle the callback (init), start a login, get a
// token and call an API with auth.fetch.
import { createAuthClient } from 'spa-auth';

const auth = createAuthClient({
  issuer: 'https://id.example.com',
  clientId: 'my-spa',
  redirectUri: location.origin + '/callback',
  scope: 'openid profile offline_access',
});
const { authenticated } = await auth.init();
if (!authenticated) await auth.login({ returnTo: location.pathname });
const token = await auth.getAccessToken();
const res = await auth.fetch('/api/me');
document.body.textContent = `${token.length} ${res.status}`;
