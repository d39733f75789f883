// Regenerates docs/demo.png: starts the demo stack on free loopback ports, signs in with
// Chromium (the e2e tests' browser and login helpers), calls the API and the foreign origin,
// and screenshots the ES-module page. `npm run screenshot` (after `npm run build`); the e2e
// run does the same when UPDATE_SCREENSHOT=1 (e2e/login.e2e.test.mjs).
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { launchBrowser, login, openContext } from '../e2e/browser.mjs';
import { startStack } from '../demo/stack.mjs';

export const SCREENSHOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'demo.png');

/**
 * Signs in on the demo's ES-module page, calls the API and the foreign origin, and screenshots it.
 * @param {import('playwright-core').Page} page a page of a context made by e2e/browser.mjs openContext()
 * @param {{ appOrigin: string, file?: string, user?: string }} o
 */
export async function captureDemo(page, { appOrigin, file = SCREENSHOT, user = 'alice' }) {
  await page.goto(`${appOrigin}/`);
  await page.locator('#status[data-state="signed-out"]').waitFor();
  await page.click('#login');
  await login(page, { appOrigin, user });
  await page.locator('#status[data-state="signed-in"]').waitFor();
  await page.click('#call-api');
  await page.locator('#api-result[data-state="done"]').waitFor();
  await page.click('#call-foreign');
  await page.locator('#foreign-result[data-state="done"]').waitFor();
  mkdirSync(dirname(file), { recursive: true });
  await page.screenshot({ path: file, fullPage: true });
}

async function main() {
  const [stack, browser] = await Promise.all([startStack(), launchBrowser()]);
  try {
    const session = await openContext(browser, { appOrigin: stack.pages.url });
    const page = await session.newPage();
    await captureDemo(page, { appOrigin: stack.pages.url });
    const problems = session.appProblems();
    const count = problems.pageErrors.length + problems.consoleErrors.length + problems.cspViolations.length;
    if (count) throw new Error(`the demo page reported problems: ${JSON.stringify(problems)}`);
    console.log(`wrote ${SCREENSHOT}`);
  } finally {
    await Promise.all([browser.close(), stack.stop()]);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
