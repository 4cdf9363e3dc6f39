#!/usr/bin/env node
// Writes docs/report-html.png, the README's picture of the HTML report: the demo lab's backup-mx
// scenario (two MX hosts, the primary down), rendered by the built dist/ as `mxray check
// --format html` does, shown 1000 px wide in headless Chromium and cut after the first finding (Debian's `chromium`, driven by
// playwright-core). The clock stands at 2026-11-23 10:00 UTC and the lab's random ports and
// resolver are replaced by fixed ones, so the picture changes only when the page does.
// Run after `npm run build`; MXRAY_CHROMIUM=/path/to/chromium when it is not /usr/bin/chromium.
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
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

const tmp = mkdtempSync(join(tmpdir(), 'mxray-screenshot-'));
const browser = await chromium.launch({ executablePath: process.env.MXRAY_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const file = join(tmp, 'report.html');
  writeFileSync(file, html);
  const page = await browser.newPage({ viewport: { width: 1000, height: 800 }, colorScheme: 'light' });
  await page.goto(pathToFileURL(file).href);
  const out = join(root, 'docs/report-html.png');
  // The first screen and a little more: down to the end of the first finding (a whole page is too big a PNG).
  const box = await page.locator('article.finding').first().boundingBox();
  const height = Math.ceil((box?.y ?? 1200) + (box?.height ?? 0) + 24);
  await page.screenshot({ path: out, fullPage: true, clip: { x: 0, y: 0, width: 1000, height } });
  process.stdout.write(`wrote docs/report-html.png (${Math.round(statSync(out).size / 1024)} KB)\n`);
} finally {
  await browser.close();
  rmSync(tmp, { recursive: true, force: true });
}
