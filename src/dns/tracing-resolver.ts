// Wraps a Resolver so every query and its answer (or error) lands in the transcript:
//   MX example.com → 10 mx1.example.com, 20 mx2.example.com
//   A mx1.example.com → NXDOMAIN
import type { MxAnswer, Resolver } from '../core/context.js';
import { DnsError } from '../core/errors.js';
import type { Transcript } from '../core/transcript.js';

const CONN = 'dns';
const MAX_SHOWN = 20;

function list(items: readonly string[]): string {
  if (items.length === 0) return '(no records)';
  const shown = items.slice(0, MAX_SHOWN).join(', ');
  return items.length > MAX_SHOWN ? `${shown}, … (${items.length} in all)` : shown;
}

function describeError(err: unknown): string {
  if (err instanceof DnsError) return err.code === 'OTHER' ? `error: ${err.message}` : err.code;
  return `error: ${err instanceof Error ? err.message : String(err)}`;
}

function showMx(r: MxAnswer): string {
  return `${r.priority} ${r.exchange === '' ? '.' : r.exchange}`;
}

function byPreference(a: MxAnswer, b: MxAnswer): number {
  return a.priority - b.priority || (a.exchange < b.exchange ? -1 : a.exchange > b.exchange ? 1 : 0);
}

/** A TXT record as zone files write it: each string quoted, escaped, cut after 300 characters. */
function showTxt(strings: string[]): string {
  const text = strings.map((s) => JSON.stringify(s)).join(' ');
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

export function traceResolver(inner: Resolver, transcript: Transcript): Resolver {
  async function traced<T>(
    qtype: string,
    qname: string,
    query: () => Promise<T[]>,
    show: (v: T) => string,
    order?: (a: T, b: T) => number,
  ): Promise<T[]> {
    try {
      const answer = await query();
      const shown = order === undefined ? answer : [...answer].sort(order);
      transcript.record(CONN, 'dns', `${qtype} ${qname} → ${list(shown.map(show))}`);
      return answer;
    } catch (err) {
      transcript.record(CONN, 'dns', `${qtype} ${qname} → ${describeError(err)}`);
      throw err;
    }
  }
  const same = (s: string): string => s;
  return {
    description: inner.description,
    // MX answers are shown in preference order (the answer itself is returned as the server gave it).
    mx: (name) => traced('MX', name, () => inner.mx(name), showMx, byPreference),
    a: (name) => traced('A', name, () => inner.a(name), same),
    aaaa: (name) => traced('AAAA', name, () => inner.aaaa(name), same),
    cname: (name) => traced('CNAME', name, () => inner.cname(name), same),
    ptr: (address) => traced('PTR', address, () => inner.ptr(address), same),
    // Each record's strings as published: quoted, so a split is visible ("v=STS" "v1; id=1").
    txt: (name) => traced('TXT', name, () => inner.txt(name), showTxt),
  };
}
