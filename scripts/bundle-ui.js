#!/usr/bin/env node
// Bundles the web UI of `mxray serve` (web-ui/) into dist/web-ui/: app.js (web-ui/src/main.ts,
// one minified script, no framework), app.css and index.html copied as they are. The server
// serves them as /assets/app.js, /assets/app.css and index.html for every page path. Prints
// each file's size (the page-weight budget: the receiver-test page under 200 KB).
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'dist/web-ui');
rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
await build({
  entryPoints: [join(root, 'web-ui/src/main.ts')],
  outfile: join(outdir, 'app.js'),
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  legalComments: 'none',
  charset: 'utf8',
  logLevel: 'warning',
});
for (const name of ['index.html', 'app.css']) copyFileSync(join(root, 'web-ui', name), join(outdir, name));
let total = 0;
for (const name of ['index.html', 'app.js', 'app.css']) {
  const file = join(outdir, name);
  const size = statSync(file).size;
  total += size;
  const gz = gzipSync(readFileSync(file)).length;
  console.log(`dist/web-ui/${name}: ${(size / 1024).toFixed(1)} KB (${(gz / 1024).toFixed(1)} KB gzipped)`);
}
console.log(`dist/web-ui: ${(total / 1024).toFixed(1)} KB in all`);
