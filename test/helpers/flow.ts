/** Drives a whole login against the fake server, page by page, as a browser would. */
import { afterEach, beforeEach, expect } from 'vitest';
import { createAuthClient, isAuthError, type AuthClient, type AuthClientOptions } from '../../src/index.js';
import { APP, captureNavigation, landOn, resetPage } from './browser.js';
import { createFakeServer, type FakeServer } from './fake-server.js';

export interface Flow {
  server: FakeServer;
  client(extra?: Partial<AuthClientOptions>): AuthClient;
  /** login() on one page, then init() on the callback page; returns the callback page's client. */
  login(
    extra?: Partial<AuthClientOptions>,
    callbackExtra?: Record<string, string>,
  ): Promise<{ next: AuthClient; authorizeUrl: URL; result: ReturnType<AuthClient['init']> }>;
  /** A signed-in client. */
  signedIn(extra?: Partial<AuthClientOptions>): Promise<AuthClient>;
}

/** Registers beforeEach/afterEach hooks and returns the flow helpers for the current test. */
export function useFlow(): Flow {
  const clients: AuthClient[] = [];
  const flow = {} as Flow;
  beforeEach(async () => {
    resetPage();
    const server = await createFakeServer();
    flow.server = server;
    flow.client = (extra = {}) => {
      const c = createAuthClient({
        issuer: server.issuer,
        clientId: server.clientId,
        redirectUri: `${APP}/callback`,
        scope: 'openid profile offline_access',
        postLogoutRedirectUri: `${APP}/`,
        shareSessionAcrossTabs: false,
        silentAuthorization: false,
        fetch: server.fetch,
        ...extra,
      });
      clients.push(c);
      return c;
    };
    flow.login = async (extra = {}, callbackExtra = {}) => {
      const nav = captureNavigation();
      await flow.client(extra).login({ returnTo: '/dashboard?tab=1' });
      const authorizeUrl = nav.last();
      if (!authorizeUrl) throw new Error('login() did not navigate');
      landOn(server.authorize(authorizeUrl, callbackExtra));
      const next = flow.client(extra);
      return { next, authorizeUrl: new URL(authorizeUrl), result: next.init() };
    };
    flow.signedIn = async (extra = {}) => {
      const { next, result } = await flow.login(extra);
      await result;
      return next;
    };
  });
  afterEach(() => clients.splice(0).forEach((c) => c.destroy()));
  return flow;
}

/** Awaits a rejection and checks it is an AuthError with `code`. */
export async function expectCode(
  promise: Promise<unknown>,
  code: string,
): Promise<Error & { code: string; error?: string }> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isAuthError(err), `expected AuthError ${code}, got ${String(err)}`).toBe(true);
  expect((err as { code: string }).code).toBe(code);
  return err as Error & { code: string; error?: string };
}

/** Runs `auth.init()` and collects the `error` events it emitted meanwhile. */
export async function initWithErrors(
  auth: AuthClient,
): Promise<{ result: Awaited<ReturnType<AuthClient['init']>>; errors: Array<{ code: string; message: string }> }> {
  const errors: Array<{ code: string; message: string }> = [];
  auth.on('error', (e) => errors.push(e));
  const result = await auth.init();
  return { result, errors };
}

/**
 * A stale callback (state unknown, used or expired): init() resolves as a normal page load,
 * one `invalid_state` error event, the OAuth parameters gone from the address bar.
 */
export async function expectStale(auth: AuthClient, authenticated = false): Promise<void> {
  const { result, errors } = await initWithErrors(auth);
  expect(result).toEqual({ authenticated });
  expect(errors.map((e) => e.code)).toEqual(['invalid_state']);
  expect(errors[0]?.message).toMatch(/nothing was exchanged/);
  expect(new URL(window.location.href).searchParams.has('state')).toBe(false);
  expect(new URL(window.location.href).searchParams.has('code')).toBe(false);
}
