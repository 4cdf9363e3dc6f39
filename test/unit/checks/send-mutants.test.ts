// The judging of `mxray send` on hand-made SendBody objects (any body the schema allows, as a
// stored report rejudged would give): what became of the message and how (sendOutcomeCheck, with
// the client-certificate refusal in every shape), the MX addresses passed over, what the final
// reply means, a --count run's figures, and judgeSend's verdict. Exact ids, facts, titles, hosts
// and evidence; written against the surviving mutants of a Stryker run.
import { describe, expect, it } from 'vitest';
import { judgeSend, stageWords } from '../../../src/checks/sending.js';
import { clientCertRefusal, sendLoadCheck, sendOutcomeCheck, sendPassedOverCheck, sendReplyCheck } from '../../../src/checks/send/index.js';
import { isClientCertRefusalAlert } from '../../../src/checks/tls/client-certificate.js';
import type { CertVerdict, Finding, ReplyFacts, SendBody, SendLoad, SendOutcome, SendSession } from '../../../src/core/schema.js';
import { certVerdict, sendTls } from '../../helpers/send-facts.js';

const HOST = 'mx1.example.test[192.0.2.1]:25';
const tls = sendTls;
const cert = certVerdict;
const reply = (code: number, enhanced: string | null, ...lines: string[]): ReplyFacts => ({ code, enhanced, lines });

function session(over: Partial<SendSession> = {}): SendSession {
  return {
    status: 'ok',
    statusDetail: null,
    capabilities: ['PIPELINING', 'SIZE 10240000', '8BITMIME'],
    extensionsUsed: ['PIPELINING'],
    tls: tls(),
    certificate: null,
    tlsFallback: null,
    tlsAlert: null,
    clientCertificateRequested: false,
    steps: [],
    evidence: [3, 4],
    ...over,
  };
}

const DELIVERED: SendOutcome = { result: 'delivered', stage: 'message', reply: reply(250, '2.0.0', '2.0.0 Ok: queued as 4XyZ1'), reason: 'delivered', cause: null, queueId: '4XyZ1', refusedRecipients: [] };

function outcome(over: Partial<SendOutcome>): SendOutcome {
  return { ...DELIVERED, queueId: null, cause: null, ...over };
}

function body(over: Partial<SendBody> = {}): SendBody {
  return {
    target: { input: 'example.test', kind: 'domain', domain: 'example.test', host: null, port: 25, implicitTls: false },
    dns: { status: 'ok', resolver: 'test', mx: [{ exchange: 'mx1.example.test', preference: 10, addresses: ['192.0.2.1'], cname: null, isIpLiteral: false, error: null }], error: null },
    dnsEvidence: [],
    server: { mx: 'mx1.example.test', address: '192.0.2.1', port: 25, serverName: 'mx1.example.test' },
    passedOver: [],
    settings: { tls: 'opportunistic', verify: 'none', requireTls: false, auth: null, clientCertificate: null },
    envelope: { helo: 'client.mxray.test', from: 'a@b.test', to: ['postmaster@example.test'] },
    message: { messageId: '<m1@client.mxray.test>', testId: 'T-1', subject: 'mxray test', bytes: 512, eightBit: false, utf8: false, source: 'composed', foldedHeaders: 0 },
    session: session(),
    outcome: DELIVERED,
    load: null,
    ...over,
  };
}

/** What a finding says, without the catalogue's prose. */
const brief = (f: Finding) => ({ id: f.id, title: f.title, facts: f.facts, hosts: f.hosts, evidence: f.evidence });
const outcomeOf = (b: SendBody) => sendOutcomeCheck.assess({ body: b }).map(brief);
const idsAndFacts = (fs: Finding[]) => fs.map((f) => ({ id: f.id, facts: f.facts }));
/** The findings of sendOutcomeCheck, ids and facts only. */
const outcomeFacts = (b: SendBody) => idsAndFacts(sendOutcomeCheck.assess({ body: b }));

describe('sendOutcomeCheck: a delivered message', () => {
  it('over TLS with a verified certificate: send.delivered alone, with the reply, queue id, Message-ID, protocol, host and the session evidence', () => {
    expect(outcomeOf(body({ session: session({ certificate: cert() }) }))).toEqual([
      {
        id: 'send.delivered',
        title: `${HOST} accepted the message (over TLSv1.3): 250 2.0.0 Ok: queued as 4XyZ1`,
        facts: { host: HOST, reply: '250 2.0.0 Ok: queued as 4XyZ1', queueId: '4XyZ1', messageId: '<m1@client.mxray.test>', tls: 'over TLSv1.3' },
        hosts: [HOST],
        evidence: [3, 4],
      },
    ]);
  });

  it('no queue id named and no protocol known: "(none named)" and "over TLS"', () => {
    expect(outcomeFacts(body({ session: session({ tls: tls({ protocol: null }) }), outcome: { ...DELIVERED, queueId: null } }))).toEqual([
      { id: 'send.delivered', facts: { host: HOST, reply: '250 2.0.0 Ok: queued as 4XyZ1', queueId: '(none named)', messageId: '<m1@client.mxray.test>', tls: 'over TLS' } },
    ]);
  });

  it('--tls none: delivered "without TLS", and send.cleartext says --tls none', () => {
    const b = body({ settings: { ...body().settings, tls: 'none' }, session: session({ tls: null, capabilities: ['STARTTLS'] }) });
    expect(outcomeFacts(b)).toEqual([
      { id: 'send.delivered', facts: { host: HOST, reply: '250 2.0.0 Ok: queued as 4XyZ1', queueId: '4XyZ1', messageId: '<m1@client.mxray.test>', tls: 'without TLS' } },
      { id: 'send.cleartext', facts: { host: HOST, why: '--tls none' } },
    ]);
  });

  it('sent again in clear after a failed handshake: the handshake error in send.cleartext', () => {
    const b = body({ session: session({ tls: null, tlsFallback: 'ECONNRESET', capabilities: ['STARTTLS'] }) });
    expect(outcomeFacts(b)[1]).toEqual({ id: 'send.cleartext', facts: { host: HOST, why: 'the TLS handshake failed (ECONNRESET), so it was sent again without TLS' } });
  });

  it('STARTTLS offered among other extensions but not used: "STARTTLS was refused"', () => {
    const b = body({ session: session({ tls: null, capabilities: ['PIPELINING', 'starttls', 'SIZE 100'] }) });
    expect(outcomeFacts(b)[1]).toEqual({ id: 'send.cleartext', facts: { host: HOST, why: 'STARTTLS was refused' } });
  });

  it('a keyword that only ends in STARTTLS is not STARTTLS: "the server does not offer STARTTLS"', () => {
    const b = body({ session: session({ tls: null, capabilities: ['PIPELINING', 'X-STARTTLS'] }) });
    expect(outcomeFacts(b)[1]).toEqual({ id: 'send.cleartext', facts: { host: HOST, why: 'the server does not offer STARTTLS' } });
  });

  it('no session recorded: delivered without TLS, the server "does not offer STARTTLS", no evidence', () => {
    expect(outcomeOf(body({ session: null }))).toEqual([
      {
        id: 'send.delivered',
        title: `${HOST} accepted the message (without TLS): 250 2.0.0 Ok: queued as 4XyZ1`,
        facts: { host: HOST, reply: '250 2.0.0 Ok: queued as 4XyZ1', queueId: '4XyZ1', messageId: '<m1@client.mxray.test>', tls: 'without TLS' },
        hosts: [HOST],
        evidence: [],
      },
      { id: 'send.cleartext', title: `The message went to ${HOST} without TLS (the server does not offer STARTTLS)`, facts: { host: HOST, why: 'the server does not offer STARTTLS' }, hosts: [HOST], evidence: [] },
    ]);
  });

  describe('a certificate that does not verify: send.certificate-unverified says why', () => {
    const unverified = (c: CertVerdict) => outcomeOf(body({ session: session({ certificate: c }) }))[1];
    it('not trusted: the trust failure', () => {
      expect(unverified(cert({ trusted: false, trustFailure: 'self-signed' }))).toEqual({
        id: 'send.certificate-unverified',
        title: `The message went to ${HOST} over TLS with a certificate that does not verify (does not chain to a trusted root (self-signed))`,
        facts: { host: HOST, why: 'does not chain to a trusted root (self-signed)' },
        hosts: [HOST],
        evidence: [3, 4],
      });
    });
    it('expired or not yet valid: "is not valid now"', () => {
      expect(unverified(cert({ timeValid: false }))?.facts).toEqual({ host: HOST, why: 'is not valid now' });
    });
    it('for another name: the name checked', () => {
      expect(unverified(cert({ nameMatches: false, checkedName: 'mx9.example.test' }))?.facts).toEqual({ host: HOST, why: 'does not name mx9.example.test' });
    });
    it('for another name, none checked: "the server"', () => {
      expect(unverified(cert({ nameMatches: false, checkedName: null }))?.facts).toEqual({ host: HOST, why: 'does not name the server' });
    });
    it('name not checked (null): no finding', () => {
      expect(outcomeFacts(body({ session: session({ certificate: cert({ nameMatches: null }) }) })).map((f) => f.id)).toEqual(['send.delivered']);
    });
  });

  it('with no server: the target names the host, and the finding names no host', () => {
    expect(outcomeOf(body({ server: null, session: session({ evidence: [] }) }))).toEqual([
      {
        id: 'send.delivered',
        title: 'example.test accepted the message (over TLSv1.3): 250 2.0.0 Ok: queued as 4XyZ1',
        facts: { host: 'example.test', reply: '250 2.0.0 Ok: queued as 4XyZ1', queueId: '4XyZ1', messageId: '<m1@client.mxray.test>', tls: 'over TLSv1.3' },
        hosts: [],
        evidence: [],
      },
    ]);
  });
});

describe('sendOutcomeCheck: refused and deferred', () => {
  it('refused at RCPT: send.refused with the stage in words and the reply', () => {
    const b = body({ outcome: outcome({ result: 'refused', stage: 'rcpt', reply: reply(550, '5.1.1', '5.1.1 <x@example.test>: Recipient address rejected'), reason: 'refused' }) });
    expect(outcomeOf(b)).toEqual([
      {
        id: 'send.refused',
        title: `${HOST} refused the message at RCPT TO: 550 5.1.1 <x@example.test>: Recipient address rejected`,
        facts: { host: HOST, stage: 'RCPT TO', reply: '550 5.1.1 <x@example.test>: Recipient address rejected' },
        hosts: [HOST],
        evidence: [3, 4],
      },
    ]);
  });

  it('deferred at MAIL FROM: send.deferred', () => {
    const b = body({ outcome: outcome({ result: 'deferred', stage: 'mail', reply: reply(451, '4.7.1', '4.7.1 try later'), reason: 'deferred' }) });
    expect(outcomeFacts(b)).toEqual([{ id: 'send.deferred', facts: { host: HOST, stage: 'MAIL FROM', reply: '451 4.7.1 try later' } }]);
  });

  it('no stage and no reply: "the start" and "(no reply)"', () => {
    const b = body({ outcome: outcome({ result: 'refused', stage: null, reply: null, reason: 'refused' }) });
    expect(outcomeFacts(b)).toEqual([{ id: 'send.refused', facts: { host: HOST, stage: 'the start', reply: '(no reply)' } }]);
  });

  it.each([
    ['connect', 'the connection'],
    ['tls', 'the TLS handshake'],
    ['banner', 'the greeting'],
    ['ehlo', 'EHLO'],
    ['starttls', 'STARTTLS'],
    ['mail', 'MAIL FROM'],
    ['rcpt', 'RCPT TO'],
    ['data', 'DATA'],
    ['message', 'the end of the data'],
  ] as const)('the stage %s reads "%s"', (stage, words) => {
    expect(stageWords(stage)).toBe(words);
    const b = body({ outcome: outcome({ result: 'deferred', stage, reply: reply(421, null, 'busy'), reason: 'deferred' }) });
    expect(outcomeFacts(b)).toEqual([{ id: 'send.deferred', facts: { host: HOST, stage: words, reply: '421 busy' } }]);
  });

  it('the stage auth reads "AUTH", and no stage "the start"', () => {
    expect(stageWords('auth')).toBe('AUTH');
    expect(stageWords(null)).toBe('the start');
  });

  describe('refused at AUTH: send.auth-failed, the mechanism as asked, else read from the reason, else "?"', () => {
    const atAuth = (auth: SendBody['settings']['auth'], reason: string) =>
      outcomeFacts(body({ settings: { ...body().settings, auth }, outcome: outcome({ result: 'refused', stage: 'auth', reply: reply(535, '5.7.8', '5.7.8 bad credentials'), reason }) }));
    it('asked for', () => {
      expect(atAuth({ user: 'u', mechanism: 'PLAIN', allowCleartext: false }, 'AUTH LOGIN refused')).toEqual([
        { id: 'send.auth-failed', facts: { host: HOST, mechanism: 'PLAIN', reply: '535 5.7.8 bad credentials' } },
      ]);
    });
    it('chosen by mxray: from the reason', () => {
      expect(atAuth({ user: 'u', mechanism: null, allowCleartext: false }, 'AUTH CRAM-MD5 refused')[0]?.facts).toEqual({ host: HOST, mechanism: 'CRAM-MD5', reply: '535 5.7.8 bad credentials' });
    });
    it('no auth settings and no mechanism in the reason: "?"', () => {
      expect(atAuth(null, 'refused')[0]?.facts).toEqual({ host: HOST, mechanism: '?', reply: '535 5.7.8 bad credentials' });
    });
  });
});

describe('sendOutcomeCheck: not sent', () => {
  const notSent = (cause: SendOutcome['cause'], reason: string, settings: Partial<SendBody['settings']> = {}) =>
    outcomeFacts(body({ settings: { ...body().settings, ...settings }, outcome: outcome({ result: 'not-sent', stage: 'ehlo', reply: null, reason, cause }) }));

  it('AUTH in clear: the mechanism from the reason, else "?"', () => {
    expect(notSent('cleartext-auth', 'AUTH PLAIN in clear text')).toEqual([{ id: 'send.cleartext-auth-refused', facts: { host: HOST, mechanism: 'PLAIN' } }]);
    expect(notSent('cleartext-auth', 'in clear text')).toEqual([{ id: 'send.cleartext-auth-refused', facts: { host: HOST, mechanism: '?' } }]);
  });

  it('no usable mechanism: wanted and offered from the reason, else "?"', () => {
    expect(notSent('auth-unavailable', 'AUTH: PLAIN or LOGIN wanted, CRAM-MD5 GSSAPI offered')).toEqual([
      { id: 'send.auth-unavailable', facts: { host: HOST, wanted: 'PLAIN or LOGIN', offered: 'CRAM-MD5 GSSAPI' } },
    ]);
    expect(notSent('auth-unavailable', 'no AUTH')).toEqual([{ id: 'send.auth-unavailable', facts: { host: HOST, wanted: '?', offered: '?' } }]);
  });

  it('an extension missing: the keyword before ": " and the whole rest after it', () => {
    expect(notSent('extension-missing', 'SMTPUTF8: the envelope or headers hold non-ASCII text: here')).toEqual([
      { id: 'send.extension-missing', facts: { host: HOST, extension: 'SMTPUTF8', why: 'the envelope or headers hold non-ASCII text: here' } },
    ]);
  });

  it('an extension missing, the reason without ": ": the reason twice', () => {
    expect(notSent('extension-missing', 'REQUIRETLS')).toEqual([{ id: 'send.extension-missing', facts: { host: HOST, extension: 'REQUIRETLS', why: 'REQUIRETLS' } }]);
  });

  it('TLS required and missing: send.tls-unavailable with the mode and the reason', () => {
    expect(notSent('tls-unavailable', 'the server does not offer STARTTLS', { tls: 'required' })).toEqual([
      { id: 'send.tls-unavailable', facts: { host: HOST, mode: 'required', why: 'the server does not offer STARTTLS' } },
    ]);
  });
});

describe('sendOutcomeCheck: the session failed', () => {
  it('with a session: its status and detail', () => {
    const b = body({ session: session({ tls: null, status: 'io-timeout', statusDetail: 'no reply in 30 s' }), outcome: outcome({ result: 'failed', stage: 'data', reply: null, reason: 'timed out' }) });
    expect(outcomeOf(b)).toEqual([
      {
        id: 'send.failed',
        title: `No message sent to ${HOST}: the session failed at DATA (io-timeout)`,
        facts: { host: HOST, stage: 'DATA', status: 'io-timeout', detail: 'no reply in 30 s' },
        hosts: [HOST],
        evidence: [3, 4],
      },
    ]);
  });

  it('without a session: status "connection" and the reason', () => {
    const b = body({ session: null, outcome: outcome({ result: 'failed', stage: 'connect', reply: null, reason: 'ECONNREFUSED' }) });
    expect(outcomeFacts(b)).toEqual([{ id: 'send.failed', facts: { host: HOST, stage: 'the connection', status: 'connection', detail: 'ECONNREFUSED' } }]);
  });

  it('a session without a detail: the reason', () => {
    const b = body({ session: session({ tls: null, status: 'protocol-error', statusDetail: null }), outcome: outcome({ result: 'failed', stage: 'banner', reply: null, reason: 'reset by peer' }) });
    expect(outcomeFacts(b)).toEqual([{ id: 'send.failed', facts: { host: HOST, stage: 'the greeting', status: 'protocol-error', detail: 'reset by peer' } }]);
  });

  it('an exception of ours: mxray.internal-error with its detail, before send.failed', () => {
    const b = body({ session: session({ tls: null, status: 'internal-error', statusDetail: 'TypeError: x is undefined' }), outcome: outcome({ result: 'failed', stage: 'mail', reply: null, reason: 'bug' }) });
    expect(outcomeFacts(b)).toEqual([
      { id: 'mxray.internal-error', facts: { host: HOST, detail: 'TypeError: x is undefined' } },
      { id: 'send.failed', facts: { host: HOST, stage: 'MAIL FROM', status: 'internal-error', detail: 'TypeError: x is undefined' } },
    ]);
  });

  it('an exception of ours without a detail: "internal error"', () => {
    const b = body({ session: session({ tls: null, status: 'internal-error', statusDetail: null }), outcome: outcome({ result: 'failed', stage: 'mail', reply: null, reason: 'bug' }) });
    expect(outcomeFacts(b)[0]).toEqual({ id: 'mxray.internal-error', facts: { host: HOST, detail: 'internal error' } });
  });
});

describe('sendOutcomeCheck: a server that requires a client certificate', () => {
  const FAILED_EHLO = outcome({ result: 'failed', stage: 'ehlo', reply: null, reason: 'the server ended the TLS session' });
  const FAILED_TLS = outcome({ result: 'failed', stage: 'tls', reply: null, reason: 'handshake failed' });
  const SUBJECT = 'CN=client.mxray.test';
  const withAlert = (alert: string, o: { tls: boolean; presented?: boolean; requested?: boolean; result?: SendOutcome }) =>
    body({
      settings: { ...body().settings, clientCertificate: o.presented ? SUBJECT : null },
      session: session({ tls: o.tls ? tls() : null, tlsAlert: alert, clientCertificateRequested: o.requested ?? false, status: 'tls-handshake-error', statusDetail: 'alert' }),
      outcome: o.result ?? (o.tls ? FAILED_EHLO : FAILED_TLS),
    });
  const AFTER = (alert: string) => `it ended the TLS session with the alert ${alert} right after the handshake`;
  const DURING = (alert: string) => `it asked for a client certificate and ended the handshake with the alert ${alert}`;

  it('TLS 1.3, none presented, certificate_required right after the handshake: send.client-cert-required alone', () => {
    expect(outcomeOf(withAlert('certificate_required', { tls: true }))).toEqual([
      {
        id: 'send.client-cert-required',
        title: `${HOST} requires a client certificate, and none was presented: ${AFTER('certificate_required')}`,
        facts: { host: HOST, how: AFTER('certificate_required') },
        hosts: [HOST],
        evidence: [3, 4],
      },
    ]);
  });

  it.each(['handshake_failure', 'bad_certificate', 'certificate_unknown', 'access_denied'])('TLS 1.3, none presented, %s after the handshake: required', (alert) => {
    expect(outcomeFacts(withAlert(alert, { tls: true }))).toEqual([{ id: 'send.client-cert-required', facts: { host: HOST, how: AFTER(alert) } }]);
  });

  it.each(['unknown_ca', 'certificate_expired', 'certificate_revoked', 'unsupported_certificate'])('TLS 1.3, one presented, %s after the handshake: send.client-cert-refused with its subject', (alert) => {
    expect(outcomeOf(withAlert(alert, { tls: true, presented: true }))).toEqual([
      {
        id: 'send.client-cert-refused',
        title: `${HOST} refused the client certificate presented (${SUBJECT}): ${AFTER(alert)}`,
        facts: { host: HOST, how: AFTER(alert), subject: SUBJECT },
        hosts: [HOST],
        evidence: [3, 4],
      },
    ]);
  });

  it('one presented, certificate_required: refused (not required)', () => {
    expect(outcomeFacts(withAlert('certificate_required', { tls: true, presented: true }))).toEqual([
      { id: 'send.client-cert-refused', facts: { host: HOST, how: AFTER('certificate_required'), subject: SUBJECT } },
    ]);
  });

  it.each(['unknown_ca', 'certificate_expired', 'certificate_revoked', 'unsupported_certificate'])('none presented, %s after the handshake: not about a client certificate (send.failed)', (alert) => {
    expect(outcomeFacts(withAlert(alert, { tls: true }))).toEqual([{ id: 'send.failed', facts: { host: HOST, stage: 'EHLO', status: 'tls-handshake-error', detail: 'alert' } }]);
  });

  it('another alert after the handshake (internal_error), even with one presented: send.failed', () => {
    expect(outcomeFacts(withAlert('internal_error', { tls: true }))).toEqual([{ id: 'send.failed', facts: { host: HOST, stage: 'EHLO', status: 'tls-handshake-error', detail: 'alert' } }]);
    expect(outcomeFacts(withAlert('internal_error', { tls: true, presented: true }))).toEqual([{ id: 'send.failed', facts: { host: HOST, stage: 'EHLO', status: 'tls-handshake-error', detail: 'alert' } }]);
  });

  it('certificate_required during the handshake, no CertificateRequest seen: required, said as during the handshake', () => {
    expect(outcomeOf(withAlert('certificate_required', { tls: false }))).toEqual([
      {
        id: 'send.client-cert-required',
        title: `${HOST} requires a client certificate, and none was presented: ${DURING('certificate_required')}`,
        facts: { host: HOST, how: DURING('certificate_required') },
        hosts: [HOST],
        evidence: [3, 4],
      },
    ]);
  });

  it('TLS ≤ 1.2: handshake_failure after a CertificateRequest seen in clear: required', () => {
    expect(outcomeFacts(withAlert('handshake_failure', { tls: false, requested: true }))).toEqual([{ id: 'send.client-cert-required', facts: { host: HOST, how: DURING('handshake_failure') } }]);
  });

  it('TLS ≤ 1.2, one presented: unknown_ca after a CertificateRequest: refused', () => {
    expect(outcomeFacts(withAlert('unknown_ca', { tls: false, requested: true, presented: true }))).toEqual([
      { id: 'send.client-cert-refused', facts: { host: HOST, how: DURING('unknown_ca'), subject: SUBJECT } },
    ]);
  });

  it('handshake_failure during the handshake without a CertificateRequest: send.failed', () => {
    expect(outcomeFacts(withAlert('handshake_failure', { tls: false }))).toEqual([{ id: 'send.failed', facts: { host: HOST, stage: 'the TLS handshake', status: 'tls-handshake-error', detail: 'alert' } }]);
  });

  it('another alert during the handshake (internal_error, protocol_version), even after a CertificateRequest: send.failed', () => {
    for (const alert of ['internal_error', 'protocol_version']) {
      for (const requested of [false, true]) {
        expect(outcomeFacts(withAlert(alert, { tls: false, requested }))).toEqual([{ id: 'send.failed', facts: { host: HOST, stage: 'the TLS handshake', status: 'tls-handshake-error', detail: 'alert' } }]);
      }
    }
  });

  it('a delivered message is never a client-certificate refusal, whatever the alert', () => {
    expect(outcomeFacts(withAlert('certificate_required', { tls: true, result: DELIVERED })).map((f) => f.id)).toEqual(['send.delivered']);
  });

  it('Postfix smtpd_tls_req_ccert: a 421 that says no client certificate: required, with the reply', () => {
    const b = body({ outcome: outcome({ result: 'deferred', stage: 'ehlo', reply: reply(421, '4.7.1', '4.7.1 mx1.example.test Error: No client certificate presented'), reason: 'deferred' }) });
    const how = 'it answered 421 4.7.1 mx1.example.test Error: No client certificate presented';
    expect(outcomeOf(b)).toEqual([{ id: 'send.client-cert-required', title: `${HOST} requires a client certificate, and none was presented: ${how}`, facts: { host: HOST, how }, hosts: [HOST], evidence: [3, 4] }]);
  });

  it('the same words in a reply coded 400: required', () => {
    const b = body({ outcome: outcome({ result: 'deferred', stage: 'ehlo', reply: reply(400, null, 'client certificate required'), reason: 'deferred' }) });
    expect(outcomeFacts(b)).toEqual([{ id: 'send.client-cert-required', facts: { host: HOST, how: 'it answered 400 client certificate required' } }]);
  });

  it('no session: never a refusal', () => {
    expect(clientCertRefusal(body({ session: null, outcome: FAILED_TLS }))).toBe(null);
  });

  it('isClientCertRefusalAlert: the refusal alerts only, never null', () => {
    expect(['certificate_required', 'handshake_failure', 'bad_certificate', 'certificate_unknown', 'access_denied', 'unknown_ca', 'internal_error', '', null].map(isClientCertRefusalAlert)).toEqual([
      true,
      true,
      true,
      true,
      true,
      false,
      false,
      false,
      false,
    ]);
  });
});

describe('sendReplyCheck: what the final reply means', () => {
  const replyFindings = (r: ReplyFacts | null, s: SendSession | null = session()) =>
    sendReplyCheck.assess({ body: body({ session: s, outcome: outcome({ result: 'refused', stage: 'message', reply: r, reason: 'refused' }) }) }).map(brief);

  it('no reply: nothing', () => {
    expect(replyFindings(null)).toEqual([]);
  });

  it("Exchange Online's 535 5.7.139: send.exo-smtp-auth-disabled with the reply", () => {
    expect(replyFindings(reply(535, '5.7.139', '5.7.139 Authentication unsuccessful'))).toEqual([
      {
        id: 'send.exo-smtp-auth-disabled',
        title: `${HOST} (Exchange Online): SMTP AUTH is disabled or blocked for this account (535 5.7.139 Authentication unsuccessful)`,
        facts: { host: HOST, reply: '535 5.7.139 Authentication unsuccessful' },
        hosts: [HOST],
        evidence: [3, 4],
      },
    ]);
  });

  it('530 5.7.57: send.auth-required with the reply', () => {
    expect(idsAndFacts(sendReplyCheck.assess({ body: body({ outcome: outcome({ result: 'refused', stage: 'mail', reply: reply(530, '5.7.57', '5.7.57 Client not authenticated'), reason: 'x' }) }) }))).toEqual([
      { id: 'send.auth-required', facts: { host: HOST, reply: '530 5.7.57 Client not authenticated' } },
    ]);
  });

  describe('552: send.too-large with the limit the EHLO reply announced', () => {
    const TOO_LARGE = reply(552, '5.3.4', '5.3.4 Message size exceeds fixed limit');
    const limitWith = (s: SendSession | null) => replyFindings(TOO_LARGE, s)[0]?.facts;
    it('SIZE announced', () => {
      expect(limitWith(session({ capabilities: ['PIPELINING', 'SIZE 10240000'] }))).toEqual({
        host: HOST,
        bytes: 512,
        limit: '10240000 bytes (SIZE in the EHLO reply)',
        reply: '552 5.3.4 Message size exceeds fixed limit',
      });
    });
    it('no SIZE (a keyword that only ends in SIZE is not it): "not announced"', () => {
      expect(limitWith(session({ capabilities: ['PIPELINING', 'X-SIZE 99'] }))?.limit).toBe('not announced');
    });
    it('no session: "not announced"', () => {
      expect(limitWith(null)?.limit).toBe('not announced');
    });
  });
});

describe('sendPassedOverCheck: the MX addresses passed over', () => {
  const passed = (mx: string, address: string, reason: string, evidence: number[]) => ({ mx, address, port: 25, reason, evidence });

  it('each names the next one tried, the last the server the message went to', () => {
    const b = body({ passedOver: [passed('mx0.example.test', '192.0.2.9', 'connection refused', [0]), passed('mx0.example.test', '192.0.2.8', '421 busy', [1, 2])] });
    expect(sendPassedOverCheck.assess({ body: b }).map(brief)).toEqual([
      {
        id: 'send.mx-passed-over',
        title: 'mx0.example.test[192.0.2.9]:25 did not take the session (connection refused): the message went on to mx0.example.test[192.0.2.8]:25',
        facts: { host: 'mx0.example.test[192.0.2.9]:25', reason: 'connection refused', next: 'mx0.example.test[192.0.2.8]:25' },
        hosts: ['mx0.example.test[192.0.2.9]:25'],
        evidence: [0],
      },
      {
        id: 'send.mx-passed-over',
        title: `mx0.example.test[192.0.2.8]:25 did not take the session (421 busy): the message went on to ${HOST}`,
        facts: { host: 'mx0.example.test[192.0.2.8]:25', reason: '421 busy', next: HOST },
        hosts: ['mx0.example.test[192.0.2.8]:25'],
        evidence: [1, 2],
      },
    ]);
  });

  it('none took it: "no other address"', () => {
    const b = body({ server: null, session: null, passedOver: [passed('mx0.example.test', '192.0.2.9', 'connection refused', [0])] });
    expect(idsAndFacts(sendPassedOverCheck.assess({ body: b }))).toEqual([
      { id: 'send.mx-passed-over', facts: { host: 'mx0.example.test[192.0.2.9]:25', reason: 'connection refused', next: 'no other address' } },
    ]);
  });
});

describe('sendLoadCheck: a --count run', () => {
  const LOAD: SendLoad = {
    count: 5,
    concurrency: 1,
    delivered: 5,
    refused: 0,
    failed: 0,
    elapsedMs: 400,
    messagesPerSecond: 12.345,
    latencyMs: { p50: 10, p90: 20, p99: 30, max: 31 },
    firstFailure: null,
  };
  const loadFindings = (load: SendLoad | null, reason = 'delivered') => sendLoadCheck.assess({ body: body({ load, outcome: { ...DELIVERED, reason } }) }).map(brief);

  it('no --count: nothing', () => {
    expect(loadFindings(null)).toEqual([]);
  });

  it('all delivered over one session: send.load alone, the rate to one decimal', () => {
    expect(loadFindings(LOAD)).toEqual([
      {
        id: 'send.load',
        title: `${HOST}: 5 of 5 messages delivered over 1 session: 12.3 messages/s (latency p50 10 ms, p90 20 ms, p99 30 ms, max 31 ms)`,
        facts: { host: HOST, count: 5, concurrency: '1 session', delivered: 5, rate: 12.3, p50: 10, p90: 20, p99: 30, max: 31 },
        hosts: [HOST],
        evidence: [3, 4],
      },
    ]);
  });

  it('some not delivered over two sessions, no latency: "sessions", "-", and send.load-failures with the first failure', () => {
    expect(idsAndFacts(sendLoadCheck.assess({ body: body({ load: { ...LOAD, concurrency: 2, delivered: 3, failed: 2, latencyMs: null, firstFailure: '421 too many connections' } }) }))).toEqual([
      { id: 'send.load', facts: { host: HOST, count: 5, concurrency: '2 sessions', delivered: 3, rate: 12.3, p50: '-', p90: '-', p99: '-', max: '-' } },
      { id: 'send.load-failures', facts: { host: HOST, count: 5, failed: 2, first: '421 too many connections' } },
    ]);
  });

  it('no first failure of a later session: the outcome\u2019s reason', () => {
    expect(loadFindings({ ...LOAD, delivered: 4, firstFailure: null }, 'the first message was refused')[1]?.facts).toEqual({ host: HOST, count: 5, failed: 1, first: 'the first message was refused' });
  });
});

describe('judgeSend: the verdict', () => {
  it('no server: inconclusive whatever DNS said', () => {
    const b = body({ server: null, session: null, outcome: outcome({ result: 'failed', stage: 'connect', reply: null, reason: 'ECONNREFUSED' }) });
    const j = judgeSend(b);
    expect(j.verdict).toBe('inconclusive');
    expect(j.findings.map((f) => f.id)).toEqual(['send.failed']);
  });

  it('no server and nothing but a passed-over warning: still inconclusive', () => {
    const b = body({ server: null, session: null, passedOver: [{ mx: 'mx1.example.test', address: '192.0.2.1', port: 25, reason: 'connection refused', evidence: [] }], outcome: DELIVERED });
    expect(judgeSend(b).verdict).toBe('inconclusive');
  });

  it('a delivered message over TLS: pass', () => {
    expect(judgeSend(body()).verdict).toBe('pass');
  });

  it('the DNS findings name the domain and resolver, with the DNS evidence', () => {
    const b = body({ dns: { status: 'servfail', resolver: '192.0.2.53', mx: [], error: null }, dnsEvidence: [7], server: null, session: null, outcome: outcome({ result: 'failed', stage: null, reply: null, reason: 'no MX' }) });
    const j = judgeSend(b);
    expect(j.findings.map((f) => ({ id: f.id, facts: f.facts, evidence: f.evidence }))).toEqual([
      { id: 'dns.servfail', facts: { domain: 'example.test', resolver: '192.0.2.53' }, evidence: [7] },
      { id: 'send.failed', facts: { host: 'example.test', stage: 'the start', status: 'connection', detail: 'no MX' }, evidence: [] },
    ]);
  });
});
