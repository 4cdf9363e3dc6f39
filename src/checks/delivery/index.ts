// Delivery: the domain as senders deliver to it. A sending MTA tries the MX hosts by preference
// (equal preferences in random order), moves on to the next address only when one refuses the
// connection, times out, or answers 4xx/5xx before any mail; an address that greets is where the
// mail goes, whatever happens to TLS there (after a failed handshake an opportunistic sender retries
// the same host in clear text, it does not move on). Postfix also caps a delivery at
// smtp_mx_address_limit (5) addresses and smtp_mx_session_limit (2) sessions that greeted.
//
// So the domain's verdict is the verdict of the hosts that accept mail, with a warning for each
// one senders skip; a host that refuses is a failure only when no other host takes the mail.
import type { Delivery, Finding, HostReport, NotProbed, SenderOutcome } from '../../core/schema.js';
import { makeFinding } from '../../kb/index.js';
import type { Check, DomainCheckInput } from '../check.js';

/** Postfix's defaults (postconf(5)): most senders stop at about as many. */
export const SENDER_LIMITS = { addresses: 5, sessions: 2 } as const;

/** A 4xx after a greeting (EHLO refused with 421, rate limits): the sender tries the next host. */
const DEFERRED_AFTER_GREETING: ReadonlySet<string> = new Set(['smtp.rate-limited', 'smtp.greylisted']);

type Judged = Pick<HostReport, 'key' | 'mx' | 'preference' | 'status' | 'banner' | 'findings'>;

/** What a sender does with this one address, from its probe and findings. */
export function senderOutcome(h: Judged): Exclude<SenderOutcome, 'not-tried'> {
  if (h.status === 'connection-timeout' || h.status === 'greeting-timeout') return 'timeout';
  const code = h.banner?.code ?? null;
  // Stopped by mxray before a greeting: nothing was learned of it, least of all a refusal.
  if (h.status === 'deadline-reached' && code === null) return 'unknown';
  // Refused, closed or broken before a complete greeting: nothing to deliver to, the sender moves on.
  if (code === null) return 'refused';
  if (code >= 500) return 'rejected';
  if (code >= 400) return 'deferred';
  if (h.findings.some((f) => DEFERRED_AFTER_GREETING.has(f.id))) return 'deferred';
  return 'accepts';
}

/** Addresses in the order senders try them: by MX preference, probe order within a preference (the sort is stable). */
function senderOrder<H extends Judged>(hosts: readonly H[]): H[] {
  return [...hosts].sort((a, b) => (a.preference ?? 0) - (b.preference ?? 0));
}

/** Walks the addresses as a sender would and says where mail lands. */
export function assessDelivery(hosts: readonly Judged[], limits: { addresses: number; sessions: number } = SENDER_LIMITS): Delivery {
  const ordered = senderOrder(hosts);
  const attempts: Delivery['attempts'] = [];
  let sessions = 0;
  const accepting: Judged[] = [];
  let acceptedAt: number | null = null;
  ordered.forEach((h, i) => {
    let outcome: SenderOutcome = senderOutcome(h);
    // Beyond the limits before any address accepted: the sender never gets here.
    if (acceptedAt === null && (i >= limits.addresses || sessions >= limits.sessions)) outcome = 'not-tried';
    // A session that greeted (2xx) and then deferred counts against the session limit.
    if (outcome === 'deferred' && h.banner !== null && h.banner.code < 400) sessions++;
    if (outcome === 'accepts') {
      if (acceptedAt === null) acceptedAt = i;
      // Every accepting host of the first preference that accepts shares the mail.
      if ((h.preference ?? 0) === (ordered[acceptedAt]!.preference ?? 0)) accepting.push(h);
    }
    attempts.push({ key: h.key, mx: h.mx, preference: h.preference, outcome });
  });
  if (hosts.length === 0) return { state: 'not-applicable', attempts, deliveredTo: [], limits: { ...limits } };
  const deliveredTo = [...new Set(accepting.map((h) => h.mx))];
  const state = acceptedAt === null ? 'none' : acceptedAt === 0 ? 'delivered' : 'fallback';
  return { state, attempts, deliveredTo, limits: { ...limits } };
}

/** Whether an address accepts mail for the domain (and is reached within the senders' limits). */
export function accepts(delivery: Delivery, key: string): boolean {
  return delivery.attempts.some((a) => a.key === key && a.outcome === 'accepts');
}

/** What left addresses untested, in words: the bounds, as the report records them. */
function untestedWhy(notProbed: readonly NotProbed[], count: number, maxMx: number): string {
  const reasons = new Set(notProbed.map((n) => n.reason));
  const words: string[] = [];
  if (reasons.has('max-mx')) words.push(`only the first ${maxMx} MX host(s) by preference are tested, --max-mx`);
  if (reasons.has('max-addresses')) words.push('only the first addresses of each host name are tested');
  if (reasons.has('deadline')) words.push('the deadline came first');
  // More left out than listed: the list says why for those it holds.
  return words.length ? words.join('; ') : `${count} not tested`;
}

/**
 * Mail cannot be delivered only because of the senders' limits: an address that would accept lies
 * beyond them. Or no tested address accepts mail while mxray's own bounds left others untested,
 * within the senders' limits: then nobody knows.
 */
export const deliveryCheck: Check<Pick<DomainCheckInput, 'facts' | 'hosts' | 'delivery'>> = {
  name: 'delivery',
  assess: ({ facts, hosts, delivery: walk }) => {
    if (walk.state !== 'none') return [];
    // Nothing delivered, yet some address would accept: senders never got that far.
    const ordered = senderOrder(hosts);
    const beyond = ordered.findIndex((h) => senderOutcome(h) === 'accepts');
    if (beyond < 0) {
      const bounds = facts.bounds;
      // Senders that stop at their limits among the tested ones never reach the untested ones either.
      const senderStopped = walk.attempts.some((a) => a.outcome === 'not-tried');
      if (!bounds || bounds.notProbedCount === 0 || senderStopped) return [];
      return [
        makeFinding('delivery.untested-hosts', {
          domain: facts.target.domain ?? facts.target.host,
          count: bounds.notProbedCount,
          why: untestedWhy(bounds.notProbed, bounds.notProbedCount, bounds.maxMx),
        }),
      ];
    }
    const findings: Finding[] = [
      makeFinding('delivery.beyond-limits', {
        domain: facts.target.domain ?? facts.target.host,
        host: ordered[beyond]!.key,
        position: beyond + 1,
        addresses: walk.limits.addresses,
        sessions: walk.limits.sessions,
      }),
    ];
    return findings;
  },
};
