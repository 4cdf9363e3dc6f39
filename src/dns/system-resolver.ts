// The Resolver adapter over node:dns/promises (c-ares): the system's resolvers, or one server
// given with --resolver. Every failure becomes a DnsError with a code from one short list.
import { Resolver as NodeResolver } from 'node:dns/promises';
import type { MxAnswer, Resolver } from '../core/context.js';
import { DnsError, UsageError, type DnsErrorCode } from '../core/errors.js';
import { ipFamily, reverseName } from '../core/ip.js';
import { normalizeDnsName } from '../core/names.js';
import { refuseAmbiguousIPv6 } from '../core/target.js';

export interface ResolverOptions {
  /** null: the system's resolvers; else 'IP', 'IP:PORT', '[v6]', '[v6]:port' or a bare IPv6. */
  server: string | null;
  /** Per-try time-out in milliseconds. */
  timeoutMs: number;
  /** Attempts per server before giving up (default 2; c-ares doubles the time-out on each retry). */
  tries?: number;
}

// A Map, not an object literal: a code such as "constructor" must not find an inherited property.
const CODE_MAP: ReadonlyMap<string, DnsErrorCode> = new Map([
  ['ENOTFOUND', 'NXDOMAIN'],
  ['ENODATA', 'NODATA'],
  ['ESERVFAIL', 'SERVFAIL'],
  ['ETIMEOUT', 'TIMEOUT'],
  ['EREFUSED', 'REFUSED'],
  // Nothing listens at the resolver's address (ICMP port unreachable on UDP, a refused TCP
  // connection): no server refused anything, there is no server.
  ['ECONNREFUSED', 'UNREACHABLE'],
]);

/** Maps a node:dns error (c-ares code) to a DnsError. */
export function toDnsError(err: unknown, qname: string, qtype: string): DnsError {
  if (err instanceof DnsError) return err;
  const nodeCode = (err as { code?: unknown } | null)?.code;
  // Map.get finds nothing for a key that is not one of its strings.
  const code = CODE_MAP.get(nodeCode as string) ?? 'OTHER';
  const detail = code === 'OTHER' ? `${qtype} ${qname}: ${typeof nodeCode === 'string' ? nodeCode : err instanceof Error ? err.message : String(err)}` : undefined;
  return new DnsError(code, qname, qtype, detail);
}

/**
 * Checks and normalises a --resolver value to what setServers() takes.
 * Throws UsageError for anything else (a host name would need a resolver to resolve it).
 */
export function parseResolverServer(server: string): string {
  const text = server.trim();
  const bad = (): never => {
    throw new UsageError(`--resolver ${JSON.stringify(text.slice(0, 80))}: give an IP address, IP:PORT or [IPv6]:PORT`);
  };
  const portOk = (p: string): boolean => /^[0-9]{1,5}$/.test(p) && Number(p) >= 1 && Number(p) <= 65535;
  const bracketed = /^\[([^\]]+)\](?::([^:]*))?$/.exec(text);
  if (bracketed) {
    const ip = bracketed[1] as string; // [^\]]+ matched at least one character
    if (ipFamily(ip) !== 6) return bad();
    if (bracketed[2] === undefined) return `[${ip}]`;
    if (!portOk(bracketed[2])) return bad();
    return `[${ip}]:${Number(bracketed[2])}`;
  }
  if (ipFamily(text) === 4) return text;
  if (ipFamily(text) === 6) {
    // "::1:53" is the address ::1:53, and ::1 with port 53: brackets say which.
    refuseAmbiguousIPv6(text, `--resolver ${JSON.stringify(text.slice(0, 80))}`);
    return text;
  }
  // IPv4:PORT. (Without a colon, lastIndexOf gives -1: the text less its last character is then no
  // IPv4 address that a port of digits could follow.)
  const colon = text.lastIndexOf(':');
  if (ipFamily(text.slice(0, colon)) === 4 && portOk(text.slice(colon + 1))) {
    return `${text.slice(0, colon)}:${Number(text.slice(colon + 1))}`;
  }
  return bad();
}


export function createResolver(options: ResolverOptions): Resolver {
  const node = new NodeResolver({ timeout: Math.max(1, Math.round(options.timeoutMs)), tries: Math.max(1, options.tries ?? 2) });
  let description = 'system';
  if (options.server !== null) {
    const server = parseResolverServer(options.server);
    node.setServers([server]);
    description = server;
  }

  async function run<T>(qname: string, qtype: string, query: () => Promise<T>): Promise<T> {
    try {
      return await query();
    } catch (err) {
      throw toDnsError(err, qname, qtype);
    }
  }

  return {
    description,
    mx: (name) =>
      run(name, 'MX', async () =>
        // A null MX (RFC 7505) comes back with exchange "": kept as is for the caller to spot.
        (await node.resolveMx(name)).map((r): MxAnswer => ({ exchange: normalizeDnsName(r.exchange), priority: r.priority })),
      ),
    a: (name) => run(name, 'A', () => node.resolve4(name)),
    aaaa: (name) => run(name, 'AAAA', () => node.resolve6(name)),
    cname: (name) => run(name, 'CNAME', async () => (await node.resolveCname(name)).map(normalizeDnsName)),
    // A real PTR query: c-ares' reverse() would answer from /etc/hosts first and bypass --resolver.
    ptr: (address) => run(address, 'PTR', async () => (await node.resolvePtr(reverseName(address))).map(normalizeDnsName)),
    txt: (name) => run(name, 'TXT', () => node.resolveTxt(name)),
  };
}

/** The system's DNS servers as setServers() writes them ("IP", "IP:port", "[v6]:port"), first the one tried first. */
export function systemNameservers(): string[] {
  return new NodeResolver().getServers().map((s) => (s.includes(':') && !s.startsWith('[') && !/^\d+\.\d+\.\d+\.\d+:\d+$/.test(s) ? `[${s}]` : s));
}
