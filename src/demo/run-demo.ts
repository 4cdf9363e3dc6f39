// `mxray demo`: the receiver test against the built-in lab, through the real resolver and
// connector code: a DNS server on loopback answers for the lab's zone, and the lab's host map
// (the same mechanism as --connect) points each MX name at its server's port.
import type { Clock, Resolver, TrustStore } from '../core/context.js';
import type { HttpFetcher } from '../http/fetcher.js';
import type { ReceiverReport as Report, TranscriptEvent } from '../core/schema.js';
import { systemClock } from '../core/clock.js';
import { createNodeFetcher } from '../http/node-fetcher.js';
import { createResolver } from '../dns/system-resolver.js';
import { createDnssecResolver } from '../dns/dnssec-resolver.js';
import { createConnector, bundledRootCertificates } from '../net/connector.js';
import { contentSha256, createTrustStore } from '../pki/trust-store.js';
import { checkReceiver } from '../library.js';
import { limitConcurrency } from '../core/concurrency.js';
import { startDnsServer } from './dns-server.js';
import { startLab, type Lab, type LabScenario } from './lab.js';
import { schedulerOfProcess } from '../runtime/edges.js';

export interface DemoScenarioResult extends LabScenario {
  report: Report;
}

export interface DemoOptions {
  only?: string[];
  clock?: Clock;
  /** How many scenarios to test at once. */
  concurrency?: number;
  onScenario?: (name: string, phase: 'start' | 'done') => void;
  onEvent?: (event: TranscriptEvent) => void;
}

/** A running lab plus the DNS server that answers for it: what tests and the bench reuse. */
export interface RunningLab {
  lab: Lab;
  dns: { address: string; port: number };
  /** "--resolver" value for the lab's DNS server. */
  resolver: string;
  stop(): Promise<void>;
}

export async function startLabWithDns(options: { now: number; only?: string[] }): Promise<RunningLab> {
  const lab = await startLab({ now: options.now, ...(options.only ? { only: options.only } : {}) });
  let dns;
  try {
    dns = await startDnsServer(lab.zone);
  } catch (err) {
    await lab.stop();
    throw err;
  }
  return {
    lab,
    dns: { address: dns.address, port: dns.port },
    resolver: `${dns.address}:${dns.port}`,
    async stop() {
      await Promise.all([dns.stop(), lab.stop()]);
    },
  };
}

/** HTTPS (the MTA-STS policy host, AIA …) through the lab's DNS, to loopback only, at the lab's ports. */
export function labFetcher(running: RunningLab, resolver: Resolver, trustStore: TrustStore): HttpFetcher {
  return createNodeFetcher({ resolver, trustStore, hostMap: running.lab.hostMap, addressPolicy: (address) => address.startsWith('127.') || address === '::1' || 'not the lab (loopback only)' });
}

/** The edges that reach a running lab: its DNS server (and as the DNSSEC resolver), the trust store with its root, its HTTPS hosts. */
export function labEdges(running: RunningLab, clock: Clock, extraCaPems: readonly string[] = []) {
  const resolver = createResolver({ server: running.resolver, timeoutMs: 2000, tries: 1 });
  // The lab's DNS server is on loopback and plays a validating resolver: DANE is judged by its AD bit.
  const dnssec = createDnssecResolver({ server: running.resolver, timeoutMs: 2000, tries: 1 });
  const connector = createConnector(clock);
  const trustStore = createTrustStore([...bundledRootCertificates(), running.lab.trustedCaPem, ...extraCaPems], 'Mozilla roots (Node) + the demo root', {
    bundledRootsOfNode: process.versions.node,
    extraCaFiles: [{ name: 'the demo root (made for this run)', sha256: contentSha256(running.lab.trustedCaPem) }],
  });
  return { resolver, dnssec, connector, trustStore, fetcher: labFetcher(running, resolver, trustStore) };
}

export async function runDemo(options: DemoOptions = {}): Promise<DemoScenarioResult[]> {
  const clock = options.clock ?? systemClock;
  const running = await startLabWithDns({ now: clock.now(), ...(options.only ? { only: options.only } : {}) });
  try {
    const { resolver, dnssec, connector, trustStore, fetcher } = labEdges(running, clock);
    const run = limitConcurrency(options.concurrency ?? 6);
    return await Promise.all(
      running.lab.scenarios.map((scenario) =>
        run(async () => {
          options.onScenario?.(scenario.name, 'start');
          const report = await checkReceiver({
            target: scenario.domain,
            helo: 'client.mxray.test',
            clock,
            resolver,
            dnssec,
            connector,
            trustStore,
            fetcher,
            scheduler: schedulerOfProcess(),
            hostMap: running.lab.hostMap,
            limits: { greetingTimeoutMs: 10_000, commandTimeoutMs: 10_000, connectTimeoutMs: 5000, tlsTimeoutMs: 5000 },
            ...(options.onEvent ? { onEvent: options.onEvent } : {}),
          });
          options.onScenario?.(scenario.name, 'done');
          return { ...scenario, report };
        }),
      ),
    );
  } finally {
    await running.stop();
  }
}
