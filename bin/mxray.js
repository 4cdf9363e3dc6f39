#!/usr/bin/env node
// Entry point. `--version` answers without loading the CLI (start-up budget: ≤ 1.2× `node -e 0`).
// Nothing here calls process.exit(): it would cut output still queued for a slow reader. Setting
// exitCode lets Node end once standard output has drained.
const args = process.argv.slice(2);
// Failures of our own output are handled where it is written (dist/cli/stdout.js, the callback
// below); these listeners only keep an 'error' event from becoming a crash with a stack trace.
// A failing stderr leaves nowhere to report anything.
process.stdout.on('error', () => {});
process.stderr.on('error', () => {});
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  const { VERSION } = await import('../dist/core/version.js');
  process.stdout.write(`${VERSION}\n`, (err) => {
    // EPIPE: the reader is gone, quietly (as `main` does). Anything else: one line, exit 4.
    if (err && err.code !== 'EPIPE') {
      process.stderr.write(`mxray: cannot write output: ${err.code ?? err.message}\n`);
      process.exitCode = 4;
    }
  });
} else {
  const { main } = await import('../dist/cli-bundle/main.js');
  process.exitCode = await main(args);
}
