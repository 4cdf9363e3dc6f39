// Revocation of the certificates on the path, judged from the lookups made at run time (CRL, OCSP,
// the stapled response): revoked, no usable answer, an out-of-date CRL, no way to ask at all. Only
// a verified 'good' or 'revoked' answer says anything about revocation; every other outcome is "not
// known", never "not revoked". Windows (Exchange) checks revocation, OpenSSL-based MTAs do not: the
// catalogue texts say for whom each finding matters.
import type { CertRevocation, CertVerdict, RevocationLookup } from '../../core/schema.js';
import type { Facts, FindingId } from '../../kb/index.js';

/** A finding to make: its id and its facts (the caller adds the host). */
export interface RevocationFinding {
  id: FindingId;
  facts: Facts;
}

/** How the findings name a certificate of the path: its place ("the server certificate", "intermediate 1") and its name. */
export type NameCertificate = (r: CertRevocation) => { element: string; subject: string };

/** The method of a lookup, as the findings name it. */
const METHOD: Readonly<Record<RevocationLookup['method'], string>> = { crl: 'CRL', ocsp: 'OCSP', 'stapled-ocsp': 'stapled OCSP' };

/** Why a lookup gave no usable answer, when it does not say so itself. */
const NO_ANSWER: Readonly<Record<RevocationLookup['status'], string>> = {
  good: 'no answer',
  revoked: 'no answer',
  unreachable: 'no answer',
  invalid: 'an answer that cannot be trusted',
  unknown: 'the responder does not know the certificate',
};

/** Where a lookup went: its URL, or the handshake for a stapled response. */
function whereOf(l: RevocationLookup): string {
  return l.url ?? 'stapled by the server';
}

/**
 * Judges the revocation lookups of a verdict at `now` (the judging time; without it no answer
 * counts as out of date). Nothing when revocation was not checked (`v.revocation` null or absent).
 */
export function assessRevocation(v: CertVerdict, now: number | undefined, name: NameCertificate): RevocationFinding[] {
  const entries = [...(v.revocation ?? [])].sort((a, b) => a.index - b.index);
  const last = v.path.length - 1;
  /** An answer past its nextUpdate at the judging time. */
  const outOfDate = (l: RevocationLookup): boolean => now !== undefined && l.nextUpdate !== null && Date.parse(l.nextUpdate) < now;
  /** A verified answer that says whether the certificate is revoked (a revocation stays true however old the answer). */
  const answers = (l: RevocationLookup): boolean => l.status === 'revoked' || (l.status === 'good' && !outOfDate(l));

  const revoked: { r: CertRevocation; l: RevocationLookup }[] = [];
  const crlFailed: { r: CertRevocation; l: RevocationLookup }[] = [];
  const crlStale: { r: CertRevocation; l: RevocationLookup }[] = [];
  const ocspFailed: { r: CertRevocation; l: RevocationLookup }[] = [];
  const noInfo: CertRevocation[] = [];
  for (const r of entries) {
    const l = r.lookups.find((x) => x.status === 'revoked');
    if (l) {
      revoked.push({ r, l });
      continue;
    }
    const cert = v.path[r.index];
    // The trust anchor, and the self-signature the path ends with, are not looked up by anyone.
    const judged = cert !== undefined && cert.source !== 'trust-store' && !(r.index === last && cert.selfIssued);
    if (judged && r.crlUrls.length === 0 && r.ocspUrls.length === 0) noInfo.push(r);
    // A usable answer by either method: Windows asks the other when one fails, so nothing is missing.
    if (r.lookups.some(answers)) continue;
    // Every lookup left gave no usable answer (a 'good' one among them is out of date).
    for (const x of r.lookups) {
      // An out-of-date CRL (good, or found invalid for it): the CA stopped publishing; its own finding.
      if (x.method === 'crl') (outOfDate(x) ? crlStale : crlFailed).push({ r, l: x });
      else ocspFailed.push({ r, l: x });
    }
  }

  const out: RevocationFinding[] = [];
  const first = revoked[0];
  if (first) {
    const { element, subject } = name(first.r);
    out.push({
      id: 'cert.revoked',
      facts: {
        element: [element, ...revoked.slice(1).map(({ r }) => name(r).element)].join(', '),
        subject: [subject, ...revoked.slice(1).map(({ r }) => name(r).subject)].join(', '),
        revokedAt: first.l.revokedAt,
        reason: first.l.reason ?? 'none given',
        method: METHOD[first.l.method],
        url: whereOf(first.l),
      },
    });
  }
  /** One finding for every failed lookup of a kind: the certificates, the URLs and what each said. */
  const failed = (id: FindingId, list: { r: CertRevocation; l: RevocationLookup }[]): void => {
    if (list.length === 0) return;
    out.push({
      id,
      facts: {
        subject: [...new Set(list.map(({ r }) => name(r).subject))].join(', '),
        url: list.map(({ l }) => whereOf(l)).join(', '),
        detail: list.map(({ l }) => l.detail ?? (l.status === 'good' ? `the answer was valid until ${l.nextUpdate}` : NO_ANSWER[l.status])).join('; '),
      },
    });
  };
  failed('cert.crl-unreachable', crlFailed);
  failed('cert.ocsp-unreachable', ocspFailed);
  const stale = crlStale[0];
  if (stale) {
    out.push({
      id: 'cert.crl-stale',
      facts: {
        subject: [...new Set(crlStale.map(({ r }) => name(r).subject))].join(', '),
        url: crlStale.map(({ l }) => whereOf(l)).join(', '),
        nextUpdate: stale.l.nextUpdate,
      },
    });
  }
  if (noInfo.length > 0) {
    out.push({
      id: 'cert.no-revocation-info',
      facts: { element: noInfo.map((r) => name(r).element).join(', '), subject: noInfo.map((r) => name(r).subject).join(', ') },
    });
  }
  return out;
}
