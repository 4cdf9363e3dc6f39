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
  // 24 up to OpenSSL 1.1.1; OpenSSL 3 gave 24 to X509_V_ERR_NO_ISSUER_PUBLIC_KEY.
  INVALID_CA: { code: 79, name: 'invalid CA certificate', otherNames: [] },
  HOSTNAME_MISMATCH: { code: 62, name: 'hostname mismatch', otherNames: [] },
  IP_ADDRESS_MISMATCH: { code: 64, name: 'IP address mismatch', otherNames: [] },
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
  /** No issuer for the last certificate among those sent or in the trust store. */
  | 'issuer-not-found'
  /** Longer than the depth allowed (as long as it, without ending at a trust anchor). */
  | 'too-long';

/** What OpenSSL would find along the chain it builds, leaf first. */
export interface OpensslChainFacts {
  build: ChainBuildOutcome;
  /** A certificate on the chain issued another but is not a CA (OpenSSL's check_extensions). */
  issuerNotCa: boolean;
  /** What was checked and does not match: the host name (OpenSSL's -verify_hostname) or the IP address (-verify_ip). */
  nameMismatch: 'host' | 'ip' | null;
  /**
   * The chain, leaf first, up to its trust anchor: each certificate's validity (epoch ms) and
   * whether its signature fails to verify with the key of the next one up.
   */
  chain: readonly { notBefore: number; notAfter: number; signatureFails: boolean }[];
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

/**
 * The error OpenSSL's X509_verify_cert reports first (what `openssl verify` prints, and the first
 * "verify error" an MTA logs), following its order of checks: building the chain (18, 19, 20, 22),
 * then the extensions (79), the name (62, 64), then from the top of the chain down to the leaf
 * each certificate's signature (7) and validity (9, 10). Null when it would report none.
 */
export function firstOpensslError(facts: OpensslChainFacts): OpensslVerifyError | null {
  const symbol = firstErrorSymbol(facts);
  if (symbol === null) return null;
  const { code, name } = OPENSSL_VERIFY_ERRORS[symbol];
  return { code, name };
}

function firstErrorSymbol(facts: OpensslChainFacts): OpensslErrorSymbol | null {
  const build = BUILD_ERRORS[facts.build];
  if (build !== null) return build;
  if (facts.issuerNotCa) return 'INVALID_CA';
  if (facts.nameMismatch !== null) return NAME_ERRORS[facts.nameMismatch];
  // OpenSSL compares whole seconds (as certificates give them), and up to 3.5 counts notAfter's
  // own second as expired (later versions as valid, as RFC 5280 says).
  const { now } = facts;
  for (let depth = facts.chain.length - 1; depth >= 0; depth--) {
    const cert = facts.chain[depth] as OpensslChainFacts['chain'][number];
    if (cert.signatureFails) return 'CERT_SIGNATURE_FAILURE';
    if (now < cert.notBefore) return 'CERT_NOT_YET_VALID';
    if (now >= cert.notAfter) return 'CERT_HAS_EXPIRED';
  }
  return null;
}
