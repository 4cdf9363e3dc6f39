#!/usr/bin/env node
// Entry point. `--version` answers without loading the CLI (start-up budget: ≤ 1.3× `node -e 0`).
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  const { VERSION } = await import('../dist/core/version.js');
  process.stdout.write(`${VERSION}\n`);
} else {
  const { main } = await import('../dist/cli-bundle/main.js');
  process.exitCode = await main(args);
}
