// A resolver that knows nothing (every lookup: no records), for tests of code that must work, and
// record what it could, without DNS: the sender test's listener, say.
import type { Resolver } from '../../src/core/context.js';

export const noDns: Resolver = {
  description: 'in-test resolver (answers nothing)',
  mx: () => Promise.resolve([]),
  a: () => Promise.resolve([]),
  aaaa: () => Promise.resolve([]),
  cname: () => Promise.resolve([]),
  ptr: () => Promise.resolve([]),
  txt: () => Promise.resolve([]),
};
