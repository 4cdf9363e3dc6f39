// The versioned policy profile: every threshold a check judges against lives here, as data.
export interface Profile {
  name: string;
  /** Bumped whenever a threshold changes: a saved report names the version it was judged with. */
  version: number;
  /** Certificates expiring within this many days are flagged (overridden by --warn-days). */
  expiryWarnDays: number;
  /** RSA keys below this many bits are flagged (OpenSSL security level 2 senders refuse them). */
  minRsaBits: number;
  /** Signature algorithms flagged as weak (names as describeCertificate reports them). */
  weakSignatureHashes: string[];
  /** Protocols below this are "old" (TLS 1.0 and 1.1 are deprecated by RFC 8996). */
  oldProtocols: string[];
  /** A banner slower than this is reported (info): normal anti-spam practice, but it slows every delivery. */
  slowBannerMs: number;
}

export const DEFAULT_PROFILE: Profile = {
  name: 'mxray-2026.11',
  version: 1,
  expiryWarnDays: 30,
  minRsaBits: 2048,
  weakSignatureHashes: ['md2', 'md4', 'md5', 'sha1'],
  oldProtocols: ['SSLv2', 'SSLv3', 'TLSv1', 'TLSv1.1'],
  slowBannerMs: 5000,
};
