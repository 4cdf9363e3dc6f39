import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Value } from '@sinclair/typebox/value';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LogSessionSchema, type LogSession } from '../../../../src/core/logs-schema.js';
import {
  endpoint,
  EXCHANGE_PROTOCOL_LOGGING,
  EXCHANGE_PROTOCOL_LOGGING_DETAIL,
  exchangeModule,
  exchangeTrackingModule,
  MAX_REORDER_LINES,
  schannelCipher,
  schannelProtocol,
  sniffExchangeProtocol,
  sniffExchangeTracking,
  splitCsv,
} from '../../../../src/jobs/logs/exchange.js';
import { exchange2003Module } from '../../../../src/jobs/logs/exchange2003.js';
import { MAX_OPEN_SESSIONS, unknownTls, type LineUse, type LogFormatModule, type LogTls } from '../../../../src/jobs/logs/model.js';
import {
  csvField,
  exchange2003Log,
  exchangeProtocolLog,
  exchangeTrackingLog,
  expectedDomains,
  type ExchangeScenario,
} from '../../../helpers/exchange-logs.js';
import { skipWithout } from '../../../helpers/skip.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const CORPUS = join(process.env.MXRAY_CORPUS ?? resolve(ROOT, '../shared/corpus'), 'logs');

type Session = Omit<LogSession, 'file'>;

function run(lines: string[], mod: LogFormatModule = exchangeModule): { sessions: Session[]; notes: [string, string][]; uses: LineUse[] } {
  const sessions: Session[] = [];
  const notes: [string, string][] = [];
  const parser = mod.create({ session: (s) => sessions.push(s), note: (id, d) => notes.push([id, d]) }, { year: 2026, offsetMinutes: 0 });
  const uses = lines.map((l, i) => parser.line(l, i + 1));
  parser.end();
  for (const s of sessions) expect(Value.Errors(LogSessionSchema, { ...s, file: 'x.log' }).First()).toBeUndefined();
  return { sessions, notes, uses };
}

const T0 = Date.UTC(2026, 10, 30, 3, 40, 13, 120);

function outbound(over: Partial<ExchangeScenario> = {}): ExchangeScenario {
  return {
    direction: 'outbound',
    start: T0,
    sessionId: '08DF1A2B3C4D5E6F',
    remoteIp: '203.0.113.5',
    remoteHost: 'mx.example.com',
    offerStarttls: true,
    starttls: { handshake: { ok: true, protocol: 'TLSv1.2', peerSubject: 'CN=mx.example.com, O="Example, Inc."' } },
    sender: 'alice@example.org',
    recipients: ['bob@example.com', 'carol@Sub.Example.NET'],
    ...over,
  };
}

function inbound(over: Partial<ExchangeScenario> = {}): ExchangeScenario {
  return {
    direction: 'inbound',
    start: T0,
    sessionId: '08DF0000000000A1',
    remoteIp: '198.51.100.7',
    remotePort: 41_000,
    remoteHost: 'mail.example.net',
    offerStarttls: true,
    starttls: { handshake: { ok: true, protocol: 'TLSv1.3', bulk: 'CALG_AES_256', mac: 'CALG_SHA_384', kex: 'CALG_ECDHE' } },
    sender: 'dave@Example.NET',
    recipients: ['erin@example.org'],
    ...over,
  };
}

function tls(over: Partial<LogTls>): LogTls {
  return { ...unknownTls(), ...over };
}

describe('exchange protocol log: outbound (SmtpSend)', () => {
  it('offered, STARTTLS, 220 and "negotiation succeeded": negotiated with protocol and cipher, the peer certificate, evidence handshake', () => {
    const sc = outbound();
    const lines = exchangeProtocolLog([sc]);
    const { sessions, uses } = run(lines);
    expect(uses.slice(0, 5)).toEqual(['ignored', 'ignored', 'ignored', 'ignored', 'ignored']);
    expect(uses.slice(5).every((u) => u === 'used')).toBe(true);
    expect(sessions).toHaveLength(1);
    const s = sessions[0]!;
    expect(s.tls).toEqual(
      tls({ offered: true, attempted: true, accepted: true, negotiated: true, protocol: 'TLSv1.2', cipher: 'ECDHE, AES-256 (256 bits), SHA384', peer: 'CN=mx.example.com, O="Example, Inc."' }),
    );
    expect(s.evidence).toBe('handshake');
    expect(s.key).toBe('08DF1A2B3C4D5E6F');
    expect(s.direction).toBe('outbound');
    expect(s.localHost).toBe('Internet Send');
    expect([s.remoteIp, s.remotePort, s.remoteHost]).toEqual(['203.0.113.5', 25, 'mx.example.com']);
    expect(s.domains).toEqual(expectedDomains(sc));
    expect([s.messages, s.status, s.dsn, s.incomplete]).toEqual([1, 'sent', '2.6.0', false]);
    expect(s.start).toBe(T0 + 40);
    expect(s.end).toBe(Date.parse(lines.at(-1)!.split(',')[0]!));
    expect(s.end! - s.start!).toBeGreaterThan(40 * 20);
  });

  it('Exchange 2007/2010: no success line, but the certificate and an EHLO after the 220: negotiated, protocol unknown', () => {
    const { sessions } = run(exchangeProtocolLog([outbound()], { tlsSuccessLine: false }));
    expect(sessions[0]!.tls).toEqual(tls({ offered: true, attempted: true, accepted: true, negotiated: true, peer: 'CN=mx.example.com, O="Example, Inc."' }));
    expect(sessions[0]!.evidence).toBe('handshake');
  });

  it('Exchange 2019 one-line certificate: the subject is read up to the issuer', () => {
    const { sessions } = run(exchangeProtocolLog([outbound({ starttls: { handshake: { ok: true, protocol: 'TLSv1.2', peerSubject: 'CN=mx.example.com' } } })], { oneLineCertificate: true }));
    expect(sessions[0]!.tls.peer).toBe('CN=mx.example.com');
  });

  it('negotiation failed: the error, negotiated false, the session ends', () => {
    const { sessions } = run(exchangeProtocolLog([outbound({ starttls: { handshake: { ok: false, error: 'UnknownCredentials' } } })]));
    const s = sessions[0]!;
    expect(s.tls).toEqual(tls({ offered: true, attempted: true, accepted: true, negotiated: false, failure: 'TLS negotiation failed with error UnknownCredentials' }));
    expect([s.evidence, s.messages, s.status, s.domains]).toEqual(['handshake', 0, null, []]);
  });

  it('negotiation failed and the mail then sent in the same session: clear retry', () => {
    const { sessions } = run(exchangeProtocolLog([outbound({ starttls: { handshake: { ok: false, error: 'SocketError' } }, clearAfterFailure: true })]));
    expect(sessions[0]!.tls).toEqual(tls({ offered: true, attempted: true, accepted: true, negotiated: false, failure: 'TLS negotiation failed with error SocketError', clearRetry: true }));
    expect(sessions[0]!.status).toBe('sent');
  });

  it('STARTTLS refused with 454: failure, clear text after', () => {
    const { sessions } = run(exchangeProtocolLog([outbound({ starttls: { reply: '454 4.7.0 TLS not available due to temporary reason' } })]));
    expect(sessions[0]!.tls).toEqual(
      tls({ offered: true, attempted: true, accepted: false, negotiated: false, failure: '454 4.7.0 TLS not available due to temporary reason', clearRetry: true }),
    );
    expect(sessions[0]!.evidence).toBe('dialogue');
  });

  it('not offered: offered false, attempted false', () => {
    const { sessions } = run(exchangeProtocolLog([outbound({ offerStarttls: false, starttls: undefined })]));
    expect(sessions[0]!.tls).toEqual(tls({ offered: false, attempted: false, negotiated: false }));
    expect(sessions[0]!.evidence).toBe('dialogue');
  });

  it('offered but not used: clear text', () => {
    const { sessions } = run(exchangeProtocolLog([outbound({ starttls: undefined })]));
    expect(sessions[0]!.tls).toEqual(tls({ offered: true, attempted: false, negotiated: false }));
  });

  it('the EHLO reply on one line (Exchange 2013+): STARTTLS found among the words, or missing', () => {
    expect(run(exchangeProtocolLog([outbound({ starttls: undefined })], { ehloOneLine: true })).sessions[0]!.tls.offered).toBe(true);
    expect(run(exchangeProtocolLog([outbound({ offerStarttls: false, starttls: undefined })], { ehloOneLine: true })).sessions[0]!.tls.offered).toBe(false);
  });

  it('a refused recipient (bounced) and a 4xx at the end of the data (deferred)', () => {
    expect(run(exchangeProtocolLog([outbound({ rcptReply: '550 5.1.10 RESOLVER.ADR.RecipientNotFound; not found' })])).sessions[0]!).toMatchObject({ status: 'bounced', dsn: '5.1.10', messages: 0 });
    expect(run(exchangeProtocolLog([outbound({ dataReply: '451 4.7.500 Server busy, please try again later', bdat: true })])).sessions[0]!).toMatchObject({ status: 'deferred', dsn: '4.7.500', messages: 0 });
    expect(run(exchangeProtocolLog([outbound({ bdat: true })])).sessions[0]!).toMatchObject({ status: 'sent', messages: 1 });
  });

  it('X-ANONYMOUSTLS between Exchange servers counts as STARTTLS', () => {
    const lines = exchangeProtocolLog([outbound()]).map((l) => l.replace(/STARTTLS/g, 'X-ANONYMOUSTLS'));
    expect(run(lines).sessions[0]!.tls).toMatchObject({ offered: true, attempted: true, accepted: true, negotiated: true });
  });
});

describe('exchange protocol log: inbound (SmtpReceive)', () => {
  it('STARTTLS and TLS 1.3: negotiated; our own certificate is not taken for the peer', () => {
    const sc = inbound();
    const { sessions } = run(exchangeProtocolLog([sc]));
    const s = sessions[0]!;
    expect(s.tls).toEqual(tls({ offered: true, attempted: true, accepted: true, negotiated: true, protocol: 'TLSv1.3', cipher: 'ECDHE, AES-256 (256 bits), SHA384' }));
    expect([s.direction, s.remoteHost, s.remoteIp, s.remotePort]).toEqual(['inbound', 'mail.example.net', '198.51.100.7', 41_000]);
    expect(s.localHost).toBe('EXCH01\\Default Frontend EXCH01');
    expect(s.domains).toEqual(expectedDomains(sc));
    expect([s.messages, s.status]).toEqual([1, 'sent']);
  });

  it("the client certificate's validation status is Exchange's own verify word", () => {
    const lines = exchangeProtocolLog([inbound()]);
    const at = lines.findIndex((l) => l.includes('negotiation succeeded'));
    const f: string[] = [];
    splitCsv(lines[at]!, f);
    const status = (word: string): string => [...f.slice(0, 7), '', csvField(`Client certificate chain validation status: '${word}'`)].join(',');
    for (const [word, verify] of [
      ['EmptyCertificate', 'none'],
      ['Valid', 'trusted'],
      ['UntrustedRoot', 'untrusted'],
    ] as const) {
      expect(run([...lines.slice(0, at + 1), status(word), ...lines.slice(at + 1)]).sessions[0]!.tls.verify).toBe(verify);
    }
    expect(run(lines).sessions[0]!.tls.verify).toBeNull();
  });

  it('a rejected recipient inbound is "rejected"', () => {
    const s = run(exchangeProtocolLog([inbound({ starttls: undefined, rcptReply: '550 5.7.54 SMTP; Unable to relay recipient in non-accepted domain' })])).sessions[0]!;
    expect([s.status, s.dsn, s.messages]).toEqual(['rejected', '5.7.54', 0]);
    expect(s.tls).toEqual(tls({ offered: true, attempted: false, negotiated: false }));
  });

  it('without any header, the direction comes from who sends EHLO', () => {
    const o = run(exchangeProtocolLog([outbound()], { logType: null })).sessions[0]!;
    const i = run(exchangeProtocolLog([inbound()], { logType: null })).sessions[0]!;
    expect([o.direction, i.direction]).toEqual(['outbound', 'inbound']);
    expect([o.tls.negotiated, o.tls.protocol, i.tls.protocol]).toEqual([true, 'TLSv1.2', 'TLSv1.3']);
    expect(o.domains).toEqual(['example.com', 'sub.example.net']);
    expect(i.domains).toEqual(['example.net']);
  });
});

describe('exchange protocol log: sessions', () => {
  it('interleaved sessions are kept apart by session id', () => {
    const scs = [
      outbound({ sessionId: '08DF000000000001', stepMs: 30 }),
      outbound({ sessionId: '08DF000000000002', start: T0 + 10, stepMs: 30, remoteIp: '2001:db8::25', remoteHost: 'mx6.example.net', offerStarttls: false, starttls: undefined, recipients: ['x@example.net'] }),
      outbound({ sessionId: '08DF000000000003', start: T0 + 20, stepMs: 30, starttls: { reply: '454 4.7.0 TLS not available' }, recipients: ['y@example.org'] }),
    ];
    const lines = exchangeProtocolLog(scs);
    expect(lines.slice(5, 8).map((l) => l.split(',')[2])).toEqual(['08DF000000000001', '08DF000000000002', '08DF000000000003']);
    const byKey = Object.fromEntries(run(lines).sessions.map((s) => [s.key, s]));
    expect(byKey['08DF000000000001']!.tls).toMatchObject({ negotiated: true, protocol: 'TLSv1.2' });
    expect(byKey['08DF000000000002']!.tls).toEqual(tls({ offered: false, attempted: false, negotiated: false }));
    expect([byKey['08DF000000000002']!.remoteIp, byKey['08DF000000000002']!.remotePort]).toEqual(['2001:db8::25', 25]);
    expect(byKey['08DF000000000002']!.domains).toEqual(['example.net']);
    expect(byKey['08DF000000000003']!.tls).toMatchObject({ accepted: false, failure: '454 4.7.0 TLS not available' });
  });

  it('the same session id on two connectors is two sessions', () => {
    const a = exchangeProtocolLog([outbound({ connector: 'Internet Send' })]);
    const b = exchangeProtocolLog([outbound({ connector: 'Partner Send', starttls: undefined })]).slice(5);
    const { sessions } = run([...a.slice(0, 7), ...b, ...a.slice(7)]);
    expect(sessions.map((s) => [s.localHost, s.tls.attempted]).sort()).toEqual([
      ['Internet Send', true],
      ['Partner Send', false],
    ]);
  });

  it('lines out of sequence order are handled in order', () => {
    const lines = exchangeProtocolLog([outbound()]);
    const at = lines.findIndex((l) => l.includes(',STARTTLS,'));
    // The 220 to STARTTLS logged before the STARTTLS itself.
    const swapped = [...lines];
    [swapped[at], swapped[at + 1]] = [swapped[at + 1]!, swapped[at]!];
    expect(run(swapped).sessions[0]!.tls).toMatchObject({ attempted: true, accepted: true, negotiated: true });
    // Without the reordering the 220 would answer the EHLO and STARTTLS would stay unanswered.
    const data = lines.slice(5);
    const reversed = [...lines.slice(0, 5), ...data.slice(0, 3), ...data.slice(3, 3 + MAX_REORDER_LINES).reverse(), ...data.slice(3 + MAX_REORDER_LINES)];
    expect(run(reversed).sessions[0]!.tls).toMatchObject({ offered: true, attempted: true, accepted: true, negotiated: true });
  });

  it('IPv6 endpoints with and without brackets', () => {
    for (const bareIpv6 of [false, true]) {
      const { sessions } = run(exchangeProtocolLog([outbound({ remoteIp: '2001:db8:0:0::5', localIp: '2001:db8::10' })], { bareIpv6 }));
      expect([sessions[0]!.remoteIp, sessions[0]!.remotePort]).toEqual(['2001:db8::5', 25]);
    }
    expect(endpoint('[2001:db8::1]:2525')).toEqual({ ip: '2001:db8::1', port: 2525 });
    expect(endpoint('192.0.2.1:25')).toEqual({ ip: '192.0.2.1', port: 25 });
    expect(endpoint('[::ffff:192.0.2.1]:25')).toEqual({ ip: '192.0.2.1', port: 25 });
    expect(endpoint('192.0.2.1:99999')).toBeNull();
    expect(endpoint('')).toBeNull();
    expect(endpoint('mx.example.com:25')).toBeNull();
  });

  it('a session whose end is not in the file is incomplete', () => {
    const lines = exchangeProtocolLog([outbound()]);
    const { sessions } = run(lines.slice(0, -1));
    expect(sessions[0]!.incomplete).toBe(true);
    expect(sessions[0]!.tls.negotiated).toBe(true);
  });
});

describe('the fixture writer writes what Exchange writes', () => {
  it('protocol log rows: time, connector, session, sequence, endpoints, event, data, context', () => {
    const out = exchangeProtocolLog([outbound()]);
    expect(out.slice(0, 5)).toEqual([
      '#Software: Microsoft Exchange Server',
      '#Version: 15.2.1118.7',
      '#Log-type: SMTP Send Protocol Log',
      '#Date: 2026-11-30T03:40:13.120Z',
      '#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,context',
    ]);
    expect(out[5]).toBe('2026-11-30T03:40:13.160Z,Internet Send,08DF1A2B3C4D5E6F,0,,203.0.113.5:25,*,,attempting to connect');
    expect(out[8]).toBe('2026-11-30T03:40:13.280Z,Internet Send,08DF1A2B3C4D5E6F,3,192.0.2.10:50000,203.0.113.5:25,>,EHLO mail.example.org,');
    expect(out.filter((l) => l.endsWith(',Certificate subject'))).toEqual([
      expect.stringMatching(/^2026-11-30T03:40:13\.\d{3}Z,Internet Send,08DF1A2B3C4D5E6F,\d+,192\.0\.2\.10:50000,203\.0\.113\.5:25,\*,"CN=mx\.example\.com, O=""Example, Inc\.""",Certificate subject$/),
    ]);
  });

  it('tracking rows quote the subject with its comma and quotes', () => {
    const out = exchangeTrackingLog([outbound()]);
    expect(out[5]!.includes(',"Re: ""quarterly"" figures, draft 2",')).toBe(true);
  });
});

describe('CSV', () => {
  it('quoted fields with commas and doubled quotes', () => {
    const out: string[] = [];
    expect(splitCsv('a,"b,c","say ""hi""",,"",end', out)).toBe(true);
    expect(out).toEqual(['a', 'b,c', 'say "hi"', '', '', 'end']);
    expect(splitCsv('plain,fields,', out)).toBe(true);
    expect(out).toEqual(['plain', 'fields', '']);
    expect(splitCsv('"unterminated,field', out)).toBe(false);
    expect(splitCsv(Array(100).fill('x').join(','), out)).toBe(false);
  });

  it('round-trips whatever the writer quotes', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 30 }), { minLength: 1, maxLength: 12 }), (fields) => {
        const out: string[] = [];
        expect(splitCsv(fields.map(csvField).join(','), out)).toBe(true);
        expect(out).toEqual(fields);
      }),
    );
  });

  it('data with commas and quotes reaches the session intact', () => {
    const reply = '454 4.7.0 "TLS", not available, try "later"';
    const lines = exchangeProtocolLog([outbound({ starttls: { reply } })]);
    expect(lines.some((l) => l.includes('"454 4.7.0 ""TLS"", not available, try ""later"""'))).toBe(true);
    expect(run(lines).sessions[0]!.tls.failure).toBe(reply);
  });
});

describe('Schannel names', () => {
  it('protocol flags', () => {
    expect(['SP_PROT_TLS1_3_CLIENT', 'SP_PROT_TLS1_2_SERVER', 'SP_PROT_TLS1_1_CLIENT', 'SP_PROT_TLS1_0_SERVER', 'SP_PROT_TLS1_CLIENT', 'SP_PROT_SSL3_SERVER', 'SP_PROT_TLS1_9', 'TLS1_2'].map(schannelProtocol)).toEqual([
      'TLSv1.3',
      'TLSv1.2',
      'TLSv1.1',
      'TLSv1',
      'TLSv1',
      'SSLv3',
      null,
      null,
    ]);
  });

  it('cipher descriptions, weak ones named in plain words', () => {
    const line = (bulk: string, bits: number, mac: string, kex: string): string =>
      `TLS protocol SP_PROT_TLS1_0_CLIENT negotiation succeeded using bulk encryption algorithm ${bulk} with strength ${bits} bits, MAC hash algorithm ${mac} with strength 160 bits and key exchange algorithm ${kex} with strength 2048 bits`;
    expect(schannelCipher(line('CALG_RC4', 128, 'CALG_MD5', 'CALG_RSA_KEYX'))).toBe('RSA, RC4 (128 bits), MD5');
    expect(schannelCipher(line('CALG_3DES', 168, 'CALG_SHA1', 'CALG_DH_EPHEM'))).toBe('DHE, 3DES (168 bits), SHA1');
    expect(schannelCipher(line('CALG_AES_128', 0, 'CALG_SHA_256', 'CALG_ECDH_EPHEM'))).toBe('ECDHE, AES-128, SHA256');
    expect(schannelCipher(line('CALG_NEWTHING', 128, 'CALG_SHA1', 'CALG_ECDHE'))).toBe('ECDHE, NEWTHING (128 bits), SHA1');
    expect(schannelCipher('TLS protocol SP_PROT_TLS1_2_CLIENT negotiation succeeded')).toBeNull();
  });
});

describe('message tracking log', () => {
  it('SMTP SEND and RECEIVE become sessions with evidence none; other events are ignored; one note with the commands', () => {
    const o = outbound();
    const i = inbound({ start: T0 + 60_000 });
    const lines = exchangeTrackingLog([o, i]);
    const { sessions, notes, uses } = run(lines, exchangeTrackingModule);
    expect(uses.filter((u) => u === 'used')).toHaveLength(2);
    expect(uses.filter((u) => u === 'malformed')).toEqual([]);
    expect(sessions).toHaveLength(2);
    const [send, receive] = sessions;
    expect(send).toMatchObject({ format: 'exchange-tracking', direction: 'outbound', remoteIp: '203.0.113.5', remoteHost: 'mx.example.com', status: 'sent', dsn: '2.6.0', evidence: 'none', messages: 1, start: T0 + 2000 });
    expect(send!.domains).toEqual(expectedDomains(o));
    expect(send!.tls).toEqual(unknownTls());
    expect(receive).toMatchObject({ direction: 'inbound', remoteIp: '198.51.100.7', remoteHost: 'mail.example.net', evidence: 'none' });
    expect(receive!.domains).toEqual(expectedDomains(i));
    expect(notes).toEqual([['exchange-protocol-logging-off', EXCHANGE_PROTOCOL_LOGGING_DETAIL]]);
    for (const c of [...EXCHANGE_PROTOCOL_LOGGING.exchange2013To2019.commands, ...EXCHANGE_PROTOCOL_LOGGING.exchange2013To2019.paths]) expect(notes[0]![1]).toContain(c);
    expect(notes[0]![1]).toContain('W3C Extended');
  });

  it('the header maps the fields: a reordered header still reads', () => {
    const lines = exchangeTrackingLog([outbound()]);
    const header = lines.findIndex((l) => l.startsWith('#Fields:'));
    const names = lines[header]!.slice(9).split(',');
    const order = names.map((_, k) => k).reverse();
    const reorder = (l: string): string => {
      const f: string[] = [];
      splitCsv(l, f);
      return order.map((k) => csvField(f[k]!)).join(',');
    };
    const re = [...lines.slice(0, header), `#Fields: ${order.map((k) => names[k]).join(',')}`, ...lines.slice(header + 1).map(reorder)];
    const { sessions } = run(re, exchangeTrackingModule);
    expect(sessions.map((s) => [s.direction, s.remoteIp, s.domains])).toEqual([['outbound', '203.0.113.5', ['example.com', 'sub.example.net']]]);
  });

  it('no SMTP event, no note', () => {
    const lines = exchangeTrackingLog([outbound()]).filter((l) => !l.includes(',SMTP,SEND,'));
    expect(run(lines, exchangeTrackingModule).notes).toEqual([]);
  });
});

describe('sniffing', () => {
  const protocol = exchangeProtocolLog([outbound(), inbound()]);
  const tracking = exchangeTrackingLog([outbound(), inbound()]);
  const old = exchange2003Log([outbound()]);
  const others = [
    'Nov 30 03:40:13 mx postfix/smtp[1234]: 4F1AB2C3D: to=<a@example.com>, relay=mx.example.com[203.0.113.5]:25, delay=1, status=sent (250 ok)',
    'Nov 30 03:40:13 mx postfix/smtp[1234]: Trusted TLS connection established to mx.example.com[203.0.113.5]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)',
    '2026-11-30 03:40:13 1kA2bC-000Abc-12 <= alice@example.org H=mail.example.net [198.51.100.7] P=esmtps X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no S=1234',
    '2026-11-30T03:40:13.123Z mx exim[12]: 1kA2bC-000Abc-12 Completed',
    'Nov 30 03:40:13 mx sendmail[123]: STARTTLS=client, relay=mx.example.com., version=TLSv1.3, verify=OK',
  ];
  const sum = (f: (l: string) => number, lines: string[]): number => lines.reduce((a, l) => a + f(l), 0);

  it('each module scores its own lines above the others', () => {
    expect(sniffExchangeProtocol(protocol[2]!)).toBe(1);
    expect(sniffExchangeProtocol(protocol[4]!)).toBe(1);
    expect(protocol.slice(5).every((l) => sniffExchangeProtocol(l) === 0.9)).toBe(true);
    expect(sniffExchangeTracking(tracking[2]!)).toBe(1);
    expect(tracking.slice(5).every((l) => sniffExchangeTracking(l) === 0.8)).toBe(true);
    expect(sum(sniffExchangeProtocol, protocol)).toBeGreaterThan(sum(sniffExchangeTracking, protocol) + sum(exchange2003Module.sniff, protocol));
    expect(sum(sniffExchangeTracking, tracking)).toBeGreaterThan(sum(sniffExchangeProtocol, tracking) + sum(exchange2003Module.sniff, tracking));
    expect(sum(sniffExchangeProtocol, old) + sum(sniffExchangeTracking, old)).toBe(0);
  });

  it('no false positive on syslog, Exim or Sendmail lines', () => {
    expect(others.map(sniffExchangeProtocol)).toEqual([0, 0, 0, 0, 0]);
    expect(others.map(sniffExchangeTracking)).toEqual([0, 0, 0, 0, 0]);
  });
});

describe('the Unix MTA logs of the corpus (read in place)', () => {
  it('score 0 with every Exchange sniffer, and no Exchange parser makes a session of them', (ctx) => {
    let names: string[];
    try {
      names = readdirSync(CORPUS).filter((f) => f.endsWith('.log'));
    } catch {
      return skipWithout(ctx, 'corpus', `no log corpus at ${CORPUS} (set MXRAY_CORPUS to its parent folder)`);
    }
    if (names.length === 0) return skipWithout(ctx, 'corpus', `no *.log files in ${CORPUS}`);
    let lines = 0;
    for (const name of names) {
      const text = readFileSync(join(CORPUS, name), 'utf8').split('\n').filter((l) => l.length > 0);
      lines += text.length;
      for (const mod of [exchange2003Module, exchangeModule, exchangeTrackingModule]) {
        expect(text.filter((l) => mod.sniff(l) > 0), `${mod.format} on ${name}`).toEqual([]);
        const r = run(text, mod);
        expect(r.sessions, `${mod.format} on ${name}`).toEqual([]);
        expect(r.uses.includes('used')).toBe(false);
      }
    }
    expect(lines).toBeGreaterThan(100);
  });
});

describe('hostile input', () => {
  it('never throws; every session valid against the schema', () => {
    const good = exchangeProtocolLog([outbound()]);
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.string({ maxLength: 200 }), fc.constantFrom(...good)), { maxLength: 60 }), (lines) => {
        for (const mod of [exchangeModule, exchangeTrackingModule]) {
          const p = mod.create({ session: (s) => expect(Value.Check(LogSessionSchema, { ...s, file: '-' })).toBe(true), note: () => {} }, { year: 2026, offsetMinutes: 0 });
          for (const [i, l] of lines.entries()) expect(['used', 'ignored', 'malformed']).toContain(p.line(l, i + 1));
          p.end();
        }
      }),
    );
  });

  it('binary, missing columns, a bad event, an unterminated quote, huge fields: malformed, the session survives', () => {
    const good = exchangeProtocolLog([outbound()]);
    const row = good[8]!.split(',');
    const hostile = [
      '\u0000\u0001\u00ff\ufffd,binary,\u001b[31m',
      row.slice(0, 5).join(','),
      [...row.slice(0, 6), '?', ...row.slice(7)].join(','),
      [...row.slice(0, 7), '"unterminated', ...row.slice(8)].join(','),
      [...row.slice(0, 3), 'not-a-number', ...row.slice(4)].join(','),
      ['yesterday', ...row.slice(1)].join(','),
      '#Nonsense: header',
    ];
    const { sessions, uses } = run([...good.slice(0, 9), ...hostile, ...good.slice(9)]);
    expect(uses.slice(9, 9 + hostile.length)).toEqual(hostile.map(() => 'malformed'));
    expect(sessions).toHaveLength(1);
    expect(sessions[0]!.tls).toMatchObject({ negotiated: true, protocol: 'TLSv1.2' });
  });

  it('huge data values are bounded in the session', () => {
    const big = `454 4.7.0 ${'x'.repeat(15_000)}`;
    const s = run(exchangeProtocolLog([outbound({ starttls: { reply: big }, remoteHost: 'mx.example.com' })])).sessions[0]!;
    expect(s.tls.failure!.length).toBe(500);
    expect(s.lines.every((l) => l.text.length <= 1000)).toBe(true);
  });

  it('five times MAX_OPEN_SESSIONS sessions: at most MAX_OPEN_SESSIONS open, evicted ones incomplete', () => {
    let open = 0;
    let maxOpen = 0;
    let incomplete = 0;
    let count = 0;
    const parser = exchangeModule.create(
      {
        session: (s) => {
          count++;
          open--;
          if (s.incomplete) incomplete++;
        },
        note: () => {},
      },
      { year: 2026, offsetMinutes: 0 },
    );
    parser.line('#Log-type: SMTP Send Protocol Log', 1);
    const N = 5 * MAX_OPEN_SESSIONS;
    for (let i = 0; i < N; i++) {
      // Only the connect line of each session: none ends.
      parser.line(`2026-11-30T03:40:13.123Z,Internet Send,S${i},0,192.0.2.10:50000,203.0.113.5:25,+,,`, i + 2);
      open++;
      maxOpen = Math.max(maxOpen, open);
    }
    parser.end();
    expect(count).toBe(N);
    expect(maxOpen).toBe(MAX_OPEN_SESSIONS);
    expect(incomplete).toBe(N);
  });

  it('one session with endless lines keeps bounded evidence and pending lines', () => {
    const sessions: Session[] = [];
    const parser = exchangeModule.create({ session: (s) => sessions.push(s), note: () => {} }, { year: 2026, offsetMinutes: 0 });
    parser.line('#Log-type: SMTP Receive Protocol Log', 1);
    // Sequence numbers that skip every other one: the reorder buffer gives up on each gap.
    for (let i = 0; i < 100_000; i++) parser.line(`2026-11-30T03:40:13.123Z,EXCH01\\Default,S1,${2 * i + 1},192.0.2.10:25,198.51.100.7:4000,<,RCPT TO:<u${i}@example.net>,`, i + 2);
    parser.end();
    expect(sessions).toHaveLength(1);
    expect(sessions[0]!.lines.length).toBeLessThanOrEqual(8);
    expect(sessions[0]!.incomplete).toBe(true);
  });
});
