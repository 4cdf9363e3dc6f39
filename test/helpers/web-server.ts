// `mxray serve` for browser tests: the BUILT command (node bin/mxray.cjs serve …) as a child
// process on 127.0.0.1 with a port of its own choosing, its store a fresh SQLite file in a
// temporary folder (or the PostgreSQL URL given), plus whatever options the test adds. The URL
// comes from its stdout line "mxray serve: http://127.0.0.1:PORT/"; the sender test's listener
// (the demo starts one) from "sender  SMTP 127.0.0.1:PORT". stop() sends SIGTERM to that pid and
// waits for the exit (SIGKILL after a while), then removes the folder.
//
// Also: Chromium for these tests (playwright-core, Debian's binary), and a page wrapper that
// records dialogs, page errors, console errors and CSP violations.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { BIN } from './cli.js';
import { findChromium } from './chromium.js';

const START_TIMEOUT_MS = 45_000;
const STOP_TIMEOUT_MS = 15_000;

export interface WebServer {
  /** "http://127.0.0.1:PORT" (no trailing slash). */
  url: string;
  /** The sender test's SMTP listener, when the server runs one. */
  sender: { address: string; port: number } | null;
  /** Everything the server wrote so far (stdout and stderr). */
  output(): string;
  pid: number;
  stop(): Promise<void>;
}

export interface WebServerOptions {
  /** A postgres:// URL; else a fresh SQLite file in the server's temporary folder. */
  store?: string;
  /** More options after `serve --listen 127.0.0.1:0 --store …`. */
  args?: string[];
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Starts `mxray serve`; resolves once it printed its URL (and the sender line, when it has one). */
export async function startWebServer(options: WebServerOptions = {}): Promise<WebServer> {
  const dir = mkdtempSync(join(tmpdir(), 'mxray-web-'));
  const store = options.store ?? join(dir, 'mxray.db');
  const args = [BIN, 'serve', '--listen', '127.0.0.1:0', '--store', store, ...(options.args ?? [])];
  const child = spawn(process.execPath, args, { env: { ...process.env, NO_COLOR: '1', HOME: dir, XDG_DATA_HOME: dir }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (chunk: Buffer): void => {
    if (out.length < 1_000_000) out += chunk.toString('utf8');
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const onExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', onExit);
  const stop = async (): Promise<void> => {
    process.removeListener('exit', onExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await exited(child);
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`mxray serve printed no URL within ${START_TIMEOUT_MS / 1000} s: ${out.slice(-2000)}`)), START_TIMEOUT_MS);
      const look = (): void => {
        const m = /^mxray serve: (http:\/\/127\.0\.0\.1:\d+)\/$/m.exec(out);
        // The lines after the URL come in the same write burst; "Ctrl-C stops" is the last one.
        if (m && /^Ctrl-C stops the server\.$/m.test(out)) {
          clearTimeout(timer);
          resolve(m[1] as string);
        }
      };
      child.stdout!.on('data', look);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`mxray serve exited (${code ?? signal}) before printing its URL: ${out.slice(-2000)}`));
      });
      look();
    });
    const s = /^ {2}sender {2}SMTP (127\.0\.0\.1):(\d+) /m.exec(out);
    return { url, sender: s ? { address: s[1] as string, port: Number(s[2]) } : null, output: () => out, pid: child.pid!, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The flags every browser test launches Debian's Chromium with. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface WebBrowser {
  browser: Browser;
  dir: string;
  close(): Promise<void>;
}

/** Launches Chromium (null when this machine has none: the caller skips, see skip.ts). */
export async function launchChromium(): Promise<WebBrowser | null> {
  const executablePath = findChromium();
  if (!executablePath) return null;
  const dir = mkdtempSync(join(tmpdir(), 'mxray-chromium-'));
  // playwright-core gives every launch a new profile folder of its own (it refuses --user-data-dir).
  const browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, downloadsPath: dir });
  return {
    browser,
    dir,
    async close() {
      await browser.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What a page did that a test of hostile input must see nothing of. */
export interface Watched {
  page: Page;
  context: BrowserContext;
  dialogs: string[];
  errors: string[];
  consoleErrors: string[];
  /** CSP violations seen in the page (securitypolicyviolation events), "directive blocked-uri". */
  csp(): Promise<string[]>;
}

// Runs before the page's own script (injected by the browser, not by the page: the CSP does not apply).
const INIT = `
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => { window.__csp.push(e.violatedDirective + ' ' + e.blockedURI); });
`;

/** A new context (no cookies: a stranger with the link) and page, 1280×800, light scheme. */
export async function newPage(browser: Browser, extraInit = ''): Promise<Watched> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light', acceptDownloads: true });
  await context.addInitScript(INIT + extraInit);
  const page = await context.newPage();
  const w: Watched = {
    page,
    context,
    dialogs: [],
    errors: [],
    consoleErrors: [],
    csp: async () => {
      const seen: string[] = [];
      for (const p of context.pages()) seen.push(...((await p.evaluate('window.__csp || []').catch(() => [])) as string[]));
      return seen;
    },
  };
  page.on('dialog', (d) => {
    w.dialogs.push(d.message());
    void d.dismiss().catch(() => undefined);
  });
  page.on('pageerror', (e) => w.errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') w.consoleErrors.push(m.text());
  });
  return w;
}

/** Where screenshots go (MXRAY_SCREENSHOTS), or null: none taken. */
export function screenshotDir(): string | null {
  return process.env.MXRAY_SCREENSHOTS || null;
}

/** Saves a PNG of the page (the viewport, 1280×800) as <MXRAY_SCREENSHOTS>/<name>.png when asked. */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = screenshotDir();
  if (!dir) return;
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: false });
}

/** The visible text of every element a locator matches (none: ''), for expect.poll. */
export async function textOf(locator: Locator): Promise<string> {
  const texts = await locator.evaluateAll((els) => els.map((e) => (e as { innerText?: string }).innerText ?? e.textContent ?? ''));
  return texts.join('\n');
}
