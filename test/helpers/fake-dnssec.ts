// A fake validating resolver for DANE's lookup tests: a table of answers keyed by query, recording
// every query it gets, and builders for its answers and records.
import type { DnssecResolver, SecureDnsAnswer, SecureQueryType, SecureRecord } from '../../src/core/context.js';
import { DnsError } from '../../src/core/errors.js';

export type Outcome = SecureDnsAnswer | DnsError;

export interface FakeDnssec extends DnssecResolver {
  /** Every query, in the order asked: "TYPE name", with " +cd" when checking was disabled. */
  readonly asked: string[];
}

/**
 * A validating resolver answering from a table keyed "TYPE name" (and "TYPE name +cd" for the
 * query with CD=1). A query the table does not hold throws a plain Error — a bug, which secureLookup
 * lets through — so a test fails loudly when the code asks what it should not.
 */
export function fakeDnssec(table: Readonly<Record<string, Outcome>>, trust: DnssecResolver['trust'] = 'loopback'): FakeDnssec {
  const asked: string[] = [];
  return {
    description: '127.0.0.1:53',
    trust,
    asked,
    query(name: string, type: SecureQueryType, options: { checkingDisabled?: boolean; signal?: AbortSignal } = {}) {
      const key = `${type} ${name}${options.checkingDisabled ? ' +cd' : ''}`;
      asked.push(key);
      const outcome = table[key];
      if (outcome === undefined) return Promise.reject(new Error(`unexpected query ${key}`));
      if (outcome instanceof DnsError) return Promise.reject(outcome);
      return Promise.resolve(outcome);
    },
  };
}

/** An answer; signed (RRSIGs came) exactly when validated. */
export const answer = (rcode: string, authenticated: boolean, records: SecureRecord[] = [], ede: SecureDnsAnswer['ede'] = []): SecureDnsAnswer => ({
  rcode,
  authenticated,
  records,
  ede,
  tcp: false,
  signed: authenticated,
});
/** A validated answer (AD set). */
export const secure = (...records: SecureRecord[]) => answer('NOERROR', true, records);
/** An answer without AD: unsigned. */
export const unsigned = (...records: SecureRecord[]) => answer('NOERROR', false, records);
export const servfail = (ede: SecureDnsAnswer['ede'] = []) => answer('SERVFAIL', false, [], ede);

export const mxRec = (name: string, preference: number, exchange: string): SecureRecord => ({ type: 'MX', name, ttl: 300, preference, exchange });
export const aRec = (name: string, address: string): SecureRecord => ({ type: 'A', name, ttl: 300, address });
export const aaaaRec = (name: string, address: string): SecureRecord => ({ type: 'AAAA', name, ttl: 300, address });
export const cnameRec = (name: string, target: string): SecureRecord => ({ type: 'CNAME', name, ttl: 300, target });
export const tlsaRec = (name: string, usage: number, selector: number, matchingType: number, hex: string): SecureRecord => ({
  type: 'TLSA',
  name,
  ttl: 300,
  usage,
  selector,
  matchingType,
  data: Buffer.from(hex, 'hex'),
});
