// `mxray cert`: one certificate judged the way senders judge it — from files (PEM, DER, PKCS#7,
// PKCS#12 as Windows exports it), or as the servers of a host or domain present it (fetched with
// the receiver test's own probe). The chain is built by the one path builder (pki/verify.ts),
// repaired from AIA URLs where it is incomplete, its revocation looked up (jobs/pki/fetch.ts), and
// judged by the receiver test's certificate judge plus what only this command is asked: names,
// the private key, TLSA records, and which kinds of sender accept it.
import { createHash } from 'node:crypto';
import type { Clock, DnssecResolver, TrustStore } from '../../core/context.js';
import { UsageError } from '../../core/errors.js';
import { ipFamily } from '../../core/ip.js';
import { judgedWith } from '../../core/report.js';
import type {
  CertFileFacts,
  CertificateReport,
  CertSubject,
  CertVerdict,
  Finding,
  HostReport,
  PkiFetches,
  ReceiverReport,
  Target,
} from '../../core/schema.js';
import { Transcript } from '../../core/transcript.js';
import { SCHEMA_VERSION, VERSION } from '../../core/version.js';
import { DEFAULT_PROFILE, type Profile } from '../../checks/profile.js';
import { withFetched } from '../../checks/certificate/verify.js';
import { covers, judgeSubject, type SubjectInput } from '../../checks/certificate/subject.js';
import { judgeDaneRecords } from '../../checks/dane/index.js';
import { daneResolverOf, lookupDane } from '../dane/lookup-dane.js';
import type { DaneSection, TlsaFact } from '../../core/dane-schema.js';
import { verdictOf } from '../../checks/verdict.js';
import type { HttpFetcher } from '../../http/fetcher.js';
import { sortFindings, kbEntry } from '../../kb/index.js';
import { describeCertificate } from '../../pki/certificate.js';
import { pickLeaf, readCertFile, type CertFileContents } from '../../pki/files.js';
import { parseTlsaText, type TlsaRecord } from '../../pki/tlsa.js';
import { verifyChain } from '../../pki/verify.js';
import { FetchCache, fetchForChain } from '../pki/fetch.js';
// The receiver test is loaded only for a host or a domain: checking files needs none of its probing code.
import type { ReceiverEdges, ReceiverOptions } from '../receiver/check-receiver.js';

export interface CertFileInput {
  /** The name shown for it (the path as the user typed it). */
  name: string;
  bytes: Buffer;
  role: 'certificate' | 'chain' | 'key';
}

export interface CertificateOptions {
  /** Certificate files, with --chain and --key files (the caller reads them: jobs never touch the file system). */
  files?: CertFileInput[];
  /** Or a host[:port] or domain whose servers present the certificate (with the receiver test's probe). */
  target?: string | null;
  /** For PKCS#12 files and encrypted keys. */
  password?: string | null;
  /** Names the certificate must cover (the connector FQDN, MX names, the domain); default for a target: each MX host and the domain. */
  names?: string[];
  /** TLSA records in presentation form ("3 1 1 <hex>"). */
  tlsa?: string[];
  expectThumbprint?: string | null;
  /** Judge at this moment (epoch ms) instead of now. */
  at?: number | null;
  warnDays?: number;
  /** CRL and OCSP lookups (default true). */
  revocation?: boolean;
  /** Time for each HTTP fetch (AIA, CRL, OCSP; default 15 s). */
  fetchTimeoutMs?: number;
  profile?: Profile;
  /**
   * Kinds of sender asked about (acceptance profile ids, e.g. 'exchange-online'): only their rows
   * are kept, and each that does not accept a certificate is a finding (cert.sender-refuses).
   */
  senders?: string[];
  /** How a target is probed: port, implicit TLS, host map, families, limits, EHLO name (the receiver test's options). */
  probe?: Omit<ReceiverOptions, 'target' | 'clock' | 'trustStore' | 'fetcher' | 'revocation'>;
  clock?: Clock;
  trustStore?: TrustStore;
  fetcher?: HttpFetcher;
  /**
   * DANE: the resolver whose DNSSEC status the TLSA lookups read (default: the defaults' — none when
   * the caller brought only a resolver; null: none). For a host or domain the receiver test looks
   * them up; for files, when the DANE sender is asked about (`senders` holds 'dane'), the TLSA records
   * of the first --name.
   */
  dnssec?: DnssecResolver | null;
  signal?: AbortSignal;
  onProgress?: (key: string, phase: string) => void;
}

/** Most subjects (distinct chains) one report judges. */
const MAX_SUBJECTS = 64;
/** Most --name and --tlsa values. */
const MAX_NAMES = 64;

const sha256Hex = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

function checkNames(names: readonly string[]): string[] {
  if (names.length > MAX_NAMES) throw new UsageError(`at most ${MAX_NAMES} --name values`);
  return names.map((n) => {
    const name = n.trim().toLowerCase().replace(/\.$/, '');
    if (!/^(\*\.)?[a-z0-9_]([a-z0-9_-]{0,62}(\.[a-z0-9_-]{1,63})*)?$/.test(name) && ipFamily(name) === 0) {
      throw new UsageError(`--name ${JSON.stringify(n.slice(0, 80))} is not a host name or IP address`);
    }
    return name;
  });
}

function checkTlsa(texts: readonly string[]): TlsaRecord[] {
  if (texts.length > MAX_NAMES) throw new UsageError(`at most ${MAX_NAMES} --tlsa values`);
  return texts.map((t) => {
    const r = parseTlsaText(t);
    if ('error' in r) throw new UsageError(`--tlsa: ${r.error}`);
    return r;
  });
}

function fileFacts(input: CertFileInput, contents: CertFileContents): CertFileFacts {
  return {
    name: input.name,
    role: input.role,
    format: contents.format,
    bytes: input.bytes.length,
    sha256: sha256Hex(input.bytes),
    certificates: contents.certificates.length,
    privateKeys: contents.privateKeys.length,
    lockedKeys: contents.lockedKeys,
    notes: contents.notes.slice(0, 50),
  };
}

/**
 * The certificate check. Every edge the caller leaves out comes from `defaults` (only when needed).
 * Throws UsageError (one line, exit 2) for input it cannot use: an unreadable file, a wrong password,
 * a bad --name or --tlsa.
 */
export async function runCertificateCheck(options: CertificateOptions, defaults: () => ReceiverEdges): Promise<CertificateReport> {
  const files = options.files ?? [];
  const target = options.target ?? null;
  if (files.length === 0 && target === null) throw new UsageError('say what to check: mxray cert <file… | host[:port] | domain>');
  if (files.length > 0 && target !== null) throw new UsageError('give certificate files or a host/domain, not both');
  const names = checkNames(options.names ?? []);
  const tlsa = checkTlsa(options.tlsa ?? []);
  let built: ReceiverEdges | null = null;
  const edges = (): ReceiverEdges => (built ??= defaults());
  const clock = options.clock ?? edges().clock;
  const trustStore = options.trustStore ?? edges().trustStore;
  const profile = options.profile ?? DEFAULT_PROFILE;
  const now = options.at ?? clock.now();
  const startedAt = new Date(clock.now()).toISOString();
  const startedMono = clock.monotonic();
  const warnDays = options.warnDays ?? profile.expiryWarnDays;
  const expectThumbprint = options.expectThumbprint ?? null;
  const revocation = options.revocation ?? true;
  const judging = { profile, warnDays, expectThumbprint, now, revocationChecked: revocation, senders: options.senders ?? [] };
  const transcript = new Transcript(clock);

  let report: {
    subjects: CertSubject[];
    findings: Finding[];
    fileFacts: CertFileFacts[];
    target: Target | null;
    kind: CertificateReport['body']['input']['kind'];
    transcript: Transcript | ReceiverReport['transcript'];
    names: string[];
    dane: DaneSection | null;
  };
  if (files.length > 0) {
    // The DANE sender asked about: the TLSA records of the host the certificate is for (the first --name).
    const dnssec = judging.senders.includes('dane') && names[0] !== undefined && ipFamily(names[0]) === 0 ? daneResolverOf(options, edges) : null;
    const looked = dnssec ? await lookupDane({ domain: null, host: names[0] as string, port: options.probe?.port ?? 25, maxMx: 1 }, { dnssec, transcript, ...(options.signal ? { signal: options.signal } : {}) }) : null;
    const daneSection = looked ? judgeDaneRecords(looked, { domain: null }).section : null;
    const daneHost = daneSection?.hosts[0];
    const daneInput = tlsa.length > 0 ? { records: tlsa, state: null } : daneHost ? { records: daneHost.records.map(toTlsaRecord), state: daneHost.state } : null;
    const read: { input: CertFileInput; contents: CertFileContents }[] = [];
    for (const input of files) read.push({ input, contents: await readCertFile(input.bytes, { name: input.name, password: options.password ?? null, purpose: input.role === 'key' ? 'key' : 'certificate' }) });
    const main = read.filter((r) => r.input.role === 'certificate');
    const chainCerts = read.filter((r) => r.input.role === 'chain').flatMap((r) => r.contents.certificates);
    const keyFiles = read.filter((r) => r.input.role === 'key');
    const fetcher = options.fetcher ?? edges().fetcher ?? null;
    const cache = new FetchCache();
    const subjects: CertSubject[] = [];
    const findings: Finding[] = [];
    for (const { input, contents } of main.slice(0, MAX_SUBJECTS)) {
      if (contents.certificates.length === 0) throw new UsageError(`${input.name} holds no certificate${contents.privateKeys.length > 0 ? ' (only a private key: give it with --key beside the certificate)' : ''}`);
      const keys = [...contents.privateKeys, ...keyFiles.flatMap((k) => k.contents.privateKeys)];
      const picked = pickLeaf(contents.certificates, keys);
      const leaf = contents.certificates[picked.index] as Buffer;
      const chain = [leaf, ...contents.certificates.filter((_, i) => i !== picked.index), ...chainCerts];
      let verdict = verifyChain({ chain, trustStore, now, name: null, domain: null });
      let fetches: PkiFetches | null = null;
      if (fetcher) {
        options.onProgress?.(input.name, 'certificate lookups');
        fetches = await fetchForChain(
          chain,
          null,
          { fetcher, trustStore, now, revocation, cache, transcript, ...(options.signal ? { signal: options.signal } : {}), ...(options.fetchTimeoutMs ? { timeoutMs: options.fetchTimeoutMs } : {}) },
          input.name,
        );
      }
      verdict = withFetched(verdict, chain, fetches, { trustStore, now });
      const first = names[0] ?? null;
      if (first !== null) verdict = { ...verdict, checkedName: first, nameMatches: covers(describeCertificate(leaf, 'sent'), first) };
      const guessed = contents.certificates.length > 1 && keys.length === 0;
      const keyGiven = keyFiles.length > 0 ? { file: keyFiles.map((k) => k.input.name).join(', '), keys } : contents.privateKeys.length > 0 ? { file: input.name, keys } : null;
      const judged = judgeSubject(
        {
          label: input.name,
          origin: 'file',
          host: null,
          handshake: null,
          chain,
          leafWhy: contents.certificates.length > 1 || keys.length > 0 ? picked.why : null,
          guessed: guessed ? { count: contents.certificates.length, why: picked.why } : null,
          verdict,
          names,
          // A file has no MX: the first --name stands for the host senders connect to.
          mxHost: names[0] ?? null,
          domain: null,
          key: keyGiven,
          tlsa,
          dane: daneInput,
          ocspStapled: null,
          prior: [],
          evidence: [],
        },
        judging,
      );
      subjects.push(judged.subject);
      findings.push(...judged.findings);
    }
    report = { subjects, findings, fileFacts: read.map((r) => fileFacts(r.input, r.contents)), target: null, kind: 'files', transcript, names, dane: daneSection };
  } else {
    const { runReceiverCheck } = await import('../receiver/check-receiver.js');
    const receiver = await runReceiverCheck(
      {
        ...(options.probe ?? {}),
        target,
        clock,
        trustStore,
        revocation,
        ...(options.fetchTimeoutMs ? { fetchTimeoutMs: options.fetchTimeoutMs } : {}),
        ...(options.fetcher ? { fetcher: options.fetcher } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        ...(options.onProgress ? { onProgress: options.onProgress } : {}),
        expectThumbprint,
        warnDays,
        ...(options.dnssec !== undefined ? { dnssec: options.dnssec } : {}),
      },
      edges,
    );
    const domain = receiver.body.target.domain;
    const judged = fromHosts(receiver, { names, tlsa, domain, judging, trustStore });
    report = { subjects: judged.subjects, findings: judged.findings, fileFacts: [], target: receiver.body.target, kind: receiver.body.target.kind, transcript: receiver.transcript, names, dane: receiver.body.dane ?? null };
  }
  const findings = sortFindings(dedupe(report.findings));
  const events = report.transcript instanceof Transcript ? report.transcript.events : report.transcript;
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'mxray', version: VERSION },
    kind: 'certificate',
    target: target ?? files.filter((f) => f.role === 'certificate').map((f) => f.name).join(' '),
    startedAt,
    durationMs: Math.round((clock.monotonic() - startedMono) * 1000) / 1000,
    verdict: report.subjects.length === 0 && findings.length === 0 ? 'inconclusive' : verdictOf(findings),
    judgedWith: judgedWith({ at: now, profile, trustStore, warnDays, expectThumbprint }),
    findings,
    transcript: events,
    body: {
      input: { kind: report.kind, files: report.fileFacts, target: report.target },
      names: report.names,
      revocationChecked: revocation,
      subjects: report.subjects,
      ...(report.dane ? { dane: report.dane } : {}),
    },
  };
}

/** The leaf of the main handshake among the chains seen (the first one). */
function s0(seen: readonly { chain: string[] | null }[]): string | undefined {
  return seen[0]?.chain?.[0];
}

/** A TLSA record of the facts, as pki/tlsa.ts takes it. */
function toTlsaRecord(r: TlsaFact): TlsaRecord {
  return { usage: r.usage, selector: r.selector, matchingType: r.matchingType, data: Buffer.from(r.data, 'hex') };
}

/** What the receiver test's DANE lookup gives for the chains of one MX host: its records, or why there are none to match. */
function daneOf(receiver: ReceiverReport, mx: string, given: TlsaRecord[]): SubjectInput['dane'] {
  if (given.length > 0) return { records: given, state: null };
  const host = receiver.body.dane?.hosts.find((h) => h.mx === mx.toLowerCase());
  if (!host) return null;
  const matchable = host.state === null || host.state === 'match' || host.state === 'no-match' || host.state === 'not-tested' || host.state === 'no-tls';
  return { records: host.records.map(toTlsaRecord), state: matchable ? null : host.state, base: host.base };
}

/** The same finding (id, host, title) once. */
function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.id}\u0000${f.title}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Findings of the receiver test that concern the certificate, or say why there is none. */
function certificateFindings(h: HostReport): Finding[] {
  return h.findings.filter((f) => f.id.startsWith('cert.') || f.severity === 'error' || f.severity === 'critical' || kbEntry(f.id).inconclusive === true);
}

/** One subject per distinct chain and handshake: four MX hosts sharing a certificate are judged once. */
function fromHosts(
  receiver: ReceiverReport,
  o: { names: string[]; tlsa: TlsaRecord[]; domain: string | null; judging: Parameters<typeof judgeSubject>[1]; trustStore: TrustStore },
): { subjects: CertSubject[]; findings: Finding[] } {
  const groups = new Map<string, { hosts: HostReport[]; handshake: 'sni' | 'no-sni'; chain: string[]; verdict: CertVerdict; what?: string }>();
  const findings: Finding[] = [];
  for (const h of receiver.body.hosts) {
    findings.push(...certificateFindings(h));
    const seen: { handshake: 'sni' | 'no-sni'; chain: string[] | null; verdict: CertVerdict | null; what?: string }[] = [
      { handshake: 'sni', chain: h.tls?.ok ? (h.tls.sentChain ?? h.tls.peerChain) : null, verdict: h.assessment.certificate },
      { handshake: 'no-sni', chain: h.noSni?.status === 'ok' && h.assessment.noSni?.sameCertificate === false ? h.noSni.peerChain : null, verdict: h.assessment.noSni?.certificate ?? null },
    ];
    // DANE's handshakes (one key type each): a certificate of the other key type is judged too — a DANE
    // sender, or any sender that offers only that key type's signatures, is shown it.
    const mainLeaf = s0(seen);
    for (const d of h.dane ?? []) {
      if (d.status !== 'ok' || d.peerChain.length === 0 || d.peerChain[0] === mainLeaf || seen.some((x) => x.chain?.[0] === d.peerChain[0])) continue;
      const chain = d.peerChain.map((c) => Buffer.from(c, 'base64'));
      const what = `${d.algorithm === 'rsa' ? 'RSA' : 'ECDSA'} certificate, for senders that offer only ${d.algorithm === 'rsa' ? 'RSA' : 'ECDSA'} signatures`;
      seen.push({ handshake: 'sni', chain: d.peerChain, verdict: verifyChain({ chain, trustStore: o.trustStore, now: o.judging.now, name: h.serverName, domain: o.domain }), what });
    }
    for (const s of seen) {
      if (!s.chain || s.chain.length === 0 || !s.verdict || s.verdict.path.length === 0) continue;
      const key = `${s.handshake}:${s.chain.join(',')}`;
      const group = groups.get(key);
      if (group) group.hosts.push(h);
      else if (groups.size < MAX_SUBJECTS) groups.set(key, { hosts: [h], handshake: s.handshake, chain: s.chain, verdict: s.verdict, ...(s.what ? { what: s.what } : {}) });
    }
  }
  const subjects: CertSubject[] = [];
  for (const g of groups.values()) {
    const first = g.hosts[0] as HostReport;
    const more = g.hosts.length > 1 ? ` and ${g.hosts.length - 1} more` : '';
    const mxHost = first.serverName;
    const names = o.names.length > 0 ? o.names : [...new Set([mxHost, o.domain].filter((n): n is string => n !== null))];
    const judged = judgeSubject(
      {
        label: `${first.key}${more}, ${g.handshake === 'sni' ? 'with SNI' : 'without SNI'}${g.what ? ` (the ${g.what})` : ''}`,
        origin: 'handshake',
        host: first.key,
        handshake: g.handshake,
        chain: g.chain.map((c) => Buffer.from(c, 'base64')),
        leafWhy: null,
        verdict: g.verdict,
        names,
        mxHost,
        domain: o.domain,
        key: null,
        tlsa: o.tlsa,
        // DANE senders always send SNI: the certificate shown without it is not theirs to judge.
        dane: g.handshake === 'sni' ? daneOf(receiver, first.mx, o.tlsa) : null,
        ocspStapled: first.tls?.ocspStapled ?? null,
        prior: [],
        evidence: first.evidence.tls ?? [],
      },
      o.judging,
    );
    subjects.push(judged.subject);
    findings.push(...judged.findings);
  }
  return { subjects, findings };
}

