// A real OpenID Provider (oidc-provider) for the demo and the e2e tests, on 127.0.0.1 only.
//
// One public client, 'spa-demo', for the demo pages of every origin in `appOrigins`:
// Authorization Code + PKCE (required), refresh tokens with rotation, revocation, RP-initiated
// logout, the provider's built-in login/consent pages (devInteractions), optional DPoP and PAR,
// and JWT access tokens for the demo API (resource indicators) so the API can verify them.
//
// Tests read `requests` to count refreshes and to detect a reused refresh token: every request
// is recorded with the grant type and a short hash of any refresh token / code, never the value.
// `issued` holds the raw tokens the provider handed out, so tests can search browser storage for
// them; it never leaves the test process.
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';
import { createMemoryAdapter } from './memory-adapter.mjs';

export const CLIENT_ID = 'spa-demo';
export const DEFAULT_API_AUDIENCE = 'urn:spa-auth:demo-api';
export const API_SCOPE = 'api';

/** Paths on each app origin the provider redirects to. */
export const REDIRECT_PATHS = ['/', '/static.html', '/callback', '/silent.html'];
export const POST_LOGOUT_PATHS = ['/', '/static.html'];

/** A short, non-reversible label for a secret (so tests can compare without holding it). */
export const hashSecret = (value) => createHash('sha256').update(String(value)).digest('base64url').slice(0, 16);

async function signingKeys() {
  const keys = [];
  for (const [alg, options] of [
    ['RS256', { modulusLength: 2048 }],
    ['ES256', {}],
  ]) {
    const { privateKey } = await generateKeyPair(alg, { ...options, extractable: true });
    keys.push({
      ...(await exportJWK(privateKey)),
      alg,
      use: 'sig',
      kid: `${alg.toLowerCase()}-${randomBytes(4).toString('hex')}`,
    });
  }
  return keys;
}

const displayName = (sub) => sub.charAt(0).toUpperCase() + sub.slice(1);

/**
 * Starts the provider.
 * @param {object} o
 * @param {number} [o.port=0] 0 picks a free port
 * @param {string[]} o.appOrigins origins of the demo pages (redirect URIs and CORS)
 * @param {string[]} [o.redirectUris] more redirect URIs, registered as given (also as post-logout redirect URIs)
 * @param {number} [o.accessTokenTTL=600] seconds
 * @param {number} [o.refreshTokenTTL=86400] seconds
 * @param {boolean} [o.dpop=false] the client must use DPoP (dpop_bound_access_tokens)
 * @param {boolean} [o.requireDpopNonce=false] DPoP proofs must carry a server nonce
 * @param {boolean} [o.requirePar=false] authorization requests must be pushed (RFC 9126)
 * @param {string} [o.apiAudience] the resource indicator / `aud` of the demo API's tokens
 * @param {boolean} [o.userinfoTokens=false] issue access tokens for the UserInfo endpoint (no
 *   default resource) instead of JWTs for the demo API
 * @param {boolean} [o.coop=false] send `Cross-Origin-Opener-Policy: same-origin` with every
 *   response, as some providers do: it severs a popup's `window.opener`
 */
export async function startProvider({
  port = 0,
  appOrigins,
  redirectUris = [],
  accessTokenTTL = 600,
  refreshTokenTTL = 24 * 3600,
  dpop = false,
  requireDpopNonce = false,
  requirePar = false,
  apiAudience = DEFAULT_API_AUDIENCE,
  userinfoTokens = false,
  coop = false,
} = {}) {
  if (!Array.isArray(appOrigins) || appOrigins.length === 0) throw new Error('startProvider: appOrigins is required');
  const requests = [];
  const issued = [];
  let handler = (_req, res) => res.writeHead(503).end();
  let server = createServer((req, res) => handler(req, res));
  const listen = (p) =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(p, '127.0.0.1', () => resolve(server.address().port));
    });
  const boundPort = await listen(port);
  const issuer = `http://127.0.0.1:${boundPort}`;

  const adapter = createMemoryAdapter();
  const ttl = (seconds) => () => seconds;
  const provider = new Provider(issuer, {
    adapter: adapter.Adapter,
    clients: [
      {
        client_id: CLIENT_ID,
        client_name: 'spa-auth demo',
        token_endpoint_auth_method: 'none',
        application_type: 'web',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: [...new Set([...appOrigins.flatMap((o) => REDIRECT_PATHS.map((p) => o + p)), ...redirectUris])],
        post_logout_redirect_uris: [
          ...new Set([...appOrigins.flatMap((o) => POST_LOGOUT_PATHS.map((p) => o + p)), ...redirectUris]),
        ],
        dpop_bound_access_tokens: dpop,
        require_pushed_authorization_requests: requirePar,
      },
    ],
    jwks: { keys: await signingKeys() },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    claims: { openid: ['sub'], profile: ['name', 'preferred_username'] },
    conformIdTokenClaims: false, // put `name` in the ID token: the SDK shows ID token claims
    scopes: ['openid', 'offline_access', 'profile'],
    pkce: { required: () => true },
    clientBasedCORS: (_ctx, origin) => appOrigins.includes(origin),
    findAccount: (_ctx, sub) => ({
      accountId: sub,
      claims: () => ({ sub, name: displayName(sub), preferred_username: sub }),
    }),
    // A browser app asks for offline_access without prompt=consent: issue to the public client anyway.
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: () => true,
    features: {
      devInteractions: { enabled: true },
      revocation: { enabled: true, allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
      pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: requirePar },
      dPoP: {
        enabled: true,
        ...(requireDpopNonce ? { nonceSecret: randomBytes(32), requireNonce: () => true } : {}),
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => (userinfoTokens ? undefined : apiAudience),
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => {
          if (resource !== apiAudience) throw new Provider.errors.InvalidTarget();
          return {
            scope: API_SCOPE,
            audience: apiAudience,
            accessTokenFormat: 'jwt',
            accessTokenTTL,
            jwt: { sign: { alg: 'ES256' } },
          };
        },
      },
    },
    ttl: {
      AccessToken: ttl(accessTokenTTL),
      AuthorizationCode: ttl(60),
      IdToken: ttl(3600),
      Interaction: ttl(3600),
      Grant: ttl(refreshTokenTTL),
      RefreshToken: ttl(refreshTokenTTL),
      Session: ttl(refreshTokenTTL),
    },
    renderError: (ctx, out) => {
      ctx.type = 'html';
      ctx.body = `<!doctype html><title>error</title><h1>oops! something went wrong</h1><pre id="error">${escapeHtml(JSON.stringify(out))}</pre>`;
    },
  });
  provider.on('server_error', (_ctx, err) => console.error('[provider] server_error', err));

  provider.use(offlinePages);
  if (coop) {
    provider.use(async (ctx, next) => {
      ctx.set('cross-origin-opener-policy', 'same-origin');
      await next();
    });
  }
  provider.use(async (ctx, next) => {
    const entry = { method: ctx.method, path: ctx.path, time: Date.now() };
    requests.push(entry);
    await next();
    entry.status = ctx.status;
    entry.route = ctx.oidc?.route;
    const params = ctx.oidc?.params;
    if (params) {
      if (params.grant_type) entry.grantType = params.grant_type;
      if (params.refresh_token) entry.refreshTokenHash = hashSecret(params.refresh_token);
      if (params.code) entry.codeHash = hashSecret(params.code);
      if (params.token) entry.tokenHash = hashSecret(params.token);
      if (params.prompt) entry.prompt = params.prompt;
      if (params.token_type_hint) entry.tokenTypeHint = params.token_type_hint;
    }
    if (ctx.get('dpop')) entry.dpop = true;
    const body = ctx.body;
    if (entry.route === 'token' && body && typeof body === 'object' && body.access_token) {
      issued.push({
        accessToken: body.access_token,
        refreshToken: body.refresh_token,
        idToken: body.id_token,
        time: entry.time,
      });
      if (body.refresh_token) entry.issuedRefreshTokenHash = hashSecret(body.refresh_token);
      entry.tokenType = body.token_type;
    }
    if (ctx.status >= 400 && body && typeof body === 'object' && body.error) entry.error = body.error;
  });
  handler = provider.callback();

  return {
    issuer,
    url: issuer,
    provider,
    requests,
    issued,
    /** Closes the listener; grants and sessions stay in memory for restart(). */
    stop: () =>
      new Promise((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
    /** Listens again on the same port. */
    restart: async () => {
      if (server.listening) return;
      server = createServer((req, res) => handler(req, res));
      await listen(boundPort);
    },
    /** Revokes the grants (and every token of them) of one user, or of everybody. Returns how many. */
    revokeGrants: async (sub) => adapter.revokeGrants(sub),
    /** Ends the provider sessions (the login cookie) of one user, or of everybody. Returns how many. */
    endSessions: async (sub) => adapter.endSessions(sub),
  };
}

/**
 * Provider middleware: the built-in login and consent pages import a web font; this drops the
 * import (nothing loads from the internet, no offline console error), and answers
 * /favicon.ico with 204 instead of 404.
 */
export async function offlinePages(ctx, next) {
  if (ctx.path === '/favicon.ico') return void (ctx.status = 204);
  await next();
  if (typeof ctx.body === 'string')
    ctx.body = ctx.body.replace(/@import url\(https:\/\/fonts\.googleapis\.com[^)]*\);/g, '');
}

// The built-in logout pages import web fonts too; these plain ones keep the same form and buttons
// (`button[name="logout"][value="yes"]` confirms) and load nothing.
function logoutSource(ctx, form) {
  ctx.body = `<!doctype html><meta charset="utf-8"><title>Logout Request</title>
<h1>Do you want to sign out from ${escapeHtml(ctx.host)}?</h1>${form}
<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
<button type="submit" form="op.logoutForm">No, stay signed in</button>`;
}

function postLogoutSuccessSource(ctx) {
  ctx.body = '<!doctype html><meta charset="utf-8"><title>Sign-out Success</title><h1>Sign-out Success</h1>';
}

function escapeHtml(s) {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
