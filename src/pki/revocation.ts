// Revocation answers for one certificate: a CRL or an OCSP response checked against the
// certificate and its issuer, and the OCSP request to send for it. Pure: bytes and a moment in, an
// answer out; fetching, files and the clock are the caller's. Every input is hostile: nothing here
// throws, sizes are bounded before anything is parsed, and whatever cannot be trusted is 'invalid'
// with one line saying why, for a mail administrator.
//
// CRLs are walked in place by der.ts (a CA's CRL can hold hundreds of thousands of entries);
// OCSP requests are written and responses read by der.ts too (RFC 6960's three small structures).
// Signatures and hashes are node:crypto's.
import { constants, createHash, verify, type KeyObject, type X509Certificate } from 'node:crypto';
import { parseCertificate, parseOpenSslTime } from './certificate.js';
import {
  KEY_USAGE,
  commonNamesOf,
  encodeOcspRequest,
  findCrlEntry,
  parseBasicConstraints,
  parseCrlDistributionPoints,
  parseCrlReason,
  parseExtendedKeyUsage,
  parseIssuingDistributionPoint,
  parseKeyUsage,
  readCertificateNames,
  readBasicOcspResponse,
  readCrl,
  readOcspResponse,
  readExtensions,
  readPublicKeyBits,
  readSerialNumber,
  readSubjectPublicKeyInfo,
  sameInteger,
  sameName,
  signatureAlgorithmName,
  signatureHash,
  type CertificateExtension,
} from './der.js';

/** What one CRL or OCSP response says about one certificate (the RevocationLookup of the report, without method and URL). */
export interface RevocationAnswer {
  /** 'good' / 'revoked': a verified answer; 'unknown': the OCSP responder does not know the certificate; 'invalid': an answer that cannot be trusted. */
  status: 'good' | 'revoked' | 'unknown' | 'invalid';
  /** Why, in one line, for every status but 'good'. */
  detail: string | null;
  revokedAt: string | null;
  /** RFC 5280 reason name (keyCompromise …); null when none was given. */
  reason: string | null;
  thisUpdate: string | null;
  nextUpdate: string | null;
}

/** The largest CRL read (bytes, DER or PEM). */
export const MAX_CRL_BYTES = 20 * 1024 * 1024;
/** The largest OCSP response read (bytes). */
export const MAX_OCSP_RESPONSE_BYTES = 1024 * 1024;
/** How far in the future an answer's thisUpdate may be (the CA's clock and ours differ). */
export const CLOCK_SKEW_MS = 5 * 60_000;
/** Most certificates of an OCSP response tried as its signer. */
export const MAX_RESPONSE_CERTS = 8;

/** CRLReason values by RFC 5280 name (7 is unused). */
const REASONS: Readonly<Record<number, string>> = {
  0: 'unspecified',
  1: 'keyCompromise',
  2: 'cACompromise',
  3: 'affiliationChanged',
  4: 'superseded',
  5: 'cessationOfOperation',
  6: 'certificateHold',
  8: 'removeFromCRL',
  9: 'privilegeWithdrawn',
  10: 'aACompromise',
};

const OID = {
  reasonCode: '2.5.29.21',
  crlNumber: '2.5.29.20',
  deltaCrlIndicator: '2.5.29.27',
  issuingDistributionPoint: '2.5.29.28',
  authorityKeyIdentifier: '2.5.29.35',
  freshestCrl: '2.5.29.46',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
  keyUsage: '2.5.29.15',
  extendedKeyUsage: '2.5.29.37',
  basicConstraints: '2.5.29.19',
  crlDistributionPoints: '2.5.29.31',
  ocspSigning: '1.3.6.1.5.5.7.3.9',
  ocspBasic: '1.3.6.1.5.5.7.48.1.1',
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
} as const;

/** CRL extensions this module understands (a critical one it does not makes the CRL unusable, RFC 5280 §5.2). */
const KNOWN_CRL_EXTENSIONS: ReadonlySet<string> = new Set([
  OID.crlNumber,
  OID.deltaCrlIndicator,
  OID.issuingDistributionPoint,
  OID.authorityKeyIdentifier,
  OID.freshestCrl,
  OID.authorityInfoAccess,
]);

/** Hashes an OCSP CertID may use, by OID. */
const CERT_ID_HASHES: Readonly<Record<string, string>> = { [OID.sha1]: 'sha1', [OID.sha256]: 'sha256' };

/** OCSPResponseStatus names (RFC 6960 §4.2.1). */
const RESPONSE_STATUSES: Readonly<Record<number, string>> = {
  1: 'malformedRequest',
  2: 'internalError',
  3: 'tryLater',
  5: 'sigRequired',
  6: 'unauthorized',
};

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function answer(status: RevocationAnswer['status'], detail: string | null, fields: Partial<RevocationAnswer> = {}): RevocationAnswer {
  return { status, detail, revokedAt: null, reason: null, thisUpdate: null, nextUpdate: null, ...fields };
}

/** A CRLReason's RFC 5280 name; null when none was given or the code is not one of RFC 5280's. */
function reasonName(code: number | null | undefined): string | null {
  return code === null || code === undefined ? null : (REASONS[code] ?? null);
}

const invalid = (detail: string, fields?: Partial<RevocationAnswer>): RevocationAnswer => answer('invalid', detail, fields);

/** The first line of an error's message, short: for "cannot be read" details. */
function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split('\n')[0] ?? '').slice(0, 200);
}

/** A name for people from a DER Name: its common name, else "an unnamed CA". */
function nameOf(nameDer: Buffer): string {
  return commonNamesOf(nameDer)[0] ?? 'a CA without a common name';
}

// ---- The certificate and its issuer

interface Pair {
  cert: X509Certificate;
  issuer: X509Certificate;
  certDer: Buffer;
  serial: Buffer;
  issuerSubject: Buffer;
  /** The issuer's subjectPublicKey bits (what OCSP's issuerKeyHash hashes). */
  issuerKeyBits: Buffer;
}

/** The certificate and its issuer, read and checked to belong together; a detail when they cannot be used. */
function readPair(certDer: Buffer, issuerDer: Buffer): Pair | string {
  const cert = Buffer.isBuffer(certDer) ? parseCertificate(certDer) : null;
  const serial = cert && readSerialNumber(certDer);
  if (!cert || !serial) return 'the certificate cannot be read';
  const issuer = Buffer.isBuffer(issuerDer) ? parseCertificate(issuerDer) : null;
  const issuerSubject = issuer && readCertificateNames(issuerDer)?.subject;
  const spki = issuer && readSubjectPublicKeyInfo(issuerDer);
  const issuerKeyBits = spki && readPublicKeyBits(spki);
  if (!issuer || !issuerSubject || !issuerKeyBits) return "the issuer's certificate cannot be read";
  if (!cert.checkIssued(issuer) || !verifiesCertificate(cert, issuer.publicKey)) return 'the certificate was not issued by the certificate given as its issuer';
  return { cert, issuer, certDer, serial, issuerSubject, issuerKeyBits };
}

function verifiesCertificate(cert: X509Certificate, key: KeyObject): boolean {
  try {
    return cert.verify(key);
  } catch {
    return false;
  }
}

function extensionsOf(der: Buffer): CertificateExtension[] {
  return readExtensions(der) ?? [];
}

// ---- Signatures

/** The key types each signature algorithm family may be verified with. */
const FAMILY_KEYS: Readonly<Record<string, readonly string[]>> = {
  rsa: ['rsa'],
  pss: ['rsa', 'rsa-pss'],
  ecdsa: ['ec'],
  dsa: ['dsa'],
  ed25519: ['ed25519'],
  ed448: ['ed448'],
};

function familyOf(name: string): string | null {
  if (name.endsWith('WithRSAEncryption')) return 'rsa';
  if (name.startsWith('RSASSA-PSS')) return 'pss';
  if (name.startsWith('ecdsa-with-')) return 'ecdsa';
  if (name.startsWith('dsa-with-')) return 'dsa';
  if (name === 'Ed25519') return 'ed25519';
  if (name === 'Ed448') return 'ed448';
  return null;
}

type SignatureCheck = 'verified' | 'failed' | { unsupported: string };

/** Whether `signature` over `data` verifies with `key` under the algorithm named by `oid` (and its parameters). */
function checkSignature(data: Buffer, signature: Buffer, algorithm: { oid: string; params: Buffer | null }, key: KeyObject): SignatureCheck {
  const name = signatureAlgorithmName(algorithm.oid);
  const family = familyOf(name);
  const hash = signatureHash(algorithm.oid, algorithm.params);
  const needsHash = family !== 'ed25519' && family !== 'ed448';
  if (family === null || (needsHash && (hash === null || hash.startsWith('md')))) return { unsupported: name };
  if (!(FAMILY_KEYS[family] ?? []).includes(key.asymmetricKeyType ?? '')) return 'failed';
  try {
    const keyInput = family === 'pss' ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO } : key;
    return verify(needsHash ? hash : null, data, keyInput, signature) ? 'verified' : 'failed';
  } catch {
    return 'failed';
  }
}

// ---- CRLs

const PEM_CRL = /^\s*-----BEGIN X509 CRL-----\r?\n([A-Za-z0-9+/=\s]*?)-----END X509 CRL-----\s*$/;

/** A CRL's DER: the bytes themselves, or the contents of a PEM "X509 CRL" block; null when the bytes are PEM but not one CRL block. */
export function crlDer(bytes: Buffer): Buffer | null {
  if (!Buffer.isBuffer(bytes)) return null;
  // DER starts with a SEQUENCE tag; anything that starts as text is read as PEM.
  if (bytes[0] === 0x30) return bytes;
  const m = PEM_CRL.exec(bytes.toString('latin1'));
  return m ? Buffer.from((m[1] as string).replace(/\s+/g, ''), 'base64') : null;
}

/**
 * A CRL (DER or PEM) checked for `cert` (DER) issued by `issuer` (DER): the CRL's issuer must be the
 * issuer's subject and its signature verify with the issuer's key; then the serial is looked up.
 * `now` (epoch ms): a CRL past its nextUpdate is still read (good / revoked, with nextUpdate for the
 * caller to judge staleness), but one whose thisUpdate is in the future (beyond CLOCK_SKEW_MS) is invalid.
 */
export async function checkCrl(crl: Buffer, cert: Buffer, issuer: Buffer, now: number): Promise<RevocationAnswer> {
  try {
    return checkCrlNow(crl, cert, issuer, now);
  } catch (error) {
    return invalid(`the CRL could not be checked: ${firstLine(error)}`);
  }
}

function checkCrlNow(bytes: Buffer, certDer: Buffer, issuerDer: Buffer, now: number): RevocationAnswer {
  if (!Buffer.isBuffer(bytes)) return invalid('the CRL cannot be read: no bytes');
  if (bytes.length > MAX_CRL_BYTES) return invalid(`the CRL is larger than ${MAX_CRL_BYTES / 1024 / 1024} MiB (${bytes.length} bytes): not read`);
  const pair = readPair(certDer, issuerDer);
  if (typeof pair === 'string') return invalid(pair);
  const der = crlDer(bytes);
  if (!der) return invalid('the CRL cannot be read: it is neither DER nor a PEM "X509 CRL" block');
  const crl = readCrl(der);
  if (!crl) return invalid('the CRL cannot be read: its DER is malformed or truncated');
  if (!sameName(crl.issuer, pair.issuerSubject)) {
    return invalid(`the CRL was published by "${nameOf(crl.issuer)}", not by the certificate's issuer "${nameOf(pair.issuerSubject)}"`);
  }
  const usage = extensionsOf(issuerDer).find((e) => e.oid === OID.keyUsage);
  const bits = usage ? parseKeyUsage(usage.value) : null;
  if (usage && (bits === null || (bits & KEY_USAGE.cRLSign) === 0)) return invalid("the issuer's certificate may not sign CRLs (its keyUsage lacks cRLSign)");
  if (!crl.algorithmsMatch) return invalid('the CRL names two different signature algorithms (outside and inside its signed part)');
  const signed = checkSignature(crl.tbs, crl.signature, crl.signatureAlgorithm, pair.issuer.publicKey);
  if (typeof signed === 'object') return invalid(`the CRL is signed with ${signed.unsupported}, which mxray does not verify`);
  if (signed === 'failed') return invalid("the CRL's signature does not verify with the issuer's key");

  const dates = { thisUpdate: iso(crl.thisUpdate), nextUpdate: crl.nextUpdate === null ? null : iso(crl.nextUpdate) };
  const scope = crlScopeProblem(crl.extensions, certDer);
  if (scope) return invalid(scope, dates);
  if (crl.thisUpdate > now + CLOCK_SKEW_MS) return invalid(`the CRL is dated in the future (thisUpdate ${dates.thisUpdate}): the CA's clock or this one is wrong`, dates);
  const entry = findCrlEntry(crl.entries, pair.serial);
  if (entry === 'malformed') return invalid("the CRL's list of revoked certificates cannot be read", dates);
  if (entry === null) return answer('good', null, dates);
  const reasonExtension = entry.extensions.find((e) => e.oid === OID.reasonCode);
  const reason = reasonName(reasonExtension ? parseCrlReason(reasonExtension.value) : null);
  const revokedAt = iso(entry.revokedAt);
  return answer('revoked', `the CRL lists the certificate as revoked since ${revokedAt}${reason ? ` (${reason})` : ''}`, { ...dates, revokedAt, reason });
}

/** Why a CRL (signature verified) does not cover this certificate completely; null when it does. */
function crlScopeProblem(extensions: readonly CertificateExtension[], certDer: Buffer): string | null {
  for (const ext of extensions) {
    if (ext.critical && !KNOWN_CRL_EXTENSIONS.has(ext.oid)) return `the CRL carries a critical extension mxray does not understand (${ext.oid})`;
  }
  if (extensions.some((e) => e.oid === OID.deltaCrlIndicator)) return 'the CRL is a delta CRL (only the changes since a base CRL), not a complete list';
  const idpExtension = extensions.find((e) => e.oid === OID.issuingDistributionPoint);
  if (!idpExtension) return null;
  const idp = parseIssuingDistributionPoint(idpExtension.value);
  if (!idp) return "the CRL's issuingDistributionPoint cannot be read";
  if (idp.indirectCrl) return 'the CRL is an indirect CRL (entries for other CAs), which mxray does not read';
  if (idp.onlySomeReasons) return 'the CRL covers only some revocation reasons, not all';
  if (idp.onlyAttributeCerts) return 'the CRL covers only attribute certificates';
  const certExtensions = extensionsOf(certDer);
  const constraints = certExtensions.find((e) => e.oid === OID.basicConstraints);
  const isCa = constraints !== undefined && parseBasicConstraints(constraints.value)?.ca === true;
  if (idp.onlyCaCerts && !isCa) return 'the CRL covers only CA certificates, and this one is not a CA';
  if (idp.onlyUserCerts && isCa) return 'the CRL covers only end-entity certificates, and this one is a CA';
  if (idp.relativeName) return 'the CRL names its distribution point relative to its issuer, which mxray does not match';
  if (idp.uris !== null) {
    const points = certExtensions.find((e) => e.oid === OID.crlDistributionPoints);
    const certUris = (points && parseCrlDistributionPoints(points.value)) ?? [];
    if (!idp.uris.some((uri) => certUris.includes(uri))) {
      return `the CRL covers another part of the CA's certificates (its distribution point ${idp.uris[0] ?? '(none)'} is not in the certificate)`;
    }
  }
  return null;
}

// ---- OCSP

/** The CertID hashes of this certificate under `hash`. */
function certIdHashes(pair: Pair, hash: string): { nameHash: Buffer; keyHash: Buffer } {
  return {
    nameHash: createHash(hash).update(pair.issuerSubject).digest(),
    keyHash: createHash(hash).update(pair.issuerKeyBits).digest(),
  };
}

/** The DER OCSPRequest for `cert` issued by `issuer`: one CertID with SHA-1 (what responders expect), no nonce, unsigned. Null when either certificate cannot be read. */
export function ocspRequest(cert: Buffer, issuer: Buffer): Buffer | null {
  const pair = readPair(cert, issuer);
  if (typeof pair === 'string') return null;
  const { nameHash, keyHash } = certIdHashes(pair, 'sha1');
  return encodeOcspRequest(OID.sha1, nameHash, keyHash, pair.serial);
}

/**
 * An OCSPResponse (DER) checked for `cert` issued by `issuer`: a successful response with an answer
 * for this certificate's CertID (SHA-1 or SHA-256), signed by the issuer or by a responder
 * certificate in the response that the issuer signed with the OCSPSigning EKU and that is valid at
 * `now`; thisUpdate not in the future (beyond CLOCK_SKEW_MS) and nextUpdate, when given, not passed.
 */
export function checkOcspResponse(response: Buffer, cert: Buffer, issuer: Buffer, now: number): RevocationAnswer {
  try {
    return checkOcspNow(response, cert, issuer, now);
  } catch (error) {
    return invalid(`the OCSP response cannot be read: ${firstLine(error)}`);
  }
}

function checkOcspNow(bytes: Buffer, certDer: Buffer, issuerDer: Buffer, now: number): RevocationAnswer {
  if (!Buffer.isBuffer(bytes) || bytes.length === 0) return invalid('the OCSP response cannot be read: it is empty');
  if (bytes.length > MAX_OCSP_RESPONSE_BYTES) return invalid(`the OCSP response is larger than ${MAX_OCSP_RESPONSE_BYTES / 1024 / 1024} MiB (${bytes.length} bytes): not read`);
  const pair = readPair(certDer, issuerDer);
  if (typeof pair === 'string') return invalid(pair);
  const response = readOcspResponse(bytes);
  if (!response) return invalid('the OCSP response cannot be read: it is not a DER OCSPResponse (malformed or truncated)');
  if (response.status !== 0) {
    const name = RESPONSE_STATUSES[response.status] ?? `status ${response.status}`;
    return invalid(`the OCSP responder answered ${name} instead of a certificate status`);
  }
  const body = response.body;
  if (!body) return invalid('the OCSP response is marked successful but holds no answer');
  if (body.type !== OID.ocspBasic) return invalid(`the OCSP response is of a type mxray does not read (${body.type})`);
  const basic = readBasicOcspResponse(body.response);
  if (!basic) return invalid('the OCSP response cannot be read: its BasicOCSPResponse is malformed or truncated');

  // The answer about this certificate, then who signed it: the issuer, or a responder certificate the issuer authorised.
  const single = basic.answers.find((r) => {
    const hash = CERT_ID_HASHES[r.hashOid];
    if (!hash) return false;
    const ours = certIdHashes(pair, hash);
    return ours.nameHash.equals(r.nameHash) && ours.keyHash.equals(r.keyHash) && sameInteger(r.serial, pair.serial);
  });
  if (!single) return invalid('the OCSP response is about another certificate (none of its answers is for this one, by SHA-1 or SHA-256 CertID)');
  const byIssuer = checkSignature(basic.tbs, basic.signature, basic.signatureAlgorithm, pair.issuer.publicKey);
  if (typeof byIssuer === 'object') return invalid(`the OCSP response is signed with ${byIssuer.unsupported}, which mxray does not verify`);
  if (byIssuer === 'failed') {
    const problem = delegationProblem(basic.certs, basic.tbs, basic.signature, basic.signatureAlgorithm, pair, now);
    if (problem) return invalid(problem);
  }
  const dates = { thisUpdate: iso(single.thisUpdate), nextUpdate: single.nextUpdate === null ? null : iso(single.nextUpdate) };
  if (single.thisUpdate > now + CLOCK_SKEW_MS) return invalid(`the OCSP answer is dated in the future (thisUpdate ${dates.thisUpdate}): the responder's clock or this one is wrong`, dates);
  if (single.nextUpdate !== null && single.nextUpdate < now) return invalid(`the OCSP answer is out of date (its nextUpdate ${dates.nextUpdate} has passed)`, dates);
  if (single.status === 'revoked') {
    const revokedAt = iso(single.revokedAt as number);
    const reason = reasonName(single.reason);
    return answer('revoked', `the OCSP responder says the certificate is revoked since ${revokedAt}${reason ? ` (${reason})` : ''}`, { ...dates, revokedAt, reason });
  }
  if (single.status === 'unknown') return answer('unknown', 'the OCSP responder does not know this certificate', dates);
  return answer('good', null, dates);
}

/**
 * When the issuer's key did not sign the response: whether a certificate included in it did, and
 * may (issued by the issuer, OCSPSigning EKU, valid at `now`). Null when one did and may; else why not.
 */
function delegationProblem(
  certs: readonly Buffer[],
  signed: Buffer,
  signature: Buffer,
  algorithm: { oid: string; params: Buffer | null },
  pair: Pair,
  now: number,
): string | null {
  for (const der of certs.slice(0, MAX_RESPONSE_CERTS)) {
    const responder = parseCertificate(der);
    if (!responder || checkSignature(signed, signature, algorithm, responder.publicKey) !== 'verified') continue;
    const who = nameOf(readCertificateNames(der)?.subject ?? Buffer.alloc(0));
    if (!responder.checkIssued(pair.issuer) || !verifiesCertificate(responder, pair.issuer.publicKey)) {
      return `the OCSP response is signed by "${who}", a certificate the issuer did not issue (not signed with the issuer's key)`;
    }
    const eku = extensionsOf(der).find((e) => e.oid === OID.extendedKeyUsage);
    if (!(eku && parseExtendedKeyUsage(eku.value)?.includes(OID.ocspSigning))) {
      return `the OCSP response is signed by "${who}", a certificate the issuer did not authorise (no OCSPSigning EKU)`;
    }
    const from = parseOpenSslTime(responder.validFrom);
    const to = parseOpenSslTime(responder.validTo);
    if (from === null || to === null || now < from || now > to) {
      const span = from === null || to === null ? 'unreadable dates' : `valid ${iso(from)} to ${iso(to)}`;
      return `the OCSP response is signed by "${who}", a responder certificate not valid at this time (${span})`;
    }
    return null;
  }
  return "the OCSP response's signature does not verify with the issuer's key, nor with any certificate included in it";
}
