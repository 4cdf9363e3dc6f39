// Why a TLS handshake failed, read from what the server sent in a normal attempt and in a
// second attempt with legacy settings (TLS 1.0-1.2, every cipher, security level 0). Pure.
import type { HandshakeFailure, HostAssessment, HostFacts, LegacyCause, TlsRecordSummaryFacts } from '../../core/schema.js';
import { DEFAULT_PROFILE } from '../../kb/profiles.js';
import { clientCertRequired } from './client-certificate.js';

export interface HandshakeAttempt {
  /** OpenSSL's (or our) words for the failure. */
  error: string;
  /** What the record layer showed the server sent. */
  seen: TlsRecordSummaryFacts;
}

export function classifyHandshakeFailure(first: HandshakeAttempt, second: HandshakeAttempt | null): LegacyCause {
  const seen = [first.seen, second?.seen].filter((s): s is TlsRecordSummaryFacts => Boolean(s));
  // Not TLS at all: an SMTP reply, an HTML page, garbage.
  if (seen.some((s) => s.notTls)) return 'not-tls';
  // The server got as far as its certificate (or encrypted records after its ServerHello), then
  // aborted: a fault on its side, e.g. a broken TLS library build.
  if (seen.some((s) => s.certificate || (s.serverHello && s.encrypted)) && seen.some((s) => s.alert !== null || s.certificate)) {
    return 'server-abort-after-certificate';
  }
  const text = [first.error, second?.error].join(' ');
  if (/no shared cipher|no cipher|handshake failure|handshake_failure/i.test(text) || seen.some((s) => s.alert === 'handshake_failure' || s.alert === 'insufficient_security')) {
    return 'no-shared-cipher';
  }
  if (seen.some((s) => s.alert === 'protocol_version') || /unsupported protocol|protocol version/i.test(text)) return 'old-protocol';
  if (/wrong version number|packet length too long|unknown protocol/i.test(text)) return 'not-tls';
  return 'unknown';
}

/**
 * The normal handshake failed, the legacy one worked: what did the legacy settings add? A protocol
 * a current sender does not negotiate (the profile's currentProtocols) is the reason.
 */
export function classifyLegacySuccess(
  protocol: string | null,
  cipher: string | null,
  cipherStandard: string | null,
  currentProtocols: readonly string[] = DEFAULT_PROFILE.currentProtocols,
): LegacyCause {
  if (/NULL/i.test(cipher ?? '') || /_WITH_NULL_/.test(cipherStandard ?? '')) return 'null-cipher';
  if (!currentProtocols.some((p) => p === protocol)) return 'old-protocol';
  // A current protocol with a cipher our normal settings do not offer (or a weaker key exchange).
  return 'no-shared-cipher';
}

/**
 * OpenSSL's fixed limit on the Certificate message a client accepts (max_cert_list, 100 KiB):
 * every OpenSSL-based sender has it, and Node cannot raise it.
 */
export const OPENSSL_MAX_CERT_LIST = 102_400;

type Attempts = Pick<HostFacts, 'tls' | 'legacyRetry'>;

function failures(facts: Attempts): HandshakeFailure[] {
  return [facts.tls?.failure, facts.legacyRetry?.failure].filter((f): f is HandshakeFailure => Boolean(f));
}

/**
 * The server's certificate message is over OpenSSL's limit: the client gave up with "excessive
 * message size". Its size as the message header announced it (TLS ≤ 1.2, exact), or null when
 * only encrypted records were seen (TLS 1.3: more than the limit, as the error itself says).
 * Null when the handshake did not fail that way, or failed on another message that was too large.
 */
export function certificateTooLarge(facts: Attempts): { bytes: number | null } | null {
  const all = failures(facts);
  if (!facts.tls || facts.tls.ok || !all.some((f) => f.reason === 'ERR_SSL_EXCESSIVE_MESSAGE_SIZE' || /excessive message size/i.test(f.error))) return null;
  const announced = all.map((f) => f.seen.certificateBytes ?? null).filter((n): n is number => n !== null);
  if (announced.length === 0) return { bytes: null };
  const bytes = Math.max(...announced);
  // A certificate under the limit: the message that was too large was another one (a CertificateRequest's CA list …).
  return bytes > OPENSSL_MAX_CERT_LIST ? { bytes } : null;
}

/**
 * The handshake ran out of time with the server silent (not our own abort), and the legacy
 * retry did not work either: how far the server got, in words, or null.
 */
export function handshakeStalled(facts: Attempts): string | null {
  const failure = facts.tls?.ok === false ? facts.tls.failure : null;
  if (!failure?.timedOut || failure.reason !== 'timeout' || failure.seen.notTls || facts.legacyRetry?.ok) return null;
  const seen = failure.seen;
  if (seen.serverHelloDone) return 'after its first flight (ServerHello … ServerHelloDone), waiting for its Finished';
  if (seen.serverHello) return seen.encrypted ? 'after its ServerHello and part of its encrypted flight' : 'after its ServerHello';
  return seen.bytes > 0 ? `after ${seen.bytes} bytes, before a ServerHello` : 'without answering our ClientHello at all';
}

/**
 * A client certificate required, a certificate over OpenSSL's limit, a server that stalls: causes
 * the legacy settings do not tell apart (and none is "aborted after its certificate"), in the
 * order the TLS check reports them.
 */
function specialCause(facts: Pick<HostFacts, 'tls' | 'legacyRetry' | 'ehloTlsReply'>): LegacyCause | null {
  if (clientCertRequired(facts) !== null) return 'client-certificate-required';
  if (certificateTooLarge(facts) !== null) return 'certificate-too-large';
  if (handshakeStalled(facts) !== null) return 'handshake-timeout';
  return null;
}

/** Why the normal handshake failed (when a legacy retry followed it), and whether the server got as far as its certificate. */
export function readLegacyCause(
  facts: Pick<HostFacts, 'tls' | 'legacyRetry' | 'ehloTlsReply'>,
  currentProtocols: readonly string[],
): Pick<HostAssessment, 'legacyCause' | 'certificateReceived'> {
  const retry = facts.legacyRetry;
  const first = facts.tls?.failure;
  if (!retry || !first) return { legacyCause: null, certificateReceived: null };
  const second = retry.failure;
  return {
    legacyCause: retry.ok ? classifyLegacySuccess(retry.protocol, retry.cipher, retry.cipherStandard, currentProtocols) : (specialCause(facts) ?? classifyHandshakeFailure(first, second)),
    certificateReceived: retry.ok || first.seen.certificate || Boolean(second?.seen.certificate),
  };
}
