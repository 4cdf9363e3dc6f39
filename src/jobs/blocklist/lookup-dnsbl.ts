// The block list lookups (RFC 5782 §2.1, §2.4): for each address and list, an A query for the
// address reversed under the list's zone (IPv4: the four octets reversed; IPv6: the 32 nibbles of the
// expanded address reversed), and on a listing a TXT query for the list's reason. Every answer is
// hostile: counts and lengths are bounded, and an answer is read by kb/dnsbl-zones.ts (a Spamhaus
// 127.255.255.254 is a refusal, never a listing; an answer outside 127.0.0.0/8 is no list answer).
// Used by `mxray blocklist`, and by `mxray posture` and `mxray check --dnsbl` with their own resolver.
import type { Resolver } from '../../core/context.js';
import type { DnsblAddress, DnsblLookup, DnsblSection } from '../../core/blocklist-schema.js';
import { limitConcurrency } from '../../core/concurrency.js';
import { DnsError, UsageError } from '../../core/errors.js';
import { ipFamily, reverseName } from '../../core/ip.js';
import { normalizeDomainName } from '../../core/target.js';
import type { Transcript } from '../../core/transcript.js';
import { traceResolver } from '../../dns/tracing-resolver.js';
import { asksFamily, DEFAULT_DNSBL_ZONES, readCode } from '../../kb/dnsbl-zones.js';

/** One address to ask about, and where it came from. */
export interface DnsblTarget {
  address: string;
  source: DnsblAddress['source'];
  /** The MX host the address belongs to (source 'mx'), else null. */
  mx?: string | null;
}

export interface DnsblLookupOptions {
  signal?: AbortSignal;
  /** When given, every query and its answer lands in it (the resolver is wrapped by the tracing resolver). */
  transcript?: Transcript;
  /** Lookups in flight at once (default 8). */
  atOnce?: number;
  /** Addresses asked about at most (default 32, at most 64); the others come back in `leftOut`. */
  maxAddresses?: number;
  /** A queries at most in one call (default 256); addresses that would pass it come back in `leftOut`. */
  maxLookups?: number;
  /** Called as each address starts and ends. */
  onProgress?: (key: string, phase: string) => void;
}

export const DNSBL_BOUNDS = {
  atOnce: 8,
  maxAddresses: 32,
  maxLookups: 256,
  /** Zones per run (the schema's bound). */
  maxZones: 64,
  /** A records kept of one answer, TXT records and characters of one TXT record (the schema's bounds). */
  codes: 64,
  txtRecords: 16,
  txtChars: 1024,
} as const;

/** The longest zone name under which a 64-character IPv6 query name still fits in 253 characters. */
const MAX_ZONE_LENGTH = 253 - 64;

/**
 * A list's zone as it will be queried: lowercase, no trailing dot, a valid name of at least two
 * labels, short enough for an IPv6 query under it. Anything else is the user's mistake: a UsageError.
 */
export function normalizeZone(text: string): string {
  const zone = normalizeDomainName(text.trim(), 'DNS block list zone');
  if (!zone.includes('.')) throw new UsageError(`--dnsbl ${JSON.stringify(text.slice(0, 80))}: a block list zone has at least two labels (like zen.spamhaus.org)`);
  if (zone.length > MAX_ZONE_LENGTH) throw new UsageError(`--dnsbl ${JSON.stringify(text.slice(0, 80))}: too long for a block list zone (at most ${MAX_ZONE_LENGTH} characters, so that an IPv6 query fits)`);
  return zone;
}

/** The zones as given, normalised and without repeats; none given: the default set. */
export function normalizeZones(zones: readonly string[] | null | undefined): string[] {
  const given = zones && zones.length > 0 ? zones : DEFAULT_DNSBL_ZONES;
  const out = [...new Set(given.map(normalizeZone))];
  if (out.length > DNSBL_BOUNDS.maxZones) throw new UsageError(`at most ${DNSBL_BOUNDS.maxZones} block list zones in one run, not ${out.length}`);
  return out;
}

/** The name to ask: "192.0.2.1" under zen.spamhaus.org → "1.2.0.192.zen.spamhaus.org"; an IPv6 address → its 32 nibbles reversed. */
export function dnsblQueryName(address: string, zone: string): string {
  const family = ipFamily(address);
  if (family === 0) throw new TypeError(`internal: ${JSON.stringify(address.slice(0, 80))} is not an IP address`);
  const reversed = reverseName(address).replace(family === 4 ? /\.in-addr\.arpa$/ : /\.ip6\.arpa$/, '');
  return `${reversed}.${zone}`;
}

/** An IPv4-mapped IPv6 address (::ffff:192.0.2.1) is asked about as the IPv4 address it carries. */
function plainAddress(address: string): string {
  const text = address.trim().toLowerCase();
  const mapped = /^(?:0{0,4}:){0,5}:?ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  return mapped && ipFamily(mapped[1] as string) === 4 ? (mapped[1] as string) : text;
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The query's answer, or 'aborted' as soon as the signal aborts (the listener removed either way). */
async function unlessAborted<T>(query: Promise<T>, signal: AbortSignal | undefined): Promise<T | 'aborted'> {
  if (!signal) return query;
  if (signal.aborted) return 'aborted';
  let onAbort = () => {};
  const stop = new Promise<'aborted'>((resolve) => {
    onAbort = () => resolve('aborted');
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([query, stop]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

const STOPPED = 'not answered: stopped by mxray (deadline or cancel)';

/** What the A answer says, by the list's codes. */
function judgeAnswer(zone: string, codes: string[]): Pick<DnsblLookup, 'status' | 'error'> {
  const reads = codes.map((c) => ({ code: c, ...readCode(zone, c) }));
  const outside = reads.find((r) => r.kind === 'outside');
  if (outside) return { status: 'error', error: `the list answered a non-list address (${cut(outside.code, 60)}): the zone may be dead and wildcarded` };
  const error = reads.find((r) => r.kind === 'error');
  if (error) return { status: 'error', error: `answered ${error.code}: ${error.meaning}` };
  const refusal = reads.find((r) => r.kind === 'refusal');
  if (refusal) return { status: 'refused', error: `answered ${refusal.code}: ${refusal.meaning}` };
  return { status: 'listed', error: null };
}

async function lookupOne(resolver: Resolver, zone: string, query: string, signal: AbortSignal | undefined): Promise<DnsblLookup> {
  const base = { zone, query, codes: [] as string[], txt: [] as string[] };
  if (signal?.aborted) return { ...base, status: 'error', error: STOPPED };
  let answer: string[] | 'aborted';
  try {
    answer = await unlessAborted(resolver.a(query), signal);
  } catch (err) {
    // Anything but a DNS outcome is our bug: it propagates.
    if (!(err instanceof DnsError)) throw err;
    if (err.code === 'NXDOMAIN' || err.code === 'NODATA') return { ...base, status: 'not-listed', error: null };
    if (err.code === 'REFUSED') return { ...base, status: 'refused', error: 'REFUSED' };
    return { ...base, status: 'error', error: err.code === 'OTHER' ? cut(err.message, 200) : err.code };
  }
  if (answer === 'aborted') return { ...base, status: 'error', error: STOPPED };
  // A resolver that answers "no error, no records" has said NODATA.
  if (answer.length === 0) return { ...base, status: 'not-listed', error: null };
  const codes = answer.slice(0, DNSBL_BOUNDS.codes).map((c) => cut(String(c), 64));
  const judged = judgeAnswer(zone, codes);
  if (judged.status !== 'listed') return { ...base, codes, ...judged };
  // The list's reason and removal link; a listing stands without it.
  let txt: string[] = [];
  try {
    const records = await unlessAborted(resolver.txt(query), signal);
    if (records !== 'aborted') txt = records.slice(0, DNSBL_BOUNDS.txtRecords).map((r) => cut(r.slice(0, 64).join(''), DNSBL_BOUNDS.txtChars));
  } catch (err) {
    if (!(err instanceof DnsError)) throw err;
  }
  return { ...base, codes, txt, status: 'listed', error: null };
}

/**
 * Asks every zone about every address (each zone only about the families it lists), bounded: at
 * most `atOnce` lookups in flight, `maxAddresses` addresses and `maxLookups` A queries; addresses
 * beyond come back in `leftOut`. Every DNS outcome is data; only a bug of ours throws.
 */
export async function lookupDnsbl(resolver: Resolver, addresses: readonly (string | DnsblTarget)[], zones: readonly string[], options: DnsblLookupOptions = {}): Promise<DnsblSection> {
  const asked = normalizeZones(zones);
  const traced = options.transcript ? traceResolver(resolver, options.transcript) : resolver;
  const maxAddresses = Math.min(options.maxAddresses ?? DNSBL_BOUNDS.maxAddresses, 64);
  const maxLookups = options.maxLookups ?? DNSBL_BOUNDS.maxLookups;
  const limit = limitConcurrency(Math.max(1, Math.floor(options.atOnce ?? DNSBL_BOUNDS.atOnce)));

  // The same address written twice (or as ::ffff:a.b.c.d) is asked about once.
  const seen = new Set<string>();
  const planned: { target: DnsblTarget; family: 4 | 6; zones: string[]; notAsked: string[] }[] = [];
  const leftOut: string[] = [];
  let lookups = 0;
  for (const given of addresses) {
    const target: DnsblTarget = typeof given === 'string' ? { address: given, source: 'argument', mx: null } : given;
    const address = plainAddress(target.address);
    const family = ipFamily(address);
    if (family === 0) throw new TypeError(`internal: ${JSON.stringify(target.address.slice(0, 80))} is not an IP address`);
    const key = reverseName(address);
    if (seen.has(key)) continue;
    seen.add(key);
    const zonesFor = asked.filter((z) => asksFamily(z, family));
    if (planned.length >= maxAddresses || lookups + zonesFor.length > maxLookups) {
      if (leftOut.length < 2000) leftOut.push(address);
      continue;
    }
    lookups += zonesFor.length;
    planned.push({ target: { ...target, address }, family, zones: zonesFor, notAsked: asked.filter((z) => !zonesFor.includes(z)) });
  }

  const results = await Promise.all(
    planned.map(async (p): Promise<DnsblAddress> => {
      options.onProgress?.(p.target.address, 'block lists');
      const found = await Promise.all(p.zones.map((zone) => limit(() => lookupOne(traced, zone, dnsblQueryName(p.target.address, zone), options.signal))));
      options.onProgress?.(p.target.address, 'done');
      return { address: p.target.address, source: p.target.source, mx: p.target.mx ?? null, lookups: found, ...(p.notAsked.length ? { notAsked: p.notAsked } : {}) };
    }),
  );
  return { resolver: resolver.description, zones: asked, addresses: results, ...(leftOut.length ? { leftOut } : {}) };
}
