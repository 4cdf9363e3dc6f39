#!/usr/bin/env node
// Entry point. `--version` answers without loading the CLI (start-up budget: ≤ 1.3× `node -e 0`).
const args = process.argv.slice(2);
// `mxray demo | head`: a closed pipe ends us quietly, not with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  const { VERSION } = await import('../dist/core/version.js');
  process.stdout.write(`${VERSION}\n`);
} else {
  const { main } = await import('../dist/cli-bundle/main.js');
  process.exitCode = await main(args);
}
