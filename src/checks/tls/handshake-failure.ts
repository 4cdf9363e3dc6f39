// Why a TLS handshake failed, read from what the server sent in a normal attempt and in a
// second attempt with legacy settings (TLS 1.0-1.2, every cipher, security level 0). Pure.
import type { HostAssessment, HostFacts, LegacyCause } from '../../core/schema.js';
import { DEFAULT_PROFILE } from '../../kb/profiles.js';
import type { TlsRecordSummary } from '../../tls/records.js';

export interface HandshakeAttempt {
  /** OpenSSL's (or our) words for the failure. */
  error: string;
  /** What the record layer showed the server sent. */
  seen: TlsRecordSummary;
}

export function classifyHandshakeFailure(first: HandshakeAttempt, second: HandshakeAttempt | null): LegacyCause {
  const seen = [first.seen, second?.seen].filter((s): s is TlsRecordSummary => Boolean(s));
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

/** Why the normal handshake failed (when a legacy retry followed it), and whether the server got as far as its certificate. */
export function readLegacyCause(
  facts: Pick<HostFacts, 'tls' | 'legacyRetry'>,
  currentProtocols: readonly string[],
): Pick<HostAssessment, 'legacyCause' | 'certificateReceived'> {
  const retry = facts.legacyRetry;
  const first = facts.tls?.failure;
  if (!retry || !first) return { legacyCause: null, certificateReceived: null };
  const second = retry.failure;
  return {
    legacyCause: retry.ok ? classifyLegacySuccess(retry.protocol, retry.cipher, retry.cipherStandard, currentProtocols) : classifyHandshakeFailure(first, second),
    certificateReceived: retry.ok || first.seen.certificate || Boolean(second?.seen.certificate),
  };
}
