// `mxray send`'s report as a Document: what became of the message on the first line (delivered with
// the queue id, refused at a stage with the reply, not sent because …), the server, envelope,
// message and TLS (with the certificate's verdict) under it, the dialogue step by step (credentials
// redacted) as the summary table, the findings worst first, then the details (capabilities, the
// certificate, a --count run's figures). Everything the server sent is escaped.
import type { SendReport, SendStep } from '../core/schema.js';
import { formatReply } from '../smtp/reply.js';
import { countLine, findingView, line, transcriptText, type Cell, type DetailSection, type Document, type DocumentOptions, type Line } from './document.js';
import { safe } from './style.js';

export const SEND_SUMMARY_HEADER = ['Stage', 'Sent', 'Reply'];

const STAGE: Readonly<Record<SendStep['stage'], string>> = {
  connect: 'connect',
  tls: 'TLS',
  banner: 'greeting',
  ehlo: 'EHLO',
  starttls: 'STARTTLS',
  auth: 'AUTH',
  mail: 'MAIL FROM',
  rcpt: 'RCPT TO',
  data: 'DATA',
  message: 'message',
};

function row(s: SendStep): Cell[] {
  return [{ text: STAGE[s.stage] }, { text: safe(s.command, 120) }, { text: s.reply ? safe(formatReply(s.reply), 160) : s.stage === 'tls' ? '(handshake)' : '(no reply)' }];
}

function reasonOf(report: SendReport): string {
  const { outcome: o, server, message } = report.body;
  const at = o.stage ? STAGE[o.stage] : 'the start';
  const reply = o.reply ? safe(formatReply(o.reply), 200) : '';
  const where = server ? safe(`${server.mx}[${server.address}]:${server.port}`, 120) : safe(report.target, 120);
  switch (o.result) {
    case 'delivered': {
      const tls = report.body.session?.tls;
      const how = tls ? `over ${safe(tls.protocol ?? 'TLS', 20)}` : 'WITHOUT TLS';
      const id = o.queueId && !reply.includes(o.queueId) ? ` (queue id ${safe(o.queueId, 64)})` : '';
      return `delivered to ${where} ${how}: ${reply}${id}; Message-ID ${safe(message.messageId, 120)}`;
    }
    case 'refused':
      return `refused at ${at} by ${where}: ${reply}`;
    case 'deferred':
      return `deferred (temporary refusal) at ${at} by ${where}: ${reply}`;
    case 'not-sent':
      return o.cause === 'tls-unavailable'
        ? `not sent: --tls ${report.body.settings.tls} and ${safe(o.reason, 200)}`
        : o.cause === 'extension-missing'
          ? `not sent: the server does not offer ${safe(o.reason, 200)}`
          : `not sent: ${safe(o.reason, 200)}`;
    case 'failed':
      return `not sent: the session with ${where} failed at ${at} (${safe(o.reason, 200)})`;
  }
}

function tlsLine(report: SendReport): Line {
  const s = report.body.session;
  if (!s?.tls) return line(0, { dim: 'TLS       ' }, !s ? '-' : s.tlsFallback ? `none: the TLS handshake failed (${safe(s.tlsFallback, 200)}), sent again in clear` : 'none');
  const t = s.tls;
  const cert = s.certificate;
  const verdict = !cert
    ? ''
    : cert.trusted && cert.timeValid && cert.nameMatches !== false
      ? `; certificate verifies${cert.checkedName ? ` for ${safe(cert.checkedName, 100)}` : ''}`
      : `; certificate does NOT verify (${cert.trusted ? (cert.timeValid ? (cert.checkedName ? `does not name ${safe(cert.checkedName, 100)}` : 'names no server we can check') : 'not valid now') : safe(cert.trustFailure, 40)})`;
  const parts = [t.protocol, t.cipher].filter(Boolean).map((x) => safe(x, 60)).join(' ');
  return line(0, { dim: 'TLS       ' }, `${parts}${t.sni ? `, SNI ${safe(t.sni, 100)}` : ''}${t.clientCertificate ? ', client certificate presented' : ''}${verdict} (--verify ${report.body.settings.verify})`);
}

function details(report: SendReport): DetailSection[] {
  const b = report.body;
  const out: DetailSection[] = [];
  const s = b.session;
  if (s) {
    const lines: Line[] = [line(0, { bold: 'Extensions advertised' }, `: ${safe(s.capabilities.join(', '), 600) || '(none)'}`), line(0, { bold: 'Extensions used' }, `: ${safe(s.extensionsUsed.join(', '), 200) || '(none)'}`)];
    if (s.status !== 'ok') lines.push(line(0, { bold: 'Session' }, `: stopped (${s.status}${s.statusDetail ? `: ${safe(s.statusDetail, 200)}` : ''})`));
    const cert = s.certificate;
    if (cert) {
      const leaf = cert.sent[0];
      lines.push(line(0, { bold: 'Certificate' }, `: ${leaf ? safe(leaf.subject || leaf.commonName || '(no subject)', 200) : '(none)'}`));
      if (leaf) {
        lines.push(line(1, { dim: 'issuer ' }, safe(leaf.issuer, 200)));
        lines.push(line(1, { dim: 'names ' }, safe([...leaf.dnsNames, ...leaf.ipAddresses].join(', '), 300) || '(none)'));
        lines.push(line(1, { dim: 'valid ' }, `${safe(leaf.notBefore, 40)} to ${safe(leaf.notAfter, 40)}`));
        lines.push(line(1, { dim: 'SHA-256 ' }, leaf.sha256));
      }
      lines.push(line(1, { dim: 'chain ' }, cert.trusted ? 'trusted' : `not trusted: ${safe(cert.trustReason ?? cert.trustFailure, 300)}`));
      if (cert.checkedName !== null) lines.push(line(1, { dim: 'name ' }, `${safe(cert.checkedName, 100)}: ${cert.nameMatches ? 'matches' : 'does NOT match'}`));
    }
    out.push({ heading: 'Session', lines });
  }
  const o = b.outcome;
  if (o.refusedRecipients.length) {
    out.push({ heading: 'Refused recipients', lines: o.refusedRecipients.map((r) => line(0, safe(r.address, 200), { dim: ' → ' }, safe(formatReply(r.reply), 200))) });
  }
  if (b.load) {
    const l = b.load;
    out.push({
      heading: 'Load',
      lines: [
        line(0, `${l.count} messages over ${l.concurrency} session${l.concurrency === 1 ? '' : 's'} in ${Math.round(l.elapsedMs)} ms: ${l.delivered} delivered, ${l.refused} refused, ${l.failed} failed`),
        line(0, `${l.messagesPerSecond} messages/s; latency${l.latencyMs ? ` p50 ${l.latencyMs.p50} ms, p90 ${l.latencyMs.p90} ms, p99 ${l.latencyMs.p99} ms, max ${l.latencyMs.max} ms` : ': none delivered'}`),
        ...(l.firstFailure ? [line(0, { dim: 'first failure: ' }, safe(l.firstFailure, 300))] : []),
      ],
    });
  }
  return out;
}

export function sendDocument(report: SendReport, options: DocumentOptions = {}): Document {
  const b = report.body;
  const verbose = options.verbose === true;
  const server = b.server;
  const subject = server ? `${server.mx}[${server.address}]:${server.port}` : report.target;
  const m = b.message;
  const context: Line[] = [
    line(0, { dim: 'Envelope  ' }, safe(`MAIL FROM:<${b.envelope.from}> RCPT TO:${b.envelope.to.map((t) => `<${t}>`).join(',')}, EHLO ${b.envelope.helo}`, 400)),
    line(
      0,
      { dim: 'Message   ' },
      safe(`${m.messageId}, X-Mxray-Test: ${m.testId}, ${m.bytes} bytes${m.eightBit ? ', 8-bit' : ''}${m.utf8 ? ', UTF-8 headers' : ''}${m.source === 'file' ? ' (from --data)' : ''}`, 400),
    ),
    tlsLine(report),
    ...(b.settings.auth ? [line(0, { dim: 'AUTH      ' }, safe(`${b.settings.auth.user} (${b.settings.auth.mechanism ?? 'best offered'}); the secret is redacted everywhere`, 200))] : []),
  ];
  if (b.outcome.queueId) context.push(line(0, { dim: 'Queue id  ' }, safe(b.outcome.queueId, 64)));
  // The MX addresses that did not take the session, in the order they were tried, before the one that did.
  for (const p of b.passedOver) context.push(line(0, { dim: 'Passed over ' }, safe(`${p.mx}[${p.address}]:${p.port}: ${p.reason}`, 300)));
  const steps = b.session?.steps ?? [];
  return {
    title: 'mxray send',
    subject: safe(`${subject} (--tls ${b.settings.tls})`, 300),
    shortSubject: safe(report.target, 120),
    startedAt: report.startedAt,
    durationMs: report.durationMs,
    meta: [`profile ${safe(report.judgedWith.profile.name, 80)}`],
    verdict: report.verdict,
    reason: reasonOf(report),
    verdictNote: countLine(report.findings.filter((f) => f.severity !== 'ok')),
    context,
    summary: steps.length ? { header: SEND_SUMMARY_HEADER, rows: steps.map(row) } : null,
    findings: report.findings.map((f) => findingView(f)),
    details: options.brief && !verbose ? null : { heading: 'Details', sections: details(report) },
    transcript: verbose ? transcriptText(report) : null,
    explain: verbose || options.explain === true,
    detailsHint: 'the extensions, the certificate, and a --count run’s figures',
  };
}
