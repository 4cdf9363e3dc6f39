// The send report as a Document and through every back end: the reason line for each outcome, the
// context lines (envelope, message, TLS with the certificate's verdict, AUTH, queue id, the MX
// addresses passed over), the dialogue as the summary table, the details (extensions, a stopped
// session, the certificate, refused recipients, a --count run's figures), the transcript with
// --verbose only, and every server string escaped (terminal controls, HTML markup, Markdown table breaks).
import { describe, expect, it } from 'vitest';
import { DEFAULT_PROFILE } from '../../../src/checks/profile.js';
import { judgeSend } from '../../../src/checks/sending.js';
import type { CertVerdict, ReplyFacts, SendBody, SendReport, SendSession, TranscriptEvent } from '../../../src/core/schema.js';
import { SCHEMA_VERSION } from '../../../src/core/version.js';
import { renderHtml } from '../../../src/render/html.js';
import { plainParts, type Document } from '../../../src/render/document.js';
import { documentFor } from '../../../src/render/index.js';
import { renderMarkdown } from '../../../src/render/markdown.js';
import { sendDocument } from '../../../src/render/send.js';
import { plainStyle } from '../../../src/render/style.js';
import { renderText } from '../../../src/render/text.js';
import { certInfo, certVerdict, sendTls } from '../../helpers/send-facts.js';

const tls = sendTls;
const leaf = certInfo;
const cert = certVerdict;
const reply = (code: number, ...lines: string[]): ReplyFacts => ({ code, enhanced: null, lines });

function session(over: Partial<SendSession> = {}): SendSession {
  return {
    status: 'ok',
    statusDetail: null,
    capabilities: ['PIPELINING', 'SIZE 10240000', 'STARTTLS', '8BITMIME'],
    extensionsUsed: ['PIPELINING', 'SIZE'],
    tls: tls(),
    certificate: null,
    tlsFallback: null,
    tlsAlert: null,
    clientCertificateRequested: false,
    steps: [
      { stage: 'banner', command: '(greeting)', reply: reply(220, 'mx1.example.test ESMTP') },
      { stage: 'ehlo', command: 'EHLO client.mxray.test', reply: reply(250, 'mx1.example.test', 'STARTTLS') },
      { stage: 'starttls', command: 'STARTTLS', reply: reply(220, '2.0.0 Ready to start TLS') },
      { stage: 'tls', command: 'TLSv1.3 handshake', reply: null },
      { stage: 'ehlo', command: 'EHLO client.mxray.test', reply: reply(250, 'mx1.example.test', 'PIPELINING') },
      { stage: 'mail', command: 'MAIL FROM:<a@b.test> SIZE=512', reply: reply(250, '2.1.0 Ok') },
      { stage: 'rcpt', command: 'RCPT TO:<postmaster@example.test>', reply: reply(250, '2.1.5 Ok') },
      { stage: 'data', command: 'DATA', reply: reply(354, 'End data with <CR><LF>.<CR><LF>') },
      { stage: 'message', command: '(512 bytes)', reply: reply(250, '2.0.0 Ok: queued as 4XyZ1') },
    ],
    evidence: [],
    ...over,
  };
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
    outcome: { result: 'delivered', stage: 'message', reply: reply(250, '2.0.0 Ok: queued as 4XyZ1'), reason: 'delivered', cause: null, queueId: '4XyZ1', refusedRecipients: [] },
    load: null,
    ...over,
  };
}

const TRANSCRIPT: TranscriptEvent[] = [
  { seq: 0, t: 5, conn: 'mx1.example.test[192.0.2.1]:25/main', kind: 'recv', text: '220 mx1.example.test ESMTP' },
  { seq: 1, t: 1250, conn: 'mx1.example.test[192.0.2.1]:25/main', kind: 'send', text: 'EHLO client.mxray.test' },
];

function report(b: SendBody = body()): SendReport {
  const j = judgeSend(b);
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'mxray', version: '0.0.0' },
    kind: 'send',
    target: 'example.test',
    startedAt: '2026-11-29T05:00:00.000Z',
    durationMs: 340,
    verdict: j.verdict,
    judgedWith: { at: '2026-11-29T05:00:00.000Z', profile: { name: DEFAULT_PROFILE.name, version: DEFAULT_PROFILE.version }, trustStore: { description: 'none', bundledRootsOfNode: null, extraCaFiles: [] }, options: { warnDays: 30, expectThumbprint: null }, rejudged: false },
    findings: j.findings,
    transcript: TRANSCRIPT,
    body: b,
  };
}

/** The text report's lines, at a fixed width wide enough for every line here. */
const textLines = (r: SendReport, options: { verbose?: boolean; brief?: boolean; explain?: boolean } = {}) => renderText(r, { style: plainStyle, width: 160, ...options }).split('\n');
/** The text report's second line: the verdict and the reason. */
const reasonLine = (b: SendBody) => textLines(report(b))[1];
const contextOf = (doc: Document) => doc.context.map((l) => plainParts(l.parts));
const tlsLineOf = (b: SendBody) => contextOf(sendDocument(report(b))).find((l) => l.startsWith('TLS '));
/** A details section as plain lines, two spaces per level of depth. */
function section(doc: Document, heading: string): string[] | undefined {
  return doc.details?.sections.find((s) => s.heading === heading)?.lines.map((l) => '  '.repeat(l.depth) + plainParts(l.parts));
}
const SERVER = 'mx1.example.test[192.0.2.1]:25';

describe('the send Document', () => {
  it('is what documentFor gives for a send report: title, subject, verdict and the header line', () => {
    const r = report();
    const doc = documentFor(r, { verbose: true });
    expect(doc).toEqual(sendDocument(r, { verbose: true }));
    expect(doc.title).toBe('mxray send');
    expect(doc.subject).toBe(`${SERVER} (--tls opportunistic)`);
    expect(doc.shortSubject).toBe('example.test');
    expect(doc.meta).toEqual(['profile mxray-2026.11']);
    expect(doc.verdict).toBe('pass');
    expect(doc.verdictNote).toBe('no problems found');
    expect(doc.findings.map((f) => f.id)).toEqual(['send.delivered']);
    expect(textLines(r)[0]).toBe(`mxray send — ${SERVER} (--tls opportunistic) — 2026-11-29 05:00 UTC, 0.34 s`);
  });
});

describe('the reason line, per outcome', () => {
  it('delivered over TLS: the reply names the queue id, which is not repeated', () => {
    expect(reasonLine(body())).toBe(`PASS — delivered to ${SERVER} over TLSv1.3: 250 2.0.0 Ok: queued as 4XyZ1; Message-ID <m1@client.mxray.test>`);
  });

  it('delivered over TLS: a queue id the reply does not hold is added once, after the reply', () => {
    const b = body({ outcome: { result: 'delivered', stage: 'message', reply: reply(250, '2.0.0 Message accepted for delivery'), reason: 'accepted', cause: null, queueId: 'Q-77', refusedRecipients: [] } });
    const doc = sendDocument(report(b));
    expect(doc.reason).toBe(`delivered to ${SERVER} over TLSv1.3: 250 2.0.0 Message accepted for delivery (queue id Q-77); Message-ID <m1@client.mxray.test>`);
    expect(reasonLine(b)).toBe(`PASS — ${doc.reason}`);
  });

  it('delivered over TLS of no known protocol: "over TLS"; without a queue id: no parentheses', () => {
    const b = body({
      session: session({ tls: tls({ protocol: null }) }),
      outcome: { result: 'delivered', stage: 'message', reply: reply(250, '2.0.0 Ok'), reason: 'accepted', cause: null, queueId: null, refusedRecipients: [] },
    });
    expect(sendDocument(report(b)).reason).toBe(`delivered to ${SERVER} over TLS: 250 2.0.0 Ok; Message-ID <m1@client.mxray.test>`);
  });

  it('delivered WITHOUT TLS', () => {
    const b = body({ session: session({ tls: null, capabilities: ['PIPELINING', 'SIZE 10240000'] }) });
    const r = report(b);
    expect(sendDocument(r).reason).toBe(`delivered to ${SERVER} WITHOUT TLS: 250 2.0.0 Ok: queued as 4XyZ1; Message-ID <m1@client.mxray.test>`);
    expect(r.findings.map((f) => f.id)).toEqual(['send.cleartext', 'send.delivered']);
    expect(sendDocument(r).verdictNote).toBe('1 warning');
    expect(textLines(r)[1]).toBe(`WARN — delivered to ${SERVER} WITHOUT TLS: 250 2.0.0 Ok: queued as 4XyZ1; Message-ID <m1@client.mxray.test>`);
    expect(textLines(r)[4]).toBe('TLS       none');
  });

  it('refused at a stage, with the stage by its name and the reply', () => {
    const b = body({ outcome: { result: 'refused', stage: 'rcpt', reply: reply(550, '5.1.1 <postmaster@example.test>: Recipient address rejected'), reason: 'refused', cause: null, queueId: null, refusedRecipients: [] } });
    expect(reasonLine(b)).toBe(`FAIL — refused at RCPT TO by ${SERVER}: 550 5.1.1 <postmaster@example.test>: Recipient address rejected`);
    const atGreeting = body({ outcome: { result: 'refused', stage: 'banner', reply: reply(554, '5.7.1 No SMTP service here'), reason: 'refused', cause: null, queueId: null, refusedRecipients: [] } });
    expect(sendDocument(report(atGreeting)).reason).toBe(`refused at greeting by ${SERVER}: 554 5.7.1 No SMTP service here`);
  });

  it('deferred (temporary refusal) at a stage', () => {
    const b = body({ outcome: { result: 'deferred', stage: 'mail', reply: reply(451, '4.7.1 Greylisted, try again later'), reason: 'deferred', cause: null, queueId: null, refusedRecipients: [] } });
    expect(sendDocument(report(b)).reason).toBe(`deferred (temporary refusal) at MAIL FROM by ${SERVER}: 451 4.7.1 Greylisted, try again later`);
  });

  it('not sent: TLS unavailable names the --tls mode', () => {
    const b = body({
      settings: { tls: 'required', verify: 'none', requireTls: false, auth: null, clientCertificate: null },
      session: session({ tls: null, capabilities: ['PIPELINING'] }),
      outcome: { result: 'not-sent', stage: 'starttls', reply: null, reason: 'STARTTLS is not offered', cause: 'tls-unavailable', queueId: null, refusedRecipients: [] },
    });
    expect(sendDocument(report(b)).reason).toBe('not sent: --tls required and STARTTLS is not offered');
  });

  it('not sent: an extension missing is one the server does not offer', () => {
    const b = body({ outcome: { result: 'not-sent', stage: 'ehlo', reply: null, reason: '8BITMIME: the message holds 8-bit bytes', cause: 'extension-missing', queueId: null, refusedRecipients: [] } });
    expect(sendDocument(report(b)).reason).toBe('not sent: the server does not offer 8BITMIME: the message holds 8-bit bytes');
  });

  it('not sent: AUTH in clear text, and no usable AUTH mechanism, say the reason as it is', () => {
    const clear = body({ outcome: { result: 'not-sent', stage: 'auth', reply: null, reason: 'AUTH PLAIN in clear text', cause: 'cleartext-auth', queueId: null, refusedRecipients: [] } });
    expect(sendDocument(report(clear)).reason).toBe('not sent: AUTH PLAIN in clear text');
    const none = body({ outcome: { result: 'not-sent', stage: 'auth', reply: null, reason: 'AUTH: CRAM-MD5 wanted, PLAIN LOGIN offered', cause: 'auth-unavailable', queueId: null, refusedRecipients: [] } });
    expect(sendDocument(report(none)).reason).toBe('not sent: AUTH: CRAM-MD5 wanted, PLAIN LOGIN offered');
  });

  it('failed: the session with the server, the stage and why', () => {
    const b = body({
      session: session({ status: 'io-timeout', statusDetail: 'no reply within 30 s' }),
      outcome: { result: 'failed', stage: 'message', reply: null, reason: 'no reply to the end of the data', cause: null, queueId: null, refusedRecipients: [] },
    });
    expect(sendDocument(report(b)).reason).toBe(`not sent: the session with ${SERVER} failed at message (no reply to the end of the data)`);
  });

  it('failed with no server: the target, "the start", no TLS line, no table, no session details', () => {
    const b = body({
      dns: { status: 'nxdomain', resolver: 'test', mx: [], error: null },
      server: null,
      session: null,
      outcome: { result: 'failed', stage: null, reply: null, reason: 'no server to send to', cause: null, queueId: null, refusedRecipients: [] },
    });
    const doc = sendDocument(report(b));
    expect(doc.reason).toBe('not sent: the session with example.test failed at the start (no server to send to)');
    expect(doc.subject).toBe('example.test (--tls opportunistic)');
    expect(contextOf(doc)).toEqual([
      'Envelope  MAIL FROM:<a@b.test> RCPT TO:<postmaster@example.test>, EHLO client.mxray.test',
      'Message   <m1@client.mxray.test>, X-Mxray-Test: T-1, 512 bytes',
      'TLS       -',
    ]);
    expect(doc.summary).toBeNull();
    expect(doc.details).toEqual({ heading: 'Details', sections: [] });
  });
});

describe('the TLS line', () => {
  const withCert = (c: CertVerdict, verify: SendBody['settings']['verify'] = 'name') =>
    body({ settings: { tls: 'opportunistic', verify, requireTls: false, auth: null, clientCertificate: null }, session: session({ certificate: c }) });

  it('none: no TLS; none after a failed handshake, sent again in clear', () => {
    expect(tlsLineOf(body({ session: session({ tls: null }) }))).toBe('TLS       none');
    expect(tlsLineOf(body({ session: session({ tls: null, tlsFallback: 'handshake_failure alert' }) }))).toBe(
      'TLS       none: the TLS handshake failed (handshake_failure alert), sent again in clear',
    );
  });

  it('protocol and cipher, and the --verify mode', () => {
    expect(tlsLineOf(body())).toBe('TLS       TLSv1.3 TLS_AES_256_GCM_SHA384 (--verify none)');
  });

  it('a certificate that verifies, for the name checked or without one', () => {
    expect(tlsLineOf(withCert(cert()))).toBe('TLS       TLSv1.3 TLS_AES_256_GCM_SHA384; certificate verifies for mx1.example.test (--verify name)');
    expect(tlsLineOf(withCert(cert({ checkedName: null, nameMatches: null }), 'ca'))).toBe('TLS       TLSv1.3 TLS_AES_256_GCM_SHA384; certificate verifies (--verify ca)');
  });

  it('a certificate that does NOT verify: untrusted (the failure), not valid now, or not naming the server', () => {
    expect(tlsLineOf(withCert(cert({ trusted: false, trustFailure: 'untrusted-root', trustReason: 'its root is not in the trust store' }), 'ca'))).toBe(
      'TLS       TLSv1.3 TLS_AES_256_GCM_SHA384; certificate does NOT verify (untrusted-root) (--verify ca)',
    );
    expect(tlsLineOf(withCert(cert({ timeValid: false, daysLeft: -3 }), 'none'))).toBe('TLS       TLSv1.3 TLS_AES_256_GCM_SHA384; certificate does NOT verify (not valid now) (--verify none)');
    expect(tlsLineOf(withCert(cert({ nameMatches: false })))).toBe('TLS       TLSv1.3 TLS_AES_256_GCM_SHA384; certificate does NOT verify (does not name mx1.example.test) (--verify name)');
    // An IP address target with no name to check: never "(does not name )".
    expect(tlsLineOf(withCert(cert({ nameMatches: false, checkedName: null })))).toBe('TLS       TLSv1.3 TLS_AES_256_GCM_SHA384; certificate does NOT verify (names no server we can check) (--verify name)');
    // The chain first, then the time, then the name.
    expect(tlsLineOf(withCert(cert({ trusted: false, trustFailure: 'self-signed', timeValid: false, nameMatches: false })))).toBe(
      'TLS       TLSv1.3 TLS_AES_256_GCM_SHA384; certificate does NOT verify (self-signed) (--verify name)',
    );
    expect(tlsLineOf(withCert(cert({ timeValid: false, nameMatches: false })))).toBe('TLS       TLSv1.3 TLS_AES_256_GCM_SHA384; certificate does NOT verify (not valid now) (--verify name)');
  });

  it('the SNI sent and a client certificate presented', () => {
    const b = body({ session: session({ tls: tls({ protocol: 'TLSv1.2', cipher: 'ECDHE-RSA-AES128-GCM-SHA256', sni: 'mx1.example.test', clientCertificate: true }) }) });
    expect(tlsLineOf(b)).toBe('TLS       TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256, SNI mx1.example.test, client certificate presented (--verify none)');
  });
});

describe('the context lines', () => {
  it('envelope, message, TLS, AUTH (user and mechanism only), queue id, then each MX passed over in order', () => {
    const b = body({
      settings: { tls: 'opportunistic', verify: 'none', requireTls: false, auth: { user: 'alice@b.test', mechanism: 'PLAIN', allowCleartext: false }, clientCertificate: null },
      envelope: { helo: 'client.mxray.test', from: 'a@b.test', to: ['postmaster@example.test', 'abuse@example.test'] },
      message: { messageId: '<m1@client.mxray.test>', testId: 'T-1', subject: null, bytes: 2048, eightBit: true, utf8: true, source: 'file', foldedHeaders: 0 },
      passedOver: [
        { mx: 'mx0.example.test', address: '192.0.2.9', port: 25, reason: 'connection refused', evidence: [] },
        { mx: 'mx0.example.test', address: '2001:db8::9', port: 25, reason: 'greeting 421 4.3.2 Service not available', evidence: [] },
      ],
    });
    const r = report(b);
    const expected = [
      'Envelope  MAIL FROM:<a@b.test> RCPT TO:<postmaster@example.test>,<abuse@example.test>, EHLO client.mxray.test',
      'Message   <m1@client.mxray.test>, X-Mxray-Test: T-1, 2048 bytes, 8-bit, UTF-8 headers (from --data)',
      'TLS       TLSv1.3 TLS_AES_256_GCM_SHA384 (--verify none)',
      'AUTH      alice@b.test (PLAIN); the secret is redacted everywhere',
      'Queue id  4XyZ1',
      'Passed over mx0.example.test[192.0.2.9]:25: connection refused',
      'Passed over mx0.example.test[2001:db8::9]:25: greeting 421 4.3.2 Service not available',
    ];
    expect(contextOf(sendDocument(r))).toEqual(expected);
    expect(textLines(r).slice(2, 10)).toEqual([...expected, '']);
    expect(r.findings.filter((f) => f.id === 'send.mx-passed-over').map((f) => f.hosts)).toEqual([['mx0.example.test[192.0.2.9]:25'], ['mx0.example.test[2001:db8::9]:25']]);
  });

  it('AUTH with no mechanism asked: the best offered', () => {
    const b = body({ settings: { tls: 'opportunistic', verify: 'none', requireTls: false, auth: { user: 'alice', mechanism: null, allowCleartext: true }, clientCertificate: null } });
    expect(contextOf(sendDocument(report(b)))[3]).toBe('AUTH      alice (best offered); the secret is redacted everywhere');
  });

  it('no AUTH, no queue id, no MX passed over: three lines only', () => {
    const b = body({ outcome: { result: 'delivered', stage: 'message', reply: reply(250, '2.0.0 Ok'), reason: 'accepted', cause: null, queueId: null, refusedRecipients: [] } });
    expect(contextOf(sendDocument(report(b)))).toEqual([
      'Envelope  MAIL FROM:<a@b.test> RCPT TO:<postmaster@example.test>, EHLO client.mxray.test',
      'Message   <m1@client.mxray.test>, X-Mxray-Test: T-1, 512 bytes',
      'TLS       TLSv1.3 TLS_AES_256_GCM_SHA384 (--verify none)',
    ]);
  });
});

describe('the summary table', () => {
  it('one row per step: the stage by its name, the command, the reply; a handshake has none', () => {
    const doc = sendDocument(report());
    expect(doc.summary?.header).toEqual(['Stage', 'Sent', 'Reply']);
    expect(doc.summary?.rows.map((r) => r.map((c) => c.text))).toEqual([
      ['greeting', '(greeting)', '220 mx1.example.test ESMTP'],
      ['EHLO', 'EHLO client.mxray.test', '250 mx1.example.test / STARTTLS'],
      ['STARTTLS', 'STARTTLS', '220 2.0.0 Ready to start TLS'],
      ['TLS', 'TLSv1.3 handshake', '(handshake)'],
      ['EHLO', 'EHLO client.mxray.test', '250 mx1.example.test / PIPELINING'],
      ['MAIL FROM', 'MAIL FROM:<a@b.test> SIZE=512', '250 2.1.0 Ok'],
      ['RCPT TO', 'RCPT TO:<postmaster@example.test>', '250 2.1.5 Ok'],
      ['DATA', 'DATA', '354 End data with <CR><LF>.<CR><LF>'],
      ['message', '(512 bytes)', '250 2.0.0 Ok: queued as 4XyZ1'],
    ]);
  });

  it('a step without a reply that is not a handshake: "(no reply)"; AUTH and connect by name', () => {
    const steps: SendSession['steps'] = [
      { stage: 'connect', command: '(connect)', reply: null },
      { stage: 'auth', command: 'AUTH PLAIN (credentials redacted)', reply: reply(235, '2.7.0 Authentication successful') },
      { stage: 'message', command: '(512 bytes)', reply: null },
    ];
    const b = body({
      session: session({ status: 'io-timeout', statusDetail: 'no reply within 30 s', steps }),
      outcome: { result: 'failed', stage: 'message', reply: null, reason: 'no reply to the end of the data', cause: null, queueId: null, refusedRecipients: [] },
    });
    const r = report(b);
    expect(sendDocument(r).summary?.rows.map((row) => row.map((c) => c.text))).toEqual([
      ['connect', '(connect)', '(no reply)'],
      ['AUTH', 'AUTH PLAIN (credentials redacted)', '235 2.7.0 Authentication successful'],
      ['message', '(512 bytes)', '(no reply)'],
    ]);
    const lines = textLines(r);
    const at = lines.indexOf('Stage    Sent                               Reply');
    expect(lines.slice(at, at + 4)).toEqual([
      'Stage    Sent                               Reply',
      'connect  (connect)                          (no reply)',
      'AUTH     AUTH PLAIN (credentials redacted)  235 2.7.0 Authentication successful',
      'message  (512 bytes)                        (no reply)',
    ]);
  });

  it('no steps: no table', () => {
    expect(sendDocument(report(body({ session: session({ steps: [] }) }))).summary).toBeNull();
  });
});

describe('the details', () => {
  it('the extensions advertised and used', () => {
    const doc = sendDocument(report());
    expect(doc.details?.heading).toBe('Details');
    expect(doc.details?.sections.map((s) => s.heading)).toEqual(['Session']);
    expect(section(doc, 'Session')).toEqual(['Extensions advertised: PIPELINING, SIZE 10240000, STARTTLS, 8BITMIME', 'Extensions used: PIPELINING, SIZE']);
  });

  it('"(none)" when nothing was advertised or used', () => {
    const doc = sendDocument(report(body({ session: session({ tls: null, capabilities: [], extensionsUsed: [] }) })));
    expect(section(doc, 'Session')).toEqual(['Extensions advertised: (none)', 'Extensions used: (none)']);
  });

  it('a session that stopped: its status, with the detail when there is one', () => {
    const failed: SendBody['outcome'] = { result: 'failed', stage: 'message', reply: null, reason: 'no reply to the end of the data', cause: null, queueId: null, refusedRecipients: [] };
    const withDetail = sendDocument(report(body({ session: session({ status: 'io-timeout', statusDetail: 'no reply within 30 s' }), outcome: failed })));
    expect(section(withDetail, 'Session')?.slice(2)).toEqual(['Session: stopped (io-timeout: no reply within 30 s)']);
    const bare = sendDocument(report(body({ session: session({ status: 'protocol-error', statusDetail: null }), outcome: failed })));
    expect(section(bare, 'Session')?.slice(2)).toEqual(['Session: stopped (protocol-error)']);
  });

  it('the certificate: subject, issuer, names, validity, thumbprint, chain and name verdicts', () => {
    const r = report(body({ session: session({ certificate: cert() }) }));
    const expected = [
      'Certificate: CN=mx1.example.test',
      '  issuer CN=Test CA',
      '  names mx1.example.test, mx.example.test, 192.0.2.1',
      '  valid 2026-01-01T00:00:00.000Z to 2027-01-01T00:00:00.000Z',
      `  SHA-256 ${'B'.repeat(64)}`,
      '  chain trusted',
      '  name mx1.example.test: matches',
    ];
    expect(section(sendDocument(r), 'Session')?.slice(2)).toEqual(expected);
    const lines = textLines(r);
    const at = lines.indexOf('Certificate: CN=mx1.example.test');
    expect(lines.slice(at, at + 8)).toEqual([...expected, '']);
  });

  it('a certificate that does not verify: the reason in words (else the failure), the name that does NOT match', () => {
    const untrusted = cert({ trusted: false, trustFailure: 'self-signed', trustReason: 'the server sent a self-signed certificate', nameMatches: false });
    expect(section(sendDocument(report(body({ session: session({ certificate: untrusted }) }))), 'Session')?.slice(7)).toEqual([
      '  chain not trusted: the server sent a self-signed certificate',
      '  name mx1.example.test: does NOT match',
    ]);
    const bare = cert({ trusted: false, trustFailure: 'chain-incomplete', trustReason: null, checkedName: null, nameMatches: null });
    expect(section(sendDocument(report(body({ session: session({ certificate: bare }) }))), 'Session')?.slice(7)).toEqual(['  chain not trusted: chain-incomplete']);
  });

  it('a leaf without a subject (its CN, else "(no subject)") or names, and no certificate sent at all', () => {
    const cn = cert({ sent: [leaf({ subject: '', dnsNames: [], ipAddresses: [] })] });
    expect(section(sendDocument(report(body({ session: session({ certificate: cn }) }))), 'Session')?.slice(2, 5)).toEqual([
      'Certificate: mx1.example.test',
      '  issuer CN=Test CA',
      '  names (none)',
    ]);
    const anonymous = cert({ sent: [leaf({ subject: '', commonName: null })] });
    expect(section(sendDocument(report(body({ session: session({ certificate: anonymous }) }))), 'Session')?.[2]).toBe('Certificate: (no subject)');
    const nothing = cert({ sent: [], path: [], trusted: false, trustFailure: 'no-certificate', trustReason: null, checkedName: null, nameMatches: null });
    expect(section(sendDocument(report(body({ session: session({ certificate: nothing }) }))), 'Session')?.slice(2)).toEqual(['Certificate: (none)', '  chain not trusted: no-certificate']);
  });

  it('refused recipients, each with its reply', () => {
    const b = body({
      outcome: {
        result: 'delivered',
        stage: 'message',
        reply: reply(250, '2.0.0 Ok: queued as 4XyZ1'),
        reason: 'accepted',
        cause: null,
        queueId: '4XyZ1',
        refusedRecipients: [
          { address: 'gone@example.test', reply: reply(550, '5.1.1 User unknown') },
          { address: 'full@example.test', reply: reply(452, '4.2.2 Mailbox full') },
        ],
      },
    });
    const r = report(b);
    const doc = sendDocument(r);
    expect(doc.details?.sections.map((s) => s.heading)).toEqual(['Session', 'Refused recipients']);
    expect(section(doc, 'Refused recipients')).toEqual(['gone@example.test → 550 5.1.1 User unknown', 'full@example.test → 452 4.2.2 Mailbox full']);
    const lines = textLines(r);
    const at = lines.indexOf('Refused recipients');
    expect(lines.slice(at, at + 3)).toEqual(['Refused recipients', 'gone@example.test → 550 5.1.1 User unknown', 'full@example.test → 452 4.2.2 Mailbox full']);
  });

  it('a --count run: the figures, the latency and the first failure', () => {
    const b = body({
      load: { count: 10, concurrency: 2, delivered: 8, refused: 1, failed: 1, elapsedMs: 1234.6, messagesPerSecond: 8.1, latencyMs: { p50: 40, p90: 55, p99: 70, max: 71 }, firstFailure: 'session 2: 421 4.7.0 Too many connections' },
    });
    const doc = sendDocument(report(b));
    expect(doc.details?.sections.map((s) => s.heading)).toEqual(['Session', 'Load']);
    expect(section(doc, 'Load')).toEqual([
      '10 messages over 2 sessions in 1235 ms: 8 delivered, 1 refused, 1 failed',
      '8.1 messages/s; latency p50 40 ms, p90 55 ms, p99 70 ms, max 71 ms',
      'first failure: session 2: 421 4.7.0 Too many connections',
    ]);
  });

  it('a --count run that delivered nothing: no latency, and no first failure when there was none', () => {
    const b = body({
      outcome: { result: 'refused', stage: 'rcpt', reply: reply(550, '5.7.1 Relay denied'), reason: 'refused', cause: null, queueId: null, refusedRecipients: [] },
      load: { count: 3, concurrency: 3, delivered: 0, refused: 3, failed: 0, elapsedMs: 90.4, messagesPerSecond: 0, latencyMs: null, firstFailure: null },
    });
    expect(section(sendDocument(report(b)), 'Load')).toEqual(['3 messages over 3 sessions in 90 ms: 0 delivered, 3 refused, 0 failed', '0 messages/s; latency: none delivered']);
  });

  it('a --count run over one session says "1 session", not "1 sessions"', () => {
    const b = body({ load: { count: 4, concurrency: 1, delivered: 4, refused: 0, failed: 0, elapsedMs: 40, messagesPerSecond: 100, latencyMs: { p50: 9, p90: 10, p99: 10, max: 10 }, firstFailure: null } });
    expect(section(sendDocument(report(b)), 'Load')?.[0]).toBe('4 messages over 1 session in 40 ms: 4 delivered, 0 refused, 0 failed');
  });

  it('the extensions used, from a saved report that could hold anything, are escaped on a terminal', () => {
    const b = body({ session: session({ extensionsUsed: ['PIPE\u001b[2J\u001b]0;pwned\u0007'] }) });
    const out = renderText(report(b), { style: plainStyle, width: 160 });
    expect(out).not.toMatch(/\u001b|\u0007/);
    expect(out).toContain('Extensions used: PIPE\\x1b[2J\\x1b]0;pwned\\x07');
  });

  it('hidden with brief (the hint says what --details adds), shown by default and with verbose', () => {
    const r = report();
    expect(sendDocument(r, { brief: true }).details).toBeNull();
    expect(sendDocument(r).details?.sections.map((s) => s.heading)).toEqual(['Session']);
    expect(sendDocument(r, { brief: true, verbose: true }).details?.sections.map((s) => s.heading)).toEqual(['Session']);
    const brief = textLines(r, { brief: true });
    expect(brief).not.toContain('Details');
    expect(brief).not.toContain('Extensions used: PIPELINING, SIZE');
    expect(brief.at(-2)).toBe('More: --details (the extensions, the certificate, and a --count run’s figures) · --verbose (all of it, with the transcript)');
    const full = textLines(r);
    expect(full.slice(full.indexOf('Details'), full.indexOf('Details') + 4)).toEqual(['Details', 'Session', 'Extensions advertised: PIPELINING, SIZE 10240000, STARTTLS, 8BITMIME', 'Extensions used: PIPELINING, SIZE']);
  });
});

describe('the transcript', () => {
  it('only with --verbose, one event per line with its time', () => {
    const r = report();
    expect(sendDocument(r).transcript).toBeNull();
    const explained = sendDocument(r, { explain: true });
    expect(explained.transcript).toBeNull();
    expect(explained.explain).toBe(true);
    expect(sendDocument(r).explain).toBe(false);
    const verbose = sendDocument(r, { verbose: true });
    expect(verbose.explain).toBe(true);
    expect(verbose.transcript).toBe(`[000.005] ${SERVER}/main  S: 220 mx1.example.test ESMTP\n[001.250] ${SERVER}/main  C: EHLO client.mxray.test`);
    expect(textLines(r)).not.toContain('Transcript');
    const lines = textLines(r, { verbose: true });
    const at = lines.indexOf('Transcript');
    expect(lines.slice(at)).toEqual(['Transcript', `[000.005] ${SERVER}/main  S: 220 mx1.example.test ESMTP`, `[001.250] ${SERVER}/main  C: EHLO client.mxray.test`, '']);
  });
});

describe('hostile server text', () => {
  const HOSTILE = '5.7.1 <script>alert(1)</script> | `x` \u001b[31mred\u202e end';
  const HOSTILE_SAFE = '5.7.1 <script>alert(1)</script> | `x` \\x1b[31mred\\u{202e} end';
  const SUBJECT = 'CN=<b>evil</b> \u001b]8;;https://evil.test\u0007click | x';
  const CAPABILITY = 'X-EVIL <img src=x onerror=alert(1)> | \u202eRTL';
  const RAW = /[\u0007\u001b\u202e]/;

  function hostile(): SendReport {
    const steps: SendSession['steps'] = [
      { stage: 'banner', command: '(greeting)', reply: reply(220, 'mx1.example.test ESMTP') },
      { stage: 'mail', command: 'MAIL FROM:<a@b.test>', reply: reply(550, HOSTILE) },
    ];
    return report(
      body({
        passedOver: [{ mx: 'mx0.example.test', address: '192.0.2.9', port: 25, reason: `greeting 554 ${HOSTILE}`, evidence: [] }],
        session: session({ capabilities: ['PIPELINING', CAPABILITY], extensionsUsed: [], certificate: cert({ sent: [leaf({ subject: SUBJECT })] }), steps }),
        outcome: { result: 'refused', stage: 'mail', reply: reply(550, HOSTILE), reason: 'refused', cause: null, queueId: null, refusedRecipients: [] },
      }),
    );
  }

  it('text: every control escaped, in the reason, the table, the passed-over line, the capabilities and the certificate', () => {
    const out = renderText(hostile(), { style: plainStyle, width: 200, verbose: true });
    expect(out).not.toMatch(RAW);
    const lines = out.split('\n');
    expect(lines[1]).toBe(`FAIL — refused at MAIL FROM by ${SERVER}: 550 ${HOSTILE_SAFE}`);
    expect(lines).toContain(`Passed over mx0.example.test[192.0.2.9]:25: greeting 554 ${HOSTILE_SAFE}`);
    expect(lines).toContain(`MAIL FROM  MAIL FROM:<a@b.test>  550 ${HOSTILE_SAFE}`);
    expect(lines).toContain('Extensions advertised: PIPELINING, X-EVIL <img src=x onerror=alert(1)> | \\u{202e}RTL');
    expect(lines).toContain('Certificate: CN=<b>evil</b> \\x1b]8;;https://evil.test\\x07click | x');
  });

  it('Markdown: no markup of the server, no raw control, and a pipe does not break the table', () => {
    const out = renderMarkdown(hostile(), { verbose: true });
    expect(out).not.toMatch(RAW);
    // Every < the server sent is escaped (\<): Markdown reads none of it as HTML.
    expect(out).not.toMatch(/(?<!\\)<(script|\/script|img|b>|\/b>)/);
    const lines = out.split('\n');
    expect(lines[2]).toBe(
      `**FAIL** — refused at MAIL FROM by mx1.example.test\\[192.0.2.1\\]:25: 550 5.7.1 \\<script\\>alert(1)\\</script\\> | \\\`x\\\` \\\\x1b\\[31mred\\\\u{202e} end`,
    );
    const row = lines.find((l) => l.startsWith('| MAIL FROM'))!;
    expect(row.split(/(?<!\\)\|/).length).toBe(5);
    expect(row).toContain('\\</script\\> \\| \\`x\\`');
    expect(lines).toContain('- **Extensions advertised**: PIPELINING, X-EVIL \\<img src=x onerror=alert(1)\\> | \\\\u{202e}RTL');
    expect(lines).toContain('- **Certificate**: CN=\\<b\\>evil\\</b\\> \\\\x1b\\]8;;https:\\/\\/evil.test\\\\x07click | x');
  });

  it('HTML: server text is escaped, no markup of its own and no raw control', () => {
    const out = renderHtml(hostile(), { verbose: true, explain: true });
    expect(out).not.toMatch(RAW);
    for (const markup of ['<script', '<img', '<b>']) expect(out).not.toContain(markup);
    expect(out).toContain(`refused at MAIL FROM by ${SERVER}: 550 5.7.1 &lt;script&gt;alert(1)&lt;/script&gt; | \`x\` \\x1b[31mred\\u{202e} end`);
    expect(out).toContain('<td>550 5.7.1 &lt;script&gt;alert(1)&lt;/script&gt; | `x` \\x1b[31mred\\u{202e} end</td>');
    expect(out).toContain('X-EVIL &lt;img src=x onerror=alert(1)&gt; | \\u{202e}RTL');
    expect(out).toContain('CN=&lt;b&gt;evil&lt;/b&gt; \\x1b]8;;https://evil.test\\x07click | x');
  });
});
