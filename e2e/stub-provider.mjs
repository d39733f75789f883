// A small OpenID provider on 127.0.0.1 that reproduces two legal behaviours of real providers
// that spa-auth's restore must survive (the e2e tests and `npm run bench` use it):
//
//   framePage:     `prompt=none` without a session is answered with the provider's login page
//                  (200, X-Frame-Options: DENY) instead of a redirect with `login_required`.
//   replayPending: the first authorization request of a browser that needed a login is kept
//                  for two minutes, and a later login is answered with THAT request's response
//                  (its redirect_uri, its state).
//
// Otherwise a plain code flow with PKCE S256: discovery, a login form (any name), token
// endpoint (authorization_code only: no refresh token, so a reload restores through the
// iframe), JWKS, CORS for the app origins. Browsers are told apart by a cookie. Every request is
// recorded in `requests` (route, prompt, state, the answer), never a token.
import { createHash, randomBytes } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { listenLoopback } from '../demo/http-util.mjs';

const PENDING_MS = 120_000;
const b64u = (buf) => Buffer.from(buf).toString('base64url');
const random = () => b64u(randomBytes(24));
const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * @param {{ clientId?: string, appOrigins?: string[], framePage?: boolean, replayPending?: boolean }} [o]
 * @returns {Promise<{ issuer: string, clientId: string, requests: object[], allow: (origin: string) => void, stop: () => Promise<void> }>}
 */
export async function startStubProvider({
  clientId = 'stub-spa',
  appOrigins = [],
  framePage = true,
  replayPending = true,
} = {}) {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'stub', alg: 'RS256', use: 'sig' };
  const origins = new Set(appOrigins);
  const browsers = new Map(); // cookie → { user?, pending?: { params, at } }
  const requests = new Map(); // request id → authorization parameters (the login form refers to them)
  const codes = new Map();
  const recorded = [];
  let issuer = '';

  const cors = (req) =>
    origins.has(req.headers.origin) ? { 'access-control-allow-origin': req.headers.origin, vary: 'origin' } : {};
  const json = (req, res, status, body) =>
    res
      .writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...cors(req) })
      .end(JSON.stringify(body));
  const browserOf = (req, res) => {
    const sid = /(?:^|;\s*)stub_sid=([\w-]+)/.exec(req.headers.cookie ?? '')?.[1];
    if (sid && browsers.has(sid)) return browsers.get(sid);
    const id = random();
    const b = {};
    browsers.set(id, b);
    res.setHeader('set-cookie', `stub_sid=${id}; Path=/; HttpOnly; SameSite=Lax`);
    return b;
  };
  /** Redirects the browser back to the app with a code for `p` (its redirect_uri and state). */
  const answer = (res, p, user) => {
    const code = random();
    codes.set(code, { user, nonce: p.nonce, challenge: p.code_challenge, redirectUri: p.redirect_uri });
    const to = new URL(p.redirect_uri);
    to.searchParams.set('code', code);
    to.searchParams.set('state', p.state ?? '');
    to.searchParams.set('iss', issuer);
    res.writeHead(302, { location: to.href, 'cache-control': 'no-store' }).end();
  };
  const loginPage = (res, rid) =>
    res
      .writeHead(200, {
        'content-type': 'text/html; charset=utf-8',
        'x-frame-options': 'DENY',
        'cache-control': 'no-store',
      })
      .end(
        `<!doctype html><meta charset="utf-8"><title>Sign in</title><form method="post" action="/login"><input type="hidden" name="rid" value="${escape(rid)}"><input name="login" autofocus><input name="password" type="password"><button type="submit">Sign in</button></form>`,
      );

  const routes = {
    'GET /.well-known/openid-configuration': (req, res) =>
      json(req, res, 200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        code_challenge_methods_supported: ['S256'],
        id_token_signing_alg_values_supported: ['RS256'],
        authorization_response_iss_parameter_supported: true,
      }),
    'GET /jwks': (req, res) => json(req, res, 200, { keys: [jwk] }),
    'GET /authorize': (req, res, url) => {
      const p = Object.fromEntries(url.searchParams);
      const b = browserOf(req, res);
      const entry = { route: 'authorize', prompt: p.prompt ?? null, state: p.state, redirectUri: p.redirect_uri };
      recorded.push(entry);
      if (p.client_id !== clientId || ![...origins].some((o) => p.redirect_uri?.startsWith(`${o}/`))) {
        entry.answer = 'error page';
        return res.writeHead(400, { 'content-type': 'text/plain' }).end('unknown client or redirect_uri');
      }
      if (b.user) {
        entry.answer = 'code';
        return answer(res, p, b.user);
      }
      if (replayPending && !(b.pending && Date.now() - b.pending.at < PENDING_MS))
        b.pending = { params: p, at: Date.now() };
      if (p.prompt === 'none' && !framePage) {
        entry.answer = 'login_required';
        const to = new URL(p.redirect_uri);
        for (const [k, v] of Object.entries({ error: 'login_required', state: p.state ?? '', iss: issuer }))
          to.searchParams.set(k, v);
        return res.writeHead(302, { location: to.href }).end();
      }
      entry.answer = 'login page';
      const rid = random();
      requests.set(rid, p);
      return loginPage(res, rid);
    },
    'POST /login': async (req, res) => {
      const form = new URLSearchParams(await body(req));
      const b = browserOf(req, res);
      const p = requests.get(form.get('rid') ?? '');
      if (!p) return res.writeHead(400, { 'content-type': 'text/plain' }).end('unknown request');
      b.user = form.get('login') || 'user';
      // The quirk: the earliest pending request of this browser gets the answer, not this one.
      const target = replayPending && b.pending && Date.now() - b.pending.at < PENDING_MS ? b.pending.params : p;
      b.pending = undefined;
      recorded.push({
        route: 'login',
        answered: target === p ? 'this request' : 'an earlier request',
        state: target.state,
      });
      return answer(res, target, b.user);
    },
    'OPTIONS /token': (req, res) =>
      res
        .writeHead(204, {
          ...cors(req),
          'access-control-allow-methods': 'POST',
          'access-control-allow-headers': 'content-type',
        })
        .end(),
    'POST /token': async (req, res) => {
      const form = new URLSearchParams(await body(req));
      const code = form.get('code') ?? '';
      const entry = {
        route: 'token',
        grantType: form.get('grant_type'),
        codeHash: createHash('sha256').update(code).digest('hex').slice(0, 12),
      };
      recorded.push(entry);
      const c = codes.get(code);
      codes.delete(code);
      const verifier = form.get('code_verifier') ?? '';
      if (
        !c ||
        form.get('grant_type') !== 'authorization_code' ||
        b64u(createHash('sha256').update(verifier).digest()) !== c.challenge ||
        form.get('redirect_uri') !== c.redirectUri
      ) {
        entry.status = 400;
        return json(req, res, 400, { error: 'invalid_grant' });
      }
      const now = Math.floor(Date.now() / 1000);
      const idToken = await new SignJWT({ sub: c.user, nonce: c.nonce, auth_time: now })
        .setProtectedHeader({ alg: 'RS256', kid: 'stub' })
        .setIssuer(issuer)
        .setAudience(clientId)
        .setIssuedAt(now)
        .setExpirationTime(now + 600)
        .sign(privateKey);
      entry.status = 200;
      return json(req, res, 200, {
        access_token: random(),
        token_type: 'Bearer',
        expires_in: 300,
        id_token: idToken,
        scope: 'openid',
      });
    },
  };

  const server = await listenLoopback(async (req, res) => {
    const url = new URL(req.url, issuer);
    const route = routes[`${req.method} ${url.pathname}`];
    if (!route) return res.writeHead(404, { 'content-type': 'text/plain', ...cors(req) }).end('not found');
    return route(req, res, url);
  });
  issuer = server.url;
  return { issuer, clientId, requests: recorded, allow: (origin) => void origins.add(origin), stop: server.stop };
}

/** Reads a small request body. */
async function body(req) {
  let text = '';
  for await (const chunk of req) if ((text += chunk).length > 65_536) break;
  return text;
}
