// The certificates a host presented, verified (chain, dates, names) against the trust store and
// the judging time: the part of assessFacts the certificate check reads.
import type { CertRevocation, CertVerdict, HostAssessment, HostFacts, PkiFetches } from '../../core/schema.js';
import { repairChain, verifyChain } from '../../pki/verify.js';
import type { AssessContext } from '../check.js';

export function verifyHostCertificates(
  facts: Pick<HostFacts, 'serverName' | 'tls' | 'noSni' | 'legacyRetry' | 'pkiFetches'>,
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
  // The main handshake's chain, with what was fetched for it (AIA repair, revocation).
  // Judged as the server sent it (order, extras, duplicates), where that could be read; else Node's view.
  const asSent = tls?.ok ? (tls.sentChain ?? tls.peerChain) : [];
  const certificate = tls?.ok
    ? withFetched(verify(asSent), asSent.map((c) => Buffer.from(c, 'base64')), facts.pkiFetches, ctx)
    : legacyChain
      ? verify(legacyChain)
      : null;
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

/**
 * A verdict completed with what was fetched for its chain (facts, so judging again needs no
 * network): the chain repaired from AIA URLs when it was incomplete as sent, and the revocation
 * lookups of the certificates on its path. With no fetches (nothing could be fetched: no fetcher,
 * or an old report) both stay absent: "not attempted", never "fine".
 */
export function withFetched(
  verdict: CertVerdict,
  chain: readonly Buffer[],
  fetches: PkiFetches | null | undefined,
  ctx: Pick<AssessContext, 'trustStore' | 'now'>,
): CertVerdict {
  if (!fetches) return verdict;
  const fetched = fetches.aia.flatMap((f) => f.certificates.map((c) => Buffer.from(c, 'base64')));
  const { repair } = repairChain({ chain: [...chain], trustStore: ctx.trustStore, now: ctx.now }, fetched);
  const path = repair?.outcome === 'repaired' ? repair.path : verdict.path;
  const revocation = path
    .map((info, index) => {
      const entry = fetches.revocation.find((r) => r.sha256 === info.sha256);
      return entry ? { ...entry, index } : null;
    })
    .filter((r): r is CertRevocation => r !== null);
  return {
    ...verdict,
    repair: repair
      ? {
          ...repair,
          // Nothing to fetch from: the certificate names no issuer URL (or only ones mxray does not fetch).
          reason: fetches.aia.length === 0 ? 'The certificate names no caIssuers URL (authorityInfoAccess) to fetch its issuer from.' : repair.reason,
          fetches: fetches.aia,
        }
      : null,
    // Revocation was looked up when any certificate has an entry (or the path has nothing to look up).
    revocation: fetches.revocation.length > 0 || path.length <= 1 ? revocation : null,
  };
}
