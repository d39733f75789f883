// What `npm run demo` takes from the command line and the environment: the ports, and other
// apps that may use the demo provider and API (their origins and redirect URIs). Every problem
// is a DemoOptionError whose message is one line naming the flag or variable to fix.
import { createServer } from 'node:net';

export class DemoOptionError extends Error {}

/** The demo's ports: environment variable → default. */
export const PORT_DEFAULTS = { PAGES_PORT: 5173, PROVIDER_PORT: 5174, API_PORT: 5175, RECORDER_PORT: 5176 };

const USAGE = 'usage: npm run demo -- [--app <origin>]... [--redirect-uri <url>]...';

/**
 * Reads `--app <origin>` / `--app=<origin>` and `--redirect-uri <url>` (repeatable) from `argv`,
 * and DEMO_APP_ORIGINS / DEMO_REDIRECT_URIS (comma- or space-separated) from `env`.
 * An app origin gets the demo's paths registered on it (/, /callback, /static.html,
 * /silent.html; logout back to / and /static.html); a redirect URI is registered as given, as a
 * post-logout redirect URI too, and its origin is trusted like an app origin.
 * @param {string[]} argv the arguments after the script name
 * @param {Record<string, string | undefined>} env
 * @returns {{ appOrigins: string[], redirectUris: string[] }}
 */
export function parseApps(argv, env) {
  const origins = [];
  const uris = [];
  const list = (value) => (value ?? '').split(/[\s,]+/).filter(Boolean);
  origins.push(...list(env.DEMO_APP_ORIGINS).map((v) => origin(v, 'DEMO_APP_ORIGINS')));
  uris.push(...list(env.DEMO_REDIRECT_URIS).map((v) => redirectUri(v, 'DEMO_REDIRECT_URIS')));
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s);
    if (flag !== '--app' && flag !== '--redirect-uri')
      throw new DemoOptionError(`unknown argument ${JSON.stringify(argv[i])}; ${USAGE}`);
    const value = inline ?? argv[++i];
    if (!value) throw new DemoOptionError(`${flag} needs a value; ${USAGE}`);
    if (flag === '--app') origins.push(origin(value, '--app'));
    else uris.push(redirectUri(value, '--redirect-uri'));
  }
  for (const uri of uris) origins.push(new URL(uri).origin);
  return { appOrigins: [...new Set(origins)], redirectUris: [...new Set(uris)] };
}

function parseUrl(value, name) {
  let url;
  try {
    url = new URL(value);
  } catch {
    throw new DemoOptionError(`${name}: ${JSON.stringify(value)} is not an absolute URL (e.g. http://localhost:5173)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new DemoOptionError(`${name}: ${JSON.stringify(value)} must be http: or https:`);
  return url;
}

function origin(value, name) {
  const url = parseUrl(value, name);
  if (url.href !== `${url.origin}/`)
    throw new DemoOptionError(
      `${name}: ${JSON.stringify(value)} is not an origin; give scheme, host and port only (e.g. http://localhost:5173), or use --redirect-uri for a full URL`,
    );
  return url.origin;
}

function redirectUri(value, name) {
  const url = parseUrl(value, name);
  if (url.hash) throw new DemoOptionError(`${name}: ${JSON.stringify(value)} must not have a fragment (#…)`);
  return url.href;
}

/** Whether something already listens on 127.0.0.1:port. */
function isTaken(port) {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (err) => resolve(err.code === 'EADDRINUSE' || err.code === 'EACCES'));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(false)));
  });
}

/**
 * The port of each server. A port set in the environment must be free, or this throws a
 * one-line DemoOptionError naming the variable; a default port that is taken (Vite's 5173, say)
 * is replaced by a free one, with a note.
 * @param {Record<string, string | undefined>} env
 * @param {Record<string, number>} [defaults] variable name → default port
 * @returns {Promise<{ ports: Record<string, number>, notes: string[] }>} ports by variable name
 */
export async function resolvePorts(env, defaults = PORT_DEFAULTS) {
  const ports = {};
  const notes = [];
  for (const [name, fallback] of Object.entries(defaults)) {
    const given = env[name];
    if (given !== undefined && given !== '') {
      const port = Number(given);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new DemoOptionError(`${name}=${given} is not a port number (0 picks a free one)`);
      if (port !== 0 && (await isTaken(port)))
        throw new DemoOptionError(
          `port ${port} (${name}) is already in use: set ${name} to a free port, or to 0 for any free port`,
        );
      ports[name] = port;
    } else if (await isTaken(fallback)) {
      ports[name] = 0;
      notes.push(`port ${fallback} is in use, so ${name} takes a free port (set ${name} to choose one)`);
    } else {
      ports[name] = fallback;
    }
  }
  return { ports, notes };
}

/** A one-line message for a server that could not listen (the port was taken in the meantime). */
export function listenErrorMessage(err, ports) {
  const name = Object.keys(ports).find((n) => ports[n] === err?.port);
  return `port ${err.port} is already in use${name ? `: set ${name} to a free port, or to 0 for any free port` : ''}`;
}
