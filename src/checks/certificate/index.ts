// The certificate: the one presented in the normal handshake (with SNI), and, when the handshake
// without SNI showed another one, that difference and what is wrong with the other certificate.
// Whether the difference follows SNI or comes from a pool of servers behind one address, the
// confirming handshake with SNI (made only then) tells: the main certificate again, or another.
import type { CertVerdict, Finding, HostFacts } from '../../core/schema.js';
import { evidenceOf, hostFindings, type Check, type CheckInput } from '../check.js';
import { assessCertificate, type CertificateContext } from './assess-certificate.js';
import { displayName } from '../../pki/certificate.js';

export { assessCertificate, certificateCovers, certificateNames, nameCovers, type CertificateContext } from './assess-certificate.js';
export { verifyHostCertificates } from './verify.js';

/**
 * The certificate findings about what verifying by CA checks — trust, dates, names, the rules of
 * path validation: what stops an MTA-STS sender (checks/posture), and what a DANE-EE match makes
 * irrelevant to DANE senders (checks/dane). A weak key or an expiry warning is not among them.
 */
export const CA_VERIFICATION_FAILURES: readonly string[] = [
  'cert.expired',
  'cert.not-yet-valid',
  'cert.self-signed',
  'cert.untrusted-root',
  'cert.chain-incomplete',
  'cert.bad-signature',
  'cert.intermediate-expired',
  'cert.intermediate-not-yet-valid',
  'cert.root-expired',
  'cert.root-not-yet-valid',
  'cert.not-a-ca',
  'cert.issuer-cannot-sign',
  'cert.path-length-exceeded',
  'cert.name-constraints-violated',
  'cert.not-for-server-auth',
  'cert.unknown-critical-extension',
  'cert.name-mismatch',
  'cert.empty-name',
];

export type CertificateInput = CheckInput<'tls' | 'bannerName' | 'ehloName' | 'noSni', 'certificate' | 'noSni' | 'software', 'profile' | 'warnDays' | 'expectThumbprint' | 'domain' | 'now'>;

/** A certificate for people: its subject and the start of its SHA-256. */
function describe(c: CertVerdict): string {
  const leaf = c.sent[0];
  // An empty subject (names only in the SAN) is named by its placeholder, not left blank.
  return leaf ? `${leaf.subject || displayName(leaf)} (SHA-256 ${leaf.sha256.slice(0, 16)}…)` : 'none';
}

const POOL = 'a pool of servers with certificates of their own';

/** The leaf's DER as the server sent it (for what only the DER says: key usages, SCTs, must-staple). */
function leafOf(tls: NonNullable<HostFacts['tls']>): Buffer | null {
  const first = (tls.sentChain ?? tls.peerChain)[0];
  return first === undefined ? null : Buffer.from(first, 'base64');
}

/** What the confirming handshake with SNI said of a certificate that differed without SNI (it did not show another one). */
function confirmationOf(confirm: NonNullable<HostFacts['noSni']>['confirm'], sameAgain: boolean | null | undefined): string {
  if (sameAgain === true) return 'A second handshake with SNI showed the first certificate again: the server chooses its certificate by SNI.';
  if (!confirm) return `No second handshake with SNI was made to rule out ${POOL} (a report saved before mxray made one): not confirmed.`;
  if (confirm.status !== 'ok') return `A second handshake with SNI, to rule out ${POOL}, failed (${confirm.error ?? confirm.status}): not confirmed.`;
  return `A second handshake with SNI, to rule out ${POOL}, showed no certificate to compare: not confirmed.`;
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
        leafDer: leafOf(facts.tls),
        ocspStapled: facts.tls.ocspStapled,
      }),
    );
    /** Another certificate the host showed, judged too: only its problems, and only those not already reported for this host. */
    const judgeOther = (v: CertVerdict, handshake: CertificateContext['handshake'], where: string, expectThumbprint: string | null, evidence: number[]): void => {
      const seen = new Set([...prior, ...findings].map((f) => f.id));
      const others: Finding[] = assessCertificate(v, { host, profile: ctx.profile, warnDays: ctx.warnDays, expectThumbprint, announcedNames: [], evidence, handshake, now: ctx.now });
      for (const f of others) {
        if (f.severity !== 'ok' && f.severity !== 'info' && !seen.has(f.id)) findings.push({ ...f, title: `${f.title} (certificate sent ${where})` });
      }
    };
    // The handshake without SNI (tried only after a good one) showed another certificate. (It
    // differs only when both showed a leaf.)
    const noSni = assessment.noSni;
    if (!noSni?.certificate || noSni.sameCertificate !== false) return findings;
    const confirm = noSni.confirm;
    const confirmFacts = facts.noSni?.confirm;
    if (confirm?.certificate && confirm.sameCertificate === false) {
      // Two handshakes with the same SNI, two certificates: they differ between connections, not by SNI.
      // Every certificate seen must be valid (and match what the user expects): each is judged.
      const again = confirm.certificate;
      // The whole chain, not only the leaf: the same leaf with another chain has problems of its own.
      const sameAsNoSni = JSON.stringify(confirmFacts?.peerChain ?? null) === JSON.stringify(facts.noSni?.peerChain ?? null);
      const seenAt = sameAsNoSni
        ? [`${describe(noSni.certificate)} without SNI and in a second handshake with SNI`]
        : [`${describe(noSni.certificate)} without SNI`, `${describe(again)} in a second handshake with SNI`];
      add(
        'cert.differs-between-connections',
        { count: 1 + seenAt.length, certificates: [`${describe(certificate)} in the first handshake with SNI`, ...seenAt].join('; ') },
        [...(ev.tls ?? []), ...(ev.noSni ?? []), ...(ev.sniConfirm ?? [])],
      );
      judgeOther(noSni.certificate, 'no-sni', 'without SNI', ctx.expectThumbprint, ev.noSni ?? []);
      if (!sameAsNoSni) judgeOther(again, 'sni-confirm', 'in a second handshake with SNI', ctx.expectThumbprint, ev.sniConfirm ?? []);
      return findings;
    }
    add(
      'cert.sni-dependent',
      { withSni: describe(certificate), withoutSni: describe(noSni.certificate), confirmation: confirmationOf(confirmFacts, confirm?.sameCertificate) },
      [...(ev.noSni ?? []), ...(ev.sniConfirm ?? [])],
    );
    judgeOther(noSni.certificate, 'no-sni', 'without SNI', null, ev.noSni ?? []);
    return findings;
  },
};
