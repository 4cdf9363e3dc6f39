// Looks up what a DANE sender looks up (RFC 7672 §2.2): the domain's MX records, each MX host's
// addresses and — only where both are DNSSEC-secure — its TLSA records, the fully expanded (CNAME
// target) name first, then the MX name itself. Every query goes with the DO bit to one resolver; a
// SERVFAIL is asked again with CD=1, which tells a bogus answer (the data is there, but does not
// validate) from one that cannot be had at all. Only measures: checks/dane judges.
import type { DnssecResolver, SecureDnsAnswer, SecureQueryType, SecureRecord } from '../../core/context.js';
import type { DaneHost, DaneSection, DnssecStatus, SecureLookup, TlsaFact } from '../../core/dane-schema.js';
import { DnsError } from '../../core/errors.js';
import type { Transcript } from '../../core/transcript.js';
import { limitConcurrency } from '../../core/concurrency.js';
import { MAX_TLSA_DATA_BYTES } from '../../pki/tlsa.js';

/** Records kept per lookup, MX hosts looked up, CNAME links followed (the schema's bounds). */
const MAX_RECORDS = 64;
const MAX_HOSTS = 64;
const MAX_CNAMES = 16;
/** Queries of one DANE lookup in flight at once. */
const QUERIES_AT_ONCE = 8;

/**
 * RFC 8914 info-codes that say DNSSEC validation failed (1 unsupported DNSKEY algorithm … 12 NSEC
 * missing, but not 3 stale answer or 4 forged answer): with one of them a SERVFAIL is bogus, even when
 * the CD=1 query fails too.
 */
const DNSSEC_EDE = new Set([1, 2, 5, 6, 7, 8, 9, 10, 11, 12]);

export interface DaneLookupEdges {
  dnssec: DnssecResolver;
  transcript?: Transcript;
  signal?: AbortSignal;
}

function show(r: SecureRecord): string | null {
  switch (r.type) {
    case 'MX':
      return `${r.preference} ${r.exchange || '.'}`;
    case 'A':
    case 'AAAA':
      return r.address;
    case 'TLSA':
      // Data longer than any certificate we keep: kept as empty (unusable), never cut into something that looks usable.
      return `${r.usage} ${r.selector} ${r.matchingType} ${r.data.length > MAX_TLSA_DATA_BYTES ? '' : r.data.toString('hex').toUpperCase()}`;
    default:
      return null;
  }
}

function describe(l: SecureLookup): string {
  const flags = l.rcode === null ? (l.error ?? 'no answer') : `${l.rcode}${l.ad ? ' AD' : ''}`;
  const records = l.records.length ? ` ${l.records.slice(0, 4).join(', ')}${l.records.length > 4 ? ` … (${l.records.length} in all)` : ''}` : '';
  const via = l.cnames.length ? ` via CNAME ${l.cnames.join(' → ')}` : '';
  const ede = l.ede.map((e) => ` [EDE ${e.code}${e.text ? ` ${e.text}` : ''}]`).join('');
  const cd = l.cdRcode === null ? '' : ` (with CD: ${l.cdRcode})`;
  return `${l.type} ${l.name} (DNSSEC) → ${flags}${records}${via}${ede}${cd}: ${l.status}`;
}

/** What DNSSEC says of an answer, given whether the resolver's AD bit is believed. */
function statusOf(answer: SecureDnsAnswer, trusted: boolean, cd: SecureDnsAnswer | null): DnssecStatus {
  if (answer.rcode === 'NOERROR' || answer.rcode === 'NXDOMAIN') return trusted && answer.authenticated ? 'secure' : 'insecure';
  if (answer.rcode !== 'SERVFAIL') return 'error';
  if (answer.ede.some((e) => DNSSEC_EDE.has(e.code))) return 'bogus';
  return cd !== null && (cd.rcode === 'NOERROR' || cd.rcode === 'NXDOMAIN') ? 'bogus' : 'error';
}

/** One query with the DO bit (and, after a SERVFAIL, once more with CD=1), as a fact. */
export async function secureLookup(name: string, type: SecureQueryType, edges: DaneLookupEdges): Promise<SecureLookup> {
  const base: SecureLookup = { name, type, rcode: null, ad: false, signed: false, status: 'error', records: [], cnames: [], ede: [], cdRcode: null, error: null };
  let fact: SecureLookup;
  try {
    const answer = await edges.dnssec.query(name, type, edges.signal ? { signal: edges.signal } : {});
    let cd: SecureDnsAnswer | null = null;
    if (answer.rcode === 'SERVFAIL') {
      cd = await edges.dnssec.query(name, type, { checkingDisabled: true, ...(edges.signal ? { signal: edges.signal } : {}) }).catch(() => null);
    }
    const wanted = answer.records.filter((r) => r.type === type);
    fact = {
      ...base,
      rcode: answer.rcode,
      ad: answer.authenticated,
      signed: answer.signed,
      status: statusOf(answer, edges.dnssec.trust !== null, cd),
      records: wanted.map(show).filter((s): s is string => s !== null).slice(0, MAX_RECORDS),
      cnames: answer.records.flatMap((r) => (r.type === 'CNAME' ? [r.target] : [])).slice(0, MAX_CNAMES),
      ede: answer.ede.slice(0, 8).map((e) => ({ code: e.code, text: e.text.slice(0, 300) })),
      cdRcode: cd?.rcode ?? null,
    };
  } catch (err) {
    if (!(err instanceof DnsError)) throw err;
    fact = { ...base, error: (err.code === 'OTHER' ? err.message : err.code).slice(0, 300) };
  }
  edges.transcript?.record('dns', 'dns', describe(fact));
  return fact;
}

/** The TLSA records of a lookup's presentation form, back as facts. */
export function tlsaFacts(lookup: SecureLookup): TlsaFact[] {
  return lookup.records.flatMap((text) => {
    const m = /^(\d+) (\d+) (\d+) ([0-9A-F]*)$/.exec(text);
    return m ? [{ usage: Number(m[1]), selector: Number(m[2]), matchingType: Number(m[3]), data: m[4] as string }] : [];
  });
}

/** Whether the address lookups allow a TLSA lookup: every answer secure (a bogus one is bogus, a failed one failed). */
function addressVerdict(lookups: readonly SecureLookup[], trusted: boolean): DaneHost['skipped'] | 'bogus' {
  if (!trusted) return 'not-trusted';
  if (lookups.some((l) => l.status === 'bogus')) return 'bogus';
  if (lookups.every((l) => l.status === 'error')) return 'address-failed';
  if (lookups.some((l) => l.status === 'insecure')) return 'address-insecure';
  return null;
}

/** One MX host: its addresses, then (when they are secure) the TLSA records of its base domain. */
export async function lookupDaneHost(mx: string, port: number, families: { v4: boolean; v6: boolean }, edges: DaneLookupEdges, mxSecure: boolean): Promise<DaneHost> {
  const host: DaneHost = { mx, addresses: [], skipped: null, tlsa: [], base: null, records: [], state: null };
  const trusted = edges.dnssec.trust !== null;
  if (!mxSecure) {
    host.skipped = trusted ? 'mx-insecure' : 'not-trusted';
    return host;
  }
  const types: SecureQueryType[] = [...(families.v4 ? (['A'] as const) : []), ...(families.v6 ? (['AAAA'] as const) : [])];
  host.addresses = await Promise.all(types.map((t) => secureLookup(mx, t, edges)));
  const verdict = addressVerdict(host.addresses, trusted);
  // A bogus address answer: DANE senders cannot deliver there at all; the TLSA lookup adds nothing.
  if (verdict === 'bogus') return host;
  if (verdict !== null) {
    host.skipped = verdict;
    return host;
  }
  // RFC 7672 §2.2.2: the fully expanded name (the last CNAME target) first, then the MX name.
  const expanded = host.addresses.find((l) => l.cnames.length > 0)?.cnames.at(-1) ?? null;
  const names = expanded !== null && expanded !== mx ? [expanded, mx] : [mx];
  for (const name of names) {
    const lookup = await secureLookup(`_${port}._tcp.${name}`, 'TLSA', edges);
    host.tlsa.push(lookup);
    // A failure or a bogus answer decides (DANE senders defer); records that are secure are used.
    if (lookup.status === 'error' || lookup.status === 'bogus') break;
    if (lookup.status === 'secure' && lookup.records.length > 0) {
      host.base = name;
      host.records = tlsaFacts(lookup);
      break;
    }
  }
  return host;
}

export interface DaneLookupOptions {
  /** The mail domain (its MX records are looked up), or null for a single host. */
  domain: string | null;
  /** The host to test when there is no domain (or it is given with --host). */
  host?: string | null;
  /** The port whose TLSA records are asked (25 for MX delivery). */
  port: number;
  maxMx: number;
  families?: { v4: boolean; v6: boolean };
}

/** The whole DANE lookup: MX (when a domain), then every MX host, a few queries at a time. */
export async function lookupDane(options: DaneLookupOptions, edges: DaneLookupEdges): Promise<DaneSection> {
  const families = options.families ?? { v4: true, v6: true };
  const limited: DaneLookupEdges = { ...edges, dnssec: limitDnssec(edges.dnssec, QUERIES_AT_ONCE) };
  const section: DaneSection = { resolver: { description: edges.dnssec.description, trust: edges.dnssec.trust }, port: options.port, mx: null, hosts: [] };
  let names: string[];
  let mxSecure: boolean;
  if (options.host || options.domain === null) {
    names = options.host ? [options.host] : [];
    // A host given directly: no MX step, its own records decide (RFC 7672 §2.2.2 for a domain without MX).
    mxSecure = true;
  } else {
    section.mx = await secureLookup(options.domain, 'MX', limited);
    mxSecure = section.mx.status === 'secure';
    // A null MX ("0 .", RFC 7505): the domain takes no mail, there is no host to look at.
    const nullMx = section.mx.records.some((r) => / \.$/.test(r));
    const exchanges = section.mx.records.flatMap((r) => {
      const m = /^(\d+) (\S+)$/.exec(r);
      return m && m[2] !== '.' ? [{ preference: Number(m[1]), exchange: m[2] as string }] : [];
    });
    exchanges.sort((a, b) => a.preference - b.preference || (a.exchange < b.exchange ? -1 : a.exchange > b.exchange ? 1 : 0));
    // No MX (NODATA, NXDOMAIN): mail goes to the domain itself (RFC 5321 §5.1), its own records decide.
    names = nullMx
      ? []
      : section.mx.status !== 'error' && section.mx.status !== 'bogus' && exchanges.length === 0 && section.mx.rcode === 'NOERROR'
        ? [options.domain]
        : [...new Set(exchanges.map((e) => e.exchange))];
  }
  if (section.mx?.status === 'bogus' || section.mx?.status === 'error') return section;
  section.hosts = await Promise.all(names.slice(0, Math.min(MAX_HOSTS, options.maxMx)).map((mx) => lookupDaneHost(mx, options.port, families, limited, mxSecure)));
  return section;
}

/** At most `max` queries in flight. */
function limitDnssec(inner: DnssecResolver, max: number): DnssecResolver {
  const limit = limitConcurrency(max);
  return { description: inner.description, trust: inner.trust, query: (name, type, options) => limit(() => inner.query(name, type, options)) };
}

/**
 * The DNSSEC resolver for DANE: the caller's, else the defaults' — unless the caller brought a
 * resolver of its own without one: the defaults' would answer from another server, so no DANE.
 */
export function daneResolverOf(given: { dnssec?: DnssecResolver | null; resolver?: unknown }, defaults: () => { dnssec?: DnssecResolver }): DnssecResolver | null {
  if (given.dnssec !== undefined) return given.dnssec;
  return given.resolver ? null : (defaults().dnssec ?? null);
}
