// `npm run demo`: the provider, the API, the foreign-origin recorder and the two demo pages,
// on 127.0.0.1 only. Ports: PAGES_PORT (5173), PROVIDER_PORT (5174), API_PORT (5175),
// RECORDER_PORT (5176); a default port that is taken is replaced by a free one, a port set in
// the environment must be free. ACCESS_TOKEN_TTL in seconds (60, so refreshes are visible).
// Other apps: `npm run demo -- --app http://localhost:5173 --redirect-uri <url>`, or
// DEMO_APP_ORIGINS / DEMO_REDIRECT_URIS (see demo/README.md).
import { CLIENT_ID } from './provider.mjs';
import { DemoOptionError, listenErrorMessage, parseApps, resolvePorts } from './options.mjs';
import { startStack } from './stack.mjs';

/** Stops with one line on stderr, no stack trace. */
const fail = (message) => {
  console.error(`npm run demo: ${message}`);
  process.exit(1);
};

let apps;
let ports;
let notes;
try {
  apps = parseApps(process.argv.slice(2), process.env);
  ({ ports, notes } = await resolvePorts(process.env));
} catch (err) {
  if (err instanceof DemoOptionError) fail(err.message);
  throw err;
}
const ttl = Number(process.env.ACCESS_TOKEN_TTL ?? 60);
if (!Number.isFinite(ttl) || ttl < 1)
  fail(`ACCESS_TOKEN_TTL=${process.env.ACCESS_TOKEN_TTL} must be a number of seconds, at least 1`);

let stack;
try {
  stack = await startStack({
    ports: {
      pages: ports.PAGES_PORT,
      provider: ports.PROVIDER_PORT,
      api: ports.API_PORT,
      recorder: ports.RECORDER_PORT,
    },
    provider: { accessTokenTTL: ttl },
    appOrigins: apps.appOrigins,
    redirectUris: apps.redirectUris,
  });
} catch (err) {
  if (err?.code === 'EADDRINUSE') fail(listenErrorMessage(err, ports));
  throw err;
}

const others = apps.appOrigins.length
  ? `
Other apps (issuer ${stack.provider.issuer}, clientId '${CLIENT_ID}', apiOrigins ['${stack.api.url}']):
${apps.appOrigins.map((o) => `  ${o}  redirect URIs ${o}/, ${o}/callback, ${o}/silent.html`).join('\n')}${apps.redirectUris.map((u) => `\n  redirect URI     ${u}`).join('')}`
  : '';
console.log(`${notes.map((n) => `note: ${n}\n`).join('')}
spa-auth demo
  ES-module page   ${stack.pages.url}/
  script-tag page  ${stack.pages.url}/static.html
  provider         ${stack.provider.issuer}  (any login and password)
  API              ${stack.api.url}/me
  foreign origin   ${stack.recorder.url}${others}
Press Ctrl-C to stop.`);

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  await stack.stop();
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
