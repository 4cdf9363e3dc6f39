#!/usr/bin/env node
// Bundles the CLI (after tsc) into a few files: one module to load instead of forty saves about
// 20 ms of start-up on every `mxray` run. Dependencies stay external, except commander, which every
// command loads: bundled, Node skips resolving and wrapping its six CommonJS files (about 5 ms).
// The demo lab is its own chunk, loaded only by `mxray demo`. The library API (dist/index.js)
// stays as tsc wrote it.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// MXRAY_SOURCEMAP=1 (set by scripts/coverage.js, with `tsc --sourceMap`): write linked .map files.
// esbuild composes them with tsc's maps, so they lead back to src/*.ts. The normal build has none.
const sourcemap = process.env.MXRAY_SOURCEMAP === '1' ? 'linked' : false;
const BUNDLED = new Set(['commander']);
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const external = Object.keys(manifest.dependencies).filter((name) => !BUNDLED.has(name));
// Chunk names carry content hashes: start clean so old chunks do not pile up.
rmSync(join(root, 'dist/cli-bundle'), { recursive: true, force: true });
await build({
  entryPoints: [join(root, 'dist/cli/main.js')],
  outdir: join(root, 'dist/cli-bundle'),
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: external.flatMap((name) => [name, `${name}/*`]),
  // Bundled CommonJS (commander) calls require() for Node's built-in modules.
  banner: { js: "import { createRequire as __mxrayRequire } from 'node:module'; const require = __mxrayRequire(import.meta.url);" },
  logLevel: 'warning',
  sourcemap,
});
