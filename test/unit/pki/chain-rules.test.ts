// Path validation rule by rule (src/pki/chain-rules.ts), on facts written in the test: which
// certificate breaks which rule, in which words, with which OpenSSL error; and what OpenSSL's own
// checks find on the same chain. readElement is tested on real certificates at the end.
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkPath, MAX_NAME_CHECKS, namesFit, opensslCanLink, opensslChainFacts, opensslSelfSigned, readElement, type ElementFacts, type PathElement, type Role } from '../../../src/pki/chain-rules.js';
import { KEY_USAGE, MAX_EXTENSIONS, type GeneralSubtree } from '../../../src/pki/der.js';
import { certify, EKU, KU, party, rawExtension } from '../../helpers/chain-pki.js';

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);
const DAY = 86_400_000;
const name = (s: string) => Buffer.from(`name:${s}`);
function tlv(tag: number, ...contents: Buffer[]): Buffer {
  const body = Buffer.concat(contents);
  const n = body.length;
  return Buffer.concat([Buffer.from(n < 0x80 ? [tag, n] : [tag, 0x82, n >> 8, n & 0xff]), body]);
}
const OID_CN = Buffer.from([0x06, 0x03, 0x55, 0x04, 0x03]);

function facts(o: Partial<ElementFacts> = {}): ElementFacts {
  return {
    issuerName: name('issuer'),
    subjectName: name('subject'),
    selfIssued: false,
    emptyIssuer: false,
    hasExtensions: true,
    basicConstraints: null,
    keyUsage: null,
    eku: null,
    nsCertType: null,
    dnsNames: [],
    ipAddresses: [],
    dnsLikeCommonNames: [],
    nameConstraints: null,
    unknownCritical: [],
    invalid: [],
    subjectKeyId: null,
    authorityKeyId: null,
    notBefore: NOW - 10 * DAY,
    notAfter: NOW + 10 * DAY,
    ...o,
  };
}
const leafFacts = (o: Partial<ElementFacts> = {}) => facts({ dnsNames: ['mx.example.test'], keyUsage: KEY_USAGE.digitalSignature, eku: [EKU.serverAuth], ...o });
const caFacts = (o: Partial<ElementFacts> = {}) => facts({ basicConstraints: { ca: true, pathLen: null }, keyUsage: KEY_USAGE.keyCertSign | KEY_USAGE.cRLSign, ...o });
const el = (f: ElementFacts, role: Role, label: string): PathElement => ({ facts: f, role, label });

/** leaf ← intermediate(s) ← anchor, labelled "leaf", "CA 1" … and "Root". */
function path(leaf: ElementFacts, cas: ElementFacts[], anchor: ElementFacts | null = caFacts({ selfIssued: true })): PathElement[] {
  return [el(leaf, 'leaf', 'leaf'), ...cas.map((f, i) => el(f, 'intermediate', `CA ${i + 1}`)), ...(anchor ? [el(anchor, 'trust-anchor', 'Root')] : [])];
}
const rules = (p: PathElement[], now = NOW) => checkPath(p, now).map((v) => [v.index, v.rule, v.symbol]);
const details = (p: PathElement[], now = NOW) => checkPath(p, now).map((v) => v.detail);

describe('checkPath', () => {
  it('finds nothing on a good path', () => {
    expect(checkPath(path(leafFacts(), [caFacts()]), NOW)).toEqual([]);
    expect(checkPath(path(leafFacts(), []), NOW)).toEqual([]);
  });

  describe('the issuer must be a CA that may sign certificates', () => {
    it('not-a-ca without basicConstraints, or with CA:FALSE', () => {
      expect(rules(path(leafFacts(), [caFacts({ basicConstraints: null })]))).toEqual([[1, 'not-a-ca', 'INVALID_CA']]);
      expect(details(path(leafFacts(), [caFacts({ basicConstraints: null })]))).toEqual(['it issued "leaf" but has no basicConstraints extension']);
      expect(details(path(leafFacts(), [caFacts({ basicConstraints: { ca: false, pathLen: null } })]))).toEqual(['it issued "leaf" but its basicConstraints say CA:FALSE']);
    });

    it('issuer-cannot-sign for a CA whose keyUsage lacks keyCertSign (not-a-ca comes first)', () => {
      expect(rules(path(leafFacts(), [caFacts({ keyUsage: KEY_USAGE.digitalSignature | KEY_USAGE.cRLSign })]))).toEqual([[1, 'issuer-cannot-sign', 'INVALID_CA']]);
      expect(details(path(leafFacts(), [caFacts({ keyUsage: 0 })]))).toEqual(['it issued "leaf" but its keyUsage does not include keyCertSign']);
      expect(rules(path(leafFacts(), [caFacts({ basicConstraints: null, keyUsage: KEY_USAGE.digitalSignature })]))).toEqual([[1, 'not-a-ca', 'INVALID_CA']]);
      // Without a keyUsage a CA may sign.
      expect(rules(path(leafFacts(), [caFacts({ keyUsage: null })]))).toEqual([]);
    });

    it('a trust anchor is trusted as configured: no CA flag, key usage, purpose or extension checks', () => {
      const odd = facts({ basicConstraints: { ca: false, pathLen: null }, keyUsage: 0, eku: [EKU.clientAuth], unknownCritical: ['1.2.3'], invalid: ['x'], emptyIssuer: true });
      expect(rules(path(leafFacts(), [], odd))).toEqual([]);
    });
  });

  describe('the purpose: a TLS server', () => {
    it('the leaf: an extendedKeyUsage with serverAuth (or Server Gated Crypto); anyExtendedKeyUsage alone is not enough', () => {
      const eku = (...oids: string[]) => rules(path(leafFacts({ eku: oids }), [caFacts()]));
      expect(eku(EKU.serverAuth)).toEqual([]);
      expect(eku(EKU.clientAuth, EKU.serverAuth)).toEqual([]);
      expect(eku('2.16.840.1.113730.4.1')).toEqual([]);
      expect(eku('1.3.6.1.4.1.311.10.3.3')).toEqual([]);
      expect(eku(EKU.clientAuth)).toEqual([[0, 'not-for-server-auth', 'INVALID_PURPOSE']]);
      expect(eku(EKU.any)).toEqual([[0, 'not-for-server-auth', 'INVALID_PURPOSE']]);
      expect(details(path(leafFacts({ eku: [EKU.clientAuth, EKU.any, '1.2.3.4'] }), [caFacts()]))).toEqual([
        'its extendedKeyUsage (clientAuth, anyExtendedKeyUsage, 1.2.3.4) does not include serverAuth: it may not be used for a TLS server',
      ]);
      expect(rules(path(leafFacts({ eku: null }), [caFacts()]))).toEqual([]);
    });

    it('the leaf: a keyUsage with digitalSignature, keyEncipherment or keyAgreement; a Netscape type with SSL server', () => {
      const ku = (keyUsage: number | null) => rules(path(leafFacts({ keyUsage }), [caFacts()]));
      expect(ku(KEY_USAGE.keyEncipherment)).toEqual([]);
      expect(ku(KEY_USAGE.keyAgreement)).toEqual([]);
      expect(ku(null)).toEqual([]);
      expect(ku(KEY_USAGE.nonRepudiation | KEY_USAGE.keyCertSign)).toEqual([[0, 'not-for-server-auth', 'INVALID_PURPOSE']]);
      expect(details(path(leafFacts({ keyUsage: 0 }), [caFacts()]))).toEqual(['its keyUsage allows neither digitalSignature, keyEncipherment nor keyAgreement: it may not be used for a TLS server']);
      expect(rules(path(leafFacts({ nsCertType: 2 }), [caFacts()]))).toEqual([]);
      expect(details(path(leafFacts({ nsCertType: 1 }), [caFacts()]))).toEqual(['its Netscape certificate type does not include SSL server: it may not be used for a TLS server']);
    });

    it('an intermediate: an extendedKeyUsage, when it has one, with serverAuth', () => {
      expect(rules(path(leafFacts(), [caFacts({ eku: [EKU.serverAuth, EKU.clientAuth] })]))).toEqual([]);
      expect(rules(path(leafFacts(), [caFacts({ eku: [EKU.clientAuth] })]))).toEqual([[1, 'not-for-server-auth', 'INVALID_PURPOSE']]);
      expect(details(path(leafFacts(), [caFacts({ eku: [EKU.clientAuth] })]))).toEqual([
        'its extendedKeyUsage (clientAuth) does not include serverAuth, so no certificate below it may be used for a TLS server',
      ]);
      // Its keyUsage is a CA's, not a server's.
      expect(rules(path(leafFacts(), [caFacts({ keyUsage: KEY_USAGE.keyCertSign })]))).toEqual([]);
    });
  });

  describe('path length', () => {
    it('counts the CA certificates below, not the leaf, not self-issued ones', () => {
      const limited = (pathLen: number) => caFacts({ basicConstraints: { ca: true, pathLen } });
      expect(rules(path(leafFacts(), [caFacts(), limited(0)]))).toEqual([[2, 'path-length-exceeded', 'PATH_LENGTH_EXCEEDED']]);
      expect(details(path(leafFacts(), [caFacts(), limited(0)]))).toEqual(['its pathLenConstraint 0 allows no CA certificate below it; the path has 1']);
      expect(rules(path(leafFacts(), [caFacts(), limited(1)]))).toEqual([]);
      expect(rules(path(leafFacts(), [limited(0)]))).toEqual([]);
      expect(rules(path(leafFacts(), [caFacts(), caFacts(), limited(1)]))).toEqual([[3, 'path-length-exceeded', 'PATH_LENGTH_EXCEEDED']]);
      expect(details(path(leafFacts(), [caFacts(), caFacts(), limited(1)]))).toEqual(['its pathLenConstraint 1 allows 1 CA certificate below it; the path has 2']);
      expect(details(path(leafFacts(), [caFacts(), caFacts(), caFacts(), limited(2)]))).toEqual(['its pathLenConstraint 2 allows 2 CA certificates below it; the path has 3']);
      // A self-issued intermediate (a key rollover) does not count.
      expect(rules(path(leafFacts(), [caFacts({ selfIssued: true }), limited(0)]))).toEqual([]);
      // A trust anchor's constraint holds too.
      expect(rules(path(leafFacts(), [caFacts()], caFacts({ selfIssued: true, basicConstraints: { ca: true, pathLen: 0 } })))).toEqual([[2, 'path-length-exceeded', 'PATH_LENGTH_EXCEEDED']]);
      // A pathLen on a certificate that is no CA means nothing (it is not-a-ca already).
      expect(rules(path(leafFacts(), [caFacts(), caFacts({ basicConstraints: { ca: false, pathLen: 0 } })]))).toEqual([[2, 'not-a-ca', 'INVALID_CA']]);
    });
  });

  describe('validity of the certificates above the leaf', () => {
    it('expired and not-yet-valid, at the exact boundaries; the leaf’s own dates are not a problem here', () => {
      const at = (notBefore: number, notAfter: number, now = NOW) => rules(path(leafFacts({ notAfter: NOW - DAY }), [caFacts({ notBefore, notAfter })]), now);
      expect(at(NOW, NOW)).toEqual([]);
      expect(at(NOW + 1, NOW + DAY)).toEqual([[1, 'not-yet-valid', 'CERT_NOT_YET_VALID']]);
      expect(at(NOW - DAY, NOW - 1)).toEqual([[1, 'expired', 'CERT_HAS_EXPIRED']]);
      expect(details(path(leafFacts(), [caFacts({ notAfter: Date.UTC(2026, 1, 1) })]))).toEqual(['it expired on 2026-02-01 (28 day(s) before the judging time)']);
      expect(details(path(leafFacts(), [caFacts({ notAfter: NOW - 1 })]))).toEqual(['it expired on 2026-03-01 (1 day(s) before the judging time)']);
      expect(details(path(leafFacts(), [caFacts({ notBefore: Date.UTC(2026, 3, 1) })]))).toEqual(['it is valid only from 2026-04-01T00:00:00.000Z']);
    });

    it('a trust anchor’s too', () => {
      expect(rules(path(leafFacts(), [caFacts()], caFacts({ notAfter: NOW - DAY })))).toEqual([[2, 'expired', 'CERT_HAS_EXPIRED']]);
      expect(rules(path(leafFacts(), [caFacts()], caFacts({ notBefore: NOW + DAY })))).toEqual([[2, 'not-yet-valid', 'CERT_NOT_YET_VALID']]);
    });
  });

  describe('extensions and names', () => {
    it('unknown critical extensions, unreadable extensions and an empty issuer, on the leaf and intermediates', () => {
      expect(rules(path(leafFacts({ unknownCritical: ['1.2.3'] }), [caFacts({ unknownCritical: ['1.3.6.1.5.5.7.1.1', '1.2.4'] })]))).toEqual([
        [0, 'unknown-critical-extension', 'UNHANDLED_CRITICAL_EXTENSION'],
        [1, 'unknown-critical-extension', 'UNHANDLED_CRITICAL_EXTENSION'],
      ]);
      expect(details(path(leafFacts(), [caFacts({ unknownCritical: ['1.3.6.1.5.5.7.1.1', '1.2.4'] })]))).toEqual([
        'it has critical extension(s) 1.3.6.1.5.5.7.1.1, 1.2.4, which verifiers do not know and so must refuse',
      ]);
      expect(rules(path(leafFacts({ invalid: ['keyUsage cannot be read', 'extKeyUsage appears twice'] }), [caFacts()]))).toEqual([[0, 'invalid-extension', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY']]);
      expect(details(path(leafFacts({ invalid: ['keyUsage cannot be read', 'extKeyUsage appears twice'] }), [caFacts()]))).toEqual(['keyUsage cannot be read; extKeyUsage appears twice']);
      expect(rules(path(leafFacts({ emptyIssuer: true }), [caFacts()]))).toEqual([[0, 'empty-issuer-name', 'ISSUER_NAME_EMPTY']]);
      expect(details(path(leafFacts({ emptyIssuer: true }), [caFacts()]))).toEqual(['its issuer field is an empty name']);
    });

    it('in path order, each certificate’s rules in a fixed order', () => {
      const leaf = leafFacts({ unknownCritical: ['1.2.3'], invalid: ['x'], emptyIssuer: true, eku: [EKU.clientAuth] });
      const ca = caFacts({ basicConstraints: null, eku: [EKU.clientAuth], notAfter: NOW - DAY, unknownCritical: ['1.2.3'] });
      expect(rules(path(leaf, [ca])).map((r) => `${r[0]} ${r[1]}`)).toEqual([
        '0 unknown-critical-extension',
        '0 invalid-extension',
        '0 empty-issuer-name',
        '0 not-for-server-auth',
        '1 unknown-critical-extension',
        '1 not-a-ca',
        '1 not-for-server-auth',
        '1 expired',
      ]);
    });
  });

  describe('name constraints (RFC 5280 §4.2.1.10, matched as OpenSSL matches them)', () => {
    const dns = (value: string): GeneralSubtree => ({ base: { type: 2, value: Buffer.from(value) }, defaultRange: true });
    const ip = (bytes: number[]): GeneralSubtree => ({ base: { type: 7, value: Buffer.from(bytes) }, defaultRange: true });
    const constrained = (permitted: GeneralSubtree[], excluded: GeneralSubtree[] = []) => caFacts({ nameConstraints: { permitted, excluded } });
    const check = (leaf: Partial<ElementFacts>, ca: ElementFacts) => rules(path(leafFacts({ dnsNames: [], ...leaf }), [ca])).map((r) => r[2]);

    it('DNS names: the base and every name under it, at a label boundary, in any case; a leading dot excludes the base itself', () => {
      const permitted = constrained([dns('example.test')]);
      expect(check({ dnsNames: ['example.test'] }, permitted)).toEqual([]);
      expect(check({ dnsNames: ['mx.EXAMPLE.test'] }, permitted)).toEqual([]);
      expect(check({ dnsNames: ['a.b.example.test'] }, permitted)).toEqual([]);
      expect(check({ dnsNames: ['badexample.test'] }, permitted)).toEqual(['PERMITTED_VIOLATION']);
      expect(check({ dnsNames: ['example.test.evil'] }, permitted)).toEqual(['PERMITTED_VIOLATION']);
      expect(check({ dnsNames: ['test'] }, permitted)).toEqual(['PERMITTED_VIOLATION']);
      const dotted = constrained([dns('.example.test')]);
      expect(check({ dnsNames: ['mx.example.test'] }, dotted)).toEqual([]);
      expect(check({ dnsNames: ['example.test'] }, dotted)).toEqual(['PERMITTED_VIOLATION']);
      // An empty base matches every name.
      expect(check({ dnsNames: ['anything.test'] }, constrained([dns('')]))).toEqual([]);
      expect(check({ dnsNames: ['anything.test'] }, constrained([], [dns('')]))).toEqual(['EXCLUDED_VIOLATION']);
      // A wildcard is a name like any other.
      expect(check({ dnsNames: ['*.example.test'] }, permitted)).toEqual([]);
    });

    it('one permitted subtree of the type suffices; every name must be permitted; excluded wins', () => {
      const two = constrained([dns('example.test'), dns('example.org')]);
      expect(check({ dnsNames: ['a.example.org', 'b.example.test'] }, two)).toEqual([]);
      expect(check({ dnsNames: ['a.example.org', 'c.example.net'] }, two)).toEqual(['PERMITTED_VIOLATION']);
      expect(check({ dnsNames: ['bad.example.test'] }, constrained([dns('example.test')], [dns('bad.example.test')]))).toEqual(['EXCLUDED_VIOLATION']);
      // Constraints of another type do not restrict DNS names.
      expect(check({ dnsNames: ['mx.example.net'] }, constrained([ip([192, 0, 2, 0, 255, 255, 255, 0])]))).toEqual([]);
    });

    it('IP addresses: under the mask, the same family; a malformed address or base is a violation', () => {
      const v4 = constrained([ip([192, 0, 2, 0, 255, 255, 255, 0])]);
      expect(check({ ipAddresses: [Buffer.from([192, 0, 2, 77])] }, v4)).toEqual([]);
      expect(check({ ipAddresses: [Buffer.from([192, 0, 3, 77])] }, v4)).toEqual(['PERMITTED_VIOLATION']);
      expect(check({ ipAddresses: [Buffer.alloc(16)] }, v4)).toEqual(['PERMITTED_VIOLATION']);
      expect(check({ ipAddresses: [Buffer.from([192, 0, 2])] }, v4)).toEqual(['PERMITTED_VIOLATION']);
      expect(check({ ipAddresses: [Buffer.from([192, 0, 2, 1])] }, constrained([ip([192, 0, 2, 0, 255])]))).toEqual(['PERMITTED_VIOLATION']);
      const v6 = constrained([], [ip([0x20, 0x01, 0x0d, 0xb8, ...new Array<number>(12).fill(0), 0xff, 0xff, 0xff, 0xff, ...new Array<number>(12).fill(0)])]);
      expect(check({ ipAddresses: [Buffer.from([0x20, 0x01, 0x0d, 0xb8, ...new Array<number>(11).fill(0), 1])] }, v6)).toEqual(['EXCLUDED_VIOLATION']);
      expect(check({ ipAddresses: [Buffer.from([0x20, 0x01, 0x0d, 0xb9, ...new Array<number>(11).fill(0), 1])] }, v6)).toEqual([]);
      expect(check({ ipAddresses: [Buffer.from([192, 0, 2, 1])] }, v6)).toEqual([]);
    });

    it('names the name, the CA and its subtrees', () => {
      const p = path(leafFacts({ dnsNames: ['mx.example.net'], ipAddresses: [Buffer.from([198, 51, 100, 7])] }), [constrained([dns('example.test'), ip([192, 0, 2, 0, 255, 255, 255, 0])])]);
      // Only the subtrees of the name's type are listed.
      expect(details(p)).toEqual(['mx.example.net is outside the names "CA 1" permits (example.test)']);
      const q = path(leafFacts({ dnsNames: [], ipAddresses: [Buffer.from([0x20, 0x01, 0x0d, 0xb8, ...new Array<number>(11).fill(0), 1])] }), [
        constrained([], [ip([0x20, 0x01, 0x0d, 0xb8, ...new Array<number>(12).fill(0), 0xff, 0xff, 0xff, 0xff, ...new Array<number>(12).fill(0)])]),
      ]);
      expect(details(q)).toEqual(['2001:db8::1 is among the names "CA 1" excludes (2001:db8::/32)']);
      expect(details(path(leafFacts({ dnsNames: ['x.test'] }), [constrained([dns('')], [dns('x.test')])]))).toEqual(['x.test is among the names "CA 1" excludes (x.test)']);
      expect(details(path(leafFacts({ dnsNames: ['x.test'] }), [constrained([{ base: { type: 2, value: Buffer.from('') }, defaultRange: true }, { base: { type: 1, value: Buffer.from('a') }, defaultRange: true }], [dns('x.test')])]))).toEqual([
        'x.test is among the names "CA 1" excludes (x.test)',
      ]);
      expect(details(path(leafFacts({ ipAddresses: [Buffer.from([192, 0, 2, 1])] }), [constrained([ip([192, 0, 2, 0, 255])])]))).toEqual(['192.0.2.1 cannot be compared with the IP address constraints of "CA 1"']);
    });

    it('a minimum or maximum distance is unsupported (OpenSSL 49), where a name of its type is checked', () => {
      const minmax = caFacts({ nameConstraints: { permitted: [{ base: { type: 2, value: Buffer.from('example.test') }, defaultRange: false }], excluded: [] } });
      expect(check({ dnsNames: ['mx.example.test'] }, minmax)).toEqual(['SUBTREE_MINMAX']);
      expect(check({ ipAddresses: [Buffer.from([192, 0, 2, 1])] }, minmax)).toEqual([]);
      expect(details(path(leafFacts(), [minmax]))).toEqual(['"CA 1" limits names with a minimum or maximum distance, which no verifier supports']);
    });

    it(`compares at most ${MAX_NAME_CHECKS} times per certificate and CA, and per path: beyond, a violation (OpenSSL: 1, and it gives up too)`, () => {
      const subtrees = (n: number) => Array.from({ length: n }, (_, k) => dns(`n${k}.example.test`));
      const names = (n: number) => Array.from({ length: n }, (_, k) => `h${k}.n0.example.test`);
      // 1024 names × 1024 subtrees: exactly the limit, compared.
      expect(check({ dnsNames: names(1024) }, constrained(subtrees(1024)))).toEqual([]);
      expect(check({ dnsNames: names(1025) }, constrained(subtrees(1024)))).toEqual(['UNSPECIFIED']);
      expect(details(path(leafFacts({ dnsNames: names(1025) }), [constrained(subtrees(1024))]))).toEqual(['it has too many names to compare with the name constraints of "CA 1" (verifiers give up too)']);
      // The budget is shared along the path: a second pair as large finds it spent.
      const big = constrained(subtrees(1024));
      expect(rules(path(leafFacts({ dnsNames: names(1024) }), [big, big])).map((r) => `${r[0]} ${r[2]}`)).toEqual(['0 UNSPECIFIED']);
      // No names, no work: never a violation.
      expect(check({}, constrained(subtrees(2048)))).toEqual([]);
      expect(opensslChainFacts([leafFacts({ dnsNames: names(1025) }), constrained(subtrees(1024))])[0]?.nameConstraintError).toBe('UNSPECIFIED');
    });

    it('IP addresses and excluded subtrees count against the budget as DNS names and permitted subtrees do', () => {
      const subtrees = (n: number, from = 0) => Array.from({ length: n }, (_, k) => dns(`n${from + k}.example.test`));
      const addresses = (n: number) => Array.from({ length: n }, (_, k) => Buffer.from([192, 0, 2 + (k >> 8), k & 0xff]));
      // 1 name and 1024 addresses × 1024 subtrees, and 1024 names × (512 permitted + 513 excluded): both over 2^20.
      expect(check({ dnsNames: ['h.n0.example.test'], ipAddresses: addresses(1024) }, constrained(subtrees(1024)))).toEqual(['UNSPECIFIED']);
      expect(check({ dnsNames: ['h.n0.example.test'], ipAddresses: addresses(1023) }, constrained(subtrees(1024)))).toEqual([]);
      const names = Array.from({ length: 1024 }, (_, k) => `h${k}.n0.example.test`);
      expect(check({ dnsNames: names }, constrained(subtrees(512), subtrees(513, 512)))).toEqual(['UNSPECIFIED']);
      expect(check({ dnsNames: names }, constrained(subtrees(512), subtrees(512, 512)))).toEqual([]);
    });

    it('every IP address of a certificate is compared, not only the first', () => {
      const v4 = constrained([ip([192, 0, 2, 0, 255, 255, 255, 0])]);
      expect(details(path(leafFacts({ dnsNames: [], ipAddresses: [Buffer.from([192, 0, 2, 1]), Buffer.from([198, 51, 100, 1])] }), [v4]))).toEqual([
        '198.51.100.1 is outside the names "CA 1" permits (192.0.2.0/24)',
      ]);
    });

    it('shows an IPv6 address with its zero groups as "::", also at the start', () => {
      const v6 = constrained([ip([0x20, 0x01, 0x0d, 0xb8, ...new Array<number>(12).fill(0), 0xff, 0xff, 0xff, 0xff, ...new Array<number>(12).fill(0)])]);
      const shown = (bytes: number[]) => details(path(leafFacts({ dnsNames: [], ipAddresses: [Buffer.from(bytes)] }), [v6]));
      expect(shown([...new Array<number>(15).fill(0), 1])).toEqual(['::1 is outside the names "CA 1" permits (2001:db8::/32)']);
      expect(shown(new Array<number>(16).fill(0))).toEqual([':: is outside the names "CA 1" permits (2001:db8::/32)']);
      // RFC 5952: the longest run of zero groups, not the first (2001:0:0:1:0:0:0:1).
      expect(shown([0x20, 0x01, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1])).toEqual(['2001:0:0:1::1 is outside the names "CA 1" permits (2001:db8::/32)']);
    });

    it('an IP address of neither 4 nor 16 bytes is shown in hex and cannot be compared: under permitted subtrees a violation, under excluded ones a hit', () => {
      const odd = leafFacts({ dnsNames: [], ipAddresses: [Buffer.from([192, 0, 2])] });
      expect(details(path(odd, [constrained([ip([192, 0, 2, 0, 255, 255, 255, 0])])]))).toEqual(['0xc00002 cannot be compared with the IP address constraints of "CA 1"']);
      expect(rules(path(odd, [constrained([], [ip([192, 0, 2, 0, 255, 255, 255, 0])])]))).toEqual([[0, 'name-constraints-violated', 'EXCLUDED_VIOLATION']]);
      expect(details(path(odd, [constrained([], [ip([192, 0, 2, 0, 255, 255, 255, 0])])]))).toEqual(['0xc00002 is among the names "CA 1" excludes (192.0.2.0/24)']);
    });

    it('lists the subtrees it names: every permitted one of the type, comma-separated; an IP net with its prefix length; an empty DNS base as "(any name)"; a malformed IP base by its type', () => {
      const nets = constrained([ip([192, 0, 2, 0, 255, 255, 255, 0]), ip([198, 51, 100, 0, 255, 255, 254, 0])]);
      expect(details(path(leafFacts({ dnsNames: [], ipAddresses: [Buffer.from([203, 0, 113, 1])] }), [nets]))).toEqual([
        '203.0.113.1 is outside the names "CA 1" permits (192.0.2.0/24, 198.51.100.0/23)',
      ]);
      expect(details(path(leafFacts({ dnsNames: ['c.example.net'] }), [constrained([dns('example.test'), dns('example.org')])]))).toEqual([
        'c.example.net is outside the names "CA 1" permits (example.test, example.org)',
      ]);
      expect(details(path(leafFacts({ dnsNames: ['x.test'] }), [constrained([], [dns('')])]))).toEqual(['x.test is among the names "CA 1" excludes ((any name))']);
      // A malformed excluded base cannot be compared, so it counts as a hit.
      expect(details(path(leafFacts({ dnsNames: [], ipAddresses: [Buffer.from([192, 0, 2, 1])] }), [constrained([], [ip([192, 0, 2, 0, 255])])]))).toEqual([
        '192.0.2.1 is among the names "CA 1" excludes ((name type 7))',
      ]);
    });

    it('a self-issued leaf is held to the constraints above it all the same (only intermediates are exempt)', () => {
      const leaf = leafFacts({ selfIssued: true, dnsNames: ['mx.example.net'] });
      expect(rules(path(leaf, [constrained([dns('example.test')])]))).toEqual([[0, 'name-constraints-violated', 'PERMITTED_VIOLATION']]);
      expect(opensslChainFacts([leaf, constrained([dns('example.test')])]).map((c) => c.nameConstraintError)).toEqual(['PERMITTED_VIOLATION', null]);
    });

    it('a CN that looks like a host name counts for the leaf when it has no DNS name', () => {
      const permitted = constrained([dns('example.test')]);
      expect(check({ dnsLikeCommonNames: ['mx.example.net'] }, permitted)).toEqual(['PERMITTED_VIOLATION']);
      // Not for a CA below the constraint.
      expect(rules(path(leafFacts(), [caFacts({ dnsLikeCommonNames: ['ca.example.net'] }), permitted]))).toEqual([]);
    });

    it('every CA above counts, the anchor too; a self-issued intermediate is exempt, the first violation per certificate only', () => {
      const permitted = constrained([dns('example.test')]);
      const anchor = caFacts({ selfIssued: true, nameConstraints: { permitted: [dns('example.org')], excluded: [] } });
      expect(rules(path(leafFacts({ dnsNames: ['mx.example.test'] }), [caFacts()], anchor))).toEqual([[0, 'name-constraints-violated', 'PERMITTED_VIOLATION']]);
      expect(details(path(leafFacts({ dnsNames: ['mx.example.test'] }), [caFacts()], anchor))).toEqual(['mx.example.test is outside the names "Root" permits (example.org)']);
      expect(rules(path(leafFacts({ dnsNames: ['a.example.net'] }), [caFacts({ dnsNames: ['ca.example.net'] }), permitted]))).toEqual([
        [0, 'name-constraints-violated', 'PERMITTED_VIOLATION'],
        [1, 'name-constraints-violated', 'PERMITTED_VIOLATION'],
      ]);
      expect(rules(path(leafFacts({ dnsNames: ['a.example.test'] }), [caFacts({ selfIssued: true, dnsNames: ['ca.example.net'] }), permitted]))).toEqual([]);
      expect(rules(path(leafFacts({ dnsNames: ['a.example.net'] }), [permitted, permitted])).length).toBe(1);
    });
  });
});

describe('opensslChainFacts: what OpenSSL checks, anchors included', () => {
  const first = (chain: ElementFacts[]) => opensslChainFacts(chain).map((c) => c.extensionError);

  it('per certificate, the first of 34, 79, 26, 25', () => {
    expect(first([leafFacts({ unknownCritical: ['1'], eku: [EKU.clientAuth] }), caFacts(), caFacts()])).toEqual(['UNHANDLED_CRITICAL_EXTENSION', null, null]);
    expect(first([leafFacts({ eku: [EKU.clientAuth] }), caFacts({ basicConstraints: null, eku: [EKU.clientAuth] }), caFacts()])).toEqual(['INVALID_PURPOSE', 'INVALID_CA', null]);
    expect(first([leafFacts(), caFacts(), caFacts({ eku: [EKU.clientAuth], basicConstraints: { ca: true, pathLen: 0 } })])).toEqual([null, null, 'INVALID_PURPOSE']);
    expect(first([leafFacts(), caFacts(), caFacts({ basicConstraints: { ca: true, pathLen: 0 } })])).toEqual([null, null, 'PATH_LENGTH_EXCEEDED']);
    expect(first([leafFacts(), caFacts({ keyUsage: KEY_USAGE.cRLSign }), caFacts()])).toEqual([null, 'INVALID_CA', null]);
  });

  it('the anchor (the top) is checked too, but only an outright "not a CA" fails there', () => {
    expect(first([leafFacts(), caFacts({ basicConstraints: { ca: false, pathLen: null } })])).toEqual([null, 'INVALID_CA']);
    expect(first([leafFacts(), caFacts({ keyUsage: KEY_USAGE.digitalSignature })])).toEqual([null, 'INVALID_CA']);
    expect(first([leafFacts(), caFacts({ basicConstraints: null })])).toEqual([null, null]);
    expect(first([leafFacts(), caFacts({ basicConstraints: null, keyUsage: null, hasExtensions: false, selfIssued: true })])).toEqual([null, null]);
    expect(first([leafFacts(), caFacts({ basicConstraints: null, keyUsage: null, hasExtensions: false })])).toEqual([null, 'INVALID_CA']);
    expect(first([leafFacts(), caFacts({ basicConstraints: null, keyUsage: null, selfIssued: true })])).toEqual([null, 'INVALID_CA']);
    expect(first([leafFacts(), caFacts({ eku: [EKU.clientAuth] })])).toEqual([null, 'INVALID_PURPOSE']);
    // A single certificate is a leaf, whatever it is.
    expect(first([caFacts({ basicConstraints: { ca: false, pathLen: null }, keyUsage: KEY_USAGE.digitalSignature })])).toEqual([null]);
  });

  it('key usage of issuers (32), name constraints (47, 48, 49), and the dates, per certificate', () => {
    const chain = opensslChainFacts([
      leafFacts({ dnsNames: ['mx.example.net'] }),
      caFacts({ keyUsage: KEY_USAGE.digitalSignature, selfIssued: true, dnsNames: ['x.example.net'] }),
      caFacts({ nameConstraints: { permitted: [{ base: { type: 2, value: Buffer.from('example.test') }, defaultRange: true }], excluded: [] }, notBefore: 5, notAfter: 6 }),
    ]);
    expect(chain).toEqual([
      { notBefore: NOW - 10 * DAY, notAfter: NOW + 10 * DAY, extensionError: null, cannotSign: false, nameConstraintError: 'PERMITTED_VIOLATION' },
      { notBefore: NOW - 10 * DAY, notAfter: NOW + 10 * DAY, extensionError: 'INVALID_CA', cannotSign: true, nameConstraintError: null },
      { notBefore: 5, notAfter: 6, extensionError: null, cannotSign: false, nameConstraintError: null },
    ]);
    // The leaf's own key usage is no issuer's.
    expect(opensslChainFacts([leafFacts({ keyUsage: 0 })])[0]?.cannotSign).toBe(false);
  });

  it('a top certificate without basicConstraints (tolerated there) has no path length to exceed', () => {
    expect(first([leafFacts(), caFacts(), caFacts({ basicConstraints: null })])).toEqual([null, null, null]);
    expect(first([leafFacts(), caFacts(), caFacts({ basicConstraints: null, keyUsage: null, hasExtensions: false, selfIssued: true })])).toEqual([null, null, null]);
  });

  it('name constraints (47): the names of every certificate below a CA, the CN that looks like a host name only for the leaf', () => {
    const constrainedCa = caFacts({ nameConstraints: { permitted: [{ base: { type: 2, value: Buffer.from('example.test') }, defaultRange: true }], excluded: [] } });
    const chain = opensslChainFacts([
      leafFacts({ dnsNames: [], dnsLikeCommonNames: ['mx.example.net'] }),
      caFacts({ dnsNames: ['ca.example.net'] }),
      caFacts({ dnsLikeCommonNames: ['ca2.example.net'] }),
      constrainedCa,
    ]);
    expect(chain.map((c) => c.nameConstraintError)).toEqual(['PERMITTED_VIOLATION', 'PERMITTED_VIOLATION', null, null]);
  });

  it('OpenSSL cannot link a certificate with an unreadable extension', () => {
    expect(opensslCanLink([leafFacts(), caFacts()])).toBe(true);
    expect(opensslCanLink([leafFacts(), caFacts({ invalid: ['x'] })])).toBe(false);
  });
});

describe('names and key identifiers', () => {
  it('namesFit: the issuer name, and the key identifiers when both have one', () => {
    const child = facts({ issuerName: name('CA'), authorityKeyId: Buffer.from([1]) });
    expect(namesFit(child, facts({ subjectName: name('CA'), subjectKeyId: Buffer.from([1]) }))).toBe(true);
    expect(namesFit(child, facts({ subjectName: name('CA'), subjectKeyId: null }))).toBe(true);
    expect(namesFit(facts({ issuerName: name('CA') }), facts({ subjectName: name('CA'), subjectKeyId: Buffer.from([2]) }))).toBe(true);
    expect(namesFit(child, facts({ subjectName: name('CA'), subjectKeyId: Buffer.from([2]) }))).toBe(false);
    expect(namesFit(child, facts({ subjectName: name('Other') }))).toBe(false);
    expect(namesFit(facts({ issuerName: null }), facts({ subjectName: name('CA') }))).toBe(false);
    expect(namesFit(child, facts({ subjectName: null }))).toBe(false);
  });

  it('opensslSelfSigned: self-issued, unless the key identifiers say another key signed it', () => {
    expect(opensslSelfSigned(facts({ selfIssued: true, issuerName: name('x'), subjectName: name('x') }))).toBe(true);
    expect(opensslSelfSigned(facts({ selfIssued: true, issuerName: name('x'), subjectName: name('x'), authorityKeyId: Buffer.from([1]), subjectKeyId: Buffer.from([2]) }))).toBe(false);
    expect(opensslSelfSigned(facts({ selfIssued: false, issuerName: name('x'), subjectName: name('x') }))).toBe(false);
  });
});

describe('readElement, on real certificates', () => {
  it('reads every fact path validation needs', async () => {
    const ca = await party('CN=Facts CA, O=mxray tests');
    const leaf = await party('');
    const caDer = await certify(ca, ca, 'ca', NOW, {
      basicConstraints: { ca: true, pathLen: 2 },
      eku: [EKU.serverAuth],
      nameConstraints: { permitted: [{ dns: 'example.test' }], excluded: [{ ip: '192.0.2.0/24' }] },
      extensions: [rawExtension('1.3.6.1.5.5.7.1.1', true, Buffer.from([0x30, 0x00])), rawExtension('2.16.840.1.113730.1.1', false, Buffer.from([0x03, 0x02, 0x01, 0x06]))],
    });
    const f = readElement(new X509Certificate(caDer));
    expect(f).toMatchObject({
      selfIssued: true,
      emptyIssuer: false,
      hasExtensions: true,
      basicConstraints: { ca: true, pathLen: 2 },
      keyUsage: KEY_USAGE.keyCertSign | KEY_USAGE.cRLSign,
      eku: [EKU.serverAuth],
      nsCertType: 32 | 64,
      dnsNames: [],
      ipAddresses: [],
      dnsLikeCommonNames: [],
      unknownCritical: ['1.3.6.1.5.5.7.1.1'],
      invalid: [],
      authorityKeyId: null,
    });
    expect(f.subjectKeyId?.length).toBe(20);
    expect(f.nameConstraints?.permitted.map((s) => s.base.value.toString())).toEqual(['example.test']);
    expect(f.nameConstraints?.excluded.map((s) => [...s.base.value])).toEqual([[192, 0, 2, 0, 255, 255, 255, 0]]);
    expect([f.notBefore, f.notAfter]).toEqual([NOW - 30 * DAY, NOW + 300 * DAY]);

    const leafDer = await certify(leaf, ca, 'leaf', NOW, { dnsNames: ['mx.example.test'], ipAddresses: ['192.0.2.9'], keyUsage: KU.digitalSignature | KU.keyEncipherment });
    expect(readElement(new X509Certificate(leafDer))).toMatchObject({
      selfIssued: false,
      emptyIssuer: false,
      basicConstraints: { ca: false, pathLen: null },
      keyUsage: KEY_USAGE.digitalSignature | KEY_USAGE.keyEncipherment,
      eku: [EKU.serverAuth],
      dnsNames: ['mx.example.test'],
      ipAddresses: [Buffer.from([192, 0, 2, 9])],
      dnsLikeCommonNames: [],
      subjectKeyId: null,
      authorityKeyId: f.subjectKeyId,
    });
  });

  it('an empty issuer; CNs that look like host names when there is no DNS name', async () => {
    const nameless = await party('');
    const host = await party('CN=mx.example.test, CN=*.example.test, CN=label, CN=a..b.test, CN=-a.test, CN=a-.test');
    const der = await certify(host, nameless, 'leaf', NOW, {});
    expect(readElement(new X509Certificate(der))).toMatchObject({ emptyIssuer: true, selfIssued: false, dnsLikeCommonNames: ['mx.example.test'] });
    const both = await certify(nameless, nameless, 'leaf', NOW, { dnsNames: ['x.test'] });
    expect(readElement(new X509Certificate(both))).toMatchObject({ emptyIssuer: true, selfIssued: true, dnsLikeCommonNames: [] });
    const withSan = await certify(host, nameless, 'leaf', NOW, { dnsNames: ['x.test'] });
    expect(readElement(new X509Certificate(withSan)).dnsLikeCommonNames).toEqual([]);
    const underscore = await certify(await party('CN=_mx.example.test'), nameless, 'leaf', NOW, {});
    expect(readElement(new X509Certificate(underscore)).dnsLikeCommonNames).toEqual(['_mx.example.test']);
  });

  it('takes a CN for a host name as OpenSSL’s cn2dnsid does: trimmed; letters, digits, "_", inner "-"; dots inside only, not next to "-" or "."', async () => {
    const utf8Cn = (value: string) => tlv(0x31, tlv(0x30, OID_CN, tlv(0x0c, Buffer.from(value, 'utf8'))));
    const cns = ['  mx.example.test ', 'mail-1.example.test', 'mx.example.test.', 'mx.example.test-', 'a.-b.test', 'a-.b.test', '   ', '', 'mx\0.example.test'];
    const der = await certify(await party(tlv(0x30, ...cns.map(utf8Cn))), await party('CN=CN Test CA'), 'leaf', NOW, {});
    expect(readElement(new X509Certificate(der)).dnsLikeCommonNames).toEqual(['mx.example.test', 'mail-1.example.test']);
  });

  it('a certificate without extensions has none; one whose extensions cannot be read (more than MAX_EXTENSIONS) is marked invalid', async () => {
    const p = await party('CN=Extensions');
    const none = await certify(p, p, 'leaf', NOW, { basicConstraints: null, keyUsage: null, eku: null, keyIdentifiers: false });
    expect(readElement(new X509Certificate(none))).toMatchObject({ hasExtensions: false, invalid: [], unknownCritical: [] });
    const many = Array.from({ length: MAX_EXTENSIONS + 1 }, (_, k) => rawExtension(`1.3.6.1.4.1.99999.${k}`, false, Buffer.from([0x05, 0x00])));
    const tooMany = await certify(p, p, 'leaf', NOW, { basicConstraints: null, keyUsage: null, eku: null, keyIdentifiers: false, extensions: many });
    expect(readElement(new X509Certificate(tooMany))).toMatchObject({ hasExtensions: true, invalid: ['the extensions cannot be read'], unknownCritical: [], basicConstraints: null, keyUsage: null });
  });

  it('takes only iPAddress SAN entries for IP addresses, and only dNSName ones for DNS names (not e-mail addresses or URIs)', async () => {
    const p = await party('CN=Names');
    const san = tlv(0x30, tlv(0x81, Buffer.from('postmaster@example.test')), tlv(0x86, Buffer.from('https://example.test/')), tlv(0x82, Buffer.from('mx.example.test')), tlv(0x87, Buffer.from([192, 0, 2, 9])));
    const der = await certify(p, p, 'leaf', NOW, { extensions: [rawExtension('2.5.29.17', false, san)] });
    expect(readElement(new X509Certificate(der))).toMatchObject({ dnsNames: ['mx.example.test'], ipAddresses: [Buffer.from([192, 0, 2, 9])], invalid: [] });
  });

  it('an authorityKeyIdentifier with only the issuer’s name and serial gives no key identifier', async () => {
    const ca = await party('CN=AKI CA');
    const p = await party('CN=AKI Leaf');
    const aki = tlv(0x30, tlv(0xa1, tlv(0xa4, tlv(0x30, tlv(0x31, tlv(0x30, OID_CN, tlv(0x0c, Buffer.from('AKI CA'))))))), tlv(0x82, Buffer.from([1])));
    const der = await certify(p, ca, 'leaf', NOW, { keyIdentifiers: false, extensions: [rawExtension('2.5.29.35', false, aki)] });
    const f = readElement(new X509Certificate(der));
    expect([f.authorityKeyId, f.invalid]).toEqual([null, []]);
  });

  it('names what it cannot use: unreadable and repeated extensions', async () => {
    const p = await party('CN=Broken');
    const garbage = Buffer.from([0x04, 0x01, 0x00]);
    const der = await certify(p, p, 'leaf', NOW, {
      basicConstraints: null,
      keyUsage: null,
      eku: [EKU.serverAuth],
      extensions: [
        rawExtension('2.5.29.19', true, garbage),
        rawExtension('2.5.29.15', true, garbage),
        rawExtension('2.5.29.37', false, garbage),
        rawExtension('2.5.29.17', false, garbage),
        rawExtension('2.5.29.30', true, garbage),
        rawExtension('2.16.840.1.113730.1.1', false, garbage),
        rawExtension('2.5.29.14', false, Buffer.from([0x05, 0x00])),
        rawExtension('2.5.29.35', false, garbage),
      ],
    });
    // In the order of the extensions: the helper's extKeyUsage comes first, the garbage one repeats it.
    expect(readElement(new X509Certificate(der)).invalid).toEqual([
      'basicConstraints cannot be read',
      'keyUsage cannot be read',
      'extKeyUsage appears twice',
      'extKeyUsage cannot be read',
      'subjectAltName cannot be read',
      'nameConstraints cannot be read',
      'nsCertType cannot be read',
      'subjectKeyIdentifier cannot be read',
      'authorityKeyIdentifier cannot be read',
    ]);
  });
});
