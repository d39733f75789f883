// The framework example apps (examples/<name>) for the e2e tests: each is served on its own
// 127.0.0.1 origin (ephemeral port) before it is built, because the provider must know the
// origin and the build must know the provider; then built with the repository's Vite and its
// own vite.config.mjs, into a temporary directory.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { listenLoopback } from '../demo/http-util.mjs';

const EXAMPLES = resolve(fileURLToPath(import.meta.url), '..', '..', 'examples');
const TYPES = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};

/**
 * Starts serving example `name` (nothing until build()). Paths without a file extension get
 * index.html, as a single-page app's host does.
 * @param {string} name a folder of examples/
 */
export async function serveExample(name) {
  const outDir = await mkdtemp(join(tmpdir(), `spa-auth-example-${name}-`));
  const server = await listenLoopback(async (req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    const file = normalize(join(outDir, extname(path) ? path : 'index.html'));
    if (!file.startsWith(outDir + sep)) return res.writeHead(404).end();
    const body = await readFile(file).catch(() => undefined);
    if (!body) return res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    res
      .writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'cache-control': 'no-store',
      })
      .end(body);
  });
  return {
    name,
    url: server.url,
    /**
     * Builds the app for this stack.
     * @param {{ issuer: string, clientId: string, apiUrl: string }} env what the app reads from import.meta.env
     * @param {import('vite').InlineConfig} [extra] more Vite options (e.g. a development build)
     */
    async build({ issuer, clientId, apiUrl }, extra = {}) {
      const { build } = await import('vite');
      Object.assign(process.env, { VITE_ISSUER: issuer, VITE_CLIENT_ID: clientId, VITE_API_URL: apiUrl });
      await build({ root: join(EXAMPLES, name), logLevel: 'warn', build: { outDir, emptyOutDir: true }, ...extra });
    },
    stop: async () => {
      await server.stop();
      await rm(outDir, { recursive: true, force: true });
    },
  };
}
