// Block lists: what each list's answer about each address means (pure; the lookups are
// jobs/blocklist/lookup-dnsbl.ts). A listing is an error with the list's reason and the way off it;
// a refusal (Spamhaus's 127.255.255.254 to a public resolver) is never a listing but "could not
// tell"; an answer outside 127.0.0.0/8 is a dead or wildcarded list; every finding names the
// resolver the lookups went through, because some lists answer some resolvers differently.
import type { DnsblAddress, DnsblLookup, DnsblSection } from '../../core/blocklist-schema.js';
import type { Finding, HostReport, TranscriptEvent } from '../../core/schema.js';
import { dnsblList, publicResolverOperator, readCode, refusesPublicResolvers } from '../../kb/dnsbl-zones.js';
import { makeFinding, sortFindings } from '../../kb/index.js';
import type { Check } from '../check.js';
import { fewOf } from '../words.js';

export interface DnsblCheckInput {
  section: DnsblSection;
  /** The run's transcript: each finding cites the queries it rests on (absent: no evidence cited). */
  transcript?: readonly TranscriptEvent[];
}

export type DnsblCheck = Check<DnsblCheckInput>;

/** At most this many addresses named in one finding's text. */
const NAMED = 12;

function listName(zone: string): string {
  return dnsblList(zone)?.name ?? zone;
}

/** Where an address came from, in words. */
export function sourceWords(a: Pick<DnsblAddress, 'source' | 'mx'>): string {
  switch (a.source) {
    case 'argument':
      return 'as given';
    case 'ehlo':
      return 'the address the server saw us connect from, echoed in its EHLO reply';
    case 'source-ip':
      return 'our --source-ip';
    case 'socket':
      return 'our own end of the connection';
    case 'mx':
      return a.mx ? `an address of the MX host ${a.mx}` : 'an MX address';
  }
}


/** Transcript events of these query names (the A and TXT lines the tracing resolver wrote). */
function evidenceOf(transcript: readonly TranscriptEvent[] | undefined, queries: readonly string[]): number[] {
  if (!transcript) return [];
  const wanted = new Set(queries);
  return transcript.filter((e) => e.kind === 'dns' && wanted.has(e.text.replace(/^(?:A|TXT) /, '').split(' ')[0] ?? '')).map((e) => e.seq);
}

/** A lookup's trouble, for grouping: refused, dead (an answer outside 127/8), or failed. */
function troubleOf(l: DnsblLookup): 'refused' | 'dead' | 'failed' | null {
  if (l.status === 'refused') return 'refused';
  if (l.status !== 'error') return null;
  return l.codes.some((c) => readCode(l.zone, c).kind === 'outside') ? 'dead' : 'failed';
}

function listedFinding(a: DnsblAddress, l: DnsblLookup, resolver: string, transcript: readonly TranscriptEvent[] | undefined): Finding {
  const list = dnsblList(l.zone);
  const meanings = [...new Set(l.codes.map((c) => readCode(l.zone, c).meaning))];
  return makeFinding(
    'dnsbl.listed',
    {
      address: a.address,
      source: sourceWords(a),
      zone: l.zone,
      list: listName(l.zone),
      codes: l.codes.join(', '),
      meaning: meanings.join('; '),
      reason: l.txt.length ? l.txt.join(' | ') : '(the list published no TXT reason)',
      removal: list?.removal ?? `the web site of ${l.zone}`,
      resolver,
    },
    evidenceOf(transcript, [l.query]),
    [a.address],
  );
}

/** Judges one block list section: findings worst first. */
export function judgeDnsbl(section: DnsblSection, transcript?: readonly TranscriptEvent[]): Finding[] {
  const resolver = section.resolver;
  const findings: Finding[] = [];
  // Troubles per zone, kind and answer: one finding each, naming every address it hit.
  const troubles = new Map<string, { kind: 'refused' | 'dead' | 'failed'; zone: string; answer: string; error: string; addresses: string[]; queries: string[] }>();
  for (const a of section.addresses) {
    for (const l of a.lookups) {
      if (l.status === 'listed') findings.push(listedFinding(a, l, resolver, transcript));
      const kind = troubleOf(l);
      if (kind === null) continue;
      const answer = l.codes.length ? l.codes.join(', ') : (l.error ?? 'no answer');
      const key = `${kind} ${l.zone} ${answer}`;
      const t = troubles.get(key) ?? { kind, zone: l.zone, answer, error: l.error ?? 'no answer', addresses: [], queries: [] };
      t.addresses.push(a.address);
      t.queries.push(l.query);
      troubles.set(key, t);
    }
    const clean = a.lookups.filter((l) => l.status === 'not-listed');
    if (clean.length > 0 && !a.lookups.some((l) => l.status === 'listed')) {
      findings.push(
        makeFinding(
          'dnsbl.not-listed',
          { address: a.address, source: sourceWords(a), count: clean.length, zones: clean.map((l) => l.zone).join(', '), resolver },
          evidenceOf(transcript, clean.map((l) => l.query)),
          [a.address],
        ),
      );
    }
  }
  const publicOperator = publicResolverOperator(resolver);
  for (const t of troubles.values()) {
    const evidence = evidenceOf(transcript, t.queries);
    const common = { zone: t.zone, list: listName(t.zone), addresses: fewOf(t.addresses, NAMED), resolver };
    if (t.kind === 'refused') {
      const meaning = t.answer === 'REFUSED' ? 'the list’s name server answered REFUSED (the DNS refusal code)' : t.error.replace(/^answered [^:]*: /, '');
      const publicResolver = publicOperator
        ? `The resolver ${resolver} is a public resolver (${publicOperator}): that is why.`
        : resolver === 'system'
          ? 'The system’s resolvers were used: if they forward to a public resolver, that is why.'
          : '';
      findings.push(makeFinding('dnsbl.query-refused', { ...common, answer: t.answer, meaning, publicResolver }, evidence, t.addresses));
    } else if (t.kind === 'dead') {
      findings.push(makeFinding('dnsbl.dead-list', { zone: t.zone, addresses: common.addresses, resolver, answer: t.answer }, evidence, t.addresses));
    } else {
      findings.push(makeFinding('dnsbl.lookup-failed', { ...common, error: t.error }, evidence, t.addresses));
    }
  }
  const strict = section.zones.filter(refusesPublicResolvers);
  if (publicOperator && strict.length) {
    findings.push(makeFinding('dnsbl.public-resolver', { resolver, operator: publicOperator, lists: strict.map(listName).join(', ') }));
  }
  if (section.leftOut?.length) {
    findings.push(makeFinding('dnsbl.addresses-left-out', { count: section.leftOut.length, addresses: fewOf(section.leftOut, NAMED), limit: section.addresses.length }, [], []));
  }
  return sortFindings(findings);
}

/**
 * A listed sender is what some receivers hide STARTTLS from, or refuse: when we are listed and a host
 * offered no STARTTLS or refused us, the listing may be the reason, and the report says so.
 */
function listingExplains(dnsbl: DnsblSection, hosts: readonly HostReport[]): Finding[] {
  const listed = dnsbl.addresses.flatMap((a) => a.lookups.filter((l) => l.status === 'listed').map((l) => ({ address: a.address, zone: l.zone })));
  const first = listed[0];
  if (!first) return [];
  const noTls = hosts.filter((h) => h.banner !== null && !h.implicitTls && !h.starttls.offered && h.status === 'ok');
  const refused = hosts.filter((h) => h.banner !== null && h.banner.code >= 500);
  const affected = noTls.length ? noTls : refused;
  if (affected.length === 0) return [];
  const names = [...new Set(affected.map((h) => h.mx))];
  return [
    makeFinding(
      'dnsbl.listed-explains',
      {
        address: first.address,
        lists: [...new Set(listed.map((l) => l.zone))].join(', '),
        hosts: fewOf(names),
        what: noTls.length ? 'offered no STARTTLS' : 'refused us at the greeting',
      },
      [],
      affected.map((h) => h.key),
    ),
  ];
}

/**
 * The receiver test's --dnsbl: the lists' answers about the address we send from, what a listing may
 * explain about the hosts, or that no address was known to ask about.
 */
export function judgeSenderListing(dnsbl: DnsblSection, hosts: readonly HostReport[], transcript?: readonly TranscriptEvent[]): Finding[] {
  if (dnsbl.addresses.length === 0) return [makeFinding('dnsbl.no-address')];
  return [...judgeDnsbl(dnsbl, transcript), ...listingExplains(dnsbl, hosts)];
}

export const dnsblCheck: DnsblCheck = {
  name: 'dnsbl',
  assess: ({ section, transcript }) => judgeDnsbl(section, transcript),
};
