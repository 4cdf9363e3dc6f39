#!/usr/bin/env node
// Bundles the CLI (after tsc) into a few files: one module to load instead of forty saves about
// 20 ms of start-up on every `mxray` run. Dependencies stay external; the demo lab is its own
// chunk, loaded only by `mxray demo`. The library API (dist/index.js) stays as tsc wrote it.
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// MXRAY_SOURCEMAP=1 (set by scripts/coverage.js, with `tsc --sourceMap`): write linked .map files.
// esbuild composes them with tsc's maps, so they lead back to src/*.ts. The normal build has none.
const sourcemap = process.env.MXRAY_SOURCEMAP === '1' ? 'linked' : false;
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
  packages: 'external',
  logLevel: 'warning',
  sourcemap,
});
