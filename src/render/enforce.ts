// `mxray enforce`'s report as a Document: the verdict and why on the first line, one row per
// address (verdict, stage, the reply without TLS and the one with TLS), the findings worst first
// with their fix, then each address's two sessions step by step in the details.
import type { EnforceAddressReport, EnforceReport, EnforceSession, Verdict } from '../core/schema.js';
import { formatReply } from '../smtp/reply.js';
import { countLine, findingView, line, transcriptText, type Cell, type DetailSection, type Document, type DocumentOptions, type Line } from './document.js';
import { safe } from './style.js';

const STAGE: Readonly<Record<string, string>> = { banner: 'greeting', ehlo: 'EHLO', mail: 'MAIL FROM', rcpt: 'RCPT TO', data: 'DATA' };
const VERDICT_WORDS: Readonly<Record<EnforceAddressReport['assessment']['verdict'], { text: string; verdict: Verdict }>> = {
  enforces: { text: 'enforces TLS', verdict: 'pass' },
  'not-enforced': { text: 'DOES NOT enforce', verdict: 'fail' },
  inconclusive: { text: 'cannot tell', verdict: 'inconclusive' },
};

export const ENFORCE_SUMMARY_HEADER = ['Address', 'Verdict', 'Stage', 'Reply without TLS', 'With TLS'];

function replyCell(reply: EnforceAddressReport['assessment']['reply'], max = 90): Cell {
  return { text: reply ? safe(formatReply(reply), max) : '-' };
}

function row(a: EnforceAddressReport): Cell[] {
  const v = VERDICT_WORDS[a.assessment.verdict];
  return [
    { text: safe(a.key, 80) },
    { text: v.text, verdict: v.verdict },
    { text: a.assessment.stage ? (STAGE[a.assessment.stage] ?? a.assessment.stage) : '-' },
    replyCell(a.assessment.reply),
    replyCell(a.assessment.controlReply),
  ];
}

function sessionLines(s: EnforceSession | null, title: string): Line[] {
  if (!s) return [line(0, { bold: title }, ': not run')];
  const out: Line[] = [line(0, { bold: title }, s.status === 'ok' ? '' : `: stopped (${s.status}${s.statusDetail ? `: ${safe(s.statusDetail, 200)}` : ''})`)];
  for (const step of s.steps) {
    // The control session's EHLO stage is the one inside TLS: STARTTLS came just before it.
    if (step.stage === 'ehlo' && s.starttls) out.push(line(1, { dim: 'STARTTLS → ' }, safe(formatReply(s.starttls), 300)));
    out.push(line(1, { dim: `${safe(step.command, 120)} → ` }, step.reply ? safe(formatReply(step.reply), 300) : '(no reply)'));
  }
  if (s.mode === 'tls' && s.tlsProtocol) out.push(line(1, { dim: `TLS: ${safe(s.tlsProtocol, 40)}` }));
  if (s.droppedAfterData) out.push(line(1, { dim: 'connection dropped after the 354: no message data, no final dot, nothing delivered' }));
  return out;
}

function addressSection(a: EnforceAddressReport): DetailSection {
  const lines: Line[] = [
    line(0, { bold: 'Verdict' }, `: ${VERDICT_WORDS[a.assessment.verdict].text} — ${safe(a.assessment.reason, 200)}`),
    ...sessionLines(a.cleartext, 'Without TLS'),
    ...sessionLines(a.control, 'With STARTTLS (control)'),
  ];
  if (a.auth) {
    const probe = a.auth.login ? `AUTH LOGIN → ${safe(formatReply(a.auth.login), 200)}${a.auth.cancel ? `; * → ${safe(formatReply(a.auth.cancel), 200)}` : ''}` : 'not probed';
    lines.push(line(0, { bold: 'AUTH before TLS' }, `: ${safe(a.auth.mechanisms.join(' '), 200) || '(no mechanisms)'}; ${probe} (no credential sent)`));
  }
  return { heading: safe(a.key, 160), lines };
}

function reasonOf(report: EnforceReport): string {
  const addresses = report.body.addresses;
  if (addresses.length === 0) return safe(report.findings[0]?.title ?? 'no mail server address to test', 300);
  const not = addresses.filter((a) => a.assessment.verdict === 'not-enforced');
  if (not.length) {
    const stage = STAGE[not[0]!.assessment.stage ?? 'rcpt'];
    return safe(`${not.length} of ${addresses.length} address${addresses.length > 1 ? 'es' : ''} accept${not.length === 1 ? 's' : ''} mail without TLS (not refused up to ${stage}): ${not.map((a) => a.key).join(', ')}`, 300);
  }
  const unsure = addresses.filter((a) => a.assessment.verdict === 'inconclusive');
  if (unsure.length) return safe(`${unsure[0]!.key}: ${unsure[0]!.assessment.reason}`, 300);
  const stages = [...new Set(addresses.map((a) => STAGE[a.assessment.stage ?? 'rcpt']))].join(', ');
  const one = addresses.length === 1;
  return safe(`${one ? 'the address refuses' : `all ${addresses.length} addresses refuse`} mail without TLS (at ${stages}) and ${one ? 'accepts' : 'accept'} it with TLS`, 300);
}

export function enforceDocument(report: EnforceReport, options: DocumentOptions = {}): Document {
  const { body } = report;
  const verbose = options.verbose === true;
  const t = body.target;
  const subject = t.kind === 'domain' ? `mail domain ${t.domain ?? report.target}` : `server ${t.host ?? report.target}:${t.port}`;
  const env = body.envelope;
  const context: Line[] = [
    line(0, { dim: 'Envelope  ' }, safe(`MAIL FROM:<${env.from}> RCPT TO:<${env.rcpt}>, EHLO ${env.helo}`, 400)),
    line(
      0,
      { dim: 'Tested    ' },
      env.throughData ? 'up to DATA; dropped at its 354 without the final dot: nothing was delivered' : 'up to RCPT TO, then RSET and QUIT: nothing was delivered (--through-data goes up to DATA)',
    ),
  ];
  return {
    title: 'mxray enforce test',
    subject: safe(subject, 300),
    shortSubject: safe(report.target, 120),
    startedAt: report.startedAt,
    durationMs: report.durationMs,
    meta: [`profile ${safe(report.judgedWith.profile.name, 80)}`],
    verdict: report.verdict,
    reason: reasonOf(report),
    verdictNote: countLine(report.findings.filter((f) => f.severity !== 'ok')),
    context,
    summary: body.addresses.length ? { header: ENFORCE_SUMMARY_HEADER, rows: body.addresses.map(row) } : null,
    findings: report.findings.map((f) => findingView(f)),
    details: options.brief && !verbose ? null : { heading: 'Details', sections: body.addresses.map(addressSection) },
    transcript: verbose ? transcriptText(report) : null,
    explain: verbose || options.explain === true,
    detailsHint: 'both sessions step by step, and AUTH before TLS',
  };
}
