import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuthError, isAuthError } from '../src/index.js';
import { toAuthError } from '../src/errors.js';
import { useFlow } from './helpers/flow.js';

const flow = useFlow();
const SECRET = 'planted-secret-token-value-1234567890';

/** Everything an app could print or send to an error tracker. */
const surface = (e: unknown) => {
  if (typeof e !== 'object' || e === null) return String(e);
  const err = e as Error & Record<string, unknown>;
  const own = Object.getOwnPropertyNames(err).map((k) => [k, String(err[k])]);
  return [
    String(err),
    err.message,
    err.stack,
    JSON.stringify(err),
    String(err.cause),
    JSON.stringify(Object.entries(err)),
    JSON.stringify(own),
    err.errorDescription,
  ].join('\n');
};

describe('AuthError', () => {
  it('is an Error with a stable code and name', () => {
    const e = new AuthError('timeout', 'x');
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('AuthError');
    expect(isAuthError(e)).toBe(true);
    expect(isAuthError(new Error('x'))).toBe(false);
    expect(isAuthError(Object.assign(new Error('x'), { name: 'AuthError', code: 'timeout' }))).toBe(true);
  });

  it('drops the cause object of library errors (it holds whole token responses)', () => {
    const libraryError = Object.assign(new Error(`bad response ${SECRET}`), {
      name: 'OperationProcessingError',
      code: 'OAUTH_INVALID_RESPONSE',
      cause: { body: { access_token: SECRET } },
    });
    const e = toAuthError(libraryError);
    expect(e.code).toBe('invalid_response');
    expect(surface(e)).not.toContain(SECRET);
  });

  it('recognises oauth4webapi errors by their code, not their class name (minifiers rename classes)', () => {
    const minified = Object.assign(new Error('x'), {
      name: 'tt',
      code: 'OAUTH_RESPONSE_BODY_ERROR',
      error: 'invalid_grant',
    });
    expect(toAuthError(minified)).toMatchObject({ code: 'oauth_error', error: 'invalid_grant' });
    const authResponse = Object.assign(new Error('x'), {
      name: 'ce',
      code: 'OAUTH_AUTHORIZATION_RESPONSE_ERROR',
      error: 'login_required',
    });
    expect(toAuthError(authResponse)).toMatchObject({ code: 'oauth_error', error: 'login_required' });
  });

  it('truncates and flattens error_description', () => {
    const e = toAuthError(
      Object.assign(new Error('x'), {
        name: 'ResponseBodyError',
        code: 'OAUTH_RESPONSE_BODY_ERROR',
        error: 'invalid_grant',
        error_description: 'a\nb'.repeat(500),
      }),
    );
    expect(e.code).toBe('oauth_error');
    expect(e.errorDescription?.length).toBeLessThanOrEqual(256);
    expect(e.errorDescription).not.toContain('\n');
  });
});

describe('no secret reaches an error', () => {
  const hostile: Array<[string, () => void]> = [
    [
      'a token response with a bad token_type',
      () =>
        (flow.server.tokenHook = (b) => ({ ...b, access_token: SECRET, refresh_token: SECRET, token_type: 'weird' })),
    ],
    [
      'a token response with a bad ID token',
      () =>
        (flow.server.tokenHook = (b) => ({ ...b, access_token: SECRET, id_token: `${SECRET}.${SECRET}.${SECRET}` })),
    ],
    [
      'an OAuth error that quotes the code',
      () =>
        (flow.server.tokenHook = () =>
          Response.json({ error: 'invalid_grant', error_description: 'code rejected' }, { status: 400 })),
    ],
  ];
  for (const [name, setup] of hostile) {
    it(name, async () => {
      setup();
      const { result, authorizeUrl } = await flow.login();
      const err = await result.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isAuthError(err)).toBe(true);
      const text = surface(err);
      expect(text).not.toContain(SECRET);
      // nor the authorization code or the PKCE verifier
      const code = flow.server.tokenRequests()[0]?.form.get('code') ?? 'none';
      const verifier = flow.server.tokenRequests()[0]?.form.get('code_verifier') ?? 'none';
      expect(text).not.toContain(code);
      expect(text).not.toContain(verifier);
      expect(text).not.toContain(authorizeUrl.searchParams.get('state'));
    });
  }
});

// The renewal paths (docs/security.md P-33): refresh answers that fail validation, with tokens planted
// in them, seen through every surface an app or a tracker reads.
const unhandled: unknown[] = [];
const onUnhandled = (e: unknown) => unhandled.push(e);
(globalThis as unknown as { process: { on(e: string, f: (r: unknown) => void): void } }).process.on(
  'unhandledRejection',
  onUnhandled,
);
afterEach(() => void (unhandled.length = 0));

describe('no secret on the refresh path', () => {
  const answers: Array<[string, () => void]> = [
    [
      'a bad token_type',
      () =>
        (flow.server.tokenHook = (b, g) =>
          g === 'refresh_token' ? { ...b, access_token: SECRET, refresh_token: SECRET, token_type: 'weird' } : b),
    ],
    [
      'a bad ID token',
      () =>
        (flow.server.tokenHook = (b, g) =>
          g === 'refresh_token'
            ? { ...b, access_token: SECRET, refresh_token: SECRET, id_token: `${SECRET}.${SECRET}.${SECRET}` }
            : b),
    ],
    [
      'another user',
      () => (
        (flow.server.tokenHook = (b, g) =>
          g === 'refresh_token' ? { ...b, access_token: SECRET, refresh_token: SECRET } : b),
        (flow.server.idTokenHook = (c) => (c.nonce ? c : { ...c, sub: 'mallory' }))
      ),
    ],
    [
      'a 200 with an error field',
      () =>
        (flow.server.tokenHook = (b, g) =>
          g === 'refresh_token' ? { error: 'invalid_grant', error_description: 'nope', refresh_token: SECRET } : b),
    ],
  ];
  for (const [name, setup] of answers) {
    it(`a refresh answered with ${name} leaves no token in any error, event, log or unhandled rejection`, async () => {
      const auth = await flow.signedIn();
      const rt = flow.server.issued.refreshTokens[0] ?? 'none';
      const at = flow.server.issued.accessTokens[0] ?? 'none';
      setup();
      const logs: unknown[] = [];
      for (const m of ['log', 'info', 'warn', 'error', 'debug'] as const)
        vi.spyOn(console, m).mockImplementation((...a) => void logs.push(...a));
      const reported: unknown[] = [];
      vi.stubGlobal('reportError', (e: unknown) => reported.push(e));
      const seen: unknown[] = [];
      auth.on('error', (e) => seen.push(e));
      auth.on('sessionExpired', ({ error }) => seen.push(error));
      const err = await auth.getAccessToken({ forceRefresh: true }).then(
        () => undefined,
        (e: unknown) => e,
      );
      await new Promise((r) => setTimeout(r, 0)); // background emits and rejections have happened
      const text = [err, ...seen, ...logs, ...reported, ...unhandled].map(surface).join('\n');
      expect(err).toBeDefined();
      for (const secret of [SECRET, rt, at]) expect(text).not.toContain(secret);
      vi.unstubAllGlobals();
    });
  }
});
