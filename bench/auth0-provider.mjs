// A second oidc-provider shaped the way auth0-spa-js expects an Auth0 tenant: issuer with a
// trailing slash (it checks `iss` against `<domain>/`) and Auth0's endpoint paths
// (`/authorize`, `/oauth/token`; it does not read discovery). Otherwise configured like
// demo/provider.mjs (public client, PKCE, rotated refresh tokens, JWT access tokens for the
// demo API audience, built-in login pages), and it records every request the same way.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';
import { createMemoryAdapter } from '../demo/memory-adapter.mjs';
import { CLIENT_ID, DEFAULT_API_AUDIENCE, offlinePages } from '../demo/provider.mjs';

/** @param {{ appOrigins: string[] }} o */
export async function startAuth0Provider({ appOrigins }) {
  const requests = [];
  let handler = (_req, res) => res.writeHead(503).end();
  const server = createServer((req, res) => handler(req, res));
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const origin = `http://127.0.0.1:${server.address().port}`;
  const rs = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
  const es = await generateKeyPair('ES256', { extractable: true });
  const provider = new Provider(`${origin}/`, {
    adapter: createMemoryAdapter().Adapter,
    routes: { authorization: '/authorize', token: '/oauth/token', end_session: '/v2/logout' },
    clients: [
      {
        client_id: CLIENT_ID,
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: appOrigins.flatMap((o) => [`${o}/`, `${o}/callback`]),
      },
    ],
    jwks: {
      keys: [
        { ...(await exportJWK(rs.privateKey)), alg: 'RS256', use: 'sig', kid: 'rs256' },
        { ...(await exportJWK(es.privateKey)), alg: 'ES256', use: 'sig', kid: 'es256' },
      ],
    },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    claims: { openid: ['sub'], profile: ['name'] },
    conformIdTokenClaims: false,
    scopes: ['openid', 'offline_access', 'profile', 'email'],
    pkce: { required: () => true },
    clientBasedCORS: (_ctx, o) => appOrigins.includes(o),
    findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub, name: sub }) }),
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: () => true,
    ttl: Object.fromEntries(
      Object.entries({
        AccessToken: 600,
        AuthorizationCode: 60,
        IdToken: 3600,
        Interaction: 3600,
        Grant: 86400,
        RefreshToken: 86400,
        Session: 86400,
      }).map(([k, v]) => [k, () => v]),
    ),
    features: {
      devInteractions: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => DEFAULT_API_AUDIENCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: 'api',
          audience: DEFAULT_API_AUDIENCE,
          accessTokenFormat: 'jwt',
          accessTokenTTL: 600,
          jwt: { sign: { alg: 'ES256' } },
        }),
      },
    },
  });
  provider.use(offlinePages);
  provider.use(async (ctx, next) => {
    const entry = { method: ctx.method, path: ctx.path, time: Date.now() };
    requests.push(entry);
    await next();
    entry.status = ctx.status;
    if (ctx.oidc?.params?.grant_type) entry.grantType = ctx.oidc.params.grant_type;
  });
  handler = provider.callback();
  return {
    issuer: origin, // what the bench pages pass as auth0-spa-js `domain`; the provider's issuer is `${origin}/`
    requests,
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
