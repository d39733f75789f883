// Renders one bench run as markdown (printed, and written to docs/benchmarks.md).
import { LIBS } from './libs.mjs';
import { bytes, ratio, spread } from './stats.mjs';

const us2 = (x) => (Number.isFinite(x) ? `${x.toFixed(1)} µs` : 'n/a');
const us = (x) => (Number.isFinite(x) ? `${Math.round(x)} µs` : 'n/a');
const table = (head, rows) =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join(
    '\n',
  );
const list = (xs) => (xs.every((x) => x === xs[0]) ? String(xs[0]) : xs.join(', '));

function sizeTable(sizes) {
  const base = sizes['spa-auth'];
  return table(
    ['library', 'minified', 'gzip -9', 'brotli', 'spa-auth ÷ library (min / gzip / brotli)'],
    LIBS.map((l) => {
      const s = sizes[l.id];
      return [
        `${l.id} ${l.version}`,
        bytes(s.min),
        bytes(s.gzip),
        bytes(s.brotli),
        ['min', 'gzip', 'brotli'].map((k) => ratio(base[k], s[k])).join(' / '),
      ];
    }),
  );
}

/** A measurement made once, before and after a change (it needs the build before it): kept as written. */
const FEATURE_SIZE_RULE = `### 1c. Size rule for the opt-in features (popup login, UserInfo)

An ES-module app that calls neither \`loginWithPopup()\` nor \`getUserInfo()\` may grow by at most 150
bytes gzipped for them. Measured once, when they were added (2026-12-02), with this bench's
typical-use entry (\`bench/entries/spa-auth.js\`, bundled as in 1b), on the build before and after:

| build | minified | gzip -9 | brotli |
|---|---|---|---|
| before (no popup, UserInfo or \`appState\`) | 54,038 | 18,961 | 16,993 |
| after (\`appState\` in \`login()\`; the two methods, which need \`spa-auth/popup\` / \`spa-auth/userinfo\`) | 54,544 | 19,094 | 17,159 |
| growth | +506 | **+133** | +166 |

The script-tag bundle, which includes both features, went from 17,070 to 18,672 bytes gzipped
(+1,602: the popup module, the UserInfo module with oauth4webapi's resource-request and JWT
response functions, and \`appState\`).
`;

/** 1d: what each opt-in import adds to the typical-use app. */
function optInTable(optIn) {
  const plus = (n) => `${n >= 0 ? '+' : '−'}${bytes(Math.abs(n))}`;
  return table(
    ['the typical-use app (1b) plus', 'minified', 'gzip -9', 'brotli'],
    Object.entries(optIn).map(([name, d]) => [`\`spa-auth/${name}\``, plus(d.min), plus(d.gzip), plus(d.brotli)]),
  );
}

/** 1e: each module's share of the script-tag bundle, the largest first. */
function sharesTable(shares, top = 20) {
  const rest = shares.slice(top);
  const sum = (key) => rest.reduce((n, s) => n + s[key], 0);
  const pct = (x) => `${(x * 100).toFixed(1)} %`;
  return table(
    ['module', 'minified (esbuild)', 'share', 'gzip -9, pro rata'],
    [
      ...shares.slice(0, top).map((s) => [`\`${s.module}\``, bytes(s.min), pct(s.share), bytes(s.gzip)]),
      ...(rest.length
        ? [[`the other ${rest.length} modules`, bytes(sum('min')), pct(sum('share')), bytes(sum('gzip'))]]
        : []),
    ],
  );
}

/** The tables (what `npm run bench` prints). */
export function renderTables({ size, callback, fetch, refresh, restore, signedOut }) {
  const out = [];
  out.push('### 1a. Size: script-tag bundle (IIFE, minified)', '', sizeTable(size.iife), '');
  out.push('### 1b. Size: typical-use app bundle (ESM, tree-shaken, minified)', '', sizeTable(size.app), '');
  out.push(FEATURE_SIZE_RULE);
  out.push(
    '### 1d. Size: what each opt-in import adds to the typical-use app',
    '',
    'The entry of 1b with one more import, used, bundled the same way:',
    '',
    optInTable(size.optIn),
    '',
    'The script-tag bundle includes all three (DPoP there is `dpop: true`).',
    '',
  );
  out.push(
    "### 1e. Size: each module's share of the script-tag bundle",
    '',
    "Bytes per module need a bundler that reports them after minifying: esbuild's metafile, on",
    "`src/iife.ts`, with oauth4webapi's error sentences kept. The gzip column spreads 1a's gzip size",
    'pro rata (compression is not per module); it shows where the bytes are, not exact savings.',
    '',
    sharesTable(size.shares),
    '',
  );
  const cb = callback['spa-auth'];
  out.push(
    '### 2. Callback critical path (navigation start → authenticated)',
    '',
    table(
      [
        'library',
        `median (p25–p75), n=${cb.n}`,
        'spa-auth ÷ library',
        'requests to the provider',
        'sequential round trips',
        'requests on the path',
      ],
      [
        ...Object.entries(callback).map(([id, c]) => [
          id,
          spread(c),
          ratio(cb.median, c.median),
          String(c.providerRequests),
          String(c.sequential),
          c.paths.join(' / '),
        ]),
      ],
    ),
    '',
  );
  out.push(
    `### 3. fetch overhead (spa-auth, valid token, same-origin endpoint, ${fetch.calls.toLocaleString('en-US')} sequential calls of each kind)`,
    '',
    table(
      ['call', 'per call, median of batch means (p25–p75)', 'ratio vs plain fetch', 'extra per call'],
      [
        ['fetch(url)', spread(fetch.plain, us), '1.00×', '—'],
        [
          'fetch(url, { headers: { Authorization } })',
          spread(fetch.header, us),
          ratio(fetch.header.median, fetch.plain.median),
          us(fetch.header.median - fetch.plain.median),
        ],
        [
          'auth.fetch(url)',
          spread(fetch.auth, us),
          ratio(fetch.auth.median, fetch.plain.median),
          us(fetch.auth.median - fetch.plain.median),
        ],
      ],
    ),
    '',
    `The wrapper alone, with \`window.fetch\` replaced by a stub that resolves at once (${fetch.stubCalls.toLocaleString('en-US')} calls of each):`,
    '',
    table(
      ['call', 'per call, median of batch means (p25–p75)', 'ratio vs the stub', 'extra per call'],
      [
        ['stub fetch', spread(fetch.stub, us2), '1.00×', '—'],
        [
          'auth.fetch(url) over the stub',
          spread(fetch.authStub, us2),
          ratio(fetch.authStub.median, fetch.stub.median),
          us2(fetch.authStub.median - fetch.stub.median),
        ],
      ],
    ),
    '',
  );
  const base = refresh.spa.single;
  const row = (name, r) => [
    name,
    list(r.refreshRequests),
    list(r.refreshOk),
    list(r.gotToken),
    spread(r),
    ratio(r.median, base.median),
    r.errors.join(', ') || 'none',
  ];
  out.push(
    '### 4. Refresh coalescing (4 tabs, calls started together)',
    '',
    table(
      [
        'scenario',
        'refresh requests at the provider',
        'of which succeeded',
        'calls that got a token',
        'time until all calls settled, median (p25–p75)',
        'ratio vs one refresh',
        'errors',
      ],
      [
        [
          'spa-auth: one getAccessToken({ forceRefresh }) in one tab (baseline)',
          list(base.refreshRequests),
          list(base.refreshRequests),
          '1',
          spread(base),
          '1.00×',
          'none',
        ],
        row(
          'spa-auth: 1,000 × getAccessToken(), token due in every tab (wall clock advanced past the due time, timers not fired)',
          refresh.spa.expiring,
        ),
        row('spa-auth: 1,000 × getAccessToken({ forceRefresh: true }), token valid', refresh.spa.forced),
        row('oidc-client-ts: 1,000 × signinSilent(), user in localStorage', refresh.oidc.all),
        row('oidc-client-ts: 4 × signinSilent() (one per tab), user in localStorage', refresh.oidc.one),
      ],
    ),
    '',
  );
  const rb = callback['spa-auth'].median;
  const rrow = (name, r) => [name, spread(r), ratio(r.median, rb), String(r.providerRequests), r.sequence || 'none'];
  out.push(
    '### 5. Restore on reload (new tab: navigation start → authenticated)',
    '',
    table(
      [
        'scenario',
        `median (p25–p75), n=${restore.handoff.n}`,
        'ratio vs spa-auth callback',
        'requests to the provider',
        'requests, in order',
      ],
      [
        rrow('spa-auth, another tab open (tab handoff)', restore.handoff),
        rrow('spa-auth, no other tab (silent authorization)', restore.silent),
        ...(restore.oidcSilent
          ? [rrow('oidc-client-ts, in-memory store: signinSilent() at load', restore.oidcSilent)]
          : []),
      ],
    ),
    '',
  );
  if (signedOut) {
    const base = signedOut['oidc-client-ts'];
    // two significant digits below 0.1×: a load that costs a few hundredths of another is not "0.00×"
    const fine = (a, b) => (a / b < 0.1 ? `${(a / b).toPrecision(2)}×` : ratio(a, b));
    const srow = (name, s, load) => [
      name,
      load,
      spread(s[load]),
      spread(s[load].call),
      fine(s[load].median, base.first.median),
      fine(s[load].median, s.first.median),
      String(s[load].authorize),
    ];
    out.push(
      '### 6. Signed-out page load, provider that leaves its login page in the silent frame (navigation start → init() settled)',
      '',
      table(
        [
          'library',
          'load of the tab',
          `median (p25–p75), n=${base.first.n}`,
          'the call alone',
          "ratio vs oidc-client-ts's first load",
          'ratio vs its own first load',
          'prompt=none requests',
        ],
        [
          srow('spa-auth `init()`', signedOut['spa-auth'], 'first'),
          srow('spa-auth `init()`', signedOut['spa-auth'], 'second'),
          srow('oidc-client-ts `signinSilent()`', base, 'first'),
          srow('oidc-client-ts `signinSilent()`', base, 'second'),
        ],
      ),
      '',
    );
  }
  return out.join('\n');
}

/** The whole document. */
export function renderDoc(run) {
  const { system: s } = run;
  return `# Benchmarks

Generated by \`npm run bench\` (bench/run.mjs) on ${s.date}; the run took ${Math.round(run.seconds)} s.
Every figure comes from this one run, and every ratio compares two figures measured in it.
Benchmarks, not tests: nothing here fails on speed. Timings on a shared machine move from run to run
(load average at the start: ${s.load}); compare ratios, not absolute milliseconds.

## Machine and versions

| | |
|---|---|
| CPU | ${s.cpu} |
| cores | ${s.cores} |
| memory | ${s.memoryGiB} GiB |
| OS | ${s.os} |
| Node.js | ${s.node} |
| Chromium | ${s.chromium} (headless) |
${Object.entries(s.packages)
  .map(([k, v]) => `| ${k} | ${v} |`)
  .join('\n')}

## Results

${renderTables(run)}

## How it is measured

- **Size.** gzip level 9 and brotli quality 11 of the minified code. (a) spa-auth's own
  \`dist/spa-auth.iife.min.js\` (rollup, esbuild to es2022, terser; oauth4webapi's error
  sentences are dropped from it, see \`scripts/strip-messages.mjs\`); each peer bundled by the
  bench into an IIFE the same way (rollup + \`@rollup/plugin-node-resolve\` with \`browser: true\`
  + \`rollup-plugin-esbuild\` to es2022 + terser with the project's settings) from
  \`export * from '<peer>'\`. (b) \`bench/entries/<library>.js\`: an app that creates a client,
  handles the callback, starts a login, gets a token and calls an API (spa-auth through
  \`auth.fetch\`, the peers with a hand-made \`Authorization\` header), bundled the same way as
  ESM with tree-shaking; oauth4webapi is bundled in as an app's bundler would (messages intact).
- **Browser.** Debian Chromium, headless, \`--no-sandbox --disable-gpu --disable-quic
  --no-first-run --disable-background-networking --disable-component-update --disable-sync\`;
  host names resolve to nothing and other addresses go to a dead proxy, so only 127.0.0.1 is
  reachable (${run.outside.count} requests tried to leave and were blocked, to: ${run.outside.hosts.join(', ') || 'none'}). The
  provider is the demo's oidc-provider (\`demo/provider.mjs\`) on loopback; each library's bench
  page (\`bench/pages/\`) is served by \`bench/server.mjs\` on its own 127.0.0.1 origin, no cache.
  oidc-client-ts runs with \`automaticSilentRenew: false\` and its default \`loadUserInfo: false\`.
- **Callback.** One form login per library; then every run starts a fresh login (the provider
  redirects straight back), the bench stops the browser at that redirect and loads the callback
  URL in a new navigation of the same tab. Time: \`performance.now()\` in the callback page when
  \`init()\` / \`signinRedirectCallback()\` resolves (so it includes loading the page and the
  library). Requests: what the provider received meanwhile; sequential round trips: from the
  page's resource timing, a request is one level deeper when it started after another ended.
  Runs alternate between the libraries; 2 warm-up runs each are dropped.
- **fetch overhead.** In a signed-in spa-auth page, \`/ping\` on the page's own origin (in
  \`apiOrigins\`), awaited one after another, the three kinds interleaved call by call; each batch
  gives a mean per call, and the table shows the median and quartiles of the batch means.
  Loopback round trips in a loaded headless browser vary by milliseconds, far more than the
  wrapper costs, so the wrapper is also measured alone: \`window.fetch\` replaced by a stub that
  resolves at once, batches of 1,000 awaited calls of the stub and of \`auth.fetch\` over it.
- **Refresh coalescing.** A second provider whose access tokens live ${run.ttl} s. spa-auth: tab 1
  signs in, tabs 2–4 load with \`init()\` and take the session by handoff; 250 calls per tab start
  at one agreed instant. "Due in every tab" is the case of tabs whose timers were throttled or
  asleep (a laptop waking up): a tab's renewal is due at expiry − min(leeway, lifetime/2) − its
  own random jitter × min(5 s, lifetime/10) and its timer fires right then, so the spa-auth
  context runs Playwright's clock (\`clock.install()\` before any page loads; time flows
  normally), and before the calls the bench moves every page's wall clock
  (\`clock.setSystemTime\`, which fires no timer) to 100 ms past the latest possible due time,
  expiry − min(leeway, ${run.ttl} s/2): ${list(run.refresh.spa.expiring.jumpMs.map((x) => `${(x / 1000).toFixed(1)} s`))} ahead of real time. The
  SDK validates the provider's responses against that clock. Then again with \`forceRefresh\` on
  a fresh token. Calls are started and timed by
  \`performance\`, which the clock leaves on real time (start spread between tabs:
  ${list(run.refresh.spa.expiring.skewMs)} ms and ${list(run.refresh.spa.forced.skewMs)} ms).
  ${run.refresh.spa.expiring.preempted} of ${run.refresh.spa.expiring.runs} "due" runs were pre-empted by a tab's own refresh timer (they still count);
  in ${run.refresh.spa.expiring.oneNewToken} of ${run.refresh.spa.expiring.runs} "due" runs and ${run.refresh.spa.forced.oneNewToken} of ${run.refresh.spa.forced.runs} forced runs all 1,000 calls got the same new token.
  oidc-client-ts keeps no session in memory that tabs could share and has no single-flight
  refresh; its tabs share a user only through \`localStorage\` (\`WebStorageStateStore\`), and
  \`getUser()\` never refreshes, so the comparable is \`signinSilent()\` (refresh-token grant),
  from a fresh sign-in each time. oidc-provider rotates refresh tokens and, on reuse of a
  rotated one, revokes the grant: that is why one refresh succeeds and the others fail.
- **Restore.** A new tab loads \`/?restore\`, which runs \`init()\` (oidc-client-ts:
  \`signinSilent()\` with an in-memory user store, so only the iframe can restore it). "Another
  tab open": a signed-in tab of the app stays open; "no other tab": it was closed, only the
  provider's session cookie remains.
- **Signed-out load.** \`e2e/stub-provider.mjs\` answers \`prompt=none\` without a session with its
  login page (200, \`X-Frame-Options: DENY\`), as some certified providers do, instead of
  redirecting back with \`login_required\`. Each run opens a new tab in a new context (no
  provider session) and loads \`/?restore\` twice. spa-auth gives up 2 s after such a page loads
  in its frame, remembers it for the tab (a public flag in sessionStorage), and skips the iframe
  on the next load (an \`error\` event says so), so the second load costs no request to the
  provider. oidc-client-ts waits for its \`silentRequestTimeoutInSeconds\` (default 10 s) on every
  load. Runs alternate between the libraries.

## Not measured, and caveats

- auth0-spa-js appears in the size and callback tables only. It cannot sign in against
  \`demo/provider.mjs\`: it builds Auth0's own endpoint paths (\`/authorize\`, \`/oauth/token\`)
  instead of reading discovery, and checks the ID token's \`iss\` against \`<domain>/\` with a
  trailing slash. Its callback is therefore measured against \`bench/auth0-provider.mjs\`, a
  second oidc-provider ${s.packages['oidc-provider']} instance shaped like an Auth0 tenant
  (issuer \`http://127.0.0.1:<port>/\`, those paths, otherwise the demo provider's settings).
  It runs with \`useRefreshTokens: true\`, so its token request is made from a Web Worker (not in
  the page's resource timing: the request count comes from the provider), and its
  \`Auth0-Client\` header makes the browser send a CORS preflight once per cache lifetime (the
  warm-up runs absorb it). Its cross-tab refresh lock and iframe restore were not benchmarked.
- The fetch-overhead bench is spa-auth's own wrapper against plain \`fetch\`. oidc-client-ts
  has no fetch wrapper. auth0-spa-js 2 has one, \`createFetcher().fetchWithAuth()\` (it attaches
  the token to every URL it is given, relative to an optional \`baseUrl\`, and retries only on
  \`use_dpop_nonce\`); it was not benchmarked, because auth0-spa-js cannot sign in to the demo
  provider (above) and the app bundle measures it with a hand-made header like oidc-client-ts.
- oidc-client-ts does not verify ID token signatures (no JWKS request); spa-auth does. Its
  callback fetches discovery first because it keeps no metadata from the login page.
- Before its token request, spa-auth's callback takes a Web Lock named after the login's
  \`state\`, so a duplicated tab cannot replay the callback ([security model](security.md), P-08). A page's first
  Web Lock request is a round trip to the browser process: on this loaded machine it was granted
  after 5 to 14 ms, about as long as a loopback token request, and paired runs with and without
  the lock differed by 4 to 14 ms. On a real network the token request dominates.
`;
}
