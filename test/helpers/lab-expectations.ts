// What each lab scenario must give, written here rather than read from the lab's own table
// (src/demo/lab.ts), so that a finding too many (or one too few) fails the tests that use it.
import type { Verdict } from '../../src/core/schema.js';

/**
 * What each scenario must give, written here rather than read from the lab's own table, so that
 * a finding too many (or one too few) fails. `policy.cleartext-accepted` comes from the short
 * cleartext session: every lab server but requires-tls accepts mail without TLS.
 */
export const LAB_EXPECTED: Record<string, { verdict: Verdict; findings: string[] }> = {
  good: { verdict: 'pass', findings: ['cert.ok', 'policy.cleartext-accepted', 'tls.ok'] },
  expired: { verdict: 'fail', findings: ['cert.expired', 'policy.cleartext-accepted', 'tls.ok'] },
  'expiring-soon': { verdict: 'warn', findings: ['cert.expiring-soon', 'policy.cleartext-accepted', 'tls.ok'] },
  'self-signed': { verdict: 'fail', findings: ['cert.self-signed', 'policy.cleartext-accepted', 'tls.ok'] },
  'wrong-name': { verdict: 'fail', findings: ['cert.name-mismatch', 'policy.cleartext-accepted', 'tls.ok'] },
  'untrusted-root': { verdict: 'fail', findings: ['cert.untrusted-root', 'policy.cleartext-accepted', 'tls.ok'] },
  'missing-intermediate': { verdict: 'fail', findings: ['cert.chain-incomplete', 'policy.cleartext-accepted', 'tls.ok'] },
  // The leaf itself is valid: the path is not (OpenSSL: error 10, certificate has expired, at depth 1).
  'expired-intermediate': { verdict: 'fail', findings: ['cert.intermediate-expired', 'policy.cleartext-accepted', 'tls.ok'] },
  'weak-key': { verdict: 'fail', findings: ['cert.weak-key', 'policy.cleartext-accepted', 'tls.ok'] },
  'old-protocol': { verdict: 'fail', findings: ['policy.cleartext-accepted', 'tls.old-protocol'] },
  'null-cipher': { verdict: 'fail', findings: ['policy.cleartext-accepted', 'tls.null-cipher'] },
  'sha1-signature': { verdict: 'fail', findings: ['cert.weak-signature', 'policy.cleartext-accepted', 'tls.ok'] },
  'no-starttls': { verdict: 'fail', findings: ['policy.cleartext-accepted', 'starttls.not-offered'] },
  'handshake-fails': { verdict: 'fail', findings: ['policy.cleartext-accepted', 'tls.handshake-failed'] },
  'helo-only': { verdict: 'fail', findings: ['policy.cleartext-accepted', 'smtp.esmtp-unsupported'] },
  'requires-tls': { verdict: 'pass', findings: ['cert.ok', 'policy.requires-tls', 'tls.ok'] },
  'sni-dependent': {
    verdict: 'fail',
    findings: ['cert.name-mismatch', 'cert.ok', 'cert.self-signed', 'cert.sni-dependent', 'policy.cleartext-accepted', 'tls.ok'],
  },
  'firewall-masked': { verdict: 'fail', findings: ['policy.cleartext-accepted', 'smtp.banner-masked', 'starttls.masked'] },
  'ehlo-name-mismatch': { verdict: 'warn', findings: ['cert.ehlo-name-mismatch', 'policy.cleartext-accepted', 'tls.ok'] },
  'rate-limited': { verdict: 'inconclusive', findings: ['smtp.rate-limited'] },
  // The primary refuses, the backup delivers with verified TLS: senders fall back, so a warning.
  'backup-mx': { verdict: 'warn', findings: ['cert.ok', 'net.connect-refused', 'policy.cleartext-accepted', 'tls.ok'] },
  // Nothing to deliver to, nothing to test: not applicable, exit 0.
  'null-mx': { verdict: 'not-applicable', findings: ['dns.null-mx'] },
  'no-mx': { verdict: 'warn', findings: ['cert.ok', 'dns.no-mx', 'policy.cleartext-accepted', 'tls.ok'] },
  nxdomain: { verdict: 'fail', findings: ['dns.nxdomain'] },
};
