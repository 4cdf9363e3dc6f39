#!/usr/bin/env node
// Writes the README's pictures of HTML reports, each rendered by the built dist/ as `--format html`
// does, shown 1000 px wide in headless Chromium (Debian's `chromium`, driven by playwright-core):
// - docs/report-html.png: the demo lab's backup-mx scenario (two MX hosts, the primary down), cut
//   after the first finding. The clock stands at 2026-11-23 10:00 UTC and the lab's random ports
//   and resolver are replaced by fixed ones, so the picture changes only when the page does.
// - docs/headers-html.png: `mxray headers` on the project's Postfix relay fixture (a content
//   filter on loopback, one hop in clear text), cut after the delay chart and timeline.
// Run after `npm run build`; MXRAY_CHROMIUM=/path/to/chromium when it is not /usr/bin/chromium.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { runDemo } = await import(join(root, 'dist/demo/run-demo.js'));
const { renderHtml } = await import(join(root, 'dist/render/html.js'));

let ticks = 0;
const clock = { now: () => Date.parse('2026-11-23T10:00:00Z'), monotonic: () => (ticks += 0.5), sleep: (ms) => new Promise((r) => setTimeout(r, ms).unref()) };
const [result] = await runDemo({ only: ['backup-mx'], clock });
let text = JSON.stringify(result.report);
for (const port of new Set(result.report.body.hosts.map((h) => h.port))) {
  text = text.replaceAll(`:${port}`, ':2525').replaceAll(`port ${port}`, 'port 2525').replaceAll(`"port":${port}`, '"port":2525');
}
text = text.replaceAll(result.report.body.dns.resolver, '127.0.0.53:53');
const html = renderHtml(JSON.parse(text), { explain: true });

const { runHeaders } = await import(join(root, 'dist/jobs/headers/run-headers.js'));
const fixture = 'test/fixtures/headers/dialects/postfix-relay-content-filter.txt';
const headersReport = await runHeaders({ inputs: [{ name: fixture, text: readFileSync(join(root, fixture), 'utf8') }], clock });
const headersHtml = renderHtml(headersReport, {});

const tmp = mkdtempSync(join(tmpdir(), 'mxray-screenshot-'));
const browser = await chromium.launch({ executablePath: process.env.MXRAY_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });

/** The page, 1000 px wide, from the top down to the end of `until` (a whole page is too big a PNG). */
async function shoot(page_html, name, until) {
  const file = join(tmp, `${name}.html`);
  writeFileSync(file, page_html);
  const page = await browser.newPage({ viewport: { width: 1000, height: 800 }, colorScheme: 'light' });
  await page.goto(pathToFileURL(file).href);
  const out = join(root, 'docs', `${name}.png`);
  const box = await page.locator(until).first().boundingBox();
  const height = Math.ceil((box?.y ?? 1200) + (box?.height ?? 0) + 24);
  await page.screenshot({ path: out, fullPage: true, clip: { x: 0, y: 0, width: 1000, height } });
  await page.close();
  process.stdout.write(`wrote docs/${name}.png (${Math.round(statSync(out).size / 1024)} KB)\n`);
}

try {
  await shoot(html, 'report-html', 'article.finding');
  await shoot(headersHtml, 'headers-html', 'figure.hop-chart');
} finally {
  await browser.close();
  rmSync(tmp, { recursive: true, force: true });
}
