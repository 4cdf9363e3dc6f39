// Mutation testing (`npm run test:mutation`): StrykerJS 9 with its vitest runner.
// Not in CI (it takes tens of minutes); scripts/mutation.js runs it and checks the result.
//
// MXRAY_MUTATION_TAG=name keeps a run's incremental file, sandbox and report apart from the
// default ones (two people mutating different folders at once); MXRAY_MUTATION_CONCURRENCY sets
// the number of test runner processes (default 2, this machine's cores).
const tag = process.env.MXRAY_MUTATION_TAG ? `-${process.env.MXRAY_MUTATION_TAG}` : '';

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  // core/schema.ts is the declarative Report contract (TypeBox); the committed-schema test guards it.
  mutate: ['src/{checks,smtp,smtpd,pki,dns,net,tls,jobs,runtime,core,http}/**/*.ts', '!src/core/schema.ts'],
  coverageAnalysis: 'perTest',
  // Static mutants (module-level tables, constants and regexes, hit only while a module loads)
  // rerun the whole suite each, and every later test change reruns all of them. The routine run
  // leaves them out; MXRAY_MUTATION_STATIC=1 (`npm run test:mutation -- --static`) runs them too.
  ignoreStatic: process.env.MXRAY_MUTATION_STATIC !== '1',
  incremental: true,
  incrementalFile: `reports/stryker-incremental${tag}.json`,
  concurrency: Number(process.env.MXRAY_MUTATION_CONCURRENCY ?? 2),
  timeoutMS: 10000,
  // The initial run is the whole suite with coverage: on a shared 2-core machine it can pass Stryker's 5 minutes.
  dryRunTimeoutMinutes: 20,
  reporters: ['progress', 'json', 'html'],
  jsonReporter: { fileName: `reports/mutation${tag}/mutation.json` },
  htmlReporter: { fileName: `reports/mutation${tag}/mutation.html` },
  tempDirName: `.stryker-tmp${tag}`,
  // Not copied into the sandbox: other runs' sandboxes and reports, coverage output.
  ignorePatterns: ['/reports', '/.stryker-tmp*', '/coverage', '/.tmp'],
  cleanTempDir: 'always',
};
