import { Value } from '@sinclair/typebox/value';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LogSessionSchema, type LogSession } from '../../../../src/core/logs-schema.js';
import { exchange2003Module, OpenSessions, pathDomain, replyCode, SESSION_GAP_MS, sniffExchange2003 } from '../../../../src/jobs/logs/exchange2003.js';
import { exchangeModule, exchangeTrackingModule } from '../../../../src/jobs/logs/exchange.js';
import { MAX_OPEN_SESSIONS, unknownTls, type LineUse, type LogTls } from '../../../../src/jobs/logs/model.js';
import {
  exchange2003Log,
  exchangeProtocolLog,
  expectedDomains,
  IIS_DEFAULT_FIELDS,
  iisFormatLog,
  type ExchangeScenario,
} from '../../../helpers/exchange-logs.js';

type Session = Omit<LogSession, 'file'>;

function run(lines: string[], offsetMinutes = 0): { sessions: Session[]; notes: string[]; uses: LineUse[] } {
  const sessions: Session[] = [];
  const notes: string[] = [];
  const parser = exchange2003Module.create({ session: (s) => sessions.push(s), note: (id) => notes.push(id) }, { year: 2026, offsetMinutes });
  const uses = lines.map((l, i) => parser.line(l, i + 1));
  parser.end();
  for (const s of sessions) expect(Value.Errors(LogSessionSchema, { ...s, file: 'x.log' }).First()).toBeUndefined();
  return { sessions, notes, uses };
}

const T0 = Date.UTC(2026, 10, 30, 3, 40, 13);

function outbound(over: Partial<ExchangeScenario> = {}): ExchangeScenario {
  return {
    direction: 'outbound',
    start: T0,
    remoteIp: '203.0.113.5',
    remoteHost: 'mx.example.com',
    offerStarttls: true,
    starttls: { reply: '220 2.0.0 SMTP server ready' },
    sender: 'alice@example.org',
    recipients: ['bob@example.com', 'carol@Sub.Example.NET'],
    ...over,
  };
}

function inbound(over: Partial<ExchangeScenario> = {}): ExchangeScenario {
  return {
    direction: 'inbound',
    start: T0,
    remoteIp: '198.51.100.7',
    remoteHost: 'mail.example.net',
    offerStarttls: true,
    starttls: { reply: '220 2.0.0 SMTP server ready' },
    sender: 'dave@Example.NET',
    recipients: ['erin@example.org'],
    ...over,
  };
}

function tls(over: Partial<LogTls>): LogTls {
  return { ...unknownTls(), ...over };
}

describe('exchange2003: outbound verdicts', () => {
  it('STARTTLS offered, sent and answered 220: attempted and accepted, the handshake unknown (never logged)', () => {
    const sc = outbound();
    const { sessions, uses } = run(exchange2003Log([sc]));
    expect(uses.slice(0, 4)).toEqual(['ignored', 'ignored', 'ignored', 'ignored']);
    expect(uses.slice(4).every((u) => u === 'used')).toBe(true);
    expect(sessions).toHaveLength(1);
    const s = sessions[0]!;
    expect(s.tls).toEqual(tls({ offered: true, attempted: true, accepted: true, negotiated: null }));
    expect(s.evidence).toBe('dialogue');
    expect(s.direction).toBe('outbound');
    expect(s.remoteIp).toBe('203.0.113.5');
    expect(s.remoteHost).toBe('mx.example.com');
    expect(s.localHost).toBe('EXCH01');
    expect(s.domains).toEqual(expectedDomains(sc));
    expect(s.messages).toBe(1);
    expect(s.status).toBe('sent');
    expect(s.dsn).toBe('2.6.0');
    expect(s.incomplete).toBe(false);
    expect(s.start).toBe(T0);
    expect(s.lines.map((l) => l.text).some((t) => t.includes(' STARTTLS '))).toBe(true);
  });

  it('a failed handshake looks the same as a good one: negotiated stays null either way', () => {
    const good = run(exchange2003Log([outbound({ starttls: { handshake: { ok: true, protocol: 'TLSv1.2' } } })])).sessions[0]!;
    const bad = run(exchange2003Log([outbound({ starttls: { handshake: { ok: false, error: 'UnknownCredentials' } }, clearAfterFailure: true })])).sessions[0]!;
    expect(good.tls).toEqual(tls({ offered: true, attempted: true, accepted: true }));
    // A MAIL FROM after the 220 is no proof: the service logs it above TLS either way.
    expect(bad.tls).toEqual(good.tls);
    expect(bad.status).toBe('sent');
  });

  it('STARTTLS answered 454: a failure with the reply, and the mail then in clear text', () => {
    const { sessions } = run(exchange2003Log([outbound({ starttls: { reply: '454 4.7.0 TLS not available due to temporary reason' } })]));
    expect(sessions[0]!.tls).toEqual(
      tls({ offered: true, attempted: true, accepted: false, negotiated: false, failure: '454 4.7.0 TLS not available due to temporary reason', clearRetry: true }),
    );
    expect(sessions[0]!.evidence).toBe('dialogue');
  });

  it('STARTTLS not offered: offered false and no attempt', () => {
    const { sessions } = run(exchange2003Log([outbound({ offerStarttls: false, starttls: undefined })]));
    expect(sessions[0]!.tls).toEqual(tls({ offered: false, attempted: false, negotiated: false }));
  });

  it('STARTTLS offered but not sent: clear text', () => {
    const { sessions } = run(exchange2003Log([outbound({ starttls: undefined })]));
    expect(sessions[0]!.tls).toEqual(tls({ offered: true, attempted: false, negotiated: false }));
  });

  it('after HELO nothing is offered or withheld: offered stays unknown', () => {
    const { sessions } = run(exchange2003Log([outbound({ helo: true, starttls: undefined })]));
    expect(sessions[0]!.tls).toEqual(tls({ offered: null, attempted: false, negotiated: false }));
  });

  it('an EHLO reply cut before its last line decides nothing about STARTTLS', () => {
    const lines = exchange2003Log([outbound({ offerStarttls: false, starttls: undefined, quit: false })]);
    // Keep the header, the banner, EHLO and the first EHLO reply line only.
    const { sessions } = run(lines.slice(0, 7));
    expect(sessions[0]!.tls.offered).toBeNull();
    expect(sessions[0]!.incomplete).toBe(true);
  });

  it('recipients refused: bounced (5xx) or deferred (4xx), no message', () => {
    const b = run(exchange2003Log([outbound({ rcptReply: '550 5.1.1 User unknown' })])).sessions[0]!;
    expect([b.status, b.dsn, b.messages]).toEqual(['bounced', '5.1.1', 0]);
    const d = run(exchange2003Log([outbound({ rcptReply: '451 4.3.0 Try again later' })])).sessions[0]!;
    expect([d.status, d.dsn, d.messages]).toEqual(['deferred', '4.3.0', 0]);
  });

  it('message refused at the end of the data', () => {
    const s = run(exchange2003Log([outbound({ dataReply: '554 5.7.1 Message rejected as spam' })])).sessions[0]!;
    expect([s.status, s.dsn, s.messages]).toEqual(['bounced', '5.7.1', 0]);
  });
});

describe('exchange2003: inbound verdicts', () => {
  it('STARTTLS received and answered 220: accepted, handshake unknown, offered unknown (our EHLO reply is not logged)', () => {
    const sc = inbound();
    const { sessions } = run(exchange2003Log([sc]));
    expect(sessions).toHaveLength(1);
    const s = sessions[0]!;
    expect(s.tls).toEqual(tls({ attempted: true, accepted: true }));
    expect(s.direction).toBe('inbound');
    expect(s.remoteHost).toBe('mail.example.net');
    expect(s.remoteIp).toBe('198.51.100.7');
    expect(s.domains).toEqual(expectedDomains(sc));
    expect([s.messages, s.status, s.incomplete]).toEqual([1, 'sent', false]);
  });

  it('STARTTLS answered 454 inbound: failure, then mail in clear', () => {
    const s = run(exchange2003Log([inbound({ starttls: { reply: '454 4.7.0 TLS not available' } })])).sessions[0]!;
    expect(s.tls).toEqual(tls({ attempted: true, accepted: false, negotiated: false, failure: 'STARTTLS answered 454', clearRetry: true }));
  });

  it('no STARTTLS from the client: clear text', () => {
    const s = run(exchange2003Log([inbound({ starttls: undefined })])).sessions[0]!;
    expect(s.tls).toEqual(tls({ attempted: false, negotiated: false }));
  });

  it('a sender refused inbound: rejected', () => {
    const s = run(exchange2003Log([inbound({ starttls: undefined, rcptReply: '550 5.7.1 Unable to relay' })])).sessions[0]!;
    expect([s.status, s.dsn, s.messages]).toEqual(['rejected', '5.0.0', 0]);
  });

  it('a new session at EHLO after QUIT from the same client', () => {
    const a = inbound();
    const b = inbound({ start: T0 + 2_000, starttls: undefined, sender: 'frank@example.com' });
    const { sessions } = run(exchange2003Log([a, b]));
    expect(sessions.map((s) => [s.tls.attempted, s.domains[0]])).toEqual([
      [true, 'example.net'],
      [false, 'example.com'],
    ]);
  });
});

describe('exchange2003: grouping and layouts', () => {
  it('interleaved sessions to different hosts are kept apart', () => {
    const a = outbound({ remoteIp: '203.0.113.5', stepMs: 100 });
    const b = outbound({ remoteIp: '203.0.113.6', remoteHost: 'mx2.example.com', start: T0 + 30, stepMs: 100, offerStarttls: false, starttls: undefined, recipients: ['gina@example.com'] });
    const lines = exchange2003Log([a, b]);
    // They really interleave.
    expect([lines[4], lines[5], lines[6]].map((l) => l!.split(' ')[2])).toEqual(['203.0.113.5', '203.0.113.6', '203.0.113.5']);
    const { sessions } = run(lines);
    const byIp = Object.fromEntries(sessions.map((s) => [s.remoteIp, s]));
    expect(byIp['203.0.113.5']!.tls).toEqual(tls({ offered: true, attempted: true, accepted: true }));
    expect(byIp['203.0.113.6']!.tls).toEqual(tls({ offered: false, attempted: false, negotiated: false }));
    expect(byIp['203.0.113.6']!.domains).toEqual(['example.com']);
  });

  it('a second banner from the same host starts a new session', () => {
    const a = outbound({ quit: false });
    const b = outbound({ start: T0 + 5_000, starttls: undefined });
    const { sessions } = run(exchange2003Log([a, b]));
    expect(sessions.map((s) => s.tls.attempted)).toEqual([true, false]);
    // The first one's end (QUIT) was not seen.
    expect(sessions.map((s) => s.incomplete)).toEqual([true, false]);
  });

  it('a gap of more than SESSION_GAP_MS starts a new session even without a banner', () => {
    const lines = exchange2003Log([inbound({ starttls: undefined, quit: false }), inbound({ start: T0 + SESSION_GAP_MS + 60_000, starttls: undefined })]);
    expect(run(lines).sessions).toHaveLength(2);
    // …and within the gap it would not (the same lines one minute apart).
    const near = exchange2003Log([inbound({ starttls: undefined, quit: false }), inbound({ start: T0 + 60_000, starttls: undefined })]);
    expect(run(near).sessions).toHaveLength(1);
  });

  it('a #Fields line mid-file switches the layout', () => {
    const a = exchange2003Log([outbound()]);
    const fields = ['date', 'time', 'cs-username', 'c-ip', 's-computername', 'cs-method', 'cs-uri-query', 'sc-status', 'cs-version'];
    const b = exchange2003Log([outbound({ start: T0 + 60_000, remoteIp: '203.0.113.9', starttls: { reply: '454 4.7.0 TLS not available' } })], { fields });
    const { sessions, uses } = run([...a, ...b]);
    expect(uses.filter((u) => u === 'malformed')).toEqual([]);
    expect(sessions.map((s) => [s.remoteIp, s.tls.accepted])).toEqual([
      ['203.0.113.5', true],
      ['203.0.113.9', false],
    ]);
  });

  it('without a #Fields header: the full selection is recognised by its number of fields', () => {
    const s = run(exchange2003Log([outbound()], { header: false })).sessions[0]!;
    expect(s.tls).toEqual(tls({ offered: true, attempted: true, accepted: true }));
    expect(s.start).not.toBeNull();
  });

  it("IIS's default selection (time c-ip cs-method cs-uri-stem sc-status) without a header: sessions without direction, times unknown", () => {
    const { sessions, uses } = run(exchange2003Log([inbound()], { header: false, fields: IIS_DEFAULT_FIELDS }));
    expect(uses.every((u) => u === 'used')).toBe(true);
    expect(sessions).toHaveLength(1);
    expect(sessions[0]!.direction).toBeNull();
    expect(sessions[0]!.start).toBeNull();
    expect(sessions[0]!.tls).toEqual(tls({ attempted: true, accepted: true }));
  });

  it("the default selection with its header: the time's date comes from #Date", () => {
    const s = run(exchange2003Log([inbound()], { fields: IIS_DEFAULT_FIELDS })).sessions[0]!;
    expect(s.start).toBe(T0);
  });

  it('the Microsoft IIS log format (comma-separated, local time)', () => {
    const sc = outbound({ starttls: { reply: '454 4.7.0 TLS not available' } });
    const { sessions, uses } = run(iisFormatLog([sc], 60), 60);
    expect(uses.every((u) => u === 'used')).toBe(true);
    const s = sessions[0]!;
    expect(s.tls).toEqual(tls({ offered: true, attempted: true, accepted: false, negotiated: false, failure: '454 4.7.0 TLS not available', clearRetry: true }));
    expect(s.start).toBe(T0);
    expect(s.domains).toEqual(expectedDomains(sc));
  });

  it('a web log line in the same folder is ignored, a line of another format is malformed', () => {
    const lines = [
      '#Fields: date time c-ip cs-username s-sitename s-computername s-ip s-port cs-method cs-uri-stem cs-uri-query sc-status sc-win32-status sc-bytes cs-bytes time-taken cs-version cs-host cs(User-Agent) cs(Cookie) cs(Referer)',
      '2026-11-30 03:40:13 198.51.100.9 - W3SVC1 EXCH01 192.0.2.10 80 GET /owa/ - 200 0 1024 300 15 HTTP/1.1 mail.example.org Mozilla/5.0 - -',
      'Nov 30 03:40:13 mx postfix/smtp[123]: 4F1AB2C3D: to=<a@example.com>, relay=mx.example.com[203.0.113.5]:25, status=sent',
    ];
    expect(run(lines).uses).toEqual(['ignored', 'ignored', 'malformed']);
  });

  it('an IIS web log without cs-version: its lines are ignored (a URL path as the target), and its header alone does not pass for SMTP', () => {
    const lines = [
      '#Software: Microsoft Internet Information Services 6.0',
      '#Version: 1.0',
      '#Date: 2026-11-30 03:40:13',
      '#Fields: date time s-sitename s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) sc-status sc-substatus sc-win32-status',
      '2026-11-30 03:40:13 W3SVC1 192.0.2.10 GET /owa/auth/logon.aspx - 443 - 198.51.100.9 Mozilla/5.0+(Windows+NT+10.0) 200 0 0',
      '2026-11-30 03:40:14 W3SVC1 192.0.2.10 POST /EWS/Exchange.asmx - 443 EXAMPLE\\erin 198.51.100.9 Microsoft+Office/16.0 200 0 0',
    ];
    const { sessions, uses } = run(lines);
    expect(uses).toEqual(['ignored', 'ignored', 'ignored', 'ignored', 'ignored', 'ignored']);
    expect(sessions).toEqual([]);
    expect(lines.reduce((a, l) => a + sniffExchange2003(l), 0)).toBeLessThan(1);
  });
});

describe('the fixture writer writes what IIS writes', () => {
  it("spaces as '+', empty values as '-', outbound replies in cs-uri-query, inbound codes in sc-status", () => {
    const out = exchange2003Log([outbound()]);
    expect(out[3]).toBe(
      '#Fields: date time c-ip cs-username s-sitename s-computername s-ip s-port cs-method cs-uri-stem cs-uri-query sc-status sc-win32-status sc-bytes cs-bytes time-taken cs-version cs-host cs(User-Agent) cs(Cookie) cs(Referer)',
    );
    expect(out).toContain('2026-11-30 03:40:13 203.0.113.5 OutboundConnectionResponse SMTPSVC1 EXCH01 - 0 - - 220+2.0.0+SMTP+server+ready 0 0 29 0 0 SMTP - - - -');
    expect(out).toContain('2026-11-30 03:40:13 203.0.113.5 OutboundConnectionCommand SMTPSVC1 EXCH01 - 0 STARTTLS - - 0 0 2 0 0 SMTP - - - -');
    const inb = exchange2003Log([inbound()]);
    expect(inb).toContain('2026-11-30 03:40:13 198.51.100.7 mail.example.net SMTPSVC1 EXCH01 192.0.2.10 25 EHLO - +mail.example.net 250 0 19 0 0 SMTP - - - -');
    expect(inb.some((l) => / STARTTLS - - 220 /.test(l))).toBe(true);
  });
});

describe('exchange2003: NCSA common log format', () => {
  it('is not read: its lines count as malformed (the W3C extended and Microsoft IIS formats are)', () => {
    const lines = ['198.51.100.7 - mail.example.net [30/Nov/2026:03:40:13 +0000] "EHLO -?+mail.example.net SMTP" 250 0'];
    expect(run(lines).uses).toEqual(['malformed']);
  });
});

describe('exchange2003: helpers', () => {
  it('pathDomain reads the domain of a path argument, lower-case, or null', () => {
    expect(pathDomain('TO:<bob@Example.COM>')).toBe('example.com');
    expect(pathDomain('FROM:<a@b.example> SIZE=100')).toBe('b.example');
    expect(pathDomain('TO:bob@example.net')).toBe('example.net');
    expect(pathDomain('FROM:<>')).toBeNull();
    expect(pathDomain('TO:<a@<script>>')).toBeNull();
    expect(pathDomain('TO:<a@[192.0.2.1]>')).toBe('[192.0.2.1]');
  });

  it('replyCode reads only a real reply code', () => {
    expect(['220 x', '250-STARTTLS', '354', '2500 x', '600 x', 'abc', '25', '199 x'].map(replyCode)).toEqual([220, 250, 354, 0, 0, 0, 0, 0]);
  });
});

describe('OpenSessions', () => {
  it('gives the oldest still-open session, skipping closed and replaced ones', () => {
    const t = new OpenSessions<string>();
    t.set('a', 'A');
    t.set('b', 'B');
    t.set('c', 'C');
    expect(t.oldest()).toBe('A');
    t.delete('a');
    expect([t.oldest(), t.size]).toEqual(['B', 2]);
    t.set('b', 'B2');
    expect(t.oldest()).toBe('C');
    expect(t.get('b')).toBe('B2');
    t.delete('c');
    t.delete('b');
    expect([t.oldest(), t.size, t.values()]).toEqual([undefined, 0, []]);
  });

  it('stays in insertion order through many openings and closings (compaction)', () => {
    const t = new OpenSessions<number>();
    for (let i = 0; i < 50_000; i++) {
      t.set(`k${i}`, i);
      // Close all but every 1000th.
      if (i % 1000 !== 0) t.delete(`k${i}`);
    }
    expect(t.size).toBe(50);
    const seen: number[] = [];
    for (let v = t.oldest(); v !== undefined; v = t.oldest()) {
      seen.push(v);
      t.delete(`k${v}`);
    }
    expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => i * 1000));
  });
});

describe('exchange2003: sniffing', () => {
  const ours = exchange2003Log([outbound(), inbound()]);
  const modern = exchangeProtocolLog([outbound()]);
  const syslog = [
    'Nov 30 03:40:13 mx postfix/smtp[1234]: 4F1AB2C3D: to=<a@example.com>, relay=mx.example.com[203.0.113.5]:25, delay=1, status=sent (250 ok)',
    'Nov 30 03:40:13 mx postfix/smtpd[99]: connect from unknown[198.51.100.7]',
    '2026-11-30 03:40:13 1kA2bC-000Abc-12 <= alice@example.org H=mail.example.net [198.51.100.7] P=esmtps X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no S=1234',
    '2026-11-30 03:40:13 [1234] 1kA2bC-000Abc-12 => bob@example.com R=dnslookup T=remote_smtp H=mx.example.com [203.0.113.5]',
    'Nov 30 03:40:13 mx sendmail[123]: STARTTLS=client, relay=mx.example.com., version=TLSv1.3, verify=OK',
  ];

  it('its own lines score high, others 0 (no false positive on syslog or Exim lines)', () => {
    const data = ours.filter((l) => !l.startsWith('#'));
    // Outbound lines carry a marker only the SMTP service writes; inbound ones its site name.
    expect(new Set(data.map((l) => `${l.includes('OutboundConnection')}:${sniffExchange2003(l)}`))).toEqual(new Set(['true:1', 'false:0.9']));
    expect(ours.slice(0, 4).map(sniffExchange2003)).toEqual([0.3, 0.1, 0, 0.3]);
    expect(syslog.map(sniffExchange2003)).toEqual([0, 0, 0, 0, 0]);
    expect(modern.map(sniffExchange2003).every((x) => x === 0)).toBe(true);
  });

  it('summed over a file, each Exchange format wins on its own lines', () => {
    const sum = (f: (l: string) => number, lines: string[]): number => lines.reduce((a, l) => a + f(l), 0);
    expect(sum(sniffExchange2003, ours)).toBeGreaterThan(sum(exchangeModule.sniff, ours) + sum(exchangeTrackingModule.sniff, ours));
    expect(sum(exchangeModule.sniff, modern)).toBeGreaterThan(sum(sniffExchange2003, modern));
    const iis = iisFormatLog([outbound()]);
    expect(iis.every((l) => sniffExchange2003(l) === 1)).toBe(true);
  });

  it('the default selection line scores lower than a full one but above 0', () => {
    const lines = exchange2003Log([inbound()], { header: false, fields: IIS_DEFAULT_FIELDS });
    expect(lines.map(sniffExchange2003).every((x) => x === 0.5)).toBe(true);
  });
});

describe('exchange2003: hostile input', () => {
  it('never throws, and every line is used, ignored or malformed', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 300 }), { maxLength: 40 }), (lines) => {
        const sessions: Session[] = [];
        const p = exchange2003Module.create({ session: (s) => sessions.push(s), note: () => {} }, { year: 2026, offsetMinutes: 0 });
        for (const [i, l] of lines.entries()) expect(['used', 'ignored', 'malformed']).toContain(p.line(l, i + 1));
        p.end();
        for (const s of sessions) expect(Value.Check(LogSessionSchema, { ...s, file: '-' })).toBe(true);
      }),
    );
  });

  it('binary, missing columns, huge fields are malformed; the sessions around them survive', () => {
    const good = exchange2003Log([outbound()]);
    const full = good[5]!.split(' ');
    const hostile = [
      '\u0000\u0001\u00ff\ufffd binary \u001b[31m',
      full.slice(0, 10).join(' '),
      [...full, 'extra'].join(' '),
      [...full.slice(0, 2), 'not-an-ip', ...full.slice(3)].join(' '),
      '#Fields:',
      '#Bogus: header',
    ];
    const { sessions, uses } = run([...good.slice(0, 6), ...hostile, ...good.slice(6)]);
    expect(uses.slice(6, 6 + hostile.length)).toEqual(['malformed', 'malformed', 'malformed', 'malformed', 'malformed', 'malformed']);
    expect(sessions).toHaveLength(1);
    expect(sessions[0]!.tls).toEqual(tls({ offered: true, attempted: true, accepted: true }));
  });

  it('a huge query value is kept bounded in the evidence', () => {
    const lines = exchange2003Log([outbound({ starttls: { reply: `454 4.7.0 ${'x'.repeat(15_000)}` } })]);
    const s = run(lines).sessions[0]!;
    expect(s.tls.failure!.length).toBe(500);
    expect(s.lines.every((l) => l.text.length <= 1000)).toBe(true);
  });

  it('five times MAX_OPEN_SESSIONS sessions: at most MAX_OPEN_SESSIONS open, the evicted ones flagged incomplete', () => {
    let open = 0;
    let maxOpen = 0;
    let incomplete = 0;
    let count = 0;
    let opened = 0;
    const parser = exchange2003Module.create(
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
    parser.line('#Fields: date time c-ip cs-username s-computername cs-method cs-uri-query sc-status', 1);
    const N = 5 * MAX_OPEN_SESSIONS;
    for (let i = 0; i < N; i++) {
      const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      // One banner per host and nothing else: every session stays open until evicted.
      parser.line(`2026-11-30 03:40:13 ${ip} OutboundConnectionResponse EXCH01 - 220+mx.example.com+ESMTP 0`, i + 2);
      opened++;
      open++;
      maxOpen = Math.max(maxOpen, open);
    }
    parser.end();
    expect(opened).toBe(N);
    expect(count).toBe(N);
    expect(maxOpen).toBe(MAX_OPEN_SESSIONS);
    expect(incomplete).toBe(N);
  });
});
