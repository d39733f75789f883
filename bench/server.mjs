// A tiny static server for one library's bench pages, on its own 127.0.0.1 origin. Every
// page path the provider redirects to (/, /callback, /silent.html) serves the same plain
// page: /config.js (the client settings), /lib.js (the library's IIFE bundle) and /page.js
// (bench/pages/<lib>.js). /ping is the API endpoint for the fetch-overhead bench.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';

const PAGES = fileURLToPath(new URL('./pages/', import.meta.url));
const HTML =
  '<!doctype html><meta charset="utf-8"><title>bench</title><body><script src="/config.js"></script><script src="/lib.js"></script><script src="/page.js"></script>';
const PAGE_PATHS = new Set(['/', '/callback', '/silent.html']);

/**
 * @param {{ lib: string, bundle: string }} o the library id and its IIFE code
 * @returns {Promise<{ url: string, configure: (c: object) => void, stop: () => Promise<void> }>}
 */
export async function startBenchServer({ lib, bundle }) {
  let config = {};
  const page = await readFile(`${PAGES}${lib}.js`, 'utf8');
  const server = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    const send = (type, body, status = 200) =>
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
    if (PAGE_PATHS.has(path)) return send('text/html; charset=utf-8', HTML);
    if (path === '/config.js') return send('text/javascript', `window.BENCH=${JSON.stringify(config)};`);
    if (path === '/lib.js') return send('text/javascript', bundle);
    if (path === '/page.js') return send('text/javascript', page);
    if (path === '/ping') return send('application/json', '{"ok":true}');
    return send('text/plain', 'not found', 404);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    configure: (c) => void (config = c),
    stop: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
