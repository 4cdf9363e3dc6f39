// What each lab scenario must give, written here rather than read from the lab's own table
// (src/demo/lab.ts), so that a finding too many (or one too few) fails the tests that use it.
import type { Verdict } from '../../src/core/schema.js';

/**
 * What each scenario must give, written here rather than read from the lab's own table, so that
 * a finding too many (or one too few) fails. `policy.cleartext-accepted` comes from the short
 * cleartext session: every lab server but requires-tls accepts mail without TLS.
 */
const NO_POLICY = ['mta-sts.not-published', 'tls-rpt.not-published'];

/** A scenario without MTA-STS: its findings and the two notes that say no policy is published. */
function plain(verdict: Verdict, findings: string[]): { verdict: Verdict; findings: string[] } {
  return { verdict, findings: [...findings, ...NO_POLICY].sort() };
}

export const LAB_EXPECTED: Record<string, { verdict: Verdict; findings: string[] }> = {
  // MTA-STS enforce covering its MX, whose certificate verifies, and TLS-RPT.
  good: { verdict: 'pass', findings: ['cert.ok', 'mta-sts.ok', 'policy.cleartext-accepted', 'tls-rpt.ok', 'tls.ok'] },
  // The self-signed certificate opportunistic senders accept stops every MTA-STS sender: raised to an error, and said.
  'mta-sts-self-signed': {
    verdict: 'fail',
    findings: ['cert.self-signed', 'mta-sts.enforce-blocks-delivery', 'mta-sts.ok', 'policy.cleartext-accepted', 'tls-rpt.ok', 'tls.ok'],
  },
  // *.mx.<domain> does not match mx.<domain> itself; the pattern then matches nothing.
  'mta-sts-not-covered': {
    verdict: 'fail',
    findings: ['cert.ok', 'mta-sts.enforce-blocks-delivery', 'mta-sts.mx-not-covered', 'mta-sts.pattern-unused', 'policy.cleartext-accepted', 'tls-rpt.ok', 'tls.ok'],
  },
  // DANE (a signed zone, the lab's DNS server as the validating resolver on loopback).
  dane: plain('pass', ['cert.ok', 'dane.ok', 'policy.cleartext-accepted', 'tls.ok']),
  // The expired certificate matched by 3 1 1: DANE senders deliver; the expiry stays, as a warning, for CA-verifying senders.
  'dane-expired': plain('warn', ['cert.expired', 'dane.ok', 'policy.cleartext-accepted', 'tls.ok']),
  'dane-mismatch': plain('fail', ['cert.ok', 'dane.no-match', 'policy.cleartext-accepted', 'tls.ok']),
  'dane-servfail': plain('fail', ['cert.ok', 'dane.tlsa-lookup-failed', 'policy.cleartext-accepted', 'tls.ok']),
  expired: plain('fail', ['cert.expired', 'policy.cleartext-accepted', 'tls.ok']),
  'expiring-soon': plain('warn', ['cert.expiring-soon', 'policy.cleartext-accepted', 'tls.ok']),
  'self-signed': plain('fail', ['cert.self-signed', 'policy.cleartext-accepted', 'tls.ok']),
  'wrong-name': plain('fail', ['cert.name-mismatch', 'policy.cleartext-accepted', 'tls.ok']),
  'untrusted-root': plain('fail', ['cert.untrusted-root', 'policy.cleartext-accepted', 'tls.ok']),
  'missing-intermediate': plain('fail', ['cert.chain-incomplete', 'policy.cleartext-accepted', 'tls.ok']),
  // The leaf itself is valid: the path is not (OpenSSL: error 10, certificate has expired, at depth 1).
  'expired-intermediate': plain('fail', ['cert.intermediate-expired', 'policy.cleartext-accepted', 'tls.ok']),
  'weak-key': plain('fail', ['cert.weak-key', 'policy.cleartext-accepted', 'tls.ok']),
  'old-protocol': plain('fail', ['policy.cleartext-accepted', 'tls.old-protocol']),
  'null-cipher': plain('fail', ['policy.cleartext-accepted', 'tls.null-cipher']),
  'sha1-signature': plain('fail', ['cert.weak-signature', 'policy.cleartext-accepted', 'tls.ok']),
  'no-starttls': plain('fail', ['policy.cleartext-accepted', 'starttls.not-offered']),
  'handshake-fails': plain('fail', ['policy.cleartext-accepted', 'tls.handshake-failed']),
  'helo-only': plain('fail', ['policy.cleartext-accepted', 'smtp.esmtp-unsupported']),
  'requires-tls': plain('pass', ['cert.ok', 'policy.requires-tls', 'tls.ok']),
  'sni-dependent': plain('fail', ['cert.name-mismatch', 'cert.ok', 'cert.self-signed', 'cert.sni-dependent', 'policy.cleartext-accepted', 'tls.ok']),
  'firewall-masked': plain('fail', ['policy.cleartext-accepted', 'smtp.banner-masked', 'starttls.masked']),
  'ehlo-name-mismatch': plain('warn', ['cert.ehlo-name-mismatch', 'policy.cleartext-accepted', 'tls.ok']),
  'rate-limited': plain('inconclusive', ['smtp.rate-limited']),
  // The primary refuses, the backup delivers with verified TLS: senders fall back, so a warning.
  'backup-mx': plain('warn', ['cert.ok', 'net.connect-refused', 'policy.cleartext-accepted', 'tls.ok']),
  // Nothing to deliver to, nothing to test: not applicable, exit 0.
  'null-mx': { verdict: 'not-applicable', findings: ['dns.null-mx'] },
  'no-mx': plain('warn', ['cert.ok', 'dns.no-mx', 'policy.cleartext-accepted', 'tls.ok']),
  nxdomain: { verdict: 'fail', findings: ['dns.nxdomain'] },
};
