// What `mxray cert` shows of a certificate beyond CertInfo: its key usages, where its issuer's
// certificate, CRL and OCSP responder are published, embedded SCTs, must-staple and the CA/Browser
// Forum validation level. Pure, from the DER, never throws: an extension that cannot be read is
// named in `unreadable` (and its field left empty), so nothing is silently missing.
import { EKU_NAMES } from './chain-rules.js';
import {
  KEY_USAGE,
  parseAuthorityInfoAccess,
  parseCertificatePolicies,
  parseCrlDistributionPoints,
  parseExtendedKeyUsage,
  parseKeyUsage,
  parseSctList,
  parseTlsFeature,
  readExtensions,
} from './der.js';

export interface CertDetails {
  /** keyUsage bit names (RFC 5280 §4.2.1.3), null when the certificate has none. */
  keyUsage: string[] | null;
  /** extendedKeyUsage names (serverAuth …; unknown ones as OIDs), null when the certificate has none. */
  extendedKeyUsage: string[] | null;
  /** Where the issuer's certificate is published (authorityInfoAccess caIssuers), for chain repair. */
  caIssuers: string[];
  /** OCSP responders (authorityInfoAccess). */
  ocsp: string[];
  /** CRL distribution point URIs. */
  crl: string[];
  /** Log ids (hex) of the SCTs embedded in the certificate (certificate transparency), in order. */
  scts: string[];
  /** TLS feature status_request (RFC 7633): clients that honour it require a stapled OCSP response. */
  mustStaple: boolean;
  /** certificatePolicies OIDs. */
  policies: string[];
  /** The CA/Browser Forum validation level its policies claim: domain, organisation, individual, extended; null when none. */
  validation: 'DV' | 'OV' | 'IV' | 'EV' | null;
  /** Extensions present but unreadable (by name), or "the extensions" when the list itself is broken. */
  unreadable: string[];
}

const KEY_USAGE_NAMES: readonly [number, string][] = [
  [KEY_USAGE.digitalSignature, 'digitalSignature'],
  [KEY_USAGE.nonRepudiation, 'nonRepudiation'],
  [KEY_USAGE.keyEncipherment, 'keyEncipherment'],
  [KEY_USAGE.dataEncipherment, 'dataEncipherment'],
  [KEY_USAGE.keyAgreement, 'keyAgreement'],
  [KEY_USAGE.keyCertSign, 'keyCertSign'],
  [KEY_USAGE.cRLSign, 'cRLSign'],
  [1 << 7, 'encipherOnly'],
  [1 << 8, 'decipherOnly'],
];

/** CA/Browser Forum reserved policy OIDs (Baseline Requirements §7.1.6.1, EV Guidelines). */
const CABF_POLICIES: Readonly<Record<string, CertDetails['validation']>> = {
  '2.23.140.1.2.1': 'DV',
  '2.23.140.1.2.2': 'OV',
  '2.23.140.1.2.3': 'IV',
  '2.23.140.1.1': 'EV',
};
const VALIDATION_RANK: readonly NonNullable<CertDetails['validation']>[] = ['DV', 'IV', 'OV', 'EV'];

/** TLS feature status_request: OCSP must-staple. */
const STATUS_REQUEST = 5;

const EXTENSIONS = {
  keyUsage: '2.5.29.15',
  extendedKeyUsage: '2.5.29.37',
  authorityInfoAccess: '1.3.6.1.5.5.7.1.1',
  crlDistributionPoints: '2.5.29.31',
  scts: '1.3.6.1.4.1.11129.2.4.2',
  tlsFeature: '1.3.6.1.5.5.7.1.24',
  certificatePolicies: '2.5.29.32',
} as const;

export function readCertDetails(der: Buffer): CertDetails {
  const out: CertDetails = {
    keyUsage: null,
    extendedKeyUsage: null,
    caIssuers: [],
    ocsp: [],
    crl: [],
    scts: [],
    mustStaple: false,
    policies: [],
    validation: null,
    unreadable: [],
  };
  const extensions = readExtensions(der);
  if (extensions === null) {
    out.unreadable.push('the extensions');
    return out;
  }
  /** The value of the extension, or undefined when absent; a reader's null goes to `unreadable`. */
  const read = <T>(name: keyof typeof EXTENSIONS, parse: (value: Buffer) => T | null): T | undefined => {
    const ext = extensions.find((e) => e.oid === EXTENSIONS[name]);
    if (!ext) return undefined;
    const value = parse(ext.value);
    if (value === null) {
      out.unreadable.push(name);
      return undefined;
    }
    return value;
  };
  const ku = read('keyUsage', parseKeyUsage);
  if (ku !== undefined) out.keyUsage = KEY_USAGE_NAMES.filter(([bit]) => (ku & bit) !== 0).map(([, name]) => name);
  const eku = read('extendedKeyUsage', parseExtendedKeyUsage);
  if (eku !== undefined) out.extendedKeyUsage = eku.map((oid) => EKU_NAMES[oid] ?? oid);
  const aia = read('authorityInfoAccess', parseAuthorityInfoAccess);
  if (aia !== undefined) {
    out.caIssuers = aia.caIssuers;
    out.ocsp = aia.ocsp;
  }
  out.crl = read('crlDistributionPoints', parseCrlDistributionPoints) ?? [];
  out.scts = read('scts', parseSctList) ?? [];
  out.mustStaple = (read('tlsFeature', parseTlsFeature) ?? []).includes(STATUS_REQUEST);
  out.policies = read('certificatePolicies', parseCertificatePolicies) ?? [];
  for (const oid of out.policies) {
    const level = CABF_POLICIES[oid];
    if (level && (out.validation === null || VALIDATION_RANK.indexOf(level) > VALIDATION_RANK.indexOf(out.validation))) out.validation = level;
  }
  return out;
}
