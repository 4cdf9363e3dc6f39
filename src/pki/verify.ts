// Chain building and verification of what a server presented, against our trust store, at the
// injected time. We build the path ourselves (rather than read Node's authorizationError) so the
// verdict can say which certificate is at fault and why, in words an administrator can act on.
// This is the one path builder of the project: everything that needs a path asks verifyChain.
import { X509Certificate } from 'node:crypto';
import type { TrustStore } from '../core/context.js';
import type { CertInfo, CertVerdict, ChainProblem, ChainRepair, TrustFailure } from '../core/schema.js';
import { displayName, describeX509, nameForPeople, parseCertificate } from './certificate.js';
import {
  checkPath,
  keyUsageForbidsSigning,
  mayIssue,
  namesFit,
  opensslCanLink,
  opensslChainFacts,
  opensslSelfSigned,
  readElement,
  type ElementFacts,
  type PathElement,
  type Purpose,
  type Role,
} from './chain-rules.js';
import { readCertificateNames } from './der.js';
import { matchesDomain, matchesHost, matchesIp } from './names.js';
import { firstOpensslError, opensslError, type ChainBuildOutcome, type OpensslChainFacts } from './openssl-errors.js';
import { isIndexedTrustStore } from './trust-store.js';

export { matchesDomain } from './names.js';

export interface VerifyInput {
  /** DER certificates as the server presented them, leaf first (possibly out of order, with extras). */
  chain: Buffer[];
  trustStore: TrustStore;
  /** The injected clock's time, epoch milliseconds. */
  now: number;
  /** The host name to check (the MX name), or null. */
  name: string | null;
  /** The mail domain to check as well, or null. */
  domain: string | null;
  /** The IP address we connected to when the target was an IP literal (checked when `name` is null). */
  ipTarget?: string | null;
  /**
   * What the certificate must be for (default 'server'): 'client' checks clientAuth instead of
   * serverAuth, as OpenSSL's sslclient purpose does when a receiving MTA verifies a sender's
   * certificate.
   */
  purpose?: Purpose;
}

/**
 * Longest path we build, trust anchor included: what Postfix verifies with its default
 * smtp_tls_scert_verifydepth = 9 (OpenSSL's -verify_depth 8). Real chains have 2-4 certificates.
 */
export const MAX_PATH_LENGTH = 10;
/** Most certificates of what a server sent that we examine (the rest are ignored, and the verdict says so); the Report lists at most as many. */
export const MAX_SENT_EXAMINED = 32;
const DAY_MS = 86_400_000;

type Source = CertInfo['source'];

interface Link {
  cert: X509Certificate;
  source: Source;
}

/** Path-validation facts of each certificate object, read once (objects are shared: see parseCertificate). */
const elementCache = new WeakMap<X509Certificate, ElementFacts>();

class Facts {
  of(cert: X509Certificate): ElementFacts {
    let f = elementCache.get(cert);
    if (!f) {
      f = readElement(cert);
      elementCache.set(cert, f);
    }
    return f;
  }
}

/**
 * Whether `child`'s signature verifies with `issuer`'s public key (false on any error). Called only
 * after namesIssuer, whose OpenSSL check already refuses an issuer key that cannot be loaded or does
 * not fit the signature algorithm: the catch is a guard, so that verifyChain never throws.
 */
function signedBy(child: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return child.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/** Whether `issuer`'s subject (and key identifier, when both carry one) fits `child`'s issuer. */
function namesIssuer(child: X509Certificate, issuer: X509Certificate, facts: Facts): boolean {
  // checkIssued throws only when given something that is not an X509Certificate.
  if (child.checkIssued(issuer)) return true;
  // Node's check (OpenSSL's X509_check_issued) also refuses an issuer whose keyUsage lacks
  // keyCertSign. OpenSSL's chain building does not (it reports that later, as 79 and 32), and
  // neither do we: path validation names that fault. Its key must still be one OpenSSL can load.
  const f = facts.of(issuer);
  if (!keyUsageForbidsSigning(f) || !namesFit(facts.of(child), f)) return false;
  try {
    return issuer.publicKey.asymmetricKeyType !== undefined;
  } catch {
    return false;
  }
}

/**
 * Trust-store certificates that may have issued `cert`: by exact name bytes, or (loose) canonical
 * name. The caller still checks each one's name with namesIssuer.
 */
function anchorCandidates(store: TrustStore, cert: X509Certificate, loose: boolean): readonly X509Certificate[] {
  if (isIndexedTrustStore(store)) {
    const names = readCertificateNames(cert.raw);
    if (!names) return [];
    return loose ? store.anchorsNamedLoosely(names.issuer) : store.anchorsNamed(names.issuer);
  }
  // A plain TrustStore (e.g. a test fake): every root, offered in the strict round.
  return loose ? [] : store.roots();
}

function inTrustStore(store: TrustStore, cert: X509Certificate): boolean {
  if (isIndexedTrustStore(store)) return store.includes(cert.raw);
  return store.roots().some((r) => r.raw.equals(cert.raw));
}

function quoted(cert: X509Certificate): string {
  return `"${nameForPeople(cert.subject)}"`;
}

/** A candidate issuer whose name fits but whose signature does not verify. */
interface Misfit {
  cert: X509Certificate;
}

interface PathResult {
  path: Link[];
  trusted: boolean;
  failure: TrustFailure;
  reason: string | null;
  /** The refused issuer behind a 'bad-signature' failure (absent when a self-issued certificate failed its own key). */
  misfit?: Misfit;
}

/**
 * Builds the path from the leaf towards a trust anchor, as far as signatures and names allow. A
 * sent certificate that may not issue (no CA, or no keyCertSign) is taken only when no proper CA
 * fits: the path then shows it, and validation (chain-rules.ts) names the fault.
 */
function buildPath(leaf: X509Certificate, others: X509Certificate[], store: TrustStore, facts: Facts, fetched: readonly X509Certificate[] = []): PathResult {
  const path: Link[] = [{ cert: leaf, source: 'sent' }];
  const onPath = (c: X509Certificate): boolean => path.some((l) => l.cert.raw.equals(c.raw));
  const where = `the trust store (${store.description})`;
  for (;;) {
    const current = path[path.length - 1] as Link;
    const cur = current.cert;
    if (inTrustStore(store, cur)) {
      current.source = 'trust-store';
      return { path, trusted: true, failure: 'none', reason: null };
    }
    if (path.length >= MAX_PATH_LENGTH) {
      return {
        path,
        trusted: false,
        failure: 'chain-too-long',
        reason:
          `The chain goes on for more than ${MAX_PATH_LENGTH} certificates without reaching ${where}; we stopped at ${quoted(cur)}. ` +
          `Verifying senders stop there too (Postfix's default smtp_tls_scert_verifydepth = 9 allows ${MAX_PATH_LENGTH} certificates, the root included).`,
      };
    }
    const selfIssued = facts.of(cur).selfIssued;
    if (selfIssued && signedBy(cur, cur)) {
      return path.length === 1
        ? {
            path,
            trusted: false,
            failure: 'self-signed',
            reason: `The server's certificate ${quoted(cur)} is self-signed (it is its own issuer) and is not in ${where}.`,
          }
        : {
            path,
            trusted: false,
            failure: 'untrusted-root',
            reason: `The chain ends at the root ${quoted(cur)}, which is not in ${where}.`,
          };
    }

    // Candidates whose name fits but whose signature does not verify.
    const misfits: Misfit[] = [];
    // Sent or fetched certificates whose signature verifies but that may not issue certificates.
    const improper: Link[] = [];
    const pick = (candidates: readonly X509Certificate[], source: Source): X509Certificate | null => {
      for (const c of candidates) {
        if (onPath(c) || !namesIssuer(cur, c, facts)) continue;
        if (!signedBy(cur, c)) {
          misfits.push({ cert: c });
          continue;
        }
        // Trust anchors are trusted as configured; a sent or fetched certificate must be a CA to issue.
        if (source !== 'trust-store' && !mayIssue(facts.of(c))) {
          improper.push({ cert: c, source });
          continue;
        }
        return c;
      }
      return null;
    };

    // A trust anchor first (shortest path, and right with cross-signed intermediates), then the
    // certificates the server sent, then fetched ones, then anchors whose name matches only after
    // normalisation, then a sent (or else fetched) certificate that verifies but may not issue.
    const anchor = pick(anchorCandidates(store, cur, false), 'trust-store');
    if (anchor) {
      path.push({ cert: anchor, source: 'trust-store' });
      return { path, trusted: true, failure: 'none', reason: null };
    }
    const next = pick(others, 'sent');
    if (next) {
      path.push({ cert: next, source: 'sent' });
      continue;
    }
    // Issuer certificates fetched from AIA URLs (chain repair): after what the server sent.
    const repaired = fetched.length > 0 ? pick(fetched, 'aia') : null;
    if (repaired) {
      path.push({ cert: repaired, source: 'aia' });
      continue;
    }
    const looseAnchor = pick(anchorCandidates(store, cur, true), 'trust-store');
    if (looseAnchor) {
      path.push({ cert: looseAnchor, source: 'trust-store' });
      return { path, trusted: true, failure: 'none', reason: null };
    }
    const fallback = improper[0];
    if (fallback) {
      path.push(fallback);
      continue;
    }

    const misfit = misfits[0];
    if (misfit) {
      const reason = `The signature on ${quoted(cur)} does not verify with the key of its issuer ${quoted(misfit.cert)}.`;
      return { path, trusted: false, failure: 'bad-signature', reason, misfit };
    }
    if (selfIssued) {
      return {
        path,
        trusted: false,
        failure: 'bad-signature',
        reason: `${quoted(cur)} names itself as issuer, but its signature does not verify with its own key.`,
      };
    }
    const issuer = `"${nameForPeople(cur.issuer)}"`;
    if (path.length > 1) {
      // The server did send the intermediate(s); the root above them is simply not trusted here
      // (servers need not send the root). That is an untrusted root, not a missing intermediate.
      return {
        path,
        trusted: false,
        failure: 'untrusted-root',
        reason: `The chain the server sent ends at ${quoted(cur)}, issued by ${issuer}, a root that is not in ${where}.`,
      };
    }
    const what = `The server's certificate ${quoted(cur)}`;
    return {
      path,
      trusted: false,
      failure: 'chain-incomplete',
      reason:
        `${what} was issued by ${issuer}, which the server did not send and which is not in ${where}: ` +
        'the server is probably not sending its intermediate certificate (or the issuer is a CA we do not trust).',
    };
  }
}

/**
 * How OpenSSL's chain building would end for `chain` (leaf first), where ours ended with `failure`.
 * It allows the same length as we do, MAX_PATH_LENGTH certificates, the last of them a trust
 * anchor; takes a self-issued certificate for self-signed by its names alone; and cannot link a
 * certificate with an extension it cannot decode to anything.
 */
function buildOutcome(failure: TrustFailure, chain: readonly ElementFacts[]): ChainBuildOutcome {
  const trusted = failure === 'none';
  if (chain.length > (trusted ? MAX_PATH_LENGTH : MAX_PATH_LENGTH - 1)) return 'too-long';
  if (!opensslCanLink(chain)) return 'issuer-not-found';
  // A self-issued leaf OpenSSL takes for self-signed is not linked to any issuer.
  if (chain.length > 1 && opensslSelfSigned(chain[0] as ElementFacts)) return 'leaf-self-signed';
  if (trusted) return 'trusted';
  const top = chain[chain.length - 1] as ElementFacts;
  if (!opensslSelfSigned(top)) return 'issuer-not-found';
  return chain.length === 1 ? 'leaf-self-signed' : 'root-self-signed';
}

/**
 * What OpenSSL would find checking what the server sent: where our path building stopped at an
 * issuer whose signature does not verify, OpenSSL goes on building above it and reports that fault
 * only later (after chain building, the extensions and the name), so the path is continued here
 * from that issuer as OpenSSL would.
 */
function opensslFacts(
  built: PathResult,
  others: X509Certificate[],
  store: TrustStore,
  facts: Facts,
  checked: Pick<OpensslChainFacts, 'nameMismatch' | 'now'>,
  purpose: Purpose,
): OpensslChainFacts {
  const certs = built.path.map((l) => l.cert);
  const signatureFails = certs.map(() => false);
  let result = built;
  while (result.misfit) {
    signatureFails[certs.length - 1] = true;
    // Like OpenSSL, never a certificate twice on the chain: so misfits cannot take us round in circles.
    result = buildPath(result.misfit.cert, others.filter((c) => !certs.some((x) => x.raw.equals(c.raw))), store, facts);
    for (const link of result.path) {
      certs.push(link.cert);
      signatureFails.push(false);
    }
  }
  const elements = certs.map((c) => facts.of(c));
  return {
    build: buildOutcome(result.failure, elements),
    ...checked,
    chain: opensslChainFacts(elements, purpose).map((c, i) => ({ ...c, signatureFails: signatureFails[i] as boolean })),
  };
}

function roleOf(link: Link, index: number): Role {
  if (index === 0) return 'leaf';
  return link.source === 'trust-store' ? 'trust-anchor' : 'intermediate';
}

/** The problems for people, and a one-paragraph reason built from them. */
function problemsOf(path: readonly Link[], infos: readonly CertInfo[], facts: Facts, now: number, purpose: Purpose = 'server'): ChainProblem[] {
  const elements: PathElement[] = path.map((link, i) => ({ facts: facts.of(link.cert), role: roleOf(link, i), label: displayName(infos[i] as CertInfo) }));
  return checkPath(elements, now, purpose).map((v) => {
    const e = elements[v.index] as PathElement;
    return { index: v.index, role: e.role, subject: e.label, rule: v.rule, detail: v.detail, opensslError: opensslError(v.symbol) };
  });
}

const ROLE_WORDS: Readonly<Record<Role, string>> = { leaf: "The server's certificate", intermediate: 'The intermediate certificate', 'trust-anchor': 'The root certificate' };

function problemReason(problems: readonly ChainProblem[]): string {
  const shown = problems.slice(0, 3).map((p) => `${ROLE_WORDS[p.role]} "${p.subject}" breaks a rule of path validation: ${p.detail}.`);
  const more = problems.length - shown.length;
  return [...shown, ...(more > 0 ? [`(${more} more problem(s) on the path.)`] : [])].join(' ');
}

/**
 * Verifies what a server presented: builds the path from the leaf to a trust anchor, checks every
 * signature, every certificate on the path against the rules of path validation (RFC 5280 §6.1),
 * the leaf's validity at `now`, and the names (RFC 6125). Never throws on bad input; examines at
 * most MAX_SENT_EXAMINED certificates.
 */
export function verifyChain(input: VerifyInput): CertVerdict {
  const verdict = verifyPresented(input);
  if (input.purpose !== 'client' || verdict.trustReason === null) return verdict;
  // The words are written for a server's chain; a client's is the same story told of the client.
  return { ...verdict, trustReason: verdict.trustReason.replace(/\b(The|the) server(’s|'s)? /g, (_m, the: string, s: string | undefined) => `${the} client${s ?? ''} `) };
}

function verifyPresented(input: VerifyInput): CertVerdict {
  const { trustStore, now, name, domain } = input;
  const purpose = input.purpose ?? 'server';
  const sentCount = input.chain.length;
  const chain = input.chain.slice(0, MAX_SENT_EXAMINED);
  const ignored = sentCount > chain.length ? ` (The server sent ${sentCount} certificates; we examined only the first ${MAX_SENT_EXAMINED}.)` : '';
  const ipTarget = input.ipTarget ?? null;
  const parsed = chain.map(parseCertificate);
  const readable = parsed.filter((c): c is X509Certificate => c !== null);
  const sent = readable.map((c) => describeX509(c, 'sent'));
  const leaf = parsed[0] ?? null;

  if (leaf === null) {
    return {
      sent,
      path: [],
      trusted: false,
      trustFailure: 'no-certificate',
      trustReason: chain.length === 0 ? 'The server sent no certificate.' : "The server's certificate could not be read: it is not valid DER.",
      checkedName: name,
      nameMatches: null,
      domainMatches: null,
      timeValid: false,
      daysLeft: 0,
      // OpenSSL never gets as far as verifying: the handshake has no certificate, or fails to decode it.
      opensslError: null,
      problems: [],
      sentCount,
    };
  }

  const facts = new Facts();
  // The leaf is among `readable` too: buildPath never takes a certificate already on the path.
  const built = buildPath(leaf, readable, trustStore, facts);
  const path = built.path.map((l) => describeX509(l.cert, l.source));
  const leafInfo = path[0] as CertInfo;
  const problems = problemsOf(built.path, path, facts, now, purpose);

  const notBefore = Date.parse(leafInfo.notBefore);
  const notAfter = Date.parse(leafInfo.notAfter);
  const timeValid = notBefore <= now && now <= notAfter;
  const daysLeft = Math.floor((notAfter - now) / DAY_MS);

  let nameMatches: boolean | null = null;
  if (name !== null) nameMatches = matchesHost(leaf, name);
  else if (ipTarget !== null) nameMatches = matchesIp(leaf, ipTarget);

  const invalid = built.trusted && problems.length > 0;
  const trustReason = invalid ? problemReason(problems) : built.reason === null ? null : built.reason + ignored;
  return {
    sent,
    path,
    trusted: built.trusted && !invalid,
    trustFailure: invalid ? 'chain-invalid' : built.failure,
    trustReason,
    checkedName: name,
    nameMatches,
    domainMatches: domain === null ? null : matchesDomain(leafInfo, domain),
    timeValid,
    daysLeft,
    opensslError: firstOpensslError(
      opensslFacts(built, readable, trustStore, facts, {
        // A receiver's OpenSSL checks no name on a client certificate: the name is ours to report, not its error.
        nameMismatch: purpose === 'client' || nameMatches !== false ? null : name !== null ? 'host' : 'ip',
        now,
      }, purpose),
    ),
    problems,
    sentCount,
  };
}

/** The path for a chain as sent plus fetched issuer certificates, with the DER of each element. */
export interface FetchedPath {
  /** Null when nothing was fetched and the chain as sent is complete, or has no readable leaf. */
  repair: Omit<ChainRepair, 'fetches'> | null;
  /** DER of each certificate on the best path (the repaired one when repair was tried), leaf first. */
  pathDer: Buffer[];
  /**
   * The certificate at the top of the best path whose issuer is still missing (its AIA caIssuers
   * URL is where to look next), or null when the path ends at a trust anchor, a root, or a fault
   * fetching cannot cure (a bad signature, a chain too long).
   */
  missingIssuerOf: Buffer | null;
}

/** Build failures that a fetched issuer certificate may cure: the issuer was not sent. */
const CURABLE: ReadonlySet<TrustFailure> = new Set(['chain-incomplete', 'untrusted-root']);

/**
 * Chain repair as Windows does it (Exchange, Exchange Online) and OpenSSL-based MTAs do not: the
 * path built from what the server sent plus issuer certificates fetched from AIA caIssuers URLs
 * (`fetched`, DER; unreadable ones are ignored). `repair` is null when the chain as sent needs no
 * repair (it reaches a trust anchor or a root of its own, or fails for another reason).
 */
export function repairChain(input: Omit<VerifyInput, 'name' | 'domain' | 'ipTarget'>, fetched: readonly Buffer[]): FetchedPath {
  const chain = input.chain.slice(0, MAX_SENT_EXAMINED);
  const parsed = chain.map(parseCertificate);
  const leaf = parsed[0] ?? null;
  if (leaf === null) return { repair: null, pathDer: [], missingIssuerOf: null };
  const readable = parsed.filter((c): c is X509Certificate => c !== null);
  const facts = new Facts();
  const asSent = buildPath(leaf, readable, input.trustStore, facts);
  const curable = (r: PathResult): boolean => CURABLE.has(r.failure) && !facts.of((r.path[r.path.length - 1] as Link).cert).selfIssued;
  const topOf = (r: PathResult): Buffer => (r.path[r.path.length - 1] as Link).cert.raw;
  if (!curable(asSent)) return { repair: null, pathDer: asSent.path.map((l) => l.cert.raw), missingIssuerOf: null };
  const extra = fetched
    .slice(0, MAX_SENT_EXAMINED)
    .map(parseCertificate)
    .filter((c): c is X509Certificate => c !== null && !readable.some((r) => r.raw.equals(c.raw)));
  const built = buildPath(leaf, readable, input.trustStore, facts, extra);
  const path = built.path.map((l) => describeX509(l.cert, l.source));
  const problems = built.trusted ? problemsOf(built.path, path, facts, input.now) : [];
  const repaired = built.trusted && problems.length === 0 && built.path.some((l) => l.source === 'aia');
  return {
    repair: {
      outcome: repaired ? 'repaired' : 'failed',
      path,
      trustFailure: built.trusted && problems.length > 0 ? 'chain-invalid' : built.failure,
      reason: built.trusted && problems.length > 0 ? problemReason(problems) : built.reason,
    },
    pathDer: built.path.map((l) => l.cert.raw),
    missingIssuerOf: curable(built) ? topOf(built) : null,
  };
}
