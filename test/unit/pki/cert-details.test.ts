// What `mxray cert` shows beyond CertInfo (src/pki/cert-details.ts): read from certificates openssl
// and the test PKI make, and unreadable extensions named rather than dropped.
import { beforeAll, describe, expect, it } from 'vitest';
import { createRootCa, type IssuedCert } from '../../../src/demo/test-pki.js';
import { readCertDetails } from '../../../src/pki/cert-details.js';
import { opensslCertificate } from '../../helpers/openssl-cert.js';

let leaf: IssuedCert;
beforeAll(async () => {
  const root = await createRootCa('Details Test Root', Date.UTC(2026, 10, 1));
  leaf = await root.issue({ commonName: 'mx.example.test', key: 'rsa2048' });
});

/** Replaces the value bytes of the first extension whose OID bytes are `oidHex` with garbage of the same length. */
function spoil(der: Buffer, oidHex: string): Buffer {
  const copy = Buffer.from(der);
  const at = copy.indexOf(Buffer.from(oidHex, 'hex'));
  if (at < 0) throw new Error(`no extension ${oidHex} in the certificate`);
  // After the OID: [critical BOOLEAN] OCTET STRING (tag, length, contents): spoil the contents' first byte.
  let pos = at + oidHex.length / 2;
  if (copy[pos] === 0x01) pos += 3;
  copy[pos + 2] = 0x05; // a NULL tag where the value's structure starts
  return copy;
}

describe('readCertDetails', () => {
  it('a server certificate of the test PKI: its key usages, and nothing published', () => {
    expect(readCertDetails(leaf.der)).toEqual({
      keyUsage: ['digitalSignature', 'keyEncipherment'],
      extendedKeyUsage: ['serverAuth'],
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

  it('everything a public CA writes, as openssl writes it; the highest CA/Browser Forum level claimed', () => {
    const der = opensslCertificate([
      'keyUsage = critical,digitalSignature,keyAgreement',
      'extendedKeyUsage = serverAuth,clientAuth,1.3.6.1.4.1.99999.1',
      'authorityInfoAccess = OCSP;URI:http://o.example.test/,caIssuers;URI:http://i.example.test/ca.cer',
      'crlDistributionPoints = URI:http://c.example.test/ca.crl',
      'tlsfeature = status_request',
      'certificatePolicies = 2.23.140.1.2.1,2.23.140.1.2.2,1.3.6.1.4.1.44947.1.1.1',
    ]);
    expect(readCertDetails(der)).toEqual({
      keyUsage: ['digitalSignature', 'keyAgreement'],
      extendedKeyUsage: ['serverAuth', 'clientAuth', '1.3.6.1.4.1.99999.1'],
      caIssuers: ['http://i.example.test/ca.cer'],
      ocsp: ['http://o.example.test/'],
      crl: ['http://c.example.test/ca.crl'],
      scts: [],
      mustStaple: true,
      policies: ['2.23.140.1.2.1', '2.23.140.1.2.2', '1.3.6.1.4.1.44947.1.1.1'],
      validation: 'OV',
      unreadable: [],
    });
    expect(readCertDetails(opensslCertificate(['certificatePolicies = 2.23.140.1.1']))?.validation).toBe('EV');
    expect(readCertDetails(opensslCertificate(['tlsfeature = 17'])).mustStaple).toBe(false);
  });

  it('names what it cannot read, and keeps the rest', () => {
    const der = opensslCertificate(['keyUsage = digitalSignature', 'crlDistributionPoints = URI:http://c.example.test/ca.crl', 'extendedKeyUsage = serverAuth']);
    const spoilt = readCertDetails(spoil(der, '0603551d1f'));
    expect(spoilt.unreadable).toEqual(['crlDistributionPoints']);
    expect(spoilt.crl).toEqual([]);
    expect(spoilt.keyUsage).toEqual(['digitalSignature']);
    expect(spoilt.extendedKeyUsage).toEqual(['serverAuth']);
    expect(readCertDetails(spoil(der, '0603551d0f')).unreadable).toEqual(['keyUsage']);
    expect(readCertDetails(Buffer.from('not a certificate')).unreadable).toEqual(['the extensions']);
  });
});
