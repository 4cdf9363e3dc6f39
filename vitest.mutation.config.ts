import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

// The suite as Stryker runs it: the tests that import src/ directly. Tests that run the bundled
// CLI in a child process (dist/) cannot see a mutant in src/, so they would only cost time.
// The hostile-server suite waits out real time-outs (seconds per test) and covers most of src/,
// so every surviving mutant would pay for all of it: it runs in `npm test`, and the behaviours it
// guards are pinned by fast unit tests (in-memory streams, fake timers) that Stryker runs instead.
export default mergeConfig(base, defineConfig({
  test: {
    exclude: ['test/interop/**', 'node_modules/**', 'test/integration/cli*.test.ts', 'test/integration/*-cli.test.ts', 'test/integration/hostile.test.ts', 'test/integration/hostile-wire.test.ts', 'test/unit/core/schema.test.ts', 'test/unit/readme.test.ts', 'test/unit/cli/**', 'test/integration/html-chromium.test.ts'],
  },
}));
