// Runs before the e2e tests: makes sure a Chromium exists, installing one when none is found
// (apt-get as root, else Playwright's own download), and says which one will be used.
import { execSync } from 'node:child_process';
import { findBrowser } from './browser-path.mjs';

const run = (cmd) => execSync(cmd, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });

let found = findBrowser();
if (!found && process.env.CHROMIUM_PATH) {
  console.error(`CHROMIUM_PATH=${process.env.CHROMIUM_PATH} does not exist`);
  process.exit(1);
}
if (!found) {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  console.log(`No Chromium found; installing one (${root ? 'apt-get' : 'npx playwright install'})...`);
  if (root) run('apt-get update && apt-get install -y --no-install-recommends chromium');
  else run('npx --yes playwright-core install chromium');
  found = findBrowser();
}
if (!found) {
  console.error('Could not find or install Chromium. Set CHROMIUM_PATH to a Chromium/Chrome executable.');
  process.exit(1);
}
let version = '';
try {
  version = execSync(`"${found.path}" --version`, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
} catch {
  // some builds refuse --version without a display; the path is enough
}
console.log(`e2e browser: ${found.path} (${found.source})${version ? ` ${version}` : ''}`);
