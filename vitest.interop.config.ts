import { defineConfig } from 'vitest/config';

// Interop with real MTAs from Debian's packages: run by `npm run test:interop` (root needed).
export default defineConfig({
  test: {
    include: ['test/interop/**/*.interop.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    env: { TZ: 'UTC', NO_COLOR: '1' },
    pool: 'forks',
    globalSetup: ['test/setup/state-dir.ts'],
    fileParallelism: false,
  },
});
