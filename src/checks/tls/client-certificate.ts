// Servers that will not talk to a sender without a client certificate (mutual TLS, as partner
// connectors set it up): a refusal of ours, not a broken server. Three shapes, all pure reads of
// the facts:
//   - TLS ≤ 1.2: a CertificateRequest in the clear, our empty Certificate, then the server's alert;
//   - TLS 1.3: the request and the alert are encrypted, the handshake works on our side, and the
//     alert (certificate_required …) ends the session right after it;
//   - the handshake works and the server says so in a reply (Postfix smtpd_tls_req_ccert:
//     "421 4.7.1 <host> Error: No client certificate presented").
import type { HostFacts, ReplyFacts, TlsRecordSummaryFacts } from '../../core/schema.js';
import { ruleMatches, type ReplyRule } from '../../kb/reply-patterns.js';
import { alertOfErrorCode } from '../../tls/records.js';

/**
 * Alerts a server sends when it rejects a missing client certificate: OpenSSL sends
 * handshake_failure (TLS ≤ 1.2) or certificate_required (TLS 1.3), GnuTLS and others also
 * bad_certificate, certificate_unknown or access_denied.
 */
const REFUSAL_ALERTS: ReadonlySet<string> = new Set(['certificate_required', 'handshake_failure', 'bad_certificate', 'certificate_unknown', 'access_denied']);

/** An alert a server ends the TLS session with when it refuses a client's certificate or its absence. */
export function isClientCertRefusalAlert(alert: string | null): boolean {
  return alert !== null && REFUSAL_ALERTS.has(alert);
}

/** Replies inside TLS that refuse a client without a certificate (rules as data, like kb/reply-patterns.ts). */
export const CLIENT_CERT_REPLY_RULES: readonly ReplyRule[] = [
  {
    codes: ['4xx', '5xx'],
    text: [/\bclient certificate\b/i, /\b(no|not|missing|required?|presented|untrusted)\b/i],
    why: 'Postfix smtpd_tls_req_ccert: "421 4.7.1 <host> Error: No client certificate presented" (or "Client certificate not trusted").',
  },
];

export function isClientCertReply(reply: ReplyFacts): boolean {
  return CLIENT_CERT_REPLY_RULES.some((rule) => ruleMatches(reply, rule));
}

/** A failed handshake's records: the server asked for a certificate and then refused ours. */
export function refusedClientCertificate(seen: TlsRecordSummaryFacts | null | undefined): boolean {
  return Boolean(seen?.certificateRequest) && REFUSAL_ALERTS.has(seen?.alert ?? '');
}

/**
 * How the server showed that it requires a client certificate, in words for the finding, or
 * null when it did not. Reads the main handshake, the legacy retry, and the dialogue inside TLS.
 */
export function clientCertRequired(facts: Pick<HostFacts, 'tls' | 'legacyRetry' | 'ehloTlsReply'>): string | null {
  const tls = facts.tls;
  if (!tls) return null;
  if (!tls.ok) {
    for (const failure of [tls.failure, facts.legacyRetry?.failure]) {
      if (!failure) continue;
      if (refusedClientCertificate(failure.seen)) return `it asked for a client certificate and then refused the handshake without one (${failure.seen.alert})`;
      // TLS 1.3's certificate_required during the handshake (a server that answers before our Finished is processed).
      if (alertOfErrorCode(failure.reason) === 'certificate_required') return 'it refused the handshake without a client certificate (certificate_required)';
    }
    return null;
  }
  // TLS 1.3: our side finished the handshake; the server's verdict on our empty Certificate came after it.
  const alert = tls.alertAfterHandshake ?? null;
  if (alert !== null && REFUSAL_ALERTS.has(alert)) return `it ended the session right after the handshake with the alert ${alert}`;
  const inTls = facts.ehloTlsReply;
  if (inTls && isClientCertReply(inTls)) return `it completed the handshake, then answered EHLO with ${inTls.code} ${inTls.lines.join(' ')}`.trim();
  return null;
}
