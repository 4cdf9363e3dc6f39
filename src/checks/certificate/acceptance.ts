// "Who will accept this certificate?": a pure judge from a verified chain (and what the run knew
// about names and revocation) to one row per sender profile of kb/acceptance.ts. Every requirement
// is a rule of the profile; a rule passes, fails, or cannot be judged from the facts at hand. The
// answer is 'no' when a rule fails, else 'unknown' when one cannot be judged, else 'yes' — never
// 'yes' on a missing fact. The first reason is the deciding one: the first rule that failed (in the
// profile's order), else the first that could not be judged; notes follow.
import type { Acceptance, CertInfo, CertVerdict, RevocationLookup } from '../../core/schema.js';
import { normalizeDnsName } from '../../core/names.js';
import {
  ACCEPTANCE_PROFILES,
  ACCEPTANCE_TEXTS,
  TRUST_FAILURE_TEXTS,
  type AcceptanceProfile,
  type AcceptanceRule,
  type AcceptanceTextKey,
} from '../../kb/acceptance.js';
import { displayName } from '../../pki/certificate.js';
import { signatureHashOfName } from '../../pki/der.js';
import { certificateCovers, matchesDomain } from '../../pki/names.js';

export interface AcceptanceInput {
  /** The chain as the server sends it, verified (OpenSSL-like: no AIA fetching), with its optional AIA repair and revocation lookups. */
  verdict: CertVerdict;
  /** The MX host name senders connect to (postfix-verify and exim-verify check it); null when there is none (an IP target). */
  mxHost: string | null;
  /** The mail domain: Postfix's next-hop domain (postfix-secure); null when there is none. */
  domain: string | null;
  /** Names that must be on the certificate for Exchange (connector FQDN, TlsDomain, the EHLO name, --name); may be empty. */
  connectorNames: string[];
  /** The judging time (epoch ms), for dates and for revocation answers that have gone out of date. */
  now: number;
  /** False when no revocation lookups were made (--no-revocation): profiles that need them answer 'unknown'. */
  revocationChecked: boolean;
  /** What DANE makes of this chain (null: no TLSA records looked up or given). */
  dane?: DaneOutcome | null;
}

/** DANE's answer for one chain, worked out from the TLSA records by the caller (checks/certificate/subject.ts). */
export type DaneOutcome =
  | { kind: 'match'; record: string; usage: 'DANE-EE' | 'DANE-TA' }
  | { kind: 'no-match'; records: string }
  | { kind: 'ta-name'; record: string; names: string }
  | { kind: 'none'; why: string }
  | { kind: 'unusable' }
  | { kind: 'lookup-fails'; why: string };

/** What one rule says: it passes (perhaps with a note), fails, or cannot be judged. */
interface RuleResult {
  fails: string[];
  unknowns: string[];
  notes: string[];
}

/** At most this many reasons per row (the schema's maxItems). */
const MAX_REASONS = 20;

function say(key: AcceptanceTextKey, values: Record<string, string | number> = {}): string {
  return ACCEPTANCE_TEXTS[key].replace(/\{([a-zA-Z]+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

/** An ISO date-time for people: "2026-12-01 00:00 UTC". */
function when(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** The names a certificate is checked by: its DNS SANs, else its CN. */
function dnsNamesOf(leaf: CertInfo): string[] {
  return leaf.dnsNames.length > 0 ? leaf.dnsNames : leaf.commonName ? [leaf.commonName] : [];
}

function namesText(leaf: CertInfo): string {
  const names = dnsNamesOf(leaf);
  return names.length > 0 ? names.join(', ') : '(none)';
}

/** "sha1" → "SHA-1", "md5" → "MD5". */
function hashLabel(hash: string): string {
  return hash.startsWith('sha') ? `SHA-${hash.slice(3)}` : hash.toUpperCase();
}

const METHOD_LABELS: Readonly<Record<RevocationLookup['method'], string>> = { crl: 'CRL', ocsp: 'OCSP', 'stapled-ocsp': 'stapled OCSP' };

/**
 * Whether a connector name is on the certificate, as Exchange checks TlsDomain and
 * TlsSenderCertificateName. A plain name is matched as a host name (RFC 6125, like the other
 * profiles: DNS SANs, the CN only without them). A wildcard name "*.contoso.com" stands for every
 * subdomain (Microsoft documents it so for TlsDomain): any certificate name below contoso.com
 * covers it, a wildcard "*.contoso.com" itself included, but not "contoso.com". `wanted` is normalised.
 */
function connectorNameCovered(leaf: CertInfo, wanted: string): boolean {
  if (!wanted.startsWith('*.')) return certificateCovers(leaf, wanted);
  // (Exchange refuses any other wildcard in TlsDomain when the connector is configured.)
  const base = wanted.slice(2);
  return dnsNamesOf(leaf).some((n) => {
    const certName = normalizeDnsName(n);
    const wildcard = certName.startsWith('*.');
    const stem = wildcard ? certName.slice(2) : certName;
    return (wildcard && stem === base) || stem.endsWith(`.${base}`);
  });
}

/** The path Windows builds: the one the server's certificates make when they suffice, else the one completed from AIA. */
function windowsPath(v: CertVerdict): CertInfo[] {
  if (v.trusted) return v.path;
  const repair = v.repair;
  return repair?.outcome === 'repaired' && repair.path.length > 0 ? repair.path : v.path;
}

/** Whether the chain is trusted once Windows has fetched missing intermediates. */
function trustedByWindows(v: CertVerdict): boolean {
  return v.trusted || v.repair?.outcome === 'repaired';
}

function notTrusted(v: CertVerdict): string {
  const rules = [...new Set(v.problems.map((p) => p.rule))].join(', ') || 'see the problems';
  return say('notTrusted', { why: TRUST_FAILURE_TEXTS[v.trustFailure].replace('{rules}', rules) });
}

/** The revocation of one certificate as Windows' chain engine sees it. */
function judgeRevocationOf(c: CertInfo, v: CertVerdict, input: AcceptanceInput, software: string, out: RuleResult): void {
  const subject = displayName(c);
  const entry = (v.revocation ?? []).find((r) => r.sha256 === c.sha256);
  if (!entry) {
    out.unknowns.push(say('revocationMissing', { subject, software }));
    return;
  }
  const lookups = entry.lookups;
  const revoked = lookups.find((l) => l.status === 'revoked');
  if (revoked) {
    out.fails.push(say('revoked', { subject, when: revoked.revokedAt ? ` since ${when(revoked.revokedAt)}` : '' }));
    return;
  }
  // A good answer counts until its nextUpdate: after it, Windows wants a fresh one (a CRL past its
  // nextUpdate is "offline"). An answer without nextUpdate does not go out of date.
  const stale = (l: RevocationLookup): boolean => l.nextUpdate !== null && Date.parse(l.nextUpdate) < input.now;
  const good = lookups.filter((l) => l.status === 'good');
  if (good.some((l) => !stale(l))) return;
  const old = good.find(stale);
  if (old) {
    out.fails.push(say('revocationStale', { method: METHOD_LABELS[old.method], subject, date: when(old.nextUpdate as string) }));
    return;
  }
  if (lookups.length === 0) {
    // No address at all: nothing can ever be asked. Addresses but no lookup: mxray did not ask.
    if (entry.crlUrls.length === 0 && entry.ocspUrls.length === 0) out.fails.push(say('revocationNoAddress', { subject }));
    else out.unknowns.push(say('revocationMissing', { subject, software }));
    return;
  }
  const detail = lookups.map((l) => `${METHOD_LABELS[l.method]} ${l.status}`).join('; ');
  out.fails.push(say('revocationOffline', { subject, detail }));
}

function judgeRule(rule: AcceptanceRule, leaf: CertInfo, input: AcceptanceInput, profile: AcceptanceProfile): RuleResult {
  const out: RuleResult = { fails: [], unknowns: [], notes: [] };
  const v = input.verdict;
  const software = profile.software;
  switch (rule.rule) {
    case 'leaf':
      break;
    case 'not-self-signed':
      if (leaf.selfIssued) out.fails.push(say('selfSigned', { software }));
      break;
    case 'trusted-as-sent':
      // OpenSSL (Postfix, Exim) verifies only what the server sent: a chain that AIA would complete is still incomplete.
      if (v.trusted) break;
      out.fails.push(v.repair?.outcome === 'repaired' ? say('incompleteAsSent', { software }) : notTrusted(v));
      break;
    case 'trusted-with-aia': {
      if (v.trusted) break;
      const repair = v.repair;
      if (repair?.outcome === 'repaired') out.notes.push(say('repairedByAia'));
      else if (v.trustFailure !== 'chain-incomplete') out.fails.push(notTrusted(v));
      else if (repair == null) out.unknowns.push(say('repairNotTried'));
      else out.fails.push(say('repairFailed', { detail: repair.reason ? `: ${repair.reason}` : '' }));
      break;
    }
    case 'public-ca':
      if (trustedByWindows(v)) out.notes.push(say('publicCaOnly'));
      break;
    case 'time-valid': {
      const notBefore = Date.parse(leaf.notBefore);
      const notAfter = Date.parse(leaf.notAfter);
      // Out of date at the judging time, or at the time the chain was verified.
      if (input.now > notAfter || (!v.timeValid && v.daysLeft < 0)) out.fails.push(say('expired', { date: when(leaf.notAfter) }));
      else if (input.now < notBefore || !v.timeValid) out.fails.push(say('notYetValid', { date: when(leaf.notBefore) }));
      break;
    }
    case 'mx-host-covered': {
      const host = input.mxHost === null ? '' : normalizeDnsName(input.mxHost);
      if (host === '') out.unknowns.push(say('noMxHost'));
      else if (!certificateCovers(leaf, host)) out.fails.push(say('mxHostNotCovered', { name: host, names: namesText(leaf) }));
      break;
    }
    case 'nexthop-domain': {
      // Postfix's `nexthop` is the next-hop domain itself; `dot-nexthop` is any name that ends in
      // ".<domain>", at any depth (a plain suffix test on the certificate's name, so a wildcard
      // "*.example.com" matches it as a name under example.com). pki/names.ts matchesDomain is
      // that reading: the name equal to the domain, or under it, "*." counted as under it.
      const domain = input.domain === null ? '' : normalizeDnsName(input.domain);
      if (domain === '') out.unknowns.push(say('noDomain'));
      else if (!matchesDomain(leaf, domain)) out.fails.push(say('domainNotCovered', { domain, names: namesText(leaf) }));
      break;
    }
    case 'connector-names': {
      const names = [...new Set(input.connectorNames.map(normalizeDnsName).filter((n) => n !== ''))];
      if (names.length === 0) {
        if (rule.required) out.unknowns.push(say('noConnectorName'));
        else out.notes.push(say('connectorNamesOptional'));
      }
      for (const name of names) {
        if (!connectorNameCovered(leaf, name)) out.fails.push(say('connectorNameNotCovered', { name, names: namesText(leaf) }));
      }
      break;
    }
    case 'revocation-checkable': {
      if (!input.revocationChecked) {
        out.unknowns.push(say('revocationNotChecked', { software }));
        break;
      }
      if (v.revocation == null) {
        out.unknowns.push(say('revocationMissing', { subject: displayName(leaf), software }));
        break;
      }
      // Every certificate but the trust anchor (Windows does not check the root's revocation).
      for (const c of windowsPath(v).filter((c) => c.source !== 'trust-store')) judgeRevocationOf(c, v, input, software, out);
      break;
    }
    case 'signature-hashes': {
      // Not the trust anchor's signature, nor the self-signature an untrusted path ends with.
      const path = windowsPath(v);
      const signed = path.filter((c, i) => c.source !== 'trust-store' && !(i === path.length - 1 && c.selfIssued));
      for (const c of signed) {
        const hash = signatureHashOfName(c.signatureAlgorithm);
        if (hash !== null && rule.refused.includes(hash)) {
          out.fails.push(say('weakSignature', { subject: displayName(c), algorithm: c.signatureAlgorithm, software, hash: hashLabel(hash) }));
        }
      }
      break;
    }
    case 'dane-match': {
      const d = input.dane ?? null;
      if (d === null) out.unknowns.push(say('daneNotLookedUp'));
      else if (d.kind === 'match') {
        const what = d.usage === 'DANE-EE' ? 'dates, names and issuer do not matter to DANE senders' : 'the CA it names is the trust anchor, and the name is right';
        out.notes.push(say('daneMatch', { record: d.record, usage: d.usage, what }));
      } else if (d.kind === 'no-match') out.fails.push(say('daneNoMatch', { records: d.records }));
      else if (d.kind === 'ta-name') out.fails.push(say('daneTaName', { record: d.record, names: d.names }));
      else if (d.kind === 'none') out.notes.push(say('daneNone', { why: d.why }));
      else if (d.kind === 'unusable') out.notes.push(say('daneUnusable'));
      else out.fails.push(say('daneLookupFails', { why: d.why }));
      break;
    }
    case 'rsa-key-size': {
      // The leaf's key is used in every handshake, even when the leaf is itself a trust anchor.
      const keyed = [leaf, ...windowsPath(v).filter((c) => c !== leaf && c.source !== 'trust-store')];
      for (const c of keyed) {
        if (c.keyType !== 'rsa' && c.keyType !== 'rsa-pss') continue;
        if (c.keyBits === null) out.unknowns.push(say('keySizeUnknown', { subject: displayName(c) }));
        else if (c.keyBits < rule.minBits) out.fails.push(say('weakKey', { subject: displayName(c), bits: c.keyBits, software, minBits: rule.minBits }));
      }
      break;
    }
  }
  return out;
}

function judgeProfile(profile: AcceptanceProfile, input: AcceptanceInput): Acceptance {
  const base = { profile: profile.id, name: profile.name };
  const leaf = input.verdict.path[0];
  // No certificate: nothing to encrypt with or to verify, and no rule can be judged.
  if (!leaf) return { ...base, accepts: 'no', reasons: [say('noCertificate')] };
  const fails: string[] = [];
  const unknowns: string[] = [];
  const notes: string[] = [];
  for (const rule of profile.rules) {
    const result = judgeRule(rule, leaf, input, profile);
    fails.push(...result.fails);
    unknowns.push(...result.unknowns);
    notes.push(...result.notes);
  }
  const accepts = fails.length > 0 ? 'no' : unknowns.length > 0 ? 'unknown' : 'yes';
  const reasons = [...new Set([...fails, ...unknowns, ...notes, ...profile.notes])].slice(0, MAX_REASONS);
  return { ...base, accepts, reasons };
}

/** One row per profile of kb/acceptance.ts, in its order: whether that kind of sender accepts the certificate, and why. */
export function judgeAcceptance(input: AcceptanceInput): Acceptance[] {
  return ACCEPTANCE_PROFILES.map((profile) => judgeProfile(profile, input));
}
