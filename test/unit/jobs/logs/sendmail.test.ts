// Sendmail's syslog lines as sessions: fixtures in Sendmail 8.16+'s own wording, with our own hosts.
import { describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { LogSessionSchema } from '../../../../src/core/logs-schema.js';
import type { LogSession, ParserSink } from '../../../../src/jobs/logs/model.js';
import { createSendmailParser, sendmailFields, sendmailModule, sendmailRelay } from '../../../../src/jobs/logs/sendmail.js';
import { eximModule } from '../../../../src/jobs/logs/exim.js';
import { postfixModule } from '../../../../src/jobs/logs/postfix.js';

type S = Omit<LogSession, 'file'>;

function run(text: string): { sessions: S[]; notes: Map<string, string>; uses: string[] } {
  const sessions: S[] = [];
  const notes = new Map<string, string>();
  const sink: ParserSink = { session: (s) => sessions.push(structuredClone(s)), note: (id, d) => void (notes.has(id) || notes.set(id, d)) };
  const p = sendmailModule.create(sink, { year: 2026, offsetMinutes: 0 });
  const uses: string[] = [];
  text.split('\n').forEach((l, i) => {
    if (l.length > 0) uses.push(p.line(l, i + 1));
  });
  p.end();
  for (const s of sessions) expect(Value.Check(LogSessionSchema, { ...s, file: 'x' }), JSON.stringify(s)).toBe(true);
  return { sessions, notes, uses };
}
const lines = (...l: string[]): string => l.join('\n');

const clientOk = lines(
  'Nov 30 05:00:00 relay1 sm-mta[7001]: 2AU50000A07001: from=<alice@example.com>, size=1200, class=0, nrcpts=2, msgid=<m1@example.com>, proto=ESMTP, daemon=MTA, relay=localhost [127.0.0.1]',
  'Nov 30 05:00:01 relay1 sm-mta[7002]: STARTTLS=client, relay=mx.example.net., version=TLSv1.3, verify=OK, cipher=TLS_AES_256_GCM_SHA384, bits=256/256',
  'Nov 30 05:00:02 relay1 sm-mta[7002]: 2AU50000A07001: to=<bob@example.net>,<carol@example.net>, delay=00:00:02, xdelay=00:00:01, mailer=esmtp, tls_verify=OK, pri=121200, relay=mx.example.net. [203.0.113.25], dsn=2.0.0, stat=Sent (Ok: queued as 4dQ)',
);

describe('sendmail outbound', () => {
  it('STARTTLS=client, verify=OK, then the delivery over it', () => {
    const { sessions, notes } = run(clientOk);
    const out = sessions.find((s) => s.direction === 'outbound')!;
    expect(out).toMatchObject({ key: 'sm-mta[7002]', localHost: 'relay1', remoteHost: 'mx.example.net', remoteIp: '203.0.113.25', status: 'sent', dsn: '2.0.0', messages: 1, queueIds: ['2AU50000A07001'], domains: ['example.net'], evidence: 'handshake', incomplete: false });
    expect(out.tls).toMatchObject({ attempted: true, negotiated: true, protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', verify: 'verified' });
    expect(notes.size).toBe(0);
  });

  it('verify=FAIL is encrypted but untrusted; verify=NO is anonymous', () => {
    const { sessions } = run(lines(
      'Nov 30 05:01:00 relay1 sm-mta[7101]: STARTTLS=client, relay=mx.example.org., version=TLSv1.2, verify=FAIL, cipher=ECDHE-RSA-AES256-GCM-SHA384, bits=256/256',
      'Nov 30 05:01:01 relay1 sm-mta[7101]: 2AU50100A07101: to=<d@example.org>, delay=00:00:01, xdelay=00:00:01, mailer=esmtp, pri=30000, relay=mx.example.org. [198.51.100.25], dsn=2.0.0, stat=Sent (ok)',
      'Nov 30 05:01:02 relay1 sm-mta[7102]: STARTTLS=server, relay=client.example.net [203.0.113.40], version=TLSv1.3, verify=NO, cipher=TLS_AES_128_GCM_SHA256, bits=128/128',
    ));
    expect(sessions.find((s) => s.direction === 'outbound')!.tls).toMatchObject({ negotiated: true, verify: 'untrusted', protocol: 'TLSv1.2' });
    expect(sessions.find((s) => s.direction === 'inbound')!).toMatchObject({ remoteIp: '203.0.113.40', tls: { negotiated: true, verify: 'anonymous' } });
  });

  it('a failed client handshake, then the delivery in the same process: clear retry', () => {
    const { sessions } = run(lines(
      'Nov 30 05:02:00 relay1 sm-mta[7201]: 2AU50200A07201: STARTTLS=client, error: connect failed=-1, reason=sslv3 alert handshake failure, SSL_error=1, errno=0, retry=-1, relay=mx.example.org',
      'Nov 30 05:02:00 relay1 sm-mta[7201]: 2AU50200A07201: ruleset=tls_server, arg1=SOFTWARE, relay=mx.example.org, reject=403 4.7.0 TLS handshake failed.',
      'Nov 30 05:02:01 relay1 sm-mta[7201]: 2AU50200A07201: to=<ops@example.org>, delay=00:00:02, xdelay=00:00:01, mailer=esmtp, pri=30000, relay=mx.example.org. [198.51.100.25], dsn=2.0.0, stat=Sent (ok)',
    ));
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ remoteIp: '198.51.100.25', status: 'sent', evidence: 'handshake', tls: { attempted: true, negotiated: false, clearRetry: true, failure: expect.stringContaining('connect failed=-1') } });
    expect(sessions[0]!.lines).toHaveLength(3);
  });

  it('with client STARTTLS lines elsewhere, a delivery without one is clear text', () => {
    const { sessions } = run(lines(
      clientOk,
      'Nov 30 05:03:00 relay1 sm-mta[7301]: 2AU50300A07301: to=<e@example.com>, delay=00:00:01, xdelay=00:00:01, mailer=esmtp, pri=30000, relay=mail.example.com. [192.0.2.30], dsn=2.0.0, stat=Sent (ok)',
    ));
    expect(sessions.find((s) => s.remoteIp === '192.0.2.30')).toMatchObject({ evidence: 'handshake', tls: { negotiated: false } });
  });

  it('without any client STARTTLS line: unknown, and a note', () => {
    const { sessions, notes } = run('Nov 30 05:04:00 relay1 sm-mta[7401]: 2AU50400A07401: to=<e@example.com>, delay=00:00:01, xdelay=00:00:01, mailer=esmtp, pri=30000, relay=mail.example.com. [192.0.2.30], dsn=4.0.0, stat=Deferred: Connection refused by mail.example.com.');
    expect(sessions[0]).toMatchObject({ evidence: 'none', status: 'deferred', tls: { negotiated: null } });
    expect(notes.has('sendmail-no-starttls-lines')).toBe(true);
  });

  it('a delivery to another host in the same process is another session', () => {
    const { sessions } = run(lines(
      clientOk,
      'Nov 30 05:00:03 relay1 sm-mta[7002]: 2AU50000A07009: to=<zed@example.org>, delay=00:00:01, xdelay=00:00:01, mailer=esmtp, pri=30000, relay=mx.example.org. [198.51.100.25], dsn=5.1.1, stat=User unknown',
    ));
    const other = sessions.find((s) => s.remoteIp === '198.51.100.25')!;
    expect(other).toMatchObject({ status: 'bounced', dsn: '5.1.1', tls: { negotiated: false } });
    expect(sessions.find((s) => s.remoteIp === '203.0.113.25')!.tls.negotiated).toBe(true);
  });

  it('local mailers are ignored', () => {
    const { sessions, uses } = run('Nov 30 05:05:00 relay1 sm-mta[7501]: 2AU50500A07501: to=<root@relay1.example.com>, delay=00:00:00, xdelay=00:00:00, mailer=local, pri=30000, dsn=2.0.0, stat=Sent');
    expect(sessions).toHaveLength(0);
    expect(uses).toEqual(['ignored']);
  });
});

describe('sendmail inbound', () => {
  it('STARTTLS=server then from= of the same process: one session, the sender domain', () => {
    const { sessions } = run(lines(
      'Nov 30 05:10:00 relay1 sm-mta[8001]: STARTTLS=server, relay=mail.example.org [198.51.100.7], version=TLSv1.3, verify=NO, cipher=TLS_AES_256_GCM_SHA384, bits=256/256',
      'Nov 30 05:10:01 relay1 sm-mta[8001]: 2AU51000A08001: from=<Alice@Example.org>, size=3000, class=0, nrcpts=1, msgid=<x1@example.org>, proto=ESMTPS, daemon=MTA, tls_verify=NO, auth=NONE, relay=mail.example.org [198.51.100.7]',
    ));
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ direction: 'inbound', remoteHost: 'mail.example.org', remoteIp: '198.51.100.7', domains: ['example.org'], messages: 1, evidence: 'handshake', tls: { negotiated: true, protocol: 'TLSv1.3' } });
  });

  it('proto=ESMTP without a STARTTLS line: clear text by the protocol (dialogue)', () => {
    const { sessions } = run('Nov 30 05:11:00 relay1 sm-mta[8101]: 2AU51100A08101: from=<b@example.net>, size=300, class=0, nrcpts=1, msgid=<x2@example.net>, proto=ESMTP, daemon=MTA, relay=out.example.net [203.0.113.9] (may be forged)');
    expect(sessions[0]).toMatchObject({ remoteHost: 'out.example.net', remoteIp: '203.0.113.9', evidence: 'dialogue', tls: { negotiated: false } });
  });

  it('a server-side handshake error', () => {
    const { sessions } = run(lines(
      'Nov 30 05:12:00 relay1 sm-mta[8201]: STARTTLS=server, error: accept failed=0, reason=unexpected eof while reading, SSL_error=1, errno=0, retry=-1, relay=scanner.example.net [203.0.113.77]',
      'Nov 30 05:12:00 relay1 sm-mta[8201]: scanner.example.net [203.0.113.77] did not issue MAIL/EXPN/VRFY/ETRN during connection to MTA',
    ));
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ remoteIp: '203.0.113.77', incomplete: false, tls: { attempted: true, negotiated: false, failure: expect.stringContaining('accept failed=0') } });
  });

  it('a check_rcpt reject is a rejected inbound session with its enhanced code', () => {
    const { sessions } = run('Nov 30 05:13:00 relay1 sm-mta[8301]: 2AU51300A08301: ruleset=check_rcpt, arg1=<x@example.com>, relay=bad.example.net [203.0.113.66], reject=550 5.7.1 <x@example.com>... Relaying denied');
    expect(sessions[0]).toMatchObject({ direction: 'inbound', status: 'rejected', dsn: '5.7.1', remoteIp: '203.0.113.66', remoteHost: 'bad.example.net' });
  });

  it('local submissions are no SMTP session', () => {
    const { sessions } = run('Nov 30 05:14:00 relay1 sendmail[8401]: 2AU51400A08401: from=root, size=100, class=0, nrcpts=1, msgid=<x3@relay1>, relay=root@localhost');
    expect(sessions).toHaveLength(0);
  });
});

describe('sendmail: hostile input, helpers, sniff', () => {
  it('never throws', () => {
    const p = sendmailModule.create({ session: () => undefined, note: () => undefined }, { year: 2026, offsetMinutes: 0 });
    for (const l of [
      '', 'Nov 30 05:00:00 relay1 sm-mta[1]: ', 'Nov 30 05:00:00 relay1 sm-mta[1]: STARTTLS=client', 'Nov 30 05:00:00 relay1 sm-mta[1]: STARTTLS=client, relay=',
      'Nov 30 05:00:00 relay1 sm-mta[1]: X: to=', 'Nov 30 05:00:00 relay1 sm-mta[1]: X: from=<, relay=[', 'Nov 30 05:00:00 relay1 sm-mta[1]: X: ruleset=, reject=',
      `Nov 30 05:00:00 relay1 sm-mta[1]: X: to=<a>, ${'k=v, '.repeat(3000)}`, '\u0000\u00ff'.repeat(8000),
    ]) expect(() => p.line(l, 1)).not.toThrow();
    expect(() => p.end()).not.toThrow();
  });

  it('keeps open sessions under its cap', () => {
    let handed = 0;
    let maxOpen = 0;
    const p = createSendmailParser({ session: () => void handed++, note: () => undefined }, { year: 2026, offsetMinutes: 0 }, 30);
    for (let i = 0; i < 3000; i++) {
      p.line(`Nov 30 05:00:00 relay1 sm-mta[${i}]: STARTTLS=server, relay=c.example.net [203.0.113.1], version=TLSv1.3, verify=NO, cipher=X, bits=1/1`, i + 1);
      maxOpen = Math.max(maxOpen, i + 1 - handed);
    }
    expect(maxOpen).toBe(30);
    p.end();
    expect(handed).toBe(3000);
  });

  it('fields and relays', () => {
    const f = sendmailFields('to=<a@example.net>, delay=00:00:01, stat=Deferred: 421 4.7.0 Try again, later, dsn=4.7.0', 0);
    expect(f.get('stat')).toBe('Deferred: 421 4.7.0 Try again, later');
    expect(f.get('dsn')).toBe('4.7.0');
    expect(sendmailRelay('mx.example.net. [203.0.113.25]')).toEqual({ host: 'mx.example.net', ip: '203.0.113.25' });
    expect(sendmailRelay('[IPv6:2001:db8::1]')).toEqual({ host: null, ip: '2001:db8::1' });
    expect(sendmailRelay('name [192.0.2.1] (may be forged)')).toEqual({ host: 'name', ip: '192.0.2.1' });
  });

  it('sniff: Sendmail lines 1, the others 0', () => {
    expect(sendmailModule.sniff('Nov 30 05:00:00 relay1 sm-mta[7002]: STARTTLS=client, relay=mx.example.net., version=TLSv1.3')).toBe(1);
    expect(sendmailModule.sniff('Nov 30 05:00:00 relay1 sendmail[7002]: 2AU50000A07001: from=root')).toBe(1);
    expect(sendmailModule.sniff('Nov 30 03:40:13 mx1 postfix/smtpd[4101]: connect from a.example.org[198.51.100.7]')).toBe(0);
    expect(sendmailModule.sniff('2026-11-30 03:40:13 1tXyZa-000AbC-Q1 <= a@example.org H=(x) [192.0.2.1] P=esmtp S=1')).toBe(0);
    expect(postfixModule.sniff('Nov 30 05:00:00 relay1 sm-mta[7002]: STARTTLS=client, relay=mx.example.net.')).toBe(0);
    expect(eximModule.sniff('Nov 30 05:00:00 relay1 sm-mta[7002]: STARTTLS=client, relay=mx.example.net.')).toBe(0);
  });
});
