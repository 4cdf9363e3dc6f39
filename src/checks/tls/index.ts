// TLS: the handshake (why it failed, read with the legacy retry; or the protocol and cipher it
// agreed on), bytes injected before it, and the EHLO dialogue inside it.
import { formatReply } from '../../smtp/reply.js';
import { evidenceOf, hostFindings, type Check, type CheckInput } from '../check.js';
import { isRateLimitReply } from '../replies.js';
import { clientCertRequired } from './client-certificate.js';
import { certificateTooLarge, handshakeStalled, OPENSSL_MAX_CERT_LIST } from './handshake-failure.js';

export { certificateTooLarge, classifyHandshakeFailure, classifyLegacySuccess, handshakeStalled, OPENSSL_MAX_CERT_LIST, readLegacyCause, type HandshakeAttempt } from './handshake-failure.js';
export { clientCertRequired, isClientCertRefusalAlert, isClientCertReply, refusedClientCertificate } from './client-certificate.js';
export { sniRequiredCheck } from './sni-required.js';

export type TlsInput = CheckInput<'tls' | 'legacyRetry' | 'capabilitiesInTls' | 'ehloTlsReply' | 'implicitTls', 'legacyCause', 'profile'>;

export const tlsCheck: Check<TlsInput> = {
  name: 'tls',
  assess: ({ facts, assessment, ctx }) => {
    const ev = evidenceOf(facts);
    const { findings, add } = hostFindings(facts.key);
    const tls = facts.tls;
    // Mutual TLS: the server refuses senders without a client certificate (in the handshake, in the
    // alert that ends it, or in its first reply inside TLS). Not a broken server.
    const certRequired = tls && tls.status !== 'internal-error' ? clientCertRequired(facts) : null;
    // A handshake that failed with our own bug (status internal-error) says nothing about the
    // server: the connection check reports mxray.internal-error, and nothing is blamed on them.
    if (tls && !tls.ok && tls.status !== 'internal-error') {
      const retry = facts.legacyRetry;
      const evTls = [...(ev.tls ?? []), ...(ev.legacy ?? [])];
      const tooLarge = certificateTooLarge(facts);
      const stalled = handshakeStalled(facts);
      if (certRequired !== null) add('tls.client-cert-required', { how: certRequired }, evTls);
      else if (tooLarge !== null) {
        add('tls.certificate-too-large', { size: tooLarge.bytes === null ? `more than ${OPENSSL_MAX_CERT_LIST} bytes` : `${tooLarge.bytes} bytes`, limit: OPENSSL_MAX_CERT_LIST }, evTls);
      } else if (stalled !== null) add('tls.handshake-timeout', { stage: stalled, error: tls.error }, evTls);
      else {
        switch (assessment.legacyCause) {
          case 'old-protocol':
            add('tls.old-protocol', { protocol: retry?.protocol ?? 'TLS 1.0/1.1' }, evTls);
            break;
          case 'null-cipher':
            add('tls.null-cipher', { cipher: retry?.cipher ?? null }, evTls);
            break;
          case 'no-shared-cipher':
            add('tls.no-shared-cipher', { error: tls.error }, evTls);
            break;
          case 'server-abort-after-certificate':
            add('tls.server-aborted', { error: tls.error }, evTls);
            break;
          default:
            add('tls.handshake-failed', { error: assessment.legacyCause === 'not-tls' ? `${tls.error}; the server did not answer with TLS` : tls.error }, evTls);
        }
      }
    }
    if (tls?.injectedBytes) add('starttls.injection', { bytes: tls.injectedBytes }, ev.tls);
    if (tls?.ok) {
      if (certRequired !== null) add('tls.client-cert-required', { how: certRequired }, [...(ev.tls ?? []), ...(ev.ehloTls ?? [])]);
      if (ctx.profile.oldProtocols.some((p) => p === tls.protocol)) add('tls.old-protocol', { protocol: tls.protocol }, ev.tls);
      else if (/NULL/i.test(tls.cipher ?? '')) add('tls.null-cipher', { cipher: tls.cipher }, ev.tls);
      // No session came of it without a certificate: TLS does not "work" for senders.
      else if (certRequired === null) add('tls.ok', { protocol: tls.protocol, cipher: tls.cipherStandard ?? tls.cipher }, ev.tls);
      if (facts.capabilitiesInTls?.some((c) => c.keyword === 'STARTTLS')) add('starttls.readvertised', {}, ev.ehloTls);
      // EHLO refused inside TLS: no sender can deliver over TLS here, however good the handshake.
      const inTls = facts.ehloTlsReply;
      if (inTls && inTls.code !== 250 && !facts.implicitTls && certRequired === null) {
        if (isRateLimitReply(inTls)) add('smtp.rate-limited', { reply: formatReply(inTls) }, ev.ehloTls);
        else add('smtp.ehlo-rejected', { reply: `${formatReply(inTls)} (inside TLS)` }, ev.ehloTls);
      }
    }
    return findings;
  },
};
