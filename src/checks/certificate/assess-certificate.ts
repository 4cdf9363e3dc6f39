// The certificate check's judge: a pure function from a CertVerdict (what pki/verify measured)
// to findings. Thresholds come from the profile; texts and severities from the catalogue.
import { createHash } from 'node:crypto';
import type { CertInfo, CertRevocation, CertVerdict, ChainProblem, ChainRepair, ChainRule, Finding } from '../../core/schema.js';
import { makeFinding, type Facts, type FindingId } from '../../kb/index.js';
import type { Profile } from '../../kb/profiles.js';
import { normalizeDnsName } from '../../core/names.js';
import { certificateCovers } from '../../pki/names.js';
import { signatureHashOfName } from '../../pki/der.js';
import { displayName } from '../../pki/certificate.js';
import { readCertDetails, type CertDetails } from '../../pki/cert-details.js';
import { MAX_PATH_LENGTH } from '../../pki/verify.js';
import { assessRevocation } from './revocation.js';

export { certificateCovers, nameCovers } from '../../pki/names.js';

export interface CertificateContext {
  /** "host[ip]:port", the key findings are attached to. */
  host: string;
  /** The receiving software's id (kb/software.ts), when recognised: some findings matter only on some software. */
  software?: string | null;
  profile: Profile;
  /** Days before expiry to warn (the profile's expiryWarnDays or --warn-days). */
  warnDays: number;
  /** A thumbprint the user expects (SHA-1 or SHA-256, any case, colons or spaces allowed), or null. */
  expectThumbprint: string | null;
  /** Names the server announced (banner, EHLO reply). */
  announcedNames: string[];
  /** Transcript events that show the certificate. */
  evidence: number[];
  /** Whether this verdict is from the normal handshake (with SNI), the one without SNI, or the second one with SNI that confirms a difference. */
  handshake: 'sni' | 'no-sni' | 'sni-confirm';
  /** The time the certificate was judged at (the injected clock), for "expired N days ago". */
  now?: number;
  /** Note a certificate on the path that names no CRL and no OCSP responder (cert.no-revocation-info): \`mxray cert\` does. */
  noteMissingRevocation?: boolean;
  /** The mail domain, for the domain-mismatch finding's text (optional: the verdict has only the result). */
  domain?: string | null;
  /**
   * The leaf as the server sent it (DER), for what CertInfo does not hold: extended key usages,
   * embedded SCTs, must-staple, certificate policies. Null or absent: those findings are not judged.
   * A DER that is not the verdict's leaf (another SHA-256) is not read.
   */
  leafDer?: Buffer | null;
  /** Whether the server stapled an OCSP response in this handshake; null or absent: not known. */
  ocspStapled?: boolean | null;
}

const BLOCKING = new Set(['warning', 'error', 'critical']);

/** Milliseconds in a day (a unit, not a threshold). */
const DAY_MS = 86_400_000;

/** A certificate's own name for people: its CN, else its subject, else a placeholder for an empty subject. */
function label(info: CertInfo): string {
  return displayName(info);
}

/** The finding each broken rule of path validation is reported as (by the certificate's role where it matters). */
const RULE_FINDINGS: Readonly<Record<ChainRule, (p: ChainProblem) => FindingId>> = {
  expired: (p) => (p.role === 'trust-anchor' ? 'cert.root-expired' : 'cert.intermediate-expired'),
  'not-yet-valid': (p) => (p.role === 'trust-anchor' ? 'cert.root-not-yet-valid' : 'cert.intermediate-not-yet-valid'),
  'not-a-ca': () => 'cert.not-a-ca',
  'issuer-cannot-sign': () => 'cert.issuer-cannot-sign',
  'path-length-exceeded': () => 'cert.path-length-exceeded',
  'name-constraints-violated': () => 'cert.name-constraints-violated',
  'not-for-server-auth': () => 'cert.not-for-server-auth',
  // Only a client certificate's verdict (the sender test) has it; a server's never does.
  'not-for-client-auth': () => 'cert.not-for-server-auth',
  'unknown-critical-extension': () => 'cert.unknown-critical-extension',
  'invalid-extension': () => 'cert.invalid-extension',
  'empty-issuer-name': () => 'cert.empty-name',
};

/** Where a certificate sits on the path, in words: "the server certificate", "intermediate 2", "the root". */
function elementOf(p: Pick<ChainProblem, 'role' | 'index'>): string {
  if (p.role === 'leaf') return 'the server certificate';
  return p.role === 'trust-anchor' ? 'the root' : `intermediate ${p.index}`;
}

/** Where a certificate sits on the path, for a revocation entry (which names its place on the path). */
function elementAt(v: CertVerdict, index: number): string {
  const c = v.path[index];
  const anchor = c !== undefined && (c.source === 'trust-store' || (index === v.path.length - 1 && c.selfIssued));
  return elementOf({ role: index === 0 ? 'leaf' : anchor ? 'trust-anchor' : 'intermediate', index });
}

/** What fetching the missing issuer from the AIA URLs (as Windows does) gave: an outcome, and the outcome in words. */
function repairOf(repair: ChainRepair | null | undefined): { outcome: string; repair: string } {
  if (!repair) return { outcome: 'not tried', repair: 'not tried in this test' };
  if (repair.outcome === 'repaired') {
    const from = repair.fetches.filter((f) => f.ok).map((f) => f.url);
    return { outcome: 'repaired', repair: `the missing certificate was fetched from ${from.join(', ')}, and the chain then verifies` };
  }
  const failed = repair.fetches.filter((f) => !f.ok);
  if (failed.length > 0) {
    return { outcome: 'failed', repair: failed.map((f) => `fetching the issuer from ${f.url} failed: ${f.detail ?? 'no certificate'}`).join('; ') };
  }
  if (repair.fetches.length === 0) return { outcome: 'failed', repair: repair.reason ?? 'the certificate names no issuer URL (AIA caIssuers)' };
  return {
    outcome: 'failed',
    repair: `fetched from ${repair.fetches.map((f) => f.url).join(', ')}, but the chain still does not verify: ${repair.reason ?? repair.trustFailure}`,
  };
}

/** The leaf's details from its DER, when given and when it is the verdict's leaf. */
function leafDetailsOf(leaf: CertInfo, der: Buffer | null | undefined): CertDetails | null {
  if (!der) return null;
  return createHash('sha256').update(der).digest('hex').toUpperCase() === leaf.sha256 ? readCertDetails(der) : null;
}

/** The path ends at a trust anchor from our trust store (as sent, or completed from AIA URLs). */
function endsAtTrustStore(v: CertVerdict): boolean {
  const anchored = (path: readonly CertInfo[]): boolean => path[path.length - 1]?.source === 'trust-store';
  return anchored(v.path) || (v.repair?.outcome === 'repaired' && anchored(v.repair.path));
}

/** Whole days from `now` back to `iso`, at least 1. */
function daysSince(iso: string, now: number): number {
  return Math.max(1, Math.floor((now - Date.parse(iso)) / DAY_MS));
}

/** The names a certificate is valid for, as one string: SAN entries, else the CN. */
export function certificateNames(info: CertInfo): string {
  const san = [...info.dnsNames, ...info.ipAddresses];
  if (san.length > 0) return san.join(', ');
  return info.commonName ?? '(none)';
}

const FQDN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** A fully qualified host name (not an IP literal, not a bare label), normalised; else null. */
function fqdn(name: string): string | null {
  const n = normalizeDnsName(name);
  return FQDN.test(n) ? n : null;
}

function normaliseThumbprint(text: string): string {
  return text.replace(/[\s:]/g, '').toUpperCase();
}

/**
 * Judges one certificate verdict. Returns no findings when the server sent no certificate, or a
 * leaf that could not be read (the verdict's path is empty then; the first readable certificate it
 * sent is not its leaf, and must not be judged as if it were).
 */
export function assessCertificate(v: CertVerdict, ctx: CertificateContext): Finding[] {
  const leaf = v.path[0];
  if (!leaf) return [];
  const base: Facts = ctx.handshake === 'sni' ? { host: ctx.host } : { host: ctx.host, handshake: ctx.handshake };
  const findings: Finding[] = [];
  const add = (id: FindingId, facts: Facts): void => {
    findings.push(makeFinding(id, { ...base, ...facts }, ctx.evidence, [ctx.host], { software: ctx.software ?? null }));
  };
  const subject = label(leaf);
  const certNames = certificateNames(leaf);

  // Time.
  if (!v.timeValid) {
    // Whole days since expiry, at least 1 (daysLeft is floored: 10.2 days ago would read "11").
    const daysAgo = ctx.now === undefined ? -v.daysLeft : Math.max(1, Math.floor((ctx.now - Date.parse(leaf.notAfter)) / DAY_MS));
    if (v.daysLeft < 0) add('cert.expired', { subject, notAfter: leaf.notAfter, daysAgo });
    else add('cert.not-yet-valid', { subject, notBefore: leaf.notBefore });
  } else if (v.daysLeft < ctx.warnDays) {
    add('cert.expiring-soon', { subject, notAfter: leaf.notAfter, daysLeft: v.daysLeft });
  }

  // A leaf that expired between the handshake and the judging (a verdict made earlier, judged now).
  // (Only a time-valid verdict gets here: an expired one was reported above.)
  if (ctx.now !== undefined && v.timeValid && Date.parse(leaf.notAfter) < ctx.now) {
    add('cert.expired', { subject, notAfter: leaf.notAfter, daysAgo: daysSince(leaf.notAfter, ctx.now) });
  }

  // Trust.
  const end = v.path[v.path.length - 1] ?? leaf;
  switch (v.trustFailure) {
    case 'self-signed':
      add('cert.self-signed', { subject });
      break;
    case 'untrusted-root':
      // The root itself when the server sent it; else the name of the root the chain points to.
      add('cert.untrusted-root', { root: end.selfIssued ? label(end) : issuerLabel(end) });
      break;
    case 'chain-incomplete':
      add('cert.chain-incomplete', { issuer: issuerLabel(end), ...repairOf(v.repair) });
      break;
    case 'bad-signature':
      add('cert.bad-signature', { subject: label(end) });
      break;
    case 'chain-too-long':
      add('cert.chain-too-long', { sent: v.sentCount, limit: MAX_PATH_LENGTH, subject: label(end) });
      break;
    // 'none': trusted; 'chain-invalid': the problems below say what. ('no-certificate' has no path, so no leaf: nothing was judged.)
  }

  // Every rule of path validation a certificate on the path breaks: one finding per kind, naming
  // the first certificate that breaks it (and the others, where the facts have room for them).
  const byFinding = new Map<FindingId, ChainProblem[]>();
  for (const p of v.problems) {
    const id = RULE_FINDINGS[p.rule](p);
    byFinding.set(id, [...(byFinding.get(id) ?? []), p]);
  }
  for (const [id, problems] of byFinding) {
    const first = problems[0] as ChainProblem;
    const info = v.path[first.index];
    switch (id) {
      case 'cert.intermediate-expired':
        add(id, { element: elementOf(first), subject: first.subject, notAfter: info?.notAfter ?? null, daysAgo: ctx.now !== undefined && info ? daysSince(info.notAfter, ctx.now) : null });
        break;
      case 'cert.intermediate-not-yet-valid':
        add(id, { element: elementOf(first), subject: first.subject, notBefore: info?.notBefore ?? null });
        break;
      case 'cert.root-expired':
        add(id, { subject: first.subject, notAfter: info?.notAfter ?? null });
        break;
      case 'cert.root-not-yet-valid':
        add(id, { subject: first.subject, notBefore: info?.notBefore ?? null });
        break;
      default:
        add(id, {
          element: [...new Set(problems.map(elementOf))].join(', '),
          subject: [...new Set(problems.map((p) => p.subject))].join(', '),
          detail: problems.map((p) => p.detail).join('; '),
        });
    }
  }

  // The intermediates the server sends, at the judging time: one that expires within the warning
  // window before the server's own certificate does (after it, renewing the certificate with its
  // current chain deals with both); one that has expired since the verdict was made (a saved
  // verdict judged later). One the verdict already found out of date is a problem above.
  if (ctx.now !== undefined) {
    const now = ctx.now;
    const last = v.path.length - 1;
    const sentIntermediates = v.path
      .map((c, index) => ({ c, index }))
      .filter(
        ({ c, index }) =>
          index > 0 &&
          c.source === 'sent' &&
          !(index === last && c.selfIssued) &&
          !v.problems.some((p) => p.index === index && (p.rule === 'expired' || p.rule === 'not-yet-valid')),
      );
    const stale = sentIntermediates.find(({ c }) => Date.parse(c.notAfter) < now);
    if (stale && !findings.some((f) => f.id === 'cert.intermediate-expired')) {
      add('cert.intermediate-expired', {
        element: elementOf({ role: 'intermediate', index: stale.index }),
        subject: label(stale.c),
        notAfter: stale.c.notAfter,
        daysAgo: daysSince(stale.c.notAfter, now),
      });
    }
    const soon = sentIntermediates.find(
      ({ c }) => Date.parse(c.notAfter) >= now && Date.parse(c.notAfter) < Date.parse(leaf.notAfter) && Math.floor((Date.parse(c.notAfter) - now) / DAY_MS) < ctx.warnDays,
    );
    if (soon) {
      add('cert.intermediate-expiring-soon', {
        element: elementOf({ role: 'intermediate', index: soon.index }),
        subject: label(soon.c),
        notAfter: soon.c.notAfter,
        daysLeft: Math.floor((Date.parse(soon.c.notAfter) - now) / DAY_MS),
      });
    }
  }

  // Names.
  if (v.nameMatches === false) add('cert.name-mismatch', { name: v.checkedName ?? ctx.host, certNames });
  if (v.nameMatches === true && v.domainMatches === false) add('cert.domain-mismatch', { domain: ctx.domain ?? null, certNames });
  const checked = v.checkedName ? fqdn(v.checkedName) : null;
  const uncovered = [...new Set(ctx.announcedNames.map(fqdn).filter((n): n is string => n !== null))].filter(
    // The checked name has its own finding (name-mismatch): do not report it twice.
    (n) => n !== checked && !certificateCovers(leaf, n),
  );
  if (uncovered.length > 0) add('cert.ehlo-name-mismatch', { announced: uncovered.join(', '), certNames });
  // Names only in the CN: clients following RFC 9525 (browsers, Go) find no name at all.
  if (leaf.dnsNames.length === 0 && leaf.ipAddresses.length === 0 && leaf.commonName) add('cert.cn-only', { commonName: leaf.commonName });

  // Revocation, as the lookups made at run time answered (nothing when it was not checked).
  const nameOf = (r: CertRevocation) => {
    const c = v.path[r.index];
    return { element: elementAt(v, r.index), subject: c !== undefined && c.sha256 === r.sha256 ? label(c) : r.subject };
  };
  for (const f of assessRevocation(v, ctx.now, nameOf)) {
    // A certificate that names no CRL or OCSP responder (a private CA) stops only Exchange's
    // validating connectors: \`mxray cert\` says so (and its table shows whom); the receiver test
    // reports only what the lookups found (revoked, unreachable, stale).
    if (f.id === 'cert.no-revocation-info' && ctx.noteMissingRevocation !== true) continue;
    add(f.id, f.facts);
  }

  // Cryptography: every certificate the server is answerable for. Not the trust anchor, and not the
  // self-signature the path ends with (an untrusted root's or a self-signed leaf's): it proves nothing.
  const answerable = v.path.filter((c, i) => c.source === 'sent' && !(i === v.path.length - 1 && c.selfIssued));
  const weakSigned = answerable.filter((c) => ctx.profile.weakSignatureHashes.some((weak) => weak === signatureHashOfName(c.signatureAlgorithm)));
  if (weakSigned.length > 0) {
    add('cert.weak-signature', {
      algorithm: [...new Set(weakSigned.map((c) => c.signatureAlgorithm))].join(', '),
      subject: weakSigned.map(label).join(', '),
    });
  }
  // The leaf's key is used in every handshake, even when the leaf itself is pinned as an anchor.
  const keyed = answerable.includes(leaf) ? answerable : [leaf, ...answerable];
  const isRsa = (c: CertInfo): boolean => c.keyType === 'rsa' || c.keyType === 'rsa-pss';
  const weakRsa = keyed.filter((c) => isRsa(c) && c.keyBits !== null && c.keyBits < ctx.profile.minRsaBits);
  const weakEc = keyed.filter((c) => c.keyType === 'ec' && c.keyBits !== null && c.keyBits < ctx.profile.minEcBits);
  // One finding: the RSA keys when there are weak ones (the smallest named), else the EC keys.
  const [weakKeys, keyType, minBits] = weakRsa.length > 0 ? [weakRsa, 'RSA', ctx.profile.minRsaBits] : [weakEc, 'EC', ctx.profile.minEcBits];
  if (weakKeys.length > 0) {
    add('cert.weak-key', {
      keyType,
      bits: Math.min(...weakKeys.map((c) => c.keyBits as number)),
      minBits,
      subject: [...weakRsa, ...weakEc].map(label).join(', '),
    });
  }

  // The leaf's profile: what a publicly trusted certificate must be (for browsers) and what public
  // CAs are changing. Mail servers enforce none of it: notes. Judged only for a certificate that
  // chains to our trust store and claims the CA/Browser Forum Baseline Requirements (a reserved
  // policy OID): private CAs, also those given with --ca-file, are not bound by them.
  const details = leafDetailsOf(leaf, ctx.leafDer);
  if (details !== null && details.validation !== null && endsAtTrustStore(v)) {
    const issued = Date.parse(leaf.notBefore);
    const lifetime = Date.parse(leaf.notAfter) - issued;
    const limit = [...ctx.profile.publicMaxValidity].reverse().find((r) => r.from === null || Date.parse(r.from) <= issued);
    if (limit && lifetime > limit.days * DAY_MS) {
      add('cert.validity-too-long', { subject, notBefore: leaf.notBefore, notAfter: leaf.notAfter, days: Math.ceil(lifetime / DAY_MS), maxDays: limit.days });
    }
    const eku = details.extendedKeyUsage ?? [];
    if (eku.includes('clientAuth') && eku.includes('serverAuth')) add('cert.client-auth-ending', { subject, notAfter: leaf.notAfter });
    if (details.scts.length === 0) add('cert.no-scts', { subject });
  }
  // Must-staple without a stapled response (from the DER, else from the revocation facts).
  const mustStaple = details?.mustStaple ?? v.revocation?.find((r) => r.index === 0)?.mustStaple ?? false;
  if (mustStaple && ctx.ocspStapled === false) add('cert.must-staple-missing', { subject });

  // The thumbprint the administrator expects (e.g. the one Exchange's connector is bound to).
  if (ctx.expectThumbprint !== null) {
    const expected = normaliseThumbprint(ctx.expectThumbprint);
    if (expected !== leaf.sha1 && expected !== leaf.sha256) {
      add('cert.thumbprint-mismatch', { expected, actual: expected.length === 40 ? leaf.sha1 : leaf.sha256 });
    }
  }

  // An untrusted, out-of-date or misnamed certificate has an error finding above: cert.ok needs none.
  if (!findings.some((f) => BLOCKING.has(f.severity))) {
    add('cert.ok', { subject, issuer: issuerLabel(leaf), notAfter: leaf.notAfter });
  }
  return findings;
}

/** The CN of a certificate's issuer (from its one-line DN), else the whole issuer DN. */
function issuerLabel(info: CertInfo): string {
  // Attributes are separated by ", " (and " + " inside one RDN); special characters in values are
  // backslash-escaped, so only an unescaped "," or "+" separates. The last CN is the most specific.
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < info.issuer.length; i++) {
    const ch = info.issuer[i] as string;
    if (ch === '\\') {
      current += info.issuer.slice(i, i + 2);
      i++;
    } else if (ch === ',' || ch === '+') {
      parts.push(current.trim());
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current.trim());
  const cn = parts.filter((p) => p.startsWith('CN=')).pop();
  // Undo RFC 2253 escapes of special characters (hex escapes are left as they are).
  return cn ? cn.slice(3).replace(/\\([^0-9A-Fa-f])/g, '$1') : info.issuer || '(empty issuer)';
}
