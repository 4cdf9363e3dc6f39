// OpenSSL's certificate verify errors, as MTA logs print them ("verify error:num=20:unable to get
// local issuer certificate" from Postfix, "SSL verify error: depth=0 error=certificate has expired"
// from Exim), and the rule that picks the one OpenSSL would report first for a chain we judged.
// Numbers and texts are OpenSSL 3's (include/openssl/x509_vfy.h, crypto/x509/x509_txt.c).

export interface OpensslVerifyError {
  /** X509_V_ERR_… number. */
  code: number;
  /** The text after the number, as OpenSSL 3.0 to 3.5 print it (X509_verify_cert_error_string). */
  name: string;
}

interface TableEntry extends OpensslVerifyError {
  /** The same error as other OpenSSL versions print it (log lines from older or newer systems). */
  otherNames: readonly string[];
}

/** The errors our verdicts map to, by OpenSSL's symbol without the X509_V_ERR_ prefix. */
export const OPENSSL_VERIFY_ERRORS = {
  // Among others: too many names and name constraints to compare (NAME_CONSTRAINTS_check).
  UNSPECIFIED: { code: 1, name: 'unspecified certificate verification error', otherNames: [] },
  UNABLE_TO_GET_ISSUER_CERT: { code: 2, name: 'unable to get issuer certificate', otherNames: [] },
  CERT_SIGNATURE_FAILURE: { code: 7, name: 'certificate signature failure', otherNames: [] },
  // OpenSSL 3.6 added the hint about the clock.
  CERT_NOT_YET_VALID: { code: 9, name: 'certificate is not yet valid', otherNames: ['certificate is not yet valid or the system clock is incorrect'] },
  CERT_HAS_EXPIRED: { code: 10, name: 'certificate has expired', otherNames: [] },
  // OpenSSL 1.1.1 and older wrote "self signed" without the hyphen.
  DEPTH_ZERO_SELF_SIGNED_CERT: { code: 18, name: 'self-signed certificate', otherNames: ['self signed certificate'] },
  SELF_SIGNED_CERT_IN_CHAIN: {
    code: 19,
    name: 'self-signed certificate in certificate chain',
    otherNames: ['self signed certificate in certificate chain'],
  },
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: { code: 20, name: 'unable to get local issuer certificate', otherNames: [] },
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: { code: 21, name: 'unable to verify the first certificate', otherNames: [] },
  CERT_CHAIN_TOO_LONG: { code: 22, name: 'certificate chain too long', otherNames: [] },
  PATH_LENGTH_EXCEEDED: { code: 25, name: 'path length constraint exceeded', otherNames: [] },
  INVALID_PURPOSE: { code: 26, name: 'unsuitable certificate purpose', otherNames: [] },
  KEYUSAGE_NO_CERTSIGN: { code: 32, name: 'key usage does not include certificate signing', otherNames: [] },
  UNHANDLED_CRITICAL_EXTENSION: { code: 34, name: 'unhandled critical extension', otherNames: [] },
  PERMITTED_VIOLATION: { code: 47, name: 'permitted subtree violation', otherNames: [] },
  EXCLUDED_VIOLATION: { code: 48, name: 'excluded subtree violation', otherNames: [] },
  SUBTREE_MINMAX: { code: 49, name: 'name constraints minimum and maximum not supported', otherNames: [] },
  HOSTNAME_MISMATCH: { code: 62, name: 'hostname mismatch', otherNames: [] },
  IP_ADDRESS_MISMATCH: { code: 64, name: 'IP address mismatch', otherNames: [] },
  // 24 up to OpenSSL 1.1.1; OpenSSL 3 gave 24 to X509_V_ERR_NO_ISSUER_PUBLIC_KEY.
  INVALID_CA: { code: 79, name: 'invalid CA certificate', otherNames: [] },
  // Reported only with -x509_strict (X509_V_FLAG_X509_STRICT), which MTAs do not set.
  ISSUER_NAME_EMPTY: { code: 83, name: 'Issuer name empty', otherNames: [] },
} as const satisfies Record<string, TableEntry>;

export type OpensslErrorSymbol = keyof typeof OPENSSL_VERIFY_ERRORS;

/** Why OpenSSL's chain building would stop, in its terms. */
export type ChainBuildOutcome =
  /** It reached a trust anchor. */
  | 'trusted'
  /** The leaf alone, self-signed (by its names: OpenSSL does not check that signature) and not trusted. */
  | 'leaf-self-signed'
  /** The chain ends at a self-signed certificate above the leaf that is not trusted. */
  | 'root-self-signed'
  /** No issuer for the last certificate among those sent or in the trust store (also: a certificate OpenSSL cannot use). */
  | 'issuer-not-found'
  /** Longer than the depth allowed (as long as it, without ending at a trust anchor). */
  | 'too-long';

/** What OpenSSL would find about one certificate of the chain it builds. */
export interface OpensslCertFacts {
  /** Validity, epoch ms. */
  notBefore: number;
  notAfter: number;
  /** Its signature fails to verify with the key of the next one up. */
  signatureFails: boolean;
  /** The first error of OpenSSL's extension checks for it (check_extensions, in its order: 34, 79, 26, 25), or null. */
  extensionError: OpensslErrorSymbol | null;
  /** It issued the certificate below it, but its keyUsage lacks keyCertSign (32, raised before that certificate's signature is checked). */
  cannotSign: boolean;
  /** The first name-constraint error for its names (47, 48, 49; 1 when there are too many to compare), or null. */
  nameConstraintError: OpensslErrorSymbol | null;
}

/** What OpenSSL would find along the chain it builds, leaf first. */
export interface OpensslChainFacts {
  build: ChainBuildOutcome;
  /** What was checked and does not match: the host name (OpenSSL's -verify_hostname) or the IP address (-verify_ip). */
  nameMismatch: 'host' | 'ip' | null;
  /** The chain, leaf first, up to its trust anchor. */
  chain: readonly OpensslCertFacts[];
  /** The time we judge at, epoch ms. */
  now: number;
}

const BUILD_ERRORS: Readonly<Record<ChainBuildOutcome, OpensslErrorSymbol | null>> = {
  trusted: null,
  'leaf-self-signed': 'DEPTH_ZERO_SELF_SIGNED_CERT',
  'root-self-signed': 'SELF_SIGNED_CERT_IN_CHAIN',
  'issuer-not-found': 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'too-long': 'CERT_CHAIN_TOO_LONG',
};

const NAME_ERRORS: Readonly<Record<'host' | 'ip', OpensslErrorSymbol>> = { host: 'HOSTNAME_MISMATCH', ip: 'IP_ADDRESS_MISMATCH' };

/** The number and text OpenSSL prints for an error. */
export function opensslError(symbol: OpensslErrorSymbol): OpensslVerifyError {
  const { code, name } = OPENSSL_VERIFY_ERRORS[symbol];
  return { code, name };
}

/**
 * The error OpenSSL's X509_verify_cert reports first (what `openssl verify` prints, and the first
 * "verify error" an MTA logs), following its order of checks (verify_chain in x509_vfy.c): building
 * the chain (18, 19, 20, 22); the extensions, leaf first (34, 79, 26, 25); the name (62, 64); then
 * from the top of the chain down to the leaf, each issuer's key usage (32), each certificate's
 * signature (7) and validity (9, 10); last the name constraints, from the top down (47, 48, 49, 1).
 * Null when it would report none.
 */
export function firstOpensslError(facts: OpensslChainFacts): OpensslVerifyError | null {
  const symbol = firstErrorSymbol(facts);
  return symbol === null ? null : opensslError(symbol);
}

function firstErrorSymbol(facts: OpensslChainFacts): OpensslErrorSymbol | null {
  const build = BUILD_ERRORS[facts.build];
  if (build !== null) return build;
  const extension = facts.chain.find((c) => c.extensionError !== null);
  if (extension) return extension.extensionError;
  if (facts.nameMismatch !== null) return NAME_ERRORS[facts.nameMismatch];
  // OpenSSL compares whole seconds (as certificates give them), and up to 3.5 counts notAfter's
  // own second as expired (later versions as valid, as RFC 5280 says).
  const { now, chain } = facts;
  for (let depth = chain.length - 1; depth >= 0; depth--) {
    const cert = chain[depth] as OpensslCertFacts;
    if (chain[depth + 1]?.cannotSign) return 'KEYUSAGE_NO_CERTSIGN';
    if (cert.signatureFails) return 'CERT_SIGNATURE_FAILURE';
    if (now < cert.notBefore) return 'CERT_NOT_YET_VALID';
    if (now >= cert.notAfter) return 'CERT_HAS_EXPIRED';
  }
  for (let depth = chain.length - 1; depth >= 0; depth--) {
    const error = (chain[depth] as OpensslCertFacts).nameConstraintError;
    if (error !== null) return error;
  }
  return null;
}
