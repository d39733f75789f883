/**
 * A small, linear-time `WWW-Authenticate` parser. Challenge parameters come from a resource
 * server we do not trust, so the parser never throws, never backtracks, and skips anything
 * it does not understand.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-11.6.1 (WWW-Authenticate)
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3 (Bearer challenges)
 * @module
 */

/** One parsed challenge: `scheme` lower-cased, parameter names lower-cased, values unquoted. */
export interface Challenge {
  scheme: string;
  /** Parameter values by lower-cased name; a prototype-less object, so `__proto__` is just a key. */
  params: Record<string, string>;
}

const TOKEN = /[!#$%&'*+\-.^_`|~\w]+/y;
// `=` between a parameter name and its value, with optional whitespace around it.
const EQUALS = /[ \t]*=[ \t]*/y;
// token68: after a scheme and 1*SP, alone up to the next comma (RFC 9110 §11.2). The leading
// space keeps this linear: it never rescans a run of non-token characters after every scheme.
const TOKEN68 = /[ \t]+[\w\-.~+/]+=*[ \t]*(?=,|$)/y;

/**
 * Parses a `WWW-Authenticate` header value into its challenges, in order.
 *
 * Lenient and safe: text that fits no rule is skipped, parameters before the first scheme are
 * dropped, a parameter whose quoted value is unterminated is dropped, the first occurrence of
 * a repeated parameter wins, and a token68 is skipped. Headers longer than `maxLength` are
 * not parsed at all. Values are untrusted text: never render them as HTML or follow them.
 *
 * @param header the header value (`response.headers.get('www-authenticate')`)
 * @param maxLength longest header parsed, in characters; default 8192
 * @returns the challenges, `[]` for a missing, empty or oversized header
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-11.6.1
 * @example
 * ```ts
 * parseChallenges('Bearer realm="api", error="invalid_token"');
 * // [{ scheme: 'bearer', params: { realm: 'api', error: 'invalid_token' } }]
 * ```
 */
export function parseChallenges(header: string | null | undefined, maxLength = 8192): Challenge[] {
  const out: Challenge[] = [];
  if (typeof header !== 'string' || header.length > maxLength) return out;
  let i = 0;
  let current: Challenge | undefined;
  /** Matches a sticky regex at `i`; on a match, moves `i` past it and returns the text. */
  const eat = (re: RegExp) => {
    re.lastIndex = i;
    if (re.test(header)) return header.slice(i, (i = re.lastIndex));
  };
  while (i < header.length) {
    const name = eat(TOKEN)?.toLowerCase();
    if (!name) {
      i++; // comma, space, or a stray character
      continue;
    }
    if (!eat(EQUALS)) {
      // No `=`: a scheme. `i` is still right after it, where a token68 would start.
      out.push((current = { scheme: name, params: Object.create(null) as Record<string, string> }));
      eat(TOKEN68);
      continue;
    }
    let value = '';
    if (header[i] === '"') {
      for (i++; header[i] !== '"'; i++) {
        if (header[i] === '\\') i++;
        if (i >= header.length) return out; // unterminated: the rest is inside it, and this parameter is dropped
        value += header[i];
      }
      i++;
    } else {
      value = eat(TOKEN) ?? '';
    }
    if (current) current.params[name] ??= value;
  }
  return out;
}
