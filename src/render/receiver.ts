// The receiver test's report as a Document: the summary row per MX address, the findings, and the
// details per address (what was measured, what the checks made of it).
import type { CertInfo, HostReport, ReceiverReport } from '../core/schema.js';
import { formatReply } from '../smtp/reply.js';
import { countLine, findingView, line, transcriptText, type Cell, type Document, type DocumentOptions, type Line } from './document.js';
import { safe } from './style.js';

function yesNo(v: boolean | null | undefined, unknown = '-'): string {
  return v === true ? 'yes' : v === false ? 'no' : unknown;
}

export const SUMMARY_HEADER = ['MX host', 'Pref', 'Address', 'Connect', 'EHLO', 'STARTTLS', 'TLS', 'Trusted', 'Name', 'Verdict'];

function statusWord(h: HostReport): string {
  return h.status === 'connection-refused' ? 'refused' : h.status === 'connection-timeout' ? 'timeout' : '-';
}

/** The summary row of one MX address, as the best web checkers show it. */
export function summaryRow(h: HostReport): Cell[] {
  const cert = h.assessment.certificate;
  const ehlo = h.greeting === 'EHLO' ? 'ESMTP' : h.greeting === 'HELO' ? 'HELO only' : h.banner ? `refused` : '-';
  const starttls = h.implicitTls
    ? 'implicit'
    : h.starttls.negotiated
      ? 'yes'
      : h.starttls.offered
        ? h.starttls.reply && h.starttls.reply.code !== 220
          ? `refused ${h.starttls.reply.code}`
          : 'offered'
        : h.starttls.masked
          ? 'masked'
          : h.greeting
            ? 'no'
            : '-';
  const tls = h.tls?.ok
    ? `${h.tls.protocol ?? '?'} ${h.tls.cipherStandard ?? h.tls.cipher ?? ''}`.trim()
    : h.tls
      ? `failed${h.legacyRetry?.ok ? ` (${h.legacyRetry.protocol} only)` : ''}`
      : '-';
  const cells = [
    safe(h.mx, 60),
    h.preference === null ? '-' : String(h.preference),
    `${h.address.includes(':') ? `[${safe(h.address, 45)}]` : safe(h.address, 45)}:${h.port}`,
    h.connectMs === null ? statusWord(h) : `${Math.round(h.connectMs)} ms`,
    ehlo,
    starttls,
    safe(tls, 80),
    cert ? yesNo(cert.trusted) : '-',
    cert ? yesNo(cert.nameMatches, 'n/a') : '-',
  ];
  return [...cells.map((text) => ({ text })), { text: h.verdict, verdict: h.verdict }];
}

function certLines(label: string, certs: CertInfo[], depth: number): Line[] {
  const out: Line[] = [line(depth, `${label}:`)];
  certs.forEach((c, i) => {
    out.push(line(depth + 1, `${i}. ${safe(c.subject.replace(/\n/g, ', '))}${c.source === 'trust-store' ? ' (from our trust store)' : ''}`));
    out.push(line(depth + 1, `   issuer ${safe(c.issuer.replace(/\n/g, ', '))}`));
    out.push(line(depth + 1, `   valid ${c.notBefore} → ${c.notAfter}; ${safe(c.keyType, 40)}${c.keyBits ? ` ${c.keyBits}` : ''}${c.keyCurve ? ` ${safe(c.keyCurve, 40)}` : ''}; ${safe(c.signatureAlgorithm, 80)}`));
    if (i === 0 && c.dnsNames.length) out.push(line(depth + 1, `   names ${safe(c.dnsNames.join(', '), 600)}`));
    if (i === 0) out.push(line(depth + 1, `   SHA-1 ${safe(c.sha1, 40)}  SHA-256 ${safe(c.sha256, 64)}`));
  });
  return out;
}

function hostLines(h: HostReport): Line[] {
  const out: Line[] = [];
  const a = h.assessment;
  if (h.ptr.length) out.push(line(1, `Reverse DNS: ${safe(h.ptr.join(', '))}${h.ptrMatchesBanner === true ? ' (matches the announced name)' : h.ptrMatchesBanner === false ? ' (differs from the announced name)' : ''}`));
  if (h.banner) out.push(line(1, `Banner: ${safe(formatReply(h.banner), 400)}`));
  if (h.ehloReply) out.push(line(1, `${h.greeting === 'HELO' ? 'EHLO refused, HELO' : 'EHLO'}: ${safe(formatReply(h.ehloReply).split(' / ')[0], 200)}`));
  const caps = h.capabilitiesInTls && !h.implicitTls ? h.capabilities : (h.capabilitiesInTls ?? h.capabilities);
  if (caps.length) {
    out.push(line(1, `Extensions${h.implicitTls ? ' (in TLS)' : ' (before TLS)'}:`));
    for (const c of caps) {
      out.push(line(2, `${safe([c.keyword, ...c.params].join(' '), 80).padEnd(28)} `, { dim: `${safe(c.meaning ?? 'unknown extension')}${c.rfc ? ` (${safe(c.rfc)})` : ''}` }));
    }
  }
  if (h.capabilitiesInTls && !h.implicitTls) {
    const before = new Set(h.capabilities.map((c) => c.keyword));
    const after = new Set(h.capabilitiesInTls.map((c) => c.keyword));
    const added = [...after].filter((k) => !before.has(k));
    const removed = [...before].filter((k) => !after.has(k));
    out.push(line(1, `After STARTTLS: ${added.length ? `added ${safe(added.join(', '))}` : 'nothing added'}${removed.length ? `; removed ${safe(removed.join(', '))}` : ''}`));
  }
  if (h.tls) {
    if (h.tls.ok) {
      const t = h.tls;
      out.push(line(1, safe(`TLS: ${t.protocol} ${t.cipherStandard ?? t.cipher}${t.group ? `, key exchange ${t.group}` : ''}, SNI ${t.sni ?? 'none'}, OCSP staple ${t.ocspStapled ? 'yes' : 'no'}, ${t.handshakeMs} ms`, 400)));
    } else {
      out.push(line(1, `TLS: failed: ${safe(h.tls.error)}`));
      const r = h.legacyRetry;
      if (r) {
        out.push(line(2, `Retry with legacy settings (TLS 1.0-1.2, all ciphers): ${r.ok ? `succeeded with ${safe(`${r.protocol} ${r.cipher}`)}` : `failed: ${safe(r.error)}`}; reading: ${a.legacyCause}`));
      }
    }
  }
  const cert = a.certificate;
  if (cert) {
    out.push(
      line(
        1,
        `Certificate: ${cert.trusted ? 'trusted' : `NOT trusted: ${safe(cert.trustReason)}`}; name ${cert.checkedName ? `${safe(cert.checkedName)} ${cert.nameMatches ? 'matches' : 'does NOT match'}` : 'not checked (IP target)'}${cert.domainMatches !== null ? `; mail domain ${cert.domainMatches ? 'also matches' : 'not on it'}` : ''}; ${cert.daysLeft >= 0 ? `${cert.daysLeft} days left` : `expired ${-cert.daysLeft} days ago`}`,
      ),
    );
    out.push(...certLines('As sent by the server', cert.sent, 2));
    for (const anchor of cert.path.filter((c) => c.source === 'trust-store')) out.push(line(2, `Anchored at: ${safe(anchor.subject.replace(/\n/g, ', '))} (in our trust store)`));
  }
  if (h.noSni) {
    const n = a.noSni;
    out.push(
      line(1, `Without SNI: ${n?.certificate ? (n.sameCertificate ? 'same certificate' : `different certificate: ${safe(n.certificate.sent[0]?.subject.replace(/\n/g, ', '))}`) : `handshake failed: ${safe(h.noSni.error)}`}`),
    );
  }
  if (h.cleartext) {
    const verdict = a.cleartext?.requiresTls ?? null;
    const steps = h.cleartext.steps.map((s) => `${safe(s.command)} → ${safe(formatReply(s.reply), 160)}`).join('; ');
    out.push(line(1, `Without TLS: ${verdict === true ? 'refused (TLS is required)' : verdict === false ? 'accepted (TLS is not required)' : 'unclear'}${steps ? ` — ${steps}` : ''}`));
  }
  h.envelope.forEach((e, i) => out.push(line(1, `Envelope: ${safe(e.command)} → ${safe(formatReply(e.reply), 200)} (${a.envelope[i]?.outcome ?? 'unknown'})`)));
  if (h.status !== 'ok') out.push(line(1, `Probe status: ${h.status}${h.statusDetail ? ` (${safe(h.statusDetail)})` : ''}`));
  return out;
}

/** A re-judged report (mxray report --rejudge), or one judged at another moment, says when and with which roots. */
function judgedLines(report: ReceiverReport): Line[] {
  const at = Date.parse(report.judgedWith.at);
  if (!report.judgedWith.rejudged && Math.abs(at - Date.parse(report.startedAt)) < 60_000) return [];
  const files = report.judgedWith.trustStore.extraCaFiles.map((f) => safe(f.name, 100));
  return [
    line(0, `Judged at ${report.judgedWith.at.replace('T', ' ').replace(/(:\d\d)?(\.\d+)?Z$/, ' UTC')}, trusting ${safe(report.judgedWith.trustStore.description, 100)}${files.length ? ` (${files.join(', ')})` : ''}`),
  ];
}

export function receiverDocument(report: ReceiverReport, options: DocumentOptions = {}): Document {
  const { body } = report;
  const t = body.target;
  const subject = t.kind === 'domain' ? `mail domain ${t.domain}` : `server ${t.host}:${t.port}${t.domain ? ` for ${t.domain}` : ''}`;
  const dns = body.dns;
  const dnsLine =
    dns.status === 'ok' && dns.mx.length
      ? `MX: ${dns.mx.map((m) => `${m.preference} ${safe(m.exchange)}`).join(', ')}`
      : dns.status === 'not-applicable' || dns.status === 'ok'
        ? ''
        : `DNS: ${dns.status}${dns.error ? ` (${safe(dns.error)})` : ''}`;
  return {
    title: 'mxray receiver test',
    subject: safe(subject),
    shortSubject: safe(t.domain ?? t.host ?? t.input),
    startedAt: report.startedAt,
    durationMs: report.durationMs,
    meta: [`profile ${safe(report.judgedWith.profile.name, 80)}`],
    verdict: report.verdict,
    verdictNote: countLine(report.findings.filter((f) => f.severity !== 'ok')),
    context: [...(dnsLine ? [line(0, `${dnsLine}  `, { dim: `(resolver: ${safe(dns.resolver, 100)})` })] : []), ...judgedLines(report)],
    summary: body.hosts.length ? { header: SUMMARY_HEADER, rows: body.hosts.map(summaryRow) } : null,
    findings: report.findings.map(findingView),
    details:
      options.brief || !body.hosts.length
        ? null
        : { heading: 'Details per address', sections: body.hosts.map((h) => ({ heading: safe(h.key, 120), lines: hostLines(h) })) },
    transcript: options.verbose ? transcriptText(report) : null,
  };
}
