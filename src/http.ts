/**
 * The transport under every request the SDK sends to the authorization server: a timeout
 * that also covers reading the body, a 1 MiB body cap (checked against Content-Length and
 * while streaming), no redirect followed, no Referer, and no oversized header or malformed
 * DPoP nonce passed on.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.2.4 (Referrer-Policy)
 * @module
 */
import { clampDelay } from './clock.js';
import { AuthError, isAuthError, must } from './errors.js';

/** Largest response body the SDK reads from a server. */
export const MAX_BODY = 1 << 20;

/**
 * A DPoP nonce worth keeping: `1*NQCHAR` (RFC 9449 §8.1), at most 1 KiB. Anything else is
 * ignored, never echoed back in a proof (docs/security.md P-26).
 */
export const DPOP_NONCE = /^[\x21\x23-\x5b\x5d-\x7e]{1,1024}$/;

/** `RequestInit` whose members may be explicitly undefined (as oauth4webapi passes them). */
export type FetchInit = { [K in keyof RequestInit]?: RequestInit[K] | undefined };

/** Reads the body as a Blob, refusing more than {@link MAX_BODY} bytes (declared or streamed) from `where`. */
async function readCapped(res: Response, where: string): Promise<Blob> {
  const tooLarge = `The answer from ${where} is larger than 1 MiB; spa-auth does not read it. Check that the URL is the provider's.`;
  if (Number(res.headers.get('content-length')) > MAX_BODY) {
    void res.body?.cancel().catch(() => {}); // let the connection go
    throw new AuthError('invalid_response', tooLarge);
  }
  const reader = res.body?.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (let r = await reader?.read(); r && !r.done; r = await reader?.read()) {
    if ((size += r.value.byteLength) > MAX_BODY) void reader?.cancel();
    must(size <= MAX_BODY, tooLarge);
    chunks.push(r.value);
  }
  return new Blob(chunks as BlobPart[]);
}

/**
 * Wraps `fetch` for authorization-server requests. The returned response's body is already
 * read (within the cap and the timeout), so parsing it cannot hang or exhaust memory.
 *
 * @param timeoutMs abandon the request and the body read after this long (`timeout`)
 */
export function cappedFetch(
  base: typeof fetch | undefined,
  timeoutMs: number,
): (url: string, init: FetchInit) => Promise<Response> {
  return async (url, init) => {
    // Named in errors without its query (no parameter of a request is ever shown).
    const where = url.replace(/[?#][^]*/, '');
    // Aborts after timeoutMs with a TimeoutError, or when the caller's signal aborts, with its reason.
    const parent = init.signal;
    const controller = new AbortController();
    const { signal } = controller;
    let stop!: (reason: unknown) => void;
    // The abort also settles the request when the fetch in use ignores its signal (a custom `fetch`).
    const aborted = new Promise<never>((_, reject) => (stop = reject));
    const abort = () => {
      controller.abort(parent?.aborted ? parent.reason : new DOMException('Timed out', 'TimeoutError'));
      stop(signal.reason);
    };
    const timer = setTimeout(abort, clampDelay(timeoutMs));
    if (parent?.aborted) abort();
    else parent?.addEventListener('abort', abort);
    const request = async () => {
      // RFC 9700 §4.12: no redirect is followed (oauth4webapi asks for none either).
      const res = await (base ?? fetch)(url, {
        ...init,
        signal,
        redirect: 'manual',
        referrerPolicy: 'no-referrer',
      } as RequestInit);
      // Also an opaque redirect (`redirect: 'manual'`), whose status is always 0 (Fetch §2.2.6).
      if (res.status < 200) return res;
      // Statuses below 200 returned above; these must have a null body.
      const body = [204, 205, 304].includes(res.status) ? null : await readCapped(res, where);
      const headers = new Headers(res.headers);
      // oauth4webapi's challenge parser is quadratic: an oversized header is dropped, not parsed.
      if ((headers.get('www-authenticate')?.length ?? 0) > 8192) headers.delete('www-authenticate');
      // oauth4webapi keeps the server's DPoP nonce for the next proof: only a valid one reaches it.
      if (!DPOP_NONCE.test(headers.get('dpop-nonce') ?? '')) headers.delete('dpop-nonce');
      return new Response(body, { status: res.status, statusText: res.statusText, headers });
    };
    try {
      return await Promise.race([request(), aborted]);
    } catch (err) {
      // The caller's own abort travels on as it is.
      if (parent?.aborted || isAuthError(err)) throw err;
      const name = (err as { name?: unknown } | null)?.name;
      if (name === 'TimeoutError') {
        throw new AuthError(
          'timeout',
          `No answer from ${where} within ${timeoutMs / 1000} s. Check that the server is up, or raise requestTimeout.`,
          { cause: 'the request timed out' },
        );
      }
      // fetch() rejects with a bare TypeError when the network fails
      if (name === 'TypeError') {
        throw new AuthError(
          'network_error',
          `Could not reach ${where}. Check the URL (the issuer's), that the server is up, and that it allows this origin (CORS).`,
          {
            cause: 'fetch() failed: no connection, a DNS or TLS failure, or a CORS refusal',
          },
        );
      }
      throw err;
    } finally {
      clearTimeout(timer);
      parent?.removeEventListener('abort', abort);
      aborted.catch(() => undefined);
    }
  };
}
