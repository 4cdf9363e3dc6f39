// The measuring step before any connection: which servers receive mail for the target, at which
// addresses. Every DNS outcome (NXDOMAIN, SERVFAIL, time-out, a null MX …) is data in DnsFacts,
// never an exception; only a bug (a non-DnsError from the resolver) propagates.
import type { HostMapping, MxAnswer, Resolver } from '../core/context.js';
import { ipFamily } from '../core/ip.js';
import { DnsError } from '../core/errors.js';
import type { DnsFacts, MxRecord, Target } from '../core/schema.js';
import { normalizeDnsName } from '../core/names.js';

export interface MailHostAddress {
  address: string;
  family: 4 | 6;
  /** The port to connect to when it differs from the target's (a --connect mapping); else null. */
  port: number | null;
}

/** One server to probe: an MX host (or the target host) with the addresses found for it. */
export interface MailHost {
  mx: string;
  /** The MX preference; 0 for an implicit MX; null for a host target. */
  preference: number | null;
  addresses: MailHostAddress[];
}

export interface MailHostOptions {
  families: { v4: boolean; v6: boolean };
  /** Names not looked up but mapped (--connect HOST=IP[:PORT], the demo lab). Keys lowercase. */
  hostMap: ReadonlyMap<string, HostMapping>;
  /** Keep only the first MX host (in preference order) that has an address. */
  first: boolean;
  /**
   * Look up (and so probe) at most this many MX host names, in preference order; the others are
   * not looked up at all and come back in `notProbed`. Default: no limit.
   */
  maxMx?: number;
  /**
   * Probe at most this many addresses of one name (as many IPv4 as IPv6 where both are there);
   * the others come back in `notProbed`. Default: no limit.
   */
  maxAddresses?: number;
}

/** An MX host, or one of its addresses, left out by `maxMx` or `maxAddresses`. */
export interface SkippedMx {
  /** 'max-mx': a name beyond maxMx (not looked up); 'max-addresses': an address beyond maxAddresses. */
  reason: 'max-mx' | 'max-addresses';
  exchange: string;
  /** null for a host target (no MX record). */
  preference: number | null;
  /** The address left out ('max-addresses'); null for a name not looked up. */
  address: string | null;
}

export interface MailHostsResult {
  dns: DnsFacts;
  hosts: MailHost[];
  /** MX records beyond `maxMx` names, in preference order (empty when none were left out). */
  notProbed: SkippedMx[];
}

/** What looking up one host name's addresses gave: at least one address, or why there is none. */
type AddressLookup =
  | { addresses: MailHostAddress[]; error: null; /** Found, but beyond maxAddresses. */ skipped: MailHostAddress[] }
  | {
      addresses: [];
      error: string;
      /** The status a host target gets: nxdomain when every lookup said NXDOMAIN, else from the first hard failure. */
      status: 'nxdomain' | 'servfail' | 'timeout' | 'error';
    };


/** Rethrows anything that is not a DNS outcome: that is our bug, not the server's. */
function dnsErrorOf(err: unknown): DnsError {
  if (err instanceof DnsError) return err;
  throw err;
}

const NO_SUCH_NAME = 'the name does not exist (NXDOMAIN)';

/** A failure in words (`resolver`: the server asked). NODATA never gets here: it is "no record", said by the caller. */
function describeDnsError(err: DnsError, resolver: string): string {
  switch (err.code) {
    case 'NXDOMAIN':
      return NO_SUCH_NAME;
    case 'SERVFAIL':
      return 'the resolver failed to answer (SERVFAIL)';
    case 'TIMEOUT':
      return 'no answer in time (TIMEOUT)';
    case 'REFUSED':
      return 'the resolver refused the query (REFUSED)';
    case 'UNREACHABLE':
      return resolver === 'system'
        ? 'no DNS server answers at the system resolvers\' addresses (nothing listens there)'
        : `no DNS server answers at ${resolver} (nothing listens there)`;
    default:
      return `the lookup failed (${err.message})`;
  }
}

function mappedAddress(mapping: HostMapping): MailHostAddress {
  return { address: mapping.address, family: ipFamily(mapping.address) === 6 ? 6 : 4, port: mapping.port };
}

/** A and/or AAAA for one name, in parallel, per the families asked for. */
async function lookupAddresses(name: string, resolver: Resolver, families: MailHostOptions['families'], maxAddresses = Number.POSITIVE_INFINITY): Promise<AddressLookup> {
  type One = { family: 4 | 6; addresses: string[]; error: DnsError | null };
  const ask = async (family: 4 | 6): Promise<One> => {
    try {
      const addresses = family === 4 ? await resolver.a(name) : await resolver.aaaa(name);
      return { family, addresses, error: null };
    } catch (err) {
      return { family, addresses: [], error: dnsErrorOf(err) };
    }
  };
  const asked: Promise<One>[] = [];
  if (families.v4) asked.push(ask(4));
  if (families.v6) asked.push(ask(6));
  if (asked.length === 0) return { addresses: [], error: 'no address family enabled (both IPv4 and IPv6 are off)', status: 'error' };
  const results = await Promise.all(asked);

  const seen = new Set<string>();
  const addresses: MailHostAddress[] = [];
  for (const r of results) {
    for (const address of r.addresses) {
      const key = address.toLowerCase();
      if (seen.has(key)) continue;
      seen.add(key);
      addresses.push({ address, family: r.family, port: null });
    }
  }
  if (addresses.length > 0) return { ...capAddresses(addresses, maxAddresses), error: null };

  if (results.every((r) => r.error?.code === 'NXDOMAIN')) return { addresses: [], error: NO_SUCH_NAME, status: 'nxdomain' };
  const qtype = (family: 4 | 6): string => (family === 4 ? 'A' : 'AAAA');
  // Failures that are not "no such name / no such record": SERVFAIL, TIMEOUT, REFUSED, OTHER.
  const hard = results.flatMap(({ family, error }) => (error !== null && error.code !== 'NXDOMAIN' && error.code !== 'NODATA' ? [{ family, error }] : []));
  const [first] = hard;
  if (first === undefined) return { addresses: [], error: `no ${results.map((r) => qtype(r.family)).join(' or ')} record`, status: 'error' };
  return {
    addresses: [],
    error: hard.map((h) => `${qtype(h.family)} lookup: ${describeDnsError(h.error, resolver.description)}`).join('; '),
    status: first.error.code === 'SERVFAIL' ? 'servfail' : first.error.code === 'TIMEOUT' ? 'timeout' : 'error',
  };
}

/**
 * At most `max` addresses, taken from each family in turn (a name with 500 IPv4 addresses and 2
 * IPv6 ones keeps both IPv6 ones), in their order as found; the rest are `skipped`.
 */
function capAddresses(addresses: MailHostAddress[], max: number): { addresses: MailHostAddress[]; skipped: MailHostAddress[] } {
  if (addresses.length <= max) return { addresses, skipped: [] };
  const v4 = addresses.filter((a) => a.family === 4);
  const v6 = addresses.filter((a) => a.family === 6);
  const keep = new Set<MailHostAddress>();
  for (let i = 0; keep.size < max; i++) {
    if (i < v4.length) keep.add(v4[i]!);
    if (i < v6.length && keep.size < max) keep.add(v6[i]!);
  }
  return { addresses: addresses.filter((a) => keep.has(a)), skipped: addresses.filter((a) => !keep.has(a)) };
}

/** Whether the name is an alias; NODATA / NXDOMAIN (or any failure) there just mean "not an alias". */
async function lookupCname(name: string, resolver: Resolver): Promise<string | null> {
  try {
    const targets = await resolver.cname(name);
    const first = targets[0];
    return first === undefined || first === '' ? null : normalizeDnsName(first);
  } catch (err) {
    dnsErrorOf(err);
    return null;
  }
}

/** "[192.0.2.1]" or "192.0.2.1" as an MX exchange: an address where a host name belongs. */
function ipLiteralOf(exchange: string): string | null {
  const inner = exchange.startsWith('[') && exchange.endsWith(']') ? exchange.slice(1, -1) : exchange;
  return ipFamily(inner) !== 0 ? inner : null;
}

/** A null MX (RFC 7505): its exchange is the root, "" once normalised. */
function isNullExchange(exchange: string): boolean {
  return exchange === '';
}

interface Resolved {
  record: MxRecord;
  host: MailHost | null;
  /** Addresses of the host beyond maxAddresses. */
  skipped?: MailHostAddress[];
}

/** One MX exchange → its MxRecord for the report and the MailHost to probe (null: nothing to probe). */
async function resolveExchange(
  exchange: string,
  preference: number,
  resolver: Resolver,
  options: MailHostOptions,
): Promise<Resolved> {
  const record: MxRecord = { exchange, preference, addresses: [], cname: null, isIpLiteral: false, error: null };
  if (isNullExchange(exchange)) {
    // A lone null MX is handled before this; here it sits among real MX records (a mistake).
    record.exchange = '.';
    record.error = 'a null MX (".") listed alongside other MX records';
    return { record, host: null };
  }
  if (ipLiteralOf(exchange) !== null) {
    record.isIpLiteral = true;
    return { record, host: null };
  }
  const mapping = options.hostMap.get(exchange);
  if (mapping) {
    const address = mappedAddress(mapping);
    record.addresses = [address.address];
    return { record, host: { mx: exchange, preference, addresses: [address] } };
  }
  const [lookup, cname] = await Promise.all([lookupAddresses(exchange, resolver, options.families, options.maxAddresses), lookupCname(exchange, resolver)]);
  record.cname = cname;
  record.addresses = lookup.addresses.map((a) => a.address);
  record.error = lookup.error;
  if (lookup.error !== null) return { record, host: null };
  return { record, host: { mx: exchange, preference, addresses: lookup.addresses }, skipped: lookup.skipped };
}

/** By preference, then by name (sort is stable: the same name and preference twice keep their order). */
function sortMx(answers: readonly MxAnswer[]): { exchange: string; preference: number }[] {
  return answers
    .map((a) => ({ exchange: normalizeDnsName(a.exchange), preference: a.priority }))
    .sort((x, y) => x.preference - y.preference || (x.exchange < y.exchange ? -1 : x.exchange > y.exchange ? 1 : 0));
}

/** Hosts to probe: each name once (at its best preference), only those with an address; and their addresses left out. */
function selectHosts(resolved: readonly Resolved[], first: boolean): { hosts: MailHost[]; skipped: SkippedMx[] } {
  const chosen: Resolved[] = [];
  const seen = new Set<string>();
  for (const r of resolved) {
    if (r.host === null || seen.has(r.host.mx)) continue;
    seen.add(r.host.mx);
    chosen.push(r);
  }
  const probed = first ? chosen.slice(0, 1) : chosen;
  return {
    hosts: probed.map((r) => r.host as MailHost),
    skipped: probed.flatMap((r) => (r.skipped ?? []).map((a): SkippedMx => ({ reason: 'max-addresses', exchange: r.host!.mx, preference: r.host!.preference, address: a.address }))),
  };
}

async function resolveDomain(domain: string, resolver: Resolver, options: MailHostOptions): Promise<MailHostsResult> {
  const facts = (status: DnsFacts['status'], mx: MxRecord[], error: string | null = null): DnsFacts => ({
    status,
    resolver: resolver.description,
    mx,
    error,
  });

  let answers: MxAnswer[] | null;
  try {
    answers = await resolver.mx(domain);
  } catch (err) {
    const e = dnsErrorOf(err);
    switch (e.code) {
      case 'NODATA':
        answers = null;
        break;
      case 'NXDOMAIN':
        return { dns: facts('nxdomain', [], describeDnsError(e, resolver.description)), hosts: [], notProbed: [] };
      case 'SERVFAIL':
        return { dns: facts('servfail', [], describeDnsError(e, resolver.description)), hosts: [], notProbed: [] };
      case 'TIMEOUT':
        return { dns: facts('timeout', [], describeDnsError(e, resolver.description)), hosts: [], notProbed: [] };
      default:
        return { dns: facts('error', [], `MX lookup: ${describeDnsError(e, resolver.description)}`), hosts: [], notProbed: [] };
    }
  }

  if (answers === null || answers.length === 0) {
    // No MX: mail goes to the domain's own A/AAAA, as if it had "MX 0 domain" (RFC 5321 §5.1).
    const resolved = await resolveImplicit(domain, resolver, options);
    const { hosts, skipped } = selectHosts([resolved], options.first);
    return { dns: facts('no-mx-implicit', [resolved.record]), hosts, notProbed: skipped };
  }

  const sorted = sortMx(answers);
  const lone = sorted.length === 1 ? sorted[0] : undefined;
  if (lone !== undefined && isNullExchange(lone.exchange)) {
    const record: MxRecord = { exchange: '.', preference: lone.preference, addresses: [], cname: null, isIpLiteral: false, error: null };
    return { dns: facts('null-mx', [record]), hosts: [], notProbed: [] };
  }

  // The first maxMx names (and every record of theirs) are looked up; the rest are listed only.
  const { kept, skipped } = splitAtMaxMx(sorted, options.maxMx ?? Number.POSITIVE_INFINITY);
  // Each distinct name is looked up once, all in parallel (the resolver caps how many at once).
  const byName = new Map<string, Promise<Resolved>>();
  const resolved = await Promise.all(
    kept.map(async (mx) => {
      let pending = byName.get(mx.exchange);
      if (!pending) {
        pending = resolveExchange(mx.exchange, mx.preference, resolver, options);
        byName.set(mx.exchange, pending);
      }
      const r = await pending;
      // The same name listed twice keeps its own preference in the record.
      return { record: { ...r.record, preference: mx.preference }, host: r.host, skipped: r.skipped };
    }),
  );
  const selected = selectHosts(resolved, options.first);
  return { dns: facts('ok', resolved.map((r) => r.record)), hosts: selected.hosts, notProbed: [...selected.skipped, ...skipped] };
}

/** MX records (sorted) split into those of the first `maxMx` distinct names and the rest. */
function splitAtMaxMx(sorted: readonly { exchange: string; preference: number }[], maxMx: number): { kept: { exchange: string; preference: number }[]; skipped: SkippedMx[] } {
  const names = new Set<string>();
  const kept: { exchange: string; preference: number }[] = [];
  const skipped: SkippedMx[] = [];
  for (const mx of sorted) {
    if (!names.has(mx.exchange) && names.size >= maxMx) skipped.push({ reason: 'max-mx', exchange: mx.exchange, preference: mx.preference, address: null });
    else {
      names.add(mx.exchange);
      kept.push(mx);
    }
  }
  return { kept, skipped };
}

async function resolveImplicit(domain: string, resolver: Resolver, options: MailHostOptions): Promise<Resolved> {
  const mapping = options.hostMap.get(domain);
  const record: MxRecord = { exchange: domain, preference: 0, addresses: [], cname: null, isIpLiteral: false, error: null };
  if (mapping) {
    const address = mappedAddress(mapping);
    record.addresses = [address.address];
    return { record, host: { mx: domain, preference: 0, addresses: [address] } };
  }
  const lookup = await lookupAddresses(domain, resolver, options.families, options.maxAddresses);
  if (lookup.error !== null) {
    record.error = `no MX record, and ${lookup.error}`;
    return { record, host: null };
  }
  record.addresses = lookup.addresses.map((a) => a.address);
  return { record, host: { mx: domain, preference: 0, addresses: lookup.addresses }, skipped: lookup.skipped };
}

async function resolveHost(host: string, resolver: Resolver, options: MailHostOptions): Promise<MailHostsResult> {
  const facts = (status: DnsFacts['status'], error: string | null = null): DnsFacts => ({
    status,
    resolver: resolver.description,
    mx: [],
    error,
  });
  const literal = ipLiteralOf(host);
  if (literal !== null) {
    const family = ipFamily(literal) === 6 ? 6 : 4;
    const mapping = options.hostMap.get(literal);
    const address: MailHostAddress = mapping ? mappedAddress(mapping) : { address: literal, family, port: null };
    return { dns: facts('not-applicable'), hosts: [{ mx: literal, preference: null, addresses: [address] }], notProbed: [] };
  }
  const mapping = options.hostMap.get(host);
  if (mapping) return { dns: facts('ok'), hosts: [{ mx: host, preference: null, addresses: [mappedAddress(mapping)] }], notProbed: [] };

  const lookup = await lookupAddresses(host, resolver, options.families, options.maxAddresses);
  if (lookup.error === null) {
    const notProbed = lookup.skipped.map((a): SkippedMx => ({ reason: 'max-addresses', exchange: host, preference: null, address: a.address }));
    return { dns: facts('ok'), hosts: [{ mx: host, preference: null, addresses: lookup.addresses }], notProbed };
  }
  return { dns: facts(lookup.status, `${host}: ${lookup.error}`), hosts: [], notProbed: [] };
}

/**
 * Finds the servers to probe for a target. A domain target: its MX hosts sorted by preference
 * (or its implicit MX), each with its A/AAAA addresses; a host target: the address itself, or
 * the name's addresses. Names in `hostMap` are not looked up.
 */
export async function resolveMailHosts(target: Target, resolver: Resolver, options: MailHostOptions): Promise<MailHostsResult> {
  // Map keys compared the way names are: lowercase, no trailing dot.
  const hostMap = new Map([...options.hostMap].map(([name, mapping]) => [normalizeDnsName(name), mapping]));
  const normalized: MailHostOptions = { ...options, hostMap };
  if (target.kind === 'host') {
    if (target.host === null) throw new Error('internal: a host target without a host');
    return resolveHost(normalizeDnsName(target.host), resolver, normalized);
  }
  if (target.domain === null) throw new Error('internal: a domain target without a domain');
  return resolveDomain(normalizeDnsName(target.domain), resolver, normalized);
}
