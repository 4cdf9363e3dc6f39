// `mxray headers`' judge: one message's hops (as read by jobs/headers) → the trust boundary, which
// hops crossed between organisations, what each proves about TLS, the delays, and the findings;
// then, over every message read, one finding per id with how many messages showed it.
//
// TLS per hop: a TLS comment or an RFC 3848 "S" type (ESMTPS, ESMTPSA, LMTPS, UTF8SMTPS, HTTPS)
// proves TLS. `with ESMTP` (no S) proves clear text only when written by software that marks TLS
// whenever it is used (RFC3848_SOFTWARE); Exchange and Sendmail write their TLS comment whenever
// TLS was used, so its absence proves clear text there. Anything else: unknown.
import type { Finding, HeaderHop, HeaderMessage, HeadersBody } from '../../core/schema.js';
import { duration } from '../../core/duration.js';
import { providerOf } from '../../kb/mail-providers.js';
import { makeFinding, type Facts, type FindingId } from '../../kb/index.js';
import type { Check } from '../check.js';
import { fewOf } from '../words.js';
import { addressLiteral, hostName, isOwnSide, orgOf, ownOrganisation, registrableDomain, type OwnOrganisation } from './organisations.js';

export { registrableDomain, isInternalAddress, orgOf, ownOrganisation, splitInternal } from './organisations.js';

/** Software that writes an "S" type (ESMTPS …) whenever TLS was used: its plain type proves clear text. */
export const RFC3848_SOFTWARE: Readonly<Record<string, string>> = {
  postfix: 'Postfix',
  exim: 'Exim',
  opensmtpd: 'OpenSMTPD',
  gmail: 'Gmail',
  haraka: 'Haraka',
  zimbra: 'Zimbra (Postfix)',
  ironport: 'Cisco Secure Email (IronPort)',
};

/** Software that writes a TLS comment whenever TLS was used: without it, clear text. */
export const TLS_COMMENT_SOFTWARE: Readonly<Record<string, string>> = {
  exchange: 'Exchange writes "(version=…, cipher=…)" whenever TLS was used',
  sendmail: 'Sendmail writes "(version=… cipher=… verify=…)" whenever TLS was used',
};

const SOFTWARE_NAMES: Readonly<Record<string, string>> = {
  ...RFC3848_SOFTWARE,
  exchange: 'Exchange',
  sendmail: 'Sendmail',
  qmail: 'qmail',
  iis: 'IIS SMTP',
  amavis: 'Amavis',
};

export const softwareName = (s: string | null): string => (s === null ? 'unknown software' : (SOFTWARE_NAMES[s] ?? s));

/** What the line proves about TLS on its hop. */
const hasFrom = (h: Pick<HeaderHop, 'fromHelo' | 'fromReverse' | 'fromIp'>): boolean => h.fromHelo !== null || h.fromReverse !== null || h.fromIp !== null;

export function hopTls(h: Pick<HeaderHop, 'with' | 'protocol' | 'tlsVersion' | 'cipher' | 'tlsSource' | 'software' | 'fromHelo' | 'fromReverse' | 'fromIp'>): { state: HeaderHop['tls']; evidence: string } {
  if (h.tlsVersion !== null || h.cipher !== null) {
    const what = [h.tlsVersion, h.cipher].filter((x) => x !== null).join(' ');
    return { state: 'tls', evidence: `the TLS details written (${what})` };
  }
  if (h.tlsSource !== null) return { state: 'tls', evidence: `the line says TLS was used (${h.tlsSource})` };
  const w = h.with ?? '';
  if (!hasFrom(h)) return { state: 'unknown', evidence: 'no from clause: a hand-off inside one server, not a network hop' };
  if (h.protocol?.tls === true) return { state: 'tls', evidence: `with ${w} (RFC 3848: the S means TLS)` };
  const comment = h.software === null ? undefined : TLS_COMMENT_SOFTWARE[h.software];
  // Only an SMTP hop: Exchange's "with mapi" or "with HTTP" is a client's, and carries no TLS comment either way;
  // Exchange writes "with Microsoft SMTP Server" (no type read), Sendmail always writes its type.
  if (comment !== undefined && (/^e?smtp$/i.test(h.with ?? '') || (h.with === null && h.software === 'exchange'))) return { state: 'clear', evidence: `no TLS comment, and ${comment}` };
  if (h.protocol?.tls === false) {
    if (h.software !== null && RFC3848_SOFTWARE[h.software] !== undefined) return { state: 'clear', evidence: `with ${w}, written by ${RFC3848_SOFTWARE[h.software]}, which marks TLS (RFC 3848)` };
    return { state: 'unknown', evidence: `with ${w}, but ${h.software === null ? 'the software that wrote it is not known' : `${softwareName(h.software)} is not known`} to mark TLS` };
  }
  return { state: 'unknown', evidence: h.with === null ? 'no transmission type and no TLS details written' : `with ${w}: not a type that says either way` };
}

/** TLS 1.0 and 1.1 and every SSL: deprecated (RFC 8996). Names as normaliseTlsVersion writes them. */
export function isOldProtocol(version: string | null): boolean {
  return version !== null && /^(SSL|TLS 1\.[01]$)/.test(version);
}

const VERSION_ORDER = ['SSL 2.0', 'SSL 3.0', 'TLS 1.0', 'TLS 1.1', 'TLS 1.2', 'TLS 1.3'];
function versionRank(v: string): number {
  const i = VERSION_ORDER.indexOf(v);
  return i === -1 ? VERSION_ORDER.length : i;
}

export interface HeadersJudgeOptions {
  domains?: readonly string[];
  internal?: readonly string[];
  authservIds?: readonly string[];
}

/** A finding of one message before findings are merged over every message. */
export interface MessageFinding {
  id: FindingId;
  facts: Facts;
}

const hostOf = (h: HeaderHop): string => h.fromReverse ?? h.fromHelo ?? h.fromIp ?? 'an unnamed host';
const hopLabel = (h: HeaderHop): string => {
  const host = hostOf(h);
  // A bare address, or a HELO that is the address itself ("[192.0.2.1]"), is not said twice.
  return `${host}${h.fromIp !== null && addressLiteral(host) !== h.fromIp ? ` [${h.fromIp}]` : ''}`;
};
/** The type of a clear-text hop as written; a clear hop without one is Exchange's ("with Microsoft SMTP Server", see hopTls). */
const typeOf = (h: HeaderHop): string => h.with ?? 'Microsoft SMTP Server';

/**
 * The domain whose MX hosts `mxray check` should test for a hop: the receiving host's domain, or —
 * when a mail provider's host received it — the recipient's domain (the `for` address, else the
 * organisation's --domain), since testing the provider itself tells nothing about the customer.
 */
function domainToTest(h: HeaderHop, m: HeaderMessage): string {
  const by = h.by === null ? null : hostName(h.by);
  if (by !== null && providerOf(by) === null) return registrableDomain(by) ?? by;
  const rcpt = [h.for, ...m.hops.map((x) => x.for)].find((f): f is string => f !== null && f.includes('@'));
  const domain = rcpt?.slice(rcpt.lastIndexOf('@') + 1) ?? null;
  return domain !== null && hostName(domain) !== null ? domain : (m.organisation.names.find((n) => hostName(n) !== null) ?? 'your domain');
}
const secondsBetween = (a: string, b: string): number => Math.round((Date.parse(b) - Date.parse(a)) / 100) / 10;

/** The receiving server wrote that the client's address has no (verified) name. */
function reverseFailed(h: HeaderHop): boolean {
  const raw = h.raw.toLowerCase(); // at most 2,000 characters (jobs/headers)
  return raw.includes('(unknown [') || raw.includes('may be forged');
}

/** Zones, organisations and crossing of every hop (hops oldest first), and the border hop. */
function placeHops(hops: HeaderHop[], own: OwnOrganisation): HeaderHop | null {
  // A `by` written as an address is read as one by orgOf itself.
  const byOrgs = hops.map((h) => orgOf(h.by, null, own));
  const fromOrgs = hops.map((h, i) => {
    if (!hasFrom(h)) return null;
    // The reverse name when it is a dotted name, else the HELO (an unqualified reverse name says nothing of the organisation).
    const fromName = [h.fromReverse, h.fromHelo].find((x) => x !== null && (hostName(x) !== null || addressLiteral(x) !== null)) ?? null;
    const org = orgOf(fromName, h.fromIp, own);
    // A public address with no name: the host that wrote the line below sent the message on (mail goes hop by hop), so it
    // is that host's organisation — when that line names one.
    const below = i > 0 ? byOrgs[i - 1] : null;
    return org?.kind === 'address' && below !== null && below !== undefined && below.kind !== 'address' ? below : org;
  });
  // Where the border lies is decided on what the sender cannot choose: when the receiving server
  // wrote that the client's address has no verified name ("unknown [192.0.2.1]", Sendmail's "may be
  // forged"), a public address is the organisation's own only by --internal — never by the HELO
  // name the client gave, nor by the line below (both the sender's to write).
  const zoneOrgs = hops.map((h, i) => {
    const org = fromOrgs[i] ?? null;
    if (org === null || !isOwnSide(org) || h.fromIp === null) return org;
    // orgOf by the address alone: private addresses and --internal networks stay the organisation's.
    return reverseFailed(h) ? orgOf(null, h.fromIp, own) : org;
  });
  let border: HeaderHop | null = null;
  let above = true;
  for (let i = hops.length - 1; i >= 0; i--) {
    const h = hops[i]!;
    const byOrg = byOrgs[i] ?? null;
    const fromOrg = above ? (zoneOrgs[i] ?? null) : (fromOrgs[i] ?? null);
    h.byOrg = byOrg?.label ?? null;
    h.fromOrg = fromOrg?.label ?? null;
    h.crossing = !h.local && !h.submission && fromOrg !== null && byOrg !== null && fromOrg.key !== byOrg.key && !(isOwnSide(fromOrg) && isOwnSide(byOrg)) && fromOrg.kind !== 'private' && byOrg.kind !== 'private';
    if (!above) {
      h.zone = 'claimed';
      continue;
    }
    const byOwn = byOrg === null || isOwnSide(byOrg) || byOrg.kind === 'address';
    if (!byOwn) {
      // The topmost lines are not the organisation's: nothing here was written by it.
      above = false;
      h.zone = 'claimed';
      continue;
    }
    if (h.local || !hasFrom(h) || fromOrg === null || isOwnSide(fromOrg)) {
      h.zone = 'internal';
      h.crossing = false;
      continue;
    }
    h.zone = 'border';
    h.crossing = !h.submission;
    border = h;
    above = false;
  }
  return border;
}

/**
 * Judges one message read by jobs/headers: fills every hop's derived fields (tls, zone, crossing,
 * organisations, delay) and the message's (organisation, border, TLS verdict, total time, trusted
 * authentication results) in place, and returns its findings.
 */
export function judgeMessage(m: HeaderMessage, options: HeadersJudgeOptions = {}): MessageFinding[] {
  const own = ownOrganisation(
    [...m.hops].reverse().map((h) => h.by),
    options.domains ?? [],
    options.internal ?? [],
  );
  m.organisation = { names: own.provider !== null ? [own.provider, ...own.names].slice(0, 40) : own.names.slice(0, 40), how: own.how.slice(0, 300) };
  for (const h of m.hops) {
    const t = hopTls(h);
    h.tls = t.state;
    h.tlsEvidence = t.evidence.slice(0, 300);
  }
  const border = placeHops(m.hops, own);
  m.border = border === null ? null : { hop: border.index, ip: border.fromIp, from: border.fromReverse ?? border.fromHelo, by: border.by };

  // Delays: from the previous dated hop, the first from the Date field.
  let previous: { at: string; label: string; index: number | null } | null = m.date !== null ? { at: m.date, label: 'the Date field', index: null } : null;
  const skews: { hop: HeaderHop; previous: string; seconds: number }[] = [];
  for (const h of m.hops) {
    h.delaySeconds = null;
    if (h.date === null) continue;
    if (previous !== null) {
      h.delaySeconds = secondsBetween(previous.at, h.date);
      if (h.delaySeconds < 0) skews.push({ hop: h, previous: previous.index === null ? previous.label : `hop ${previous.index}`, seconds: h.delaySeconds });
    }
    previous = { at: h.date, label: `hop ${h.index}`, index: h.index };
  }
  const dated = m.hops.filter((h) => h.date !== null);
  const first = [m.date, dated[0]?.date ?? null].filter((d): d is string => d !== null).sort((a, b) => Date.parse(a) - Date.parse(b))[0] ?? null;
  const last = dated[dated.length - 1]?.date ?? null;
  m.totalSeconds = first !== null && last !== null && (dated.length > 1 || m.date !== null) ? secondsBetween(first, last) : null;

  const crossing = m.hops.filter((h) => h.crossing);
  const clear = crossing.filter((h) => h.tls === 'clear');
  const unknown = crossing.filter((h) => h.tls === 'unknown');
  const versions = crossing.map((h) => h.tlsVersion).filter((v): v is string => v !== null);
  const weakest = versions.sort((a, b) => versionRank(a) - versionRank(b))[0] ?? null;
  m.tls = {
    verdict: m.hops.length === 0 ? 'no-hops' : crossing.length === 0 ? 'no-internet-hop' : clear.length ? 'cleartext' : unknown.length ? 'unknown' : 'protected',
    crossingHops: crossing.length,
    protectedHops: crossing.filter((h) => h.tls === 'tls').length,
    cleartextHops: clear.length,
    unknownHops: unknown.length,
    weakestVersion: weakest,
  };

  const trusted = new Set((options.authservIds ?? []).map((s) => s.toLowerCase()));
  // Only a field above the border line was written inside the organisation: one below it came with the message (RFC 8601 §5).
  const borderLine = border?.line ?? null;
  for (const a of m.authentication) a.trusted = a.authservId !== null && trusted.has(a.authservId.toLowerCase()) && (borderLine === null || a.line < borderLine);

  const findings: MessageFinding[] = [];
  const hops = (list: HeaderHop[]) => list.map((h) => h.index).join(', ');
  if (m.hops.length === 0) findings.push({ id: 'headers.no-received', facts: {} });
  if (clear.length) {
    const h = clear[0]!;
    const claim = clear.every((x) => x.zone === 'claimed') ? ' (a line below your border: what the sender’s side wrote, not verified)' : '';
    findings.push({ id: 'headers.cleartext-hop', facts: { hop: hops(clear), claim, from: hopLabel(h), by: h.by ?? 'an unnamed host', with: typeOf(h), software: softwareName(h.software), why: h.tlsEvidence, byDomain: domainToTest(h, m) } });
  }
  const old = crossing.filter((h) => isOldProtocol(h.tlsVersion));
  if (old.length) {
    const h = old[0]!;
    const versions = [...new Set(old.map((x) => x.tlsVersion ?? ''))];
    findings.push({ id: 'headers.old-protocol-hop', facts: { hop: hops(old), from: hopLabel(h), by: h.by ?? 'an unnamed host', version: versions.join(' and '), byDomain: domainToTest(h, m) } });
  }
  if (unknown.length) {
    const h = unknown[0]!;
    findings.push({ id: 'headers.tls-unknown-hop', facts: { hop: hops(unknown), from: hopLabel(h), by: h.by ?? 'an unnamed host', why: h.tlsEvidence } });
  }
  if (skews.length) {
    const s = skews[0]!;
    findings.push({ id: 'headers.clock-skew', facts: { hop: s.hop.index, previous: s.previous, skew: duration(Math.abs(s.seconds)), by: s.hop.by ?? 'an unnamed host' } });
  }
  if (border !== null && border.index > 1) {
    findings.push({ id: 'headers.unverified-hops', facts: { lines: border.index === 2 ? 'The Received line below' : `The ${border.index - 1} Received lines below`, are: border.index === 2 ? 'is a claim' : 'are claims', border: `hop ${border.index} (${border.by ?? 'your border server'})`, ip: border.fromIp ?? hopLabel(border) } });
  }
  if (m.tlsRequired !== null && m.tlsRequired.trim().toLowerCase() === 'no') findings.push({ id: 'headers.tls-required-ignored', facts: { value: m.tlsRequired.trim() } });
  if (m.tls.verdict === 'protected') findings.push({ id: 'headers.all-protected', facts: { hops: `${crossing.length} hop${crossing.length === 1 ? '' : 's'}`, weakest: weakest ?? 'version not written' } });
  if (m.tls.verdict === 'no-internet-hop') findings.push({ id: 'headers.no-internet-hop', facts: { org: own.provider ?? own.names[0] ?? 'one organisation' } });
  m.findings = findings.map((f) => f.id);
  return findings;
}

export interface HeadersCheckInput {
  body: HeadersBody;
  /** Each message's findings, in the order the messages were read (every message, listed in the body or not). */
  perMessage: readonly { source: string; findings: readonly MessageFinding[] }[];
}

export type HeadersCheck = Check<HeadersCheckInput>;

/** One finding per id over every message: the first message's facts, and how many messages showed it. */
export const headersCheck: HeadersCheck = {
  name: 'headers',
  assess({ body, perMessage }) {
    const total = perMessage.length;
    const byId = new Map<FindingId, { first: { source: string; facts: Facts }; count: number }>();
    for (const m of perMessage) {
      for (const f of m.findings) {
        const e = byId.get(f.id);
        if (e) e.count++;
        else byId.set(f.id, { first: { source: m.source, facts: f.facts }, count: 1 });
      }
    }
    const out: Finding[] = [];
    for (const [id, { first, count }] of byId) {
      const scope = total > 1 ? `; in ${count} of ${total} messages, first ${first.source}` : '';
      out.push(makeFinding(id, { ...first.facts, scope }));
    }
    const unreadable = body.problems;
    if (body.inputs.unreadable > 0) out.push(makeFinding('headers.unreadable-input', { inputs: body.inputs.unreadable === 1 ? '1 input' : `${body.inputs.unreadable} inputs`, examples: fewOf(unreadable.map((p) => `${p.source} (${p.detail})`), 2) }));
    const limits = [...body.limits];
    if (body.messagesNotListed) limits.push(`${body.messagesNotListed} messages summed but not shown in full`);
    if (body.rowsNotListed) limits.push(`${body.rowsNotListed} messages counted but not listed`);
    if (limits.length) out.push(makeFinding('headers.limit-reached', { limits: fewOf(limits, 3) }));
    return out;
  },
};
