/// <reference types="vite/client" />
// Setup file of the mutation suite (vitest.mutation.config.ts): loads every mutated module before
// any test runs. A module's tables and constants run once, when it loads; loaded here, their
// mutants are "static" (left out of the routine run, run with --static against the whole suite).
// Without this, a module first loaded inside some test (a check folder reached through the
// registry, a table behind a lazy import) has its table mutants run against that one test alone,
// and they "survive" although the tests that check the table would kill them.
//
// Tests that must see a fresh copy of a module (test/unit/http/ resets modules in beforeEach) still
// get one: this only fills the module cache before the first test.
import.meta.glob(['../../src/{checks,smtp,smtpd,pki,dns,net,tls,jobs,runtime,core,http}/**/*.ts', '!../../src/**/*.d.ts'], { eager: true });
