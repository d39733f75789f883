// Serves the e2e app page (e2e/stub-app/app.js over the script-tag build) on its own
// 127.0.0.1 origin: every path is the app, /silent.html included, so the tests can tell
// where the browser ended up by its URL alone.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { listenLoopback } from '../../demo/http-util.mjs';

const DIST = fileURLToPath(new URL('../../dist/spa-auth.iife.min.js', import.meta.url));
const APP = fileURLToPath(new URL('./app.js', import.meta.url));
const HTML =
  '<!doctype html><meta charset="utf-8"><title>app</title><body data-state="loading"><script src="/spa-auth.iife.min.js"></script><script src="/config.js"></script><script src="/app.js"></script></body>';

/**
 * @param {{ issuer?: string, clientId?: string, silentPage?: boolean }} [config] what app.js reads; `configure` changes it later
 * @returns {Promise<{ url: string, requests: string[], configure: (c: object) => void, stop: () => Promise<void> }>}
 */
export async function startStubApp(config = {}) {
  const settings = { ...config };
  const requests = [];
  const server = await listenLoopback(async (req, res) => {
    const { pathname, search } = new URL(req.url, 'http://x');
    requests.push(pathname + search);
    const send = (type, body) =>
      res
        .writeHead(200, { 'content-type': type, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' })
        .end(body);
    if (pathname === '/spa-auth.iife.min.js') return send('text/javascript', await readFile(DIST));
    if (pathname === '/app.js') return send('text/javascript', await readFile(APP));
    if (pathname === '/config.js') return send('text/javascript', `window.APP_CONFIG=${JSON.stringify(settings)};`);
    if (pathname === '/favicon.ico') return res.writeHead(404).end();
    return send('text/html; charset=utf-8', HTML);
  });
  return { url: server.url, requests, configure: (c) => void Object.assign(settings, c), stop: server.stop };
}
