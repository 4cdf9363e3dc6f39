import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config.js';

// The suite as Stryker runs it: the tests that import src/ directly. Tests that run the bundled
// CLI in a child process (dist/) cannot see a mutant in src/, so they would only cost time.
export default mergeConfig(base, defineConfig({
  test: {
    exclude: ['test/interop/**', 'node_modules/**', 'test/integration/cli.test.ts', 'test/integration/hostile-cli.test.ts'],
  },
}));
