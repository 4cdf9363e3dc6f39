// The certificate check hands assessCertificate the leaf's DER as the server sent it (base64 in the
// facts): what only the DER says (certificate policies, SCTs, must-staple) is judged from it.
import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { certificateCheck } from '../../../src/checks/certificate/index.js';
import { DEFAULT_PROFILE } from '../../../src/checks/profile.js';
import type { CertInfo, CertVerdict } from '../../../src/core/schema.js';
import { opensslCertificate } from '../../helpers/openssl-cert.js';
import { EV, F, found, HOST, tlsOk } from './check-helpers.js';
import { cert, intermediate, rootCa } from './certificate-fixtures.js';

const NOW = Date.UTC(2026, 5, 1);

/** A public leaf (a CA/Browser Forum policy) with must-staple and no SCTs, as openssl writes it. */
let der: Buffer;
beforeAll(() => {
  der = opensslCertificate(['certificatePolicies = 2.23.140.1.2.1', 'extendedKeyUsage = serverAuth', 'tlsfeature = status_request']);
});

function run(peerChain: string[]) {
  const leaf: CertInfo = cert({ sha256: createHash('sha256').update(der).digest('hex').toUpperCase(), notBefore: '2026-05-01T00:00:00.000Z', notAfter: '2026-08-01T00:00:00.000Z' });
  const v: CertVerdict = {
    sent: [leaf, intermediate()],
    path: [leaf, intermediate(), rootCa()],
    trusted: true,
    trustFailure: 'none',
    trustReason: null,
    checkedName: 'mx1.example.test',
    nameMatches: true,
    domainMatches: null,
    timeValid: true,
    daysLeft: 61,
    opensslError: null,
    problems: [],
    sentCount: 2,
  };
  return certificateCheck.assess({
    facts: { key: HOST, evidence: EV, tls: tlsOk({ peerChain, ocspStapled: false }), bannerName: null, ehloName: null, noSni: null },
    assessment: { software: null, certificate: v, noSni: null },
    ctx: { profile: DEFAULT_PROFILE, warnDays: 30, expectThumbprint: null, domain: 'example.test', now: NOW },
    prior: [],
  });
}

const OK = F('cert.ok', { subject: 'mx1.example.test', issuer: 'Example Issuing CA', notAfter: '2026-08-01T00:00:00.000Z' });

describe('the certificate check: the leaf\'s DER from the facts', () => {
  it('read from the chain as sent: no SCTs and must-staple without a stapled response are found', () => {
    expect(found(run([der.toString('base64')]))).toEqual([F('cert.no-scts', { subject: 'mx1.example.test' }), F('cert.must-staple-missing', { subject: 'mx1.example.test' }), OK]);
  });

  it('no certificate in the facts: nothing read from a DER', () => {
    expect(found(run([]))).toEqual([OK]);
  });
});
