// Caps how many DNS queries of one test are in flight at once. A zone whose MX record set names
// thousands of hosts (or a bug of ours) must not turn into thousands of simultaneous queries to
// one resolver: the queries wait their turn, in the order they were asked.
import type { Resolver } from '../core/context.js';
import { Gate } from '../core/concurrency.js';

export function limitQueries(inner: Resolver, atOnce: number): Resolver {
  if (!(Number.isInteger(atOnce) && atOnce >= 1)) throw new RangeError(`DNS queries at once must be a whole number of at least 1, not ${atOnce}`);
  const gate = new Gate(atOnce);
  return {
    description: inner.description,
    mx: (name) => gate.run(() => inner.mx(name)),
    a: (name) => gate.run(() => inner.a(name)),
    aaaa: (name) => gate.run(() => inner.aaaa(name)),
    cname: (name) => gate.run(() => inner.cname(name)),
    ptr: (address) => gate.run(() => inner.ptr(address)),
    txt: (name) => gate.run(() => inner.txt(name)),
  };
}
