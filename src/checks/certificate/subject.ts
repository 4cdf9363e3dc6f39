// What `mxray cert` asks of one certificate beyond the receiver test's judge: the names given, the
// private key, TLSA records, and which kinds of sender accept it (with a finding for each kind
// asked about that does not). Pure: the chain, its verdict and the key objects in, findings out.
import type { KeyObject } from 'node:crypto';
import type { CertDetailsFacts, CertSubject, CertVerdict, Finding } from '../../core/schema.js';
import { ipFamily } from '../../core/ip.js';
import { makeFinding } from '../../kb/index.js';
import type { Profile } from '../../kb/profiles.js';
import { readCertDetails } from '../../pki/cert-details.js';
import { describeCertificate, displayName } from '../../pki/certificate.js';
import { keyMatchesCertificate } from '../../pki/files.js';
import { matchTlsa, tlsaText, type TlsaRecord } from '../../pki/tlsa.js';
import { assessCertificate, certificateCovers } from './assess-certificate.js';
import { judgeAcceptance } from './acceptance.js';
import { daneOutcome } from '../dane/index.js';
import type { DaneState } from '../../core/schema.js';

/** Whether the certificate covers a name (RFC 6125 for DNS names; an IP address in the SAN for IP literals). */
export function covers(leaf: ReturnType<typeof describeCertificate>, name: string): boolean {
  if (ipFamily(name) !== 0) return leaf.ipAddresses.includes(name);
  return certificateCovers(leaf, name);
}

export interface Judged {
  subject: CertSubject;
  findings: Finding[];
}

export interface SubjectInput {
  label: string;
  origin: CertSubject['origin'];
  host: string | null;
  handshake: CertSubject['handshake'];
  chain: Buffer[];
  leafWhy: string | null;
  /** A file of several certificates and no key: how many, and which one was taken (a note). */
  guessed?: { count: number; why: string } | null;
  verdict: CertVerdict;
  names: string[];
  mxHost: string | null;
  domain: string | null;
  key: { file: string; keys: KeyObject[] } | null;
  tlsa: TlsaRecord[];
  /**
   * DANE: the host's TLSA records as looked up (state null: secure and usable, matched here against
   * this chain; another state: why DANE gives no records to match), or records given by hand
   * (--tlsa, taken as secure). Null or absent: neither.
   */
  dane?: { records: TlsaRecord[]; state: DaneState | null; base?: string | null } | null;
  ocspStapled: boolean | null;
  /** Findings the receiver test already made for this certificate (host mode). */
  prior: Finding[];
  evidence: number[];
}

export function judgeSubject(s: SubjectInput, ctx: { profile: Profile; warnDays: number; expectThumbprint: string | null; now: number; revocationChecked: boolean; senders: readonly string[] }): Judged {
  const leafDer = s.chain[0] as Buffer;
  const details: CertDetailsFacts = readCertDetails(leafDer);
  const leaf = describeCertificate(leafDer, 'sent');
  const subjectName = displayName(leaf);
  const host = s.label;
  const findings: Finding[] =
    s.origin === 'file'
      ? assessCertificate(s.verdict, {
          host,
          profile: ctx.profile,
          warnDays: ctx.warnDays,
          expectThumbprint: ctx.expectThumbprint,
          announcedNames: [],
          evidence: s.evidence,
          handshake: 'sni',
          now: ctx.now,
          leafDer,
          ocspStapled: s.ocspStapled,
          noteMissingRevocation: true,
        })
      : [...s.prior];
  const add = (id: Parameters<typeof makeFinding>[0], facts: Record<string, string | number | boolean | null>): void => {
    findings.push(makeFinding(id, { host, ...facts }, s.evidence, [host]));
  };
  if (s.guessed) add('cert.leaf-guessed', { count: s.guessed.count, why: s.guessed.why });
  const names = s.names.map((name) => ({ name, covered: covers(leaf, name) }));
  // Names the receiver test did not already check (it checks the MX host name itself).
  for (const n of names) {
    if (!n.covered && !(s.origin === 'handshake' && n.name === s.mxHost) && !(s.origin === 'handshake' && n.name === s.domain)) {
      add('cert.name-mismatch', { name: n.name, certNames: [...leaf.dnsNames, ...leaf.ipAddresses].join(', ') || leaf.commonName || '(none)' });
    }
  }
  let key: CertSubject['key'] = null;
  if (s.key) {
    const matches = s.key.keys.some((k) => keyMatchesCertificate(k, leafDer));
    key = { file: s.key.file, matches };
    add(matches ? 'cert.key-matches' : 'cert.key-mismatch', { keyFile: s.key.file, subject: subjectName });
  }
  const tlsaMatches = matchTlsa(s.tlsa, s.chain);
  const tlsa = tlsaMatches.map((m) => ({ record: tlsaText(m.record), matches: m.matched !== null && m.record.usage >= 2, certificate: m.matched, detail: m.note }));
  if (tlsa.length > 0) {
    const good = tlsa.filter((t) => t.matches);
    if (good.length > 0) add('cert.tlsa-match', { records: good.map((t) => t.record).join('; '), subject: subjectName });
    else add('cert.tlsa-mismatch', { records: tlsa.map((t) => t.record).join('; '), subject: subjectName });
  }
  const acceptance = judgeAcceptance({
    verdict: s.verdict,
    mxHost: s.mxHost,
    domain: s.domain,
    // Exchange: every name asked about (the connector FQDN among them) must be on the certificate; the domain need not.
    connectorNames: s.origin === 'file' ? s.names : s.names.filter((n) => n !== s.mxHost && n !== s.domain),
    now: ctx.now,
    revocationChecked: ctx.revocationChecked,
    dane: s.dane ? daneOutcome(s.dane.state, s.dane.records, s.chain, [...(s.dane.base ? [s.dane.base] : []), s.mxHost, s.domain, ...s.names].filter((n): n is string => n !== null), ctx.now) : null,
  }).filter((a) => ctx.senders.length === 0 || ctx.senders.includes(a.profile));
  // The question asked: "will Exchange Online accept it?" — a no is a finding of its own.
  for (const a of acceptance) {
    if (ctx.senders.includes(a.profile) && a.accepts !== 'yes') {
      add(a.accepts === 'no' ? 'cert.sender-refuses' : 'cert.sender-unknown', { sender: a.name, reason: a.reasons[0] ?? '' });
    }
  }
  return {
    subject: {
      label: s.label,
      origin: s.origin,
      host: s.host,
      handshake: s.handshake,
      chain: s.chain.slice(0, 64).map((c) => c.toString('base64')),
      leafWhy: s.leafWhy,
      verdict: s.verdict,
      details,
      names,
      key,
      tlsa,
      acceptance,
    },
    findings,
  };
}

