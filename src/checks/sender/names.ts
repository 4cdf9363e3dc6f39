// What DNS says about the sending server: its reverse name and whether that resolves back (FCrDNS),
// whether the name it greeted with is usable and fits its address, and what the sending domain's SPF
// says of the address. Lookups that did not finish are reported once, and what hangs on them is not
// judged ("we could not tell", never a guess).
import type { SenderBody } from '../../core/schema.js';
import { nonPublicReason } from '../../core/address-ranges.js';
import { normalizeIp } from '../../pki/certificate.js';
import { fewOf } from '../words.js';
import type { Add } from './add.js';

/** Errors that say nothing about the records (the lookup itself failed): judged as unfinished. */
const TEMPORARY = /timeout|timed out|servfail|refused|econnrefused|etimeout|eai_again|network/i;

/** Two addresses compared as addresses: IPv6 in any notation, an IPv4-mapped IPv6 as its IPv4. */
export function sameAddress(a: string, b: string): boolean {
  const norm = (x: string) => {
    const s = x.trim().toLowerCase().replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
    return normalizeIp(s) ?? s;
  };
  return norm(a) === norm(b);
}

const bare = (name: string) => name.toLowerCase().replace(/\.$/, '');

/** Suffixes of names that exist only inside a network. */
const INTERNAL = /\.(local|localdomain|lan|internal|intranet|corp|home|private|localhost)$/i;

/** Why an EHLO name is no use to a receiver, or null when it is a plausible public host name. */
export function ehloProblem(name: string, clientIp: string): string | null {
  const n = bare(name.trim());
  const literal = /^\[(?:ipv6:)?([^\]]+)\]$/i.exec(n);
  if (literal) {
    return sameAddress(literal[1]!, clientIp) ? 'an address literal instead of a host name' : `an address literal of another address than ${clientIp}`;
  }
  if (n === '') return 'an empty name';
  if (n === 'localhost' || n.startsWith('localhost.')) return 'localhost';
  if (/^\d+(\.\d+){3}$/.test(n) || n.includes(':')) return 'a bare address without the brackets of an address literal';
  if (!/^[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*$/.test(n) || n.length > 253) return 'not a valid host name';
  if (!n.includes('.')) return 'a bare host name, not a fully qualified domain name';
  if (INTERNAL.test(n)) return 'an internal name that does not exist on the internet';
  return null;
}

/** Addresses of a network of one's own (documentation ranges stand for public ones in examples and tests). */
const PRIVATE_REASONS: ReadonlySet<string> = new Set(['loopback', 'private', 'shared (CGNAT)', 'link-local', 'unique-local', 'site-local']);

/** Why a client address is one of a private network ('loopback', 'private' …), or null for a public one. */
export function privateAddressReason(ip: string): string | null {
  const why = nonPublicReason(ip.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1'));
  return why !== null && PRIVATE_REASONS.has(why) ? why : null;
}

export function assessNames(body: SenderBody, add: Add): void {
  const s = body.session;
  const d = body.dns;
  const ip = s.clientIp;
  // A client on a private network: receivers on the internet never see this address, so what DNS
  // says of it (reverse name, SPF) judges nothing; the EHLO name's own shape still matters.
  const privateWhy = privateAddressReason(ip);
  if (privateWhy !== null) {
    add('sender.private-address', { ip, why: `a ${privateWhy} address` });
    const g = s.greeting;
    const problem = g === null ? null : ehloProblem(g.name, ip);
    if (g !== null && problem !== null) add('sender.ehlo-invalid', { name: g.name.slice(0, 300), why: problem });
    return;
  }
  const unfinished = [...d.unfinished];
  const isUnfinished = (prefix: RegExp) => d.unfinished.some((u) => prefix.test(u));

  // Reverse DNS and its confirmation.
  const reverseTemporary = d.reverse.error !== null && TEMPORARY.test(d.reverse.error);
  if (reverseTemporary && !isUnfinished(/^PTR\b/i)) unfinished.push(`PTR ${ip} (${d.reverse.error})`);
  if (d.reverse.names.length === 0 && !reverseTemporary && !isUnfinished(/^PTR\b/i)) {
    add('sender.no-rdns', { ip, why: d.reverse.error ?? 'no PTR record' });
  } else if (d.fcrdns === false) {
    add('sender.fcrdns-mismatch', { ip, names: fewOf(d.reverse.names, 3) });
  }

  // The EHLO name: usable at all, then whether it fits the address and the reverse name.
  const g = s.greeting;
  if (g !== null) {
    const problem = ehloProblem(g.name, ip);
    const temporary = d.ehlo !== null && d.ehlo.error !== null && TEMPORARY.test(d.ehlo.error);
    const listed = d.unfinished.some((u) => u.toLowerCase().includes(bare(g.name)));
    if (problem !== null) add('sender.ehlo-invalid', { name: g.name.slice(0, 300), why: problem });
    else if (temporary) {
      if (!listed) unfinished.push(`A/AAAA ${g.name.slice(0, 200)} (${d.ehlo!.error})`);
    } else if (d.ehlo !== null && !listed) {
      const what: string[] = [];
      if (!d.ehlo.addresses.some((a) => sameAddress(a, ip))) {
        what.push(d.ehlo.addresses.length === 0 ? `it does not resolve (${d.ehlo.error ?? 'no A/AAAA record'})` : `it resolves to ${fewOf(d.ehlo.addresses, 3)}, not to ${ip}`);
      }
      if (d.reverse.names.length > 0 && !d.reverse.names.some((r) => bare(r) === bare(g.name))) what.push(`the reverse name of ${ip} is ${fewOf(d.reverse.names, 3)}`);
      if (what.length) add('sender.ehlo-mismatch', { name: g.name.slice(0, 300), ip, what: what.join('; ') });
    }
  }

  // SPF of the MAIL FROM domain.
  const spf = d.spf;
  const domain = d.mailDomain;
  if (spf !== null && domain !== null) {
    const mechanism = spf.mechanism ?? 'no mechanism matched';
    switch (spf.result) {
      case 'pass':
        add('sender.spf-pass', { domain, ip, mechanism });
        break;
      case 'fail':
        add('sender.spf-fail', { domain, ip, mechanism, record: spf.record ?? '(none)' });
        break;
      case 'softfail':
        add('sender.spf-softfail', { domain, ip, mechanism });
        break;
      case 'neutral':
        add('sender.spf-neutral', { domain, ip, mechanism });
        break;
      case 'none':
        add('sender.spf-none', { domain });
        break;
      case 'permerror':
        add('sender.spf-permerror', { domain, reason: spf.reason ?? 'the record cannot be evaluated' });
        break;
      case 'temperror':
        add('sender.spf-temperror', { domain, reason: spf.reason ?? 'a DNS lookup failed' });
        break;
    }
  }
  if (unfinished.length) add('sender.dns-unfinished', { lookups: fewOf(unfinished, 3) });
}
