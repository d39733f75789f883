import { describe, expect, it } from 'vitest';
import { parseChallenges } from '../src/www-authenticate.js';
import { cpuTime, regexCalls } from './helpers/work.js';

const plain = (header: string | null | undefined, max?: number) =>
  parseChallenges(header, max).map((c) => ({ scheme: c.scheme, params: { ...c.params } }));

describe('parseChallenges', () => {
  it('parses a Bearer challenge with quoted parameters', () => {
    expect(plain('Bearer realm="api", error="invalid_token", error_description="expired"')).toEqual([
      { scheme: 'bearer', params: { realm: 'api', error: 'invalid_token', error_description: 'expired' } },
    ]);
  });

  it('parses a DPoP challenge and unquoted token values', () => {
    expect(plain('DPoP error="use_dpop_nonce", algs="ES256 PS256"')).toEqual([
      { scheme: 'dpop', params: { error: 'use_dpop_nonce', algs: 'ES256 PS256' } },
    ]);
    expect(plain('Bearer error=invalid_token,scope=read')).toEqual([
      { scheme: 'bearer', params: { error: 'invalid_token', scope: 'read' } },
    ]);
  });

  it('splits several challenges in one header', () => {
    expect(plain('Basic realm="x", DPoP algs="ES256", error="use_dpop_nonce", Bearer realm="api" , Negotiate')).toEqual(
      [
        { scheme: 'basic', params: { realm: 'x' } },
        { scheme: 'dpop', params: { algs: 'ES256', error: 'use_dpop_nonce' } },
        { scheme: 'bearer', params: { realm: 'api' } },
        { scheme: 'negotiate', params: {} },
      ],
    );
  });

  it('skips a token68 without taking it for a scheme or a parameter', () => {
    expect(plain('Basic YWxhZGRpbjpv/c+GVu==, Bearer error="insufficient_scope"')).toEqual([
      { scheme: 'basic', params: {} },
      { scheme: 'bearer', params: { error: 'insufficient_scope' } },
    ]);
  });

  it('unescapes quoted-pairs and keeps commas and equals signs inside quotes', () => {
    expect(plain('Bearer error_description="a \\"b\\", c=d \\\\ e", error="x"')).toEqual([
      { scheme: 'bearer', params: { error_description: 'a "b", c=d \\ e', error: 'x' } },
    ]);
  });

  it('is case-insensitive for schemes and parameter names, not for values', () => {
    const [c] = parseChallenges('bEaReR ERROR="Invalid_Token", Error_Description="X"');
    expect(c?.scheme).toBe('bearer');
    expect(c?.params.error).toBe('Invalid_Token');
    expect(c?.params.error_description).toBe('X');
  });

  it('keeps the first of a repeated parameter and makes prototype-less params', () => {
    const [c] = parseChallenges('Bearer error="first", error="second", __proto__="p", constructor="k"');
    expect(c?.params.error).toBe('first');
    expect(Object.getPrototypeOf(c?.params)).toBeNull();
    expect(c?.params['__proto__']).toBe('p');
    expect(({} as Record<string, unknown>).constructor).toBe(Object);
  });

  it('returns [] for missing and empty headers', () => {
    expect(parseChallenges(null)).toEqual([]);
    expect(parseChallenges(undefined)).toEqual([]);
    expect(parseChallenges('')).toEqual([]);
    expect(parseChallenges(' , ,, ')).toEqual([]);
  });

  it('does not parse headers longer than maxLength (default 8192)', () => {
    const ok = `Bearer error="invalid_token", realm="${'r'.repeat(8000)}"`;
    expect(parseChallenges(ok)).toHaveLength(1);
    expect(parseChallenges(`${ok}${'r'.repeat(200)}`)).toEqual([]);
    expect(parseChallenges('Bearer error="x"', 10)).toEqual([]);
  });

  it('does not even start on a header longer than maxLength', async () => {
    const huge = `Bearer error="invalid_token", ${'a="b", '.repeat((300 * 1024) / 7)}`;
    const { result, calls } = await regexCalls(() => parseChallenges(huge));
    expect(result).toEqual([]);
    expect(calls).toBe(0);
    // the same header, allowed: one match per token at least
    expect((await regexCalls(() => parseChallenges(huge, Infinity))).calls).toBeGreaterThan(40_000);
  });

  it('drops parameters that come before any scheme', () => {
    expect(plain('error="invalid_token", realm=x')).toEqual([]);
    expect(plain('error="invalid_token", Bearer realm="a"')).toEqual([{ scheme: 'bearer', params: { realm: 'a' } }]);
  });

  it('drops a parameter whose quoted value is unterminated', () => {
    expect(plain('Bearer realm="api", error="invalid_token')).toEqual([{ scheme: 'bearer', params: { realm: 'api' } }]);
    expect(plain('Bearer error="x\\')).toEqual([{ scheme: 'bearer', params: {} }]);
  });

  it('never throws on garbage', () => {
    for (const h of [
      '=',
      '==,=="',
      '"',
      '\\',
      'Bearer ="x"',
      'Bearer a=',
      'Bearer a= ,b',
      '\u0000\u00ff\ud800',
      'a b c d',
      ',,,Bearer,,,',
    ])
      expect(() => parseChallenges(h)).not.toThrow();
    // 'b c' is a scheme with a token68
    expect(plain('a b c')).toEqual([
      { scheme: 'a', params: {} },
      { scheme: 'b', params: {} },
    ]);
  });

  it('stays linear on hostile input when allowed to parse it', () => {
    const max = Number.POSITIVE_INFINITY;
    /** The hostile headers, `n` units long (a unit is 1 to 10 characters). */
    const hostile = (n: number) => [
      `${','.repeat(n / 10)}Bearer error="invalid_token"${','.repeat(n / 10)}`,
      '='.repeat(n),
      'a="'.repeat(n / 2.5),
      '"'.repeat(n),
      'Basic, '.repeat(n / 5),
      `Bearer ${'a'.repeat(n)} x`,
      'a=b '.repeat(n / 3),
      `Bearer x="${'\\"'.repeat(n / 2.5)}`,
      `Bearer ${'a/'.repeat(n / 5)} x`, // every 'a' is a scheme: token68 must not rescan the rest
      'a b/'.repeat(n / 10),
    ];
    const small = hostile(20_000);
    const large = hostile(200_000);
    const parse = (inputs: string[], times: number) => () => {
      for (let i = 0; i < times; i++) for (const h of inputs) parseChallenges(h, max);
    };
    parse(small, 1)(); // warm up
    // The same characters in ten headers or in one ten times as long: linear work takes about
    // as long either way, quadratic work ten times as long. Processor time, not the wall
    // clock, so that other processes on the machine do not count; many small objects make the
    // large case up to about twice as slow (garbage collection), hence 5.
    const ratio = cpuTime(parse(large, 1)) / cpuTime(parse(small, 10));
    expect(ratio).toBeLessThan(5);
    expect(plain(large[0], max)).toEqual([{ scheme: 'bearer', params: { error: 'invalid_token' } }]);
    expect(parseChallenges(large[4], max)).toHaveLength(40_000);
  });
});
