// `mxray serve --public` in Chromium: server-side request forgery refused. The operator's own
// resolver (allowed with --public) is a loopback DNS server of the test's (rebinding-dns.ts) that
// answers loop6.evil.test AAAA ::1, priv.evil.test A 10.0.0.1, and rebind.evil.test with an A
// answer that changes from query to query. Loopback SMTP listeners of the test on 127.0.0.1,
// 127.0.0.2 and ::1 (port 2525, a port public mode allows, and port 25 when it can be bound)
// count every connection: none may arrive.
//
// The rebinding name: a real rebinding attack answers a public address first (to pass the check)
// and a private one later. The test may send nothing off this machine, so a public first answer —
// which the job would then connect to — is not an option. Every answer of rebind.evil.test is
// non-public in turn (127.0.0.2, then 127.0.0.1): whichever answer a lookup gets, at resolution
// or at connect time, it is refused, and the DNS server proves both answers were given out.
// Tried by hand on the built server: with the resolver's filter removed, the connect-time check
// alone kept the listeners silent (and the reports inconclusive, net.blocked-target, the policy
// named); with both removed, the listeners saw connections and these tests failed.
//
// Also: History on a public instance without --auth says it is not offered.
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { startRebindingDns, type RebindingDns } from '../helpers/rebinding-dns.js';
import { skipWithout } from '../helpers/skip.js';
import { launchChromium, newPage, startWebServer, textOf, type WebBrowser, type WebServer } from '../helpers/web-server.js';

const T = 30_000;
const REPORT_URL = /\/reports\/[A-Za-z0-9_-]{10,64}$/;

let web: WebBrowser | null = null;
let server: WebServer | null = null;
let dns: RebindingDns | null = null;
const listeners: Server[] = [];
/** Connections the loopback listeners accepted, as "address:port". */
const accepted: string[] = [];
/** What was listened on. */
const listening: string[] = [];

async function listen(address: string, port: number): Promise<void> {
  const s = createServer((socket) => {
    accepted.push(`${address}:${port}`);
    socket.destroy();
  });
  try {
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.listen({ host: address, port, exclusive: true }, () => resolve());
    });
    listeners.push(s);
    listening.push(`${address}:${port}`);
  } catch {
    // Port 25 needs root, and may be taken: 2525 is the one the test relies on (see below).
  }
}

beforeAll(async () => {
  web = await launchChromium();
  if (!web) return;
  dns = await startRebindingDns({
    'loop6.evil.test': { AAAA: ['::1'] },
    'priv.evil.test': { A: ['10.0.0.1'] },
    'rebind.evil.test': { A: ['127.0.0.2', '127.0.0.1'], rotate: true },
  });
  for (const port of [2525, 25]) for (const address of ['127.0.0.1', '127.0.0.2', '::1']) await listen(address, port);
  server = await startWebServer({ args: ['--public', '--resolver', `127.0.0.1:${dns.port}`] });
}, 90_000);

afterAll(async () => {
  await server?.stop();
  await dns?.stop();
  for (const s of listeners) await new Promise<void>((resolve) => s.close(() => resolve()));
  await web?.close();
});

function need(context: TestContext): void {
  if (!web) skipWithout(context, 'chromium', 'no Chromium (apt-get install chromium, or set MXRAY_CHROMIUM)');
  if (!server) throw new Error('the server did not start');
  // Without the 2525 listeners, "no connection arrived" would prove nothing.
  expect(listening).toEqual(expect.arrayContaining(['127.0.0.1:2525', '127.0.0.2:2525']));
}

describe('mxray serve --public refuses targets that are not public, in the browser', () => {
  it('IP literals 127.0.0.1 and 10.0.0.1: an alert on the check page, and no job', async (context) => {
    need(context);
    const w = await newPage(web!.browser);
    const { page } = w;
    try {
      await page.goto(`${server!.url}/check`);
      for (const [target, reason] of [
        ['127.0.0.1', 'loopback'],
        ['10.0.0.1', 'private'],
        ['127.0.0.1:2525', 'loopback'],
      ] as const) {
        await page.getByTestId('check-target').fill(target);
        await page.getByTestId('check-submit').click();
        const alert = page.getByTestId('check-form').getByTestId('alert');
        await expect.poll(() => textOf(alert), { timeout: T }).toContain(`public mode does not test ${target.replace(/:\d+$/, '')}: ${reason}`);
        expect(new URL(page.url()).pathname).toBe('/check');
      }
      expect(accepted).toEqual([]);
      expect(w.errors).toEqual([]);
    } finally {
      await w.context.close();
    }
  });

  for (const target of ['loop6.evil.test', 'priv.evil.test', 'rebind.evil.test', 'rebind.evil.test:2525']) {
    it(`${target}: the report is inconclusive and names the public-mode address policy; no connection reached loopback`, async (context) => {
      need(context);
      const w = await newPage(web!.browser);
      const { page } = w;
      try {
        await page.goto(`${server!.url}/check`);
        await page.getByTestId('check-target').fill(target);
        await page.getByTestId('check-submit').click();
        await page.waitForURL(REPORT_URL, { timeout: T });
        const report = page.getByTestId('report');
        await expect.poll(async () => (await report.allTextContents()).join('\n'), { timeout: T }).toContain('public-mode address policy');
        expect(await textOf(page.locator('.report-meta .badge'))).toMatch(/^inconclusive$/i);
        expect(accepted).toEqual([]);
        expect(w.errors).toEqual([]);
      } finally {
        await w.context.close();
      }
    });
  }

  it('the rebinding name was answered both ways, and still nothing connected', (context) => {
    need(context);
    // Both of its answers were handed out (the tests above looked it up more than once).
    expect(dns!.queries.get('rebind.evil.test A') ?? 0).toBeGreaterThanOrEqual(2);
    expect(accepted).toEqual([]);
  });

  it('History on a public instance without --auth: not offered', async (context) => {
    need(context);
    const w = await newPage(web!.browser);
    const { page } = w;
    try {
      await page.goto(`${server!.url}/history`);
      await expect.poll(() => textOf(page.getByTestId('alert').first()), { timeout: T }).toContain('History is not available here');
      expect(await page.getByTestId('history-table').locator('tbody tr').count()).toBe(0);
      const r = await page.request.get(`${server!.url}/api/v1/reports`);
      expect(r.status()).toBe(403);
    } finally {
      await w.context.close();
    }
  });
});
