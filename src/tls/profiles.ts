// TLS client profiles as data: what a handshake offers. The connector applies one per handshake;
// a deep scan will add one profile per protocol version or cipher to enumerate what a server takes.
import type { TlsClientProfile } from '../core/context.js';

/** Our regular handshake: what current senders offer (Node's defaults: TLS 1.2 and 1.3, its cipher list). */
export const TLS_NORMAL: TlsClientProfile = { name: 'normal', minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3', ciphers: null, minDhBits: null };

/**
 * The retry after a failed handshake, to tell why it failed: TLS 1.0 to 1.2, every cipher
 * including eNULL, OpenSSL security level 0, and the 512- and 768-bit DH groups old servers use.
 */
export const TLS_LEGACY: TlsClientProfile = { name: 'legacy', minVersion: 'TLSv1', maxVersion: 'TLSv1.2', ciphers: 'ALL:eNULL:@SECLEVEL=0', minDhBits: 1 };

/** RSA signature algorithms (TLS 1.3 PSS, TLS 1.2 PKCS#1 and PSS): a server with an RSA and an ECDSA certificate presents the RSA one. */
const RSA_SIGALGS = 'rsa_pss_rsae_sha256:rsa_pss_rsae_sha384:rsa_pss_rsae_sha512:rsa_pkcs1_sha256:rsa_pkcs1_sha384:rsa_pkcs1_sha512:rsa_pss_pss_sha256:rsa_pss_pss_sha384:rsa_pss_pss_sha512';
/** ECDSA signature algorithms only: the same server presents its ECDSA certificate. */
const ECDSA_SIGALGS = 'ecdsa_secp256r1_sha256:ecdsa_secp384r1_sha384:ecdsa_secp521r1_sha512';

/** DANE matches every certificate a sender may be shown: one handshake per key type. */
export const TLS_RSA_ONLY: TlsClientProfile = { ...TLS_NORMAL, name: 'RSA signatures only', sigalgs: RSA_SIGALGS };
export const TLS_ECDSA_ONLY: TlsClientProfile = { ...TLS_NORMAL, name: 'ECDSA signatures only', sigalgs: ECDSA_SIGALGS };
