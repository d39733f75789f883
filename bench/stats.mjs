// Small statistics and formatting helpers for the benches.

const sorted = (xs) => [...xs].sort((a, b) => a - b);

/** Linear-interpolated quantile, q in [0, 1]. */
export function quantile(xs, q) {
  const s = sorted(xs);
  if (s.length === 0) return NaN;
  const i = (s.length - 1) * q;
  const lo = Math.floor(i);
  return s[lo] + (s[Math.ceil(i)] - s[lo]) * (i - lo);
}

export const median = (xs) => quantile(xs, 0.5);

/** { median, p25, p75, n } */
export const summary = (xs) => ({ median: median(xs), p25: quantile(xs, 0.25), p75: quantile(xs, 0.75), n: xs.length });

/** The most frequent value (ties: the first seen). */
export function mode(xs) {
  const counts = new Map();
  for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
  let best;
  for (const [x, c] of counts) if (best === undefined || c > counts.get(best)) best = x;
  return best;
}

export const ratio = (a, b) => (Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : 'n/a');
export const ms = (x) => (Number.isFinite(x) ? `${x < 10 ? x.toFixed(1) : Math.round(x)} ms` : 'n/a');
export const bytes = (n) => n.toLocaleString('en-US');
export const spread = (s, fmt = ms) => `${fmt(s.median)} (${fmt(s.p25)}–${fmt(s.p75)})`;

/**
 * Sequential depth of a set of requests seen by the browser: a request is on level k+1 when
 * it started after a level-k request had ended. Returns the levels, e.g. [['token', 'jwks']].
 * @param {{ label: string, start: number, end: number }[]} reqs
 */
export function levels(reqs) {
  const depth = new Map();
  const byStart = [...reqs].sort((a, b) => a.start - b.start);
  for (const r of byStart) {
    let d = 1;
    for (const q of byStart) if (q !== r && q.end <= r.start && depth.has(q)) d = Math.max(d, depth.get(q) + 1);
    depth.set(r, d);
  }
  const out = [];
  for (const [r, d] of depth) (out[d - 1] ??= []).push(r.label);
  return out.map((l) => l.sort());
}

/** "discovery → token" or "token ∥ jwks". */
export const describeLevels = (lv) => (lv.length ? lv.map((l) => l.join(' ∥ ')).join(' → ') : 'none');
