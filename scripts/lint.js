#!/usr/bin/env node
// `npm run lint`: the type-check, ESLint and the pattern check, run side by side (each takes its
// own core's worth of seconds; one after another they took a minute). Each one's output is printed
// whole when it ends; the exit code is the first failure's, else 0. The type-check and ESLint keep
// their caches under node_modules/.cache (a fresh clone starts without them; a developer's second
// run checks only what changed).
import { spawn } from 'node:child_process';

const steps = [
  ['tsc', ['node_modules/typescript/bin/tsc', '--noEmit', '-p', '.', '--incremental', '--tsBuildInfoFile', 'node_modules/.cache/mxray-lint/tsbuildinfo']],
  ['eslint', ['node_modules/eslint/bin/eslint.js', '.', '--cache', '--cache-strategy', 'content', '--cache-location', 'node_modules/.cache/mxray-lint/eslint']],
  // The web UI's front end (DOM types, no Node): its own project.
  ['tsc web-ui', ['node_modules/typescript/bin/tsc', '--noEmit', '-p', 'tsconfig.web-ui.json', '--incremental', '--tsBuildInfoFile', 'node_modules/.cache/mxray-lint/tsbuildinfo-web-ui']],
  ['check-patterns', ['scripts/check-patterns.js']],
];

const results = await Promise.all(
  steps.map(
    ([name, args]) =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (out += d));
        child.on('close', (code) => {
          if (out) process.stdout.write(out.endsWith('\n') ? out : `${out}\n`);
          if (code !== 0) process.stdout.write(`lint: ${name} failed (exit ${code})\n`);
          resolve(code ?? 1);
        });
      }),
  ),
);
process.exitCode = results.find((code) => code !== 0) ?? 0;
