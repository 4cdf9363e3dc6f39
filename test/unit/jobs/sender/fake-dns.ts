// An in-memory Resolver for the sender test's DNS: answers from a table keyed "TYPE name" (TXT
// answers are records of strings). A name in the table under another type is NODATA, a name
// nowhere NXDOMAIN. `hang()` is a query that never answers; `fail()` a DnsError by code; an
// Error is thrown as such. Every query is recorded in `asked`.
import type { MxAnswer, Resolver } from '../../../../src/core/context.js';
import { DnsError, type DnsErrorCode } from '../../../../src/core/errors.js';

export interface Fail {
  fail: DnsErrorCode;
}
export interface Hang {
  hang: true;
}

export type Outcome = readonly string[] | readonly MxAnswer[] | readonly (readonly string[])[] | Fail | Hang | Error;

export const fail = (code: DnsErrorCode): Fail => ({ fail: code });
export const hang = (): Hang => ({ hang: true });
/** One TXT record of one string. */
export const txt = (...records: string[]): string[][] => records.map((r) => [r]);

export interface FakeDns extends Resolver {
  readonly asked: string[];
}

export function fakeDns(table: Readonly<Record<string, Outcome>>): FakeDns {
  const asked: string[] = [];
  const names = new Set(Object.keys(table).map((key) => key.slice(key.indexOf(' ') + 1)));
  function answer<T>(qtype: string, name: string): Promise<T[]> {
    asked.push(`${qtype} ${name}`);
    const outcome = table[`${qtype} ${name}`];
    if (outcome === undefined) return Promise.reject(new DnsError(names.has(name) ? 'NODATA' : 'NXDOMAIN', name, qtype));
    if (outcome instanceof Error) return Promise.reject(outcome);
    if ('hang' in outcome) return new Promise<T[]>(() => {});
    if ('fail' in outcome) return Promise.reject(new DnsError(outcome.fail, name, qtype));
    return Promise.resolve([...(outcome as readonly T[])]);
  }
  return {
    description: 'fake',
    asked,
    mx: (name) => answer<MxAnswer>('MX', name),
    a: (name) => answer<string>('A', name),
    aaaa: (name) => answer<string>('AAAA', name),
    cname: (name) => answer<string>('CNAME', name),
    ptr: (address) => answer<string>('PTR', address),
    txt: (name) => answer<string[]>('TXT', name),
  };
}
