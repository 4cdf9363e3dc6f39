// `mxray headers`' report as a Document. One message: the TLS verdict with its reason first, the
// message (subject, sender, date, where the receiving organisation's own hops end, total time) as
// context, then the hop table oldest first (delay, from, by, type, TLS, zone, time), the findings,
// and on request every hop in full with its raw line, the authentication results and Microsoft's
// fields. Several messages: one row per message instead, each listed message in the details.
// HTML adds the delay per hop as bars and a timeline (DocHopChart).
import type { HeaderHop, HeaderMessage, HeadersReport, Verdict } from '../core/schema.js';
import { countLine, findingView, line, transcriptText, type Cell, type DetailSection, type DocHopChart, type Document, type DocumentOptions, type Line } from './document.js';
import { clip, safe, num } from './style.js';
import { duration } from '../core/duration.js';

export { duration };

export const HOP_TABLE_HEADER = ['#', 'Delay', 'From', 'By', 'With', 'TLS', 'Zone', 'Time (UTC)'];
export const MESSAGE_TABLE_HEADER = ['Message', 'Date (UTC)', 'Hops', 'Between orgs', 'TLS', 'Weakest', 'Total'];

/** Messages shown as rows (the JSON has up to 10,000). */
const MAX_ROWS = 200;


const time = (iso: string | null): string => (iso === null ? '' : `${iso.slice(0, 10)} ${iso.slice(11, 19)}`);

const TLS_WORD: Record<HeaderMessage['tls']['verdict'], string> = {
  protected: 'protected',
  cleartext: 'CLEAR TEXT',
  unknown: 'unknown',
  'no-internet-hop': 'internal only',
  'no-hops': 'no hops',
};

const tlsVerdict = (v: HeaderMessage['tls']['verdict']): Verdict => (v === 'cleartext' ? 'fail' : v === 'unknown' ? 'warn' : v === 'no-hops' ? 'inconclusive' : 'pass');

function fromOf(h: HeaderHop): string {
  const name = h.fromReverse ?? h.fromHelo;
  // A HELO that is the address itself ("[192.0.2.1]") is not said twice.
  if (name && h.fromIp && name.replace(/^\[(ipv6:)?/i, '').replace(/\]$/, '') !== h.fromIp) return `${name} [${h.fromIp}]`;
  return name ?? (h.fromIp ? `[${h.fromIp}]` : h.local ? '(local)' : '');
}

function tlsCell(h: HeaderHop): Cell {
  const verdict: Verdict | undefined = h.tls === 'clear' && h.crossing ? 'fail' : h.tls === 'tls' ? 'pass' : undefined;
  const text = h.tls === 'tls' ? safe(h.tlsVersion ?? 'TLS', 40) : h.tls === 'clear' ? 'clear text' : '?';
  return verdict ? { text, verdict } : { text };
}

function hopRows(m: HeaderMessage): Cell[][] {
  // One day for every hop: the time alone (the Date line above says the day).
  const days = new Set(m.hops.map((h) => h.date?.slice(0, 10)).filter((d) => d !== undefined));
  const at = (h: HeaderHop): string => (h.date === null ? '' : days.size === 1 ? h.date.slice(11, 19) : time(h.date));
  return m.hops.map((h) => [
    { text: `${h.index}${h.crossing ? ' ⇄' : ''}` },
    { text: duration(h.delaySeconds) },
    { text: safe(h.fromReverse ?? h.fromHelo ?? (h.fromIp ? `[${h.fromIp}]` : h.local ? '(local)' : ''), 80) },
    { text: safe(h.by ?? '', 80) },
    { text: safe(h.with ?? (h.software === 'exchange' ? 'MS SMTP' : ''), 30) },
    tlsCell(h),
    { text: h.zone === 'border' ? 'border ✓' : h.zone },
    { text: at(h) || safe(h.dateRaw ?? 'no date', 40) },
  ]);
}

/** The folder every source starts with ("../mail/"), left out of the rows (the context names it). */
/** "inbox.mbox message " when every message comes from that one file (the rows then say "#3"), else ''. */
export function oneFile(sources: readonly string[]): string {
  if (sources.length < 2) return '';
  const m = / message \d+$/.exec(sources[0]!.replace(/, returned message( \d+)?$/, ''));
  if (!m) return '';
  const prefix = sources[0]!.slice(0, m.index + ' message '.length);
  return sources.every((x) => x.startsWith(prefix)) ? prefix : '';
}

export function commonFolder(sources: readonly string[]): string {
  if (sources.length < 2) return '';
  let prefix = sources[0]!;
  for (const s of sources) while (!s.startsWith(prefix)) prefix = prefix.slice(0, -1);
  const slash = prefix.lastIndexOf('/');
  return slash === -1 ? '' : prefix.slice(0, slash + 1);
}

function messageRows(report: HeadersReport): Cell[][] {
  const { body } = report;
  const file = oneFile(body.rows.map((r) => r.source));
  const folder = file ? file : commonFolder(body.rows.map((r) => r.source));
  const rows: Cell[][] = body.rows.slice(0, MAX_ROWS).map((r) => [
    { text: safe(r.returnedIn !== null ? `  ↳ returned${r.subject ? `: ${r.subject}` : ''}` : `${file ? '#' : ''}${r.source.slice(folder.length)}${r.subject ? `: ${r.subject}` : ''}`, 100) },
    { text: time(r.date) },
    { text: num(r.hops) },
    { text: num(r.crossingHops) },
    { text: TLS_WORD[r.tls], verdict: tlsVerdict(r.tls) },
    { text: safe(r.weakestVersion, 40) },
    { text: duration(r.totalSeconds) },
  ]);
  const hidden = body.rows.length - MAX_ROWS + body.rowsNotListed;
  if (hidden > 0) rows.push([{ text: `… ${num(hidden)} more messages (--json has up to 10,000 rows)` }, { text: '' }, { text: '' }, { text: '' }, { text: '' }, { text: '' }, { text: '' }]);
  return rows;
}

function reasonOne(m: HeaderMessage): string {
  const t = m.tls;
  const total = m.totalSeconds !== null ? `; delivered in ${duration(m.totalSeconds)} over ${m.hops.length} hop${m.hops.length === 1 ? '' : 's'}` : '';
  const hopsOf = (state: HeaderHop['tls']) => m.hops.filter((h) => h.crossing && h.tls === state);
  switch (t.verdict) {
    case 'no-hops':
      return 'no Received line: nothing shows how the message travelled';
    case 'no-internet-hop':
      return `no hop crossed between organisations${total}`;
    case 'cleartext': {
      const h = hopsOf('clear')[0]!;
      return safe(`hop ${h.index} went in clear text between organisations: ${fromOf(h)} → ${h.by ?? '?'} (with ${h.with ?? 'no type'})${total}`, 300);
    }
    case 'unknown': {
      const unknown = hopsOf('unknown');
      const h = unknown[0]!;
      const which = unknown.length === 1 ? `hop ${h.index} (${fromOf(h)} → ${h.by ?? '?'}) does not say` : `hops ${unknown.map((x) => x.index).join(', ')} (first ${fromOf(h)} → ${h.by ?? '?'}) do not say`;
      // Only hops that used TLS are "the others that did": a lone hop between organisations has none.
      const others = t.protectedHops ? `; the other ${t.protectedHops === 1 ? 'hop' : `${t.protectedHops} hops`} between organisations used TLS` : '';
      return safe(`${which} whether TLS was used${others}${total}`, 300);
    }
    case 'protected':
      return `every hop between organisations used TLS (${t.crossingHops} hop${t.crossingHops === 1 ? '' : 's'}, weakest ${safe(t.weakestVersion ?? 'version not written', 40)})${total}`;
  }
}

function reasonMany(report: HeadersReport): string {
  const { totals, inputs } = report.body;
  const all = inputs.messages + inputs.returned;
  const parts = [`${num(totals.protected)} protected`];
  if (totals.cleartext) parts.unshift(`${num(totals.cleartext)} with a hop in clear text`);
  if (totals.unknown) parts.push(`${num(totals.unknown)} unknown`);
  if (totals.noInternetHop) parts.push(`${num(totals.noInternetHop)} internal only`);
  if (totals.noHops) parts.push(`${num(totals.noHops)} without Received lines`);
  return `${num(all)} messages: ${parts.join(', ')}`;
}

function authLine(m: HeaderMessage): Line | null {
  const own = m.authentication.filter((a) => a.instance === null);
  const first = own[0];
  if (!first) return null;
  const results = first.results.slice(0, 6).map((r) => `${r.method}=${r.result}`).join(' ');
  const whose = first.trusted ? `written by your ${first.authservId ?? ''} (trusted)` : first.authservId ? `claims of ${first.authservId} (--authserv-id ${first.authservId} trusts them)` : 'claims (no authserv-id written)';
  return line(0, { dim: 'Auth        ' }, safe(`${results || 'none'} — ${whose}${own.length > 1 ? `; ${own.length - 1} more fields` : ''}`, 300));
}

function contextOne(m: HeaderMessage): Line[] {
  const out: Line[] = [];
  if (m.subject !== null) out.push(line(0, { dim: 'Subject     ' }, safe(m.subject, 200)));
  if (m.from !== null) out.push(line(0, { dim: 'From        ' }, safe(m.from, 200)));
  if (m.to !== null) out.push(line(0, { dim: 'To          ' }, safe(m.to, 200)));
  if (m.date !== null || m.dateRaw !== null) out.push(line(0, { dim: 'Date        ' }, m.date ? `${time(m.date)} UTC` : safe(`${m.dateRaw} (unreadable)`, 200)));
  if (m.returnedIn !== null) out.push(line(0, { dim: 'Returned in ' }, safe(m.returnedIn, 200)));
  const own = m.organisation.names.length ? m.organisation.names.slice(0, 4).join(', ') : 'not known';
  out.push(line(0, { dim: 'Receiver    ' }, safe(`${own} (${m.organisation.how})`, 300)));
  if (m.border) {
    const below = m.border.hop - 1;
    out.push(line(0, { dim: 'Border      ' }, safe(`hop ${m.border.hop}, by ${m.border.by ?? '?'}: from ${m.border.from ?? '?'} [${m.border.ip ?? 'no address'}] verified${below ? `; the ${below} line${below === 1 ? '' : 's'} below ${below === 1 ? 'is a claim' : 'are claims'}` : ''}`, 300)));
  } else if (m.hops.length) out.push(line(0, { dim: 'Border      ' }, 'none found: no line shows a host of another organisation handing the message in'));
  if (m.totalSeconds !== null) out.push(line(0, { dim: 'Total       ' }, `${duration(m.totalSeconds)} from ${m.date !== null ? 'the Date field' : 'the first hop'} to the last hop`));
  const slowest = m.hops.reduce<HeaderHop | null>((a, h) => ((h.delaySeconds ?? 0) > (a?.delaySeconds ?? 0) ? h : a), null);
  if (slowest !== null && m.hops.length > 1) {
    const share = m.totalSeconds !== null && m.totalSeconds > 0 ? ` (${Math.round(((slowest.delaySeconds ?? 0) / m.totalSeconds) * 100)} % of the total)` : '';
    out.push(line(0, { dim: 'Slowest     ' }, safe(`hop ${slowest.index}, ${duration(slowest.delaySeconds)}${share}: ${fromOf(slowest) || '(local)'} → ${slowest.by ?? '?'}`, 300)));
  }
  const auth = authLine(m);
  if (auth) out.push(auth);
  const ms = m.microsoft.filter((i) => ['SCL', 'SFV', 'CAT', 'CIP', 'CTRY'].includes(i.key ?? '') && /forefront/i.test(i.field));
  if (ms.length) out.push(line(0, { dim: 'Microsoft   ' }, safe(ms.map((i) => `${i.key}:${i.value}`).join(' '), 200)));
  return out;
}

/** Section headings are not wrapped: each fits 80 columns, its names cut (they stand in full in the section's lines). */
const HEADING_WIDTH = 78;

/** "Hop N: from → by (line L)" within HEADING_WIDTH: the shorter name whole when it fits half the room, the longer cut. */
export function hopHeading(index: number, from: string, by: string, lineNo: number): string {
  const f = safe(from, 300);
  const b = safe(by, 300);
  const room = HEADING_WIDTH - `Hop ${index}:  →  (line ${lineNo})`.length;
  const [fl, bl] = [[...f].length, [...b].length];
  const half = Math.floor(room / 2);
  const fromMax = fl + bl <= room ? fl : bl < half ? room - bl : fl < half ? fl : room - half;
  const byMax = room - Math.min(fl, fromMax);
  return `Hop ${index}: ${clip(f, Math.max(1, fromMax))} → ${clip(b, Math.max(1, byMax))} (line ${lineNo})`;
}

function hopSection(h: HeaderHop, verbose: boolean): DetailSection {
  const lines: Line[] = [];
  const from = [h.fromHelo ? `HELO ${h.fromHelo}` : null, h.fromReverse ? `reverse ${h.fromReverse}` : null, h.fromIp ? `address ${h.fromIp}` : null].filter((x) => x !== null).join(', ');
  if (from) lines.push(line(0, { dim: 'from      ' }, safe(from, 300), h.fromOrg ? { dim: ` (${safe(h.fromOrg, 80)})` } : ''));
  if (h.by) lines.push(line(0, { dim: 'by        ' }, safe(h.by, 200), h.byOrg ? { dim: ` (${safe(h.byOrg, 80)})` } : ''));
  if (h.via) lines.push(line(0, { dim: 'via       ' }, safe(h.via, 200)));
  if (h.with) lines.push(line(0, { dim: 'with      ' }, safe(h.with, 100)));
  if (h.id) lines.push(line(0, { dim: 'id        ' }, safe(h.id, 200)));
  if (h.for) lines.push(line(0, { dim: 'for       ' }, safe(h.for, 200)));
  lines.push(line(0, { dim: 'date      ' }, h.date ? `${time(h.date)} UTC` : 'none', h.dateRaw ? { dim: ` (${safe(h.dateRaw, 100)})` } : '', h.dateNote ? { dim: `; ${safe(h.dateNote, 150)}` } : ''));
  const tls = h.tls === 'tls' ? [h.tlsVersion, h.cipher, h.bits !== null ? `${h.bits} bits` : null].filter((x) => x !== null).join(', ') || 'TLS' : h.tls === 'clear' ? 'clear text' : 'unknown';
  lines.push(line(0, { dim: 'TLS       ' }, safe(tls, 200), { dim: ` — ${safe(h.tlsEvidence, 300)}` }));
  if (h.tlsVerified) lines.push(line(0, { dim: 'client    ' }, safe(h.tlsVerified, 200)));
  lines.push(line(0, { dim: 'zone      ' }, `${h.zone}${h.crossing ? ', between organisations' : ''}${h.submission ? ', a client’s authenticated submission' : ''}${h.local ? ', local hand-off' : ''}`));
  if (h.software) lines.push(line(0, { dim: 'software  ' }, safe(h.software, 40)));
  for (const n of h.notes) lines.push(line(0, { dim: 'note      ' }, safe(n, 200)));
  if (verbose) for (const r of h.raw.split('\n').slice(0, 20)) lines.push(line(1, { dim: safe(r, 400) }));
  return { heading: hopHeading(h.index, fromOf(h) || '(no from)', h.by ?? '?', h.line), lines };
}

function extraSections(m: HeaderMessage): DetailSection[] {
  const out: DetailSection[] = [];
  if (m.authentication.length) {
    const lines: Line[] = [];
    for (const a of m.authentication) {
      const head = `${a.field}${a.instance !== null ? ` i=${a.instance}` : ''} by ${a.authservId ?? '(no authserv-id)'}: ${a.trusted ? 'trusted (your authserv-id)' : 'a claim'}`;
      lines.push(line(0, { bold: safe(head, 200) }));
      for (const r of a.results) {
        // The meaning starts by naming the result ("dkim=pass: …"): said once.
        const said = `${r.method}=${r.result}:`;
        const meaning = r.meaning?.startsWith(said) ? r.meaning.slice(said.length).trim() : r.meaning;
        lines.push(line(1, safe(`${r.method}=${r.result}${r.reason ? ` (${r.reason})` : ''}`, 200), meaning ? { dim: ` — ${safe(meaning, 300)}` } : ''));
      }
      for (const n of a.notes) lines.push(line(1, { dim: `note: ${safe(n, 200)}` }));
    }
    out.push({ heading: 'Authentication results (RFC 8601, ARC)', lines });
  }
  if (m.receivedSpf.length) {
    out.push({
      heading: 'Received-SPF',
      lines: m.receivedSpf.map((s) => line(0, safe(`${s.result ?? '?'}${s.clientIp ? ` client-ip=${s.clientIp}` : ''}${s.envelopeFrom ? ` envelope-from=${s.envelopeFrom}` : ''}${s.helo ? ` helo=${s.helo}` : ''}${s.receiver ? ` receiver=${s.receiver}` : ''}`, 300), s.comment ? { dim: ` (${safe(s.comment, 200)})` } : '')),
    });
  }
  if (m.microsoft.length) {
    out.push({
      heading: 'Microsoft fields',
      lines: m.microsoft.map((i) => line(0, safe(`${i.key ? `${i.key}` : i.field}: ${i.value}`, 200), i.meaning ? { dim: ` — ${safe(i.meaning, 300)}` } : '')),
    });
  }
  const other = [...m.other.map((o) => line(0, { dim: `${safe(o.name, 40)}: ` }, safe(o.value, 300)))];
  if (m.messageId) other.unshift(line(0, { dim: 'Message-ID: ' }, safe(m.messageId, 300)));
  if (m.tlsRequired) other.push(line(0, { dim: 'TLS-Required: ' }, safe(m.tlsRequired, 100)));
  for (const n of m.notes) other.push(line(0, { dim: 'note: ' }, safe(n, 300)));
  if (other.length) out.push({ heading: 'Other fields', lines: other });
  return out;
}

function hopChartOf(m: HeaderMessage): DocHopChart | null {
  if (m.hops.length === 0) return null;
  return {
    title: 'Where the time went',
    hops: m.hops.map((h) => ({ label: safe(h.by ?? fromOf(h), 80), delaySeconds: h.delaySeconds, at: h.date, tls: h.tls, crossing: h.crossing })),
    start: m.date,
    note: m.hops.some((h) => (h.delaySeconds ?? 0) < 0) ? 'A negative delay: a server’s clock is wrong (the order is as the lines stand).' : undefined,
  };
}

function manyContext(report: HeadersReport): Line[] {
  const { body } = report;
  const out: Line[] = [];
  const file = oneFile(body.rows.map((r) => r.source));
  const folder = commonFolder(body.rows.map((r) => r.source));
  if (file) out.push(line(0, { dim: 'File        ' }, safe(file.slice(0, -' message '.length), 200)));
  else if (folder) out.push(line(0, { dim: 'Folder      ' }, safe(folder, 200)));
  const n = (count: number, one: string, many: string) => `${num(count)} ${count === 1 ? one : many}`;
  const read = [n(body.inputs.messages, 'message', 'messages'), n(body.inputs.files, 'input', 'inputs')];
  if (body.inputs.returned) read.push(`${n(body.inputs.returned, 'returned inside a bounce', 'returned inside bounces')}`);
  if (body.inputs.unreadable) read.push(`${num(body.inputs.unreadable)} unreadable`);
  out.push(line(0, { dim: 'Read        ' }, read.join(', ')));
  if (body.options.domains.length) out.push(line(0, { dim: 'Receiver    ' }, safe(body.options.domains.join(', '), 200)));
  return out;
}

export function headersDocument(report: HeadersReport, options: DocumentOptions = {}): Document {
  const { body } = report;
  const verbose = options.verbose === true;
  const all = body.inputs.messages + body.inputs.returned;
  const one = all === 1 && body.messages.length === 1 ? body.messages[0]! : null;
  const sections: DetailSection[] = [];
  for (const m of body.messages) {
    if (!one) sections.push({ heading: clip(safe(`Message ${m.source}${m.subject ? `: ${m.subject}` : ''}`, 300), HEADING_WIDTH), lines: [...contextOne(m), line(0, { dim: 'TLS         ' }, TLS_WORD[m.tls.verdict], { dim: ` (${m.tls.crossingHops} hop${m.tls.crossingHops === 1 ? '' : 's'} between organisations)` })] });
    sections.push(...m.hops.map((h) => hopSection(h, verbose)));
    sections.push(...extraSections(m));
  }
  if (body.messagesNotListed) sections.push({ heading: `… ${num(body.messagesNotListed)} more messages`, lines: [line(0, 'Each has its row above; --json has the first 50 in full.')] });
  if (body.problems.length) sections.push({ heading: 'Inputs not read', lines: body.problems.map((p) => line(0, safe(`${p.source}: ${p.detail}`, 300))) });
  if (body.limits.length) sections.push({ heading: 'Bounds reached', lines: body.limits.map((l) => line(0, safe(l, 300))) });
  const subject = one ? `message ${one.subject ? `“${one.subject}”` : one.source}` : `${num(all)} messages from ${num(body.inputs.files)} input${body.inputs.files === 1 ? '' : 's'}`;
  return {
    title: 'mxray header analysis',
    subject: safe(subject, 300),
    shortSubject: safe(one ? one.subject || one.source : report.target, 120),
    startedAt: report.startedAt,
    durationMs: report.durationMs,
    meta: [],
    verdict: report.verdict,
    reason: one ? reasonOne(one) : all === 0 ? 'no message could be read' : reasonMany(report),
    verdictNote: countLine(report.findings.filter((f) => f.severity !== 'ok')),
    context: one ? contextOne(one) : manyContext(report),
    summary: one ? (one.hops.length ? { header: HOP_TABLE_HEADER, rows: hopRows(one) } : null) : body.rows.length ? { header: MESSAGE_TABLE_HEADER, rows: messageRows(report) } : null,
    findings: report.findings.map((f) => findingView(f)),
    details: options.brief && !verbose ? null : { heading: 'Hops and fields', sections },
    transcript: verbose ? transcriptText(report) : null,
    explain: verbose || options.explain === true,
    detailsHint: 'every hop in full (the names, the TLS details and why, the raw line with --verbose), the authentication results, Microsoft’s fields',
    hopChart: one ? hopChartOf(one) : null,
  };
}
