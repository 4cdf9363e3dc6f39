// Judges DANE for SMTP (RFC 7672) from the facts: the DNSSEC status of the MX, address and TLSA
// lookups, the records themselves, and — in the receiver test — the certificates each address
// presented (the main handshake and DANE's extra ones, one per key type). Pure.
//
// What DANE does to the other verdicts: a certificate that a secure DANE-EE record matches is
// authenticated for DANE senders whatever its dates, names and issuer say, so those findings are
// capped at a warning (they still stop senders that verify by CA, and MTA-STS senders, which the
// finding then says); a DANE failure is a finding of its own that nothing else lifts — MTA-STS
// never overrides it (RFC 8461 §2).
import type { DaneHost, DaneSection, DaneState, Finding, HostReport, SecureLookup, TlsaFact } from '../../core/schema.js';
import { makeFinding, SEVERITY_RANK } from '../../kb/index.js';
import { ednsErrorName } from '../../kb/dns-ede.js';
import { describeCertificate } from '../../pki/certificate.js';
import { certificateCovers } from '../../pki/names.js';
import { createTrustStore } from '../../pki/trust-store.js';
import { verifyChain } from '../../pki/verify.js';
import { matchTlsa, type TlsaRecord } from '../../pki/tlsa.js';
import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { fewOf } from '../words.js';
import type { Check } from '../check.js';
import { CA_VERIFICATION_FAILURES } from '../certificate/index.js';
import { INCONCLUSIVE_IDS, verdictOf } from '../verdict.js';
import type { DaneOutcome } from '../certificate/acceptance.js';
import { tlsaText } from '../../pki/tlsa.js';

/** Microsoft's outbound DANE is reported to stop after about a dozen TLSA records per MX host. */
export const LARGE_SENDER_TLSA_LIMIT = 12;

/** Which state of one address weighs most for the host: a failure over "not tested" over a match (the record-only states are the same for every address). */
const STATE_RANK: Readonly<Record<DaneState, number>> = {
  match: 0,
  'not-tested': 1,
  insecure: 2,
  'no-records': 2,
  unusable: 2,
  'no-match': 3,
  'no-tls': 3,
  'lookup-failed': 3,
  bogus: 3,
};

/** Certificate findings a DANE-EE match makes irrelevant to DANE senders: trust, dates, names. */
const EE_LIFTED = new Set([...CA_VERIFICATION_FAILURES, 'cert.expiring-soon']);

/** Those a DANE-TA match lifts: the path to a public root (the record is the anchor); names and dates still count. */
const TA_LIFTED = new Set(['cert.self-signed', 'cert.untrusted-root', 'cert.chain-incomplete']);

function text(r: TlsaFact): string {
  const data = r.data.length > 16 ? `${r.data.slice(0, 8)}…${r.data.slice(-8)}` : r.data;
  return `${r.usage} ${r.selector} ${r.matchingType} ${data}`;
}

/** RFC 7672 §3.1.3: only DANE-TA(2) and DANE-EE(3), with selectors 0/1 and matching types 0/1/2, are usable. */
export function usable(r: TlsaFact): boolean {
  // A digest of the wrong length (or data too long to have been kept) is unusable, as OpenSSL's DANE code takes it.
  const hexLength = r.matchingType === 1 ? 64 : r.matchingType === 2 ? 128 : null;
  const dataOk = hexLength === null ? r.data.length > 0 : r.data.length === hexLength;
  return (r.usage === 2 || r.usage === 3) && r.selector <= 1 && r.matchingType <= 2 && dataOk;
}

function toRecord(r: TlsaFact): TlsaRecord {
  return { usage: r.usage, selector: r.selector, matchingType: r.matchingType, data: Buffer.from(r.data, 'hex') };
}

/** Why an answer was bogus, from its RFC 8914 errors (or the CD=1 answer). */
function bogusWhy(l: SecureLookup): string {
  const ede = l.ede.map((e) => `${ednsErrorName(e.code)}${e.text ? `: ${e.text}` : ''}`);
  if (ede.length) return ede.join('; ');
  return l.cdRcode ? `SERVFAIL, but ${l.cdRcode} with checking disabled` : 'SERVFAIL';
}

function failureOf(l: SecureLookup): string {
  return l.rcode ?? l.error ?? 'no answer';
}

export interface DaneContext {
  /** The mail domain (the next-hop domain of RFC 7672 §3.2.2), or null. */
  domain: string | null;
  /** The judging time: a DANE-TA path is validated at it (absent: the match alone is taken). */
  now?: number;
  /**
   * Relay to MX hosts on port 25, where DANE senders are (default true): only there does a match
   * lift the certificate findings; on a submission port mail clients do not use DANE.
   */
  relay?: boolean;
}

export interface DaneRecordsJudgement {
  section: DaneSection;
  /** Findings by MX host name (the receiver test spreads them over that host's addresses); '' for the domain's own. */
  byMx: Map<string, Finding[]>;
}

function push(map: Map<string, Finding[]>, key: string, f: Finding): void {
  const list = map.get(key);
  if (list) list.push(f);
  else map.set(key, [f]);
}

/** The state and the findings of one MX host that its DNS answers alone give (null state: usable records, to be matched). */
function judgeHostRecords(h: DaneHost, resolver: string, domain: string | null, out: Finding[]): DaneState | null {
  const bogus = [...h.addresses, ...h.tlsa].find((l) => l.status === 'bogus');
  if (bogus) {
    out.push(makeFinding('dane.bogus', { name: bogus.name, type: bogus.type, why: bogusWhy(bogus), domain: domain ?? h.mx, resolver }));
    return 'bogus';
  }
  if (h.skipped === 'not-trusted') return 'insecure';
  if (h.skipped === 'mx-insecure') return 'insecure';
  if (h.skipped === 'address-insecure') {
    const signedAnyway = h.addresses.find((l) => l.status === 'insecure' && l.signed);
    if (signedAnyway) out.push(makeFinding('dane.not-validated', { name: signedAnyway.name, type: signedAnyway.type, resolver }));
    else out.push(makeFinding('dane.insecure', { mx: h.mx, what: `the addresses of ${h.mx} are not DNSSEC-signed`, resolver }));
    return 'insecure';
  }
  if (h.skipped === 'address-failed') {
    const failed = h.addresses.find((l) => l.status === 'error');
    if (failed) out.push(makeFinding('dane.lookup-failed', { name: failed.name, type: failed.type, error: failureOf(failed), resolver }));
    return 'not-tested';
  }
  const last = h.tlsa.at(-1);
  if (last?.status === 'error') {
    // The resolver's SERVFAIL is what DANE senders get too; a time-out, REFUSED or our own abort is ours: not known.
    if (last.rcode !== 'SERVFAIL') {
      out.push(makeFinding('dane.lookup-failed', { name: last.name, type: 'TLSA', error: failureOf(last), resolver }));
      return 'not-tested';
    }
    const cd = last.cdRcode === 'SERVFAIL' ? '; it fails with checking disabled (CD) too, so it is not a signature problem' : '';
    out.push(makeFinding('dane.tlsa-lookup-failed', { mx: h.mx, name: last.name, rcode: failureOf(last), cd, domain: domain ?? h.mx, resolver }));
    return 'lookup-failed';
  }
  if (h.records.length === 0) {
    // A secure "no such record" (at either name) is what decides; an insecure answer alone means no DANE.
    const insecure = h.tlsa.some((l) => l.status === 'secure') ? undefined : h.tlsa.find((l) => l.status === 'insecure');
    if (insecure) out.push(makeFinding('dane.insecure', { mx: h.mx, what: `its TLSA records (${insecure.name}) are not DNSSEC-signed`, resolver }));
    else out.push(makeFinding('dane.no-records', { mx: h.mx, name: h.tlsa[0]?.name ?? `_25._tcp.${h.mx}`, domain: domain ?? h.mx }));
    return insecure ? 'insecure' : 'no-records';
  }
  const good = h.records.filter(usable);
  const bad = h.records.filter((r) => !usable(r));
  if (good.length === 0) {
    out.push(makeFinding('dane.unusable-only', { mx: h.mx, records: fewOf(bad.map(text)), domain: domain ?? h.mx }));
    return 'unusable';
  }
  if (bad.length) out.push(makeFinding('dane.unusable-records', { mx: h.mx, records: fewOf(bad.map(text)) }));
  const wholeCert = good.filter((r) => r.usage === 3 && r.selector === 0);
  if (wholeCert.length) out.push(makeFinding('dane.ee-whole-certificate', { mx: h.mx, records: fewOf(wholeCert.map(text)), domain: domain ?? h.mx }));
  // Ready for a key change: a second DANE-EE record, or a DANE-TA one beside DANE-EE (RFC 7671 §8.1).
  const ee = good.filter((r) => r.usage === 3);
  if (ee.length === 1 && !good.some((r) => r.usage === 2)) out.push(makeFinding('dane.no-rollover', { mx: h.mx, records: text(ee[0] as TlsaFact), domain: domain ?? h.mx }));
  if (h.records.length > LARGE_SENDER_TLSA_LIMIT) out.push(makeFinding('dane.too-many-records', { mx: h.mx, count: String(h.records.length), limit: String(LARGE_SENDER_TLSA_LIMIT) }));
  return null;
}

/** What the DNS answers alone say: every host's state (null where records remain to be matched) and its findings. */
export function judgeDaneRecords(section: DaneSection, ctx: DaneContext): DaneRecordsJudgement {
  const byMx = new Map<string, Finding[]>();
  const resolver = section.resolver.description;
  const domainKey = '';
  if (section.resolver.trust === null) push(byMx, domainKey, makeFinding('dane.resolver-not-trusted', { resolver }));
  const mx = section.mx;
  if (mx?.status === 'bogus') push(byMx, domainKey, makeFinding('dane.bogus', { name: mx.name, type: 'MX', why: bogusWhy(mx), domain: mx.name, resolver }));
  else if (mx?.status === 'error') push(byMx, domainKey, makeFinding('dane.lookup-failed', { name: mx.name, type: 'MX', error: failureOf(mx), resolver }));
  // MX records that are not signed: DANE is simply not in use (the report's DANE line says so); no finding, as for most domains.
  // Signed (RRSIGs came) but without AD from a resolver we trust: it does not validate; DANE cannot be judged.
  else if (mx?.status === 'insecure' && mx.signed && section.resolver.trust !== null) push(byMx, domainKey, makeFinding('dane.not-validated', { name: mx.name, type: 'MX', resolver }));
  const hosts = section.hosts.map((h) => {
    const found: Finding[] = [];
    const state = judgeHostRecords(h, resolver, ctx.domain, found);
    for (const f of found) push(byMx, h.mx, f);
    return { ...h, state };
  });
  return { section: { ...section, hosts }, byMx };
}

/** One chain a DANE sender may be shown, and where it came from. */
interface SeenChain {
  label: string;
  chain: Buffer[];
}

/** Every distinct chain this address presented that a DANE sender could get (the SNI it sends is the TLSA base domain). */
function chainsOf(host: HostReport, base: string): SeenChain[] {
  const out: SeenChain[] = [];
  const seen = new Set<string>();
  const add = (label: string, b64: readonly string[]): void => {
    const leaf = b64[0];
    if (leaf === undefined || seen.has(leaf)) return;
    seen.add(leaf);
    out.push({ label, chain: b64.map((c) => Buffer.from(c, 'base64')) });
  };
  const extra = (host.dane ?? []).filter((d) => d.status === 'ok' && d.peerChain.length > 0);
  // The main handshake sent the MX name as SNI: it counts where that is the base domain, or when nothing else was seen.
  if (host.tls?.ok && (host.serverName === base || extra.length === 0)) add('the certificate', host.tls.sentChain ?? host.tls.peerChain);
  for (const d of extra) add(d.algorithm === 'rsa' ? 'the RSA certificate (sent to senders that offer RSA signatures only)' : 'the ECDSA certificate (sent to senders that offer ECDSA signatures only)', d.peerChain);
  if (out.length > 1 && out[0]?.label === 'the certificate') {
    const keyType = describeCertificate(out[0].chain[0] as Buffer, 'sent').keyType;
    out[0] = { ...out[0], label: `the ${/^ec/i.test(keyType) ? 'ECDSA' : keyType.toUpperCase()} certificate` };
  }
  return out;
}

interface ChainResult {
  ok: boolean;
  /** 'ee' or 'ta': what matched. */
  by: 'ee' | 'ta' | null;
  nameFailed: string[] | null;
  /** A DANE-TA record matched a certificate, but the path from the leaf to it does not validate: why. */
  pathFailed: string | null;
  taUnmatched: TlsaFact[];
}

/**
 * Which certificate each record matches (pki/tlsa.ts), and for a DANE-TA record that holds the whole
 * anchor (2 0 0: the certificate, 2 1 0: its public key) and matches nothing sent: whether a
 * certificate sent is signed by that key — a sender may use the anchor from the record itself when
 * the server leaves it out (RFC 7671 §5.2.2, as Postfix and OpenSSL do).
 */
function matchChainRecords(records: readonly TlsaFact[], chain: readonly Buffer[]): { record: TlsaRecord; matched: number | null }[] {
  return matchTlsa(records.map(toRecord), chain).map((m) => {
    if (m.matched !== null || m.record.usage !== 2 || m.record.matchingType !== 0) return m;
    const key = anchorKey(m.record);
    if (key === null) return m;
    const signed = chain.findIndex((der) => {
      try {
        return new X509Certificate(der).verify(key);
      } catch {
        return false;
      }
    });
    // Index past the chain: the anchor itself, which the server did not send.
    return signed < 0 ? m : { ...m, matched: chain.length };
  });
}

/** The public key a full DANE-TA record holds (null: unreadable). */
function anchorKey(r: TlsaRecord): KeyObject | null {
  try {
    return r.selector === 0 ? new X509Certificate(r.data).publicKey : createPublicKey({ key: r.data, format: 'der', type: 'spki' });
  } catch {
    return null;
  }
}

/** A certificate (DER) as the PEM text the trust store takes. */
function pemOf(der: Buffer): string {
  return `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n')}\n-----END CERTIFICATE-----\n`;
}

/**
 * Whether the path from the leaf up to the certificate a DANE-TA record matched validates with that
 * certificate as the only trust anchor (RFC 7671 §5.2.2): every signature below it, and every date
 * at `now` — DANE-TA drops only the public root, not path validation. Null: it does; else why not.
 */
function taPathProblem(chain: readonly Buffer[], matched: number, record: TlsaRecord, now: number): string | null {
  // The anchor: the certificate sent that the record matched, or the record's own certificate (2 0 0) the server left out.
  const anchor = matched < chain.length ? chain[matched] : record.selector === 0 ? record.data : null;
  // A bare public key (2 1 0) that signed a certificate sent: its signature was checked, there is no certificate to build to.
  if (!anchor) return null;
  let store;
  try {
    store = createTrustStore([pemOf(anchor)], 'the DANE-TA record');
  } catch {
    return 'the anchor cannot be read';
  }
  const sent = matched < chain.length ? chain.slice(0, matched + 1) : [...chain];
  const verdict = verifyChain({ chain: [...sent], trustStore: store, now, name: null, domain: null });
  if (!verdict.trusted) return verdict.trustReason ?? 'the chain does not lead to it';
  if (!verdict.timeValid) return 'the server certificate is out of its validity period';
  const problem = verdict.problems[0];
  return problem ? problem.detail : null;
}

function matchChain(seen: SeenChain, records: readonly TlsaFact[], names: readonly string[], now: number | null): ChainResult {
  const matches = matchChainRecords(records, seen.chain);
  const ee = matches.some((m) => m.record.usage === 3 && m.matched === 0);
  const taHits = matches.filter((m) => m.record.usage === 2 && m.matched !== null);
  const taUnmatched = records.filter((r, i) => r.usage === 2 && matches[i]?.matched === null);
  const base = { nameFailed: null, pathFailed: null, taUnmatched };
  if (ee) return { ...base, ok: true, by: 'ee' };
  if (taHits.length === 0) return { ...base, ok: false, by: null };
  // Without a judging time (no certificate dates to hand), the match alone is taken.
  const problems = now === null ? [null] : taHits.map((m) => taPathProblem(seen.chain, m.matched as number, m.record, now));
  if (!problems.includes(null)) return { ...base, ok: false, by: 'ta', pathFailed: problems[0] ?? 'the path does not validate' };
  const leaf = describeCertificate(seen.chain[0] as Buffer, 'sent');
  if (names.some((n) => certificateCovers(leaf, n))) return { ...base, ok: true, by: 'ta' };
  const has = leaf.dnsNames.length ? leaf.dnsNames : leaf.commonName ? [leaf.commonName] : [];
  return { ...base, ok: false, by: 'ta', nameFailed: has };
}

const DANE_NOTE = ' For DANE senders this does not matter: the certificate matches the TLSA record';

/** Caps what a DANE match lifts at a warning and says for whom it still counts. */
function lift(findings: readonly Finding[], by: 'ee' | 'ta'): Finding[] {
  const lifted = by === 'ee' ? EE_LIFTED : TA_LIFTED;
  return findings.map((f) => {
    if (!lifted.has(f.id)) return f;
    const enforced = f.facts.mtaSts === 'enforce';
    const whom = enforced
      ? ' (DANE-capable senders use DANE before MTA-STS); senders that use MTA-STS but not DANE (Gmail among them) still refuse it.'
      : '; senders that verify certificates by CA (MTA-STS, connectors with certificate validation, Postfix at level verify or secure) still refuse it.';
    const severity = !enforced && SEVERITY_RANK[f.severity] > SEVERITY_RANK.warning ? ('warning' as const) : f.severity;
    return { ...f, severity, detail: `${f.detail}${DANE_NOTE} (${by === 'ee' ? 'DANE-EE' : 'DANE-TA'})${whom}`, facts: { ...f.facts, dane: by } };
  });
}

export interface DaneOnHosts {
  hosts: HostReport[];
  section: DaneSection;
  /** The domain's own DANE findings (resolver, MX); the hosts carry theirs. */
  findings: Finding[];
}

/**
 * The receiver test: the records judged, then every address of a host with usable records matched
 * with each certificate it presented; the findings go on the addresses (and so into their verdicts).
 */
export function applyDane(section: DaneSection, hosts: readonly HostReport[], ctx: DaneContext): DaneOnHosts {
  const judged = judgeDaneRecords(section, ctx);
  const byName = new Map(judged.section.hosts.map((h) => [h.mx.toLowerCase(), h]));
  const states = new Map<string, DaneState>();
  const domainExtra: Finding[] = [];
  const out = hosts.map((host) => {
    const dane = byName.get(host.mx.toLowerCase());
    if (!dane) return host;
    const key = [host.key];
    // A DNSSEC lookup that got no answer says nothing of this address's TLS: shown for the domain, not in the address's verdict.
    const mine = judged.byMx.get(dane.mx) ?? [];
    for (const f of mine.filter((f) => INCONCLUSIVE_IDS.has(f.id))) {
      // One finding per lookup, naming every address of the host (each address comes here once).
      const seen = domainExtra.find((d) => d.id === f.id && d.title === f.title && d.detail === f.detail);
      if (seen) seen.hosts.push(host.key);
      else domainExtra.push({ ...f, hosts: [host.key] });
    }
    const added = mine.filter((f) => !INCONCLUSIVE_IDS.has(f.id)).map((f) => ({ ...f, hosts: key }));
    let findings = [...host.findings, ...added];
    let state: DaneState | null = dane.state;
    // Secure TLSA records make TLS mandatory for DANE senders, usable or not (RFC 7672 §2.2): a server without it gets no mail from them.
    const noTls = state === null || state === 'unusable' ? tlsMissing(host) : null;
    if (noTls !== null) {
      findings.push(makeFinding('dane.no-tls', { host: host.key, why: noTls, records: fewOf(dane.records.map(text)) }, [], key));
      state = 'no-tls';
    }
    if (state === null) {
      const good = dane.records.filter(usable);
      const base = dane.base ?? dane.mx;
      const chains = chainsOf(host, base);
      const names = [base, dane.mx, ...(ctx.domain ? [ctx.domain] : [])];
      if (chains.length === 0) {
        findings.push(makeFinding('dane.not-tested', { host: host.key, records: fewOf(good.map(text)) }, [], key));
        state = 'not-tested';
      } else {
        const results = chains.map((c) => ({ c, r: matchChain(c, good, names, ctx.now ?? null) }));
        const failed = results.filter((x) => !x.r.ok);
        // A DANE-TA record that names nothing sent matters where it was the chain's only chance (beside a match it is a stale record: dane.ok says the rest).
        const taUnmatched = [...new Map(failed.flatMap((x) => x.r.taUnmatched).map((r) => [text(r), r])).values()];
        if (taUnmatched.length) findings.push(makeFinding('dane.ta-not-in-chain', { host: host.key, records: fewOf(taUnmatched.map(text)) }, [], key));
        const nameFail = failed.find((x) => x.r.nameFailed !== null);
        if (nameFail) findings.push(makeFinding('dane.ta-name-mismatch', { host: host.key, mx: base, domain: ctx.domain ?? base, names: fewOf(nameFail.r.nameFailed ?? []) || 'no name at all' }, [], key));
        const unmatched = failed.filter((x) => x.r.nameFailed === null);
        if (unmatched.length) {
          const which = fewOf(
            unmatched.map((x) => (x.r.pathFailed ? `${x.c.label}, whose chain to the DANE-TA anchor does not validate (${x.r.pathFailed.replace(/\.$/, '')}),` : x.c.label)),
            3,
            ' and ',
          );
          findings.push(makeFinding('dane.no-match', { mx: dane.mx, host: host.key, records: fewOf(good.map(text)), which, name: `_25._tcp.${base}`, domain: ctx.domain ?? base }, [], key));
        }
        if (failed.length === 0) {
          const by = results.every((x) => x.r.by === 'ee') ? 'ee' : 'ta';
          const how = results.length > 1 ? `all ${results.length} certificates (${results.map((x) => x.c.label.replace(/^the | certificate.*$/g, '')).join(', ')}) match` : `the certificate matches ${by === 'ee' ? 'its DANE-EE record' : 'its DANE-TA record'}`;
          // Lifted only for relay, and only when the certificate the findings are about (the main handshake's) is one that matched.
          const mainLeaf = host.tls?.ok ? (host.tls.sentChain ?? host.tls.peerChain)[0] : undefined;
          const mainMatched = mainLeaf !== undefined && results.some((x) => x.c.chain[0]?.toString('base64') === mainLeaf);
          if ((ctx.relay ?? true) && mainMatched) findings = lift(findings, by);
          findings.push(makeFinding('dane.ok', { mx: dane.mx, records: fewOf(good.map(text)), how, resolver: section.resolver.description }, [], key));
          state = 'match';
        } else state = 'no-match';
      }
    }
    // The worst state an address of this host got (one address that does not match makes the host's), whatever their order.
    const before = states.get(dane.mx);
    const now = state ?? 'not-tested';
    if (before === undefined || STATE_RANK[now] > STATE_RANK[before]) states.set(dane.mx, now);
    return { ...host, findings, verdict: verdictOf(findings) };
  });
  const sectionOut = { ...judged.section, hosts: judged.section.hosts.map((h) => ({ ...h, state: states.get(h.mx) ?? h.state })) };
  return { hosts: out, section: sectionOut, findings: [...(judged.byMx.get('') ?? []), ...domainExtra] };
}

/** Why a host reached gives no TLS to a sender that requires it (null: it does, or it was not reached that far). */
function tlsMissing(host: HostReport): string | null {
  if (host.implicitTls) return host.tls && !host.tls.ok ? 'fails the TLS handshake' : null;
  const greeted = host.banner !== null && host.banner.code >= 200 && host.banner.code < 300;
  if (!greeted) return null;
  // Judged by what the EHLO reply offered: DANE's own handshakes send STARTTLS regardless, a sender does not.
  if (!host.starttls.offered) return 'does not offer STARTTLS';
  const reply = host.starttls.reply;
  if (reply !== null && reply.code !== 220) return `refuses STARTTLS (${reply.code})`;
  if (host.tls && !host.tls.ok && !(host.dane ?? []).some((d) => d.status === 'ok')) return 'fails the TLS handshake';
  return null;
}

const STATE_WHY: Readonly<Partial<Record<DaneState, string>>> = {
  'no-records': 'the host publishes none',
  insecure: 'the zone is not DNSSEC-signed, or the resolver does not validate',
  'not-tested': 'no certificate',
};

/** What a DANE sender makes of one chain (the certificate check's "DANE sender" row). */
export function daneOutcome(state: DaneState | null, records: readonly TlsaRecord[], chain: readonly Buffer[], names: readonly string[], now: number | null = null): DaneOutcome {
  if (state === 'lookup-failed' || state === 'bogus') return { kind: 'lookup-fails', why: state === 'bogus' ? 'DNSSEC validation fails' : 'SERVFAIL or no answer' };
  if (state !== null && state !== 'match' && state !== 'no-match' && state !== 'no-tls') return state === 'unusable' ? { kind: 'unusable' } : { kind: 'none', why: STATE_WHY[state] ?? state };
  const facts: TlsaFact[] = records.map((r) => ({ usage: r.usage, selector: r.selector, matchingType: r.matchingType, data: r.data.toString('hex').toUpperCase() }));
  const good = facts.filter(usable);
  if (good.length === 0) return facts.length ? { kind: 'unusable' } : { kind: 'none', why: 'no records' };
  const result = matchChain({ label: 'the certificate', chain: [...chain] }, good, names, now);
  const matches = matchChainRecords(good, chain);
  // The record that made the match: a DANE-EE one on the leaf when that is how it matched, else a DANE-TA one.
  const ee = matches.find((m) => m.record.usage === 3 && m.matched === 0);
  const ta = matches.find((m) => m.record.usage === 2 && m.matched !== null);
  if (result.ok && result.by === 'ee' && ee) return { kind: 'match', record: tlsaText(ee.record), usage: 'DANE-EE' };
  if (result.ok && ta) return { kind: 'match', record: tlsaText(ta.record), usage: 'DANE-TA' };
  if (result.nameFailed !== null && ta) return { kind: 'ta-name', record: tlsaText(ta.record), names: fewOf([...new Set(names)], 3, ' nor ') };
  return { kind: 'no-match', records: fewOf(good.map(text)) };
}

/** The DANE checks' inputs: the facts of the lookups, and (matching) the judged hosts of the receiver test. */
export interface DaneRecordsInput {
  section: DaneSection;
  domain: string | null;
}
export interface DaneMatchInput extends DaneRecordsInput {
  hosts: readonly HostReport[];
}
export type DaneRecordsCheck = Check<DaneRecordsInput>;
export type DaneMatchCheck = Check<DaneMatchInput>;

/** What the TLSA records and their DNSSEC status say, without certificates (`mxray posture`, `mxray cert` for files). */
export const daneRecordsCheck: DaneRecordsCheck = {
  name: 'dane',
  assess: ({ section, domain }) => [...judgeDaneRecords(section, { domain }).byMx.values()].flat(),
};

/** The same, and every certificate each address presented matched (the receiver test; applyDane also adjusts the hosts). */
export const daneMatchCheck: DaneMatchCheck = {
  name: 'dane-match',
  assess: ({ section, domain, hosts }) => {
    const applied = applyDane(section, hosts, { domain });
    return [...applied.findings, ...applied.hosts.flatMap((h) => h.findings.filter((f) => f.id.startsWith('dane.')))];
  },
};
