// The HTML report of the demo lab in a real browser: headless Chromium (Debian's `chromium`,
// driven by playwright-core) shows it 1000 px wide without horizontal scrolling, with every
// address's details and certificate thumbprints; markup planted in what the server sent (a
// <script>, an <img onerror>, a bidi override) runs nothing and requests nothing.
// Skips with the reason when Chromium is missing, and fails instead where MXRAY_TEST_REQUIRE
// has 'chromium' (CI installs it).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import type { ReceiverReport } from '../../src/core/schema.js';
import { startLabWithDns, type RunningLab } from '../../src/demo/run-demo.js';
import { createResolver } from '../../src/dns/system-resolver.js';
import { checkReceiver } from '../../src/library.js';
import { bundledRootCertificates, createConnector } from '../../src/net/connector.js';
import { createTrustStore } from '../../src/pki/trust-store.js';
import { renderHtml } from '../../src/render/html.js';
import { findChromium } from '../helpers/chromium.js';
import { skipWithout } from '../helpers/skip.js';

const SCENARIO = 'backup-mx';
const SCRIPT = "<script>document.title='pwned'</script>";
const IMG = "<img src=x onerror=\"document.title='pwned by img'\">";
// Longer than any line: the page must wrap it, not scroll sideways.
const LONG = 'A'.repeat(400);

const executable = findChromium();
let running: RunningLab | undefined;
let browser: Browser | undefined;
let tmp: string | undefined;

beforeAll(async () => {
  if (!executable) return;
  running = await startLabWithDns({ now: systemClock.now(), only: [SCENARIO] });
  tmp = mkdtempSync(join(tmpdir(), 'mxray-chromium-'));
  browser = await chromium.launch({ executablePath: executable, args: ['--no-sandbox'] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await running?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

function needChromium(context: TestContext): void {
  if (!executable) skipWithout(context, 'chromium', 'no Chromium (apt-get install chromium, or set MXRAY_CHROMIUM)');
}

async function check(): Promise<ReceiverReport> {
  const report = await checkReceiver({
    target: `${SCENARIO}.mxray.test`,
    helo: 'client.mxray.test',
    clock: systemClock,
    resolver: createResolver({ server: running!.resolver, timeoutMs: 2000, tries: 1 }),
    connector: createConnector(systemClock),
    trustStore: createTrustStore([...bundledRootCertificates(), running!.lab.trustedCaPem], 'Mozilla roots (Node) + the demo root'),
    hostMap: running!.lab.hostMap,
    limits: { greetingTimeoutMs: 10_000, commandTimeoutMs: 10_000, connectTimeoutMs: 5000, tlsTimeoutMs: 5000 },
  });
  if (report.kind !== 'receiver') throw new Error(`unexpected kind ${report.kind}`);
  return report;
}

/** The report with markup planted where a server's words land: the banner, a finding, the transcript. */
function tamper(report: ReceiverReport): ReceiverReport {
  const t = structuredClone(report);
  const host = t.body.hosts.find((h) => h.banner)!;
  host.banner!.lines[0] = `mx ${SCRIPT} ${IMG} \u202eevil ${LONG}`;
  t.findings[0]!.detail = `${t.findings[0]!.detail} \`${SCRIPT}\` ${IMG}`;
  t.transcript[0]!.text = `${SCRIPT} ${IMG} ${LONG}`;
  return t;
}

interface Opened {
  page: Page;
  requests: string[];
  dialogs: string[];
  console: string[];
  errors: string[];
  url: string;
}

async function open(html: string, name: string): Promise<Opened> {
  const file = join(tmp!, name);
  writeFileSync(file, html);
  const page = await browser!.newPage({ viewport: { width: 1000, height: 800 } });
  const o: Opened = { page, requests: [], dialogs: [], console: [], errors: [], url: pathToFileURL(file).href };
  page.on('request', (r) => o.requests.push(r.url()));
  page.on('dialog', (d) => {
    o.dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('console', (m) => o.console.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => o.errors.push(e.message));
  await page.goto(o.url, { waitUntil: 'load' });
  return o;
}

describe('the HTML report in headless Chromium', () => {
  it('fits 1000 px without scrolling sideways, shows every address and thumbprint, and runs or fetches nothing planted in it', async (context) => {
    needChromium(context);
    const report = tamper(await check());
    const html = renderHtml(report, { verbose: true, explain: true });
    // The markup is escaped in the file itself, not merely blocked by the page's CSP.
    expect(html).not.toContain(SCRIPT);
    expect(html).not.toContain('<img');
    const o = await open(html, 'report.html');
    try {
      const { page } = o;
      const title = `${report.verdict.toUpperCase()} — ${SCENARIO}.mxray.test — mxray receiver test`;
      expect(await page.title()).toBe(title);
      // In the page (as strings: this project's TypeScript has no DOM types).
      const width = () => page.evaluate<number>('document.documentElement.scrollWidth');
      expect(await width()).toBeLessThanOrEqual(1000);

      // One collapsible section per address, then MTA-STS and TLS-RPT, and the transcript's.
      const summaries = await page.locator('details.host > summary').allTextContents();
      expect(summaries).toEqual([...report.body.hosts.map((h) => h.key), 'MTA-STS', 'TLS-RPT']);
      expect(await page.locator('details.transcript pre').count()).toBe(1);
      // Opened, everything in them fits too.
      await page.evaluate(`document.querySelectorAll('details').forEach((d) => d.setAttribute('open', ''))`);
      expect(await width()).toBeLessThanOrEqual(1000);
      const text = (await page.locator('body').innerText()).replace(/\s+/g, ' ');
      const certs = report.body.hosts.flatMap((h) => h.assessment.certificate?.sent ?? []);
      expect(certs.length).toBeGreaterThan(0);
      for (const c of certs) {
        expect(text).toContain(`SHA-256 ${c.sha256}`);
        expect(text).toContain(`SHA-1 ${c.sha1}`);
      }
      // The planted markup shows as the text it is, the bidi override as a visible escape.
      expect(text).toContain(`Banner: 220 mx ${SCRIPT} ${IMG} \\u{202e}evil`);
      expect(text).not.toContain('\u202e');
      expect(await page.locator('code', { hasText: SCRIPT }).count()).toBe(1);
      expect(await page.locator('details.transcript pre').innerText()).toContain(`${SCRIPT} ${IMG}`);

      // Nothing ran: no element made of it, the title unchanged, no dialog, no error, no console line.
      expect(await page.evaluate(`document.querySelectorAll('script, img, iframe, object, embed, link, [onerror], [src], [href]').length`)).toBe(0);
      expect(await page.title()).toBe(title);
      expect(o.dialogs).toEqual([]);
      expect(o.errors).toEqual([]);
      expect(o.console).toEqual([]);
      // Nothing fetched: the one request is the file itself.
      expect(o.requests).toEqual([o.url]);
    } finally {
      await o.page.close();
    }
  });

  it('the same page with a real <script> in it would run: the checks above can see one', async (context) => {
    needChromium(context);
    // A control for the test itself: without escaping and without the CSP, the title changes.
    const o = await open(`<!doctype html><title>mxray</title><p>${SCRIPT}`, 'control.html');
    try {
      expect(await o.page.title()).toBe('pwned');
    } finally {
      await o.page.close();
    }
  });
});
