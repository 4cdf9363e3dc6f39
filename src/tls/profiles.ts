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
