// Judging `mxray enforce`: the corners the mutation run found unguarded — what counts as a refusal
// at each stage (and a step without a reply), a missing control session, a control session refused
// only after the cleartext one, merging findings (hostless DNS findings, one address's two
// internal errors), the DNS findings' facts, and the exact facts of the verdict findings. No network.
import { describe, expect, it } from 'vitest';
import { isRefusal, judgeAddress, judgeEnforce, type EnforceFacts } from '../../../../src/checks/enforcement.js';
import { DEFAULT_PROFILE } from '../../../../src/checks/profile.js';
import type { DnsFacts, EnforceAddressFacts, EnforceAuth, EnforceSession, EnforceStage, EnforceStep, ReplyFacts } from '../../../../src/core/schema.js';
import { enhancedCode } from '../../../../src/smtp/reply.js';

const KEY = 'mx.example.test[192.0.2.25]:25';
const REQUIRE_TLS = '530 5.7.0 Must issue a STARTTLS command first';

function r(text: string): ReplyFacts {
  const rest = text.slice(4);
  return { code: Number(text.slice(0, 3)), enhanced: enhancedCode(rest), lines: [rest] };
}

const OK: Record<EnforceStage, string> = { banner: '220 mx.example.test ESMTP', ehlo: '250 mx.example.test', mail: '250 2.1.0 Ok', rcpt: '250 2.1.5 Ok', data: '354 End data with <CR><LF>.<CR><LF>' };
const ORDER: EnforceStage[] = ['banner', 'ehlo', 'mail', 'rcpt', 'data'];

/** Accepted up to `upTo`, or refused at `refused`. */
function session(mode: 'cleartext' | 'tls', upTo: EnforceStage, refused?: { stage: EnforceStage; reply: string }, evidence: number[] = []): EnforceSession {
  const steps: EnforceStep[] = [];
  for (const stage of ORDER) {
    if (refused?.stage === stage) {
      steps.push({ stage, command: stage.toUpperCase(), reply: r(refused.reply) });
      break;
    }
    steps.push({ stage, command: stage.toUpperCase(), reply: r(OK[stage]) });
    if (stage === upTo) break;
  }
  return {
    mode,
    status: 'ok',
    statusDetail: null,
    starttls: mode === 'tls' ? r('220 2.0.0 Ready to start TLS') : null,
    tlsProtocol: mode === 'tls' ? 'TLSv1.3' : null,
    steps,
    droppedAfterData: false,
    evidence,
  };
}

function address(cleartext: EnforceSession, control: EnforceSession | null, auth: EnforceAuth | null = null): EnforceAddressFacts {
  return { key: KEY, mx: 'mx.example.test', preference: 10, address: '192.0.2.25', family: 4, port: 25, starttlsOffered: true, cleartext, control, auth };
}

const OK_DNS: DnsFacts = { status: 'ok', resolver: 'test', error: null, mx: [{ exchange: 'mx.example.test', preference: 10, addresses: ['192.0.2.25'], cname: null, error: null, isIpLiteral: false }] };

function facts(addresses: EnforceAddressFacts[], dns: DnsFacts = OK_DNS, dnsEvidence: number[] = []): EnforceFacts {
  return {
    target: { input: 'example.test', kind: 'domain', domain: 'example.test', host: null, port: 25, implicitTls: false },
    envelope: { helo: 'client.mxray.test', from: 'mxray-test@client.mxray.test', rcpt: 'postmaster@example.test', throughData: false },
    timeouts: { connectMs: 10000, greetingMs: 30000, commandMs: 30000 },
    dns,
    dnsEvidence,
    addresses,
  } as EnforceFacts;
}

const judge = (f: EnforceFacts) => judgeEnforce(f, { profile: DEFAULT_PROFILE });

describe('isRefusal at each stage', () => {
  it('the greeting: anything but 220, even another 2xx', () => {
    expect([220, 250, 421].map((code) => isRefusal({ stage: 'banner', command: '(greeting)', reply: { code, enhanced: null, lines: [''] } }))).toEqual([false, true, true]);
  });

  it('EHLO: anything but 250, even a 220', () => {
    expect([250, 220, 502].map((code) => isRefusal({ stage: 'ehlo', command: 'EHLO a.test', reply: { code, enhanced: null, lines: [''] } }))).toEqual([false, true, true]);
  });

  it('MAIL and RCPT: every code from 300 up', () => {
    expect([299, 300, 301].map((code) => isRefusal({ stage: 'mail', command: 'MAIL', reply: { code, enhanced: null, lines: [''] } }))).toEqual([false, true, true]);
  });

  it('a step still waiting for its reply refuses nothing, at any stage', () => {
    expect(ORDER.map((stage) => isRefusal({ stage, command: stage, reply: null }))).toEqual([false, false, false, false, false]);
  });
});

describe('judgeAddress: the control session missing, broken or refused later', () => {
  it('a control session that broke at EHLO (no reply yet) is no refusal with TLS: the reply asks for TLS, so it enforces', () => {
    const control = session('tls', 'banner');
    control.steps.push({ stage: 'ehlo', command: 'EHLO', reply: null });
    control.status = 'io-timeout';
    const a = judgeAddress(address(session('cleartext', 'rcpt', { stage: 'mail', reply: REQUIRE_TLS }), control), 'rcpt');
    expect(a).toEqual({ verdict: 'enforces', stage: 'mail', reply: r(REQUIRE_TLS), controlReply: null, reason: 'refused at MAIL FROM: the reply asks for TLS' });
  });

  it('no control session at all: a refusal that asks for TLS still enforces, from its words', () => {
    const a = judgeAddress(address(session('cleartext', 'rcpt', { stage: 'mail', reply: REQUIRE_TLS }), null), 'rcpt');
    expect(a).toEqual({ verdict: 'enforces', stage: 'mail', reply: r(REQUIRE_TLS), controlReply: null, reason: 'refused at MAIL FROM: the reply asks for TLS' });
  });

  it('no control session, nothing refused: does not enforce, with no control reply', () => {
    const a = judgeAddress(address(session('cleartext', 'rcpt'), null), 'rcpt');
    expect(a).toEqual({ verdict: 'not-enforced', stage: 'rcpt', reply: r(OK.rcpt), controlReply: null, reason: 'not refused up to RCPT TO' });
  });

  it('the control session refused only at a later stage (RCPT TO) than the cleartext one (MAIL FROM): enforces', () => {
    const a = judgeAddress(address(session('cleartext', 'rcpt', { stage: 'mail', reply: REQUIRE_TLS }), session('tls', 'rcpt', { stage: 'rcpt', reply: '550 5.1.1 User unknown' })), 'rcpt');
    expect(a).toEqual({ verdict: 'enforces', stage: 'mail', reply: r(REQUIRE_TLS), controlReply: r(OK.mail), reason: 'refused at MAIL FROM without TLS, accepted with TLS' });
  });
});

describe('the findings', () => {
  it('without a control session: the TLS-enforced finding says so and holds the cleartext evidence only', () => {
    const j = judge(facts([address(session('cleartext', 'rcpt', { stage: 'mail', reply: REQUIRE_TLS }, [1, 2]), null)]));
    expect(j.findings.map((f) => [f.id, f.facts, f.evidence])).toEqual([
      ['policy.tls-enforced', { host: KEY, stage: 'MAIL FROM', reply: REQUIRE_TLS, controlReply: '(no control session)' }, [1, 2]],
    ]);
  });

  it('a control session in TLS that broke before the stage: "(no reply at that stage)"', () => {
    const control = session('tls', 'ehlo', undefined, [3]);
    control.steps.push({ stage: 'mail', command: 'MAIL', reply: null });
    control.status = 'io-timeout';
    control.statusDetail = 'no reply within 30000 ms';
    const j = judge(facts([address(session('cleartext', 'rcpt', { stage: 'mail', reply: REQUIRE_TLS }, [1]), control)]));
    expect(j.findings.map((f) => [f.id, f.facts, f.evidence])).toEqual([
      ['policy.tls-enforced', { host: KEY, stage: 'MAIL FROM', reply: REQUIRE_TLS, controlReply: '(no reply at that stage)' }, [1, 3]],
    ]);
  });

  it("an internal error in both sessions: each named with its session's detail; merged once, hosts and evidence without repeats", () => {
    const clear = session('cleartext', 'ehlo', undefined, [1, 2]);
    clear.steps.push({ stage: 'mail', command: 'MAIL', reply: null });
    clear.status = 'internal-error';
    clear.statusDetail = 'boom';
    const control = session('tls', 'ehlo', undefined, [2, 3]);
    control.steps.push({ stage: 'mail', command: 'MAIL', reply: null });
    control.status = 'internal-error';
    const j = judge(facts([address(clear, control)]));
    const own = j.body.addresses[0]!.findings.filter((f) => f.id === 'mxray.internal-error');
    expect(own.map((f) => f.facts)).toEqual([
      { host: KEY, detail: 'the cleartext session: boom' },
      { host: KEY, detail: 'the tls session: internal error' },
    ]);
    const merged = j.findings.filter((f) => f.id === 'mxray.internal-error');
    expect(merged.map((f) => [f.hosts, f.evidence, f.facts])).toEqual([[[KEY], [1, 2, 3], { host: KEY, detail: 'the cleartext session: boom' }]]);
  });

  it('AUTH LOGIN refused before TLS: the finding carries that reply', () => {
    const auth: EnforceAuth = { mechanisms: ['LOGIN'], login: r('538 5.7.11 Encryption required for requested authentication mechanism'), cancel: null, evidence: [4] };
    const j = judge(facts([address(session('cleartext', 'rcpt', { stage: 'mail', reply: REQUIRE_TLS }), session('tls', 'rcpt'), auth)]));
    const refused = j.findings.filter((f) => f.id === 'policy.cleartext-auth-refused');
    expect(refused.map((f) => [f.facts, f.evidence])).toEqual([[{ host: KEY, reply: '538 5.7.11 Encryption required for requested authentication mechanism' }, [4]]]);
  });

  it('two hostless DNS findings of one id stay two (told apart by their text)', () => {
    const dns: DnsFacts = {
      status: 'ok',
      resolver: 'test',
      error: null,
      mx: [
        { exchange: 'mx1.example.test', preference: 10, addresses: [], cname: null, error: 'NXDOMAIN', isIpLiteral: false },
        { exchange: 'mx2.example.test', preference: 20, addresses: [], cname: null, error: 'SERVFAIL', isIpLiteral: false },
      ],
    };
    const j = judge(facts([], dns, [5]));
    expect(j.findings.map((f) => [f.id, f.facts, f.evidence])).toEqual([
      ['dns.mx-unresolved', { mx: 'mx1.example.test', error: 'NXDOMAIN' }, [5]],
      ['dns.mx-unresolved', { mx: 'mx2.example.test', error: 'SERVFAIL' }, [5]],
    ]);
  });

  it("a failed DNS lookup: the finding names the domain, the resolver and the lookups' evidence", () => {
    const dns: DnsFacts = { status: 'error', resolver: '192.0.2.53', error: 'REFUSED', mx: [] };
    const j = judge(facts([], dns, [1, 2]));
    expect(j.findings.map((f) => [f.id, f.facts, f.evidence])).toEqual([['dns.error', { domain: 'example.test', resolver: '192.0.2.53', error: 'REFUSED' }, [1, 2]]]);
    expect(j.verdict).toBe('inconclusive');
  });
});
