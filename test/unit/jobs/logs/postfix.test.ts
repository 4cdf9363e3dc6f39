// Postfix's log lines grouped into sessions: fixtures written in Postfix 3.x's own wording, with our
// own hosts (example.com/.net/.org, 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24).
import { describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { LogSessionSchema } from '../../../../src/core/logs-schema.js';
import { MAX_OPEN_SESSIONS, type LogSession, type ParserSink } from '../../../../src/jobs/logs/model.js';
import { createPostfixParser, endpointAt, libraryReason, postfixModule } from '../../../../src/jobs/logs/postfix.js';

type S = Omit<LogSession, 'file'>;

function run(text: string, opts = { year: 2026, offsetMinutes: 0 }, cap?: number): { sessions: S[]; notes: Map<string, string>; uses: string[] } {
  const sessions: S[] = [];
  const notes = new Map<string, string>();
  const sink: ParserSink = {
    session: (s) => {
      sessions.push(structuredClone(s));
    },
    note: (id, detail) => {
      if (!notes.has(id)) notes.set(id, detail);
    },
  };
  const p = cap === undefined ? postfixModule.create(sink, opts) : createPostfixParser(sink, opts, cap);
  const uses: string[] = [];
  text.split('\n').forEach((l, i) => {
    if (l.length > 0) uses.push(p.line(l, i + 1));
  });
  p.end();
  for (const s of sessions) expect(Value.Check(LogSessionSchema, { ...s, file: 'x' }), JSON.stringify(s)).toBe(true);
  return { sessions, notes, uses };
}

const lines = (...l: string[]): string => l.join('\n');

describe('postfix smtpd (inbound)', () => {
  const tls = lines(
    'Nov 30 03:40:10 mx1 postfix/smtpd[4101]: connect from mail.example.org[198.51.100.7]',
    'Nov 30 03:40:10 mx1 postfix/smtpd[4101]: Anonymous TLS connection established from mail.example.org[198.51.100.7]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256',
    'Nov 30 03:40:11 mx1 postfix/smtpd[4101]: 4dL9Xk1ZbQz9sWb: client=mail.example.org[198.51.100.7]',
    'Nov 30 03:40:11 mx1 postfix/cleanup[4107]: 4dL9Xk1ZbQz9sWb: message-id=<20261130.1@example.org>',
    'Nov 30 03:40:11 mx1 postfix/smtpd[4101]: disconnect from mail.example.org[198.51.100.7] ehlo=2 starttls=1 mail=1 rcpt=1 data=1 quit=1 commands=7',
    'Nov 30 03:40:11 mx1 postfix/qmgr[977]: 4dL9Xk1ZbQz9sWb: from=<alice@Example.ORG>, size=2231, nrcpt=1 (queue active)',
  );

  it('reads a TLS session with its handshake line, counters and the sender domain from qmgr after the disconnect', () => {
    const { sessions } = run(tls);
    expect(sessions).toHaveLength(1);
    const s = sessions[0]!;
    expect(s).toMatchObject({ direction: 'inbound', key: 'postfix/smtpd[4101]', localHost: 'mx1', remoteHost: 'mail.example.org', remoteIp: '198.51.100.7', evidence: 'handshake', messages: 1, queueIds: ['4dL9Xk1ZbQz9sWb'], domains: ['example.org'], incomplete: false });
    expect(s.tls).toMatchObject({ attempted: true, accepted: true, negotiated: true, protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', verify: 'anonymous', failure: null });
    expect(s.start).toBe(Date.UTC(2026, 10, 30, 3, 40, 10));
    expect(s.end).toBe(Date.UTC(2026, 10, 30, 3, 40, 11));
    // the lines that decide: the handshake and the counters (connect and client= only open and count)
    expect(s.lines.map((l) => l.line)).toEqual([2, 5]);
  });

  it('at smtpd_tls_loglevel 0 the counters tell: starttls=1 is negotiated, evidence counters', () => {
    const { sessions } = run(lines(
      'Nov 30 03:41:00 mx1 postfix/smtpd[4102]: connect from out.example.net[203.0.113.9]',
      'Nov 30 03:41:01 mx1 postfix/smtpd[4102]: 7A1B2C3D4E: client=out.example.net[203.0.113.9]',
      'Nov 30 03:41:01 mx1 postfix/smtpd[4102]: disconnect from out.example.net[203.0.113.9] ehlo=2 starttls=1 mail=1 rcpt=1 data=1 quit=1 commands=7',
    ));
    expect(sessions[0]).toMatchObject({ evidence: 'counters', tls: { attempted: true, negotiated: true, protocol: null, cipher: null } });
  });

  it('starttls=0/1 is an attempt that failed; no starttls counter is clear text', () => {
    const { sessions } = run(lines(
      'Nov 30 03:42:00 mx1 postfix/smtpd[4103]: connect from unknown[203.0.113.50]',
      'Nov 30 03:42:02 mx1 postfix/smtpd[4103]: disconnect from unknown[203.0.113.50] ehlo=1 starttls=0/1 commands=1/2',
      'Nov 30 03:42:03 mx1 postfix/smtpd[4104]: connect from relay.example.com[192.0.2.44]',
      'Nov 30 03:42:03 mx1 postfix/smtpd[4104]: 5F00AA11BB: client=relay.example.com[192.0.2.44]',
      'Nov 30 03:42:04 mx1 postfix/smtpd[4104]: disconnect from relay.example.com[192.0.2.44] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5',
    ));
    expect(sessions[0]).toMatchObject({ remoteIp: '203.0.113.50', evidence: 'counters', tls: { attempted: true, negotiated: false, failure: 'starttls=0/1' } });
    expect(sessions[1]).toMatchObject({ remoteIp: '192.0.2.44', evidence: 'counters', tls: { attempted: false, negotiated: false, failure: null } });
  });

  it('STARTTLS refused (starttls=0/1) and the mail taken on the same connection: it went in clear (clearRetry)', () => {
    const { sessions } = run(lines(
      'Nov 30 03:42:10 mx1 postfix/smtpd[4110]: connect from out.example.org[198.51.100.61]',
      'Nov 30 03:42:11 mx1 postfix/smtpd[4110]: 7A11BB22CC: client=out.example.org[198.51.100.61]',
      'Nov 30 03:42:12 mx1 postfix/smtpd[4110]: disconnect from out.example.org[198.51.100.61] ehlo=1 starttls=0/1 mail=1 rcpt=1 data=1 quit=1 commands=5/6',
      'Nov 30 03:42:13 mx1 postfix/smtpd[4111]: connect from scanner.example.net[203.0.113.51]',
      'Nov 30 03:42:14 mx1 postfix/smtpd[4111]: disconnect from scanner.example.net[203.0.113.51] ehlo=1 starttls=0/1 quit=1 commands=2/3',
    ));
    expect(sessions[0]).toMatchObject({ remoteIp: '198.51.100.61', tls: { attempted: true, negotiated: false, clearRetry: true } });
    expect(sessions[1]).toMatchObject({ remoteIp: '203.0.113.51', tls: { attempted: true, negotiated: false, clearRetry: false } });
  });

  it('a failure that says only "-1" gets OpenSSL\'s reason from the library line after it, inbound and outbound', () => {
    expect(libraryReason('warning: TLS library problem: error:0A00042E:SSL routines::tlsv1 alert protocol version:../ssl/record/rec_layer_s3.c:1601:SSL alert number 70:')).toBe('tlsv1 alert protocol version');
    expect(libraryReason('warning: TLS library problem: something else')).toBeNull();
    const { sessions } = run(lines(
      'Nov 30 03:44:00 mx1 postfix/smtpd[4120]: connect from unknown[203.0.113.90]',
      'Nov 30 03:44:00 mx1 postfix/smtpd[4120]: SSL_accept error from unknown[203.0.113.90]: -1',
      'Nov 30 03:44:00 mx1 postfix/smtpd[4120]: warning: TLS library problem: error:0A000102:SSL routines::unsupported protocol:../ssl/statem/statem_srvr.c:1664:',
      'Nov 30 03:44:00 mx1 postfix/smtpd[4120]: disconnect from unknown[203.0.113.90] ehlo=1 starttls=0/1 commands=1/2',
      'Nov 30 03:44:01 mx1 postfix/smtp[4121]: SSL_connect error to mx.example.org[198.51.100.90]:25: -1',
      'Nov 30 03:44:01 mx1 postfix/smtp[4121]: warning: TLS library problem: error:0A00042E:SSL routines::tlsv1 alert protocol version:../ssl/record/rec_layer_s3.c:1601:SSL alert number 70:',
      'Nov 30 03:44:01 mx1 postfix/smtp[4121]: 8E7F6D5C4B: to=<x@example.org>, relay=mx.example.org[198.51.100.90]:25, delay=0.1, delays=0/0/0/0, dsn=4.7.5, status=deferred (Cannot start TLS: handshake failure)',
    ));
    expect(sessions.find((x) => x.direction === 'inbound')!.tls.failure).toBe('SSL_accept error from unknown[203.0.113.90]: -1 (unsupported protocol)');
    expect(sessions.find((x) => x.direction === 'outbound')!.tls.failure).toBe('SSL_connect error to mx.example.org[198.51.100.90]:25: -1 (tlsv1 alert protocol version)');
  });

  it('a failed handshake: SSL_accept error, the library problem and lost connection after STARTTLS', () => {
    const { sessions } = run(lines(
      'Nov 30 03:43:00 mx1 postfix/smtpd[4105]: connect from scanner.example.net[203.0.113.77]',
      'Nov 30 03:43:00 mx1 postfix/smtpd[4105]: SSL_accept error from scanner.example.net[203.0.113.77]: -1',
      'Nov 30 03:43:00 mx1 postfix/smtpd[4105]: warning: TLS library problem: error:0A000076:SSL routines::no suitable signature algorithm:../ssl/t1_lib.c:3330:',
      'Nov 30 03:43:00 mx1 postfix/smtpd[4105]: lost connection after STARTTLS from scanner.example.net[203.0.113.77]',
      'Nov 30 03:43:00 mx1 postfix/smtpd[4105]: disconnect from scanner.example.net[203.0.113.77] ehlo=1 starttls=0/1 commands=1/2',
    ));
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ evidence: 'counters', tls: { attempted: true, accepted: true, negotiated: false, failure: 'SSL_accept error from scanner.example.net[203.0.113.77]: -1 (no suitable signature algorithm)' } });
    expect(sessions[0]!.lines.map((l) => l.line)).toEqual([2, 3, 4, 5]);
  });

  it('NOQUEUE reject: status rejected, dsn, the sender domain of the reject line', () => {
    const { sessions } = run(lines(
      'Nov 30 03:44:00 mx1 postfix/smtpd[4106]: connect from bad.example.net[203.0.113.66]',
      'Nov 30 03:44:01 mx1 postfix/smtpd[4106]: NOQUEUE: reject: RCPT from bad.example.net[203.0.113.66]: 554 5.7.1 <x@example.com>: Relay access denied; from=<spam@Example.NET> to=<x@example.com> proto=ESMTP helo=<bad.example.net>',
      'Nov 30 03:44:01 mx1 postfix/smtpd[4106]: disconnect from bad.example.net[203.0.113.66] ehlo=1 mail=1 rcpt=0/1 quit=1 commands=3/4',
    ));
    expect(sessions[0]).toMatchObject({ status: 'rejected', dsn: '5.7.1', domains: ['example.net'], messages: 0 });
  });

  it('"Must issue a STARTTLS command first" says the client did not try', () => {
    const { sessions } = run(lines(
      'Nov 30 03:44:10 mx1 postfix/submission/smtpd[4120]: connect from laptop.example.com[192.0.2.80]',
      'Nov 30 03:44:10 mx1 postfix/submission/smtpd[4120]: NOQUEUE: reject: MAIL from laptop.example.com[192.0.2.80]: 530 5.7.0 Must issue a STARTTLS command first; proto=ESMTP helo=<laptop>',
    ));
    expect(sessions[0]).toMatchObject({ key: 'postfix/submission/smtpd[4120]', status: 'rejected', dsn: '5.7.0', incomplete: true, tls: { attempted: false, negotiated: false } });
  });

  it('without counters (Postfix 2.x) and without TLS lines: unknown, and a note', () => {
    const { sessions, notes } = run(lines(
      'Nov 30 03:45:00 mx1 postfix/smtpd[4107]: connect from old.example.org[198.51.100.20]',
      'Nov 30 03:45:00 mx1 postfix/smtpd[4107]: disconnect from old.example.org[198.51.100.20]',
    ));
    expect(sessions[0]).toMatchObject({ evidence: 'none', tls: { negotiated: null, attempted: null }, incomplete: false });
    expect(notes.has('postfix-smtpd-no-counters')).toBe(true);
  });

  it('a connect on the same process before a disconnect hands the first over incomplete', () => {
    const { sessions } = run(lines(
      'Nov 30 03:46:00 mx1 postfix/smtpd[4108]: connect from a.example.org[198.51.100.1]',
      'Nov 30 03:46:05 mx1 postfix/smtpd[4108]: connect from b.example.org[198.51.100.2]',
      'Nov 30 03:46:06 mx1 postfix/smtpd[4108]: disconnect from b.example.org[198.51.100.2] ehlo=1 quit=1 commands=2',
    ));
    expect(sessions.map((s) => [s.remoteIp, s.incomplete])).toEqual([['198.51.100.1', true], ['198.51.100.2', false]]);
  });

  it('keeps sessions apart by syslog host in a central log', () => {
    const { sessions } = run(lines(
      'Nov 30 03:47:00 mx1 postfix/smtpd[500]: connect from a.example.org[198.51.100.1]',
      'Nov 30 03:47:00 mx2 postfix/smtpd[500]: connect from b.example.org[198.51.100.2]',
      'Nov 30 03:47:01 mx2 postfix/smtpd[500]: Anonymous TLS connection established from b.example.org[198.51.100.2]: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)',
      'Nov 30 03:47:02 mx1 postfix/smtpd[500]: disconnect from a.example.org[198.51.100.1] ehlo=1 quit=1 commands=2',
      'Nov 30 03:47:02 mx2 postfix/smtpd[500]: disconnect from b.example.org[198.51.100.2] ehlo=2 starttls=1 quit=1 commands=4',
    ));
    const byHost = Object.fromEntries(sessions.map((s) => [s.localHost, s]));
    expect(byHost.mx1).toMatchObject({ remoteIp: '198.51.100.1', tls: { negotiated: false } });
    expect(byHost.mx2).toMatchObject({ remoteIp: '198.51.100.2', evidence: 'handshake', tls: { protocol: 'TLSv1.2' } });
  });

  it('implicit TLS on a wrapper-mode service (smtps/smtpd)', () => {
    const { sessions } = run(lines(
      'Nov 30 03:48:00 mx1 postfix/smtps/smtpd[4130]: connect from phone.example.com[192.0.2.90]',
      'Nov 30 03:48:00 mx1 postfix/smtps/smtpd[4130]: Anonymous TLS connection established from phone.example.com[192.0.2.90]: TLSv1.3 with cipher TLS_AES_128_GCM_SHA256 (128/128 bits)',
      'Nov 30 03:48:02 mx1 postfix/smtps/smtpd[4130]: disconnect from phone.example.com[192.0.2.90] ehlo=1 auth=1 quit=1 commands=3',
    ));
    expect(sessions[0]!.tls).toMatchObject({ implicit: true, attempted: true, negotiated: true });
  });

  it('a postscreen reject is a session of its own', () => {
    const { sessions } = run('Nov 30 03:49:00 mx1 postfix/postscreen[300]: NOQUEUE: reject: RCPT from [203.0.113.13]:40112: 550 5.7.1 Service unavailable; client [203.0.113.13] blocked using zen.example.org; from=<a@example.net>, to=<b@example.com>, proto=ESMTP, helo=<x>');
    expect(sessions[0]).toMatchObject({ direction: 'inbound', status: 'rejected', remoteIp: '203.0.113.13', remotePort: 40112, dsn: '5.7.1', incomplete: false });
  });
});

describe('postfix smtp (outbound)', () => {
  const tlsThenTwo = lines(
    'Nov 30 04:00:00 mx1 postfix/smtp[5201]: Verified TLS connection established to mx.example.net[203.0.113.25]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature ECDSA (P-256) server-digest SHA256',
    'Nov 30 04:00:01 mx1 postfix/smtp[5201]: 9C1D2E3F40: to=<bob@example.net>, relay=mx.example.net[203.0.113.25]:25, delay=0.9, delays=0.01/0/0.6/0.29, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 4dQ)',
    'Nov 30 04:00:01 mx1 postfix/smtp[5201]: 9C1D2E3F40: to=<carol@EXAMPLE.net>, relay=mx.example.net[203.0.113.25]:25, delay=0.9, delays=0.01/0/0.6/0.29, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 4dQ)',
    'Nov 30 04:00:02 mx1 postfix/smtp[5201]: A1A2A3A4A5: to=<dan@example.net>, relay=mx.example.net[203.0.113.25]:25, conn_use=2, delay=0.2, delays=0.01/0/0/0.19, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 4dR)',
  );

  it('one TLS line covers the deliveries that follow on its connection, cached reuse included', () => {
    const { sessions, notes } = run(tlsThenTwo);
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ direction: 'outbound', key: 'postfix/smtp[5201]', remoteHost: 'mx.example.net', remoteIp: '203.0.113.25', remotePort: 25, evidence: 'handshake', messages: 2, queueIds: ['9C1D2E3F40', 'A1A2A3A4A5'], domains: ['example.net'], status: 'sent', dsn: '2.0.0', incomplete: false });
    expect(sessions[0]!.tls).toMatchObject({ negotiated: true, verify: 'verified', protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' });
    expect(notes.size).toBe(0);
  });

  it('conn_use=2 in another smtp process joins the session that opened the connection', () => {
    const { sessions } = run(lines(
      'Nov 30 04:01:00 mx1 postfix/smtp[5301]: Trusted TLS connection established to mx.example.org[198.51.100.25]:25: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)',
      'Nov 30 04:01:01 mx1 postfix/smtp[5301]: B0B0B0B0B1: to=<e@example.org>, relay=mx.example.org[198.51.100.25]:25, delay=1, delays=0/0/0.5/0.5, dsn=2.0.0, status=sent (250 ok)',
      'Nov 30 04:01:02 mx1 postfix/smtp[5302]: B0B0B0B0B2: to=<f@example.org>, relay=mx.example.org[198.51.100.25]:25, conn_use=2, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (250 ok)',
      'Nov 30 04:01:03 mx1 postfix/smtp[5303]: B0B0B0B0B3: to=<g@example.org>, relay=mx.example.org[198.51.100.25]:25, conn_use=3, delay=0.1, delays=0/0/0/0.1, dsn=4.2.0, status=deferred (host mx.example.org[198.51.100.25] said: 450 4.2.0 try later (in reply to RCPT TO command))',
    ));
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ messages: 3, status: 'deferred', dsn: '4.2.0', tls: { verify: 'trusted', negotiated: true } });
  });

  it('conn_use=2 with no session to that relay in the input: TLS unknown, evidence none', () => {
    const { sessions } = run(lines(
      'Nov 30 04:02:00 mx1 postfix/smtp[5401]: Trusted TLS connection established to mx.example.org[198.51.100.25]:25: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)',
      'Nov 30 04:02:00 mx1 postfix/smtp[5401]: C0C0C0C0C1: to=<e@example.org>, relay=mx.example.org[198.51.100.25]:25, delay=1, delays=0/0/0.5/0.5, dsn=2.0.0, status=sent (250 ok)',
      'Nov 30 04:02:01 mx1 postfix/smtp[5402]: C0C0C0C0C2: to=<h@example.com>, relay=mx.example.com[192.0.2.25]:25, conn_use=4, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (250 ok)',
    ));
    const reused = sessions.find((s) => s.remoteIp === '192.0.2.25')!;
    expect(reused).toMatchObject({ evidence: 'none', tls: { negotiated: null } });
  });

  it('a cached connection idle past the reuse limit is not joined', () => {
    const { sessions } = run(lines(
      'Nov 30 04:03:00 mx1 postfix/smtp[5501]: Trusted TLS connection established to mx.example.org[198.51.100.25]:25: TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)',
      'Nov 30 04:03:00 mx1 postfix/smtp[5501]: D0D0D0D0D1: to=<e@example.org>, relay=mx.example.org[198.51.100.25]:25, delay=1, delays=0/0/0.5/0.5, dsn=2.0.0, status=sent (250 ok)',
      'Nov 30 04:20:00 mx1 postfix/smtp[5502]: D0D0D0D0D2: to=<e@example.org>, relay=mx.example.org[198.51.100.25]:25, conn_use=2, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (250 ok)',
    ));
    expect(sessions).toHaveLength(2);
    expect(sessions[1]).toMatchObject({ evidence: 'none', messages: 1 });
  });

  it('with smtp TLS lines in the input, a fresh connection without one is clear text', () => {
    const { sessions } = run(lines(
      tlsThenTwo,
      'Nov 30 04:05:00 mx1 postfix/smtp[5202]: E1E2E3E4E5: to=<ann@example.com>, relay=mail.example.com[192.0.2.30]:25, delay=0.5, delays=0.01/0/0.3/0.19, dsn=2.0.0, status=sent (250 2.0.0 Ok)',
    ));
    const clear = sessions.find((s) => s.remoteIp === '192.0.2.30')!;
    expect(clear).toMatchObject({ evidence: 'handshake', tls: { negotiated: false, clearRetry: false }, domains: ['example.com'] });
  });

  it('at smtp_tls_loglevel 0 (no smtp TLS line at all): evidence none, and the note once', () => {
    const { sessions, notes } = run(lines(
      'Nov 30 04:06:00 mx1 postfix/smtp[5601]: F1F2F3F4F5: to=<ann@example.com>, relay=mail.example.com[192.0.2.30]:25, delay=0.5, delays=0.01/0/0.3/0.19, dsn=2.0.0, status=sent (250 2.0.0 Ok)',
      'Nov 30 04:06:01 mx1 postfix/smtp[5602]: F1F2F3F4F6: to=<bo@example.org>, relay=mail.example.org[198.51.100.30]:25, delay=0.5, delays=0.01/0/0.3/0.19, dsn=2.0.0, status=sent (250 2.0.0 Ok)',
    ));
    expect(sessions).toHaveLength(2);
    for (const s of sessions) expect(s).toMatchObject({ evidence: 'none', tls: { negotiated: null } });
    expect([...notes.keys()]).toEqual(['postfix-smtp-loglevel-0']);
  });

  it('a new queue id without conn_use on the same process is a new connection', () => {
    const { sessions } = run(lines(
      tlsThenTwo,
      'Nov 30 04:00:09 mx1 postfix/smtp[5201]: A9A9A9A9A9: to=<zed@example.net>, relay=mx.example.net[203.0.113.25]:25, delay=0.9, delays=0.01/0/0.6/0.29, dsn=2.0.0, status=sent (250 ok)',
    ));
    expect(sessions).toHaveLength(2);
    expect(sessions.find((s) => s.queueIds.includes('A9A9A9A9A9'))!.tls.negotiated).toBe(false);
  });

  it('a failed handshake, then the same message delivered to the same relay in clear text: clearRetry', () => {
    const { sessions } = run(lines(
      'Nov 30 04:07:00 mx1 postfix/smtp[5701]: SSL_connect error to mx.example.org[198.51.100.40]:25: -1',
      'Nov 30 04:07:00 mx1 postfix/smtp[5701]: warning: TLS library problem: error:0A000410:SSL routines::sslv3 alert handshake failure:../ssl/record/rec_layer_s3.c:1584:SSL alert number 40:',
      'Nov 30 04:07:00 mx1 postfix/smtp[5701]: 1A2B3C4D5E: Cannot start TLS: handshake failure',
      'Nov 30 04:07:01 mx1 postfix/smtp[5701]: 1A2B3C4D5E: to=<ops@example.org>, relay=mx.example.org[198.51.100.40]:25, delay=1.2, delays=0.01/0/1/0.2, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 99)',
    ));
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ evidence: 'handshake', status: 'sent', messages: 1, domains: ['example.org'], tls: { attempted: true, negotiated: false, clearRetry: true, failure: 'SSL_connect error to mx.example.org[198.51.100.40]:25: -1 (sslv3 alert handshake failure)' } });
    expect(sessions[0]!.lines).toHaveLength(4);
  });

  it('a failed handshake at the last server is deferred with that failure: no clear retry', () => {
    const { sessions } = run(lines(
      'Nov 30 04:08:00 mx1 postfix/smtp[5801]: SSL_connect error to mx.example.org[198.51.100.40]:25: Connection reset by peer',
      'Nov 30 04:08:00 mx1 postfix/smtp[5801]: 2A2B2C2D2E: to=<ops@example.org>, relay=mx.example.org[198.51.100.40]:25, delay=1.2, delays=0.01/0/1/0, dsn=4.7.5, status=deferred (Cannot start TLS: handshake failure)',
    ));
    expect(sessions[0]).toMatchObject({ status: 'deferred', dsn: '4.7.5', tls: { negotiated: false, clearRetry: false } });
  });

  it('TLS required but not offered', () => {
    const { sessions } = run(lines(
      'Nov 30 04:09:00 mx1 postfix/smtp[5901]: 3A3B3C3D3E: to=<x@example.com>, relay=mail.example.com[192.0.2.30]:25, delay=0.3, delays=0/0/0.3/0, dsn=4.7.4, status=deferred (TLS is required, but was not offered by host mail.example.com[192.0.2.30])',
    ));
    expect(sessions[0]!.tls).toMatchObject({ offered: false, attempted: false, negotiated: false, failure: 'TLS is required, but was not offered by host mail.example.com[192.0.2.30]' });
    expect(sessions[0]!.evidence).toBe('handshake');
  });

  it('a verification failure logged during the handshake stays with the connection it belongs to', () => {
    const { sessions } = run(lines(
      'Nov 30 04:10:00 mx1 postfix/smtp[6001]: certificate verification failed for mx.example.net[203.0.113.25]:25: untrusted issuer /CN=Example Test CA',
      'Nov 30 04:10:00 mx1 postfix/smtp[6001]: Untrusted TLS connection established to mx.example.net[203.0.113.25]:25: TLSv1.2 with cipher ECDHE-RSA-AES128-GCM-SHA256 (128/128 bits)',
      'Nov 30 04:10:00 mx1 postfix/smtp[6001]: 4A4B4C4D4E: to=<x@example.net>, relay=mx.example.net[203.0.113.25]:25, delay=0.3, delays=0/0/0.3/0, dsn=4.7.5, status=deferred (Server certificate not verified)',
    ));
    expect(sessions).toHaveLength(1);
    expect(sessions[0]!.tls).toMatchObject({ verify: 'untrusted', negotiated: true, failure: 'Server certificate not verified' });
    expect(sessions[0]!.lines[0]!.line).toBe(1);
  });

  it('relay=none (no connection made) is no session; lmtp and other programs are ignored', () => {
    const { sessions, uses } = run(lines(
      'Nov 30 04:11:00 mx1 postfix/smtp[6101]: 5A5B5C5D5E: to=<x@example.com>, relay=none, delay=30, delays=0/0/30/0, dsn=4.4.1, status=deferred (connect to mail.example.com[192.0.2.30]:25: Connection timed out)',
      'Nov 30 04:11:01 mx1 postfix/lmtp[6102]: 5A5B5C5D5F: to=<y@example.com>, relay=mail.example.com[private/dovecot-lmtp], delay=0.1, dsn=2.0.0, status=sent (250 2.0.0 ok)',
      'Nov 30 04:11:02 mx1 dovecot: imap-login: Login: user=<y@example.com>',
    ));
    expect(sessions).toHaveLength(0);
    expect(uses).toEqual(['ignored', 'ignored', 'ignored']);
  });

  it('multi-instance names (postfix-out/smtp)', () => {
    const { sessions } = run('Nov 30 04:12:00 mx1 postfix-out/smtp[6201]: Anonymous TLS connection established to mx.example.net[203.0.113.25]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)');
    expect(sessions[0]).toMatchObject({ key: 'postfix-out/smtp[6201]', incomplete: true, tls: { verify: 'anonymous' } });
  });
});

describe('postfix: time stamps and hostile input', () => {
  it('rolls the year over when December turns to January', () => {
    const { sessions } = run(lines(
      'Dec 31 23:59:59 mx1 postfix/smtpd[1]: connect from a.example.org[198.51.100.1]',
      'Dec 31 23:59:59 mx1 postfix/smtpd[1]: disconnect from a.example.org[198.51.100.1] ehlo=1 quit=1 commands=2',
      'Jan  1 00:00:01 mx1 postfix/smtpd[2]: connect from b.example.org[198.51.100.2]',
      'Jan  1 00:00:02 mx1 postfix/smtpd[2]: disconnect from b.example.org[198.51.100.2] ehlo=1 quit=1 commands=2',
    ), { year: 2025, offsetMinutes: 60 });
    expect(sessions[0]!.start).toBe(Date.UTC(2025, 11, 31, 22, 59, 59));
    expect(sessions[1]!.start).toBe(Date.UTC(2025, 11, 31, 23, 0, 1));
  });

  it('reads RFC 3339 stamps', () => {
    const { sessions } = run(lines(
      '2026-11-30T03:40:13.123456+01:00 mx1 postfix/smtpd[7]: connect from a.example.org[198.51.100.1]',
      '2026-11-30T03:40:14.5+01:00 mx1 postfix/smtpd[7]: disconnect from a.example.org[198.51.100.1] ehlo=1 quit=1 commands=2',
    ));
    expect(sessions[0]!.start).toBe(Date.UTC(2026, 10, 30, 2, 40, 13, 123));
    expect(sessions[0]!.end).toBe(Date.UTC(2026, 10, 30, 2, 40, 14, 500));
  });

  it('never throws on damaged lines and calls them malformed', () => {
    const p = postfixModule.create({ session: () => undefined, note: () => undefined }, { year: 2026, offsetMinutes: 0 });
    const bad = [
      '', 'Nov', 'Nov 30 03:40:13', 'Nov 30 03:40:13 mx1', 'Nov 30 03:40:13 mx1 postfix/smtpd[',
      'Nov 30 03:40:13 mx1 postfix/smtpd[12]: connect from ', 'Nov 30 03:40:13 mx1 postfix/smtp[12]: Trusted TLS connection established to ',
      'Nov 30 03:40:13 mx1 postfix/smtp[12]: ABCDEF1234: to=<', 'Nov 30 03:40:13 mx1 postfix/smtp[12]: ABCDEF1234: to=<a@b>, relay=x[', '\u0000\u0001\uffff'.repeat(5000),
      'Nov 30 03:40:13 mx1 postfix/smtpd[12]: disconnect from x[1] starttls=', 'Nov 30 03:40:13 mx1 postfix/smtpd[12]: disconnect from x[1] starttls=9999999999999/ commands=1',
      `Nov 30 03:40:13 mx1 postfix/smtp[12]: ABCDEF1234: to=<${'a'.repeat(16000)}@example.com>, relay=${'b'.repeat(300)}[192.0.2.1]:25, status=sent`,
    ];
    for (const l of bad) expect(() => p.line(l, 1)).not.toThrow();
    expect(p.line('Nov', 1)).toBe('malformed');
    expect(p.line('garbage with no prefix at all', 2)).toBe('malformed');
    expect(() => p.end()).not.toThrow();
  });

  it('keeps open sessions under the cap: a flood of connects hands the oldest over incomplete', () => {
    const cap = 50;
    let handed = 0;
    let incomplete = 0;
    let maxOpen = 0;
    const sink: ParserSink = {
      session: (s) => {
        handed++;
        if (s.incomplete) incomplete++;
      },
      note: () => undefined,
    };
    const p = createPostfixParser(sink, { year: 2026, offsetMinutes: 0 }, cap);
    for (let i = 1; i <= 5000; i++) {
      p.line(`Nov 30 03:40:13 mx1 postfix/smtpd[${i}]: connect from h${i}.example.org[198.51.100.${i % 250}]`, i);
      maxOpen = Math.max(maxOpen, i - handed);
    }
    expect(maxOpen).toBe(cap);
    expect(incomplete).toBe(5000 - cap);
    p.end();
    expect(handed).toBe(5000);
  });

  it('a million deliveries over one cached connection stay one bounded session', () => {
    const out: S[] = [];
    const p = postfixModule.create({ session: (s) => out.push(s), note: () => undefined }, { year: 2026, offsetMinutes: 0 });
    p.line('Nov 30 03:40:13 mx1 postfix/smtp[99]: Trusted TLS connection established to mx.example.net[203.0.113.25]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)', 1);
    for (let i = 0; i < 1_000_000; i++) {
      p.line(`Nov 30 03:40:13 mx1 postfix/smtp[99]: Q${(i + 100000).toString(16).toUpperCase()}X: to=<u${i}@d${i % 100}.example.net>, relay=mx.example.net[203.0.113.25]:25, conn_use=${i + 2}, delay=0.1, dsn=2.0.0, status=sent (250 ok)`, i + 2);
    }
    p.end();
    expect(out).toHaveLength(1);
    expect(out[0]!.messages).toBe(1_000_000);
    expect(out[0]!.queueIds).toHaveLength(32);
    expect(out[0]!.domains).toHaveLength(16);
    expect(out[0]!.lines).toHaveLength(8);
  });

  it('the cap in production is MAX_OPEN_SESSIONS', () => {
    expect(MAX_OPEN_SESSIONS).toBeGreaterThan(100);
  });
});

describe('postfix helpers', () => {
  it('endpointAt reads name[ip]:port and name[ipv6]', () => {
    expect(endpointAt('x mx.example.net[203.0.113.25]:25: y', 2)).toMatchObject({ host: 'mx.example.net', ip: '203.0.113.25', port: 25 });
    expect(endpointAt('unknown[2001:db8::1]', 0)).toMatchObject({ host: 'unknown', ip: '2001:db8::1', port: null });
    expect(endpointAt('no bracket here', 0)).toBeNull();
  });

  it('sniff: 1 for postfix lines, 0 for Exim, Sendmail and others', () => {
    expect(postfixModule.sniff('Nov 30 03:40:13 mx1 postfix/smtpd[4101]: connect from a.example.org[198.51.100.7]')).toBe(1);
    expect(postfixModule.sniff('2026-11-30T03:40:13.1+00:00 mx1 postfix-out/smtp[1]: x')).toBe(1);
    expect(postfixModule.sniff('2026-11-30 03:40:13 1tABcd-000AbC-Xy <= a@example.org H=(x) [192.0.2.1] P=esmtp S=1')).toBe(0);
    expect(postfixModule.sniff('Nov 30 03:40:13 mx1 sm-mta[123]: 2AUE3qAB012345: from=<a@example.org>, size=1, class=0')).toBe(0);
    expect(postfixModule.sniff('Nov 30 03:40:13 mx1 postfix: a postfix mention with no service')).toBe(0);
  });
});
