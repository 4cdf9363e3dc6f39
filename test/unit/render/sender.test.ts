// The sender test's report as a Document and through every back end: the reason line for each way a
// server can send (TLS with or without a client certificate, clear text, after a failed handshake,
// HELO, not tested, refused), the context lines, the session as the summary table with the earlier
// sessions as rows, the details (ClientHello, client certificate, DNS, the message's hops, the
// earlier sessions), the transcript with --verbose only, every client string escaped (terminal
// controls, HTML markup, Markdown), and the text within the terminal's width.
import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { judgeSenderReport } from '../../../src/checks/sender/judge.js';
import type { TrustStore } from '../../../src/core/context.js';
import type { SenderBody, SenderReport, TranscriptEvent } from '../../../src/core/schema.js';
import { SCHEMA_VERSION } from '../../../src/core/version.js';
import { createTrustStore } from '../../../src/pki/trust-store.js';
import { plainParts, type Document } from '../../../src/render/document.js';
import { renderHtml } from '../../../src/render/html.js';
import { documentFor } from '../../../src/render/index.js';
import { renderMarkdown } from '../../../src/render/markdown.js';
import { protocolWords, senderDocument, senderReason } from '../../../src/render/sender.js';
import { plainStyle } from '../../../src/render/style.js';
import { renderText } from '../../../src/render/text.js';
import { certify, EKU, party } from '../../helpers/chain-pki.js';
import { body, CLEAR, CLIENT_IP, dns, EHLO, headerMessage, hop, session, withTls } from '../checks/sender/sender-facts.js';

const NOW = Date.parse('2026-11-29T10:00:05.000Z');
const ESC = '\u001b';
let trustStore: TrustStore;
let goodChain: string[];

beforeAll(async () => {
  const root = await party('CN=Render Root');
  const rootDer = await certify(root, root, 'ca', NOW);
  trustStore = createTrustStore([new X509Certificate(rootDer).toString()], 'test roots');
  const leaf = await certify(await party('CN=mail.sender.test'), root, 'leaf', NOW, { eku: [EKU.clientAuth], dnsNames: [EHLO] });
  goodChain = [leaf.toString('base64')];
});

const TRANSCRIPT: TranscriptEvent[] = [
  { seq: 0, t: 0, conn: 'conn-1', kind: 'send', text: '220 sender-test.mxray.test ESMTP' },
  { seq: 1, t: 12, conn: 'conn-1', kind: 'recv', text: `EHLO ${EHLO}` },
];

function report(b: SenderBody = body()): SenderReport {
  const j = judgeSenderReport(b, { trustStore, now: NOW });
  return {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'mxray', version: '0.0.0' },
    kind: 'sender',
    target: b.test.address,
    startedAt: b.session.startedAt,
    durationMs: 420,
    verdict: j.verdict,
    judgedWith: { at: '2026-11-29T10:00:05.000Z', profile: { name: 'mxray-2026.11', version: 2 }, trustStore: { description: 'test roots', bundledRootsOfNode: null, extraCaFiles: [] }, options: { warnDays: 30, expectThumbprint: null }, rejudged: false },
    findings: j.findings,
    transcript: TRANSCRIPT,
    body: b,
  };
}

const text = (r: SenderReport, o: { width?: number; verbose?: boolean; brief?: boolean; explain?: boolean } = {}) => renderText(r, { style: plainStyle, width: 200, ...o });
const contextOf = (doc: Document) => doc.context.map((l) => plainParts(l.parts));
const rowsOf = (doc: Document) => doc.summary!.rows.map((r) => r.map((c) => (c.verdict ? `${c.text} [${c.verdict}]` : c.text)));
function section(doc: Document, heading: string): string[] | undefined {
  return doc.details?.sections.find((s) => s.heading === heading)?.lines.map((l) => '  '.repeat(l.depth) + plainParts(l.parts));
}
function withCert(chain: string[], b: SenderBody = body()): SenderBody {
  return { ...b, session: { ...b.session, tls: { ...b.session.tls, clientCertificate: { requested: true, chain, opensslError: null } } } };
}
const failedEarlier = () =>
  session({ id: 'conn-0', startedAt: '2026-11-29T10:00:01.000Z', clientPort: 40111, tls: { ...session().tls, established: false, protocol: null, cipher: null, cipherStandard: null, group: null, failure: { code: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', text: 'tlsv1 alert unknown ca', clientAlert: 'unknown_ca' } }, outcome: 'no-message', message: null, finalReply: null, ended: 'disconnect' });

describe('the sender Document', () => {
  it('is what documentFor gives: title, subject, meta, verdict and the first lines', () => {
    const r = report();
    expect(documentFor(r, { verbose: true })).toEqual(senderDocument(r, { verbose: true }));
    const doc = senderDocument(r);
    expect([doc.title, doc.subject, doc.shortSubject, doc.meta, doc.verdict, doc.verdictNote]).toEqual(['mxray sender test', `${CLIENT_IP} (${EHLO})`, CLIENT_IP, ['profile mxray-2026.11'], 'pass', '1 note']);
    expect(text(r).split('\n').slice(0, 2)).toEqual([
      `mxray sender test — ${CLIENT_IP} (${EHLO}) — 2026-11-29 10:00 UTC, 0.42 s`,
      'PASS — your server sent with TLS 1.3 (TLS_AES_256_GCM_SHA384), no client certificate',
    ]);
    expect(senderDocument(report(body({ session: session({ greeting: null, outcome: 'no-message', message: null }) }))).subject).toBe(CLIENT_IP);
  });

  it('the context: client and FCrDNS, greeting and its addresses, envelope, domain with MX and SPF, listener, test', () => {
    expect(contextOf(senderDocument(report()))).toEqual([
      `Client      ${CLIENT_IP} port 40123, reverse ${EHLO}; FCrDNS ✓`,
      `Greeting    EHLO ${EHLO} (resolves to ${CLIENT_IP} ✓)`,
      'Envelope    MAIL FROM:<admin@sender.test> BODY=8BITMIME SIZE=1200 → RCPT TO <test-abc123@sender-test.mxray.test>',
      `Domain      sender.test: MX ${EHLO}; SPF pass (mx)`,
      'Listener    0.0.0.0:25, policy opportunistic, as sender-test.mxray.test',
      'Test        test-abc123@sender-test.mxray.test, matched by recipient; session at 2026-11-29 10:00:05 UTC, 420 ms',
    ]);
  });

  it('the context when things are missing or wrong: no PTR, no FCrDNS, an EHLO elsewhere, the null sender, earlier sessions', () => {
    const b = body({
      earlier: [failedEarlier(), session({ id: 'c2' })],
      session: session({ greeting: { command: 'EHLO', name: 'mail.sender.test' }, greetingBeforeTls: { command: 'EHLO', name: 'localhost' }, mailFrom: '', mailParams: { size: null, body: null, smtputf8: true, requireTls: true, other: ['RET=HDRS'] }, rcptTo: ['a@x.test', 'b@x.test', 'c@x.test', 'd@x.test'] }),
      dns: dns({ reverse: { names: [], error: 'NXDOMAIN' }, fcrdns: null, ehlo: { name: EHLO, literal: null, addresses: ['198.51.100.1'], error: null }, mailDomain: null, spf: null }),
    });
    expect(contextOf(senderDocument(report(b)))).toEqual([
      `Client      ${CLIENT_IP} port 40123, reverse none (NXDOMAIN); FCrDNS not known`,
      `Greeting    EHLO ${EHLO} (resolves to 198.51.100.1 ✗); before STARTTLS EHLO localhost`,
      'Envelope    MAIL FROM:<> SMTPUTF8 REQUIRETLS RET=HDRS → RCPT TO <a@x.test>, <b@x.test>, <c@x.test> and 1 more',
      'Domain      none (the null sender <>): SPF not evaluated',
      'Listener    0.0.0.0:25, policy opportunistic, as sender-test.mxray.test',
      'Test        test-abc123@sender-test.mxray.test, matched by recipient; session at 2026-11-29 10:00:05 UTC, 420 ms',
      'Earlier     2 sessions from this address just before (1 with a failed TLS handshake): in the table',
    ]);
    const noResolve = body({ dns: dns({ fcrdns: false, ehlo: { name: EHLO, literal: null, addresses: [], error: 'NXDOMAIN' }, mx: { hosts: [], error: 'NODATA' }, spf: null }) });
    expect(contextOf(senderDocument(report(noResolve))).filter((l) => /^(Client|Greeting|Domain)/.test(l))).toEqual([
      `Client      ${CLIENT_IP} port 40123, reverse ${EHLO}; FCrDNS ✗ (does not resolve back)`,
      `Greeting    EHLO ${EHLO} (does not resolve: NXDOMAIN)`,
      'Domain      sender.test: no MX (NODATA); SPF not evaluated',
    ]);
    // A sender whose domain was not looked up (the lookups did not run) is not the null sender.
    const notLooked = body({ session: session({ mailFrom: 'admin@example.org' }), dns: dns({ mailDomain: null, mx: null, spf: null }) });
    expect(contextOf(senderDocument(report(notLooked))).filter((l) => l.startsWith('Domain'))).toEqual(['Domain      example.org: not looked up']);
    const literal = body({ session: session({ greeting: { command: 'HELO', name: `[${CLIENT_IP}]` } }), dns: dns({ ehlo: { name: `[${CLIENT_IP}]`, literal: CLIENT_IP, addresses: [], error: null } }) });
    expect(contextOf(senderDocument(report(literal)))[1]).toBe(`Greeting    HELO [${CLIENT_IP}] (an address literal)`);
    expect(contextOf(senderDocument(report(body({ session: session({ greeting: null, outcome: 'no-message', message: null }) }))))[1]).toBe('Greeting    none');
  });
});

describe('the reason line', () => {
  const reason = (b: SenderBody) => senderReason(report(b));

  it('TLS: the protocol in words, the cipher, and the client certificate with its verdict', () => {
    expect(reason(withCert(goodChain))).toBe('your server sent with TLS 1.3 (TLS_AES_256_GCM_SHA384), client certificate CN=mail.sender.test (verifies)');
    expect(reason(withCert(goodChain, body({ session: session({ greeting: { command: 'EHLO', name: 'other.sender.test' } }) })))).toBe(
      'your server sent with TLS 1.3 (TLS_AES_256_GCM_SHA384), client certificate CN=mail.sender.test (does not verify)',
    );
    expect(reason(body({ session: withTls({ protocol: 'TLSv1.2', cipherStandard: null, cipher: 'ECDHE-RSA-AES256-GCM-SHA384' }) }))).toBe('your server sent with TLS 1.2 (ECDHE-RSA-AES256-GCM-SHA384), no client certificate');
    expect(reason(body({ session: withTls({ protocol: null, cipherStandard: null, cipher: null }) }))).toBe('your server sent with TLS, no client certificate');
  });

  it('protocolWords: Node’s names in words, anything else as it is', () => {
    expect([protocolWords('TLSv1.3'), protocolWords('TLSv1.2'), protocolWords('TLSv1'), protocolWords('SSLv3'), protocolWords(null)]).toEqual(['TLS 1.3', 'TLS 1.2', 'TLS 1.0', 'SSLv3', 'TLS']);
  });

  it('clear text, after a failed handshake, HELO, not tested, failed, refused, no greeting', () => {
    expect(reason(body({ session: withTls(CLEAR) }))).toBe('your server sent in clear text although we offered STARTTLS');
    expect(reason(body({ earlier: [failedEarlier()], session: withTls(CLEAR) }))).toBe(
      'your server sent in clear text after its TLS handshake failed (your server refused our certificate (alert unknown_ca): it verifies the certificate of this destination)',
    );
    expect(reason(body({ session: withTls({ ...CLEAR, offered: false }, { greeting: { command: 'HELO', name: EHLO } }) }))).toBe('your server greeted with HELO and sent in clear text');
    expect(reason(body({ session: withTls({ ...CLEAR, offered: false }) }))).toBe('our listener did not offer STARTTLS, so your server’s TLS was not tested');
    expect(reason(body({ session: failedEarlier() }))).toBe('your server’s TLS handshake failed: your server refused our certificate (alert unknown_ca): it verifies the certificate of this destination; no message was sent');
    expect(reason(body({ session: withTls(CLEAR, { listener: { address: '0.0.0.0', port: 25, policy: 'require-tls' }, outcome: 'refused', message: null, rcptTo: [], finalReply: { code: 530, text: '5.7.0 Must issue a STARTTLS command first' } }) }))).toBe(
      'your server did not use TLS where it is required and was refused (530 5.7.0 Must issue a STARTTLS command first)',
    );
    expect(reason(body({ session: session({ greeting: null, outcome: 'no-message', message: null }) }))).toBe('your server connected but never greeted; no message was sent');
  });

  it('what became of the message, when not accepted', () => {
    expect(reason(body({ session: session({ outcome: 'aborted' }) }))).toBe('your server sent with TLS 1.3 (TLS_AES_256_GCM_SHA384), no client certificate; the message was not completed');
    expect(reason(body({ session: session({ outcome: 'refused', finalReply: { code: 552, text: 'too big' } }) }))).toBe('your server sent with TLS 1.3 (TLS_AES_256_GCM_SHA384), no client certificate; we refused the message');
  });
});

describe('the summary table', () => {
  it('the session step by step with our replies', () => {
    const doc = senderDocument(report(withCert(goodChain)));
    expect(doc.summary!.header).toEqual(['Step', 'Your server', 'Result']);
    expect(rowsOf(doc)).toEqual([
      ['connect', `${CLIENT_IP}:40123 → 0.0.0.0:25`, 'connected'],
      ['EHLO', EHLO, 'STARTTLS offered'],
      ['STARTTLS', 'STARTTLS', '220 (go ahead)'],
      ['TLS', 'TLS 1.3, TLS_AES_256_GCM_SHA384, x25519, SNI sender-test.mxray.test', 'established [pass]'],
      ['certificate', 'CN=mail.sender.test', 'verifies [pass]'],
      ['MAIL', 'FROM:<admin@sender.test> BODY=8BITMIME SIZE=1200', 'accepted'],
      ['RCPT', 'TO:<test-abc123@sender-test.mxray.test>', 'accepted'],
      ['DATA', '1,200 bytes', '250 2.0.0 Ok: received, thank you [pass]'],
    ]);
  });

  it('clear text, then the earlier sessions as rows', () => {
    const doc = senderDocument(report(body({ earlier: [failedEarlier(), session({ id: 'c2', startedAt: '2026-11-29T10:00:03.000Z', clientPort: 40112 })], session: withTls(CLEAR, { message: { size: 2048, truncated: true, eightBit: true }, rcptTo: ['a@x.test', 'b@x.test'] }) })));
    expect(rowsOf(doc)).toEqual([
      ['connect', `${CLIENT_IP}:40123 → 0.0.0.0:25`, 'connected'],
      ['EHLO', EHLO, 'STARTTLS offered'],
      ['STARTTLS', '(not sent)', '- [fail]'],
      ['MAIL', 'FROM:<admin@sender.test> BODY=8BITMIME SIZE=1200', 'accepted'],
      ['RCPT', 'TO:<a@x.test> and 1 more', 'accepted'],
      ['DATA', '2,048 bytes, 8-bit, cut', '250 2.0.0 Ok: received, thank you [pass]'],
      ['earlier 10:00:01', `port 40111, EHLO ${EHLO}, TLS failed`, 'failed: unknown_ca [fail]'],
      ['earlier 10:00:03', `port 40112, EHLO ${EHLO}, TLS 1.3`, 'established [pass]'],
    ]);
  });

  it('HELO, no STARTTLS offered, a refusal at MAIL, a failed handshake, a required certificate missing', () => {
    const helo = senderDocument(report(body({ session: withTls({ ...CLEAR, offered: false }, { greeting: { command: 'HELO', name: EHLO }, outcome: 'refused', message: null, rcptTo: [], finalReply: { code: 530, text: '5.7.0 Must issue a STARTTLS command first' }, ended: 'quit' }), earlier: [withTls({ ...CLEAR, offered: false }, { greeting: null })] })));
    expect(rowsOf(helo)).toEqual([
      ['connect', `${CLIENT_IP}:40123 → 0.0.0.0:25`, 'connected'],
      ['HELO', EHLO, 'no extensions (HELO) [inconclusive]'],
      ['MAIL', 'FROM:<admin@sender.test> BODY=8BITMIME SIZE=1200', '530 5.7.0 Must issue a STARTTLS command first [fail]'],
      ['end', 'no message (quit)', '530 5.7.0 Must issue a STARTTLS command first [fail]'],
      ['earlier 10:00:05', 'port 40123, no greeting, no STARTTLS offered', 'not used [inconclusive]'],
    ]);
    const failed = senderDocument(report(body({ session: { ...failedEarlier(), tls: { ...failedEarlier().tls, failure: null } } })));
    expect(rowsOf(failed).slice(3)).toEqual([
      ['TLS', 'offered TLSv1.3, TLSv1.2', 'failed [fail]'],
      ['certificate', '(none; we asked)', 'none (not required)'],
      ['MAIL', 'FROM:<admin@sender.test> BODY=8BITMIME SIZE=1200', 'accepted'],
      ['RCPT', 'TO:<test-abc123@sender-test.mxray.test>', 'accepted'],
      ['end', 'no message (disconnect)', 'no-message [fail]'],
    ]);
    const required = senderDocument(report(body({ session: session({ listener: { address: '0.0.0.0', port: 587, policy: 'require-client-cert' } }) })));
    expect(rowsOf(required)[4]).toEqual(['certificate', '(none; we asked)', 'required, none [fail]']);
    const noTls = senderDocument(report(body({ session: withTls({ ...CLEAR, offered: false }) })));
    expect(rowsOf(noTls)[1]).toEqual(['EHLO', EHLO, 'STARTTLS not offered [inconclusive]']);
  });
});

describe('the details', () => {
  it('ClientHello, client certificate, DNS, earlier sessions; --brief leaves them out', () => {
    const doc = senderDocument(report(withCert(goodChain, body({ earlier: [failedEarlier()] }))));
    expect(doc.details!.sections.map((s) => s.heading)).toEqual(['ClientHello (what your server offered)', 'Client certificate', 'DNS', 'Earlier sessions from this address']);
    expect(section(doc, 'ClientHello (what your server offered)')).toEqual([
      'versions    TLSv1.3, TLSv1.2',
      'ciphers     TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256, TLS_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
      'groups      x25519, secp256r1',
      'key shares  x25519',
      'signatures  ecdsa_secp256r1_sha256, rsa_pss_rsae_sha256',
      'SNI         sender-test.mxray.test',
      'ALPN        (none)',
    ]);
    const cert = section(doc, 'Client certificate')!;
    expect(cert.slice(0, 4)).toEqual(['subject     CN=mail.sender.test', 'issuer      CN=Render Root', `names       ${EHLO}`, 'valid       2026-10-30 to 2027-09-25']);
    expect(cert[4]).toBe('EKU         clientAuth');
    expect(cert[5]).toMatch(/^SHA-256 {5}[0-9A-F]{64}$/);
    expect(cert.slice(6)).toEqual(['chain       1 certificate sent', `judged      Your server’s client certificate verifies: CN=mail.sender.test, for ${EHLO}`, 'listener    OpenSSL raised no error']);
    expect(section(doc, 'DNS')).toEqual([
      `PTR         ${EHLO}`,
      `  ${EHLO} → ${CLIENT_IP}`,
      'FCrDNS      confirmed',
      `EHLO name   ${EHLO} → ${CLIENT_IP}`,
      `MX          sender.test: ${EHLO}`,
      'SPF         pass by mx; 2 DNS lookups',
      '  record v=spf1 mx -all',
      `  names ${EHLO}`,
    ]);
    expect(section(doc, 'Earlier sessions from this address')).toEqual([`2026-11-29 10:00:01 UTC  port 40111, EHLO ${EHLO}; TLS failed: tlsv1 alert unknown ca, ERR_SSL_TLSV1_ALERT_UNKNOWN_CA, alert unknown_ca; no-message, ended by disconnect`]);
    expect(senderDocument(report(), { brief: true }).details).toBeNull();
    expect(senderDocument(report(), { brief: true, verbose: true }).details).not.toBeNull();
  });

  it('no certificate, with or without the listener requiring one; the listener’s OpenSSL error', () => {
    expect(section(senderDocument(report()), 'Client certificate')).toEqual(['None presented (we asked for one without requiring it).', 'listener    OpenSSL raised no error']);
    const required = body({ session: session({ listener: { address: '0.0.0.0', port: 25, policy: 'require-client-cert' } }) });
    expect(section(senderDocument(report(required)), 'Client certificate')![0]).toBe('None presented, though the listener requires one.');
    const s = session();
    const notAsked = body({ session: { ...s, tls: { ...s.tls, clientCertificate: { requested: false, chain: [], opensslError: null } } } });
    expect(section(senderDocument(report(notAsked)), 'Client certificate')![0]).toBe('None presented (not asked for).');
    const err = body({ session: { ...s, tls: { ...s.tls, clientCertificate: { requested: true, chain: goodChain, opensslError: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' } } } });
    expect(section(senderDocument(report(err)), 'Client certificate')!.at(-1)).toBe('listener    OpenSSL said: UNABLE_TO_GET_ISSUER_CERT_LOCALLY');
  });

  it('DNS failures, the EHLO literal, an SPF reason, unfinished lookups', () => {
    const b = body({ dns: dns({ reverse: { names: [], error: 'SERVFAIL' }, forward: [{ name: 'x.test', addresses: [], error: 'NXDOMAIN' }], fcrdns: false, ehlo: { name: '[192.0.2.25]', literal: CLIENT_IP, addresses: [], error: null }, mx: { hosts: [], error: null }, spf: { record: null, result: 'permerror', mechanism: null, lookups: 11, reason: 'more than 10 DNS lookups', names: [] }, unfinished: ['TXT sender.test'] }) });
    expect(section(senderDocument(report(b)), 'DNS')).toEqual([
      'PTR         none (SERVFAIL)',
      '  x.test → none (NXDOMAIN)',
      'FCrDNS      not confirmed: no PTR name resolves back to the address',
      `EHLO name   [192.0.2.25] → address literal ${CLIENT_IP}`,
      'MX          sender.test: none (no record)',
      'SPF         permerror; 11 DNS lookups; more than 10 DNS lookups',
      '  record (none)',
      'unfinished  TXT sender.test',
    ]);
    const none = body({ dns: dns({ reverse: { names: [], error: null }, forward: [], fcrdns: null, ehlo: { name: EHLO, literal: null, addresses: [], error: null }, mx: null, spf: { record: 'v=spf1 -all', result: 'fail', mechanism: '-all', lookups: 1, reason: null, names: [] } }) });
    expect(section(senderDocument(report(none)), 'DNS')).toEqual(['PTR         none (no record)', 'FCrDNS      not known', `EHLO name   ${EHLO} → none (no record)`, 'SPF         fail by -all; 1 DNS lookup', '  record v=spf1 -all']);
  });

  it('the message’s hops, oldest first, with TLS and zone', () => {
    const m = headerMessage([
      hop({ index: 1, fromHelo: 'app01', fromIp: '10.0.0.5', by: 'exch01.sender.test', tls: 'clear', zone: 'claimed', date: '2026-11-29T09:59:58.000Z' }),
      hop({ index: 2, fromReverse: 'exch01.sender.test', by: 'edge.sender.test', with: null, tls: 'unknown', zone: 'claimed' }),
      hop({ index: 3, fromIp: CLIENT_IP, by: 'sender-test.mxray.test', with: 'ESMTPS', tls: 'tls', tlsVersion: 'TLS 1.3', zone: 'border' }),
      hop({ index: 4, local: true, by: 'sender-test.mxray.test', tls: 'unknown', zone: 'internal' }),
    ]);
    expect(section(senderDocument(report(body({ headers: { ...m, hopsNotListed: 2 } }))), 'The message’s hops (its Received lines, oldest first)')).toEqual([
      'Subject     test',
      'Message-ID  <m@sender.test>',
      'Hops        4 (and 2 older not kept), oldest first; TLS verdict of the header analyzer: protected',
      '1  app01 [10.0.0.5] → exch01.sender.test · ESMTP · clear text · claimed · 09:59:58',
      '2  exch01.sender.test → edge.sender.test · no type · TLS not known · claimed',
      `3  [${CLIENT_IP}] → sender-test.mxray.test · ESMTPS · TLS 1.3 · border`,
      '4  (local) → sender-test.mxray.test · ESMTP · TLS not known · internal',
    ]);
    const bare = senderDocument(report(body({ headers: { ...headerMessage([hop({ index: 1, by: null })]), subject: null, messageId: null } })));
    expect(section(bare, 'The message’s hops (its Received lines, oldest first)')).toEqual(['Hops        1, oldest first; TLS verdict of the header analyzer: protected', '1  ? → ? · ESMTP · TLS not known · claimed']);
  });

  it('earlier sessions: TLS used, none offered, no reason recorded', () => {
    const e1 = session({ startedAt: '2026-11-29T10:00:02.000Z' });
    const e2 = withTls({ ...CLEAR, offered: false }, { startedAt: '2026-11-29T10:00:03.000Z', greeting: null });
    const e3 = withTls(CLEAR, { startedAt: '2026-11-29T10:00:04.000Z' });
    const e4 = withTls({ established: false, failure: null }, { startedAt: '2026-11-29T10:00:04.500Z' });
    expect(section(senderDocument(report(body({ earlier: [e1, e2, e3, e4] }))), 'Earlier sessions from this address')).toEqual([
      `2026-11-29 10:00:02 UTC  port 40123, EHLO ${EHLO}; TLS 1.3 TLS_AES_256_GCM_SHA384; accepted, ended by quit`,
      '2026-11-29 10:00:03 UTC  port 40123, no greeting; STARTTLS not offered; accepted, ended by quit',
      `2026-11-29 10:00:04 UTC  port 40123, EHLO ${EHLO}; no STARTTLS; accepted, ended by quit`,
      `2026-11-29 10:00:04 UTC  port 40123, EHLO ${EHLO}; TLS failed: no reason recorded; accepted, ended by quit`,
    ]);
  });

  it('the transcript only with --verbose; the findings worst first with their fixes', () => {
    const r = report(body({ session: withTls(CLEAR) }));
    expect(senderDocument(r).transcript).toBeNull();
    expect(senderDocument(r, { verbose: true }).transcript).toBe('[000.000] conn-1  C: 220 sender-test.mxray.test ESMTP\n[000.012] conn-1  S: EHLO mail.sender.test');
    const out = text(r);
    expect(out).toContain('Problems, worst first\nERROR    Your server sent in clear text although we offered STARTTLS\n         Fix: Turn on opportunistic TLS for outbound mail (and require it towards partners that expect it).');
    const explained = text(r, { explain: true });
    expect(explained).toContain('Postfix:\n             - `postconf smtp_tls_security_level` must say `may`');
    expect(explained).toContain('Exchange:\n             - Exchange Server: send connectors use STARTTLS opportunistically by default');
    expect(explained).toContain('Exim:\n             - The smtp transport tries TLS with `hosts_try_tls = *`');
  });
});

describe('hostile client strings', () => {
  const HOSTILE_EHLO = `<script>alert(1)</script>${ESC}[31m${ESC}]0;owned\u0007\u202egnp.exe`;
  const HOSTILE_SUBJECT = `CN=<img src=x onerror=alert(2)>${ESC}[2J|pipe|`;
  function hostile(): SenderReport {
    const s = session({ greeting: { command: 'EHLO', name: HOSTILE_EHLO }, mailFrom: `<b>x</b>${ESC}[1m@sender.test`, rcptTo: ['test-abc123@sender-test.mxray.test'] });
    const b = withCert(goodChain, body({ session: s, dns: dns({ ehlo: { name: HOSTILE_EHLO, literal: null, addresses: [], error: null }, reverse: { names: [`evil${ESC}[31m.test`], error: null } }) }));
    const r = report(b);
    // A saved report is a file anyone can write: the certificate's fields as the findings carry them.
    r.findings = r.findings.map((f) => (f.facts.subject !== undefined ? { ...f, title: `cert ${HOSTILE_SUBJECT}`, facts: { ...f.facts, subject: HOSTILE_SUBJECT, issuer: `<i>${ESC}[5m` } } : f));
    return r;
  }

  it('text: no escape sequence gets through; markup stays plain text', () => {
    const out = text(hostile(), { verbose: true });
    expect(out).not.toContain(ESC);
    expect(out).not.toContain('\u0007');
    expect(out).not.toContain('\u202e');
    expect(out).toContain('EHLO <script>alert(1)</script>\\x1b[31m\\x1b]0;owned\\x07\\u{202e}gnp.exe');
    expect(out).toContain('subject     CN=<img src=x onerror=alert(2)>\\x1b[2J|pipe|');
    expect(out).toContain('issuer      <i>\\x1b[5m');
    expect(out).toContain('reverse evil\\x1b[31m.test');
  });

  it('HTML: no markup from the client, escaped as text', () => {
    const html = renderHtml(hostile(), { verbose: true });
    expect(html).not.toMatch(/<(script|img|b>|i>)/i);
    expect(html).not.toContain(ESC);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;\\x1b[31m');
    expect(html).toContain('CN=&lt;img src=x onerror=alert(2)&gt;\\x1b[2J');
  });

  it('Markdown: no markup from the client, no table broken by a pipe', () => {
    const out = renderMarkdown(hostile(), { verbose: true });
    expect(out).not.toMatch(/(?<!\\)<(script|img|b>|i>)/);
    expect(out).not.toContain(ESC);
    expect(out).toContain('\\<script\\>alert(1)\\</script\\>');
    // Table rows keep their three columns: every | of the client's is escaped.
    const rows = out.split('\n').filter((l) => l.startsWith('| certificate'));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.split(/(?<!\\)\|/).length).toBe(5);
  });
});

describe('the terminal width', () => {
  const long = `${'very-long-label-'.repeat(12)}x.sender.test`;
  function wide(): SenderReport {
    const s = session({ greeting: { command: 'EHLO', name: long }, mailFrom: `${'a'.repeat(120)}@sender.test`, rcptTo: [`test-abc123@${'b'.repeat(100)}.test`] });
    return report(withCert(goodChain, body({ earlier: [failedEarlier()], session: s, dns: dns({ ehlo: { name: long, literal: null, addresses: [], error: null }, spf: { record: `v=spf1 ${'ip4:198.51.100.0/24 '.repeat(30)}-all`, result: 'softfail', mechanism: '~all', lookups: 1, reason: null, names: [] } }), headers: headerMessage([hop({ index: 1, fromHelo: long, fromIp: '10.0.0.5', by: long, tls: 'clear' })]) })));
  }

  for (const width of [60, 80, 100]) {
    it(`every line within ${width} columns, with every detail and every explanation`, () => {
      const lines = text(wide(), { verbose: true, width }).split('\n');
      expect(lines.filter((l) => [...l].length > width)).toEqual([]);
      expect(lines.some((l) => l.startsWith('Step '))).toBe(true);
    });
  }
});

describe('who acts', () => {
  it('"us" is the user’s own sending server here, not the network a receiver test runs from', () => {
    const b = body({ session: withTls(CLEAR) });
    const doc = senderDocument(report(b));
    const mine = doc.findings.filter((f) => f.actor === 'us');
    expect(mine.length).toBeGreaterThan(0);
    for (const f of mine) expect(f.who).toBe('you (your sending server and its network)');
  });
});
