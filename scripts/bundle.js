#!/usr/bin/env node
// Bundles the CLI (after tsc) into one CommonJS script, dist/cli-bundle/main.cjs, that bin/mxray.cjs
// compiles with V8's code cache (see there): Node 20 has no code cache for ES modules, and compiling
// our code anew on every run cost a fifth of `mxray check`'s start-up. One script instead of forty
// modules also saves resolving and linking them.
//
// Every module stays lazy: what a command imports only when it runs (its own code, the demo lab,
// the HTML and Markdown renderers, the HTTP fetcher) is compiled but not run until then, and the
// dependencies (all but commander, which every command loads, and dns-packet, which every check loads) stay external and are required only
// then. Dynamic import() becomes require(): in Node 20 a script compiled from a code cache loses its
// dynamic-import callback. The library API (dist/index.js) stays as tsc wrote it.
//
// Tests see which modules a run initialises: each lazy module's first run is pushed onto
// globalThis.__mxrayModuleTrace when that array exists (test/integration/cli-table.test.ts).
//
// The first line names the build ("//mxray-build <hash>"): bin/mxray.cjs keys the code cache by it.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// MXRAY_SOURCEMAP=1 (set by scripts/coverage.js, with `tsc --sourceMap`): write a linked .map file.
// esbuild composes it with tsc's maps, so it leads back to src/*.ts. The normal build has none.
const sourcemap = process.env.MXRAY_SOURCEMAP === '1' ? 'linked' : false;
// dns-packet too: every receiver test asks DANE's DNSSEC questions with it, so it is loaded on every check (5 ms a run without the code cache).
const BUNDLED = new Set(['commander', 'dns-packet']);
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const external = Object.keys(manifest.dependencies).filter((name) => !BUNDLED.has(name));
const outdir = join(root, 'dist/cli-bundle');
rmSync(outdir, { recursive: true, force: true });
const outfile = join(outdir, 'main.cjs');
// The build line goes first, before esbuild's output: a placeholder of the same length keeps the
// source map's line numbers right when the hash replaces it.
const PLACEHOLDER = `//mxray-build ${'0'.repeat(64)}`;
await build({
  entryPoints: [join(root, 'dist/cli/main.js')],
  outfile,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  supported: { 'dynamic-import': false },
  external: external.flatMap((name) => [name, `${name}/*`]),
  banner: { js: PLACEHOLDER },
  logLevel: 'warning',
  sourcemap,
});
const ESM_INIT = 'return fn && (res = (0, fn[__getOwnPropNames(fn)[0]])(fn = 0)), res;';
const TRACED_INIT = 'return fn && (globalThis.__mxrayModuleTrace?.push(__getOwnPropNames(fn)[0]), res = (0, fn[__getOwnPropNames(fn)[0]])(fn = 0)), res;';
const built = readFileSync(outfile, 'utf8');
if (!built.startsWith(`${PLACEHOLDER}\n`)) throw new Error(`${outfile} does not start with the build line`);
// esbuild's helper, once, near the top: another esbuild version may word it otherwise, and the build says so.
if (built.indexOf(ESM_INIT) === -1 || built.indexOf(ESM_INIT) !== built.lastIndexOf(ESM_INIT)) throw new Error(`esbuild's lazy-module helper changed: update ${ESM_INIT}`);
// Same line count: the source map stays right. esbuild writes code in ASCII (its default charset
// escapes the rest) but keeps some comments as written: their other characters become \u escapes,
// so the whole file is ASCII and bin/mxray.cjs can read it as latin1 (a copy, no UTF-8 decoding).
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const text = built.replace(ESM_INIT, TRACED_INIT).replace(/[^\x00-\x7f]/gu, (c) => [...c].map((u) => `\\u{${u.codePointAt(0).toString(16)}}`).join(''));
// eslint-disable-next-line no-control-regex -- finding control characters is the point
if (!/^[\x00-\x7f]*$/.test(text)) throw new Error(`${outfile} is not ASCII`);
const hash = createHash('sha256').update(text).digest('hex');
writeFileSync(outfile, `//mxray-build ${hash}${text.slice(PLACEHOLDER.length)}`);
