// The certificate: the one presented in the normal handshake (with SNI), and, when the handshake
// without SNI showed another one, that difference and what is wrong with the other certificate.
import type { CertVerdict } from '../../core/schema.js';
import { evidenceOf, hostFindings, type Check, type CheckInput } from '../check.js';
import { assessCertificate } from './assess-certificate.js';
import { displayName } from '../../pki/certificate.js';

export { assessCertificate, certificateCovers, certificateNames, nameCovers, type CertificateContext } from './assess-certificate.js';
export { verifyHostCertificates } from './verify.js';

export type CertificateInput = CheckInput<'tls' | 'bannerName' | 'ehloName', 'certificate' | 'noSni' | 'software', 'profile' | 'warnDays' | 'expectThumbprint' | 'domain' | 'now'>;

/** A certificate for people: its subject and the start of its SHA-256. */
function describe(c: CertVerdict): string {
  const leaf = c.sent[0];
  // An empty subject (names only in the SAN) is named by its placeholder, not left blank.
  return leaf ? `${leaf.subject || displayName(leaf)} (SHA-256 ${leaf.sha256.slice(0, 16)}…)` : 'none';
}

export const certificateCheck: Check<CertificateInput> = {
  name: 'certificate',
  assess: ({ facts, assessment, ctx, prior }) => {
    const host = facts.key;
    const ev = evidenceOf(facts);
    const { findings, add } = hostFindings(host);
    const certificate = assessment.certificate;
    if (!facts.tls?.ok || !certificate) return findings;
    findings.push(
      ...assessCertificate(certificate, {
        host,
        software: assessment.software?.id ?? null,
        profile: ctx.profile,
        warnDays: ctx.warnDays,
        expectThumbprint: ctx.expectThumbprint,
        announcedNames: [facts.bannerName, facts.ehloName].filter((n): n is string => Boolean(n)),
        evidence: ev.tls ?? [],
        handshake: 'sni',
        domain: ctx.domain,
        now: ctx.now,
      }),
    );
    // The handshake without SNI (tried only after a good one) showed another certificate: a
    // finding, and that certificate is judged too. (It differs only when both showed a leaf.)
    const noSni = assessment.noSni;
    if (noSni?.certificate && noSni.sameCertificate === false) {
      add('cert.sni-dependent', { withSni: describe(certificate), withoutSni: describe(noSni.certificate) }, ev.noSni);
      // Only its problems, and only those not already reported for this host.
      const seen = new Set([...prior, ...findings].map((f) => f.id));
      for (const f of assessCertificate(noSni.certificate, {
        host,
        profile: ctx.profile,
        warnDays: ctx.warnDays,
        expectThumbprint: null,
        announcedNames: [],
        evidence: ev.noSni ?? [],
        handshake: 'no-sni',
        now: ctx.now,
      })) {
        if (f.severity !== 'ok' && f.severity !== 'info' && !seen.has(f.id)) findings.push({ ...f, title: `${f.title} (certificate sent without SNI)` });
      }
    }
    return findings;
  },
};
