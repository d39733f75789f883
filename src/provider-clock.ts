/**
 * The provider's time as this tab knows it: the device clock plus an offset learned from ID
 * tokens whose freshness is already guaranteed (the code exchange bound to this login's `nonce`,
 * or a refresh answered straight by the token endpoint), with the request's round trip in mind.
 * Every time check and schedule reads it, so a device clock that is minutes off neither blocks a
 * login nor ends a session, and `clockTolerance` covers only what remains after the offset.
 *
 * A step of the device clock (the wall clock moving by more or less than the monotonic clock
 * between two readings) is seen at the next reading, whatever asks for the time: a wake-up, a
 * renewal, `getAccessToken()`. A step back is absorbed (the provider's time does not go back with
 * it); a step forward counts as time that passed (a sleeping device looks the same), so tokens
 * are renewed before they are handed out, and the renewal's fresh ID token sets the offset right.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation (steps 9, 10, 13)
 * @see https://w3c.github.io/hr-time/#sec-monotonic-clock
 * @module
 */
import { monotonicNow, systemNow, type Now } from './clock.js';
import { AuthError } from './errors.js';

/** The largest offset believed (ms): a provider more than a day away is refused, however signed. */
export const MAX_OFFSET = 86_400_000;

/** How far (ms) the wall clock may drift from the monotonic one between two readings before it counts as a step. */
const STEP = 1000;

/** One timed request: when its answer arrived (device clock, ms) and how long the round trip took (ms). */
export interface Timing {
  at: number;
  rtt: number;
}

/** The handle returned by {@link createProviderClock}. */
export interface ProviderClock {
  /** The provider's time now (epoch ms): the device clock plus the offset. */
  now: Now;
  /** The offset (ms): the provider's clock minus the device's; positive when the device is behind. */
  offset(): number;
  /** Adopts an offset: learned from a fresh response here, or shared by another tab (checked by the caller). */
  set(offset: number): void;
  /** Starts timing a request; call the function it returns once the answer arrived. */
  time(): () => Timing;
  /**
   * The offset a fresh ID token's `iat` (seconds) implies for a request timed by {@link time}:
   * the provider stamped it during the round trip, in whole seconds, so the middle of both is
   * taken. Beyond {@link MAX_OFFSET} it is reported and refused.
   * @throws AuthError `invalid_response`, naming both times
   */
  estimate(iat: number, timing: Timing): number;
}

/** An epoch ms value as an ISO date, or as the number when it is none. */
const iso = (ms: number) => {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
};

/**
 * A clock for one tab, at offset 0 until it learns one. `report` hears of every refused offset
 * (the client emits it as an `error` event), before the refusal is thrown.
 * @example
 * ```ts
 * const clock = createProviderClock((e) => events.emit('error', e));
 * const stop = clock.time();
 * const res = await fetch(tokenEndpoint, init);
 * const offset = clock.estimate(iat, stop());
 * clock.set(offset); // once the response was accepted
 * clock.now(); // the provider's time
 * ```
 */
export function createProviderClock(report: (error: AuthError) => void = () => undefined): ProviderClock {
  let offset = 0;
  let wall = systemNow();
  let mono = monotonicNow();
  /** Reads the wall clock, and absorbs a step back of it since the last reading. */
  const read = () => {
    const w = systemNow();
    const m = monotonicNow();
    const step = w - wall - (m - mono);
    if (step < -STEP) offset -= step;
    wall = w;
    mono = m;
    return w;
  };

  return {
    now: () => read() + offset,
    offset: () => {
      read(); // absorbs a step back of the wall clock first
      return offset;
    },
    set(next) {
      read();
      offset = next;
    },
    time() {
      const start = monotonicNow();
      return () => ({ at: read(), rtt: monotonicNow() - start });
    },
    estimate(iat, { at, rtt }) {
      const device = at - rtt / 2;
      const next = Math.round(iat * 1000 + 500 - device);
      if (!(Math.abs(next) <= MAX_OFFSET)) {
        const error = new AuthError(
          'invalid_response',
          `clocks more than a day apart: the provider issued the ID token at ${iso(iat * 1000)}, this device's clock said ${iso(device)}; set the device's date and time right`,
        );
        report(error);
        throw error;
      }
      return next;
    },
  };
}

/**
 * The `iat` (seconds) of the ID token in a token response, read before the response is
 * validated (the validation needs the offset it implies); undefined when there is none. The
 * response itself is left unread.
 */
export async function peekIat(res: Response): Promise<number | undefined> {
  try {
    const { id_token: jwt } = (await res.clone().json()) as { id_token?: unknown };
    const payload = String(jwt).split('.')[1]!;
    const { iat } = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { iat?: unknown };
    return typeof iat === 'number' && Number.isFinite(iat) ? iat : undefined;
  } catch {
    return undefined; // no JSON, no ID token, or a malformed one: validation says what is wrong
  }
}
