// `mxray serve --auth FILE` in Chromium: the file made by `mxray serve --auth F --add-user alice`
// (the password on stdin); History asks a stranger to sign in and the job pages say writes need
// it; a wrong password is refused; alice signs in through /login, runs a receiver test (her
// name on the report), finds it in History, and signs out — after which History asks again.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { runMxray } from '../helpers/cli.js';
import { skipWithout } from '../helpers/skip.js';
import { launchChromium, newPage, startWebServer, textOf, type WebBrowser, type WebServer } from '../helpers/web-server.js';

const T = 30_000;
const REPORT_URL = /\/reports\/[A-Za-z0-9_-]{10,64}$/;
const PASSWORD = 'correct horse battery staple';

let web: WebBrowser | null = null;
let server: WebServer | null = null;
let dir: string | null = null;

beforeAll(async () => {
  web = await launchChromium();
  if (!web) return;
  dir = mkdtempSync(join(tmpdir(), 'mxray-web-auth-'));
  const file = join(dir, 'team.auth');
  const added = await runMxray(['serve', '--auth', file, '--add-user', 'alice'], `${PASSWORD}\n`);
  expect(added.code, added.stderr).toBe(0);
  expect(added.stdout).toContain('user alice written');
  server = await startWebServer({ args: ['--demo', '--auth', file] });
}, 90_000);

afterAll(async () => {
  await server?.stop();
  await web?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function need(context: TestContext): void {
  if (!web) skipWithout(context, 'chromium', 'no Chromium (apt-get install chromium, or set MXRAY_CHROMIUM)');
  if (!server) throw new Error('the server did not start');
}

describe('mxray serve --auth: sign in, run a job, History, sign out', () => {
  it('History and writes need a signed-in user; alice signs in, runs a test, finds it in History, signs out', async (context) => {
    need(context);
    const w = await newPage(web!.browser);
    const { page } = w;
    try {
      // A stranger: History asks to sign in, and lists nothing.
      await page.goto(`${server!.url}/history`);
      await expect.poll(() => textOf(page.getByTestId('alert').first()), { timeout: T }).toContain('sign in first');
      expect(await page.getByTestId('history-table').locator('tbody tr').count()).toBe(0);
      // The check page says so before the server refuses.
      await page.goto(`${server!.url}/check`);
      await expect.poll(() => textOf(page.getByTestId('write-notice')), { timeout: T }).toContain('to run tests on this server');
      const refused = await page.request.post(`${server!.url}/api/v1/jobs/check`, { data: { target: 'good.mxray.test' }, headers: { origin: server!.url } });
      expect(refused.status()).toBe(401);

      // A wrong password.
      await page.goto(`${server!.url}/login?next=/history`);
      await page.getByTestId('login-user').fill('alice');
      await page.getByTestId('login-password').fill('not the password');
      await page.getByTestId('login-submit').click();
      await expect.poll(() => textOf(page.getByTestId('login-form').getByTestId('alert')), { timeout: T }).not.toBe('');
      expect(new URL(page.url()).pathname).toBe('/login');

      // The right one: back to History, now allowed.
      await page.getByTestId('login-password').fill(PASSWORD);
      await page.getByTestId('login-submit').click();
      await expect.poll(() => new URL(page.url()).pathname, { timeout: T }).toBe('/history');
      await expect.poll(() => textOf(page.locator('header.top .account')), { timeout: T }).toContain('alice');
      expect(await page.getByTestId('alert').first().isVisible()).toBe(false);

      // A job, through the page (the cookie and the CSRF header).
      await page.goto(`${server!.url}/check`);
      await page.getByTestId('check-target').fill('expired.mxray.test');
      await page.getByTestId('check-submit').click();
      await page.waitForURL(REPORT_URL, { timeout: T });
      await expect.poll(() => textOf(page.getByTestId('report')), { timeout: T }).toContain('expired.mxray.test');
      expect(await textOf(page.locator('.report-meta'))).toContain('by alice');
      const reportPath = new URL(page.url()).pathname;

      // History lists it.
      await page.goto(`${server!.url}/history`);
      const row = page.getByTestId('history-table').locator('tbody tr', { hasText: 'expired.mxray.test' });
      await row.first().waitFor({ state: 'visible', timeout: T });
      expect(await row.first().locator('a').getAttribute('href')).toBe(reportPath);

      // Sign out: History asks again.
      await page.getByTestId('logout').click();
      await expect.poll(() => textOf(page.locator('header.top .account')), { timeout: T }).not.toContain('alice');
      await page.goto(`${server!.url}/history`);
      await expect.poll(() => textOf(page.getByTestId('alert').first()), { timeout: T }).toContain('sign in first');
      // The report itself stays readable by its link.
      await page.goto(`${server!.url}${reportPath}`);
      await expect.poll(() => textOf(page.getByTestId('report')), { timeout: T }).toContain('expired.mxray.test');
      expect(w.errors).toEqual([]);
    } finally {
      await w.context.close();
    }
  });
});
