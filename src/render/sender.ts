// `mxray sender-test`'s report as a Document: the first screen answers "how did my server send?" —
// the verdict with its reason (the protocol and cipher, or clear text and why), the client's address
// and names, EHLO, SPF, the sending domain, the listener and the test as context, then the session
// step by step as the summary table (the earlier sessions from the same address as rows under it),
// the findings worst first with their fixes, and the details: the ClientHello, the client
// certificate, the DNS lookups, the message's hops. Everything the client sent (names, parameters,
// certificate fields, header lines) is hostile: each string passes through safe() here, and the back
// ends add their own escaping.
import type { Finding, HeaderHop, SenderBody, SenderReport, SenderSession, Verdict } from '../core/schema.js';
import { countLine, findingView, line, transcriptText, type Cell, type DetailSection, type Document, type DocumentOptions, type Line } from './document.js';
import { safe, num } from './style.js';

export const SENDER_SUMMARY_HEADER = ['Step', 'Your server', 'Result'];

/** "TLS 1.3" for "TLSv1.3", "TLS 1.0" for "TLSv1" (Node's names), anything else as it is. */
export function protocolWords(p: string | null): string {
  if (p === null) return 'TLS';
  const m = /^TLSv(\d)(?:\.(\d))?$/.exec(p);
  return m ? `TLS ${m[1]}.${m[2] ?? '0'}` : p;
}

const time = (iso: string): string => `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;

function findingOf(report: SenderReport, id: string): Finding | undefined {
  return report.findings.find((f) => f.id === id);
}
const fact = (f: Finding | undefined, name: string): string => {
  const v = f?.facts[name];
  return v === undefined || v === null ? '' : String(v);
};

/** The client certificate in a few words: "client certificate CN=… (verifies)", "no client certificate". */
function certificateWords(report: SenderReport): string {
  const s = report.body.session;
  if (s.tls.clientCertificate.chain.length === 0) return 'no client certificate';
  const cert = report.findings.find((f) => f.id.startsWith('sender.client-cert-') && f.facts.subject !== undefined);
  const subject = safe(fact(cert, 'subject') || 'presented', 120);
  const verdict = cert?.id === 'sender.client-cert-ok' ? 'verifies' : cert ? 'does not verify' : 'not judged';
  return `client certificate ${subject} (${verdict})`;
}

/** Why, in one sentence: how the server sent, and what became of the message. */
export function senderReason(report: SenderReport): string {
  const s = report.body.session;
  const t = s.tls;
  const retry = findingOf(report, 'sender.cleartext-retry');
  const refused = findingOf(report, 'sender.tls-required-refused');
  let how: string;
  if (s.greeting === null) how = 'your server connected but never greeted';
  else if (t.established) {
    const cipher = t.cipherStandard ?? t.cipher;
    how = `your server sent with ${safe(protocolWords(t.protocol), 20)}${cipher ? ` (${safe(cipher, 80)})` : ''}, ${certificateWords(report)}`;
  } else if (!t.offered) how = s.greeting.command === 'HELO' ? 'your server greeted with HELO and sent in clear text' : 'our listener did not offer STARTTLS, so your server’s TLS was not tested';
  else if (t.attempted) how = `your server’s TLS handshake failed: ${safe(fact(findingOf(report, 'sender.starttls-failed'), 'why') || 'see the findings', 300)}`;
  else if (refused) how = `your server did not use TLS where it is required and was refused (${safe(fact(refused, 'reply'), 120)})`;
  else if (retry) how = `your server sent in clear text after its TLS handshake failed (${safe(fact(retry, 'why'), 200)})`;
  else how = 'your server sent in clear text although we offered STARTTLS';
  const message = s.outcome === 'accepted' || refused ? '' : s.outcome === 'aborted' ? '; the message was not completed' : s.outcome === 'refused' ? '; we refused the message' : '; no message was sent';
  return `${how}${message}`;
}

const mark = (ok: boolean | null): string => (ok === true ? '✓' : ok === false ? '✗' : '?');

function contextLines(report: SenderReport): Line[] {
  const b = report.body;
  const s = b.session;
  const d = b.dns;
  const out: Line[] = [];
  const reverse = d.reverse.names.length ? d.reverse.names.slice(0, 3).join(', ') : `none (${d.reverse.error ?? 'no PTR record'})`;
  const fcrdns = d.fcrdns === true ? 'FCrDNS ✓' : d.fcrdns === false ? 'FCrDNS ✗ (does not resolve back)' : 'FCrDNS not known';
  out.push(line(0, { dim: 'Client      ' }, safe(`${s.clientIp} port ${s.clientPort}, reverse ${reverse}; ${fcrdns}`, 400)));
  if (s.greeting) {
    const e = d.ehlo;
    const fits = e === null ? '' : e.literal !== null ? ' (an address literal)' : e.addresses.length ? ` (resolves to ${e.addresses.slice(0, 3).join(', ')} ${mark(e.addresses.includes(s.clientIp))})` : ` (does not resolve${e.error ? `: ${e.error}` : ''})`;
    const before = b.session.greetingBeforeTls && b.session.greetingBeforeTls.name !== s.greeting.name ? `; before STARTTLS ${b.session.greetingBeforeTls.command} ${b.session.greetingBeforeTls.name}` : '';
    out.push(line(0, { dim: 'Greeting    ' }, safe(`${s.greeting.command} ${s.greeting.name}${fits}${before}`, 400)));
  } else out.push(line(0, { dim: 'Greeting    ' }, 'none'));
  const params = [s.mailParams.body ? `BODY=${s.mailParams.body}` : null, s.mailParams.size !== null ? `SIZE=${s.mailParams.size}` : null, s.mailParams.smtputf8 ? 'SMTPUTF8' : null, s.mailParams.requireTls ? 'REQUIRETLS' : null, ...s.mailParams.other].filter((x) => x !== null);
  const rcpt = s.rcptTo.length ? `${s.rcptTo.slice(0, 3).map((r) => `<${r}>`).join(', ')}${s.rcptTo.length > 3 ? ` and ${s.rcptTo.length - 3} more` : ''}` : 'none';
  out.push(line(0, { dim: 'Envelope    ' }, safe(`MAIL FROM:<${s.mailFrom ?? ''}>${params.length ? ` ${params.join(' ')}` : ''} → RCPT TO ${rcpt}`, 500)));
  if (d.mailDomain !== null) {
    const mx = d.mx === null ? '' : d.mx.hosts.length ? `MX ${d.mx.hosts.slice(0, 3).join(', ')}` : `no MX${d.mx.error ? ` (${d.mx.error})` : ''}`;
    const spf = d.spf === null ? 'SPF not evaluated' : `SPF ${d.spf.result}${d.spf.mechanism ? ` (${d.spf.mechanism})` : ''}`;
    out.push(line(0, { dim: 'Domain      ' }, safe(`${d.mailDomain}: ${[mx, spf].filter(Boolean).join('; ')}`, 400)));
  } else if (s.mailFrom === '') out.push(line(0, { dim: 'Domain      ' }, 'none (the null sender <>): SPF not evaluated'));
  else if (s.mailFrom !== null) out.push(line(0, { dim: 'Domain      ' }, safe(`${s.mailFrom.slice(s.mailFrom.lastIndexOf('@') + 1)}: not looked up`, 300)));
  out.push(line(0, { dim: 'Listener    ' }, safe(`${s.listener.address}:${s.listener.port}, policy ${s.listener.policy}, as ${b.hostname}`, 300)));
  out.push(line(0, { dim: 'Test        ' }, safe(`${b.test.address}, matched by ${b.test.matchedBy}; session at ${time(s.startedAt)}, ${num(Math.round(s.durationMs))} ms`, 400)));
  if (b.earlier.length) {
    const failed = b.earlier.filter((e) => e.tls.attempted && !e.tls.established).length;
    out.push(line(0, { dim: 'Earlier     ' }, `${b.earlier.length} session${b.earlier.length === 1 ? '' : 's'} from this address just before${failed ? ` (${failed} with a failed TLS handshake)` : ''}: in the table`));
  }
  return out;
}

function tlsCell(s: SenderSession): Cell {
  const t = s.tls;
  if (t.established) return { text: 'established', verdict: 'pass' };
  if (t.attempted) return { text: `failed${t.failure ? `: ${safe(t.failure.clientAlert ?? t.failure.code ?? t.failure.text, 80)}` : ''}`, verdict: 'fail' };
  return { text: 'not used', verdict: t.offered ? 'fail' : 'inconclusive' };
}

function summaryRows(report: SenderReport): Cell[][] {
  const b = report.body;
  const s = b.session;
  const t = s.tls;
  const rows: Cell[][] = [];
  const cell = (text: string, verdict?: Verdict): Cell => (verdict ? { text, verdict } : { text });
  rows.push([cell('connect'), cell(safe(`${s.clientIp}:${s.clientPort} → ${s.listener.address}:${s.listener.port}`, 120)), cell('connected')]);
  rows.push([cell(s.greeting?.command ?? 'EHLO'), cell(s.greeting ? safe(s.greeting.name, 120) : '(none)'), t.offered ? cell('STARTTLS offered') : cell(s.greeting?.command === 'HELO' ? 'no extensions (HELO)' : 'STARTTLS not offered', 'inconclusive')]);
  if (t.offered) rows.push([cell('STARTTLS'), cell(t.attempted ? 'STARTTLS' : '(not sent)'), t.attempted ? cell('220 (go ahead)') : cell('-', 'fail')]);
  if (t.attempted) {
    const what = t.established ? [protocolWords(t.protocol), t.cipherStandard ?? t.cipher, t.group, t.sni ? `SNI ${t.sni}` : 'no SNI'].filter((x) => x !== null).join(', ') : t.clientHello ? `offered ${t.clientHello.versions.join(', ')}` : 'ClientHello';
    rows.push([cell('TLS'), cell(safe(what, 160)), tlsCell(s)]);
    const chain = t.clientCertificate.chain;
    const cert = report.findings.find((f) => f.id.startsWith('sender.client-cert-') && f.facts.subject !== undefined);
    const certResult: Cell = chain.length === 0 ? (report.findings.some((f) => f.id === 'sender.client-cert-required') ? cell('required, none', 'fail') : cell('none (not required)')) : cert?.id === 'sender.client-cert-ok' ? cell('verifies', 'pass') : cell(cert?.id === 'sender.client-cert-rejected' ? 'refused' : 'does not verify', cert?.id === 'sender.client-cert-rejected' ? 'fail' : 'warn');
    rows.push([cell('certificate'), cell(chain.length ? safe(fact(cert, 'subject') || `${chain.length} certificates`, 120) : t.clientCertificate.requested ? '(none; we asked)' : '(none)'), certResult]);
  }
  const reply = s.finalReply ? safe(`${s.finalReply.code} ${s.finalReply.text}`, 160) : '';
  // Our reply to MAIL and RCPT is recorded only as the last one: a refusal before any recipient was at MAIL.
  const refusedAt = s.outcome === 'refused' && s.message === null ? (s.rcptTo.length ? 'rcpt' : 'mail') : null;
  const stepResult = (step: 'mail' | 'rcpt'): Cell => (refusedAt === step ? cell(reply || 'refused', 'fail') : cell('accepted'));
  if (s.mailFrom !== null) rows.push([cell('MAIL'), cell(safe(`FROM:<${s.mailFrom}>${s.mailParams.body ? ` BODY=${s.mailParams.body}` : ''}${s.mailParams.size !== null ? ` SIZE=${s.mailParams.size}` : ''}${s.mailParams.requireTls ? ' REQUIRETLS' : ''}`, 160)), stepResult('mail')]);
  if (s.rcptTo.length) rows.push([cell('RCPT'), cell(safe(`TO:<${s.rcptTo[0]}>${s.rcptTo.length > 1 ? ` and ${s.rcptTo.length - 1} more` : ''}`, 160)), stepResult('rcpt')]);
  const outcome: Cell = s.outcome === 'accepted' ? cell(reply || 'accepted', 'pass') : cell(reply || s.outcome, 'fail');
  if (s.message) rows.push([cell('DATA'), cell(`${num(s.message.size)} bytes${s.message.eightBit ? ', 8-bit' : ''}${s.message.truncated ? ', cut' : ''}`), outcome]);
  else rows.push([cell('end'), cell(`no message (${s.ended})`), outcome]);
  for (const e of report.body.earlier) {
    const how = e.tls.established ? `${protocolWords(e.tls.protocol)}` : e.tls.attempted ? 'TLS failed' : e.tls.offered ? 'clear text' : 'no STARTTLS offered';
    rows.push([cell(`earlier ${e.startedAt.slice(11, 19)}`), cell(safe(`port ${e.clientPort}, ${e.greeting ? `${e.greeting.command} ${e.greeting.name}` : 'no greeting'}, ${how}`, 160)), tlsCell(e)]);
  }
  return rows;
}

function helloSection(s: SenderSession): DetailSection | null {
  const h = s.tls.clientHello;
  if (h === null) return null;
  const list = (xs: readonly string[], more = 0) => (xs.length ? `${xs.join(', ')}${more ? ` and ${more} more` : ''}` : '(none)');
  return {
    heading: 'ClientHello (what your server offered)',
    lines: [
      line(0, { dim: 'versions    ' }, safe(list(h.versions), 200)),
      line(0, { dim: 'ciphers     ' }, safe(list(h.ciphers, h.ciphersNotListed), 6000)),
      line(0, { dim: 'groups      ' }, safe(list(h.groups), 1000)),
      line(0, { dim: 'key shares  ' }, safe(list(h.keyShares), 300)),
      line(0, { dim: 'signatures  ' }, safe(list(h.signatureAlgorithms), 2000)),
      line(0, { dim: 'SNI         ' }, safe(h.sni ?? 'none', 260)),
      line(0, { dim: 'ALPN        ' }, safe(list(h.alpn), 300)),
    ],
  };
}

function certificateSection(report: SenderReport): DetailSection {
  const c = report.body.session.tls.clientCertificate;
  const lines: Line[] = [];
  const policy = report.body.session.listener.policy;
  if (c.chain.length === 0) lines.push(line(0, !c.requested ? 'None presented (not asked for).' : policy === 'require-client-cert' ? 'None presented, though the listener requires one.' : 'None presented (we asked for one without requiring it).'));
  else {
    const f = report.findings.find((x) => x.id.startsWith('sender.client-cert-') && x.facts.subject !== undefined);
    const row = (label: string, name: string) => line(0, { dim: label }, safe(fact(f, name) || '-', 400));
    lines.push(row('subject     ', 'subject'), row('issuer      ', 'issuer'), row('names       ', 'names'));
    lines.push(line(0, { dim: 'valid       ' }, safe(`${fact(f, 'notBefore') || '-'} to ${fact(f, 'notAfter') || '-'}`, 100)));
    lines.push(row('EKU         ', 'eku'), row('SHA-256     ', 'sha256'));
    lines.push(line(0, { dim: 'chain       ' }, `${c.chain.length} certificate${c.chain.length === 1 ? '' : 's'} sent`));
    lines.push(line(0, { dim: 'judged      ' }, f ? safe(f.title, 400) : 'not judged'));
  }
  lines.push(line(0, { dim: 'listener    ' }, c.opensslError === null ? 'OpenSSL raised no error' : safe(`OpenSSL said: ${c.opensslError}`, 200)));
  return { heading: 'Client certificate', lines };
}

function dnsSection(b: SenderBody): DetailSection {
  const d = b.dns;
  const lines: Line[] = [];
  lines.push(line(0, { dim: 'PTR         ' }, safe(d.reverse.names.length ? d.reverse.names.join(', ') : `none (${d.reverse.error ?? 'no record'})`, 600)));
  for (const f of d.forward) lines.push(line(1, { dim: `${safe(f.name, 200)} → ` }, safe(f.addresses.length ? f.addresses.join(', ') : `none (${f.error ?? 'no record'})`, 600)));
  lines.push(line(0, { dim: 'FCrDNS      ' }, d.fcrdns === true ? 'confirmed' : d.fcrdns === false ? 'not confirmed: no PTR name resolves back to the address' : 'not known'));
  if (d.ehlo) lines.push(line(0, { dim: 'EHLO name   ' }, safe(`${d.ehlo.name} → ${d.ehlo.literal !== null ? `address literal ${d.ehlo.literal}` : d.ehlo.addresses.length ? d.ehlo.addresses.join(', ') : `none (${d.ehlo.error ?? 'no record'})`}`, 600)));
  if (d.mx) lines.push(line(0, { dim: 'MX          ' }, safe(`${d.mailDomain ?? ''}: ${d.mx.hosts.length ? d.mx.hosts.join(', ') : `none (${d.mx.error ?? 'no record'})`}`, 600)));
  if (d.spf) {
    lines.push(line(0, { dim: 'SPF         ' }, safe(`${d.spf.result}${d.spf.mechanism ? ` by ${d.spf.mechanism}` : ''}; ${d.spf.lookups} DNS lookup${d.spf.lookups === 1 ? '' : 's'}${d.spf.reason ? `; ${d.spf.reason}` : ''}`, 500)));
    lines.push(line(1, { dim: 'record ' }, safe(d.spf.record ?? '(none)', 2100)));
    if (d.spf.names.length) lines.push(line(1, { dim: 'names ' }, safe(d.spf.names.join(', '), 2000)));
  }
  if (d.unfinished.length) lines.push(line(0, { dim: 'unfinished  ' }, safe(d.unfinished.join(', '), 2000)));
  return { heading: 'DNS', lines };
}

function hopLine(h: HeaderHop): Line {
  const from = h.fromReverse ?? h.fromHelo ?? (h.fromIp ? `[${h.fromIp}]` : h.local ? '(local)' : '?');
  const tls = h.tls === 'tls' ? (h.tlsVersion ?? 'TLS') : h.tls === 'clear' ? 'clear text' : 'TLS not known';
  return line(0, { dim: `${h.index}  ` }, safe(`${from}${h.fromIp && from !== `[${h.fromIp}]` ? ` [${h.fromIp}]` : ''} → ${h.by ?? '?'}`, 300), { dim: safe(` · ${h.with ?? 'no type'} · ${tls} · ${h.zone}${h.date ? ` · ${h.date.slice(11, 19)}` : ''}`, 200) });
}

function headerSection(b: SenderBody): DetailSection | null {
  const m = b.headers;
  if (m === null) return null;
  const lines: Line[] = [];
  if (m.subject !== null) lines.push(line(0, { dim: 'Subject     ' }, safe(m.subject, 300)));
  if (m.messageId !== null) lines.push(line(0, { dim: 'Message-ID  ' }, safe(m.messageId, 300)));
  lines.push(line(0, { dim: 'Hops        ' }, `${m.hops.length}${m.hopsNotListed ? ` (and ${m.hopsNotListed} older not kept)` : ''}, oldest first; TLS verdict of the header analyzer: ${m.tls.verdict}`));
  for (const h of m.hops) lines.push(hopLine(h));
  return { heading: 'The message’s hops (its Received lines, oldest first)', lines };
}

function earlierSection(b: SenderBody): DetailSection | null {
  if (b.earlier.length === 0) return null;
  const lines = b.earlier.map((e) => {
    const t = e.tls;
    const tls = t.established ? `${protocolWords(t.protocol)} ${t.cipherStandard ?? t.cipher ?? ''}`.trim() : t.attempted ? `TLS failed: ${t.failure ? [t.failure.text, t.failure.code, t.failure.clientAlert ? `alert ${t.failure.clientAlert}` : null].filter(Boolean).join(', ') : 'no reason recorded'}` : t.offered ? 'no STARTTLS' : 'STARTTLS not offered';
    return line(0, { dim: `${time(e.startedAt)}  ` }, safe(`port ${e.clientPort}, ${e.greeting ? `${e.greeting.command} ${e.greeting.name}` : 'no greeting'}; ${tls}; ${e.outcome}, ended by ${e.ended}`, 600));
  });
  return { heading: 'Earlier sessions from this address', lines };
}

export function senderDocument(report: SenderReport, options: DocumentOptions = {}): Document {
  const b = report.body;
  const s = b.session;
  const verbose = options.verbose === true;
  const name = s.greeting ? ` (${s.greeting.name})` : '';
  const sections = [helloSection(s), certificateSection(report), dnsSection(b), headerSection(b), earlierSection(b)].filter((x): x is DetailSection => x !== null);
  return {
    title: 'mxray sender test',
    // Short enough for the title line of a terminal: the address and the name it greeted with.
    subject: safe(`${s.clientIp}${name}`, 120),
    shortSubject: safe(s.clientIp, 64),
    startedAt: report.startedAt,
    durationMs: report.durationMs,
    meta: [`profile ${safe(report.judgedWith.profile.name, 80)}`],
    verdict: report.verdict,
    reason: senderReason(report),
    verdictNote: countLine(report.findings.filter((f) => f.severity !== 'ok')),
    context: contextLines(report),
    summary: { header: SENDER_SUMMARY_HEADER, rows: summaryRows(report) },
    // The sender test judges the user's own sending server: "us" is that server's side.
    findings: report.findings.map((f) => findingView(f, { us: 'you (your sending server and its network)' })),
    details: options.brief && !verbose ? null : { heading: 'Details', sections },
    transcript: verbose ? transcriptText(report) : null,
    explain: verbose || options.explain === true,
    detailsHint: 'the ClientHello, the client certificate, the DNS lookups, the message’s hops, the earlier sessions',
  };
}
