// `mxray blocklist`'s report as a Document: the verdict and why on the first line, a table of what
// each list answered (listings and refusals first; an address no list lists is one row), the
// findings worst first with their fix, then every lookup per address in the details. Every string
// from DNS is escaped and clipped here (safe()).
import type { BlocklistReport, DnsblAddress, DnsblLookup, Verdict } from '../core/schema.js';
import { dnsblList, readCode } from '../kb/dnsbl-zones.js';
import { countLine, findingView, line, transcriptText, type Cell, type DetailSection, type Document, type DocumentOptions, type Line } from './document.js';
import { safe } from './style.js';

export const BLOCKLIST_SUMMARY_HEADER = ['Address', 'List', 'Answer', 'Meaning'];

/** Rows in this order: listings, refusals, failures, then the clean rows. */
const RANK: Readonly<Record<DnsblLookup['status'], number>> = { listed: 0, refused: 1, error: 2, 'not-listed': 3 };

function listName(zone: string): string {
  return dnsblList(zone)?.name ?? zone;
}

function answerText(l: DnsblLookup): string {
  if (l.codes.length) return l.codes.join(', ');
  if (l.status === 'not-listed') return 'NXDOMAIN';
  return l.error ?? 'no answer';
}

function meaningText(l: DnsblLookup): string {
  switch (l.status) {
    case 'listed':
      return [...new Set(l.codes.map((c) => readCode(l.zone, c).meaning))].map((m) => (m.startsWith('listed') ? m : `listed: ${m}`)).join('; ');
    case 'refused':
      return l.codes.length ? `refused, not a listing: ${readCode(l.zone, l.codes[0] as string).meaning.replace(/^query refused: /, '')}` : 'refused by the list’s name server (not a listing)';
    case 'error':
      return l.codes.some((c) => readCode(l.zone, c).kind === 'outside') ? 'no list answer: the zone may be dead and wildcarded' : `could not tell: ${l.error ?? 'no answer'}`;
    case 'not-listed':
      return 'not listed';
  }
}

const VERDICT_OF: Readonly<Record<DnsblLookup['status'], Verdict>> = { listed: 'fail', refused: 'inconclusive', error: 'inconclusive', 'not-listed': 'pass' };

function rows(addresses: readonly DnsblAddress[]): Cell[][] {
  const trouble: { rank: number; cells: Cell[] }[] = [];
  const clean: Cell[][] = [];
  for (const a of addresses) {
    for (const l of a.lookups) {
      if (l.status === 'not-listed') continue;
      trouble.push({
        rank: RANK[l.status],
        cells: [{ text: safe(a.address, 60) }, { text: safe(listName(l.zone), 60) }, { text: safe(answerText(l), 80) }, { text: safe(meaningText(l), 200), verdict: VERDICT_OF[l.status] }],
      });
    }
    const n = a.lookups.filter((l) => l.status === 'not-listed').length;
    if (n > 0) {
      const lists = n < a.lookups.length ? (n === 1 ? 'the other list' : `the other ${n} lists`) : n === 1 ? '1 list' : `${n} lists`;
      clean.push([{ text: safe(a.address, 60) }, { text: lists }, { text: 'NXDOMAIN' }, { text: `not listed on ${lists}`, verdict: 'pass' }]);
    }
  }
  // A stable sort: within a rank, the order of addresses and lists as asked.
  return [...trouble.sort((x, y) => x.rank - y.rank).map((t) => t.cells), ...clean];
}

function reasonOf(report: BlocklistReport): string {
  const addresses = report.body.dnsbl.addresses;
  if (addresses.length === 0) return safe(report.findings[0]?.title ?? 'no address to look up', 300);
  const listed = addresses.filter((a) => a.lookups.some((l) => l.status === 'listed'));
  if (listed.length) {
    const first = listed[0] as DnsblAddress;
    const lists = [...new Set(first.lookups.filter((l) => l.status === 'listed').map((l) => listName(l.zone)))].join(', ');
    if (addresses.length === 1) return safe(`${first.address} is listed on ${lists}`, 300);
    return safe(`${listed.length} of ${addresses.length} addresses are listed: ${first.address} on ${lists}${listed.length > 1 ? ', …' : ''}`, 300);
  }
  const unsure = [...new Set(addresses.flatMap((a) => a.lookups.filter((l) => l.status === 'refused' || l.status === 'error').map((l) => listName(l.zone))))];
  const zones = new Set(addresses.flatMap((a) => a.lookups.map((l) => l.zone))).size;
  if (unsure.length) {
    const answered = addresses.some((a) => a.lookups.some((l) => l.status === 'not-listed'));
    return safe(`${answered ? 'not listed where the lists answered; ' : 'could not tell: '}no usable answer from ${unsure.join(', ')} through the resolver ${report.body.dnsbl.resolver}`, 300);
  }
  const what = addresses.length === 1 ? (addresses[0] as DnsblAddress).address : `all ${addresses.length} addresses`;
  return safe(`${what} ${addresses.length === 1 ? 'is' : 'are'} on none of the ${zones} list${zones === 1 ? '' : 's'} asked (through the resolver ${report.body.dnsbl.resolver})`, 300);
}

/** One list's answer: the code (or NXDOMAIN) and what it means, then its TXT reason (also in posture and check details). */
export function dnsblLookupLines(l: DnsblLookup): Line[] {
  const out: Line[] = [line(1, { dim: `${safe(l.zone, 120)} → ` }, safe(answerText(l), 200), { dim: ` — ${safe(meaningText(l), 300)}` })];
  for (const t of l.txt) out.push(line(2, { dim: 'TXT ' }, safe(t, 600)));
  return out;
}

function addressSection(a: DnsblAddress): DetailSection {
  const lines: Line[] = [line(0, { bold: 'Asked' }, `: ${a.lookups.length} list${a.lookups.length === 1 ? '' : 's'}`), ...a.lookups.flatMap(dnsblLookupLines)];
  if (a.notAsked?.length) lines.push(line(0, { dim: `Not asked (they list IPv4 addresses only): ${safe(a.notAsked.join(', '), 600)}` }));
  const heading = a.source === 'mx' && a.mx ? `${a.address} (MX ${a.mx})` : a.address;
  return { heading: safe(heading, 200), lines };
}

export function blocklistDocument(report: BlocklistReport, options: DocumentOptions = {}): Document {
  const verbose = options.verbose === true;
  const { body } = report;
  const section = body.dnsbl;
  const context: Line[] = [line(0, { dim: 'Resolver  ' }, safe(section.resolver, 120), { dim: ' (every query went through it; some lists refuse public resolvers)' })];
  context.push(line(0, { dim: 'Lists     ' }, safe(section.zones.join(', '), 800)));
  if (body.inputKind === 'domain' && body.dns) {
    const mx = body.dns.mx.map((m) => `${m.preference} ${m.exchange}${m.addresses.length ? ` (${m.addresses.join(', ')})` : ''}`).join('; ');
    context.push(line(0, { dim: 'MX        ' }, mx ? safe(mx, 800) : safe(`none (${body.dns.status}${body.dns.error ? `: ${body.dns.error}` : ''})`, 300), { dim: ' — each address asked about' }));
  }
  if (section.leftOut?.length) context.push(line(0, { dim: 'Left out  ' }, safe(`${section.leftOut.length} addresses beyond mxray's bound: ${section.leftOut.slice(0, 10).join(', ')}${section.leftOut.length > 10 ? ', …' : ''}`, 400)));
  const table = rows(section.addresses);
  return {
    title: 'mxray block list lookup',
    subject: safe(body.inputKind === 'domain' ? `mail domain ${body.input}` : `address ${body.input}`, 300),
    shortSubject: safe(report.target, 120),
    startedAt: report.startedAt,
    durationMs: report.durationMs,
    meta: [],
    verdict: report.verdict,
    reason: reasonOf(report),
    verdictNote: countLine(report.findings.filter((f) => f.severity !== 'ok')),
    context,
    summary: table.length ? { header: BLOCKLIST_SUMMARY_HEADER, rows: table } : null,
    findings: report.findings.map((f) => findingView(f)),
    details: options.brief && !verbose ? null : { heading: 'Details', sections: section.addresses.map(addressSection) },
    transcript: verbose ? transcriptText(report) : null,
    explain: verbose || options.explain === true,
    detailsHint: 'every list’s answer per address, with the lists’ TXT reasons',
  };
}
