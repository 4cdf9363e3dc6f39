// `mxray serve --demo` in a real browser (Debian's Chromium, driven by playwright-core), on both
// stores: an SQLite file and a PostgreSQL server of the test's own. Each page's main flow against
// the demo lab: a receiver test whose transcript arrives live and becomes the report (a permalink
// a stranger can open; downloads as JSON, HTML and Markdown), a pasted header (hop table and delay
// chart), an uploaded certificate, the sender test end to end with `mxray send`, Explain, Logs,
// Posture, and History's search and certificate expiry timeline.
// With MXRAY_SCREENSHOTS=<dir>, the SQLite run saves the README's screenshots there.
// Skips with the reason when Chromium (or PostgreSQL) is missing; fails instead where
// MXRAY_TEST_REQUIRE names it.
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import { createSelfSigned } from '../../src/demo/test-pki.js';
import { startScriptedServer, reply, verbOf, type ScriptedServer } from '../../src/demo/scripted-server.js';
import { runMxray } from '../helpers/cli.js';
import { hasPostgres, postgresMissing, startPostgres, type PostgresServer } from '../helpers/postgres.js';
import { skipWithout } from '../helpers/skip.js';
import { launchChromium, newPage, screenshot, startWebServer, textOf, type WebBrowser, type WebServer } from '../helpers/web-server.js';

const T = 30_000;
const REPORT_URL = /\/reports\/[A-Za-z0-9_-]{10,64}$/;

let web: WebBrowser | null = null;

beforeAll(async () => {
  web = await launchChromium();
}, 60_000);

afterAll(async () => {
  await web?.close();
});

function needChromium(context: TestContext): WebBrowser {
  if (!web) skipWithout(context, 'chromium', 'no Chromium (apt-get install chromium, or set MXRAY_CHROMIUM)');
  return web;
}

/** A Received chain of two hops: a clear-text one between organisations (Postfix writes ESMTPS for TLS), then one with TLS, 20 s later. */
const HEADER = [
  'Received: from mx2.example.test (mx2.example.test [192.0.2.20]) by mx3.example.test with ESMTPS id B3; Mon, 30 Nov 2026 07:00:30 +0000',
  'Received: from mail.sender.test (mail.sender.test [192.0.2.10]) by mx2.example.test (Postfix) with ESMTP id A2; Mon, 30 Nov 2026 07:00:10 +0000',
  'Subject: quarterly numbers',
  'From: alice@sender.test',
  'To: bob@example.test',
  '',
].join('\n');

const POSTFIX_LOG = [
  'Nov 30 09:00:00 mx3 postfix/smtp[2801]: Verified TLS connection established to mx1.example.net[203.0.113.31]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)',
  'Nov 30 09:00:01 mx3 postfix/smtp[2801]: 7A6S5D4F3G: to=<oz@example.net>, relay=mx1.example.net[203.0.113.31]:25, delay=0.3, delays=0/0/0.2/0.1, dsn=2.0.0, status=sent (250 2.0.0 Ok)',
  'Nov 30 09:00:02 mx3 postfix/smtp[2802]: 8B7S6D5F4G: to=<ann@plain.example>, relay=mx.plain.example[198.51.100.7]:25, delay=0.3, delays=0/0/0.2/0.1, dsn=2.0.0, status=sent (250 2.0.0 Ok)',
  '',
].join('\n');

/** Records, in the page, the first moment the live transcript shows a line: whether a report was there yet, the status, the path. */
const LIVE_WATCH = `
window.__live = null;
new MutationObserver(() => {
  if (window.__live) return;
  const lines = document.querySelectorAll('[data-testid=live-transcript] li');
  if (!lines.length) return;
  const status = document.querySelector('[data-testid=job-status]');
  window.__live = { lines: lines.length, first: lines[0].textContent, report: !!document.querySelector('[data-testid=report]'), status: status ? status.textContent : null, path: location.pathname };
}).observe(document, { childList: true, subtree: true, characterData: true });
`;

interface Live {
  lines: number;
  first: string;
  report: boolean;
  status: string | null;
  path: string;
}

/** A job through the API (as a script would), waiting for its end: the finished job. */
async function apiJob(server: WebServer, kind: string, params: Record<string, unknown>): Promise<{ reportId: string; verdict: string }> {
  const r = await fetch(`${server.url}/api/v1/jobs/${kind}?wait=30`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(params) });
  const job = (await r.json()) as { status: string; reportId: string; verdict: string };
  expect(r.status, JSON.stringify(job)).toBe(200);
  expect(job.status).toBe('done');
  return job;
}

/**
 * A loopback SMTP server whose first session holds its answer to EHLO until `release()`: the job
 * is running for as long as the test wants, so "while it runs" is a state, not a race.
 */
async function gatedServer(): Promise<{ server: ScriptedServer; release: () => void }> {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const server = await startScriptedServer({
    greeting: () => [reply(220, 'mx.gated.test ESMTP ready')],
    async command(line, conn) {
      const verb = verbOf(line);
      if (verb === 'EHLO') {
        if (conn.id === 1) await gate;
        return [reply(250, 'mx.gated.test', 'PIPELINING', '8BITMIME', 'SIZE 10240000')];
      }
      if (verb === 'QUIT') return [reply(221, 'bye'), { type: 'close' }];
      return [reply(250, 'ok')];
    },
  });
  return { server, release };
}

const STORES = [{ store: 'sqlite' }, { store: 'postgres' }] as const;

describe.each(STORES)('mxray serve --demo, every page in Chromium, store $store', ({ store }) => {
  let pg: PostgresServer | null = null;
  let server: WebServer | null = null;
  /** Screenshots once, from the SQLite run. */
  const shots = store === 'sqlite';

  beforeAll(async () => {
    if (!web) return;
    if (store === 'postgres') {
      if (!hasPostgres()) return;
      pg = await startPostgres();
    }
    server = await startWebServer({ args: ['--demo'], ...(pg ? { store: pg.url } : {}) });
  }, 90_000);

  afterAll(async () => {
    await server?.stop();
    await pg?.stop();
  });

  function need(context: TestContext): WebServer {
    needChromium(context);
    if (store === 'postgres' && !pg) skipWithout(context, 'postgres', postgresMissing() ?? 'no PostgreSQL');
    if (!server) throw new Error('the server did not start');
    return server;
  }

  it('receiver test of a lab domain: the transcript streams in while the job runs, then the report at a permalink a stranger can open, downloadable', async (context) => {
    const srv = need(context);
    const w = await newPage(web!.browser, LIVE_WATCH);
    const { page } = w;
    try {
      await page.goto(`${srv.url}/check`);
      await page.getByTestId('check-target').fill('expired.mxray.test');
      await page.getByTestId('check-submit').click();
      await page.waitForURL(REPORT_URL, { timeout: T });
      const report = page.getByTestId('report');
      await expect.poll(() => textOf(report), { timeout: T }).toContain('FAIL');
      await expect.poll(() => textOf(report), { timeout: T }).toContain('mx.expired.mxray.test');
      // The top bar marks the page the report belongs to.
      await expect.poll(() => page.locator('#nav-links a[aria-current="page"]').first().getAttribute('href'), { timeout: T }).toBe('/check');
      // The job page showed transcript lines (the lab server's banner among them) before any report existed.
      const live = (await page.evaluate('window.__live')) as Live | null;
      expect(live, 'no transcript line was ever drawn on the job page').not.toBeNull();
      expect(live!.path).toMatch(/^\/jobs\/[A-Za-z0-9_-]+$/);
      expect(live!.report).toBe(false);
      expect(live!.lines).toBeGreaterThan(0);
      const reportUrl = page.url();
      if (shots) await screenshot(page, 'web-receiver-report');
      const text = await report.innerText();
      expect(w.errors).toEqual([]);
      expect(await w.csp()).toEqual([]);

      // The permalink in a fresh context (no cookies, no history): the same report.
      const stranger = await newPage(web!.browser);
      try {
        await stranger.page.goto(reportUrl);
        await expect.poll(() => textOf(stranger.page.getByTestId('report')), { timeout: T }).toContain('FAIL');
        expect(await stranger.page.getByTestId('report').innerText()).toBe(text);
        // The downloads: JSON, HTML and Markdown of that report.
        const get = async (testid: string) => {
          const href = await stranger.page.getByTestId(testid).getAttribute('href');
          expect(href).toBeTruthy();
          const r = await stranger.context.request.get(new URL(href!, reportUrl).href);
          expect(r.status()).toBe(200);
          return { type: r.headers()['content-type'] ?? '', disposition: r.headers()['content-disposition'] ?? '', body: await r.text() };
        };
        const json = await get('download-json');
        expect(json.type).toMatch(/^application\/json/);
        expect(json.disposition).toMatch(/attachment/);
        const doc = JSON.parse(json.body) as { kind: string; verdict: string; target: { input?: string } | string };
        expect(doc.kind).toBe('receiver');
        expect(doc.verdict).toBe('fail');
        expect(json.body).toContain('expired.mxray.test');
        const html = await get('download-html');
        expect(html.type).toMatch(/^text\/html/);
        expect(html.body).toMatch(/^<!doctype html>/i);
        expect(html.body).toContain('expired.mxray.test');
        const md = await get('download-md');
        expect(md.type).toMatch(/^text\/markdown/);
        expect(md.body).toMatch(/^# /);
        expect(md.body).toContain('expired.mxray.test');
      } finally {
        await stranger.context.close();
      }
    } finally {
      await w.context.close();
    }
  });

  it('the live job page: a held session shows its lines and "Running" with no report, then becomes the report when released', async (context) => {
    const srv = need(context);
    const gated = await gatedServer();
    const w = await newPage(web!.browser);
    const { page } = w;
    try {
      await page.goto(`${srv.url}/check`);
      await page.getByTestId('check-target').fill(`127.0.0.1:${gated.server.port}`);
      await page.getByTestId('check-submit').click();
      await page.waitForURL(/\/jobs\/[A-Za-z0-9_-]+$/, { timeout: T });
      const transcript = page.getByTestId('live-transcript');
      await expect.poll(() => textOf(transcript), { timeout: T }).toContain('mx.gated.test ESMTP ready');
      await expect.poll(() => textOf(transcript), { timeout: T }).toContain('EHLO');
      await expect.poll(() => textOf(page.getByTestId('job-status')), { timeout: T }).toBe('Running');
      expect(await page.getByTestId('report').count()).toBe(0);
      if (shots) await screenshot(page, 'web-receiver-live');
      gated.release();
      await page.waitForURL(REPORT_URL, { timeout: T });
      await expect.poll(() => textOf(page.getByTestId('report')), { timeout: T }).toContain('STARTTLS');
      expect(w.errors).toEqual([]);
    } finally {
      gated.release();
      await w.context.close();
      await gated.server.stop();
    }
  });

  it('re-run a report, then compare it with the previous run', async (context) => {
    const srv = need(context);
    const first = await apiJob(srv, 'check', { target: 'self-signed.mxray.test' });
    const w = await newPage(web!.browser);
    const { page } = w;
    try {
      await page.goto(`${srv.url}/reports/${first.reportId}`);
      await page.getByTestId('rerun').click();
      await expect.poll(() => page.url(), { timeout: T }).not.toContain(first.reportId);
      await page.waitForURL(REPORT_URL, { timeout: T });
      await expect.poll(() => textOf(page.getByTestId('report')), { timeout: T }).toContain('self-signed.mxray.test');
      const compare = page.getByTestId('compare-previous');
      await compare.waitFor({ state: 'visible', timeout: T });
      expect(await compare.getAttribute('href')).toMatch(new RegExp(`^/compare/${first.reportId}/[A-Za-z0-9_-]+$`));
      await compare.click();
      const verdicts = page.getByTestId('compare-verdict');
      await verdicts.waitFor({ state: 'visible', timeout: T });
      await expect.poll(() => textOf(verdicts.locator('tbody tr')), { timeout: T }).toMatch(/Before[\s\S]*FAIL[\s\S]*After[\s\S]*FAIL/i);
      await expect.poll(() => textOf(page.getByTestId('compare-findings')), { timeout: T }).toContain('The same findings in both runs.');
      expect(w.errors).toEqual([]);
    } finally {
      await w.context.close();
    }
  });

  it('send & enforce: a test message to a lab domain, and its enforcement test, each reach a report', async (context) => {
    const srv = need(context);
    const w = await newPage(web!.browser);
    const { page } = w;
    try {
      await page.goto(`${srv.url}/send`);
      await page.getByTestId('send-target').fill('good.mxray.test');
      await page.getByTestId('send-to').fill('postmaster@good.mxray.test');
      await page.getByTestId('send-submit').click();
      await page.waitForURL(REPORT_URL, { timeout: T });
      await expect.poll(() => textOf(page.getByTestId('report')), { timeout: T }).toContain('good.mxray.test');
      // The lab's servers take the envelope and refuse every message at its end, by design.
      expect(await textOf(page.getByTestId('report'))).toContain('it accepts no messages');

      await page.goto(`${srv.url}/send`);
      await page.getByTestId('enforce-target').fill('requires-tls.mxray.test');
      await page.getByTestId('enforce-submit').click();
      await page.waitForURL(REPORT_URL, { timeout: T });
      await expect.poll(() => textOf(page.getByTestId('report')), { timeout: T }).toContain('requires-tls.mxray.test');
      expect(w.errors).toEqual([]);
    } finally {
      await w.context.close();
    }
  });

  it('headers: a pasted Received chain gives the hop table and the delay chart', async (context) => {
    const srv = need(context);
    const w = await newPage(web!.browser);
    const { page } = w;
    try {
      await page.goto(`${srv.url}/headers`);
      await page.getByTestId('headers-form-text').fill(HEADER);
      await page.getByTestId('headers-form-submit').click();
      await page.waitForURL(REPORT_URL, { timeout: T });
      const report = page.getByTestId('report');
      await expect.poll(() => textOf(report), { timeout: T }).toContain('quarterly numbers');
      const rows = report.locator('table.summary tbody tr');
      await expect.poll(() => rows.count(), { timeout: T }).toBe(2);
      await expect.poll(() => textOf(rows.nth(0)), { timeout: T }).toContain('mail.sender.test');
      expect(await textOf(rows.nth(0))).toContain('clear text');
      await expect.poll(() => textOf(rows.nth(1)), { timeout: T }).toContain('20 s');
      const chart = report.locator('figure.hop-chart svg.bars');
      await chart.waitFor({ state: 'visible', timeout: T });
      await expect.poll(() => chart.locator('rect.bar').count(), { timeout: T }).toBe(1);
      expect(w.errors).toEqual([]);
      if (shots) {
        // The hop table and the whole delay chart in view, the lines above them as far as they fit.
        await page.evaluate(`(() => { const f = document.querySelector('figure.hop-chart'); window.scrollTo(0, f.getBoundingClientRect().bottom + window.scrollY - 790); })()`);
        await screenshot(page, 'web-headers');
      }
    } finally {
      await w.context.close();
    }
  });

  it('certificate: an uploaded PEM gives its report', async (context) => {
    const srv = need(context);
    const cert = await createSelfSigned({ commonName: 'mx.upload.test', dnsNames: ['mx.upload.test'] }, systemClock.now());
    const w = await newPage(web!.browser);
    const { page } = w;
    try {
      await page.goto(`${srv.url}/cert`);
      await page.getByTestId('cert-file-form-file').setInputFiles({ name: 'upload.pem', mimeType: 'application/x-pem-file', buffer: Buffer.from(cert.certPem) });
      await page.getByTestId('cert-file-form-submit').click();
      await page.waitForURL(REPORT_URL, { timeout: T });
      const report = page.getByTestId('report');
      await expect.poll(() => textOf(report), { timeout: T }).toContain('mx.upload.test');
      await expect.poll(() => textOf(report), { timeout: T }).toMatch(/self-signed/i);
      expect(w.errors).toEqual([]);
    } finally {
      await w.context.close();
    }
  });

  it('sender test end to end: New test, `mxray send` to the address, the page becomes the report', async (context) => {
    const srv = need(context);
    expect(srv.sender, 'the demo prints its sender listener').not.toBeNull();
    const w = await newPage(web!.browser);
    const { page } = w;
    try {
      await page.goto(`${srv.url}/sender-test`);
      await page.getByTestId('sender-new').click();
      const addressEl = page.getByTestId('sender-address');
      await expect.poll(() => textOf(addressEl), { timeout: T }).toMatch(/^test-[A-Za-z0-9_-]+@sendertest\.mxray\.test$/);
      await expect.poll(() => textOf(page.getByTestId('sender-status')), { timeout: T }).toContain('Waiting');
      const address = (await addressEl.textContent())!.trim();
      if (shots) await screenshot(page, 'web-sender-test');
      const sent = await runMxray(['send', '--host', '127.0.0.1', '--port', String(srv.sender!.port), '--to', address, '--from', 'alice@client.mxray.test', '--helo', 'client.mxray.test', '--tls', 'opportunistic', '--verify', 'none']);
      expect(sent.code, sent.stdout + sent.stderr).toBe(0);
      await page.waitForURL(REPORT_URL, { timeout: T });
      const report = page.getByTestId('report');
      await expect.poll(async () => (await textOf(report)) || (await textOf(page.locator('main'))), { timeout: T }).toContain('client.mxray.test');
      expect(w.errors).toEqual([]);
    } finally {
      await w.context.close();
    }
  });

  it('explain, logs and posture each reach a report', async (context) => {
    const srv = need(context);
    const w = await newPage(web!.browser);
    const { page } = w;
    try {
      await page.goto(`${srv.url}/explain`);
      await page.getByTestId('explain-form-text').fill('550 5.7.1 Service unavailable; client [192.0.2.1] blocked using zen.spamhaus.org');
      await page.getByTestId('explain-form-submit').click();
      await page.waitForURL(REPORT_URL, { timeout: T });
      await expect.poll(() => textOf(page.getByTestId('report')), { timeout: T }).toContain('5.7.1');

      await page.goto(`${srv.url}/logs`);
      await page.getByTestId('logs-form-file').setInputFiles({ name: 'maillog', mimeType: 'text/plain', buffer: Buffer.from(POSTFIX_LOG) });
      await page.getByTestId('logs-form-submit').click();
      await page.waitForURL(REPORT_URL, { timeout: T });
      const logs = page.getByTestId('report');
      await expect.poll(() => textOf(logs), { timeout: T }).toContain('example.net');
      await expect.poll(() => textOf(logs), { timeout: T }).toContain('plain.example');

      await page.goto(`${srv.url}/posture`);
      await page.getByTestId('posture-domain').fill('good.mxray.test');
      await page.getByTestId('posture-submit').click();
      await page.waitForURL(REPORT_URL, { timeout: T });
      const posture = page.getByTestId('report');
      await expect.poll(() => textOf(posture), { timeout: T }).toContain('good.mxray.test');
      await expect.poll(() => textOf(posture), { timeout: T }).toContain('MTA-STS');
      expect(w.errors).toEqual([]);
    } finally {
      await w.context.close();
    }
  });

  it('history: search by domain and by verdict lists the matching rows only; the expiry timeline has a row per host', async (context) => {
    const srv = need(context);
    // A few more receiver tests, as a script would start them.
    for (const d of ['expired', 'good', 'backup-mx', 'expiring-soon']) await apiJob(srv, 'check', { target: `${d}.mxray.test` });
    const certs = (await (await fetch(`${srv.url}/api/v1/certificates`)).json()) as { host: string }[] | { certificates: { host: string }[] };
    const points = Array.isArray(certs) ? certs : certs.certificates;
    const hosts = new Set(points.map((p) => p.host));
    expect(hosts).toContain('mx.good.mxray.test');
    expect(hosts).toContain('mx.expiring-soon.mxray.test');

    const w = await newPage(web!.browser);
    const { page } = w;
    try {
      await page.goto(`${srv.url}/history`);
      const table = page.getByTestId('history-table');
      const rows = table.locator('tbody tr');
      await rows.first().waitFor({ state: 'visible', timeout: T });
      const all = await rows.count();
      expect(all).toBeGreaterThanOrEqual(4);
      // The timeline: one row per host whose certificate any report saw.
      const timeline = page.locator('svg[data-testid=timeline]');
      await timeline.waitFor({ state: 'visible', timeout: T });
      await expect.poll(() => timeline.locator('g.row').count(), { timeout: T }).toBe(Math.min(hosts.size, 40));
      await expect.poll(() => textOf(timeline), { timeout: T }).toContain('mx.good.mxray.test');
      if (shots) await screenshot(page, 'web-history');

      // By domain text.
      await page.getByTestId('history-q').fill('expiring-soon');
      await page.getByTestId('history-submit').click();
      await expect.poll(() => page.url(), { timeout: T }).toMatch(/\/history\?q=expiring-soon/);
      await expect.poll(() => rows.count(), { timeout: T }).toBe(1);
      await expect.poll(() => textOf(rows.first()), { timeout: T }).toContain('expiring-soon.mxray.test');

      // By verdict: every row a fail, and fewer than all.
      await page.getByTestId('history-q').fill('');
      await page.getByTestId('history-search').locator('select[name=verdict]').selectOption('fail');
      await page.getByTestId('history-submit').click();
      await expect.poll(() => page.url(), { timeout: T }).toMatch(/verdict=fail/);
      const verdicts = () => rows.evaluateAll((trs) => trs.map((tr) => tr.querySelectorAll('td')[3]?.textContent ?? ''));
      await expect.poll(async () => [...new Set(await verdicts())], { timeout: T }).toEqual(['fail']);
      const fails = await rows.count();
      expect(fails).toBeLessThan(all);
      expect(await textOf(table)).toContain('expired.mxray.test');
      expect(await textOf(table)).not.toContain('backup-mx.mxray.test');
      // And the two together: the lab's backup-mx domain (a warn) has no failed report.
      await page.getByTestId('history-q').fill('backup-mx');
      await page.getByTestId('history-submit').click();
      await page.getByText('No reports match.').waitFor({ state: 'visible', timeout: T });
      await expect.poll(() => rows.count(), { timeout: T }).toBe(0);
      expect(w.errors).toEqual([]);
    } finally {
      await w.context.close();
    }
  });
});
