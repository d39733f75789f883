// Runs before the e2e tests: makes sure Glewlwyd (Debian's `glewlwyd` package, the second,
// independent OpenID provider of the e2e suite) is installed, installing it with apt-get when
// running as root (as CI does on a clean machine). The package's own service is not used: the
// tests configure and start their own instance on 127.0.0.1 (e2e/glewlwyd-server.mjs).
//
// SPA_AUTH_SKIP_GLEWLWYD=1 skips the Glewlwyd tests on a machine where it cannot be installed;
// the run says so, and CI never sets it.
import { execSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { GLEWLWYD_BIN, glewlwydInstalled } from './glewlwyd-server.mjs';

const skip = process.env.SPA_AUTH_SKIP_GLEWLWYD === '1';
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };

if (!glewlwydInstalled() && !skip) {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root) {
    console.error(
      'Glewlwyd is not installed, and only root can install it: run `sudo apt-get install -y glewlwyd` ' +
        '(Debian/Ubuntu), or set SPA_AUTH_SKIP_GLEWLWYD=1 to skip its e2e tests.',
    );
    process.exit(1);
  }
  console.log('Glewlwyd not found; installing it (apt-get install glewlwyd)...');
  // The package ships an init script: keep apt from starting that service (it would listen on
  // every interface) unless the machine already has a policy, as Debian's container images do.
  const policy = '/usr/sbin/policy-rc.d';
  const ownPolicy = !existsSync(policy);
  if (ownPolicy) writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  try {
    execSync('apt-get update && apt-get install -y --no-install-recommends glewlwyd sqlite3', {
      stdio: 'inherit',
      env,
    });
  } finally {
    if (ownPolicy) rmSync(policy, { force: true });
  }
  if (!glewlwydInstalled()) {
    console.error(`apt-get finished but ${GLEWLWYD_BIN} or its web UI and schema are still missing.`);
    process.exit(1);
  }
}
if (skip) {
  console.log('e2e: SPA_AUTH_SKIP_GLEWLWYD=1, the Glewlwyd tests are skipped');
} else {
  let version = '';
  try {
    version = execSync(`"${GLEWLWYD_BIN}" --version`, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch {
    // the path is enough
  }
  console.log(`e2e provider: ${GLEWLWYD_BIN}${version ? ` ${version.split('\n').pop()}` : ''}`);
}
