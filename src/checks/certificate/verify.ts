// The certificates a host presented, verified (chain, dates, names) against the trust store and
// the judging time: the part of assessFacts the certificate check reads.
import type { CertVerdict, HostAssessment, HostFacts } from '../../core/schema.js';
import { verifyChain } from '../../pki/verify.js';
import type { AssessContext } from '../check.js';

export function verifyHostCertificates(
  facts: Pick<HostFacts, 'serverName' | 'tls' | 'noSni' | 'legacyRetry'>,
  ctx: Pick<AssessContext, 'trustStore' | 'now' | 'domain'>,
): Pick<HostAssessment, 'certificate' | 'certificateFrom' | 'noSni'> {
  // The handshake without SNI (and its confirming one) mostly brings the very same chain: judged once.
  const verdicts = new Map<string, CertVerdict>();
  const verify = (chain: readonly string[]): CertVerdict => {
    const key = chain.join(',');
    let verdict = verdicts.get(key);
    if (verdict === undefined) {
      verdict = verifyOnce(chain);
      verdicts.set(key, verdict);
    }
    return structuredClone(verdict);
  };
  const verifyOnce = (chain: readonly string[]): CertVerdict =>
    verifyChain({
      chain: chain.map((b64) => Buffer.from(b64, 'base64')),
      trustStore: ctx.trustStore,
      now: ctx.now,
      name: facts.serverName,
      domain: ctx.domain,
      // An IP target has no name to check: "name matches" is n/a, not a failure.
      ipTarget: null,
    });
  const tls = facts.tls;
  // When only the legacy retry completed a handshake, its certificate is what legacy-capable senders see.
  const legacyChain = !tls?.ok && facts.legacyRetry?.ok && facts.legacyRetry.peerChain.length > 0 ? facts.legacyRetry.peerChain : null;
  const certificate = tls?.ok ? verify(tls.peerChain) : legacyChain ? verify(legacyChain) : null;
  const certificateFrom = tls?.ok ? 'main' : legacyChain ? 'legacy' : null;
  // The very same bytes: a re-encoded or re-issued certificate is another certificate.
  const sameLeaf = (other: { status: string; peerChain: readonly string[] }): boolean | null => {
    const ok = other.status === 'ok';
    return ok && tls?.peerChain[0] !== undefined && other.peerChain[0] !== undefined ? tls.peerChain[0] === other.peerChain[0] : null;
  };
  const seen = (other: { status: string; peerChain: readonly string[] }) => ({
    certificate: other.status === 'ok' ? verify(other.peerChain) : null,
    sameCertificate: sameLeaf(other),
  });
  let noSni: HostAssessment['noSni'] = null;
  if (facts.noSni) {
    const confirm = facts.noSni.confirm;
    noSni = { ...seen(facts.noSni), ...(confirm ? { confirm: seen(confirm) } : {}) };
  }
  return { certificate, certificateFrom, noSni };
}
