/**
 * auth.fetch with a DOM (happy-dom; test/auth-fetch.test.ts runs on Node's fetch classes):
 * a `Request` made by another window (an iframe, a popup) is a Request all the same, read by
 * its URL, method and headers exactly as fetch() reads it.
 */
import { Window } from 'happy-dom';
import { describe, expect, it, vi } from 'vitest';
import { createAuthFetch } from '../src/auth-fetch.js';

const API = 'https://api.example.com';
const APP = 'https://app.example.com';
const other = new Window({ url: `${APP}/` }) as unknown as { Request: typeof Request };

function setup(apiOrigins: string[]) {
  const sent: Array<{ url: string; method: string; auth: string | null }> = [];
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const r = new Request(input, init);
    sent.push({ url: r.url, method: r.method, auth: r.headers.get('authorization') });
    return new Response('ok');
  });
  const authFetch = createAuthFetch({
    apiOrigins,
    getAccessToken: async () => 'at-1',
    dpop: () => undefined,
    fetch: fetch as unknown as typeof globalThis.fetch,
    emit: vi.fn(),
    baseUrl: () => `${APP}/`,
  });
  return { authFetch, sent };
}

describe('a Request from another window', () => {
  it('to an allowlisted API gets the token', async () => {
    const { authFetch, sent } = setup([API]);
    await authFetch(new other.Request(`${API}/orders`));
    expect(sent).toEqual([{ url: `${API}/orders`, method: 'GET', auth: 'Bearer at-1' }]);
  });

  it('is sent to its own URL with its own method, never to the page as "[object Request]"', async () => {
    const { authFetch, sent } = setup([APP]);
    await authFetch(new other.Request(`${APP}/api/orders`, { method: 'DELETE' }));
    expect(sent).toEqual([{ url: `${APP}/api/orders`, method: 'DELETE', auth: 'Bearer at-1' }]);
  });

  it('to any other origin gets no token', async () => {
    const { authFetch, sent } = setup([API]);
    await authFetch(new other.Request('https://evil.example/x'));
    expect(sent).toEqual([{ url: 'https://evil.example/x', method: 'GET', auth: null }]);
  });
});
