// The web UI's files (built by scripts/bundle-ui.js into dist/web-ui/), read once at start-up and
// served from memory: the page shell, its script and its style. Nothing else is ever read from
// disk by the server, and no path from a request reaches the file system.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '../core/errors.js';

export interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

export interface UiAssets {
  /** The page shell, served for every page path. */
  index: Asset;
  /** By path under /assets/. */
  files: ReadonlyMap<string, Asset>;
}

const FILES: readonly [name: string, type: string][] = [
  ['app.js', 'text/javascript; charset=utf-8'],
  ['app.css', 'text/css; charset=utf-8'],
];

export function asset(body: Buffer | string, type: string): Asset {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  return { body: bytes, type, etag: `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 27)}"` };
}

/** Reads the built UI from `dir` (dist/web-ui); a missing build is a one-line error that says how to make it. */
export function loadUiAssets(dir: string, extra: Record<string, Asset> = {}): UiAssets {
  const read = (name: string) => {
    try {
      return readFileSync(join(dir, name));
    } catch {
      throw new UsageError(`the web UI is not built (${join(dir, name)} is missing): run npm run build`, { helpful: false });
    }
  };
  const files = new Map<string, Asset>(FILES.map(([name, type]) => [name, asset(read(name), type)]));
  for (const [name, a] of Object.entries(extra)) files.set(name, a);
  return { index: asset(read('index.html'), 'text/html; charset=utf-8'), files };
}
