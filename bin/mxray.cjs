#!/usr/bin/env node
// Entry point, CommonJS: Node starts a CommonJS script a few milliseconds sooner than an ES module,
// and every command pays that. `--version` answers without loading the CLI (start-up budget: ≤ 1.2×
// `node -e 0`).
// Nothing here calls process.exit(): it would cut output still queued for a slow reader. Setting
// exitCode lets Node end once standard output has drained.
const args = process.argv.slice(2);
/** Compile-cache files of other builds kept when a new one is written (a few commands of one or two other installs). */
const KEEP_OTHER_CACHES = 8;
// Failures of our own output are handled where it is written (dist/cli/stdout.js, the callback
// below); these listeners only keep an 'error' event from becoming a crash with a stack trace.
// A failing stderr leaves nowhere to report anything.
process.stdout.on('error', () => {});
process.stderr.on('error', () => {});
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  import('../dist/core/version.js').then(({ VERSION }) =>
    process.stdout.write(`${VERSION}\n`, (err) => {
      // EPIPE: the reader is gone, quietly (as `main` does). Anything else: one line, exit 4.
      if (err && err.code !== 'EPIPE') {
        process.stderr.write(`mxray: cannot write output: ${err.code ?? err.message}\n`);
        process.exitCode = 4;
      }
    }),
  );
} else {
  // main() reports every failure itself (one line, an exit code) and never rejects.
  loadCli()
    .main(args)
    .then((code) => {
      process.exitCode = code;
    });
}

/**
 * Loads the CLI bundle (one CommonJS script, see scripts/bundle.js) through V8's code cache, as
 * Node 22's module.enableCompileCache() would: the first run of a command compiles it and, on exit,
 * saves the compiled code (with every function that run used) under the user's cache directory;
 * later runs of the same command, build and Node skip most compiling. V8 checks that a cache fits
 * its version and the script, and refuses one that does not (then a new one is written); the file
 * name carries the build's hash, so another build never meets this one's cache (and writing a cache
 * removes those of other builds but the newest KEEP_OTHER_CACHES). Any failure to read or write the cache only costs the compiling
 * time. Off with MXRAY_COMPILE_CACHE=0, and under NODE_V8_COVERAGE: then Node's own require() loads
 * the bundle (coverage sees it as the file it is).
 */
function loadCli() {
  const { createRequire } = require('node:module');
  const file = require('node:path').join(__dirname, '../dist/cli-bundle/main.cjs');
  const env = process.env;
  if (env.MXRAY_COMPILE_CACHE === '0' || env.NODE_V8_COVERAGE) return require(file);
  const { readFileSync, mkdirSync, writeFileSync, renameSync, readdirSync, rmSync, statSync } = require('node:fs');
  // ASCII only (scripts/bundle.js makes sure): latin1 is a plain copy, where UTF-8 would be decoded.
  const source = readFileSync(file, 'latin1');
  const build = /^\/\/mxray-build ([0-9a-f]{64})\n/.exec(source)?.[1];
  if (build === undefined) return require(file);
  const { homedir } = require('node:os');
  const { dirname, join } = require('node:path');
  const vm = require('node:vm');
  const dir = env.MXRAY_CACHE_DIR || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'mxray');
  // One cache per command: each holds the functions its command runs (`check` compiles what `report` never does).
  const command = /^[a-z]{1,16}$/.test(args[0] ?? '') ? args[0] : 'other';
  const cacheFile = join(dir, `compile-${build.slice(0, 32)}-${process.version}-${process.arch}-${command}.bin`);
  let cached;
  try {
    cached = readFileSync(cacheFile);
  } catch {
    // None yet (or unreadable): this run writes one.
  }
  // CommonJS's wrapper, on the first line: line numbers (and the source map) stay right.
  const wrapped = `(function (exports, require, module, __filename, __dirname) { ${source}\n})`;
  const script = new vm.Script(wrapped, { filename: file, cachedData: cached });
  if (cached === undefined || script.cachedDataRejected) {
    process.once('exit', () => {
      try {
        const data = script.createCachedData();
        mkdirSync(dir, { recursive: true });
        // Written aside and renamed: a run starting meanwhile reads the old file or the new one, whole.
        const partial = `${cacheFile}.${process.pid}`;
        writeFileSync(partial, data);
        renameSync(partial, cacheFile);
        // A directory that only grows would be a leak: the caches of other builds go, all but the
        // newest few (two installs used in turn, a clone and a global one, keep theirs).
        const mine = `compile-${build.slice(0, 32)}-`;
        const others = readdirSync(dir)
          .filter((name) => name.startsWith('compile-') && name.endsWith('.bin') && !name.startsWith(mine))
          .map((name) => ({ name, time: statSync(join(dir, name)).mtimeMs }))
          .sort((a, b) => b.time - a.time);
        for (const { name } of others.slice(KEEP_OTHER_CACHES)) rmSync(join(dir, name), { force: true });
      } catch {
        // A read-only or full disk: the next run compiles again.
      }
    });
  }
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
  return module.exports;
}
