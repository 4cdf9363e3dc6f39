// The versioned policy profiles: every threshold a check judges against, as plain data. A check
// reads the profile it is handed and holds no threshold of its own (STYLE.md: "measure, then
// judge"; sslyze's versioned policy). A saved report names the profile and version it was judged
// with (judgedWith.profile), so changing any value below means bumping that profile's `version`.

export interface Profile {
  name: string;
  /** Bumped whenever a threshold changes: a saved report names the version it was judged with. */
  version: number;
  /** Certificates expiring within this many days are flagged (overridden by --warn-days). */
  expiryWarnDays: number;
  /** RSA keys below this many bits are flagged (OpenSSL security level 2 senders refuse them). */
  minRsaBits: number;
  /** EC keys below this many bits are flagged (TLS 1.3 and current clients offer no curve below P-256). */
  minEcBits: number;
  /**
   * The longest validity (notAfter − notBefore) the CA/Browser Forum Baseline Requirements allow a
   * publicly trusted TLS server certificate, by the date it was issued (its notBefore): each entry
   * holds from `from` (an ISO date, UTC; null: since ever) until the next one. Oldest first.
   */
  publicMaxValidity: { from: string | null; days: number }[];
  /** Signature algorithms flagged as weak (names as describeCertificate reports them). */
  weakSignatureHashes: string[];
  /** Protocols below this are "old" (TLS 1.0 and 1.1 are deprecated by RFC 8996). */
  oldProtocols: string[];
  /** A banner slower than this is reported (info): normal anti-spam practice, but it slows every delivery. */
  slowBannerMs: number;
  /**
   * The protocols a current sender negotiates (RFC 9325: TLS 1.2 and 1.3). When only the legacy
   * handshake works, any other protocol it agreed on is the reason the normal one failed.
   */
  currentProtocols: string[];
  /** AUTH mechanisms that send the password itself: offered before TLS, they invite it in clear text. */
  cleartextAuthMechanisms: string[];
}

/** The profile every run uses unless told otherwise. */
export const MXRAY_2026_11: Profile = {
  name: 'mxray-2026.11',
  // 2: minEcBits and publicMaxValidity added (EC keys below P-256 are weak; the BR's maximum validity).
  version: 2,
  expiryWarnDays: 30,
  minRsaBits: 2048,
  minEcBits: 256,
  // CA/Browser Forum ballot SC-081: 398 days until 2026-03-15, then 200, 100 and from 2029-03-15 47 days.
  publicMaxValidity: [
    { from: null, days: 398 },
    { from: '2026-03-15T00:00:00.000Z', days: 200 },
    { from: '2027-03-15T00:00:00.000Z', days: 100 },
    { from: '2029-03-15T00:00:00.000Z', days: 47 },
  ],
  weakSignatureHashes: ['md2', 'md4', 'md5', 'sha1'],
  oldProtocols: ['SSLv2', 'SSLv3', 'TLSv1', 'TLSv1.1'],
  slowBannerMs: 5000,
  currentProtocols: ['TLSv1.2', 'TLSv1.3'],
  cleartextAuthMechanisms: ['PLAIN', 'LOGIN'],
};

/** Every named profile, by name. */
export const PROFILES: Readonly<Record<string, Profile>> = {
  [MXRAY_2026_11.name]: MXRAY_2026_11,
};

export const DEFAULT_PROFILE: Profile = MXRAY_2026_11;

