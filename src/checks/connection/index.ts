// The connection: whether we reached the address at all (and whether our own probe failed), and,
// for the domain, whether we reached none of its addresses.
import type { Finding, HostReport } from '../../core/schema.js';
import { makeFinding } from '../../kb/index.js';
import { evidenceOf, hostFindings, type CheckInput, type Check, type DomainCheckInput } from '../check.js';
import { lastOf } from '../evidence.js';

/** Connect errors that mean "no route from here": our network, not the server. */
const NO_ROUTE: ReadonlySet<string | null> = new Set(['ENETUNREACH', 'EHOSTUNREACH', 'EADDRNOTAVAIL', 'EAFNOSUPPORT', 'ENETDOWN']);

export type ConnectionInput = CheckInput<'status' | 'statusReason' | 'statusDetail', never, 'timeouts'>;

export const connectionCheck: Check<ConnectionInput> = {
  name: 'connection',
  assess: ({ facts, ctx }) => {
    const ev = evidenceOf(facts);
    const { findings, add } = hostFindings(facts.key);
    // Our own bug while probing: labelled as ours, never blamed on the server.
    if (facts.status === 'internal-error') add('mxray.internal-error', { detail: facts.statusDetail }, lastOf(ev));
    // Stopped by mxray at its deadline (the receiver job marks it so): ours to say, never the server's fault.
    if (facts.status === 'deadline-reached') add('net.deadline-reached', { detail: facts.statusDetail }, lastOf(ev));
    // Refused by our own address policy (a public instance): nothing was measured, and the server is not to blame.
    if (facts.status === 'blocked-target') add('net.blocked-target', { detail: facts.statusDetail ?? 'the address policy refuses it' }, lastOf(ev));
    if (facts.status === 'connection-refused') {
      if (NO_ROUTE.has(facts.statusReason)) add('net.no-route', { error: facts.statusReason }, ev.connect);
      else add('net.connect-refused', {}, ev.connect);
    } else if (facts.status === 'connection-timeout') add('net.connect-timeout', { timeoutMs: ctx.timeouts.connectMs }, ev.connect);
    return findings;
  },
};

/** Every address of the domain timed out: most likely port 25 is blocked on our side, not theirs. */
export const allUnreachableCheck: Check<Pick<DomainCheckInput, 'facts'> & { hosts: readonly Pick<HostReport, 'status'>[] }> = {
  name: 'all-unreachable',
  assess: ({ facts, hosts }) => {
    const findings: Finding[] = [];
    const { target } = facts;
    if (hosts.length > 0 && hosts.every((h) => h.status === 'connection-timeout')) {
      findings.push(
        makeFinding('net.all-unreachable', {
          domain: target.domain ?? target.host,
          count: hosts.length,
          port: target.port,
          sourceAddress: facts.sourceAddress ?? 'unknown (no connection was established)',
        }),
      );
    }
    return findings;
  },
};
