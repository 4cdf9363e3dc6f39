// readCertDetails on bytes whose extensions cannot be read, on a certificate without keyUsage, and
// on certificates naming several CA/Browser Forum validation policies in either order.
import { describe, expect, it } from 'vitest';
import { readCertDetails } from '../../../src/pki/cert-details.js';
import { describeCertificate } from '../../../src/pki/certificate.js';
import { opensslCertificate } from '../../helpers/openssl-cert.js';

describe('readCertDetails', () => {
  it('bytes that are not a certificate: every field empty, and the extensions named unreadable', () => {
    expect(readCertDetails(Buffer.from('not a certificate'))).toEqual({
      keyUsage: null,
      extendedKeyUsage: null,
      caIssuers: [],
      ocsp: [],
      crl: [],
      scts: [],
      mustStaple: false,
      policies: [],
      validation: null,
      unreadable: ['the extensions'],
    });
  });

  it('no keyUsage extension: keyUsage null, not an empty list', () => {
    const der = opensslCertificate(['basicConstraints = critical, CA:FALSE']);
    expect(readCertDetails(der)).toEqual({
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
    });
  });

  it('the highest validation level named wins, whatever the order (DV < IV < OV < EV)', () => {
    const levels = (policies: string) => readCertDetails(opensslCertificate([`certificatePolicies = ${policies}`])).validation;
    expect(levels('2.23.140.1.2.2, 2.23.140.1.2.1')).toBe('OV');
    expect(levels('2.23.140.1.2.1, 2.23.140.1.2.2')).toBe('OV');
    expect(levels('2.23.140.1.2.3, 1.2.3.4')).toBe('IV');
    expect(levels('2.23.140.1.1, 2.23.140.1.2.3, 2.23.140.1.2.1')).toBe('EV');
  });
});

describe('describeCertificate', () => {
  it('throws its own message for bytes Node cannot parse', () => {
    expect(() => describeCertificate(Buffer.from('not a certificate'), 'sent')).toThrow(new Error('not a certificate Node can parse'));
  });
});
