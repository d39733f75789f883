// `npm run demo`: the provider, the API, the foreign-origin recorder and the two demo pages,
// on 127.0.0.1 only. Ports: PAGES_PORT (5173), PROVIDER_PORT (5174), API_PORT (5175),
// RECORDER_PORT (5176); ACCESS_TOKEN_TTL in seconds (60, so refreshes are visible).
import { startStack } from './stack.mjs';

const port = (name, fallback) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new Error(`${name} must be a port number`);
  return value;
};

const stack = await startStack({
  ports: {
    pages: port('PAGES_PORT', 5173),
    provider: port('PROVIDER_PORT', 5174),
    api: port('API_PORT', 5175),
    recorder: port('RECORDER_PORT', 5176),
  },
  provider: { accessTokenTTL: Number(process.env.ACCESS_TOKEN_TTL ?? 60) },
});

console.log(`
spa-auth demo
  ES-module page   ${stack.pages.url}/
  script-tag page  ${stack.pages.url}/static.html
  provider         ${stack.provider.issuer}  (any login and password)
  API              ${stack.api.url}/me
  foreign origin   ${stack.recorder.url}
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
