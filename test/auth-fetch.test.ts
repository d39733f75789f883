// @vitest-environment node
// Node's fetch classes (undici) follow the Fetch spec for Request bodies: a body is used once.
// happy-dom's `new Request(request)` copies the body instead, so there a missing clone() could
// not make the body-replay tests fail. Nothing here needs a DOM.
import { describe, expect, it, vi } from 'vitest';
import * as jose from 'jose';
import { createAuthFetch } from '../src/auth-fetch.js';
import { createDPoPSession } from '../src/dpop.js';
import type { DPoPSession } from '../src/dpop.js';
import { AuthError } from '../src/errors.js';
import { regexCalls } from './helpers/work.js';

const API = 'https://api.example.com';

type Seen = {
  url: string;
  method: string | undefined;
  headers: Record<string, string>;
  body: string | null;
  redirect: string | undefined;
  referrerPolicy: string | undefined;
  signal: AbortSignal | undefined;
  raw: unknown[];
};

const challenge =
  (status: number, value: string, headers: Record<string, string> = {}) =>
  () =>
    new Response('denied', { status, headers: { 'www-authenticate': value, ...headers } });

/**
 * A server behind `fetch` that records what it received (URL, headers, body bytes) and answers
 * with the queued responses, then 200s; and a token source whose forced refresh mints a new token.
 */
function setup(
  o: {
    responses?: Array<() => Response>;
    apiOrigins?: string[];
    dpop?: DPoPSession;
    tokens?: string[];
    baseUrl?: string;
  } = {},
) {
  const seen: Seen[] = [];
  const responses = [...(o.responses ?? [])];
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    let req: Request | undefined;
    try {
      req = new Request(input, init);
    } catch {
      // e.g. a URL with userinfo: the real fetch would reject it
    }
    seen.push({
      url: req?.url ?? String(input),
      method: req?.method,
      headers: req ? Object.fromEntries([...req.headers].map(([k, v]) => [k.toLowerCase(), v])) : {},
      body: req?.body ? await req.text() : null,
      redirect: req?.redirect,
      referrerPolicy: req?.referrerPolicy,
      signal: req?.signal,
      raw: [input, init],
    });
    return (responses.shift() ?? (() => new Response('ok')))();
  });
  const tokens = [...(o.tokens ?? [])];
  let current = 'at-1';
  let minted = 1;
  const getAccessToken = vi.fn(async (opts?: { forceRefresh?: boolean }) => {
    if (opts?.forceRefresh) current = `at-${++minted}`;
    else current = tokens.shift() ?? current;
    return current;
  });
  const emit = vi.fn();
  const authFetch = createAuthFetch({
    apiOrigins: o.apiOrigins ?? [API],
    getAccessToken,
    dpop: () => o.dpop,
    fetch: fetch as unknown as typeof globalThis.fetch,
    emit,
    baseUrl: () => o.baseUrl ?? 'https://app.example.com/',
  });
  return { authFetch, fetch, seen, getAccessToken, emit };
}

describe('origin allowlist', () => {
  const table: Array<[string, string | undefined]> = [
    ['https://api.example.com/x', 'https://api.example.com/x'],
    ['https://API.Example.com:443/x?q=1', 'https://api.example.com/x?q=1'],
    ['//api.example.com/x', 'https://api.example.com/x'],
    ['https://api.example.com:8443/x', undefined],
    ['http://api.example.com/x', undefined],
    ['https://api.example.com.evil.com/x', undefined],
    ['https://evil.com/api.example.com', undefined],
    ['https://sub.api.example.com/', undefined],
    ['https://api.example.com@evil.com/x', undefined],
    ['https://user:pw@evil.com/x', undefined],
    ['blob:https://api.example.com/0f7c', undefined],
    ['/relative', undefined], // the page is https://app.example.com
  ];
  for (const [input, sentTo] of table) {
    it(`${input} → ${sentTo ? 'token' : 'no token'}`, async () => {
      const { authFetch, seen, getAccessToken } = setup();
      await authFetch(input).catch(() => {}); // a URL with credentials cannot make a Request: fetch() rejects it too
      if (sentTo) {
        expect(seen.map((s) => [s.url, s.headers.authorization])).toEqual([[sentTo, 'Bearer at-1']]);
      } else {
        expect(seen.length).toBeLessThanOrEqual(1);
        if (seen[0]) expect(seen[0].url).toBe(new URL(input, 'https://app.example.com/').href); // sent as is
        expect(seen[0]?.headers.authorization).toBeUndefined();
        expect(getAccessToken).not.toHaveBeenCalled();
      }
    });
  }

  it('does not match other ports even when listed next to them', async () => {
    const { authFetch, seen } = setup({ apiOrigins: ['https://api.example.com:8443'] });
    await authFetch('https://api.example.com/x');
    await authFetch('https://api.example.com:8443/x');
    expect(seen.map((s) => s.headers.authorization)).toEqual([undefined, 'Bearer at-1']);
  });

  it('resolves relative URLs once against baseUrl() and requests that very URL', async () => {
    const { authFetch, seen } = setup({
      apiOrigins: ['https://app.example.com'],
      baseUrl: 'https://app.example.com/deep/page',
    });
    await authFetch('x?y=1');
    await authFetch(new URL('https://app.example.com/abs'));
    expect(seen.map((s) => [s.url, s.headers.authorization])).toEqual([
      ['https://app.example.com/deep/x?y=1', 'Bearer at-1'],
      ['https://app.example.com/abs', 'Bearer at-1'],
    ]);
  });

  it('never sends a token to a foreign origin, even for a Request with credentials', async () => {
    const { authFetch, seen, getAccessToken } = setup();
    const req = new Request('https://evil.com/x', { credentials: 'include', method: 'POST', body: 'b' });
    await authFetch(req, { headers: { 'x-a': '1' } });
    expect(seen.map(({ url, method, headers, body }) => ({ url, method, headers, body }))).toEqual([
      { url: 'https://evil.com/x', method: 'POST', headers: { 'x-a': '1' }, body: 'b' },
    ]);
    expect(getAccessToken).not.toHaveBeenCalled();
  });
  it('checks the URL fetch() would request: an object with a `url` field is read by its string form', async () => {
    // e.g. a HAL / JSON:API link object passed by mistake; fetch() requests String(link).
    const link = { url: `${API}/orders?page=2`, toString: () => 'https://evil.example/collect' };
    const { authFetch, seen, getAccessToken } = setup();
    await authFetch(link as unknown as RequestInfo);
    expect(seen.map((s) => [s.url, s.headers.authorization])).toEqual([['https://evil.example/collect', undefined]]);
    expect(getAccessToken).not.toHaveBeenCalled();
  });

  it('sends a token for such an object only to the allowlisted URL it stands for, and to that URL', async () => {
    const link = { url: 'https://evil.example/x', toString: () => `${API}/orders` };
    const { authFetch, seen } = setup();
    await authFetch(link as unknown as RequestInfo);
    expect(seen.map((s) => [s.url, s.headers.authorization])).toEqual([[`${API}/orders`, 'Bearer at-1']]);
  });
});

describe('request semantics', () => {
  it('leaves a request that already has Authorization alone (no token, no retry)', async () => {
    const { authFetch, seen, getAccessToken } = setup({ responses: [challenge(401, 'Bearer error="invalid_token"')] });
    const res = await authFetch(`${API}/x`, { headers: { Authorization: 'Basic abc' }, redirect: 'follow' });
    expect(res.status).toBe(401);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.headers.authorization).toBe('Basic abc');
    expect(seen[0]?.redirect).toBe('follow');
    expect(getAccessToken).not.toHaveBeenCalled();
  });

  it("sends a no-cors request as is: it could carry no Authorization and cannot use redirect: 'manual'", async () => {
    const { authFetch, seen, getAccessToken } = setup();
    await authFetch(`${API}/pixel`, { mode: 'no-cors' });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.headers.authorization).toBeUndefined();
    expect(seen[0]?.redirect).toBe('follow');
    expect(getAccessToken).not.toHaveBeenCalled();
  });

  it('merges Request input and init, keeps the signal, and does not follow redirects with a token', async () => {
    const { authFetch, seen } = setup();
    const ctl = new AbortController();
    const input = new Request(`${API}/x`, { method: 'PUT', headers: { 'x-a': '1' }, body: 'payload' });
    await authFetch(input, { headers: { 'x-b': '2' }, signal: ctl.signal });
    await authFetch(`${API}/y`, { redirect: 'error' });
    expect(seen[0]).toMatchObject({ method: 'PUT', body: 'payload', redirect: 'manual' });
    // init.headers replaces the Request's headers, as in fetch(request, init)
    expect(seen[0]?.headers).toEqual({ 'x-b': '2', authorization: 'Bearer at-1' });
    expect(seen[1]?.redirect).toBe('error');
    ctl.abort();
    expect(seen[0]?.signal?.aborted).toBe(true);
  });

  it('sends a token with no Referer, unless the app chose a referrer policy (RFC 9700 §4.2.4)', async () => {
    const { authFetch, seen } = setup();
    await authFetch(`${API}/x`);
    await authFetch(new Request(`${API}/y`, { referrerPolicy: 'origin' }));
    await authFetch('https://elsewhere.example/z');
    expect(seen.map((s) => s.referrerPolicy)).toEqual(['no-referrer', 'origin', '']);
  });

  it('returns responses as they are, error statuses and opaque redirects included', async () => {
    const redirect = new Response(null, { status: 302, headers: { location: 'https://evil.com/' } });
    const { authFetch, seen } = setup({ responses: [() => new Response('x', { status: 500 }), () => redirect] });
    expect((await authFetch(`${API}/a`)).status).toBe(500);
    expect(await authFetch(`${API}/b`)).toBe(redirect);
    expect(seen).toHaveLength(2);
  });

  it('rejects with login_required and sends nothing when there is no session', async () => {
    const { authFetch, fetch, getAccessToken } = setup();
    const err = new AuthError('login_required', 'No session');
    getAccessToken.mockRejectedValueOnce(err);
    await expect(authFetch(`${API}/x`)).rejects.toBe(err);
    expect(fetch).not.toHaveBeenCalled();
  });
});

describe('invalid_token: one refresh, one retry, same body', () => {
  const bodies: Array<[string, () => RequestInit | Request, string, string?]> = [
    ['string', () => ({ method: 'POST', body: 'héllo' }), 'héllo', 'text/plain;charset=UTF-8'],
    [
      'Blob',
      () => ({ method: 'POST', body: new Blob(['blob-bytes'], { type: 'application/x-thing' }) }),
      'blob-bytes',
      'application/x-thing',
    ],
    [
      'URLSearchParams',
      () => ({ method: 'POST', body: new URLSearchParams({ a: '1', b: 'two' }) }),
      'a=1&b=two',
      'application/x-www-form-urlencoded;charset=UTF-8',
    ],
    ['ArrayBuffer', () => ({ method: 'POST', body: new TextEncoder().encode('buf').buffer as ArrayBuffer }), 'buf'],
    [
      'ReadableStream',
      () =>
        ({
          method: 'POST',
          duplex: 'half',
          body: new ReadableStream({
            start(c) {
              c.enqueue(new TextEncoder().encode('str'));
              c.enqueue(new TextEncoder().encode('eam'));
              c.close();
            },
          }),
        }) as RequestInit,
      'stream',
    ],
    ['Request with body', () => new Request(`${API}/x`, { method: 'PATCH', body: 'from-request' }), 'from-request'],
  ];
  for (const [name, make, expected, type] of bodies) {
    it(`replays a ${name} body`, async () => {
      const { authFetch, seen } = setup({ responses: [challenge(401, 'Bearer error="invalid_token"')] });
      const made = make();
      const res = made instanceof Request ? await authFetch(made) : await authFetch(`${API}/x`, made);
      expect(res.status).toBe(200);
      expect(seen.map((s) => s.body)).toEqual([expected, expected]);
      expect(seen[1]?.headers['content-type']).toBe(seen[0]?.headers['content-type']);
      if (type) expect(seen[1]?.headers['content-type']).toBe(type);
      expect(seen.map((s) => s.headers.authorization)).toEqual(['Bearer at-1', 'Bearer at-2']);
    });
  }

  it('replays a FormData body byte for byte', async () => {
    const { authFetch, seen } = setup({ responses: [challenge(401, 'Bearer error="invalid_token"')] });
    const form = new FormData();
    form.set('field', 'value');
    form.set('file', new Blob(['file-bytes']), 'f.txt');
    await authFetch(`${API}/x`, { method: 'POST', body: form });
    expect(seen).toHaveLength(2);
    expect(seen[0]?.body).toContain('file-bytes');
    expect(seen[1]?.body).toBe(seen[0]?.body);
    expect(seen[1]?.headers['content-type']).toBe(seen[0]?.headers['content-type']);
  });

  it('forces exactly one refresh and retries once, even if the retry is also a 401', async () => {
    const { authFetch, seen, getAccessToken } = setup({
      responses: [
        challenge(401, 'Bearer realm="api", error="invalid_token"'),
        challenge(401, 'Bearer error="invalid_token"'),
      ],
    });
    const res = await authFetch(`${API}/x`);
    expect(res.status).toBe(401);
    expect(seen.map((s) => s.headers.authorization)).toEqual(['Bearer at-1', 'Bearer at-2']);
    expect(getAccessToken.mock.calls).toEqual([[], [], [{ forceRefresh: true }]]);
  });

  it('does not refresh when the token already changed; uses the new one', async () => {
    const { authFetch, seen, getAccessToken } = setup({
      responses: [challenge(401, 'Bearer error="invalid_token"')],
      tokens: ['at-1', 'at-9'],
    });
    await authFetch(`${API}/x`);
    expect(seen.map((s) => s.headers.authorization)).toEqual(['Bearer at-1', 'Bearer at-9']);
    expect(getAccessToken.mock.calls).toEqual([[], []]);
  });

  it('rejects with login_required when the session ended; returns the 401 on other refresh failures', async () => {
    const first = setup({ responses: [challenge(401, 'Bearer error="invalid_token"')] });
    const ended = new AuthError('login_required', 'No session');
    first.getAccessToken.mockResolvedValueOnce('at-1').mockRejectedValueOnce(ended);
    await expect(first.authFetch(`${API}/x`)).rejects.toBe(ended);
    expect(first.seen).toHaveLength(1);

    const second = setup({ responses: [challenge(401, 'Bearer error="invalid_token"')] });
    second.getAccessToken.mockResolvedValueOnce('at-1').mockRejectedValueOnce(new AuthError('network_error', 'down'));
    const res = await second.authFetch(`${API}/x`);
    expect(res.status).toBe(401);
    expect(await res.text()).toBe('denied');
    expect(second.seen).toHaveLength(1);
  });

  it('returns a 401 without such a challenge as is', async () => {
    for (const header of [
      '',
      'Basic realm="x"',
      'Bearer realm="api"',
      'Bearer error="invalid_request"',
      'error="invalid_token"',
    ]) {
      const { authFetch, seen, getAccessToken } = setup({ responses: [challenge(401, header)] });
      expect((await authFetch(`${API}/x`)).status).toBe(401);
      expect(seen).toHaveLength(1);
      expect(getAccessToken).toHaveBeenCalledTimes(1);
    }
    const { authFetch, seen } = setup({ responses: [challenge(403, 'Bearer error="invalid_token"')] });
    expect((await authFetch(`${API}/x`)).status).toBe(403);
    expect(seen).toHaveLength(1);
  });

  it('returns a hostile huge challenge as is, without parsing it', async () => {
    const huge = `Bearer error="invalid_token", ${'a="'.repeat(100_000)}`;
    const { authFetch, seen } = setup({ responses: [challenge(401, huge)] });
    // parsing would take one match per parameter: 100,000
    const { result: res, calls } = await regexCalls(() => authFetch(`${API}/x`));
    expect(calls).toBeLessThan(1000);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(huge);
    expect(seen).toHaveLength(1);
  });
});

describe('step-up and scope challenges', () => {
  it('emits stepUpRequired with validated acr_values and max_age, without retrying', async () => {
    const { authFetch, seen, emit, getAccessToken } = setup({
      responses: [
        challenge(
          401,
          'Bearer error="insufficient_user_authentication", acr_values="urn:acr:silver mfa", max_age="300"',
        ),
      ],
    });
    const res = await authFetch(`${API}/pay?x=1`);
    expect(res.status).toBe(401);
    expect(seen).toHaveLength(1);
    expect(getAccessToken).toHaveBeenCalledTimes(1);
    expect(emit.mock.calls).toEqual([
      ['stepUpRequired', { url: `${API}/pay?x=1`, acrValues: 'urn:acr:silver mfa', maxAge: 300 }],
    ]);
  });

  it('drops invalid acr_values and max_age from the event', async () => {
    const bad = [
      ['x'.repeat(257), '-1'],
      ['a\u0001b', '1.5'],
      ['<ok>\u00e9', 'abc'],
      ['', '1e3'],
    ];
    for (const [acr, maxAge] of bad) {
      const { authFetch, emit } = setup({
        responses: [
          challenge(401, `Bearer error="insufficient_user_authentication", acr_values="${acr}", max_age="${maxAge}"`),
        ],
      });
      await authFetch(`${API}/x`);
      expect(emit.mock.calls).toEqual([['stepUpRequired', { url: `${API}/x` }]]);
    }
    const zero = setup({ responses: [challenge(401, 'Bearer error="insufficient_user_authentication", max_age=0')] });
    await zero.authFetch(`${API}/x`);
    expect(zero.emit.mock.calls).toEqual([['stepUpRequired', { url: `${API}/x`, maxAge: 0 }]]);
  });

  it('emits insufficientScope on a 403, with no refresh and no retry', async () => {
    const { authFetch, seen, emit, getAccessToken } = setup({
      responses: [challenge(403, 'Bearer error="insufficient_scope", scope="read write"')],
    });
    const res = await authFetch(`${API}/x`);
    expect(res.status).toBe(403);
    expect(seen).toHaveLength(1);
    expect(getAccessToken).toHaveBeenCalledTimes(1);
    expect(emit.mock.calls).toEqual([['insufficientScope', { url: `${API}/x`, scope: 'read write' }]]);
  });

  it('reports a scope error that comes after the retry, and nothing for other origins', async () => {
    const { authFetch, emit, seen } = setup({
      responses: [
        challenge(401, 'Bearer error="invalid_token"'),
        challenge(403, 'Bearer error="insufficient_scope"'),
        challenge(403, 'Bearer error="insufficient_scope"'),
      ],
    });
    await authFetch(`${API}/x`);
    await authFetch('https://other.example.com/x');
    expect(seen).toHaveLength(3);
    expect(emit.mock.calls).toEqual([['insufficientScope', { url: `${API}/x` }]]);
  });
});

describe('DPoP mode', () => {
  const proofOf = (s: Seen | undefined) => jose.decodeJwt(s?.headers.dpop ?? '');

  it('sends Authorization: DPoP with a proof for the resolved URL', async () => {
    const dpop = await createDPoPSession();
    const { authFetch, seen } = setup({ dpop });
    await authFetch(`${API}/r?q=1`, { method: 'DELETE', redirect: 'follow' });
    expect(seen[0]?.headers.authorization).toBe('DPoP at-1');
    expect(seen[0]?.redirect).toBe('manual');
    expect(proofOf(seen[0])).toMatchObject({ htm: 'DELETE', htu: `${API}/r` });
    expect(seen[0]?.referrerPolicy).toBe('no-referrer');
  });

  it('signs with the key of the session the token came from, read once the token is in hand', async () => {
    const before = await createDPoPSession();
    const after = await createDPoPSession(); // e.g. a new login installed while this call waited for its token
    let current = before;
    const sent: Request[] = [];
    const authFetch = createAuthFetch({
      apiOrigins: [API],
      getAccessToken: async () => ((current = after), 'at-new'),
      dpop: () => current,
      fetch: (async (input: RequestInfo | URL, init?: RequestInit) => (
        sent.push(new Request(input, init)),
        new Response('ok')
      )) as typeof globalThis.fetch,
      emit: vi.fn(),
      baseUrl: () => 'https://app.example.com/',
    });
    await authFetch(`${API}/x`);
    const { jwk } = jose.decodeProtectedHeader(sent[0]?.headers.get('dpop') ?? '');
    const { x, y } = await crypto.subtle.exportKey('jwk', after.keys.publicKey);
    expect(jwk).toMatchObject({ x, y });
  });

  it('retries exactly once on use_dpop_nonce, with the nonce and a fresh proof', async () => {
    const dpop = await createDPoPSession();
    const nonceChallenge = challenge(401, 'DPoP error="use_dpop_nonce", algs="ES256"', { 'dpop-nonce': 'n-1' });
    const { authFetch, seen, getAccessToken } = setup({ dpop, responses: [nonceChallenge, nonceChallenge] });
    const res = await authFetch(`${API}/x`, { method: 'POST', body: 'same' });
    expect(res.status).toBe(401);
    expect(seen).toHaveLength(2);
    expect(seen.map((s) => s.body)).toEqual(['same', 'same']);
    expect(seen.map((s) => s.headers.authorization)).toEqual(['DPoP at-1', 'DPoP at-1']);
    const [p1, p2] = [proofOf(seen[0]), proofOf(seen[1])];
    expect(p1.nonce).toBeUndefined();
    expect(p2.nonce).toBe('n-1');
    expect(p2.jti).not.toBe(p1.jti);
    expect(getAccessToken).toHaveBeenCalledTimes(1);
  });

  it('does not retry use_dpop_nonce without a nonce, nor in Bearer mode', async () => {
    const dpop = await createDPoPSession();
    const a = setup({ dpop, responses: [challenge(401, 'DPoP error="use_dpop_nonce"')] });
    await a.authFetch(`${API}/x`);
    expect(a.seen).toHaveLength(1);
    const b = setup({ responses: [challenge(401, 'DPoP error="use_dpop_nonce"', { 'dpop-nonce': 'n' })] });
    await b.authFetch(`${API}/x`);
    expect(b.seen).toHaveLength(1);
  });

  it('refreshes once on invalid_token and signs the new token', async () => {
    const dpop = await createDPoPSession();
    const { authFetch, seen } = setup({
      dpop,
      responses: [challenge(401, 'Bearer realm="a", DPoP error="invalid_token"')],
    });
    await authFetch(`${API}/x`);
    expect(seen.map((s) => s.headers.authorization)).toEqual(['DPoP at-1', 'DPoP at-2']);
    const ath = Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode('at-2'))).toString(
      'base64url',
    );
    expect(proofOf(seen[1]).ath).toBe(ath);
  });
});
