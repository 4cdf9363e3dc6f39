// Replays of what real MTAs said to mxray in the interop run (Debian 12: Postfix 3.7.11, Exim
// 4.96, OpenSMTPD 6.8.0p2), recorded from mxray's own transcripts: the reply assembly, the EHLO
// parser and the "requires TLS" classification must read each dialect right without a server.
import { describe, expect, it } from 'vitest';
import { isRequireTlsReply } from '../../../src/checks/replies.js';
import { announcedName, parseEhlo } from '../../../src/smtp/ehlo.js';
import { assembleReply, parseReplyLine } from '../../../src/smtp/reply.js';

function replay(lines: string[]) {
  const parsed = lines.map((l) => parseReplyLine(l));
  expect(parsed.every((p) => p !== null)).toBe(true);
  expect(parsed.slice(0, -1).every((p) => !p!.final) && parsed.at(-1)!.final).toBe(true);
  return assembleReply(parsed.map((p) => p!));
}

describe('Postfix 3.7', () => {
  const ehlo = ['250-mx.pf.interop.test', '250-PIPELINING', '250-SIZE 10240000', '250-VRFY', '250-ETRN', '250-STARTTLS', '250-ENHANCEDSTATUSCODES', '250-8BITMIME', '250-DSN', '250-SMTPUTF8', '250 CHUNKING'];
  it('EHLO: a first line with only the name; every extension known', () => {
    const { reply, warnings } = replay(ehlo);
    expect(warnings).toEqual([]);
    const p = parseEhlo(reply);
    expect(p.name).toBe('mx.pf.interop.test');
    expect(p.capabilities.map((c) => c.keyword)).toEqual(['PIPELINING', 'SIZE', 'VRFY', 'ETRN', 'STARTTLS', 'ENHANCEDSTATUSCODES', '8BITMIME', 'DSN', 'SMTPUTF8', 'CHUNKING']);
    expect(p.capabilities.every((c) => c.meaning !== null)).toBe(true);
  });
  it('smtpd_tls_security_level = encrypt refuses MAIL in clear with 530 5.7.0', () => {
    expect(isRequireTlsReply(replay(['530 5.7.0 Must issue a STARTTLS command first']).reply)).toBe(true);
  });
});

describe('Exim 4.96 (Debian, GnuTLS)', () => {
  it('banner with a date; EHLO with PIPECONNECT and HELP', () => {
    const banner = replay(['220 mx.exim.interop.test ESMTP Exim 4.96 Mon, 23 Nov 2026 12:14:59 +0000']).reply;
    expect(announcedName(banner.lines[0]!)).toBe('mx.exim.interop.test');
    const p = parseEhlo(
      replay(['250-mx.exim.interop.test Hello mxray.localdomain [127.0.0.1]', '250-SIZE 52428800', '250-8BITMIME', '250-PIPELINING', '250-PIPECONNECT', '250-CHUNKING', '250-STARTTLS', '250-SMTPUTF8', '250 HELP']).reply,
    );
    expect(p.name).toBe('mx.exim.interop.test');
    expect(p.capabilities.map((c) => c.keyword)).toEqual(['SIZE', '8BITMIME', 'PIPELINING', 'PIPECONNECT', 'CHUNKING', 'STARTTLS', 'SMTPUTF8', 'HELP']);
    // PIPECONNECT (Exim's early pipelining) is no extension we describe.
    expect(p.capabilities.find((c) => c.keyword === 'PIPECONNECT')).toMatchObject({ meaning: null, rfc: null });
  });
  it('an ACL on !encrypted accepts MAIL and refuses only at RCPT', () => {
    expect(isRequireTlsReply(replay(['250 OK']).reply)).toBe(false);
    expect(isRequireTlsReply(replay(['530 5.7.0 Must issue a STARTTLS command first']).reply)).toBe(true);
  });
});

describe('OpenSMTPD 6.8.0p2', () => {
  it('EHLO with a long greeting line', () => {
    const p = parseEhlo(
      replay(['250-mx.smtpd.interop.test Hello mxray.localdomain [127.0.0.1], pleased to meet you', '250-8BITMIME', '250-ENHANCEDSTATUSCODES', '250-SIZE 36700160', '250-DSN', '250-STARTTLS', '250 HELP']).reply,
    );
    expect(p.name).toBe('mx.smtpd.interop.test');
    expect(p.capabilities).toHaveLength(6);
  });
  it('tls-require answers MAIL with 530 5.5.1 (not 5.7.x): still "requires TLS" by its words', () => {
    const r = replay(['530 5.5.1 Invalid command: Must issue a STARTTLS command first']).reply;
    expect(r.enhanced).toBe('5.5.1');
    expect(isRequireTlsReply(r)).toBe(true);
  });
});
