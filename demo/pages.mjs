// Serves the two demo pages on their own origin, with a strict Content-Security-Policy
// (no inline script, no eval, connections only to the provider, the API and the recorder).
//
//   /             ES-module page: /app.js imports /spa-auth.js (dist/index.js, its
//                 `oauth4webapi` import rewritten to /oauth4webapi.js: no import map needed),
//                 /spa-auth-popup.js and /spa-auth-userinfo.js (the opt-in features)
//   /static.html  script-tag page: /spa-auth.iife.min.js (global SpaAuth) + /static.js
//   /silent.html  the page the SDK's hidden iframe lands on: /silent-callback.iife.min.js (the
//                 tiny entry, global SpaAuthSilent) + /silent.js
//   /config.json  the client options (?page=esm|static|silent, ?dpop=0|1 overrides the default)
//
// Dist files are read on every request, so a rebuild is picked up without a restart.
import { readFile } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listenLoopback, sendJson } from './http-util.mjs';
import { CLIENT_ID } from './provider.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const PUBLIC_DIR = join(here, 'public');
const OAUTH4WEBAPI = fileURLToPath(import.meta.resolve('oauth4webapi'));
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};
const PUBLIC_FILES = new Set([
  '/index.html',
  '/static.html',
  '/silent.html',
  '/app.js',
  '/static.js',
  '/silent.js',
  '/ui.js',
  '/demo.css',
  '/favicon.svg',
]);
/**
 * The SDK's build files by the path the pages load them from. The ESM entries import shared
 * chunks (`./shared-<hash>.js`), served from dist as they are.
 */
const DIST_FILES = {
  '/spa-auth.js': 'index.js',
  '/spa-auth-dpop.js': 'dpop.js',
  '/spa-auth-popup.js': 'popup.js',
  '/spa-auth-userinfo.js': 'userinfo.js',
  '/spa-auth.iife.min.js': 'spa-auth.iife.min.js',
  '/silent-callback.iife.min.js': 'silent-callback.iife.min.js',
};
/** Paths that each client page uses as its redirect URI (registered at the provider). */
const PAGE_PATHS = { esm: '/', static: '/static.html', silent: '/silent.html' };

const originOf = (u) => (u ? new URL(u).origin : '');

/**
 * @param {object} o
 * @param {number} [o.port=0]
 * @param {string} [o.distDir] the SDK build (default: <repo>/dist)
 * @param {string} [o.providerIssuer]
 * @param {string} [o.apiUrl]
 * @param {string} [o.foreignUrl] the recorder
 * @param {object} [o.clientOptions] extra createAuthClient options (e.g. { dpop: true, refreshLeeway: 5 })
 * @returns {Promise<{ url: string, stop: () => Promise<void>, configure: (o: object) => void, requests: object[] }>}
 *   `configure` sets any of providerIssuer / apiUrl / foreignUrl / clientOptions later (the
 *   provider needs this server's origin first).
 */
export async function startPages({ port = 0, distDir = resolve(here, '..', 'dist'), ...rest } = {}) {
  const settings = { clientOptions: {}, ...rest };
  const requests = [];

  const csp = () => {
    const provider = originOf(settings.providerIssuer);
    const connect = [provider, originOf(settings.apiUrl), originOf(settings.foreignUrl)].filter(Boolean).join(' ');
    return [
      "default-src 'self'",
      "script-src 'self'",
      `connect-src 'self' ${connect}`,
      `frame-src 'self' ${provider}`,
      "style-src 'self'",
      "img-src 'self' data:",
      "object-src 'none'",
      "base-uri 'none'",
      `form-action 'self' ${provider}`,
      "frame-ancestors 'self'",
    ].join('; ');
  };

  const config = (origin, query) => {
    const page = PAGE_PATHS[query.get('page')] ? query.get('page') : 'esm';
    // The silent page takes the ES-module app's options: a stray answer there sends the user on
    // to that app's redirectUri.
    const app = page === 'silent' ? 'esm' : page;
    const client = {
      issuer: settings.providerIssuer,
      clientId: CLIENT_ID,
      redirectUri: origin + PAGE_PATHS[app],
      silentRedirectUri: origin + PAGE_PATHS.silent,
      postLogoutRedirectUri: origin + PAGE_PATHS[app],
      scope: 'openid profile offline_access api',
      apiOrigins: [originOf(settings.apiUrl)].filter(Boolean),
      ...settings.clientOptions,
    };
    if (query.has('dpop')) client.dpop = query.get('dpop') === '1';
    return { client, apiUrl: settings.apiUrl, foreignUrl: settings.foreignUrl };
  };

  const send = (res, status, type, body) => {
    const headers = {
      'content-type': type,
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
    };
    if (type.startsWith('text/html')) headers['content-security-policy'] = csp();
    res.writeHead(status, headers).end(body);
  };

  const server = await listenLoopback(async (req, res) => {
    const { pathname, searchParams } = new URL(req.url, 'http://x');
    requests.push({ method: req.method, path: pathname, time: Date.now() });
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'method not allowed');
    if (pathname === '/config.json') return sendJson(res, 200, config(server.url, searchParams));
    const distFile = DIST_FILES[pathname] ?? (/^\/shared-[\w-]+\.js$/.test(pathname) && pathname.slice(1));
    if (distFile || pathname === '/oauth4webapi.js') {
      const file = distFile ? join(distDir, distFile) : OAUTH4WEBAPI;
      let code;
      try {
        code = await readFile(file, 'utf8');
      } catch {
        return send(res, 404, 'text/plain', `${pathname} is missing: run npm run build`);
      }
      if (pathname !== '/oauth4webapi.js' && !pathname.endsWith('.min.js'))
        code = code.replace(/(from\s*|import\s*\(?\s*)(['"])oauth4webapi\2/g, '$1$2/oauth4webapi.js$2');
      return send(res, 200, TYPES['.js'], code);
    }
    const file = pathname === '/' || pathname === '/callback' ? '/index.html' : pathname;
    if (!PUBLIC_FILES.has(file)) return send(res, 404, 'text/plain', 'not found');
    return send(res, 200, TYPES[extname(file)], await readFile(join(PUBLIC_DIR, file)));
  }, port);

  return {
    url: server.url,
    requests,
    stop: server.stop,
    configure(o) {
      Object.assign(settings, o);
    },
  };
}
