// `mxray posture`'s report as a Document, and the one "MTA-STS / TLS-RPT" line the receiver test
// shows in its summary. First screen: the verdict and why, the MX records, one row per policy
// (MTA-STS, TLS-RPT, each block list answer that matters) with what it means for senders, then the
// findings worst first; the records and the policy as published in the details.
import type { DnsblSection, MtaSts, PostureReport, PostureSection, TlsRpt } from '../core/schema.js';
import { countLine, findingView, line, transcriptText, type Cell, type DetailSection, type Document, type DocumentOptions, type Line } from './document.js';
import { safe } from './style.js';
import { dnsblLookupLines } from './blocklist.js';
import { daneDetails, daneText } from './dane.js';
import type { DaneSection } from '../core/schema.js';

const EFFECT: Readonly<Record<MtaSts['effect'], string>> = {
  enforced: 'enforce',
  testing: 'testing (reports only)',
  none: 'none (withdrawn)',
  broken: 'published but unusable: senders ignore it',
  'not-published': 'not published',
};

function list(items: readonly string[], max = 3): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} +${items.length - max}`;
}

/** "enforce, id 2026112901, max_age 604800, covers 2/2 MX" */
export function mtaStsText(m: MtaSts): string {
  if (m.record.status === 'error') return `lookup failed (${safe(m.record.error ?? 'no answer', 40)})`;
  if (m.effect === 'not-published' || m.effect === 'broken' || m.parsed === null) return EFFECT[m.effect];
  const parts = [EFFECT[m.effect]];
  if (m.id) parts.push(`id ${safe(m.id, 40)}`);
  if (m.parsed.maxAge !== null) parts.push(`max_age ${m.parsed.maxAge}`);
  if (m.coverage.length) parts.push(`covers ${m.coverage.filter((c) => c.pattern !== null).length}/${m.coverage.length} MX`);
  return parts.join(', ');
}

export function tlsRptText(t: TlsRpt): string {
  if (t.record.status === 'error') return `lookup failed (${safe(t.record.error ?? 'no answer', 40)})`;
  if (t.rua.length) return `reports to ${safe(list(t.rua, 2), 120)}`;
  return t.record.status === 'found' ? 'published but unusable' : 'not published';
}

/** The receiver test's summary line. */
export function postureLine(section: PostureSection): Line {
  return line(0, { dim: 'MTA-STS / TLS-RPT  ' }, `${mtaStsText(section.mtaSts)} / ${tlsRptText(section.tlsRpt)}`);
}

function recordLines(title: string, lookup: MtaSts['record']): Line[] {
  const head = line(0, { bold: title }, ` ${safe(lookup.name, 200)}`, { dim: ` → ${lookup.status}${lookup.error && lookup.status !== 'found' ? ` (${safe(lookup.error, 60)})` : ''}` });
  // Each record's strings as published, quoted: a split is visible.
  const records = lookup.records.slice(0, 10).map((r) => line(1, safe(r.map((s) => JSON.stringify(s)).join(' '), 600)));
  return [head, ...records];
}

function policyLines(m: MtaSts): Line[] {
  const p = m.policy;
  const out: Line[] = [line(0, { bold: 'Policy' }, ` ${safe(p.url, 300)}`)];
  if (p.cname.length) out.push(line(1, { dim: 'CNAME ' }, safe(p.cname.join(' → '), 300)));
  if (p.status === 'fetched') {
    out.push(line(1, `HTTP ${p.httpStatus ?? '?'}`, { dim: `  ${safe(p.contentType ?? 'no Content-Type', 100)}, ${p.bytes ?? 0} bytes from ${safe(p.address ?? '?', 60)}` }));
    if (p.location) out.push(line(1, { dim: 'Location ' }, safe(p.location, 300)));
    if (p.body !== null) for (const l of p.body.replace(/\r?\n$/, '').split(/\r?\n/).slice(0, 40)) out.push(line(2, safe(l, 200)));
    if (m.parsed) out.push(line(1, { dim: 'line ends ' }, m.parsed.lineEndings));
  } else out.push(line(1, `${p.status}: ${safe(p.error?.message ?? '', 300)}${p.error ? ` (${p.error.code}${p.error.detail ? `, ${safe(p.error.detail, 60)}` : ''})` : ''}`));
  if (m.coverage.length) {
    out.push(line(0, { bold: 'MX hosts' }));
    for (const c of m.coverage) out.push(line(1, safe(c.mx, 200), { dim: c.pattern ? ` covered by ${safe(c.pattern, 200)}` : ' NOT covered' }));
  }
  if (m.previous) out.push(line(0, { bold: 'Seen before' }, ` id ${safe(m.previous.id, 40)} at ${m.previous.seenAt}, mode ${m.previous.mode ?? '?'}, max_age ${m.previous.maxAge ?? '?'}`));
  return out;
}

/** The DANE row's colour: a state that stops DANE senders fails; records published (not matched here) pass; no DANE warns, as no MTA-STS does. */
function daneVerdict(dane: DaneSection): 'pass' | 'warn' | 'fail' | 'inconclusive' {
  const states = dane.hosts.map((h) => h.state);
  if (dane.mx?.status === 'bogus' || states.some((s) => s === 'bogus' || s === 'lookup-failed' || s === 'no-match' || s === 'no-tls')) return 'fail';
  if (dane.mx?.status === 'error') return 'inconclusive';
  return states.length > 0 && states.every((s) => s === null || s === 'match') ? 'pass' : 'warn';
}

function rows(section: PostureSection, dane: DaneSection | undefined): Cell[][] {
  const m = section.mtaSts;
  const t = section.tlsRpt;
  const out: Cell[][] = [
    [{ text: 'MTA-STS' }, { text: mtaStsText(m), verdict: m.effect === 'broken' || m.coverage.some((c) => c.pattern === null) ? 'fail' : m.effect === 'enforced' ? 'pass' : 'warn' }],
    [{ text: 'TLS-RPT' }, { text: tlsRptText(t), verdict: t.rua.length ? 'pass' : t.record.status === 'found' ? 'fail' : 'warn' }],
    ...(dane ? [[{ text: 'DANE' }, { text: daneText(dane), verdict: daneVerdict(dane) }]] : []),
  ];
  if (section.dnsbl) {
    for (const a of section.dnsbl.addresses) {
      const t = addressText(a);
      out.push([{ text: `Block lists ${safe(a.address, 45)}` }, { text: safe(t.text, 200), verdict: t.listed ? 'fail' : t.unsure ? 'inconclusive' : 'pass' }]);
    }
  }
  return out;
}

export function postureDetails(section: PostureSection): DetailSection[] {
  const sections: DetailSection[] = [
    { heading: 'MTA-STS', lines: [...recordLines('Record', section.mtaSts.record), ...policyLines(section.mtaSts)] },
    { heading: 'TLS-RPT', lines: [...recordLines('Record', section.tlsRpt.record), ...(section.tlsRpt.misplaced ? recordLines('Also looked at', section.tlsRpt.misplaced) : [])] },
  ];
  if (section.dnsbl) sections.push(dnsblDetails(section.dnsbl));
  return sections;
}

/** Each address and each list's answer. */
export function dnsblDetails(dnsbl: DnsblSection): DetailSection {
  const lines: Line[] = [line(0, { dim: `resolver ${safe(dnsbl.resolver, 80)}` })];
  for (const a of dnsbl.addresses) {
    lines.push(line(0, { bold: safe(a.address, 60) }, { dim: ` (${a.source}${a.mx ? ` ${safe(a.mx, 100)}` : ''})` }));
    lines.push(...a.lookups.flatMap(dnsblLookupLines));
  }
  return { heading: 'Block lists', lines };
}

/** One address's block list answers in a few words. */
function addressText(a: DnsblSection['addresses'][number]): { text: string; listed: boolean; unsure: boolean } {
  const listed = a.lookups.filter((l) => l.status === 'listed');
  const unsure = a.lookups.filter((l) => l.status === 'refused' || l.status === 'error');
  const text = listed.length
    ? `LISTED on ${list(listed.map((l) => l.zone))}`
    : unsure.length
      ? `not listed on ${a.lookups.length - unsure.length}; no answer from ${list(unsure.map((l) => l.zone))}`
      : `not listed on ${a.lookups.length} list${a.lookups.length === 1 ? '' : 's'}`;
  return { text, listed: listed.length > 0, unsure: unsure.length > 0 };
}

/** The receiver test's block list line (--dnsbl): the address we send from, and what the lists say. */
export function dnsblLine(dnsbl: DnsblSection): Line {
  const a = dnsbl.addresses[0];
  if (!a) return line(0, { dim: 'Block lists  ' }, 'not asked: the address we send from is not known (--source-ip)');
  return line(0, { dim: 'Block lists  ' }, `${safe(a.address, 45)} (${a.source === 'ehlo' ? 'as the server saw us' : a.source}): ${safe(addressText(a).text, 200)}`);
}

function reasonOf(report: PostureReport): string {
  const worst = report.findings.find((f) => f.severity !== 'ok' && f.severity !== 'info');
  if (worst) return safe(worst.title, 300);
  const m = report.body.posture.mtaSts;
  if (m.effect === 'enforced' && m.coverage.length > 0 && m.coverage.every((c) => c.pattern !== null)) {
    return safe(`MTA-STS enforces verified TLS to every MX host of ${report.body.domain}; ${tlsRptText(report.body.posture.tlsRpt)}`, 300);
  }
  return safe(report.findings[0]?.title ?? `nothing wrong found for ${report.body.domain}`, 300);
}

export function postureDocument(report: PostureReport, options: DocumentOptions = {}): Document {
  const { body } = report;
  const verbose = options.verbose === true;
  const dns = body.dns;
  const mx = dns.status === 'ok' && dns.mx.length ? `MX: ${dns.mx.map((m) => `${m.preference} ${safe(m.exchange, 120)}`).join(', ')}` : `DNS: ${dns.status}${dns.error ? ` (${safe(dns.error, 100)})` : ''}`;
  return {
    title: 'mxray posture',
    subject: safe(`mail domain ${body.domain}`, 300),
    shortSubject: safe(body.domain, 120),
    startedAt: report.startedAt,
    durationMs: report.durationMs,
    meta: [`profile ${safe(report.judgedWith.profile.name, 80)}`],
    verdict: report.verdict,
    reason: reasonOf(report),
    verdictNote: countLine(report.findings.filter((f) => f.severity !== 'ok')),
    context: [line(0, `${mx}  `, { dim: `(resolver: ${safe(dns.resolver, 100)})` })],
    summary: { header: ['Policy', 'What senders find'], rows: rows(body.posture, body.dane) },
    findings: report.findings.map((f) => findingView(f)),
    details: options.brief && !verbose ? null : { heading: 'Details', sections: [...postureDetails(body.posture), ...(body.dane ? [daneDetails(body.dane)] : [])] },
    transcript: verbose ? transcriptText(report) : null,
    explain: verbose || options.explain === true,
    detailsHint: 'the records and the policy as published, the TLSA records with their DNSSEC status, and each block list answer',
  };
}
