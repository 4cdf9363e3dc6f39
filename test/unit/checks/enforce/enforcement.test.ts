// Judging `mxray enforce` from facts alone: every verdict at every stage, 4xx as well as 5xx, a
// refusal that comes with TLS too (inconclusive, never "enforces"), the partner connector, AUTH
// before TLS, and the domain's verdict and exit code. No network.
import { describe, expect, it } from 'vitest';
import { judgeAddress, judgeEnforce, enforceFacts, type EnforceFacts } from '../../../../src/checks/enforcement.js';
import { ENFORCE_CHECKS } from '../../../../src/checks/registry.js';
import { DEFAULT_PROFILE } from '../../../../src/checks/profile.js';
import { exitCodeFor } from '../../../../src/core/report.js';
import type { EnforceAddressFacts, EnforceAuth, EnforceSession, EnforceStage, EnforceStep, ReplyFacts } from '../../../../src/core/schema.js';
import { enhancedCode } from '../../../../src/smtp/reply.js';

const KEY = 'mx.example.test[192.0.2.25]:25';

function r(text: string): ReplyFacts {
  const code = Number(text.slice(0, 3));
  const rest = text.slice(4);
  return { code, enhanced: enhancedCode(rest), lines: [rest] };
}

const OK: Record<EnforceStage, string> = { banner: '220 mx.example.test ESMTP', ehlo: '250 mx.example.test', mail: '250 2.1.0 Ok', rcpt: '250 2.1.5 Ok', data: '354 End data with <CR><LF>.<CR><LF>' };
const ORDER: EnforceStage[] = ['banner', 'ehlo', 'mail', 'rcpt', 'data'];

/** A session that got through every stage up to `upTo`, refused at `refused` (with its reply) if given. */
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
    droppedAfterData: steps.at(-1)?.reply?.code === 354,
    evidence,
  };
}

function address(cleartext: EnforceSession, control: EnforceSession | null, auth: EnforceAuth | null = null): EnforceAddressFacts {
  return { key: KEY, mx: 'mx.example.test', preference: 10, address: '192.0.2.25', family: 4, port: 25, starttlsOffered: true, cleartext, control, auth };
}

function facts(addresses: EnforceAddressFacts[], throughData = false): EnforceFacts {
  return {
    target: { input: 'example.test', kind: 'domain', domain: 'example.test', host: null, port: 25, implicitTls: false },
    envelope: { helo: 'client.mxray.test', from: 'mxray-test@client.mxray.test', rcpt: 'postmaster@example.test', throughData },
    timeouts: { connectMs: 10000, greetingMs: 30000, commandMs: 30000 },
    dns: { status: 'ok', resolver: 'test', error: null, mx: [{ exchange: 'mx.example.test', preference: 10, addresses: ['192.0.2.25'], cname: null, error: null, isIpLiteral: false }] },
    dnsEvidence: [],
    addresses,
  } as EnforceFacts;
}

function judge(a: EnforceAddressFacts, throughData = false) {
  const j = judgeEnforce(facts([a], throughData), { profile: DEFAULT_PROFILE });
  const host = j.body.addresses[0]!;
  return { ids: host.findings.map((f) => f.id).sort(), host, findings: j.findings, verdict: j.verdict, exit: exitCodeFor(j) };
}

describe('the verdict per address', () => {
  const refusals: [EnforceStage, string, string][] = [
    ['mail', '530 5.7.0 Must issue a STARTTLS command first', 'RFC 3207 530 at MAIL'],
    ['mail', '530 5.5.1 Invalid command: Must issue a STARTTLS command first', 'OpenSMTPD'],
    ['rcpt', '450 4.7.1 <postmaster@example.test>: Recipient address rejected: Session encryption is required', "Postfix reject_plaintext_session (a 4xx)"],
    ['mail', '451 5.7.3 STARTTLS is required to send mail', 'Exchange RequireTLS'],
    ['rcpt', '550 5.7.1 Encryption required for this partner', 'a 5.7.x naming encryption'],
    ['data', '530 5.7.0 Must issue a STARTTLS command first', 'refused only at DATA'],
  ];
  for (const [stage, text, what] of refusals) {
    it(`enforces at ${stage}: ${what}`, () => {
      const throughData = stage === 'data';
      const { ids, host, verdict, exit, findings } = judge(address(session('cleartext', stage, { stage, reply: text }, [1, 2]), session('tls', throughData ? 'data' : 'rcpt', undefined, [3, 4])), throughData);
      expect(ids).toEqual(['policy.tls-enforced']);
      expect(host.assessment).toEqual({ verdict: 'enforces', stage, reply: r(text), controlReply: r(OK[stage]), reason: `refused at ${{ mail: 'MAIL FROM', rcpt: 'RCPT TO', data: 'DATA' }[stage as 'mail']} without TLS, accepted with TLS` });
      expect(findings[0]!.facts).toEqual({ host: KEY, stage: { mail: 'MAIL FROM', rcpt: 'RCPT TO', data: 'DATA' }[stage as 'mail'], reply: text, controlReply: OK[stage] });
      expect(findings[0]!.evidence).toEqual([1, 2, 3, 4]);
      expect(verdict).toBe('pass');
      expect(exit).toBe(0);
    });
  }

  it('does not enforce up to RCPT TO when both stages are accepted without TLS (exit 1)', () => {
    const { ids, host, findings, verdict, exit } = judge(address(session('cleartext', 'rcpt', undefined, [7]), session('tls', 'rcpt')));
    expect(ids).toEqual(['policy.cleartext-not-refused']);
    expect(host.assessment).toEqual({ verdict: 'not-enforced', stage: 'rcpt', reply: r(OK.rcpt), controlReply: r(OK.rcpt), reason: 'not refused up to RCPT TO' });
    expect(findings[0]!.facts).toEqual({ host: KEY, stage: 'RCPT TO', reply: '250 2.1.5 Ok' });
    expect(findings[0]!.evidence).toEqual([7]);
    expect(findings[0]!.severity).toBe('error');
    // Never more than what was tested: an end-of-DATA check cannot be seen.
    expect(findings[0]!.title).toBe(`${KEY} does not enforce TLS: mail without TLS is not refused up to RCPT TO`);
    expect(findings[0]!.detail).toContain('acl_smtp_data');
    expect([verdict, exit]).toEqual(['fail', 1]);
  });

  it('with --through-data, "not refused up to DATA" after the 354', () => {
    const { host, findings } = judge(address(session('cleartext', 'data'), session('tls', 'data')), true);
    expect(host.assessment.verdict).toBe('not-enforced');
    expect(host.assessment.stage).toBe('data');
    expect(findings[0]!.title).toBe(`${KEY} does not enforce TLS: mail without TLS is not refused up to DATA`);
  });

  it('a session that stopped before the last stage tested is not "not enforced"', () => {
    // --through-data, but the cleartext session ended after RCPT (a time-out at DATA leaves a step without reply).
    const clear = session('cleartext', 'rcpt');
    clear.steps.push({ stage: 'data', command: 'DATA', reply: null });
    clear.status = 'io-timeout';
    clear.statusDetail = 'no reply within 30000 ms';
    const { ids, host, findings, verdict, exit } = judge(address(clear, session('tls', 'data')), true);
    expect(ids).toEqual(['policy.enforcement-untested']);
    expect(host.assessment).toEqual({ verdict: 'inconclusive', stage: 'data', reply: null, controlReply: null, reason: 'the cleartext session failed (io-timeout)' });
    expect(findings[0]!.facts).toEqual({ host: KEY, session: 'cleartext', error: 'no reply within 30000 ms' });
    expect([verdict, exit]).toEqual(['inconclusive', 3]);
  });

  it('accepted so far, then the session broke before the last stage: inconclusive', () => {
    const clear = session('cleartext', 'mail');
    clear.status = 'io-timeout';
    expect(judgeAddress(address(clear, null), 'rcpt')).toEqual({ verdict: 'inconclusive', stage: 'mail', reply: null, controlReply: null, reason: 'the cleartext session failed after MAIL FROM (io-timeout)' });
  });

  it('a connection refused: untested, inconclusive (exit 3)', () => {
    const clear: EnforceSession = { ...session('cleartext', 'banner'), steps: [], status: 'connection-refused', statusDetail: 'connection refused' };
    const { ids, verdict, exit } = judge(address(clear, null));
    expect(ids).toEqual(['policy.enforcement-untested']);
    expect([verdict, exit]).toEqual(['inconclusive', 3]);
  });

  it('the envelope refused with TLS too: inconclusive, both replies shown, never "enforces"', () => {
    const unknown = '550 5.1.1 <nobody@example.test>: Recipient address rejected: User unknown';
    const { ids, host, findings, verdict, exit } = judge(address(session('cleartext', 'rcpt', { stage: 'rcpt', reply: unknown }), session('tls', 'rcpt', { stage: 'rcpt', reply: unknown })));
    expect(ids).toEqual(['policy.enforcement-inconclusive']);
    expect(host.assessment).toEqual({ verdict: 'inconclusive', stage: 'rcpt', reply: r(unknown), controlReply: r(unknown), reason: 'refused with TLS too' });
    expect(findings[0]!.facts).toEqual({ host: KEY, stage: 'RCPT TO', reply: unknown, controlReply: unknown, why: 'refused with TLS too' });
    expect([verdict, exit]).toEqual(['inconclusive', 3]);
  });

  it('a TLS-worded refusal that comes with TLS too is still inconclusive', () => {
    const text = '530 5.7.0 Must issue a STARTTLS command first';
    expect(judgeAddress(address(session('cleartext', 'rcpt', { stage: 'mail', reply: text }), session('tls', 'rcpt', { stage: 'mail', reply: text })), 'rcpt').verdict).toBe('inconclusive');
  });

  it('the control session refused earlier than the cleartext one: inconclusive with the control reply', () => {
    const a = address(session('cleartext', 'rcpt', { stage: 'rcpt', reply: '550 5.7.1 Relaying denied' }), session('tls', 'rcpt', { stage: 'mail', reply: '550 5.7.1 Sender rejected' }));
    expect(judgeAddress(a, 'rcpt')).toEqual({ verdict: 'inconclusive', stage: 'rcpt', reply: r('550 5.7.1 Relaying denied'), controlReply: r('550 5.7.1 Sender rejected'), reason: 'refused with TLS too' });
  });

  it('a refusal at the greeting or EHLO that does not name TLS: before TLS could matter', () => {
    const banner = address(session('cleartext', 'banner', { stage: 'banner', reply: '554 5.7.1 No SMTP service here' }), session('tls', 'rcpt'));
    expect(judgeAddress(banner, 'rcpt')).toMatchObject({ verdict: 'inconclusive', stage: 'banner', reason: 'refused before TLS could matter' });
    const ehlo = address(session('cleartext', 'ehlo', { stage: 'ehlo', reply: '550 5.7.1 Go away' }), session('tls', 'rcpt'));
    expect(judgeAddress(ehlo, 'rcpt')).toMatchObject({ verdict: 'inconclusive', stage: 'ehlo', reason: 'refused before TLS could matter' });
  });

  it('greylisting or a limit in clear text is not enforcement, even when TLS passed', () => {
    const grey = address(session('cleartext', 'rcpt', { stage: 'rcpt', reply: '450 4.2.0 Greylisted, please try again later' }), session('tls', 'rcpt'));
    expect(judgeAddress(grey, 'rcpt')).toMatchObject({ verdict: 'inconclusive', reason: 'a temporary refusal (greylisting or a limit)' });
    const limit = address(session('cleartext', 'rcpt', { stage: 'mail', reply: '421 4.7.0 Too many connections' }), session('tls', 'rcpt'));
    expect(judgeAddress(limit, 'rcpt')).toMatchObject({ verdict: 'inconclusive', reason: 'a temporary refusal (greylisting or a limit)' });
  });

  it('a refusal not worded about TLS, accepted with TLS: the difference is TLS, so it enforces', () => {
    const a = address(session('cleartext', 'rcpt', { stage: 'rcpt', reply: '550 5.7.1 Relaying denied' }), session('tls', 'rcpt'));
    expect(judgeAddress(a, 'rcpt')).toMatchObject({ verdict: 'enforces', stage: 'rcpt' });
  });

  it('without a control session only the reply\'s own words can tell', () => {
    const noTls: EnforceSession = { ...session('tls', 'ehlo'), status: 'starttls-refused', statusDetail: 'STARTTLS is not offered', starttls: null, tlsProtocol: null };
    const tlsWords = address(session('cleartext', 'rcpt', { stage: 'mail', reply: '530 5.7.0 Must issue a STARTTLS command first' }), noTls);
    expect(judgeAddress(tlsWords, 'rcpt')).toEqual({ verdict: 'enforces', stage: 'mail', reply: r('530 5.7.0 Must issue a STARTTLS command first'), controlReply: null, reason: 'refused at MAIL FROM: the reply asks for TLS' });
    const { findings } = judge(tlsWords);
    expect(findings[0]!.facts.controlReply).toBe('(no TLS: starttls-refused)');
    const other = address(session('cleartext', 'rcpt', { stage: 'rcpt', reply: '550 5.7.1 Relaying denied' }), noTls);
    expect(judgeAddress(other, 'rcpt')).toMatchObject({ verdict: 'inconclusive', controlReply: null, reason: 'the control session with TLS did not get that far' });
  });

  it('Exchange\'s "530 5.7.1 Client was not authenticated" is not TLS and, refused with TLS too, inconclusive', () => {
    const text = '530 5.7.1 Client was not authenticated';
    expect(judgeAddress(address(session('cleartext', 'rcpt', { stage: 'mail', reply: text }), session('tls', 'rcpt', { stage: 'mail', reply: text })), 'rcpt').verdict).toBe('inconclusive');
  });
});

describe('sessions our deadline cut', () => {
  const cut = (s: EnforceSession, detail: string | null): EnforceSession => ({ ...s, status: 'deadline-reached', statusDetail: detail });

  it('cut after MAIL FROM was accepted: "untested after MAIL FROM" with the deadline\'s words, never "not enforced"', () => {
    // Stopped between MAIL FROM's reply and RCPT TO (no RCPT step yet); a step left waiting is the case above.
    const clear = session('cleartext', 'mail');
    const detail = 'stopped by mxray at its deadline of 5000 ms for the whole test, during the cleartext session (RCPT TO)';
    expect(judgeAddress(address(cut(clear, detail), null), 'rcpt')).toEqual({ verdict: 'inconclusive', stage: 'mail', reply: null, controlReply: null, reason: `untested after MAIL FROM: ${detail}` });
    expect(judgeAddress(address(cut(clear, null), null), 'rcpt').reason).toBe('untested after MAIL FROM: stopped at the deadline');
    // Any other failure there keeps its status in the words.
    expect(judgeAddress(address({ ...clear, status: 'io-timeout', statusDetail: 'x' }, null), 'rcpt').reason).toBe('the cleartext session failed after MAIL FROM (io-timeout)');
  });

  it('cut before any reply, or while a step waited: "untested" with the deadline\'s words, or a plain fallback', () => {
    const waiting = session('cleartext', 'mail');
    waiting.steps.push({ stage: 'rcpt', command: 'RCPT TO:<postmaster@example.test>', reply: null });
    expect(judgeAddress(address(cut(waiting, 'stopped … (RCPT TO)'), null), 'rcpt')).toMatchObject({ verdict: 'inconclusive', stage: 'rcpt', reason: 'untested: stopped … (RCPT TO)' });
    const none: EnforceSession = { ...session('cleartext', 'banner'), steps: [] };
    expect(judgeAddress(address(cut(none, 'not started: the deadline came first'), null), 'rcpt').reason).toBe('untested: not started: the deadline came first');
    expect(judgeAddress(address(cut(none, null), null), 'rcpt').reason).toBe('untested: stopped at the deadline');
  });
});

describe('a control session whose handshake failed after STARTTLS was accepted', () => {
  it('the "no TLS" note gives the status, not the 220 (that was no refusal)', () => {
    const failed: EnforceSession = { ...session('tls', 'ehlo'), status: 'tls-handshake-error', statusDetail: 'tlsv1 alert internal error', tlsProtocol: null, starttls: r('220 2.0.0 Ready to start TLS') };
    const a = address(session('cleartext', 'rcpt', { stage: 'mail', reply: '530 5.7.0 Must issue a STARTTLS command first' }), failed);
    const { findings } = judge(a);
    expect(findings.find((f) => f.id === 'policy.tls-enforced')!.facts.controlReply).toBe('(no TLS: tls-handshake-error)');
    const refused: EnforceSession = { ...failed, status: 'starttls-refused', starttls: r('454 4.7.0 TLS not available due to local problem') };
    expect(judge(address(a.cleartext, refused)).findings.find((f) => f.id === 'policy.tls-enforced')!.facts.controlReply).toBe('(no TLS: 454 4.7.0 TLS not available due to local problem)');
  });
});

describe('a client certificate required inside TLS (mutual TLS, partner connectors)', () => {
  const postfix = '421 4.7.1 mx.example.test Error: No client certificate presented';
  const requireTls = '530 5.7.0 Must issue a STARTTLS command first';

  it("Postfix's smtpd_tls_req_ccert: refused in clear text for TLS, inside TLS for the certificate: enforces, with the note", () => {
    const a = address(session('cleartext', 'rcpt', { stage: 'mail', reply: requireTls }), session('tls', 'ehlo', { stage: 'ehlo', reply: postfix }));
    expect(judgeAddress(a, 'rcpt')).toEqual({
      verdict: 'enforces',
      stage: 'mail',
      reply: r(requireTls),
      controlReply: r(postfix),
      reason: 'refused at MAIL FROM without TLS; with TLS it asks for a client certificate',
    });
    const { ids, findings, verdict, exit } = judge(a);
    expect(ids).toEqual(['policy.client-cert-required', 'policy.tls-enforced']);
    expect(findings.find((f) => f.id === 'policy.client-cert-required')!.facts).toEqual({ host: KEY, reply: postfix });
    expect(findings.find((f) => f.id === 'policy.tls-enforced')!.facts.controlReply).toBe(postfix);
    expect([verdict, exit]).toEqual(['pass', 0]);
  });

  it('a cleartext refusal that does not ask for TLS, and a certificate refusal inside TLS: still inconclusive', () => {
    const a = address(session('cleartext', 'rcpt', { stage: 'mail', reply: '550 5.7.1 Relaying denied' }), session('tls', 'ehlo', { stage: 'ehlo', reply: postfix }));
    expect(judgeAddress(a, 'rcpt')).toMatchObject({ verdict: 'inconclusive', reason: 'refused with TLS too' });
    expect(judge(a).ids).toEqual(['policy.client-cert-required', 'policy.enforcement-inconclusive']);
  });

  it('a TLS refusal inside TLS that is not about the certificate: inconclusive, no certificate note', () => {
    const a = address(session('cleartext', 'rcpt', { stage: 'mail', reply: requireTls }), session('tls', 'ehlo', { stage: 'ehlo', reply: '421 4.7.0 Too many connections' }));
    expect(judgeAddress(a, 'rcpt').verdict).toBe('inconclusive');
    expect(judge(a).ids).toEqual(['policy.enforcement-inconclusive']);
  });
});

describe('the Exchange Online partner connector', () => {
  const replies = [
    "550 5.7.51 TenantInboundAttribution; There is a partner connector configured that matched the message's recipient domain. The connector had either the RestrictDomainsToIPAddresses or RestrictDomainsToCertificate set",
    '550 5.7.64 TenantAttribution; Relay Access Denied',
    "451 4.4.62 Mail sent to the wrong Office 365 region. There is no partner connector configured that matched the message's recipient domain",
  ];
  for (const text of replies) {
    it(`is recognised, refused with TLS too: inconclusive plus the connector note — ${text.slice(0, 40)}`, () => {
      const { ids, findings } = judge(address(session('cleartext', 'rcpt', { stage: 'rcpt', reply: text }), session('tls', 'rcpt', { stage: 'rcpt', reply: text })));
      expect(ids).toEqual(['policy.enforcement-inconclusive', 'policy.partner-connector']);
      expect(findings.find((f) => f.id === 'policy.partner-connector')!.facts).toEqual({ host: KEY, reply: text });
    });
  }

  it('a partner-connector refusal only in clear text: enforces, with the note that it may hold only for some senders', () => {
    const text = replies[0]!;
    const { ids, findings } = judge(address(session('cleartext', 'rcpt', { stage: 'mail', reply: text }), session('tls', 'rcpt')));
    expect(ids).toEqual(['policy.partner-connector', 'policy.tls-enforced']);
    expect(findings.find((f) => f.id === 'policy.partner-connector')!.detail).toContain('sender domains, client IP addresses or a client certificate');
  });

  it('no note for an ordinary refusal', () => {
    const { ids } = judge(address(session('cleartext', 'rcpt', { stage: 'rcpt', reply: '550 5.7.1 Relaying denied' }), session('tls', 'rcpt', { stage: 'rcpt', reply: '550 5.7.1 Relaying denied' })));
    expect(ids).toEqual(['policy.enforcement-inconclusive']);
  });
});

describe('AUTH before TLS', () => {
  const enforcing = () => [session('cleartext', 'rcpt', { stage: 'mail', reply: '530 5.7.0 Must issue a STARTTLS command first' }), session('tls', 'rcpt')] as const;

  it('PLAIN LOGIN offered and a 334 to AUTH LOGIN: offered and challenged (a warning: exit 0)', () => {
    const [c, t] = enforcing();
    const auth: EnforceAuth = { mechanisms: ['PLAIN', 'LOGIN'], login: r('334 VXNlcm5hbWU6'), cancel: r('501 5.7.0 Authentication aborted'), evidence: [9] };
    const { ids, findings, verdict, exit } = judge(address(c, t, auth));
    expect(ids).toEqual(['policy.cleartext-auth-challenged', 'policy.tls-enforced', 'smtp.auth-before-tls']);
    expect(findings.find((f) => f.id === 'smtp.auth-before-tls')!.facts).toEqual({ host: KEY, mechanisms: 'PLAIN LOGIN' });
    expect(findings.find((f) => f.id === 'policy.cleartext-auth-challenged')!.facts).toEqual({ host: KEY, reply: '334 VXNlcm5hbWU6' });
    expect(findings.find((f) => f.id === 'policy.cleartext-auth-challenged')!.evidence).toEqual([9]);
    expect([verdict, exit]).toEqual(['warn', 0]);
  });

  it('only NTLM before TLS (Exchange) and AUTH LOGIN refused: no auth-before-tls, refused is good news', () => {
    const [c, t] = enforcing();
    const auth: EnforceAuth = { mechanisms: ['NTLM', 'GSSAPI'], login: r('504 5.7.4 Unrecognized authentication type'), cancel: null, evidence: [] };
    const { ids, verdict } = judge(address(c, t, auth));
    expect(ids).toEqual(['policy.cleartext-auth-refused', 'policy.tls-enforced']);
    expect(verdict).toBe('pass');
  });

  it('mechanisms compared without case: "login" counts', () => {
    const [c, t] = enforcing();
    const { ids } = judge(address(c, t, { mechanisms: ['login'], login: null, cancel: null, evidence: [] }));
    expect(ids).toEqual(['policy.tls-enforced', 'smtp.auth-before-tls']);
  });
});

describe('the domain', () => {
  const enforcing = () => address(session('cleartext', 'rcpt', { stage: 'mail', reply: '530 5.7.0 Must issue a STARTTLS command first' }), session('tls', 'rcpt'));
  const open = () => ({ ...address(session('cleartext', 'rcpt'), session('tls', 'rcpt')), key: 'mx2.example.test[192.0.2.26]:25' });
  const unsure = () => ({ ...address(session('cleartext', 'rcpt', { stage: 'rcpt', reply: '550 5.1.1 unknown' }), session('tls', 'rcpt', { stage: 'rcpt', reply: '550 5.1.1 unknown' })), key: 'mx3.example.test[192.0.2.27]:25' });

  it('every address enforces: pass, 0; one does not: fail, 1 (over inconclusive); inconclusive alone: 3', () => {
    const j = (as: EnforceAddressFacts[]) => judgeEnforce(facts(as), { profile: DEFAULT_PROFILE });
    expect(exitCodeFor(j([enforcing()]))).toBe(0);
    expect([j([enforcing(), open(), unsure()]).verdict, exitCodeFor(j([enforcing(), open(), unsure()]))]).toEqual(['fail', 1]);
    expect([j([enforcing(), unsure()]).verdict, exitCodeFor(j([enforcing(), unsure()]))]).toEqual(['inconclusive', 3]);
  });

  it('merges findings by id over addresses, worst first', () => {
    const twin = { ...enforcing(), key: 'mx9.example.test[192.0.2.29]:25' };
    const j = judgeEnforce(facts([enforcing(), twin, open()]), { profile: DEFAULT_PROFILE });
    expect(j.findings.map((f) => [f.id, f.hosts])).toEqual([
      ['policy.cleartext-not-refused', ['mx2.example.test[192.0.2.26]:25']],
      ['policy.tls-enforced', [KEY, 'mx9.example.test[192.0.2.29]:25']],
    ]);
  });

  it('no address: a DNS failure is inconclusive, a null MX not applicable', () => {
    const nx = { ...facts([]), dns: { status: 'nxdomain', resolver: 'test', mx: [], error: null } } as EnforceFacts;
    const j = judgeEnforce(nx, { profile: DEFAULT_PROFILE });
    expect(j.findings.map((f) => f.id)).toEqual(['dns.nxdomain']);
    // A domain that does not exist is certain (fail); nothing was tested either way.
    expect(j.verdict).toBe('fail');
    const nullMx = { ...facts([]), dns: { status: 'null-mx', resolver: 'test', mx: [], error: null } } as EnforceFacts;
    expect(judgeEnforce(nullMx, { profile: DEFAULT_PROFILE }).verdict).toBe('not-applicable');
    const empty = { ...facts([]), dns: { status: 'ok', resolver: 'test', mx: [], error: null } } as unknown as EnforceFacts;
    expect(judgeEnforce(empty, { profile: DEFAULT_PROFILE }).verdict).toBe('inconclusive');
  });

  it('judging again from the judged body gives the same body', () => {
    const j = judgeEnforce(facts([enforcing(), open()]), { profile: DEFAULT_PROFILE });
    expect(judgeEnforce(enforceFacts(j.body), { profile: DEFAULT_PROFILE })).toEqual(j);
  });

  it('an internal error in a session is our bug (exit 4), never the server\'s', () => {
    const clear: EnforceSession = { ...session('cleartext', 'rcpt'), status: 'internal-error', statusDetail: 'boom', steps: [] };
    const j = judgeEnforce(facts([address(clear, null)]), { profile: DEFAULT_PROFILE });
    expect(j.findings.map((f) => f.id).sort()).toEqual(['mxray.internal-error', 'policy.enforcement-untested']);
    expect(exitCodeFor(j)).toBe(4);
  });

  it('runs the enforce checks in their order', () => {
    expect(ENFORCE_CHECKS.map((c) => c.name)).toEqual(['enforcement', 'cleartext-auth']);
  });
});
