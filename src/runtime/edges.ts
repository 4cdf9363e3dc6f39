// The real edges (clock, resolver, connector, trust store), for callers that do not inject their own.
import { hostname } from 'node:os';
import type { DnssecResolver, HostMapping, JobEdges } from '../core/context.js';
import type { AddressPolicy, HttpFetcher } from '../http/fetcher.js';
import type { NodeFetcherOptions } from '../http/node-fetcher.js';
import { systemClock } from '../core/clock.js';
import { isHeloName } from '../core/names.js';
import { createScheduler, DEFAULT_SCHEDULER_LIMITS, type Scheduler } from '../core/scheduler.js';
import { createResolver, systemNameservers } from '../dns/system-resolver.js';
import { createDnssecResolver } from '../dns/dnssec-resolver.js';
import { bundledRootCertificates, createConnector } from '../net/connector.js';
import { contentSha256, createTrustStore } from '../pki/trust-store.js';

export interface EdgeOptions {
  /** 'IP[:PORT]' of a DNS server to send every query to; null = the system's resolvers. */
  resolver?: string | null;
  /** Extra trusted CA certificates (PEM texts), e.g. from --ca-file. */
  extraCaPems?: string[];
  /** Their names (file names) for the report, in the same order. */
  extraCaNames?: string[];
  dnsTimeoutMs?: number;
  /**
   * Which addresses the HTTP fetcher may connect to (URLs in certificates and DNS are
   * attacker-supplied). Default: any; the web UI's public mode passes publicOnlyPolicy.
   */
  addressPolicy?: AddressPolicy;
  /** Host names the HTTP fetcher connects to at a given address and port (the CLI's --connect). */
  hostMap?: ReadonlyMap<string, HostMapping>;
  /** Believe the AD bit of the resolver even when it is not on this machine (--trust-ad). */
  trustAd?: boolean;
}

/** The system's edges (the one place they are built from configuration). */
export interface Edges extends JobEdges {
  /** HTTP(S) for AIA, CRL, OCSP and MTA-STS: through this resolver and trust store, capped, no redirects by default. */
  fetcher: HttpFetcher;
  /** DNSSEC-aware lookups for DANE: the --resolver server, else the system's first. */
  dnssec: DnssecResolver;
}

/** A fully qualified name for EHLO: this machine's name when it is one, else a clearly local one. */
export function defaultHelo(): string {
  const name = hostname().toLowerCase();
  return isHeloName(name) && !name.startsWith('[') ? name : 'mxray.localdomain';
}

/** The one scheduler of this process: every job shares its limits. */
let processScheduler: Scheduler | null = null;
export function schedulerOfProcess(): Scheduler {
  return (processScheduler ??= createScheduler(DEFAULT_SCHEDULER_LIMITS));
}

/** The fetcher loads node:http/https only on its first fetch: most commands never fetch. */
function lazyFetcher(options: () => NodeFetcherOptions): HttpFetcher {
  let real: Promise<HttpFetcher> | null = null;
  return {
    fetch: async (request) => {
      real ??= import('../http/node-fetcher.js').then((m) => m.createNodeFetcher(options()));
      return (await real).fetch(request);
    },
  };
}

export function systemEdges(options: EdgeOptions = {}): Edges {
  const extra = options.extraCaPems ?? [];
  const resolver = createResolver({ server: options.resolver ?? null, timeoutMs: options.dnsTimeoutMs ?? 5000, tries: 2 });
  const trustStore = createTrustStore([...bundledRootCertificates(), ...extra], extra.length ? `Mozilla roots (Node) + ${extra.length} extra` : 'Mozilla roots (Node)', {
    bundledRootsOfNode: process.versions.node,
    extraCaFiles: extra.map((pem, i) => ({ name: options.extraCaNames?.[i] ?? `extra CA ${i + 1}`, sha256: contentSha256(pem) })),
  });
  return {
    clock: systemClock,
    resolver,
    connector: createConnector(systemClock),
    trustStore,
    helo: defaultHelo(),
    scheduler: schedulerOfProcess(),
    fetcher: lazyFetcher(() => ({ resolver, trustStore, addressPolicy: options.addressPolicy ?? (() => true), ...(options.hostMap ? { hostMap: options.hostMap } : {}) })),
    dnssec: createDnssecResolver({ server: options.resolver ?? systemNameservers()[0] ?? '127.0.0.1', timeoutMs: options.dnsTimeoutMs ?? 5000, tries: 2, trustAd: options.trustAd ?? false }),
  };
}
