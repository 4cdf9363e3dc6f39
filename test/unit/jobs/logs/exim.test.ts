// Exim's main log as sessions: fixtures in Exim 4.9x's own wording, with our own hosts.
import { describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { LogSessionSchema } from '../../../../src/core/logs-schema.js';
import type { LogSession, ParserSink } from '../../../../src/jobs/logs/model.js';
import { createEximParser, eximFields, eximHost, eximModule, messageIdLength } from '../../../../src/jobs/logs/exim.js';
import { postfixModule } from '../../../../src/jobs/logs/postfix.js';

type S = Omit<LogSession, 'file'>;

function run(text: string, opts = { year: 2026, offsetMinutes: 0 }): { sessions: S[]; uses: string[] } {
  const sessions: S[] = [];
  const sink: ParserSink = { session: (s) => sessions.push(structuredClone(s)), note: () => undefined };
  const p = eximModule.create(sink, opts);
  const uses: string[] = [];
  text.split('\n').forEach((l, i) => {
    if (l.length > 0) uses.push(p.line(l, i + 1));
  });
  p.end();
  for (const s of sessions) expect(Value.Check(LogSessionSchema, { ...s, file: 'x' }), JSON.stringify(s)).toBe(true);
  return { sessions, uses };
}
const lines = (...l: string[]): string => l.join('\n');

describe('exim arrivals (inbound)', () => {
  it('an arrival over TLS: X=, CV=no, DN, the sender domain, the message id as key', () => {
    const { sessions } = run('2026-11-30 03:40:13 1tXyZa-000AbC-Q1 <= alice@Example.org H=mail.example.org (helo.example.org) [198.51.100.7]:41234 I=[192.0.2.5]:25 P=esmtps X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no DN="CN=mail.example.org" SNI=mx.example.com S=2345 id=abc1@example.org');
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ direction: 'inbound', key: '1tXyZa-000AbC-Q1', remoteHost: 'mail.example.org', remoteIp: '198.51.100.7', remotePort: 41234, domains: ['example.org'], queueIds: ['1tXyZa-000AbC-Q1'], messages: 1, evidence: 'handshake', start: Date.UTC(2026, 10, 30, 3, 40, 13) });
    expect(sessions[0]!.tls).toMatchObject({ negotiated: true, protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', verify: 'untrusted', peer: 'CN=mail.example.org', implicit: false });
  });

  it('an arrival in clear text (P=esmtp, no X=) and one with only a helo name', () => {
    const { sessions } = run(lines(
      '2026-11-30 03:41:00 1tXyZb-000AbC-Q2 <= bob@example.net H=(laptop) [203.0.113.9]:50000 I=[192.0.2.5]:25 P=esmtp S=900',
      '2026-11-30 03:41:01 1tXyZc-000AbC-Q3 <= <> H=[203.0.113.10] P=smtp S=900',
    ));
    expect(sessions[0]).toMatchObject({ remoteHost: null, remoteIp: '203.0.113.9', evidence: 'handshake', tls: { negotiated: false } });
    expect(sessions[1]).toMatchObject({ remoteIp: '203.0.113.10', domains: [], evidence: 'dialogue', tls: { negotiated: false } });
  });

  it('P=esmtps without X= (tls_cipher not logged) is TLS by the protocol name; port 465 is implicit', () => {
    const { sessions } = run('2026-11-30 03:41:00 1tXyZd-000AbC-Q4 <= c@example.com H=phone.example.com [192.0.2.90]:50001 I=[192.0.2.5]:465 P=esmtpsa A=plain:c S=900');
    expect(sessions[0]).toMatchObject({ evidence: 'dialogue', tls: { negotiated: true, implicit: true } });
  });

  it('local submissions and bounces are no SMTP session; *> is ignored', () => {
    const { sessions, uses } = run(lines(
      '2026-11-30 03:42:00 1tXyZe-000AbC-Q5 <= <> R=1tXyZa-000AbC-Q1 U=Debian-exim P=local S=1500',
      '2026-11-30 03:42:00 1tXyZe-000AbC-Q5 => root <root@mx.example.com> R=local_user T=mail_spool',
      '2026-11-30 03:42:00 1tXyZe-000AbC-Q5 *> x@example.net R=dnslookup T=remote_smtp H=mx.example.net [203.0.113.25]',
      '2026-11-30 03:42:00 1tXyZe-000AbC-Q5 Completed',
    ));
    expect(sessions).toHaveLength(0);
    expect(uses).toEqual(['ignored', 'ignored', 'ignored', 'ignored']);
  });
});

describe('exim deliveries (outbound)', () => {
  it('=> over verified TLS with "->" of the same message and host joining it', () => {
    const { sessions } = run(lines(
      '2026-11-30 04:00:01 1tXyZf-000AbC-Q6 => dan@example.net R=dnslookup T=remote_smtp H=mx.example.net [203.0.113.25] X=TLS1.2:ECDHE_RSA_AES_256_GCM_SHA384:256 CV=yes DN="C=XX,O=Example,CN=mx.example.net" C="250 2.0.0 Ok: queued as 4dQ"',
      '2026-11-30 04:00:01 1tXyZf-000AbC-Q6 -> eve@sub.example.net R=dnslookup T=remote_smtp H=mx.example.net [203.0.113.25] X=TLS1.2:ECDHE_RSA_AES_256_GCM_SHA384:256 CV=yes DN="C=XX,O=Example,CN=mx.example.net" C="250 2.0.0 Ok: queued as 4dQ"',
      '2026-11-30 04:00:01 1tXyZf-000AbC-Q6 Completed',
    ));
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ direction: 'outbound', remoteHost: 'mx.example.net', remoteIp: '203.0.113.25', remotePort: null, status: 'sent', dsn: '2.0.0', domains: ['example.net', 'sub.example.net'], evidence: 'handshake', incomplete: false });
    expect(sessions[0]!.tls).toMatchObject({ negotiated: true, protocol: 'TLSv1.2', cipher: 'ECDHE_RSA_AES_256_GCM_SHA384', verify: 'verified', peer: 'C=XX,O=Example,CN=mx.example.net' });
  });

  it('=> without X= went in clear text', () => {
    const { sessions } = run('2026-11-30 04:01:00 1tXyZg-000AbC-Q7 => fred@example.com R=dnslookup T=remote_smtp H=mail.example.com [192.0.2.30]:25 C="250 OK id=1"');
    expect(sessions[0]).toMatchObject({ remotePort: 25, evidence: 'handshake', status: 'sent', tls: { negotiated: false, clearRetry: false } });
  });

  it('a TLS error then the 4.9x clear-text fall-back then the delivery: clearRetry', () => {
    const { sessions } = run(lines(
      '2026-11-30 04:02:00 [3001] TLS error on connection to mx.example.org [198.51.100.25] (SSL_connect): error:0A000410:SSL routines::sslv3 alert handshake failure',
      '2026-11-30 04:02:00 [3001] TLS session failure: delivering unencrypted to mx.example.org [198.51.100.25] (not in hosts_require_tls)',
      '2026-11-30 04:02:01 [3001] 1tXyZh-000AbC-Q8 => ops@example.org R=dnslookup T=remote_smtp H=mx.example.org [198.51.100.25] C="250 2.0.0 Ok"',
    ));
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ key: '1tXyZh-000AbC-Q8 [3001]', status: 'sent', evidence: 'handshake', tls: { attempted: true, negotiated: false, clearRetry: true, failure: 'TLS error on connection to mx.example.org [198.51.100.25] (SSL_connect): error:0A000410:SSL routines::sslv3 alert handshake failure' } });
    expect(sessions[0]!.lines.map((l) => l.line)).toEqual([1, 2, 3]);
  });

  it('the 4.93+ wording of the fall-back ("TLS session: (…): … delivering unencrypted to H=…")', () => {
    const { sessions } = run(lines(
      '2026-11-30 04:03:00 TLS session: (certificate verification failed): certificate invalid: delivering unencrypted to H=smtp.example.net [203.0.113.26] (not in hosts_require_tls)',
      '2026-11-30 04:03:01 1tXyZi-000AbC-Q9 => g@example.net R=dnslookup T=remote_smtp H=smtp.example.net [203.0.113.26] C="250 Ok"',
    ));
    expect(sessions[0]!.tls).toMatchObject({ clearRetry: true, negotiated: false, failure: expect.stringContaining('certificate invalid') });
  });

  it('a TLS error without a fall-back line, then a deferral saying TLS was required', () => {
    const { sessions } = run(lines(
      '2026-11-30 04:04:00 TLS error on connection to mx.example.net [203.0.113.25] (SSL_connect): error:0A000086:SSL routines::certificate verify failed',
      '2026-11-30 04:04:00 1tXyZj-000AbC-R0 == bob@example.net R=dnslookup T=remote_smtp defer (-38) H=mx.example.net [203.0.113.25]: a TLS session is required but an attempt to start TLS failed',
      '2026-11-30 04:04:00 1tXyZj-000AbC-R0 == bob2@example.net R=dnslookup T=remote_smtp defer (-38) H=mx.example.net [203.0.113.25]: a TLS session is required but an attempt to start TLS failed',
    ));
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ status: 'deferred', evidence: 'handshake', domains: ['example.net'], tls: { attempted: true, negotiated: false, clearRetry: false, failure: expect.stringContaining('certificate verify failed') } });
  });

  it('a deferral because the server did not offer TLS', () => {
    const { sessions } = run('2026-11-30 04:05:00 1tXyZk-000AbC-R1 == h@example.com R=dnslookup T=remote_smtp defer (-38) H=mail.example.com [192.0.2.30]: a TLS session is required, but the server did not offer TLS');
    expect(sessions[0]!.tls).toMatchObject({ offered: false, attempted: false, negotiated: false });
  });

  it('** bounces over TLS keep the TLS and take the enhanced code', () => {
    const { sessions } = run('2026-11-30 04:06:00 [789] 1tXyZl-000AbC-R2 ** molly@example.org R=dnslookup T=remote_smtp H=mx.example.org [198.51.100.25] X=TLSv1.3:TLS_AES_256_GCM_SHA384:256 CV=yes DN="CN=mx.example.org": SMTP error from remote mail server after RCPT TO:<molly@example.org>: 550 5.1.1 User unknown');
    expect(sessions[0]).toMatchObject({ status: 'bounced', dsn: '5.1.1', tls: { negotiated: true, protocol: 'TLSv1.3', verify: 'verified', peer: 'CN=mx.example.org', failure: null } });
  });

  it('bounces and deferrals without H= (routing, retry times) are no session', () => {
    const { sessions } = run(lines(
      '2026-11-30 04:07:00 1tXyZm-000AbC-R3 ** nobody@example.org: retry timeout exceeded',
      '2026-11-30 04:07:00 1tXyZm-000AbC-R3 == x@example.org R=dnslookup T=remote_smtp defer (-53): retry time not reached for any host',
    ));
    expect(sessions).toHaveLength(0);
  });

  it('4.97+ message ids (6-11-4), +millisec, a zone and a pid', () => {
    const { sessions } = run('2026-11-30 04:08:00.250 +0100 [4242] 1tXyZn-00000000AbC-Q1w2 => i@example.net R=dnslookup T=remote_smtp H=mx.example.net [203.0.113.25] X=TLS1.3:TLS_AES_128_GCM_SHA256:128 CV=yes C="250 ok"');
    expect(sessions[0]).toMatchObject({ key: '1tXyZn-00000000AbC-Q1w2 [4242]', queueIds: ['1tXyZn-00000000AbC-Q1w2'], start: Date.UTC(2026, 10, 30, 3, 8, 0, 250) });
  });

  it('through syslog, with and without Exim\'s own stamp', () => {
    const { sessions } = run(lines(
      'Nov 30 04:09:00 mx1 exim[5151]: 2026-11-30 04:09:00 1tXyZo-000AbC-R4 => j@example.net R=dnslookup T=remote_smtp H=mx.example.net [203.0.113.25] C="250 ok"',
      'Nov 30 04:09:01 mx1 exim4[5152]: 1tXyZp-000AbC-R5 <= k@example.org H=mail.example.org [198.51.100.7] P=esmtps X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no S=1',
    ));
    const out = sessions.find((s) => s.direction === 'outbound');
    const inb = sessions.find((s) => s.direction === 'inbound');
    expect(out).toMatchObject({ localHost: 'mx1', key: '1tXyZo-000AbC-R4 [5151]', tls: { negotiated: false } });
    expect(inb).toMatchObject({ localHost: 'mx1', key: '1tXyZp-000AbC-R5 [5152]', start: Date.UTC(2026, 10, 30, 4, 9, 1), tls: { negotiated: true } });
  });
});

describe('exim connection-level lines', () => {
  it('an inbound TLS error and the lost connection after it are one session', () => {
    const { sessions } = run(lines(
      '2026-11-30 04:10:00 [6001] TLS error on connection from client.example.net (helo.example.net) [203.0.113.40]:51515 I=[192.0.2.5]:25 (SSL_accept): error:0A00006C:SSL routines::bad key share',
      '2026-11-30 04:10:00 [6001] SMTP connection from client.example.net (helo.example.net) [203.0.113.40]:51515 I=[192.0.2.5]:25 lost while reading message data',
    ));
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ direction: 'inbound', remoteIp: '203.0.113.40', remoteHost: 'client.example.net', evidence: 'handshake', tls: { attempted: true, negotiated: false, failure: expect.stringContaining('bad key share') } });
    expect(sessions[0]!.lines).toHaveLength(2);
  });

  it('a TLS error on a connection and the message then taken on it in clear: one session that fell back to clear text', () => {
    const { sessions } = run(lines(
      '2026-11-30 04:12:00 TLS error on connection from (out.example.org) [198.51.100.70] (cert/key setup: cert=/etc/exim4/exim.crt key=/etc/exim4/exim.key)',
      '2026-11-30 04:12:01 1tQwEr-000XyZ-Ab <= alice@example.org H=(out.example.org) [198.51.100.70] P=esmtp S=812',
      '2026-11-30 04:12:02 1tQwEs-000XyZ-Ac <= bob@example.net H=(relay.example.net) [203.0.113.71] P=esmtp S=640',
    ));
    expect(sessions).toHaveLength(2);
    const a = sessions.find((x) => x.remoteIp === '198.51.100.70')!;
    expect(a).toMatchObject({ messages: 1, start: Date.UTC(2026, 10, 30, 4, 12, 0), tls: { attempted: true, negotiated: false, clearRetry: true, failure: expect.stringContaining('cert/key setup') } });
    expect(a.lines).toHaveLength(2);
    // Another address's message is not that connection's.
    expect(sessions.find((x) => x.remoteIp === '203.0.113.71')!.tls).toMatchObject({ clearRetry: false, failure: null });
  });

  it('"SMTP connection from … lost after STARTTLS" alone is a failed attempt', () => {
    const { sessions } = run('2026-11-30 04:10:30 [6002] SMTP connection from [203.0.113.41]:40001 I=[192.0.2.5]:25 lost after STARTTLS');
    expect(sessions[0]!.tls).toMatchObject({ attempted: true, negotiated: false });
  });

  it('no MAIL with C=EHLO,STARTTLS says STARTTLS was tried; without it, not', () => {
    const { sessions } = run(lines(
      '2026-11-30 04:11:00 [6003] no MAIL in SMTP connection from probe.example.net [203.0.113.42]:28890 I=[192.0.2.5]:25 D=21s C=EHLO,STARTTLS',
      '2026-11-30 04:11:00 [6004] no MAIL in SMTP connection from [203.0.113.43]:2056 I=[192.0.2.5]:25 D=10s C=EHLO,QUIT',
    ));
    expect(sessions.map((s) => [s.remoteIp, s.tls.attempted, s.evidence])).toEqual([['203.0.113.42', true, 'dialogue'], ['203.0.113.43', false, 'dialogue']]);
  });

  it('a reject is an inbound session rejected, with the sender domain; "encryption required" is clear text', () => {
    const { sessions } = run(lines(
      '2026-11-30 04:12:00 [6005] H=(bad.example.net) [203.0.113.66]:40000 I=[192.0.2.5]:25 F=<spam@Example.net> rejected RCPT <x@example.com>: relay not permitted',
      '2026-11-30 04:12:01 [6006] H=plain.example.org [198.51.100.77]:40001 I=[192.0.2.5]:587 F=<u@example.org> rejected RCPT <x@example.com>: encryption required',
    ));
    expect(sessions[0]).toMatchObject({ status: 'rejected', domains: ['example.net'], remoteIp: '203.0.113.66', tls: { negotiated: null } });
    expect(sessions[1]).toMatchObject({ status: 'rejected', evidence: 'dialogue', tls: { negotiated: false } });
  });
});

describe('exim: hostile input, helpers, sniff', () => {
  it('never throws; bad stamps are malformed', () => {
    const p = eximModule.create({ session: () => undefined, note: () => undefined }, { year: 2026, offsetMinutes: 0 });
    const bad = [
      '', '2026-', '2026-11-30 ', '2026-13-30 03:40:13 x', '2026-11-30 03:40:13', '2026-11-30 03:40:13 [', '2026-11-30 03:40:13 1tXyZa-000AbC-Q1 <=',
      '2026-11-30 03:40:13 1tXyZa-000AbC-Q1 => a H=', '2026-11-30 03:40:13 1tXyZa-000AbC-Q1 => a H=x [', '2026-11-30 03:40:13 1tXyZa-000AbC-Q1 => a DN="unterminated',
      '2026-11-30 03:40:13 TLS error on connection to ', '2026-11-30 03:40:13 TLS session failure: delivering unencrypted to ', '2026-11-30 03:40:13 TLS error on connection from ',
      '2026-11-30 03:40:13 H= rejected', `2026-11-30 03:40:13 1tXyZa-000AbC-Q1 => a ${'K=v '.repeat(4000)}`, '\u0000'.repeat(16000),
    ];
    for (const l of bad) expect(() => p.line(l, 1)).not.toThrow();
    expect(p.line('2026-13-30 03:40:13 x', 1)).toBe('malformed');
    expect(p.line('not a log line', 1)).toBe('malformed');
    expect(() => p.end()).not.toThrow();
  });

  it('keeps open sessions under its cap', () => {
    let handed = 0;
    let maxOpen = 0;
    let opened = 0;
    const p = createEximParser({ session: () => void handed++, note: () => undefined }, { year: 2026, offsetMinutes: 0 }, 20);
    for (let i = 0; i < 2000; i++) {
      p.line(`2026-11-30 04:12:00 [${i}] H=(x) [203.0.113.${i % 250}]:40000 F=<a@example.net> rejected RCPT <x@example.com>: no`, i + 1);
      opened++;
      maxOpen = Math.max(maxOpen, opened - handed);
    }
    expect(maxOpen).toBe(20);
    p.end();
    expect(handed).toBe(2000);
  });

  it('message ids: old and new formats, not other words', () => {
    expect(messageIdLength('1tXyZa-000AbC-Q1 <=', 0)).toBe(16);
    expect(messageIdLength('1tXyZa-00000000AbC-Q1w2 =>', 0)).toBe(23);
    expect(messageIdLength('1tXyZa-000AbC-Q1x', 0)).toBe(0);
    expect(messageIdLength('no-such-thing here', 0)).toBe(0);
  });

  it('fields: quoted values with spaces, the H= clause, the reason after ": "', () => {
    const f = eximFields('R=dnslookup T=remote_smtp H=mx.example.net [203.0.113.25]:25 X=TLS1.3:A:256 DN="CN=a b, O=c": SMTP error: 550 no', 0);
    expect(f.map.get('H')).toBe('mx.example.net [203.0.113.25]:25');
    expect(f.map.get('DN')).toBe('CN=a b, O=c');
    expect(f.reason).toBe('SMTP error: 550 no');
    expect(eximHost('name (helo) [2001:db8::5]:587')).toEqual({ host: 'name', ip: '2001:db8::5', port: 587 });
    expect(eximHost('(helo) [192.0.2.1]')).toEqual({ host: null, ip: '192.0.2.1', port: null });
  });

  it('sniff: Exim lines score 1, Postfix and Sendmail lines 0', () => {
    expect(eximModule.sniff('2026-11-30 03:40:13 1tXyZa-000AbC-Q1 <= a@example.org H=(x) [192.0.2.1] P=esmtp S=1')).toBe(1);
    expect(eximModule.sniff('2026-11-30 03:40:13.123 +0100 [77] 1tXyZa-00000000AbC-Q1w2 => a@example.org R=r T=t H=x [192.0.2.1]')).toBe(1);
    expect(eximModule.sniff('2026-11-30 03:40:13 [6003] no MAIL in SMTP connection from [192.0.2.1]:1 I=[192.0.2.5]:25 D=1s')).toBe(1);
    expect(eximModule.sniff('Nov 30 03:40:13 mx1 exim[1]: 2026-11-30 03:40:13 1tXyZa-000AbC-Q1 Completed')).toBe(1);
    expect(eximModule.sniff('Nov 30 03:40:13 mx1 postfix/smtpd[4101]: connect from a.example.org[198.51.100.7]')).toBe(0);
    expect(eximModule.sniff('Nov 30 03:40:13 mx1 sm-mta[123]: 2AUE3qAB012345: from=<a@example.org>, size=1')).toBe(0);
    expect(postfixModule.sniff('2026-11-30 03:40:13 1tXyZa-000AbC-Q1 <= a@example.org H=(x) [192.0.2.1] P=esmtp S=1')).toBe(0);
  });
});

describe('exim sniff against other ISO-stamped logs', () => {
  it('gives 0 to W3C/IIS-style lines that merely start with a date and time', () => {
    expect(eximModule.sniff('2026-11-30 03:40:13 192.0.2.10 OutboundConnectionResponse SMTPSVC1 MX1 - 25 - 220+mx.example.net 0 0 4 0 16 SMTP - - - -')).toBe(0);
    expect(eximModule.sniff('2026-11-30 03:40:13 W3SVC1 192.0.2.10 GET /owa/ - 443 - 203.0.113.5 Mozilla/5.0 200 0 0 31')).toBe(0);
    expect(eximModule.sniff('Nov 30 03:40:13 mx1 eximstats: something')).toBe(0);
    expect(eximModule.sniff('Nov 30 03:40:13 mx1 exim4[12]: 1tXyZa-000AbC-Q1 Completed')).toBe(1);
  });
});
