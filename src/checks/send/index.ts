// `mxray send`'s checks (checks/sending.ts runs them): what became of the message (delivered,
// refused, deferred, not sent and why, the session failed), how it went (without TLS, or with a
// certificate that does not verify), what the final reply means (kb/reply-patterns.ts: Exchange
// Online's SMTP AUTH refusals, a size limit), and the figures of a --count run.
import type { Finding, SendBody, SendOutcome } from '../../core/schema.js';
import { makeFinding, type Facts, type FindingId } from '../../kb/index.js';
import { replyMeans } from '../../kb/reply-patterns.js';
import { formatReply } from '../../smtp/reply.js';
import { isClientCertRefusalAlert, isClientCertReply } from '../tls/index.js';
import type { Check } from '../check.js';

export interface SendCheckInput {
  body: SendBody;
}

export type SendCheck = Check<SendCheckInput>;

const STAGE_WORDS: Readonly<Record<NonNullable<SendOutcome['stage']>, string>> = {
  connect: 'the connection',
  tls: 'the TLS handshake',
  banner: 'the greeting',
  ehlo: 'EHLO',
  starttls: 'STARTTLS',
  auth: 'AUTH',
  mail: 'MAIL FROM',
  rcpt: 'RCPT TO',
  data: 'DATA',
  message: 'the end of the data',
};

export function stageWords(stage: SendOutcome['stage']): string {
  return stage ? STAGE_WORDS[stage] : 'the start';
}

/** Findings on the server the message went to (or the target, when there was none). */
function findingsOf(body: SendBody): { findings: Finding[]; add: (id: FindingId, facts: Facts) => void } {
  const server = body.server;
  const host = server ? `${server.mx}[${server.address}]:${server.port}` : body.target.input;
  const ev = body.session?.evidence ?? [];
  const findings: Finding[] = [];
  return { findings, add: (id, facts) => findings.push(makeFinding(id, { host, ...facts }, ev, server ? [host] : [])) };
}

/** Why the certificate would not satisfy a sender that verifies: null when it would. */
function certificateProblem(body: SendBody): string | null {
  const cert = body.session?.certificate;
  if (!cert) return null;
  if (!cert.trusted) return `does not chain to a trusted root (${cert.trustFailure})`;
  if (!cert.timeValid) return 'is not valid now';
  if (cert.nameMatches === false) return `does not name ${cert.checkedName ?? 'the server'}`;
  return null;
}

/** Why the message went without TLS (null: it went over TLS). */
function cleartextWhy(body: SendBody): string | null {
  if (body.session?.tls) return null;
  if (body.session?.tlsFallback) return `the TLS handshake failed (${body.session.tlsFallback}), so it was sent again without TLS`;
  if (body.settings.tls === 'none') return '--tls none';
  const offered = body.session?.capabilities.some((c) => /^STARTTLS\b/i.test(c)) ?? false;
  return offered ? 'STARTTLS was refused' : 'the server does not offer STARTTLS';
}

/** Alerts that judge a certificate presented: its CA unknown, expired, revoked, of a kind not supported. */
const CERTIFICATE_ALERTS: ReadonlySet<string> = new Set(['unknown_ca', 'certificate_expired', 'certificate_revoked', 'unsupported_certificate']);

/**
 * How the server refused us for the client certificate we did or did not present, in words; null
 * when it did not: TLS 1.3's alert right after the handshake (certificate_required, bad_certificate …),
 * certificate_required during it, another refusal alert after a CertificateRequest seen in clear
 * (TLS ≤ 1.2), or a reply that says so (Postfix smtpd_tls_req_ccert: "421 4.7.1 … No client
 * certificate presented").
 */
export function clientCertRefusal(body: SendBody): string | null {
  const s = body.session;
  if (!s || body.outcome.result === 'delivered') return null;
  const alert = s.tlsAlert;
  // With a certificate presented, also the alerts that judge it (OpenSSL's unknown_ca for a CA it does not trust …).
  const presented = body.settings.clientCertificate !== null;
  const fits = (a: string) => isClientCertRefusalAlert(a) || (presented && CERTIFICATE_ALERTS.has(a));
  if (alert !== null && s.tls !== null && fits(alert)) return `it ended the TLS session with the alert ${alert} right after the handshake`;
  if (alert !== null && s.tls === null && (alert === 'certificate_required' || (s.clientCertificateRequested && fits(alert)))) {
    return `it asked for a client certificate and ended the handshake with the alert ${alert}`;
  }
  const r = body.outcome.reply;
  if (r && r.code >= 400 && isClientCertReply(r)) return `it answered ${formatReply(r)}`;
  return null;
}

/** What became of the message: exactly one of delivered, refused, deferred, a login refused, not sent (by cause), failed. */
export const sendOutcomeCheck: SendCheck = {
  name: 'send',
  assess: ({ body }) => {
    const { findings, add } = findingsOf(body);
    const o = body.outcome;
    const reply = o.reply ? formatReply(o.reply) : '(no reply)';
    const stage = stageWords(o.stage);
    // An exception of ours is our bug, never the server's (exit 4).
    if (body.session?.status === 'internal-error') add('mxray.internal-error', { detail: body.session.statusDetail ?? 'internal error' });
    // A partner connector's mutual TLS: the refusal is about our certificate, whatever the stage it showed at.
    const certRefusal = clientCertRefusal(body);
    if (certRefusal !== null) {
      if (body.settings.clientCertificate === null) add('send.client-cert-required', { how: certRefusal });
      else add('send.client-cert-refused', { how: certRefusal, subject: body.settings.clientCertificate });
      return findings;
    }
    switch (o.result) {
      case 'delivered': {
        const tls = body.session?.tls;
        add('send.delivered', { reply, queueId: o.queueId ?? '(none named)', messageId: body.message.messageId, tls: tls ? `over ${tls.protocol ?? 'TLS'}` : 'without TLS' });
        const why = cleartextWhy(body);
        if (why) add('send.cleartext', { why });
        const problem = certificateProblem(body);
        if (problem && body.session?.tls) add('send.certificate-unverified', { why: problem });
        break;
      }
      case 'refused':
      case 'deferred':
        if (o.stage === 'auth') add('send.auth-failed', { mechanism: body.settings.auth?.mechanism ?? /AUTH ([A-Z0-9-]+)/.exec(o.reason)?.[1] ?? '?', reply });
        else add(o.result === 'refused' ? 'send.refused' : 'send.deferred', { stage, reply });
        break;
      case 'not-sent':
        switch (o.cause) {
          case 'cleartext-auth':
            add('send.cleartext-auth-refused', { mechanism: /AUTH ([A-Z0-9-]+)/.exec(o.reason)?.[1] ?? '?' });
            break;
          case 'auth-unavailable': {
            const m = /AUTH: (.*) wanted, (.*) offered/.exec(o.reason);
            add('send.auth-unavailable', { wanted: m?.[1] ?? '?', offered: m?.[2] ?? '?' });
            break;
          }
          case 'extension-missing': {
            const [extension, why] = o.reason.split(/: (.*)/s);
            add('send.extension-missing', { extension: extension ?? '?', why: why ?? o.reason });
            break;
          }
          default:
            add('send.tls-unavailable', { mode: body.settings.tls, why: o.reason });
        }
        break;
      case 'failed':
        add('send.failed', { stage, status: body.session?.status ?? 'connection', detail: body.session?.statusDetail ?? o.reason });
        break;
    }
    return findings;
  },
};

/** What the reply that ended the message means, whatever the stage: Exchange Online's AUTH refusals, a size limit. */
export const sendReplyCheck: SendCheck = {
  name: 'send-reply',
  assess: ({ body }) => {
    const { findings, add } = findingsOf(body);
    const r = body.outcome.reply;
    if (!r) return findings;
    const reply = formatReply(r);
    if (replyMeans(r, 'client-auth-disabled')) add('send.exo-smtp-auth-disabled', { reply });
    if (replyMeans(r, 'auth-required')) add('send.auth-required', { reply });
    if (replyMeans(r, 'message-too-large')) {
      const size = body.session?.capabilities.find((c) => /^SIZE\b/i.test(c));
      const digits = size ? /\d+/.exec(size) : null;
      add('send.too-large', { bytes: body.message.bytes, limit: digits ? `${digits[0]} bytes (SIZE in the EHLO reply)` : 'not announced', reply });
    }
    return findings;
  },
};

/** MX addresses that did not take the session, and to which next one the message went instead. */
export const sendPassedOverCheck: SendCheck = {
  name: 'send-passed-over',
  assess: ({ body }) => {
    const findings: Finding[] = [];
    const key = (s: { mx: string; address: string; port: number }) => `${s.mx}[${s.address}]:${s.port}`;
    body.passedOver.forEach((p, i) => {
      const following = body.passedOver[i + 1] ?? body.server;
      const next = following ? key(following) : 'no other address';
      findings.push(makeFinding('send.mx-passed-over', { host: key(p), reason: p.reason, next }, p.evidence, [key(p)]));
    });
    return findings;
  },
};

/** The figures of a --count run, and the messages it did not deliver. */
export const sendLoadCheck: SendCheck = {
  name: 'send-load',
  assess: ({ body }) => {
    const { findings, add } = findingsOf(body);
    const load = body.load;
    if (!load) return findings;
    const l = load.latencyMs;
    add('send.load', {
      count: load.count,
      concurrency: `${load.concurrency} session${load.concurrency === 1 ? '' : 's'}`,
      delivered: load.delivered,
      rate: Math.round(load.messagesPerSecond * 10) / 10,
      p50: l?.p50 ?? '-',
      p90: l?.p90 ?? '-',
      p99: l?.p99 ?? '-',
      max: l?.max ?? '-',
    });
    const failed = load.count - load.delivered;
    if (failed > 0) add('send.load-failures', { count: load.count, failed, first: load.firstFailure ?? body.outcome.reason });
    return findings;
  },
};
