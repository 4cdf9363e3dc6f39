// What an MTA-STS policy does to the receiver test's host verdicts (RFC 8461 §4, §5). An MTA-STS
// sender delivers to an MX host only over TLS, with a certificate that chains to a public root and
// names the MX host, and only to hosts the policy's mx patterns cover. In mode enforce a host that
// fails any of it gets no mail from those senders: a self-signed certificate that opportunistic
// senders shrug at becomes fatal, so those findings are raised to errors and say why. In mode
// testing the same failures are only reported: one warning names them.
import type { Finding, HostReport, PostureSection } from '../../core/schema.js';
import { makeFinding, SEVERITY_RANK } from '../../kb/index.js';
import { matchMx } from './policy.js';
import { fewOf } from '../words.js';
import { CA_VERIFICATION_FAILURES } from '../certificate/index.js';
import { verdictOf, worstVerdict } from '../verdict.js';

/**
 * Host findings that stop an MTA-STS sender (certificate trust, validity and name; no STARTTLS; no
 * handshake). Others (an expiry warning, a weak key still accepted …) stay as they are.
 */
export const MTA_STS_FATAL = new Set([
  ...CA_VERIFICATION_FAILURES,
  'starttls.not-offered',
  'starttls.masked',
  'starttls.rejected',
  'tls.handshake-failed',
  'tls.no-shared-cipher',
  'tls.server-aborted',
  'tls.handshake-timeout',
]);

/** A trust failure in a few words (the host's own certificate finding explains it in full). */
const TRUST_WORDS: Readonly<Record<string, string>> = {
  'self-signed': 'self-signed',
  'untrusted-root': 'it chains to a root senders do not trust',
  'chain-incomplete': 'an intermediate certificate is missing',
  'bad-signature': 'a signature on the chain does not verify',
  'no-certificate': 'no certificate',
  'chain-invalid': 'the chain breaks the rules of path validation',
  'chain-too-long': 'the chain is too long',
};

const ENFORCED = ' With the MTA-STS policy of this domain in mode enforce, every sender that uses MTA-STS refuses to deliver to this host because of it.';

/** Why an MTA-STS sender does not deliver to this host (null: it does, or the host could not be tested that far). */
export function mtaStsFailure(host: HostReport, patterns: readonly string[]): string | null {
  if (matchMx(host.mx, patterns) === null) return 'not named by the policy';
  // Not reached, or refused us at the greeting (421 busy, 554 listed …): every sender fails alike, or
  // only we do; not an MTA-STS matter.
  if (!host.implicitTls && (host.banner === null || host.banner.code < 200 || host.banner.code >= 300)) return null;
  if (!host.implicitTls && !host.starttls.offered) return 'STARTTLS not offered';
  // STARTTLS offered but refused (454 …): no TLS for anyone who insists on it.
  if (!host.implicitTls && host.starttls.reply !== null && host.starttls.reply.code !== 220 && host.tls === null) return `STARTTLS refused (${host.starttls.reply.code})`;
  const cert = host.assessment.certificate;
  if (!host.tls?.ok || cert === null) return host.tls ? 'the TLS handshake fails' : null;
  if (!cert.timeValid) return 'the certificate is expired or not yet valid';
  if (!cert.trusted) return `the certificate is not trusted (${TRUST_WORDS[cert.trustFailure] ?? cert.trustFailure})`;
  if (cert.nameMatches === false) return `the certificate does not name ${host.mx}`;
  return null;
}

export interface MtaStsOnHosts {
  hosts: HostReport[];
  findings: Finding[];
}

/** Applies a judged posture's MTA-STS policy to the judged hosts. */
export function applyMtaSts(domain: string, section: PostureSection, hosts: readonly HostReport[]): MtaStsOnHosts {
  const mode = section.mtaSts.effect === 'enforced' ? 'enforce' : section.mtaSts.effect === 'testing' ? 'testing' : null;
  const patterns = section.mtaSts.parsed?.mx ?? [];
  if (mode === null) return { hosts: [...hosts], findings: [] };
  const failing = new Map<string, string>();
  const out = hosts.map((h) => {
    const why = mtaStsFailure(h, patterns);
    if (why === null) return h;
    failing.set(h.key, why);
    if (mode !== 'enforce') return h;
    const findings = h.findings.map((f) =>
      MTA_STS_FATAL.has(f.id)
        ? { ...f, severity: SEVERITY_RANK[f.severity] < SEVERITY_RANK.error ? ('error' as const) : f.severity, detail: `${f.detail}${ENFORCED}`, facts: { ...f.facts, mtaSts: 'enforce' } }
        : f,
    );
    return { ...h, findings, verdict: worstVerdict([h.verdict, verdictOf(findings)]) };
  });
  if (failing.size === 0) return { hosts: out, findings: [] };
  const keys = [...failing.keys()];
  const reasons = [...new Set(failing.values())];
  // Named by MX host in the text (the finding's `hosts` keeps every address).
  const names = [...new Set(hosts.filter((h) => failing.has(h.key)).map((h) => h.mx))];
  const facts = { domain, hosts: fewOf(names), why: reasons.join('; ') };
  const id = mode === 'enforce' ? 'mta-sts.enforce-blocks-delivery' : 'mta-sts.testing-would-block';
  return { hosts: out, findings: [makeFinding(id, facts, [], keys)] };
}
