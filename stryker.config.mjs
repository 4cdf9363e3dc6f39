// Mutation testing (`npm run test:mutation`): StrykerJS 9 with its vitest runner.
// Not in CI (it takes tens of minutes); scripts/mutation.js runs it and checks the result.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  // core/schema.ts is the declarative Report contract (TypeBox); the committed-schema test guards it.
  mutate: ['src/{checks,smtp,pki,dns,net,tls,receiver,core}/**/*.ts', '!src/core/schema.ts'],
  coverageAnalysis: 'perTest',
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  concurrency: 2,
  timeoutMS: 10000,
  reporters: ['progress', 'json', 'html'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
