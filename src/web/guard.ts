// Public mode (`mxray serve --public`): the edges every job of an instance open to strangers runs
// with. A target is chosen by whoever fills in the form, so nothing may reach this host, its
// network or anything that is not public unicast on the internet, and only mail ports:
//   - the resolver's A/AAAA answers lose every non-public address after resolution when public ones
//     are beside them; a name with none keeps them, for the connector to refuse and the report to name;
//   - the connector refuses again, just before it would open a socket, any non-public address and
//     any port but the mail ports: no DNS-rebinding gap (the address checked is the one connected
//     to), and it covers IP literals, host maps and whatever else hands it an address;
//   - the HTTP fetcher (AIA, CRL, OCSP, MTA-STS) connects to public addresses on ports 80 and 443 only;
//   - no host map; the DNSSEC resolver is kept (it talks to the configured resolver only).
// `targetProblem` refuses the obvious cases (a non-public IP literal, localhost, another port)
// before a job starts, in one line.
import { nonPublicReason } from '../core/address-ranges.js';
import type { Connector, MxAnswer, Resolver } from '../core/context.js';
import { MxrayError } from '../core/errors.js';
import { ipFamily } from '../core/ip.js';
import { parseTarget } from '../core/target.js';
import type { AddressPolicy, FetchLimits, HttpFetcher } from '../http/fetcher.js';
import { createNodeFetcher } from '../http/node-fetcher.js';
import type { WebEdges } from './kinds/model.js';

/** The ports SMTP jobs may connect to in public mode: SMTP, SMTPS, submission, and the usual alternative. */
export const PUBLIC_SMTP_PORTS: readonly number[] = [25, 465, 587, 2525];
/** The ports the HTTP fetcher may connect to in public mode. */
export const PUBLIC_HTTP_PORTS: readonly number[] = [80, 443];

/** The server's edges without the two public mode replaces (the fetcher and the host map). */
export type PublicEdgeBase = Omit<WebEdges, 'fetcher' | 'hostMap'>;

export interface PublicEdgeOptions {
  /** The ports the connector allows. Default PUBLIC_SMTP_PORTS (tests widen it to a loopback server's port). */
  smtpPorts?: readonly number[];
  /** The ports the fetcher allows. Default PUBLIC_HTTP_PORTS. */
  httpPorts?: readonly number[];
  /** The fetcher's limits (default: the fetcher's own). */
  fetchLimits?: Partial<FetchLimits>;
}

/** "25, 465, 587 and 2525". */
function listOf(ports: readonly number[]): string {
  return ports.length <= 1 ? ports.join('') : `${ports.slice(0, -1).join(', ')} and ${ports.at(-1)}`;
}

/**
 * The resolver, checked after resolution: a non-public address beside public ones is removed from
 * the answer (senders would use the public ones; the job never tries the others). A name whose every
 * address is non-public keeps them: the job then tries each and the connector refuses it before any
 * socket (`blocked-target`), so the report says, per address, that public mode refused it — an
 * inconclusive `net.blocked-target`, ours — instead of blaming the domain for "no address".
 */
export function guardResolver(base: Resolver): Resolver {
  const addresses = async (name: string, qtype: 'A' | 'AAAA', answer: Promise<string[]>): Promise<string[]> => {
    const found = await answer;
    const allowed: string[] = [];
    const refused: { address: string; reason: string }[] = [];
    for (const address of found) {
      const reason = nonPublicReason(address);
      if (reason === null) allowed.push(address);
      else refused.push({ address, reason });
    }
    // Every address refused: handed on, to be refused (and reported) at connect time.
    return allowed.length === 0 ? found : allowed;
  };
  return {
    description: base.description,
    mx: (name): Promise<MxAnswer[]> => base.mx(name),
    a: (name) => addresses(name, 'A', base.a(name)),
    aaaa: (name) => addresses(name, 'AAAA', base.aaaa(name)),
    cname: (name) => base.cname(name),
    ptr: (address) => base.ptr(address),
    txt: (name) => base.txt(name),
  };
}

/**
 * Why public mode refuses a connection to this address and port, or null: MxrayError('blocked-target')
 * with the detail 'address-policy' or 'port-policy', and one line.
 */
export function connectRefusal(address: string, port: number, ports: readonly number[] = PUBLIC_SMTP_PORTS): MxrayError | null {
  const reason = nonPublicReason(address);
  if (reason !== null) return new MxrayError('blocked-target', `the public-mode address policy refuses ${address} (${reason})`, 'address-policy');
  if (!ports.includes(port)) return new MxrayError('blocked-target', `the public-mode address policy allows ports ${listOf(ports)} only, not ${port}`, 'port-policy');
  return null;
}

/** The connector that asks, before every connection and before any socket exists, whether the address and port are allowed. */
export function guardConnector(base: Connector, ports: readonly number[] = PUBLIC_SMTP_PORTS): Connector {
  return {
    async connect(options) {
      const refusal = connectRefusal(options.address, options.port, ports);
      if (refusal !== null) throw refusal;
      return base.connect(options);
    },
  };
}

/** The fetcher's address policy in public mode: public addresses on the HTTP ports only. */
export function publicHttpPolicy(ports: readonly number[] = PUBLIC_HTTP_PORTS): AddressPolicy {
  return (address, port) => {
    const reason = nonPublicReason(address);
    if (reason !== null) return reason;
    return ports.includes(port) ? true : `port ${port} (public mode fetches from ports ${listOf(ports)} only)`;
  };
}

/**
 * The edges of public mode, built from the server's own. The fetcher asks the server's resolver
 * (not the guarded one) and refuses with its policy just before each connection: a refused fetch
 * is then reported as 'blocked-target' ("not fetched: the address policy refuses …") rather than
 * as a name that does not resolve; the address checked is the very one connected to either way.
 */
export function publicEdges(base: PublicEdgeBase, options: PublicEdgeOptions = {}): WebEdges {
  const fetcher: HttpFetcher = createNodeFetcher({
    resolver: base.resolver,
    trustStore: base.trustStore,
    addressPolicy: publicHttpPolicy(options.httpPorts ?? PUBLIC_HTTP_PORTS),
    ...(options.fetchLimits ? { limits: options.fetchLimits } : {}),
  });
  return {
    clock: base.clock,
    resolver: guardResolver(base.resolver),
    // Block lists' answers are data (127.0.0.2 = listed), never connected to.
    lookupResolver: base.resolver,
    dnssec: base.dnssec,
    connector: guardConnector(base.connector, options.smtpPorts ?? PUBLIC_SMTP_PORTS),
    trustStore: base.trustStore,
    fetcher,
    scheduler: base.scheduler,
    helo: base.helo,
    hostMap: new Map(),
  };
}

/** Names that are this host whatever DNS says (RFC 6761 §6.3). */
function isLocalhostName(name: string): boolean {
  return name === 'localhost' || name.endsWith('.localhost');
}

/**
 * Why public mode refuses a target or host as written (`domain`, `user@domain`, `host:port`, an IP
 * literal), one line, or null: a non-public IP literal, localhost, a port but the mail ports
 * (written in the text, or `port`). Text that is no target at all is null here: the job's own
 * parsing says what is wrong with it. Names are judged after resolution, by the edges.
 */
export function targetProblem(text: string, port: number | null = null, ports: readonly number[] = PUBLIC_SMTP_PORTS): string | null {
  let host: string | null;
  let writtenPort: number;
  try {
    const target = parseTarget(text);
    host = target.host ?? target.domain;
    writtenPort = target.port;
  } catch {
    return null;
  }
  if (host !== null) {
    if (isLocalhostName(host)) return `public mode does not test ${host}: it is this server itself`;
    if (ipFamily(host) !== 0) {
      const reason = nonPublicReason(host);
      if (reason !== null) return `public mode does not test ${host}: ${reason}`;
    }
  }
  for (const p of [writtenPort, port]) {
    if (p !== null && !ports.includes(p)) return `public mode tests ports ${listOf(ports)} only, not ${p}`;
  }
  return null;
}
