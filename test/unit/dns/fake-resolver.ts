// An in-memory Resolver for unit tests: answers from a table keyed "TYPE name", like a tiny
// zone. A name that appears in the table under some type but not the one asked is NODATA; a
// name that appears nowhere is NXDOMAIN, as a real server would say. Every query is recorded.
import type { MxAnswer, Resolver } from '../../../src/core/context.js';
import { DnsError, type DnsErrorCode } from '../../../src/core/errors.js';

/** A failure the fake answers with: a DNS outcome by code, or (`bug`) a plain exception. */
export interface Fail {
  fail: DnsErrorCode;
  message?: string;
}

export type Outcome = readonly string[] | readonly MxAnswer[] | Fail | Error;

export interface FakeResolver extends Resolver {
  /** Every query made, as "TYPE name", in the order asked. */
  readonly asked: string[];
}

export const fail = (code: DnsErrorCode, message?: string): Fail => ({ fail: code, message });

export function fakeResolver(table: Readonly<Record<string, Outcome>>, description = 'fake 192.0.2.53'): FakeResolver {
  const asked: string[] = [];
  const names = new Set(Object.keys(table).map((key) => key.slice(key.indexOf(' ') + 1)));
  function answer<T>(qtype: string, name: string): Promise<T[]> {
    asked.push(`${qtype} ${name}`);
    const outcome = table[`${qtype} ${name}`];
    if (outcome === undefined) {
      return Promise.reject(new DnsError(names.has(name) ? 'NODATA' : 'NXDOMAIN', name, qtype));
    }
    if (outcome instanceof Error) return Promise.reject(outcome);
    if ('fail' in outcome) return Promise.reject(new DnsError(outcome.fail, name, qtype, outcome.message));
    return Promise.resolve([...(outcome as readonly T[])]);
  }
  return {
    description,
    asked,
    mx: (name) => answer<MxAnswer>('MX', name),
    a: (name) => answer<string>('A', name),
    aaaa: (name) => answer<string>('AAAA', name),
    cname: (name) => answer<string>('CNAME', name),
    txt: () => Promise.resolve([]), ptr: (address) => answer<string>('PTR', address),
  };
}
