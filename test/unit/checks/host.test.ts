// The host judge from recorded facts alone: every branch that turns facts into a finding and a
// verdict, without a network.
import { describe, expect, it } from 'vitest';
import type { CertVerdict, HostFacts, ReplyFacts } from '../../../src/core/schema.js';
import { assessHost, type HostJudgeContext } from '../../../src/checks/host.js';
import { isRequireTlsReply } from '../../../src/checks/policy.js';
import { DEFAULT_PROFILE } from '../../../src/checks/profile.js';
import { verdictOf } from '../../../src/checks/verdict.js';
import { makeFinding } from '../../../src/kb/index.js';

const reply = (code: number, ...lines: string[]): ReplyFacts => ({ code, enhanced: /^\d\.\d+\.\d+/.exec(lines[0] ?? '')?.[0] ?? null, lines });
const cap = (keyword: string, ...params: string[]) => ({ keyword, params, meaning: null, rfc: null });

const goodCert: CertVerdict = {
  sent: [],
  path: [],
  trusted: true,
  trustFailure: 'none',
  trustReason: null,
  checkedName: 'mx.example.test',
  nameMatches: true,
  domainMatches: true,
  timeValid: true,
  daysLeft: 200,
};

/** A host that did everything right: the base every case changes one thing in. */
function facts(over: Partial<HostFacts> = {}): HostFacts {
  return {
    key: 'mx.example.test[192.0.2.1]:25',
    mx: 'mx.example.test',
    preference: 10,
    address: '192.0.2.1',
    family: 4,
    port: 25,
    implicitTls: false,
    ptr: [],
    ptrMatchesBanner: null,
    status: 'ok',
    statusDetail: null,
    statusReason: null,
    connectMs: 3,
    banner: reply(220, 'mx.example.test ESMTP'),
    bannerName: 'mx.example.test',
    greeting: 'EHLO',
    ehloReply: reply(250, 'mx.example.test', 'STARTTLS'),
    ehloName: 'mx.example.test',
    capabilities: [cap('STARTTLS')],
    starttls: { offered: true, masked: false, reply: reply(220, '2.0.0 go ahead'), negotiated: true },
    tls: {
      ok: true,
      status: 'ok',
      protocol: 'TLSv1.3',
      cipher: 'TLS_AES_256_GCM_SHA384',
      cipherStandard: 'TLS_AES_256_GCM_SHA384',
      group: 'X25519',
      sni: 'mx.example.test',
      ocspStapled: false,
      handshakeMs: 5,
      error: null,
      injectedBytes: 0,
      certificate: goodCert,
    },
    legacyRetry: null,
    capabilitiesInTls: [cap('SIZE', '1000')],
    ehloTlsReply: reply(250, 'mx.example.test', 'SIZE 1000'),
    envelope: [],
    noSni: null,
    cleartext: null,
    ...over,
  };
}

const ctx: HostJudgeContext = {
  profile: DEFAULT_PROFILE,
  warnDays: 30,
  expectThumbprint: null,
  timeouts: { connectMs: 10_000, greetingMs: 30_000, commandMs: 30_000 },
  now: Date.UTC(2026, 10, 23),
  domain: 'example.test',
  transcript: [],
};

const EARLY: Partial<HostFacts> = {
  bannerName: null,
  greeting: null,
  ehloReply: null,
  ehloName: null,
  capabilities: [],
  starttls: { offered: false, masked: false, reply: null, negotiated: false },
  tls: null,
  capabilitiesInTls: null,
  ehloTlsReply: null,
};

const judge = (f: HostFacts) => {
  const j = assessHost(f, {}, ctx);
  return { ids: j.findings.map((x) => x.id), verdict: j.verdict };
};

describe('assessHost', () => {
  it('a good host passes with tls.ok and nothing else above ok', () => {
    const j = judge(facts());
    expect(j.verdict).toBe('pass');
    expect(j.ids).toContain('tls.ok');
  });

  it.each([
    ['connection refused', { status: 'connection-refused', statusReason: 'ECONNREFUSED', connectMs: null, banner: null }, 'net.connect-refused', 'inconclusive'],
    ['connection timeout', { status: 'connection-timeout', statusReason: 'timeout', connectMs: null, banner: null }, 'net.connect-timeout', 'inconclusive'],
    ['no route (IPv6 from an IPv4-only network)', { status: 'connection-refused', statusReason: 'ENETUNREACH', connectMs: null, banner: null }, 'net.no-route', 'inconclusive'],
    ['our own bug', { status: 'internal-error', statusDetail: 'TypeError: x', statusReason: 'bug' }, 'mxray.internal-error', 'inconclusive'],
    ['closed before the banner', { status: 'protocol-error', statusReason: 'closed', banner: null, greeting: null, ehloReply: null }, 'smtp.no-banner', 'fail'],
    ['greeting never came', { status: 'greeting-timeout', banner: null, greeting: null, ehloReply: null }, 'smtp.greeting-timeout', 'inconclusive'],
  ] as const)('%s → %s, %s', (_name, over, id, verdict) => {
    // A probe that stopped before the banner learned nothing after it either.
    const stoppedEarly: Partial<HostFacts> = 'banner' in over && over.banner === null ? EARLY : {};
    const f = facts({ ...stoppedEarly, ...(over as Partial<HostFacts>) });
    const j = judge(f);
    expect(j.ids).toContain(id);
    expect(j.verdict).toBe(verdict);
  });

  it('STARTTLS refused with 454 → starttls.rejected (fail); with 421 "try later" → rate-limited (inconclusive)', () => {
    const base = { tls: null, capabilitiesInTls: null, ehloTlsReply: null };
    const refused = judge(facts({ ...base, starttls: { offered: true, masked: false, reply: reply(454, '4.7.0 TLS not available'), negotiated: false } }));
    expect(refused.ids).toContain('starttls.rejected');
    expect(refused.verdict).toBe('fail');
    const limited = judge(facts({ ...base, starttls: { offered: true, masked: false, reply: reply(421, '4.7.0 Too many TLS sessions, try again later'), negotiated: false } }));
    expect(limited.ids).toContain('smtp.rate-limited');
    expect(limited.ids).not.toContain('starttls.rejected');
    expect(limited.verdict).toBe('inconclusive');
  });

  it('STARTTLS offered again inside TLS → starttls.readvertised', () => {
    expect(judge(facts({ capabilitiesInTls: [cap('STARTTLS')] })).ids).toContain('starttls.readvertised');
  });

  it('EHLO refused inside TLS → smtp.ehlo-rejected, fail (no sender can deliver over TLS)', () => {
    const j = judge(facts({ capabilitiesInTls: null, ehloTlsReply: reply(554, '5.7.1 go away') }));
    expect(j.ids).toContain('smtp.ehlo-rejected');
    expect(j.verdict).toBe('fail');
  });

  it('the handshake without SNI fails → tls.sni-required', () => {
    const j = judge(facts({ noSni: { status: 'tls-handshake-error', error: 'unrecognized name', sameCertificate: null, certificate: null } }));
    expect(j.ids).toContain('tls.sni-required');
    expect(j.verdict).toBe('fail');
  });

  it('bytes after the 220 to STARTTLS → starttls.injection', () => {
    const f = facts();
    f.tls!.injectedBytes = 14;
    expect(judge(f).ids).toContain('starttls.injection');
  });

  it('legacy retry causes map to precise findings', () => {
    const failed = { ok: false, status: 'tls-handshake-error', protocol: null, cipher: null, cipherStandard: null, group: null, sni: 'mx.example.test', ocspStapled: false, handshakeMs: null, error: 'alert', injectedBytes: 0, certificate: null } as const;
    const cases = [
      ['old-protocol', 'tls.old-protocol'],
      ['null-cipher', 'tls.null-cipher'],
      ['no-shared-cipher', 'tls.no-shared-cipher'],
      ['server-abort-after-certificate', 'tls.server-aborted'],
      ['not-tls', 'tls.handshake-failed'],
    ] as const;
    for (const [cause, id] of cases) {
      const j = judge(facts({ tls: { ...failed }, capabilitiesInTls: null, ehloTlsReply: null, legacyRetry: { ok: cause === 'old-protocol', protocol: cause === 'old-protocol' ? 'TLSv1' : null, cipher: null, error: null, cause, certificateReceived: false } }));
      expect(j.ids, cause).toContain(id);
      expect(j.verdict).toBe('fail');
    }
  });

  it('AUTH PLAIN before TLS → smtp.auth-before-tls', () => {
    expect(judge(facts({ capabilities: [cap('STARTTLS'), cap('AUTH', 'PLAIN', 'LOGIN')] })).ids).toContain('smtp.auth-before-tls');
  });

  it('greylisting in the envelope test makes the verdict inconclusive, not pass', () => {
    const j = judge(facts({ envelope: [{ command: 'RCPT TO:<a@example.test>', reply: reply(451, '4.7.1 Greylisted, try again later'), outcome: 'greylisted' }] }));
    expect(j.ids).toContain('smtp.greylisted');
    expect(j.verdict).toBe('inconclusive');
  });
});

describe('isRequireTlsReply', () => {
  it('530 5.7.0 and x.7.x replies that name TLS mean "TLS required"', () => {
    expect(isRequireTlsReply(reply(530, '5.7.0 Must issue a STARTTLS command first'))).toBe(true);
    expect(isRequireTlsReply(reply(451, '4.7.3 TLS is required for this domain'))).toBe(true);
    expect(isRequireTlsReply(reply(550, '5.7.1 Encryption required for requested authentication mechanism'))).toBe(true);
  });
  it("Exchange's 530 5.7.1 'Client was not authenticated' is not about TLS", () => {
    expect(isRequireTlsReply(reply(530, '5.7.1 Client was not authenticated'))).toBe(false);
    expect(isRequireTlsReply(reply(550, '5.1.1 User unknown'))).toBe(false);
  });
});

describe('verdictOf', () => {
  it('a certain failure outranks "could not tell"; "could not tell" outranks warnings', () => {
    const f = (id: string) => makeFinding(id, { host: 'h' });
    expect(verdictOf([f('net.connect-timeout'), f('cert.expired')])).toBe('fail');
    expect(verdictOf([f('net.connect-timeout'), f('cert.expiring-soon')])).toBe('inconclusive');
    expect(verdictOf([f('cert.expiring-soon')])).toBe('warn');
    expect(verdictOf([f('tls.ok')])).toBe('pass');
  });
});
