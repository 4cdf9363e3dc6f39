// Hostile text through `mxray serve` in a real browser: markup and a bidi override planted where
// strangers' words land — (a) the banner, EHLO reply and certificate of a scripted loopback SMTP
// server the receiver test reaches, seen live on the job page and then in the report; (b) a
// pasted header's Received line and Subject; (c) an uploaded certificate's subject — run nothing
// (window.__pwned stays undefined, no dialog, no CSP violation), are shown as text, and the
// U+202E override is shown neutralised, never raw, on the job page, the report and History.
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { systemClock } from '../../src/core/clock.js';
import { createSelfSigned, type IssuedCert } from '../../src/demo/test-pki.js';
import { reply, startScriptedServer, verbOf, type ScriptedServer } from '../../src/demo/scripted-server.js';
import { skipWithout } from '../helpers/skip.js';
import { launchChromium, newPage, startWebServer, textOf, type WebBrowser, type WebServer, type Watched } from '../helpers/web-server.js';

const T = 30_000;
const REPORT_URL = /\/reports\/[A-Za-z0-9_-]{10,64}$/;
const SCRIPT = '<script>window.__pwned=1</script>';
const IMG = '<img src=x onerror="window.__pwned=2">';
const RLO = '\u202e';
const PAYLOAD = `${SCRIPT} ${IMG} ${RLO}lmth.exe`;
/** U+202E shown as a visible code before `rest`: the page's ⟨U+202E⟩ or the server's \u{202e}. */
const SHOWN = (rest: string): RegExp => new RegExp(`(⟨U\\+202E⟩|\\\\u\\{202e\\})${rest.replace(/\./g, '\\.')}`, 'i');

let web: WebBrowser | null = null;
let server: WebServer | null = null;
let smtp: ScriptedServer | null = null;
let cert: IssuedCert | null = null;
let release: () => void = () => undefined;
const gate = new Promise<void>((resolve) => (release = resolve));

beforeAll(async () => {
  web = await launchChromium();
  if (!web) return;
  cert = await createSelfSigned({ commonName: `mx ${SCRIPT} ${RLO}gpj.exe`, dnsNames: ['mx.evil.test'] }, systemClock.now());
  // The first session holds its answer to STARTTLS until the test has looked at the live page.
  smtp = await startScriptedServer(
    {
      greeting: () => [reply(220, `mx.evil.test ESMTP ${PAYLOAD}`)],
      async command(line, conn) {
        const verb = verbOf(line);
        if (verb === 'EHLO') return [reply(250, `mx.evil.test greets ${IMG}`, `X-${SCRIPT}${RLO}`, 'STARTTLS')];
        if (verb === 'HELO') return [reply(250, `mx.evil.test ${SCRIPT}`)];
        if (verb === 'STARTTLS') {
          if (conn.id === 1) await gate;
          return [reply(220, 'go ahead'), { type: 'starttls' }];
        }
        if (verb === 'QUIT') return [reply(221, `bye ${SCRIPT}`), { type: 'close' }];
        return [reply(250, `ok ${IMG}`)];
      },
    },
    { tls: { key: cert.keyPem, cert: cert.certPem } },
  );
  server = await startWebServer({ args: ['--demo'] });
}, 90_000);

afterAll(async () => {
  release();
  await server?.stop();
  await smtp?.stop();
  await web?.close();
});

function need(context: TestContext): void {
  if (!web) skipWithout(context, 'chromium', 'no Chromium (apt-get install chromium, or set MXRAY_CHROMIUM)');
  if (!server) throw new Error('the server did not start');
}

/** Nothing ran, nothing was blocked by the CSP, no dialog; and the page's text has no raw U+202E. */
async function inert(w: Watched, where: string): Promise<string> {
  const { page } = w;
  expect(await page.evaluate('typeof window.__pwned'), `${where}: a planted script ran`).toBe('undefined');
  expect(w.dialogs, where).toEqual([]);
  expect(w.errors, where).toEqual([]);
  expect(await w.csp(), `${where}: the CSP had to block something the page inserted`).toEqual([]);
  const main = await textOf(page.locator('main'));
  // Every text node, in closed <details> too.
  expect((await allText(page.locator('main'))).includes(RLO), `${where}: a raw U+202E in the page's text`).toBe(false);
  // No element came from the planted markup: no <script> or <img> in the page's main part, no event handler attribute anywhere.
  expect(await page.locator('main script, main img, [onerror]').count(), where).toBe(0);
  return main;
}

/** textContent: the text of closed <details> too. */
async function allText(locator: Locator): Promise<string> {
  return (await locator.allTextContents()).join('\n');
}

async function openReport(page: Page): Promise<string> {
  await page.waitForURL(REPORT_URL, { timeout: T });
  const report = page.getByTestId('report');
  await report.waitFor({ state: 'visible', timeout: T });
  await expect.poll(() => allText(report), { timeout: T }).toContain('mx.evil.test');
  return allText(report);
}

describe('planted markup and bidi overrides stay inert text in the browser', () => {
  it('(a) a banner, EHLO reply and certificate of the tested server: on the live job page, in the report and in History', async (context) => {
    need(context);
    const w = await newPage(web!.browser);
    const { page } = w;
    try {
      await page.goto(`${server!.url}/check`);
      await page.getByTestId('check-target').fill(`127.0.0.1:${smtp!.port}`);
      await page.getByTestId('check-submit').click();
      await page.waitForURL(/\/jobs\/[A-Za-z0-9_-]+$/, { timeout: T });
      const transcript = page.getByTestId('live-transcript');
      // The live page: the banner and the EHLO reply as text, while the session is held.
      await expect.poll(() => textOf(transcript), { timeout: T }).toContain(`mx.evil.test greets ${IMG}`);
      const live = await textOf(transcript);
      expect(live).toContain(SCRIPT);
      expect(live).toMatch(SHOWN('lmth.exe'));
      await inert(w, 'the live job page');
      release();
      await page.waitForURL(REPORT_URL, { timeout: T });
      const report = page.getByTestId('report');
      // The banner and the transcript are in closed <details>: their text, shown or not.
      await expect.poll(() => allText(report), { timeout: T }).toContain('mx.evil.test ESMTP');
      const text = await allText(report);
      expect(text).toContain(SCRIPT);
      expect(text).toContain(IMG);
      // The certificate's subject, as the server presented it.
      expect(text).toContain(`mx ${SCRIPT}`);
      await inert(w, 'the receiver report');

      await page.goto(`${server!.url}/history`);
      await page.getByTestId('history-table').locator('tbody tr').first().waitFor({ state: 'visible', timeout: T });
      await inert(w, 'History');
    } finally {
      release();
      await w.context.close();
    }
  });

  it('(b) a header whose Received line and Subject carry the markup and the override', async (context) => {
    need(context);
    const w = await newPage(web!.browser);
    const { page } = w;
    const header = [
      `Received: from mail.sender.test (${SCRIPT} [192.0.2.10]) by mx.evil.test (${IMG} ${RLO}txt.exe) with SMTP id A1; Mon, 30 Nov 2026 07:00:10 +0000`,
      `Subject: ${PAYLOAD}`,
      'From: a@sender.test',
      '',
    ].join('\n');
    try {
      await page.goto(`${server!.url}/headers`);
      await page.getByTestId('headers-form-text').fill(header);
      await page.getByTestId('headers-form-submit').click();
      const text = await openReport(page);
      expect(text).toContain(SCRIPT);
      expect(text).toContain(IMG);
      const main = await inert(w, 'the headers report');
      // The Subject names the report: in its heading too, as text.
      expect(main).toContain(`${SCRIPT} ${IMG}`);
      expect(await page.title()).not.toContain(RLO);

      await page.goto(`${server!.url}/history`);
      const rows = page.getByTestId('history-table').locator('tbody tr');
      await expect.poll(() => textOf(rows), { timeout: T }).toContain('pasted header');
      await inert(w, 'History');
    } finally {
      await w.context.close();
    }
  });

  it('(c) an uploaded certificate whose subject carries the markup and the override', async (context) => {
    need(context);
    const w = await newPage(web!.browser);
    const { page } = w;
    try {
      await page.goto(`${server!.url}/cert`);
      await page.getByTestId('cert-file-form-file').setInputFiles({ name: `${RLO}mep.pem`, mimeType: 'application/x-pem-file', buffer: Buffer.from(cert!.certPem) });
      // The file name is shown as the form reads it: neutralised too.
      await expect.poll(() => textOf(page.getByTestId('cert-file-form')), { timeout: T }).toMatch(SHOWN('mep.pem'));
      await page.getByTestId('cert-file-form-submit').click();
      const text = await openReport(page);
      expect(text).toContain(`mx ${SCRIPT}`);
      expect(text).toMatch(SHOWN('gpj.exe'));
      await inert(w, 'the certificate report');
    } finally {
      await w.context.close();
    }
  });
});
