// The one registry: every check listed once, in order; assessHost and assessDomain are nothing but
// loops over it; every check folder is in it, and every finding of the catalogue is made by a check.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { HostCheckInput } from '../../../src/checks/check.js';
import { assessHost } from '../../../src/checks/host.js';
import { DEFAULT_PROFILE } from '../../../src/checks/profile.js';
import { assessDomain, type ReceiverFacts } from '../../../src/checks/receiver.js';
import { DNSBL_CHECKS, DOMAIN_CHECKS, ENFORCE_CHECKS, HOST_CHECKS, DANE_MATCH_CHECKS, DANE_RECORDS_CHECKS, POSTURE_CHECKS, SEND_CHECKS, TLSRPT_CHECKS, HEADERS_CHECKS, SENDER_CHECKS, LOGS_CHECKS, PCAP_CHECKS } from '../../../src/checks/registry.js';
import type { Finding, HostAssessment, HostFacts, HostReport } from '../../../src/core/schema.js';
import { assessDelivery } from '../../../src/checks/delivery/index.js';
import { allEntries } from '../../../src/kb/index.js';
import { cap, EV, reply, tlsOk } from './check-helpers.js';

const CHECKS_DIR = new URL('../../../src/checks/', import.meta.url);
const folders = readdirSync(CHECKS_DIR).filter((name) => statSync(new URL(name, CHECKS_DIR)).isDirectory());

describe('the registry', () => {
  it('lists the host checks once each, in the order their findings appear', () => {
    expect(HOST_CHECKS.map((c) => c.name)).toEqual(['connection', 'greeting', 'dialogue', 'starttls', 'tls', 'certificate', 'sni-required', 'envelope', 'cleartext']);
    expect(DOMAIN_CHECKS.map((c) => c.name)).toEqual(['dns', 'all-unreachable', 'delivery']);
    expect(ENFORCE_CHECKS.map((c) => c.name)).toEqual(['enforcement', 'cleartext-auth']);
    expect(SEND_CHECKS.map((c) => c.name)).toEqual(['send', 'send-passed-over', 'send-reply', 'send-load']);
    expect(DNSBL_CHECKS.map((c) => c.name)).toEqual(['dnsbl']);
    expect(TLSRPT_CHECKS.map((c) => c.name)).toEqual(['tlsrpt']);
    expect(POSTURE_CHECKS.map((c) => c.name)).toEqual(['posture']);
    expect(HEADERS_CHECKS.map((c) => c.name)).toEqual(['headers']);
    expect(SENDER_CHECKS.map((c) => c.name)).toEqual(['sender']);
    expect(LOGS_CHECKS.map((c) => c.name)).toEqual(['logs']);
    expect(PCAP_CHECKS.map((c) => c.name)).toEqual(['pcap']);
    const all = [...HOST_CHECKS, ...DOMAIN_CHECKS, ...ENFORCE_CHECKS, ...SEND_CHECKS, ...DNSBL_CHECKS, ...TLSRPT_CHECKS, ...POSTURE_CHECKS, ...DANE_RECORDS_CHECKS, ...DANE_MATCH_CHECKS, ...HEADERS_CHECKS, ...SENDER_CHECKS, ...LOGS_CHECKS, ...PCAP_CHECKS];
    expect(new Set(all).size).toBe(all.length);
    expect(new Set(all.map((c) => c.name)).size).toBe(all.length);
  });

  it('holds every check object every check folder exports, and nothing else', async () => {
    const registered = new Set<unknown>([...HOST_CHECKS, ...DOMAIN_CHECKS, ...ENFORCE_CHECKS, ...SEND_CHECKS, ...DNSBL_CHECKS, ...TLSRPT_CHECKS, ...POSTURE_CHECKS, ...DANE_RECORDS_CHECKS, ...DANE_MATCH_CHECKS, ...HEADERS_CHECKS, ...SENDER_CHECKS, ...LOGS_CHECKS, ...PCAP_CHECKS]);
    const exported = new Set<unknown>();
    for (const folder of folders) {
      const mod = (await import(new URL(`${folder}/index.ts`, CHECKS_DIR).href)) as Record<string, unknown>;
      const checks = Object.values(mod).filter((v): v is { name: string; assess: unknown } => typeof v === 'object' && v !== null && 'assess' in v && 'name' in v);
      expect(checks.length, folder).toBeGreaterThan(0);
      for (const c of checks) {
        expect(registered.has(c), `${folder}: ${c.name}`).toBe(true);
        exported.add(c);
      }
    }
    expect([...registered].every((c) => exported.has(c))).toBe(true);
  });

  it('every catalogue finding is made by some check folder (a catalogue entry no check makes is dead)', () => {
    const source = folders
      .flatMap((folder) => readdirSync(new URL(`${folder}/`, CHECKS_DIR)).map((f) => readFileSync(new URL(`${folder}/${f}`, CHECKS_DIR), 'utf8')))
      .join('\n');
    for (const e of allEntries()) expect(source, e.id).toContain(`'${e.id}'`);
  });
});

/** A host that met trouble in many phases at once, so that most checks have something to say. */
function troubled(): { facts: HostFacts; assessment: HostAssessment } {
  const facts: HostFacts = {
    key: 'mx.example.test[192.0.2.1]:25',
    mx: 'mx.example.test',
    preference: 10,
    address: '192.0.2.1',
    family: 4,
    port: 25,
    implicitTls: false,
    serverName: 'mx.example.test',
    ptr: [],
    ptrMatchesBanner: null,
    status: 'post-tls-error',
    statusDetail: 'closed',
    statusReason: 'closed',
    connectMs: 3,
    banner: reply(220, '*****************************'),
    bannerName: null,
    greeting: 'EHLO',
    ehloReply: reply(250, 'mx.example.test', 'STARTTLS', 'AUTH PLAIN'),
    ehloName: 'mx.example.test',
    capabilities: [cap('STARTTLS'), cap('AUTH', 'PLAIN')],
    starttls: { offered: true, masked: false, reply: reply(220, 'go ahead'), negotiated: true },
    tls: tlsOk({ protocol: 'TLSv1.1', injectedBytes: 5 }),
    legacyRetry: null,
    capabilitiesInTls: [cap('STARTTLS')],
    ehloTlsReply: reply(250, 'mx.example.test'),
    envelope: [{ command: 'RCPT TO:<a@example.test>', reply: reply(550, '5.1.1 no') }],
    noSni: { status: 'tls-handshake-error', error: 'unrecognized name', peerChain: [] },
    cleartext: { status: 'ok', steps: [{ command: 'MAIL FROM:<>', reply: reply(250, 'ok') }] },
    evidence: EV,
  };
  const assessment: HostAssessment = {
    software: null,
    certificate: null,
    certificateFrom: null,
    noSni: null,
    legacyCause: null,
    certificateReceived: null,
    envelope: [{ command: 'RCPT TO:<a@example.test>', outcome: 'rejected' }],
    cleartext: { outcomes: [{ command: 'MAIL FROM:<>', outcome: 'accepted' }], requiresTls: false },
  };
  return { facts, assessment };
}

const ctx = { profile: DEFAULT_PROFILE, warnDays: 30, expectThumbprint: null, timeouts: { connectMs: 1, greetingMs: 1, commandMs: 1 }, now: 0, domain: 'example.test', transcript: [] };

/** Deep-frozen, so a check that writes to its input throws. */
function frozen<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) frozen(v);
    Object.freeze(value);
  }
  return value;
}

describe('assessHost runs the registry', () => {
  it('its findings are the checks’ findings, concatenated in registry order, each check seeing those before it', () => {
    const { facts, assessment } = troubled();
    const seen: (readonly Finding[])[] = [];
    let made: Finding[] = [];
    for (const check of HOST_CHECKS) {
      const input: HostCheckInput = { facts, assessment, ctx, prior: made };
      seen.push(input.prior);
      made = [...made, ...check.assess(input)];
    }
    const { findings, verdict } = assessHost(facts, assessment, ctx);
    expect(findings).toEqual(made);
    expect(verdict).toBe('fail');
    expect(findings.map((f) => f.id)).toEqual([
      'smtp.banner-masked',
      'smtp.protocol-error',
      'smtp.auth-before-tls',
      'starttls.injection',
      'tls.old-protocol',
      'starttls.readvertised',
      'tls.sni-required',
      'smtp.envelope-rejected',
      'policy.cleartext-accepted',
    ]);
    expect(seen.map((p) => p.length)).toEqual([0, 0, 1, 2, 3, 6, 6, 7, 8]);
  });

  it('no check writes to its input', () => {
    const { facts, assessment } = frozen(troubled());
    expect(() => assessHost(facts, assessment, frozen({ ...ctx }))).not.toThrow();
    for (const check of HOST_CHECKS) expect(() => check.assess(frozen({ facts, assessment, ctx, prior: frozen([]) })), check.name).not.toThrow();
  });
});

describe('assessDomain runs the domain checks', () => {
  const facts = (dns: ReceiverFacts['dns']): ReceiverFacts => ({
    target: { input: 'example.test', kind: 'domain', domain: 'example.test', host: null, port: 25, implicitTls: false },
    sourceAddress: null,
    timeouts: { connectMs: 1, greetingMs: 1, commandMs: 1 },
    dns,
    dnsEvidence: [0],
    hosts: [],
  });

  it('DNS findings first, then what only all addresses together show', () => {
    const dns: ReceiverFacts['dns'] = { status: 'ok', resolver: 'system', mx: [{ exchange: 'mx.example.test', preference: 10, addresses: ['192.0.2.1'], cname: 'real.example.test', isIpLiteral: false, error: null }], error: null };
    const host = (status: HostReport['status']) => ({ status }) as HostReport;
    const walk = (hosts: HostReport[]) => assessDelivery(hosts.map((h, i) => ({ ...h, key: `k${i}`, mx: 'mx', preference: 10, banner: null, findings: [] })));
    const timedOut = [host('connection-timeout')];
    expect(assessDomain(facts(dns), timedOut, walk(timedOut)).map((f) => f.id)).toEqual(['dns.mx-cname', 'net.all-unreachable']);
    expect(assessDomain(facts({ ...dns, mx: [] }), [host('ok')], walk([host('ok')]))).toEqual([]);
    expect(assessDomain(facts({ status: 'nxdomain', resolver: 'system', mx: [], error: null }), [], walk([])).map((f) => [f.id, f.facts, f.evidence])).toEqual([['dns.nxdomain', { domain: 'example.test' }, [0]]]);
  });
});
