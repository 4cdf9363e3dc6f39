// Report → text for a person: summary table first, findings worst first with their fix, host
// details, then (verbose) the transcript with millisecond offsets. Pure: no I/O, no clock.
import type { CertInfo, Finding, HostReport, Report, Severity } from '../core/schema.js';
import { formatReply } from '../smtp/reply.js';
import { plainStyle, safe, table, type Style } from './style.js';

export interface TextOptions {
  style?: Style;
  verbose?: boolean;
  /** Leave out the per-host details (the demo's overview uses this). */
  brief?: boolean;
}

const SEV_LABEL: Record<Severity, string> = { critical: 'CRITICAL', error: 'ERROR', warning: 'WARNING', info: 'INFO', ok: 'OK' };

function yesNo(v: boolean | null | undefined, unknown = '-'): string {
  return v === true ? 'yes' : v === false ? 'no' : unknown;
}

/** The summary row of one MX address, as the best web checkers show it. */
export function summaryRow(h: HostReport, style: Style): string[] {
  const cert = h.tls?.certificate ?? null;
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
  return [
    safe(h.mx, 60),
    h.preference === null ? '-' : String(h.preference),
    `${h.address.includes(':') ? `[${h.address}]` : h.address}:${h.port}`,
    h.connectMs === null ? statusWord(h) : `${Math.round(h.connectMs)} ms`,
    ehlo,
    starttls,
    tls,
    cert ? yesNo(cert.trusted) : '-',
    cert ? yesNo(cert.nameMatches, 'n/a') : '-',
    style.verdict(h.verdict, h.verdict),
  ];
}

function statusWord(h: HostReport): string {
  return h.status === 'connection-refused' ? 'refused' : h.status === 'connection-timeout' ? 'timeout' : '-';
}

export const SUMMARY_HEADER = ['MX host', 'Pref', 'Address', 'Connect', 'EHLO', 'STARTTLS', 'TLS', 'Trusted', 'Name', 'Verdict'];

function countLine(findings: Finding[]): string {
  const n = (s: Severity) => findings.filter((f) => f.severity === s).length;
  const parts = [
    n('critical') && `${n('critical')} critical`,
    n('error') && `${n('error')} error${n('error') > 1 ? 's' : ''}`,
    n('warning') && `${n('warning')} warning${n('warning') > 1 ? 's' : ''}`,
    n('info') && `${n('info')} note${n('info') > 1 ? 's' : ''}`,
  ].filter(Boolean);
  return parts.length ? parts.join(', ') : 'no problems found';
}

function renderFinding(f: Finding, style: Style): string[] {
  const out: string[] = [];
  const where = f.hosts.length ? `  ${style.dim(f.hosts.map((h) => safe(h, 80)).join(', '))}` : '';
  out.push(`${style.severity(f.severity, SEV_LABEL[f.severity].padEnd(8))} ${style.bold(safe(f.title, 400))}  ${style.dim(`[${f.id}]`)}${where}`);
  if (f.severity === 'ok') return out;
  const indent = '         ';
  out.push(`${indent}${safe(f.detail, 2000)}`);
  if (f.severity !== 'info') {
    out.push(`${indent}${style.bold('Opportunistic senders:')} ${safe(f.opportunistic, 1000)}`);
    out.push(`${indent}${style.bold('Verifying / forced-TLS senders:')} ${safe(f.verifying, 1000)}`);
  }
  const actor = f.actor === 'us' ? 'us (the network we test from)' : f.actor === 'them' ? "them (the receiving domain's mail administrators)" : 'either side (see the detail)';
  out.push(`${indent}${style.bold('Who acts:')} ${actor}`);
  out.push(`${indent}${style.bold('Fix:')} ${safe(f.remediation.summary, 1000)}`);
  for (const s of f.remediation.steps) out.push(`${indent}  - ${safe(s, 1000)}`);
  for (const [mta, steps] of [
    ['Exchange', f.remediation.exchange],
    ['Postfix', f.remediation.postfix],
    ['Exim', f.remediation.exim],
  ] as const) {
    if (steps?.length) {
      out.push(`${indent}  ${mta}:`);
      for (const s of steps) out.push(`${indent}    - ${safe(s, 1000)}`);
    }
  }
  if (f.refs.length) out.push(`${indent}${style.dim(`Refs: ${f.refs.join('; ')}`)}`);
  return out;
}

function certLines(label: string, certs: CertInfo[], indent: string): string[] {
  const out: string[] = [`${indent}${label}:`];
  certs.forEach((c, i) => {
    out.push(`${indent}  ${i}. ${safe(c.subject.replace(/\n/g, ', '))}${c.source === 'trust-store' ? ' (from our trust store)' : ''}`);
    out.push(`${indent}     issuer ${safe(c.issuer.replace(/\n/g, ', '))}`);
    out.push(`${indent}     valid ${c.notBefore} → ${c.notAfter}; ${c.keyType}${c.keyBits ? ` ${c.keyBits}` : ''}${c.keyCurve ? ` ${c.keyCurve}` : ''}; ${c.signatureAlgorithm}`);
    if (i === 0 && c.dnsNames.length) out.push(`${indent}     names ${safe(c.dnsNames.join(', '), 600)}`);
    if (i === 0) out.push(`${indent}     SHA-1 ${c.sha1}  SHA-256 ${c.sha256}`);
  });
  return out;
}

function hostDetails(h: HostReport, style: Style): string[] {
  const i = '  ';
  const out: string[] = [style.bold(`${safe(h.key, 120)}`)];
  if (h.ptr.length) out.push(`${i}Reverse DNS: ${safe(h.ptr.join(', '))}${h.ptrMatchesBanner === true ? ' (matches the announced name)' : h.ptrMatchesBanner === false ? ' (differs from the announced name)' : ''}`);
  if (h.banner) out.push(`${i}Banner: ${safe(formatReply(h.banner), 400)}`);
  if (h.ehloReply) out.push(`${i}${h.greeting === 'HELO' ? 'EHLO refused, HELO' : 'EHLO'}: ${safe(formatReply(h.ehloReply).split(' / ')[0], 200)}`);
  const caps = h.capabilitiesInTls && !h.implicitTls ? h.capabilities : h.capabilitiesInTls ?? h.capabilities;
  if (caps.length) {
    out.push(`${i}Extensions${h.implicitTls ? ' (in TLS)' : ' (before TLS)'}:`);
    for (const c of caps) {
      out.push(`${i}  ${safe([c.keyword, ...c.params].join(' '), 80).padEnd(28)} ${style.dim(`${c.meaning ?? 'unknown extension'}${c.rfc ? ` (${c.rfc})` : ''}`)}`);
    }
  }
  if (h.capabilitiesInTls && !h.implicitTls) {
    const before = new Set(h.capabilities.map((c) => c.keyword));
    const after = new Set(h.capabilitiesInTls.map((c) => c.keyword));
    const added = [...after].filter((k) => !before.has(k));
    const removed = [...before].filter((k) => !after.has(k));
    out.push(`${i}After STARTTLS: ${added.length ? `added ${safe(added.join(', '))}` : 'nothing added'}${removed.length ? `; removed ${safe(removed.join(', '))}` : ''}`);
  }
  if (h.tls) {
    if (h.tls.ok) {
      out.push(`${i}TLS: ${h.tls.protocol} ${h.tls.cipherStandard ?? h.tls.cipher}${h.tls.group ? `, key exchange ${h.tls.group}` : ''}, SNI ${h.tls.sni ?? 'none'}, OCSP staple ${h.tls.ocspStapled ? 'yes' : 'no'}, ${h.tls.handshakeMs} ms`);
    } else {
      out.push(`${i}TLS: failed: ${safe(h.tls.error)}`);
      if (h.legacyRetry) {
        out.push(`${i}  Retry with legacy settings (TLS 1.0-1.2, all ciphers): ${h.legacyRetry.ok ? `succeeded with ${h.legacyRetry.protocol} ${h.legacyRetry.cipher}` : `failed: ${safe(h.legacyRetry.error)}`}; reading: ${h.legacyRetry.cause}`);
      }
    }
  }
  const cert = h.tls?.certificate;
  if (cert) {
    out.push(`${i}Certificate: ${cert.trusted ? 'trusted' : `NOT trusted: ${safe(cert.trustReason)}`}; name ${cert.checkedName ? `${safe(cert.checkedName)} ${cert.nameMatches ? 'matches' : 'does NOT match'}` : 'not checked (IP target)'}${cert.domainMatches !== null ? `; mail domain ${cert.domainMatches ? 'also matches' : 'not on it'}` : ''}; ${cert.daysLeft >= 0 ? `${cert.daysLeft} days left` : `expired ${-cert.daysLeft} days ago`}`);
    out.push(...certLines('As sent by the server', cert.sent, `${i}  `));
    const anchors = cert.path.filter((c) => c.source === 'trust-store');
    for (const a of anchors) out.push(`${i}  Anchored at: ${safe(a.subject.replace(/\n/g, ', '))} (in our trust store)`);
  }
  if (h.noSni) {
    const n = h.noSni;
    out.push(`${i}Without SNI: ${n.certificate ? (n.sameCertificate ? 'same certificate' : `different certificate: ${safe(n.certificate.sent[0]?.subject.replace(/\n/g, ', '))}`) : `handshake failed: ${safe(n.error)}`}`);
  }
  if (h.cleartext) {
    const c = h.cleartext;
    const steps = c.steps.map((s) => `${s.command} → ${safe(formatReply(s.reply), 160)}`).join('; ');
    out.push(`${i}Without TLS: ${c.requiresTls === true ? 'refused (TLS is required)' : c.requiresTls === false ? 'accepted (TLS is not required)' : 'unclear'}${steps ? ` — ${steps}` : ''}`);
  }
  for (const e of h.envelope) out.push(`${i}Envelope: ${safe(e.command)} → ${safe(formatReply(e.reply), 200)} (${e.outcome})`);
  if (h.status !== 'ok') out.push(`${i}Probe status: ${h.status}${h.statusDetail ? ` (${safe(h.statusDetail)})` : ''}`);
  return out;
}

export function renderTranscript(report: Report): string {
  const who = (k: string) => (k === 'send' ? 'C:' : k === 'recv' ? 'S:' : `${k}:`);
  return report.transcript
    .map((e) => `[${(e.t / 1000).toFixed(3).padStart(7, '0')}] ${safe(e.conn, 100)}  ${who(e.kind)} ${e.text}`)
    .join('\n');
}

export function renderText(report: Report, options: TextOptions = {}): string {
  const style = options.style ?? plainStyle;
  const out: string[] = [];
  const t = report.target;
  const what = t.kind === 'domain' ? `mail domain ${t.domain}` : `server ${t.host}:${t.port}${t.domain ? ` for ${t.domain}` : ''}`;
  out.push(`${style.bold('mxray receiver test')} — ${safe(what)} — ${report.startedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}, ${(report.durationMs / 1000).toFixed(2)} s`);
  const problems = report.findings.filter((f) => f.severity !== 'ok' && f.severity !== 'info');
  out.push(`Verdict: ${style.verdict(report.verdict, report.verdict.toUpperCase())} — ${countLine(report.findings.filter((f) => f.severity !== 'ok'))}`);
  const dnsLine =
    report.dns.status === 'ok' && report.dns.mx.length
      ? `MX: ${report.dns.mx.map((m) => `${m.preference} ${safe(m.exchange)}`).join(', ')}`
      : report.dns.status === 'not-applicable' || report.dns.status === 'ok'
        ? ''
        : `DNS: ${report.dns.status}${report.dns.error ? ` (${safe(report.dns.error)})` : ''}`;
  if (dnsLine) out.push(`${dnsLine}  ${style.dim(`(resolver: ${report.dns.resolver})`)}`);
  out.push('');
  if (report.hosts.length) {
    out.push(table(SUMMARY_HEADER, report.hosts.map((h) => summaryRow(h, style)), style));
    out.push('');
  }
  const shown = report.findings.filter((f) => f.severity !== 'ok');
  if (shown.length) {
    out.push(style.bold(problems.length ? 'Findings, worst first' : 'Notes'));
    for (const f of shown) out.push(...renderFinding(f, style), '');
  }
  const good = report.findings.filter((f) => f.severity === 'ok');
  if (good.length) {
    out.push(style.bold('What is right'));
    for (const f of good) out.push(...renderFinding(f, style));
    out.push('');
  }
  if (!options.brief && report.hosts.length) {
    out.push(style.bold('Details per address'));
    for (const h of report.hosts) out.push(...hostDetails(h, style), '');
  }
  if (options.verbose) {
    out.push(style.bold('Transcript'), renderTranscript(report), '');
  }
  return out.join('\n').replace(/\n+$/, '\n');
}
