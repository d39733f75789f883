// Starts the whole demo: pages, recorder ("foreign origin"), provider and API, all on
// 127.0.0.1, wired to each other. Used by demo/start.mjs and by the e2e tests.
import { startApi } from './api.mjs';
import { DEFAULT_API_AUDIENCE, startProvider } from './provider.mjs';
import { startPages } from './pages.mjs';
import { startRecorder } from './recorder.mjs';

/**
 * @param {object} [o]
 * @param {{ pages?: number, provider?: number, api?: number, recorder?: number }} [o.ports] 0 (default) picks free ports
 * @param {object} [o.provider] more startProvider options (accessTokenTTL, dpop, requireDpopNonce, requirePar, ...)
 * @param {object} [o.clientOptions] more createAuthClient options for the pages (dpop, refreshLeeway, ...)
 * @param {string[]} [o.appOrigins] origins of other apps that use the provider and the API: the
 *   demo's paths are registered as their redirect URIs, and the provider and the API answer CORS
 *   for them
 * @param {string[]} [o.redirectUris] more redirect URIs (also post-logout redirect URIs), registered as given
 * @param {string} [o.distDir] the SDK build to serve; default env SPA_AUTH_DIST_DIR, else <repo>/dist
 */
export async function startStack({
  ports = {},
  provider: providerOptions = {},
  clientOptions = {},
  appOrigins = [],
  redirectUris = [],
  distDir = process.env.SPA_AUTH_DIST_DIR,
} = {}) {
  const started = [];
  try {
    const pages = await startPages({ port: ports.pages ?? 0, ...(distDir ? { distDir } : {}), clientOptions });
    started.push(pages);
    const recorder = await startRecorder({ port: ports.recorder ?? 0 });
    started.push(recorder);
    const apiAudience = providerOptions.apiAudience ?? DEFAULT_API_AUDIENCE;
    const origins = [...new Set([pages.url, ...appOrigins, ...redirectUris.map((u) => new URL(u).origin)])];
    const provider = await startProvider({
      port: ports.provider ?? 0,
      appOrigins: origins,
      redirectUris,
      ...providerOptions,
      apiAudience,
    });
    started.push(provider);
    const api = await startApi({
      port: ports.api ?? 0,
      issuer: provider.issuer,
      audience: apiAudience,
      allowedOrigin: origins,
      foreignUrl: recorder.url,
    });
    started.push(api);
    pages.configure({ providerIssuer: provider.issuer, apiUrl: api.url, foreignUrl: recorder.url });
    return {
      pages,
      recorder,
      provider,
      api,
      stop: () => Promise.all(started.map((s) => s.stop())),
    };
  } catch (err) {
    await Promise.all(started.map((s) => s.stop()));
    throw err;
  }
}
