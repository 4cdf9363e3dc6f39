// `mxray pcap`'s report as a Document: the verdict with the worst connection on the first line
// (mail in clear after STARTTLS, a retry in clear, a failed handshake …); the capture, the ports and
// the connections by verdict as context; one row per connection, worst first, as the summary; the
// findings; on request each connection's dialogue, hellos, certificate, alerts and what went in clear.
import type { PcapReport } from '../core/schema.js';
import type { PcapBody, PcapFlow, PcapVerdict } from '../core/pcap-schema.js';
import { countLine, findingView, line, transcriptText, type Cell, type DetailSection, type Document, type DocumentOptions, type Line } from './document.js';
import { safe, num } from './style.js';

export const PCAP_SUMMARY_HEADER = ['#', 'Client → server', 'Verdict', 'TLS', 'Evidence'];
const MAX_ROWS = 20;
const MAX_SECTIONS = 100;
const MAX_DIALOGUE = 40;

const plural = (n: number, word: string): string => `${num(n)} ${word}${n === 1 ? '' : 's'}`;
const endpoint = (e: { ip: string; port: number }): string => (e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`);

const ORDER: readonly PcapVerdict[] = ['cleartext-after-starttls', 'handshake-failed', 'starttls-refused', 'starttls-not-offered', 'not-attempted', 'incomplete', 'tls', 'implicit-tls', 'no-mail'];

const VERDICT_WORDS: Record<PcapVerdict, string> = {
  'cleartext-after-starttls': 'CLEAR AFTER STARTTLS',
  'handshake-failed': 'handshake failed',
  'starttls-refused': 'STARTTLS refused',
  'starttls-not-offered': 'clear: not offered',
  'not-attempted': 'clear: not used',
  'no-mail': 'no mail',
  incomplete: 'incomplete',
  tls: 'TLS',
  'implicit-tls': 'implicit TLS',
};

const LINK_TYPES: Record<number, string> = { 0: 'NULL', 1: 'Ethernet', 12: 'raw IP', 14: 'raw IP', 101: 'raw IP', 108: 'LOOP', 113: 'Linux SLL', 228: 'IPv4', 229: 'IPv6', 276: 'Linux SLL2' };

function cellVerdict(f: PcapFlow): Cell['verdict'] {
  if (f.verdict === 'tls' || f.verdict === 'implicit-tls') return 'pass';
  if (f.verdict === 'no-mail') return 'pass';
  if (f.verdict === 'incomplete') return 'inconclusive';
  if (f.verdict === 'starttls-not-offered' || f.verdict === 'not-attempted') return f.retryOf !== null ? 'fail' : 'warn';
  return 'fail';
}

function tlsCell(f: PcapFlow): string {
  const sh = f.tls?.serverHello;
  if (sh) return `${sh.version} ${sh.cipher}`;
  if (f.tls?.clientHello) return `offered ${f.tls.clientHello.supportedVersions.slice(0, 2).join('/')}`;
  return '–';
}

function evidenceCell(f: PcapFlow): string {
  const e = f.exposed;
  const env = e.mailFrom.length || e.rcptTo.length ? `${e.mailFrom[0] ? `<${e.mailFrom[0]}>` : '<>'} → ${e.rcptTo.slice(0, 2).map((r) => `<${r}>`).join(' ')}${e.rcptTo.length + e.notListed > 2 ? ' …' : ''}` : '';
  const parts: string[] = [];
  if (f.retryOf !== null) parts.push(`retry of #${f.retryOf}`);
  if (f.retriedBy !== null) parts.push(`retried in clear as #${f.retriedBy}`);
  if (f.verdict === 'handshake-failed') {
    const a = f.tls?.alerts.find((x) => x.description);
    parts.push(a ? `${a.from} alert ${a.description}` : f.tls?.encryptedAlertSuspected ? 'encrypted alert (certificate refused?)' : (f.handshakeEvidence ?? ''));
  }
  if (f.verdict === 'starttls-refused' && f.starttls?.reply) parts.push(`${f.starttls.reply.code} ${f.starttls.reply.text}`);
  if (env && f.verdict !== 'tls' && f.verdict !== 'implicit-tls') parts.push(`exposed ${env}`);
  if (f.tls?.clientHello?.sni && (f.verdict === 'tls' || f.verdict === 'implicit-tls')) parts.push(`SNI ${f.tls.clientHello.sni}`);
  return parts.filter(Boolean).join('; ');
}

const worstFirst = (flows: readonly PcapFlow[]): PcapFlow[] => [...flows].sort((a, b) => ORDER.indexOf(a.verdict) - ORDER.indexOf(b.verdict) || a.id - b.id);

function summaryRows(body: PcapBody): Cell[][] {
  const rows: Cell[][] = worstFirst(body.flows)
    .slice(0, MAX_ROWS)
    .map((f) => [
      { text: String(f.id) },
      // The client's port changes with every connection and says nothing here (the details have it).
      { text: safe(`${f.client.ip} → ${endpoint(f.server)}`, 100) },
      { text: f.retryOf !== null ? 'CLEAR RETRY' : VERDICT_WORDS[f.verdict], verdict: cellVerdict(f) },
      { text: safe(tlsCell(f), 60) },
      { text: safe(evidenceCell(f), 160) },
    ]);
  const hidden = body.flowCount - Math.min(MAX_ROWS, body.flows.length);
  if (hidden > 0) rows.push([{ text: '' }, { text: `… ${num(hidden)} more connections (--details, --json)` }, { text: '' }, { text: '' }, { text: '' }]);
  return rows;
}

function reasonOf(body: PcapBody): string {
  const t = body.totals;
  if (body.flowCount === 0) return `no SMTP connection on ports ${body.ports.join(', ')} among ${plural(body.capture.packets, 'packet')}`;
  const first = (v: PcapVerdict): PcapFlow | undefined => body.flows.find((f) => f.verdict === v);
  const env = (f: PcapFlow | undefined): string => (f && (f.exposed.mailFrom.length || f.exposed.rcptTo.length) ? ` (MAIL FROM <${f.exposed.mailFrom[0] ?? ''}>, RCPT TO <${f.exposed.rcptTo[0] ?? ''}>${f.exposed.rcptTo.length > 1 ? ' …' : ''})` : '');
  const parts: string[] = [];
  if (t['cleartext-after-starttls']) {
    const f = first('cleartext-after-starttls');
    parts.push(`the mail went in clear text after STARTTLS on ${plural(t['cleartext-after-starttls'], 'connection')}${f ? `, first #${f.id}${env(f)}` : ''}`);
  }
  const retried = body.flows.filter((f) => f.retriedBy !== null);
  if (retried.length) {
    const f = retried[0]!;
    const r = body.flows.find((x) => x.id === f.retriedBy);
    parts.push(`TLS failed on #${f.id} and the mail was sent again in clear text on #${f.retriedBy}${env(r)}`);
  }
  const failed = t['handshake-failed'] + t['starttls-refused'] - retried.length;
  if (failed > 0) parts.push(`TLS failed on ${plural(failed, parts.length ? 'other connection' : 'connection')}`);
  const clear = t['starttls-not-offered'] + t['not-attempted'] - body.flows.filter((f) => f.retryOf !== null).length;
  if (clear > 0) parts.push(`${plural(clear, 'connection')} in clear text without trying TLS`);
  const good = t.tls + t['implicit-tls'];
  if (!parts.length) {
    if (good === 0) return `${plural(t.incomplete + t['no-mail'], 'connection')}, none carried mail the capture can judge`;
    const versions = new Map<string, number>();
    for (const f of body.flows) if (f.tls?.serverHello && (f.verdict === 'tls' || f.verdict === 'implicit-tls')) versions.set(f.tls.serverHello.version, (versions.get(f.tls.serverHello.version) ?? 0) + 1);
    return `all ${plural(good, 'connection')} with mail used TLS${versions.size ? ` (${[...versions].map(([v, n]) => `${v} ×${n}`).join(', ')})` : ''}`;
  }
  if (good) parts.push(`${num(good)} used TLS`);
  return parts.join('; ');
}

function contextLines(body: PcapBody): Line[] {
  const c = body.capture;
  const out: Line[] = [];
  const links = c.linkTypes.map((l) => LINK_TYPES[l] ?? `link type ${l}`).join(', ');
  out.push(line(0, { dim: 'Capture     ' }, `${safe(body.file, 120)}: ${c.format ?? '?'}${links ? `, ${links}` : ''}, ${plural(c.packets, 'packet')}, ${num(c.bytes)} bytes, ${num(c.smtpSegments)} SMTP segments`));
  if (c.firstTs !== null && c.lastTs !== null) out.push(line(0, { dim: 'Period      ' }, `${new Date(c.firstTs).toISOString().slice(0, 19).replace('T', ' ')} to ${new Date(c.lastTs).toISOString().slice(0, 19).replace('T', ' ')} UTC`));
  out.push(line(0, { dim: 'Ports       ' }, body.ports.join(', ')));
  const counts = ORDER.filter((v) => body.totals[v] > 0).map((v) => `${num(body.totals[v])} ${VERDICT_WORDS[v]}`);
  out.push(line(0, { dim: 'Connections ' }, `${num(body.flowCount)}${counts.length ? `: ${counts.join(', ')}` : ''}`));
  return out;
}

function flowSection(f: PcapFlow): DetailSection {
  const lines: Line[] = [];
  const when = new Date(f.start).toISOString().slice(0, 23).replace('T', ' ');
  lines.push(line(0, { dim: 'Verdict     ' }, { bold: VERDICT_WORDS[f.verdict] }, ` (${f.kind}; handshake ${f.handshakeResult}${f.handshakeEvidence ? `: ${f.handshakeEvidence}` : ''})`));
  lines.push(line(0, { dim: 'Time        ' }, `${when} UTC, ${f.sawSyn ? 'from its SYN' : 'already open when the capture began'}, ended ${f.ended ?? '?'}; ${num(f.bytes.client)} bytes from the client, ${num(f.bytes.server)} from the server${f.gaps.client + f.gaps.server ? `, ${num(f.gaps.client + f.gaps.server)} missing` : ''}`));
  if (f.retryOf !== null) lines.push(line(0, { dim: 'Retry       ' }, `the mail of #${f.retryOf}, sent again in clear text after its TLS failed`));
  if (f.retriedBy !== null) lines.push(line(0, { dim: 'Retried     ' }, `in clear text as #${f.retriedBy}`));
  if (f.banner) lines.push(line(0, { dim: 'Banner      ' }, safe(`${f.banner.code} ${f.banner.text}`, 200)));
  if (f.hello) lines.push(line(0, { dim: 'Hello       ' }, safe(`${f.hello.verb} ${f.hello.name}`, 200)));
  if (f.starttlsOffered !== null) lines.push(line(0, { dim: 'STARTTLS    ' }, f.starttlsOffered ? 'offered' : 'not offered', f.ehloKeywords.length ? { dim: ` (EHLO: ${safe(f.ehloKeywords.join(' '), 200)})` } : ''));
  if (f.starttls) lines.push(line(0, { dim: 'STARTTLS    ' }, f.starttls.reply ? safe(`answered ${f.starttls.reply.code} ${f.starttls.reply.text}`, 200) : 'sent, no reply seen'));
  const t = f.tls;
  if (t?.clientHello) {
    const h = t.clientHello;
    lines.push(line(0, { dim: 'ClientHello ' }, safe(`${h.supportedVersions.join(', ')}; SNI ${h.sni ?? '(none)'}; ${h.cipherCount} suites${h.alpn.length ? `; ALPN ${h.alpn.join(', ')}` : ''}`, 300)));
  }
  if (t?.serverHello) lines.push(line(0, { dim: 'ServerHello ' }, safe(`${t.serverHello.version} ${t.serverHello.cipher}`, 200)));
  if (t?.certificate) {
    const c = t.certificate;
    lines.push(line(0, { dim: 'Certificate ' }, safe(`${c.subject}, issued by ${c.issuer}`, 300)));
    lines.push(line(1, { dim: 'valid ' }, `${c.notBefore ?? '?'} to ${c.notAfter ?? '?'}`, c.dnsNames.length ? { dim: `; names ${safe(c.dnsNames.slice(0, 8).join(', '), 200)}` } : '', `; ${c.chainLength} in the chain as sent`));
  }
  for (const a of t?.alerts ?? []) lines.push(line(0, { dim: 'Alert       ' }, `${a.from}: ${a.level ?? 'encrypted'} ${a.description ?? '(content encrypted)'}`));
  if (t?.encryptedAlertSuspected) lines.push(line(0, { dim: 'Alert       ' }, 'client: one short encrypted record then close — an encrypted alert (TLS 1.3): the certificate was most likely refused'));
  for (const p of t?.problems ?? []) lines.push(line(0, { dim: 'TLS         ' }, safe(p, 300)));
  if (f.afterStarttls.length) {
    lines.push(line(0, { bold: 'In clear after STARTTLS:' }));
    for (const c of f.afterStarttls.slice(0, 20)) lines.push(line(1, safe(c.command, 200), c.reply ? { dim: `  → ${safe(`${c.reply.code} ${c.reply.text}`, 160)}` } : ''));
    const more = f.afterStarttls.length - 20 + f.afterStarttlsNotListed;
    if (more > 0) lines.push(line(1, `… ${num(more)} more`));
  }
  const e = f.exposed;
  if (e.auth.length) lines.push(line(0, { dim: 'AUTH        ' }, { bold: `in clear text (${safe(e.auth.join(', '), 80)}): the credentials crossed readable` }));
  if (e.mailFrom.length || e.rcptTo.length || e.data) {
    lines.push(line(0, { dim: 'In clear    ' }, safe(`MAIL FROM ${e.mailFrom.map((m) => `<${m}>`).join(', ') || '–'}; RCPT TO ${e.rcptTo.map((r) => `<${r}>`).join(', ') || '–'}${e.notListed ? ` (+${e.notListed})` : ''}${e.data ? `; the message (${num(e.dataBytes)} bytes)` : ''}`, 600)));
  }
  for (const p of f.problems) lines.push(line(0, { dim: 'Note        ' }, safe(p, 300)));
  if (f.dialogue.length) {
    lines.push(line(0, { bold: 'Dialogue in clear:' }));
    for (const d of f.dialogue.slice(0, MAX_DIALOGUE)) lines.push(line(1, { dim: d.from === 'client' ? 'C: ' : 'S: ' }, safe(d.text, 300)));
    const more = f.dialogue.length - MAX_DIALOGUE + f.dialogueNotListed;
    if (more > 0) lines.push(line(1, `… ${num(more)} more lines`));
  }
  return { heading: safe(`#${f.id} ${endpoint(f.client)} → ${endpoint(f.server)}`, 200), lines };
}

export function pcapDocument(report: PcapReport, options: DocumentOptions = {}): Document {
  const { body } = report;
  const verbose = options.verbose === true;
  const sections = worstFirst(body.flows).slice(0, MAX_SECTIONS).map(flowSection);
  const more = body.flowCount - sections.length;
  if (more > 0) sections.push({ heading: `… ${num(more)} more connections`, lines: [line(0, `The JSON report (--json) keeps up to ${num(2000)}, problems first.`)] });
  return {
    title: 'mxray pcap',
    subject: safe(`${plural(body.flowCount, 'SMTP connection')} in ${body.file}`, 300),
    shortSubject: safe(body.file, 120),
    startedAt: report.startedAt,
    durationMs: report.durationMs,
    meta: [],
    verdict: report.verdict,
    reason: safe(reasonOf(body), 400),
    verdictNote: countLine(report.findings.filter((f) => f.severity !== 'ok')),
    context: contextLines(body),
    summary: body.flows.length ? { header: PCAP_SUMMARY_HEADER, rows: summaryRows(body) } : null,
    findings: report.findings.map((f) => findingView(f)),
    details: options.brief && !verbose ? null : { heading: 'Connections, worst first', sections },
    transcript: verbose ? transcriptText(report) : null,
    explain: verbose || options.explain === true,
    detailsHint: 'each connection: banner, STARTTLS, the hellos, the certificate, alerts, what went in clear, the dialogue',
  };
}
