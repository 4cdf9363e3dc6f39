// Facts for the DANE tests: DNSSEC lookups as lookup-dane records them, MX hosts with their TLSA
// records, a DANE section, and one MX address that presented a chain of real certificates, judged
// by the host judge (judgeHost) so its certificate findings are the ones a real run gets.
import { judgeHost } from '../../src/checks/host.js';
import { DEFAULT_PROFILE } from '../../src/checks/profile.js';
import type { DaneHandshake, DaneHost, DaneSection, HostFacts, HostReport, ReplyFacts, SecureLookup, TlsaFact, TlsFacts } from '../../src/core/schema.js';
import type { IssuedCert } from '../../src/demo/test-pki.js';
import type { TrustStore } from '../../src/core/context.js';
import { tlsaData } from '../../src/pki/tlsa.js';

export const RESOLVER = '127.0.0.1:53';

/** One DNSSEC lookup as recorded; a secure NOERROR answer unless `over` says otherwise. */
export function lookup(name: string, type: SecureLookup['type'], over: Partial<SecureLookup> = {}): SecureLookup {
  // Signed (RRSIGs in the answer) where validated, unless said otherwise: an answer without AD from an unsigned zone.
  return { name, type, rcode: 'NOERROR', ad: true, signed: over.ad ?? true, status: 'secure', records: [], cnames: [], ede: [], cdRcode: null, error: null, ...over };
}

/** A TLSA record as a fact (data in upper-case hex). */
export const tlsa = (usage: number, selector: number, matchingType: number, data: string): TlsaFact => ({ usage, selector, matchingType, data });

/** The record of `usage` for a certificate, with its selector and matching type (data computed from the certificate). */
export function tlsaFor(usage: number, selector: number, matchingType: number, cert: IssuedCert): TlsaFact {
  const data = tlsaData(cert.der, selector, matchingType);
  if (data === null) throw new Error('tlsaFor: the test certificate cannot be read');
  return tlsa(usage, selector, matchingType, data.toString('hex').toUpperCase());
}

/** A digest-sized data field that matches nothing. */
export const NOTHING = 'AB'.repeat(32);

/** The presentation form lookup-dane records ("3 1 1 <HEX>"). */
export const shown = (r: TlsaFact) => `${r.usage} ${r.selector} ${r.matchingType} ${r.data}`;

/**
 * An MX host whose addresses and TLSA lookup are secure and whose TLSA records (at `_25._tcp.<mx>`)
 * are `records`; `over` replaces any part.
 */
export function daneHost(mx: string, records: TlsaFact[], over: Partial<DaneHost> = {}): DaneHost {
  const name = `_25._tcp.${mx}`;
  return {
    mx,
    addresses: [lookup(mx, 'A', { records: ['192.0.2.1'] })],
    skipped: null,
    tlsa: [lookup(name, 'TLSA', { records: records.map(shown) })],
    base: records.length ? mx : null,
    records,
    state: null,
    ...over,
  };
}

/** A DANE section: a trusted loopback resolver, port 25, a secure MX answer naming the hosts. */
export function section(hosts: DaneHost[], over: Partial<DaneSection> = {}, domain = 'example.test'): DaneSection {
  return {
    resolver: { description: RESOLVER, trust: 'loopback' },
    port: 25,
    mx: lookup(domain, 'MX', { records: hosts.map((h, i) => `${10 * (i + 1)} ${h.mx}`) }),
    hosts,
    ...over,
  };
}

const reply = (code: number, ...lines: string[]): ReplyFacts => ({ code, enhanced: null, lines });

/** A chain as the handshake delivered it: DER, base64, leaf first. */
export const peerChain = (chain: readonly IssuedCert[]) => chain.map((c) => c.der.toString('base64'));

export function tlsOk(chain: readonly IssuedCert[], sni: string): TlsFacts {
  return {
    ok: true,
    status: 'ok',
    protocol: 'TLSv1.3',
    cipher: 'TLS_AES_256_GCM_SHA384',
    cipherStandard: 'TLS_AES_256_GCM_SHA384',
    group: 'X25519',
    sni,
    ocspStapled: false,
    handshakeMs: 5,
    error: null,
    failure: null,
    injectedBytes: 0,
    peerChain: peerChain(chain),
  };
}

/** One of DANE's extra handshakes (signature algorithms of one key type, SNI the TLSA base domain) that got this chain. */
export function daneHandshake(algorithm: 'rsa' | 'ecdsa', chain: readonly IssuedCert[], serverName: string): DaneHandshake {
  return { algorithm, serverName, status: 'ok', error: null, protocol: 'TLSv1.3', peerChain: peerChain(chain), leafKeyType: algorithm === 'rsa' ? 'rsa' : 'ec', leafSubject: null };
}

/** The facts of one MX address that completed STARTTLS and presented `chain` (none: `tls` null, no handshake). */
export function hostFacts(mx: string, address: string, chain: readonly IssuedCert[] | null, over: Partial<HostFacts> = {}): HostFacts {
  return {
    key: `${mx}[${address}]:25`,
    mx,
    preference: 10,
    address,
    family: address.includes(':') ? 6 : 4,
    port: 25,
    implicitTls: false,
    serverName: mx,
    ptr: [],
    ptrMatchesBanner: null,
    status: 'ok',
    statusDetail: null,
    statusReason: null,
    connectMs: 3,
    banner: reply(220, `${mx} ESMTP`),
    bannerName: mx,
    greeting: 'EHLO',
    ehloReply: reply(250, mx, 'STARTTLS'),
    ehloName: mx,
    capabilities: [{ keyword: 'STARTTLS', params: [], meaning: null, rfc: null }],
    starttls: { offered: true, masked: false, reply: reply(220, '2.0.0 go ahead'), negotiated: chain !== null },
    tls: chain === null ? null : tlsOk(chain, mx),
    legacyRetry: null,
    capabilitiesInTls: chain === null ? null : [{ keyword: 'SIZE', params: ['1000'], meaning: null, rfc: null }],
    ehloTlsReply: chain === null ? null : reply(250, mx, 'SIZE 1000'),
    envelope: [],
    noSni: null,
    cleartext: null,
    evidence: {},
    ...over,
  };
}

/** The address judged as the receiver test judges it, with this trust store at this time, for this mail domain. */
export function judged(facts: HostFacts, trustStore: TrustStore, now: number, domain: string | null = 'example.test'): HostReport {
  return judgeHost(facts, {
    trustStore,
    now,
    domain,
    profile: DEFAULT_PROFILE,
    warnDays: 30,
    expectThumbprint: null,
    timeouts: { connectMs: 10_000, greetingMs: 300_000, commandMs: 120_000 },
    transcript: [],
  });
}
