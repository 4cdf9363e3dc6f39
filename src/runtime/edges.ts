// The real edges (clock, resolver, connector, trust store), for callers that do not inject their own.
import { hostname } from 'node:os';
import type { JobEdges } from '../core/context.js';
import { systemClock } from '../core/clock.js';
import { isHeloName } from '../core/names.js';
import { createResolver } from '../dns/system-resolver.js';
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
}

/** The system's edges (the one place they are built from configuration). */
export type Edges = JobEdges;

/** A fully qualified name for EHLO: this machine's name when it is one, else a clearly local one. */
export function defaultHelo(): string {
  const name = hostname().toLowerCase();
  return isHeloName(name) && !name.startsWith('[') ? name : 'mxray.localdomain';
}

export function systemEdges(options: EdgeOptions = {}): Edges {
  const extra = options.extraCaPems ?? [];
  return {
    clock: systemClock,
    resolver: createResolver({ server: options.resolver ?? null, timeoutMs: options.dnsTimeoutMs ?? 5000, tries: 2 }),
    connector: createConnector(systemClock),
    trustStore: createTrustStore([...bundledRootCertificates(), ...extra], extra.length ? `Mozilla roots (Node) + ${extra.length} extra` : 'Mozilla roots (Node)', {
      bundledRootsOfNode: process.versions.node,
      extraCaFiles: extra.map((pem, i) => ({ name: options.extraCaNames?.[i] ?? `extra CA ${i + 1}`, sha256: contentSha256(pem) })),
    }),
    helo: defaultHelo(),
  };
}
