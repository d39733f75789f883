/**
 * What a developer reads when something goes wrong: every AuthError says what failed, the public
 * value involved and how to fix it, and `cause` says the underlying failure in words.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAuthClient, isAuthError, type AuthClientOptions, type AuthError } from '../src/index.js';
import { toAuthError } from '../src/errors.js';
import { expectCode, useFlow } from './helpers/flow.js';

const flow = useFlow();
const base: AuthClientOptions = {
  issuer: 'https://id.example.com',
  clientId: 'spa',
  redirectUri: 'https://app.example.com/cb',
};

/** The AuthError createAuthClient throws for `options`. */
function configError(options: Record<string, unknown>): AuthError {
  try {
    createAuthClient(options as unknown as AuthClientOptions).destroy();
  } catch (e) {
    expect(isAuthError(e)).toBe(true);
    return e as AuthError;
  }
  throw new Error(`accepted ${JSON.stringify(options)}`);
}

/** `cause` is words, not an internal code such as OAUTH_RESPONSE_BODY_ERROR. */
const expectCauseInWords = (e: AuthError) => {
  expect(typeof e.cause).toBe('string');
  expect(e.cause).toMatch(/^[a-z].* /);
  expect(e.cause).not.toMatch(/[A-Z]{2,}_[A-Z]/);
};

afterEach(() => vi.restoreAllMocks());

describe('configuration errors', () => {
  it('an http: issuer on another host says https: is required and when http: is allowed', () => {
    const e = configError({ ...base, issuer: 'http://id.example.com' });
    expect(e.code).toBe('invalid_config');
    expect(e.message).toContain('issuer must use https:');
    expect(e.message).toContain('http://id.example.com');
    expect(e.message).toMatch(/http: is allowed only on a loopback host \(localhost, 127\.0\.0\.1, \[::1\]\)/);
    expectCauseInWords(e);
  });

  it('a missing redirectUri, issuer or clientId says it is required', () => {
    const { redirectUri: _r, ...noRedirect } = base;
    expect(configError(noRedirect).message).toMatch(/^redirectUri is required/);
    const { issuer: _i, ...noIssuer } = base;
    expect(configError(noIssuer).message).toMatch(/^issuer is required/);
    const { clientId: _c, ...noClient } = base;
    expect(configError(noClient).message).toMatch(/^clientId is required/);
    // no options at all, from plain JavaScript: still an AuthError
    expect(configError(undefined as unknown as Record<string, unknown>).message).toMatch(/^clientId is required/);
  });

  it('client_id instead of clientId: the error names clientId, and a warning names the option meant', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const { clientId: _c, ...rest } = base;
    const e = configError({ ...rest, client_id: 'spa' });
    expect(e.code).toBe('invalid_config');
    expect(e.message).toContain('clientId is required');
    expect(e.message).toContain('named clientId, not client_id');
    expect(warn).toHaveBeenCalledWith('spa-auth: client_id is not an option; use clientId.');
  });

  it('warns once per near-miss name from oidc-client-ts, auth0-spa-js and MSAL, naming the option meant', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const nearMisses = {
      authority: 'issuer',
      domain: 'issuer',
      redirect_uri: 'redirectUri',
      post_logout_redirect_uri: 'postLogoutRedirectUri',
      silent_redirect_uri: 'silentRedirectUri',
      authorizationParams: 'extraParams',
      response_type: 'always code with PKCE',
    };
    const options = { ...base, ...Object.fromEntries(Object.keys(nearMisses).map((k) => [k, 'x'])) };
    createAuthClient(options).destroy();
    createAuthClient(options).destroy(); // a second client: no second warning
    const lines = warn.mock.calls.map((c) => String(c[0]));
    for (const [name, meant] of Object.entries(nearMisses)) {
      const mine = lines.filter((l) => l.startsWith(`spa-auth: ${name} is not an option`));
      expect(mine, name).toHaveLength(1);
      expect(mine[0]).toContain(meant);
    }
    // the real options warn about nothing
    warn.mockClear();
    createAuthClient(base).destroy();
    expect(warn).not.toHaveBeenCalled();
  });

  it('refuses client_secret with why a browser app must not hold one, without echoing it', () => {
    for (const name of ['client_secret', 'clientSecret']) {
      const e = configError({ ...base, [name]: 'the-secret-value' });
      expect(e.code).toBe('invalid_config');
      expect(e.message).toContain(`${name} must not be given`);
      expect(e.message).toContain('public client');
      expect(e.message).toContain('anyone can read');
      expect(`${e.message} ${e.cause}`).not.toContain('the-secret-value');
      expectCauseInWords(e);
    }
  });

  it('a malformed URL option names the option and the rule', () => {
    expect(configError({ ...base, redirectUri: '/callback' }).message).toBe(
      'redirectUri must be an absolute URL such as https://id.example.com; got "/callback".',
    );
    expect(configError({ ...base, issuer: 'https://user:pw@id.example.com' }).message).toBe(
      'issuer must not contain a user name or password.',
    );
    expect(configError({ ...base, apiOrigins: ['https://api.example.com/v1'] }).message).toContain(
      'https://api.example.com, not https://api.example.com/v1',
    );
  });
});

describe('provider errors', () => {
  it('an issuer that differs only in a trailing slash names both values and says they must be identical', async () => {
    const e = await expectCode(flow.client({ issuer: `${flow.server.issuer}/` }).login(), 'invalid_response');
    expect(e.message).toContain('"https://id.example.com"');
    expect(e.message).toContain('"https://id.example.com/"');
    expect(e.message).toContain('must be identical');
    expect(e.message).toContain('only the trailing slash differs');
    expectCauseInWords(e as AuthError);
  });

  it('an issuer on another host names both values too (oauth4webapi compares first)', async () => {
    flow.server.metadata.issuer = 'https://other.example.com';
    const e = await expectCode(flow.client().login(), 'invalid_response');
    expect(e.message).toContain('"https://other.example.com"');
    expect(e.message).toContain('"https://id.example.com"');
    expect(e.message).toContain('must be identical');
    expect(e.message).not.toContain('trailing slash');
  });

  it('a discovery that cannot reach the server names the discovery URL, without a query', async () => {
    const fetch = (async () => Promise.reject(new TypeError('Failed to fetch'))) as typeof globalThis.fetch;
    const e = await expectCode(
      flow.client({ issuer: 'https://wrong.example.com/tenant', fetch }).login(),
      'network_error',
    );
    expect(e.message).toContain('https://wrong.example.com/tenant/.well-known/openid-configuration');
    expect(e.message).not.toContain('?');
    expectCauseInWords(e as AuthError);
  });

  it('a discovery answered with 404 names the discovery URL and the status', async () => {
    const e = await expectCode(
      flow.client({ issuer: 'https://id.example.com/nothing-here' }).login(),
      'invalid_response',
    );
    expect(e.message).toContain(
      'Discovery at https://id.example.com/nothing-here/.well-known/openid-configuration failed',
    );
    expect(e.message).toContain('HTTP 404');
    expectCauseInWords(e as AuthError);
  });

  it('a token endpoint that cannot be reached is named, without its query', async () => {
    flow.server.metadata.token_endpoint = 'https://id.example.com/token?tenant=1';
    flow.server.override.set('/token', () => Promise.reject(new TypeError('Failed to fetch')));
    const { result } = await flow.login();
    const e = await expectCode(result, 'network_error');
    expect(e.message).toMatch(/^Could not reach https:\/\/id\.example\.com\/token\. /);
  });

  it('the user pressing Cancel: "The provider refused …" with access_denied and what to do', async () => {
    const { result } = await flow.login({}, { error: 'access_denied', error_description: 'The user cancelled.' });
    const e = (await expectCode(result, 'oauth_error')) as AuthError;
    expect(e.message).toBe(
      'The provider refused the sign-in: access_denied ("The user cancelled."). The user cancelled or was refused: offer to sign in again.',
    );
    expect(e.error).toBe('access_denied');
    expectCauseInWords(e);
  });

  it('an unregistered redirect URI shows "redirect_uri did not match" in the message', async () => {
    const description = "redirect_uri did not match any of the client's registered redirect_uris";
    const { result } = await flow.login({}, { error: 'invalid_request', error_description: description });
    const e = (await expectCode(result, 'oauth_error')) as AuthError;
    expect(e.message).toContain(`The provider refused the sign-in: invalid_request ("${description}")`);
    expect(e.message).toContain('redirectUri must match a registered one exactly');
    expect(e.errorDescription).toBe(description);
  });

  it('a token endpoint error says "The provider refused the token request"', async () => {
    flow.server.tokenHook = () =>
      Response.json({ error: 'invalid_grant', error_description: 'grant expired' }, { status: 400 });
    const { result } = await flow.login();
    const e = (await expectCode(result, 'oauth_error')) as AuthError;
    expect(e.message).toMatch(
      /^The provider refused the token request: invalid_grant \("grant expired"\)\. .*call login\(\)/,
    );
    expect(e.cause).toBe('an OAuth error response from the token endpoint');
  });

  it('caps error_description, strips control characters, and hides token-like runs it echoes', () => {
    const secret = 'eyJhbGciOiJSUzI1NiJ9abcdefghijklmnop';
    const e = toAuthError(
      Object.assign(new Error('x'), {
        code: 'OAUTH_RESPONSE_BODY_ERROR',
        error: 'invalid_grant\n\u0007',
        error_description: `bad code ${secret}\r\n${'long '.repeat(200)}`,
      }),
    );
    // eslint-disable-next-line no-control-regex -- control characters are what this test looks for
    expect(e.message).not.toMatch(/[\0-\x1f\x7f]/);
    expect(e.message).not.toContain(secret);
    expect(e.errorDescription).not.toContain(secret);
    expect(e.message.length).toBeLessThan(400);
    expect(e.errorDescription!.length).toBeLessThanOrEqual(256);
    // long OAuth words are not token-like: they stay
    const words = toAuthError(
      Object.assign(new Error('x'), {
        code: 'OAUTH_AUTHORIZATION_RESPONSE_ERROR',
        error: 'account_selection_required',
        error_description: 'see insufficient_user_authentication',
      }),
    );
    expect(words.error).toBe('account_selection_required');
    expect(words.message).toContain('account_selection_required ("see insufficient_user_authentication")');
  });
});

describe('cause', () => {
  it('is always set, in words, never an internal code', () => {
    const library = (code: string, extra = {}) => Object.assign(new Error('x'), { code, ...extra });
    const errors = [
      toAuthError(library('OAUTH_RESPONSE_BODY_ERROR', { error: 'invalid_grant' })),
      toAuthError(library('OAUTH_AUTHORIZATION_RESPONSE_ERROR', { error: 'login_required' })),
      toAuthError(library('OAUTH_RESPONSE_IS_NOT_JSON')),
      toAuthError(library('OAUTH_JWT_CLAIM_COMPARISON_FAILED', { cause: { claim: 'nonce', expected: 'n-secret' } })),
      toAuthError(library('OAUTH_SOMETHING_NEW')),
      toAuthError(new TypeError('Failed to fetch')),
      toAuthError(new DOMException('x', 'TimeoutError')),
      toAuthError(new DOMException('x', 'OperationError')),
      toAuthError(undefined),
      configError({ ...base, scope: '' }),
    ];
    for (const e of errors) expectCauseInWords(e);
    expect(errors[3]?.message).toContain('nonce');
    expect(errors[3]?.message).not.toContain('n-secret');
  });
});
