// parseReceived: the project's own Received values in every dialect of issue 22 (example names
// and documentation addresses only), every field asserted; then the real headers of the corpus
// read in place (never copied); then fast-check: random and mutated values never throw and every
// string stays within its cap.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_FIELD_LENGTH, MAX_NOTE_LENGTH, MAX_NOTES, isIpAddress, normaliseTlsVersion, parseReceived, parseReceivedDate, type ReceivedHop,
} from '../../../../src/jobs/headers/received.js';
import { skipWithout } from '../../../helpers/skip.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const CORPUS = join(process.env.MXRAY_CORPUS ?? resolve(ROOT, '../shared/corpus'), 'headers');

const T0 = Date.UTC(2026, 8, 21, 10, 0, 0); // Mon, 21 Sep 2026 10:00:00 +0000
const NO_PROTOCOL_FLAGS = { lmtp: false, utf8: false };

/** The hop a value gives, with every field present: a test names only what it expects to differ from "nothing". */
function hop(partial: Partial<ReceivedHop>): ReceivedHop {
  return { from: null, by: null, via: null, with: null, protocol: null, id: null, for: null, date: null, tls: null, software: null, notes: [], ...partial };
}
const dateAt = (raw: string, epochMs: number | null, note: string | null = null) => ({ raw, epochMs, note });

describe('parseReceived, one dialect at a time (the project\'s own values)', () => {
  it('Postfix with smtpd_tls_received_header: the using-comment gives version, cipher and bits', () => {
    const value = 'from mail.example.org (mail.example.org [192.0.2.10])\r\n\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)\r\n\t key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256)\r\n\t(No client certificate requested)\r\n\tby mx.example.net (Postfix) with ESMTPS id 4AbCdE1fGhz9\r\n\tfor <user@example.net>; Mon, 21 Sep 2026 10:00:00 +0000 (UTC)';
    expect(parseReceived(value)).toEqual(hop({
      from: { helo: 'mail.example.org', reverse: 'mail.example.org', ip: '192.0.2.10' },
      by: 'mx.example.net', with: 'ESMTPS', protocol: { tls: true, auth: false, ...NO_PROTOCOL_FLAGS },
      id: '4AbCdE1fGhz9', for: 'user@example.net', date: dateAt('Mon, 21 Sep 2026 10:00:00 +0000 (UTC)', T0),
      tls: { version: 'TLS 1.3', cipher: 'TLS_AES_256_GCM_SHA384', bits: 256, verified: 'No client certificate requested', source: 'postfix' },
      software: 'postfix',
    }));
  });

  it('Postfix without TLS details: "ESMTP" says clear text, an unknown reverse name is no name, IPv6 literal', () => {
    const value = 'from helo.example.org (unknown [IPv6:2001:db8::25]) by mx.example.net (Postfix) with ESMTP id 4AbC for <a@example.net>; Mon, 21 Sep 2026 12:00:00 +0200';
    expect(parseReceived(value)).toEqual(hop({
      from: { helo: 'helo.example.org', reverse: null, ip: '2001:db8::25' },
      by: 'mx.example.net', with: 'ESMTP', protocol: { tls: false, auth: false, ...NO_PROTOCOL_FLAGS },
      id: '4AbC', for: 'a@example.net', date: dateAt('Mon, 21 Sep 2026 12:00:00 +0200', T0), software: 'postfix',
    }));
  });

  it('Postfix after a content filter: the loopback hop keeps 127.0.0.1 and ESMTPSA is a submission with TLS', () => {
    expect(parseReceived('from localhost (localhost [127.0.0.1]) by mail.example.com (Postfix) with ESMTP id 11AA; Mon, 21 Sep 2026 10:00:00 +0000').from)
      .toEqual({ helo: 'localhost', reverse: 'localhost', ip: '127.0.0.1' });
    expect(parseReceived('from [198.51.100.9] (unknown [198.51.100.9]) by smtp.example.com (Postfix) with ESMTPSA id 22BB; Mon, 21 Sep 2026 10:00:00 +0000').protocol)
      .toEqual({ tls: true, auth: true, ...NO_PROTOCOL_FLAGS });
  });

  it('Exchange Online: version=TLS1_2 is TLS 1.2, the id 15.20.… is an id (never an address), "via Frontend Transport" is kept', () => {
    const value = 'from relay.example.org (203.0.113.7) by AM0PR01MB1234.eurprd01.prod.outlook.com\r\n (2603:10a6:208:1::12) with Microsoft SMTP Server (version=TLS1_2,\r\n cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.1234.5 via Frontend\r\n Transport; Mon, 21 Sep 2026 10:00:00 +0000';
    expect(parseReceived(value)).toEqual(hop({
      from: { helo: 'relay.example.org', reverse: null, ip: '203.0.113.7' },
      by: 'AM0PR01MB1234.eurprd01.prod.outlook.com', via: 'Frontend Transport', with: null,
      protocol: { tls: true, auth: null, ...NO_PROTOCOL_FLAGS }, id: '15.20.1234.5',
      date: dateAt('Mon, 21 Sep 2026 10:00:00 +0000', T0),
      tls: { version: 'TLS 1.2', cipher: 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', bits: null, verified: null, source: 'key-value' },
      software: 'exchange',
    }));
  });

  it('Exchange on premises: "(TLS)" says TLS without details; no marker at all leaves TLS unknown; HTTPS and MAPI are types', () => {
    const tlsHop = parseReceived('from EX01.corp.example.com (192.0.2.31) by EX02.corp.example.com (192.0.2.32) with Microsoft SMTP Server (TLS) id 15.1.2507.6; Mon, 21 Sep 2026 10:00:00 +0000');
    expect(tlsHop.tls).toEqual({ version: null, cipher: null, bits: null, verified: null, source: 'flag' });
    expect(tlsHop.protocol?.tls).toBe(true);
    expect(tlsHop.id).toBe('15.1.2507.6');
    expect(tlsHop.from?.ip).toBe('192.0.2.31');
    const bare = parseReceived('from EX01.corp.example.com ([127.0.0.1]) by EX01.corp.example.com ([192.0.2.31]) with Microsoft SMTP Server id 15.1.2507.6; Mon, 21 Sep 2026 10:00:00 +0000');
    expect([bare.with, bare.protocol, bare.tls, bare.software]).toEqual([null, null, null, 'exchange']);
    const https = parseReceived('from PR1.prod.outlook.com (2603:10a6:20b::1) by PR2.prod.outlook.com with HTTPS; Mon, 21 Sep 2026 10:00:00 +0000');
    expect([https.with, https.protocol?.tls]).toEqual(['HTTPS', true]);
    expect(parseReceived('from a by b with MAPI; Mon, 21 Sep 2026 10:00:00 +0000').protocol).toEqual({ tls: null, auth: null, ...NO_PROTOCOL_FLAGS });
  });

  it('Gmail: ESMTPS with version=TLS1_3 … bits=128/128; reverse name with its trailing dot', () => {
    const value = 'from mail.example.org (mail.example.org. [198.51.100.20])\r\n        by mx.google.com with ESMTPS id x12-20020a05.7.2026.09.21.03.00.00\r\n        for <user@example.com>\r\n        (version=TLS1_3 cipher=TLS_AES_128_GCM_SHA256 bits=128/128);\r\n        Mon, 21 Sep 2026 03:00:00 -0700 (PDT)';
    expect(parseReceived(value)).toEqual(hop({
      from: { helo: 'mail.example.org', reverse: 'mail.example.org', ip: '198.51.100.20' },
      by: 'mx.google.com', with: 'ESMTPS', protocol: { tls: true, auth: false, ...NO_PROTOCOL_FLAGS },
      id: 'x12-20020a05.7.2026.09.21.03.00.00', for: 'user@example.com',
      date: dateAt('Mon, 21 Sep 2026 03:00:00 -0700 (PDT)', T0),
      tls: { version: 'TLS 1.3', cipher: 'TLS_AES_128_GCM_SHA256', bits: 128, verified: null, source: 'key-value' },
      software: 'gmail',
    }));
  });

  it('Gmail internal: SMTPS and "(Google Transport Security)" say TLS without details', () => {
    const h = parseReceived('from relay.example.com (relay.example.com. [203.0.113.41]) by mx.google.com with SMTPS id abc.1 for <u@example.com> (Google Transport Security); Mon, 21 Sep 2026 03:00:00 -0700 (PDT)');
    expect(h.with).toBe('SMTPS');
    expect(h.protocol).toEqual({ tls: true, auth: false, ...NO_PROTOCOL_FLAGS });
    expect(h.tls).toEqual({ version: null, cipher: null, bits: null, verified: null, source: 'google-transport-security' });
    expect(h.software).toBe('gmail');
  });

  it('Exim 4.95+: "esmtps (TLS1.3) tls CIPHER" (RFC 8314 clause) and helo= in the TCP comment', () => {
    const value = 'from mail.example.org ([192.0.2.10]:40001 helo=claimed.example.org)\r\n\tby mx.example.net with esmtps (TLS1.3) tls TLS_AES_256_GCM_SHA384\r\n\t(Exim 4.96)\r\n\t(envelope-from <a@example.org>)\r\n\tid 1qAbCd-000Ab1-2x\r\n\tfor user@example.net;\r\n\tMon, 21 Sep 2026 10:00:00 +0000';
    expect(parseReceived(value)).toEqual(hop({
      from: { helo: 'claimed.example.org', reverse: 'mail.example.org', ip: '192.0.2.10' },
      by: 'mx.example.net', with: 'esmtps', protocol: { tls: true, auth: false, ...NO_PROTOCOL_FLAGS },
      id: '1qAbCd-000Ab1-2x', for: 'user@example.net', date: dateAt('Mon, 21 Sep 2026 10:00:00 +0000', T0),
      tls: { version: 'TLS 1.3', cipher: 'TLS_AES_256_GCM_SHA384', bits: null, verified: null, source: 'version+tls-clause' },
      software: 'exim',
    }));
  });

  it('Exim before 4.95: "(TLSv1.2:CIPHER:256)"; no reverse name: the literal is the address, helo= the HELO', () => {
    const h = parseReceived('from [198.51.100.66] (helo=[203.0.113.5]) by mx.example.net with esmtpsa (TLSv1.2:ECDHE-RSA-AES256-GCM-SHA384:256) (Exim 4.92) (envelope-from <b@example.org>) id 1ZzZzZ-0001aB-Cd; Mon, 21 Sep 2026 10:00:00 +0000');
    expect(h.from).toEqual({ helo: '[203.0.113.5]', reverse: null, ip: '198.51.100.66' });
    expect(h.tls).toEqual({ version: 'TLS 1.2', cipher: 'ECDHE-RSA-AES256-GCM-SHA384', bits: 256, verified: null, source: 'colon' });
    expect(h.protocol).toEqual({ tls: true, auth: true, ...NO_PROTOCOL_FLAGS });
    expect(h.software).toBe('exim');
  });

  it('Sendmail: version=TLSv1.3 … bits=256 verify=NOT; an ident user is not part of the reverse name', () => {
    const value = 'from helo.example.org (user@rdns.example.org [192.0.2.10])\r\n\tby mx.example.net (8.17.1/8.17.1) with ESMTPS id 48LA00aB012345\r\n\t(version=TLSv1.3 cipher=TLS_AES_256_GCM_SHA384 bits=256 verify=NOT)\r\n\tfor <user@example.net>; Mon, 21 Sep 2026 10:00:00 GMT';
    expect(parseReceived(value)).toEqual(hop({
      from: { helo: 'helo.example.org', reverse: 'rdns.example.org', ip: '192.0.2.10' },
      by: 'mx.example.net', with: 'ESMTPS', protocol: { tls: true, auth: false, ...NO_PROTOCOL_FLAGS },
      id: '48LA00aB012345', for: 'user@example.net', date: dateAt('Mon, 21 Sep 2026 10:00:00 GMT', T0, 'obsolete zone GMT'),
      tls: { version: 'TLS 1.3', cipher: 'TLS_AES_256_GCM_SHA384', bits: 256, verified: 'NOT', source: 'key-value' },
      software: 'sendmail',
    }));
    expect(parseReceived('from a.example (b.example [192.0.2.1] (may be forged)) by mx.example.net (8.15.2/8.15.2) with ESMTP id X; Mon, 21 Sep 2026 10:00:00 +0000').notes)
      .toEqual(['the receiving server flagged the reverse name as possibly forged']);
  });

  it('OpenSMTPD: "(TLSv1.3:CIPHER:256:NO)" and the ";" that ends each of its clauses', () => {
    const h = parseReceived('from mail.example.org (mail.example.org [192.0.2.10])\r\n\tby mx.example.net (OpenSMTPD) with ESMTPS id 5e1f2a3b (TLSv1.3:TLS_AES_256_GCM_SHA384:256:NO);\r\n\tfor <user@example.net>;\r\n\tMon, 21 Sep 2026 10:00:00 +0000 (UTC)');
    expect(h.tls).toEqual({ version: 'TLS 1.3', cipher: 'TLS_AES_256_GCM_SHA384', bits: 256, verified: 'NO', source: 'opensmtpd' });
    expect([h.id, h.for, h.date?.epochMs, h.software]).toEqual(['5e1f2a3b', 'user@example.net', T0, 'opensmtpd']);
  });

  it('Haraka: "(cipher=…)" alone gives the cipher', () => {
    const h = parseReceived('from mail.example.org (mail.example.org [192.0.2.10]) by mx.example.net (Haraka/3.0.3) with ESMTPS id 3C0E1F2A-0B1C-4D5E-8F90-A1B2C3D4E5F6.1 envelope-from <a@example.org> (cipher=TLS_AES_256_GCM_SHA384); Mon, 21 Sep 2026 10:00:00 +0000');
    expect(h.tls).toEqual({ version: null, cipher: 'TLS_AES_256_GCM_SHA384', bits: null, verified: null, source: 'key-value' });
    expect([h.software, h.id, h.from?.ip]).toEqual(['haraka', '3C0E1F2A-0B1C-4D5E-8F90-A1B2C3D4E5F6.1', '192.0.2.10']);
  });

  it('qmail: a comment-only value is no host; "(HELO x) (ip)" gives HELO and address, "unknown" is no reverse name', () => {
    const onlyComment = parseReceived('(qmail 12345 invoked from network); 21 Sep 2026 10:00:00 -0000');
    expect(onlyComment).toEqual(hop({
      date: dateAt('21 Sep 2026 10:00:00 -0000', T0, 'zone -0000: UTC, local zone unknown'),
      software: 'qmail', notes: ['no clause (from, by, with …) found: a comment only'],
    }));
    expect(parseReceived('(qmail 999 invoked by uid 89); 21 Sep 2026 10:00:00 -0000').from).toBeNull();
    const h = parseReceived('from unknown (HELO mail.example.org) (192.0.2.10)\r\n  by mx.example.net with SMTP; 21 Sep 2026 10:00:00 -0000');
    expect(h.from).toEqual({ helo: 'mail.example.org', reverse: null, ip: '192.0.2.10' });
    expect([h.by, h.with, h.protocol?.tls, h.software]).toEqual(['mx.example.net', 'SMTP', false, 'qmail']);
    expect(parseReceived('from rdns.example.org (HELO h.example.org) (198.51.100.3 with plain) by mx.example.net with SMTP; 21 Sep 2026 10:00:00 -0000').from)
      .toEqual({ helo: 'h.example.org', reverse: 'rdns.example.org', ip: '198.51.100.3' });
  });

  it('IIS SMTPSVC: "over TLS secured channel" is TLS, the version comment of SMTPSVC is not a cipher', () => {
    const h = parseReceived('from mail.example.org ([192.0.2.10]) by IIS01.example.com over TLS secured channel with Microsoft SMTPSVC(7.5.7601.17514); Mon, 21 Sep 2026 10:00:00 +0000');
    expect(h).toEqual(hop({
      from: { helo: 'mail.example.org', reverse: null, ip: '192.0.2.10' }, by: 'IIS01.example.com',
      protocol: { tls: true, auth: null, ...NO_PROTOCOL_FLAGS }, date: dateAt('Mon, 21 Sep 2026 10:00:00 +0000', T0),
      tls: { version: null, cipher: null, bits: null, verified: null, source: 'iis-secured-channel' }, software: 'iis',
    }));
    const clear = parseReceived('from mail.example.org ([192.0.2.10]) by IIS01.example.com with Microsoft SMTPSVC(6.0.3790.4675); Mon, 21 Sep 2026 10:00:00 +0000');
    expect([clear.tls, clear.protocol, clear.software]).toEqual([null, null, 'iis']);
  });

  it('Zimbra: LHLO and LMTP', () => {
    const h = parseReceived('from mail.example.com (LHLO mail.example.com) (192.0.2.10) by mail.example.com with LMTP; Mon, 21 Sep 2026 10:00:00 +0000 (UTC)');
    expect(h.from).toEqual({ helo: 'mail.example.com', reverse: 'mail.example.com', ip: '192.0.2.10' });
    expect([h.with, h.protocol, h.software]).toEqual(['LMTP', { tls: false, auth: false, lmtp: true, utf8: false }, 'zimbra']);
  });

  it('Amavis: the content-filter loopback hop', () => {
    const h = parseReceived('from mail.example.com ([127.0.0.1]) by localhost (mail.example.com [127.0.0.1]) (amavisd-new, port 10024) with ESMTP id AbCdEf12GhIj for <user@example.com>; Mon, 21 Sep 2026 10:00:00 +0000 (UTC)');
    expect(h).toEqual(hop({
      from: { helo: 'mail.example.com', reverse: null, ip: '127.0.0.1' }, by: 'localhost', with: 'ESMTP',
      protocol: { tls: false, auth: false, ...NO_PROTOCOL_FLAGS }, id: 'AbCdEf12GhIj', for: 'user@example.com',
      date: dateAt('Mon, 21 Sep 2026 10:00:00 +0000 (UTC)', T0), software: 'amavis',
    }));
  });

  it('IronPort: "ESMTP/TLS/CIPHER" keeps ESMTP as the type and says TLS with its cipher', () => {
    const h = parseReceived('from mail.example.org ([198.51.100.201])  by esa1.example.com with ESMTP/TLS/ECDHE-RSA-AES256-GCM-SHA384; 21 Sep 2026 05:00:00 -0500');
    expect(h.with).toBe('ESMTP');
    expect(h.protocol).toEqual({ tls: true, auth: false, ...NO_PROTOCOL_FLAGS });
    expect(h.tls).toEqual({ version: null, cipher: 'ECDHE-RSA-AES256-GCM-SHA384', bits: null, verified: null, source: 'ironport' });
    expect([h.software, h.date?.epochMs, h.notes]).toEqual(['ironport', T0, []]);
  });

  it('UTF8SMTPS and LMTPSA are read as RFC 6531 / RFC 3848 types; an unknown type leaves the protocol unknown with a note', () => {
    expect(parseReceived('from a.example ([192.0.2.1]) by b.example with UTF8SMTPS id 1; Mon, 21 Sep 2026 10:00:00 +0000').protocol)
      .toEqual({ tls: true, auth: false, lmtp: false, utf8: true });
    expect(parseReceived('from a.example ([192.0.2.1]) by b.example with LMTPSA id 1; Mon, 21 Sep 2026 10:00:00 +0000').protocol)
      .toEqual({ tls: true, auth: true, lmtp: true, utf8: false });
    const odd = parseReceived('from a.example ([192.0.2.1]) by b.example with NNFMP id 1; Mon, 21 Sep 2026 10:00:00 +0000');
    expect([odd.with, odd.protocol, odd.notes]).toEqual([null, null, ['"with NNFMP" is not a mail transmission type']]);
  });

  it('a HELO with parentheses and an address literal: the last address comment is the TCP information', () => {
    expect(parseReceived('from x([203.0.113.5]) (unknown [198.51.100.7]) by mx.example.net (Postfix) with ESMTP id 4X; Mon, 21 Sep 2026 10:00:00 +0000').from)
      .toEqual({ helo: 'x', reverse: null, ip: '198.51.100.7' });
  });

  it('a HELO literal without TCP information is no address; a bracketed word that is not an address is not one', () => {
    expect(parseReceived('from [203.0.113.5] by mx.example.net with SMTP; Mon, 21 Sep 2026 10:00:00 +0000').from)
      .toEqual({ helo: '[203.0.113.5]', reverse: null, ip: null });
    const h = parseReceived('from h.example (r.example [999.1.2.3]) by mx.example.net with SMTP; Mon, 21 Sep 2026 10:00:00 +0000');
    expect(h.from?.ip).toBeNull();
    expect(h.notes).toContain('an address literal in the from clause is not an address');
  });

  it('nested and unclosed comments, a value with no date, text before the first clause', () => {
    const nested = parseReceived('from a.example (b.example [192.0.2.1] (x (y (z)))) by c.example (Postfix) with ESMTP id 9; Mon, 21 Sep 2026 10:00:00 +0000');
    expect(nested.from).toEqual({ helo: 'a.example', reverse: 'b.example', ip: '192.0.2.1' });
    const unclosed = parseReceived('from a.example (b.example [192.0.2.1] by c.example with ESMTP');
    expect(unclosed.date).toBeNull();
    expect(unclosed.notes).toEqual(['no date (no ";")', 'a comment was not closed']);
    expect(parseReceived('junk from a.example by b.example; Mon, 21 Sep 2026 10:00:00 +0000').notes).toEqual(['text before the first clause was not read']);
  });
});

describe('parseReceivedDate: what follows the last ";"', () => {
  it('RFC 5322 offsets, with and without the day name and a trailing comment', () => {
    expect(parseReceivedDate(' Mon, 21 Sep 2026 10:00:00 +0000 (UTC)')).toEqual(dateAt('Mon, 21 Sep 2026 10:00:00 +0000 (UTC)', T0));
    expect(parseReceivedDate('21 Sep 2026 11:30 +0130').epochMs).toBe(T0);
  });
  it('obsolete zones, military zones, -0000, two-digit years, a missing zone, fractional seconds', () => {
    expect(parseReceivedDate('Mon, 21 Sep 2026 06:00:00 EDT')).toEqual(dateAt('Mon, 21 Sep 2026 06:00:00 EDT', T0, 'obsolete zone EDT'));
    expect(parseReceivedDate('Mon, 21 Sep 2026 05:00:00 est').epochMs).toBe(T0);
    expect(parseReceivedDate('21 Sep 2026 10:00:00 Z')).toEqual(dateAt('21 Sep 2026 10:00:00 Z', T0, 'military zone Z read as -0000 (RFC 5322 §4.3)'));
    expect(parseReceivedDate('21 Sep 2026 10:00:00 -0000').note).toBe('zone -0000: UTC, local zone unknown');
    expect(parseReceivedDate('Mon, 21 Sep 26 10:00:00 +0000')).toEqual(dateAt('Mon, 21 Sep 26 10:00:00 +0000', T0, 'two-digit year'));
    expect(parseReceivedDate('Tue, 21 Sep 99 10:00:00 +0000').epochMs).toBe(Date.UTC(1999, 8, 21, 10));
    expect(parseReceivedDate('Mon, 21 Sep 2026 10:00:00')).toEqual(dateAt('Mon, 21 Sep 2026 10:00:00', null, 'no time zone'));
    expect(parseReceivedDate('Mon, 21 Sep 2026 10:00:00.716 +0000 (UTC)')).toEqual(dateAt('Mon, 21 Sep 2026 10:00:00.716 +0000 (UTC)', T0, 'fractional seconds'));
  });
  it('an unknown zone, an impossible day and plain junk give no time and a note', () => {
    expect(parseReceivedDate('Mon, 21 Sep 2026 10:00:00 XYZT')).toEqual(dateAt('Mon, 21 Sep 2026 10:00:00 XYZT', null, 'unknown zone "XYZT"'));
    expect(parseReceivedDate('31 Feb 2026 10:00:00 +0000').note).toBe('no such day');
    expect(parseReceivedDate('yesterday')).toEqual(dateAt('yesterday', null, 'date not understood'));
    expect(parseReceivedDate('21 Sep 2026 25:00:00 +0000').note).toBe('date out of range');
  });
  it('the date is what follows the LAST ";"', () => {
    const h = parseReceived('from a.example ([192.0.2.1]) by b.example with ESMTP id x; for <u@example.com>; Mon, 21 Sep 2026 10:00:00 +0000');
    expect(h.date?.epochMs).toBe(T0);
  });
});

describe('TLS version names', () => {
  it.each([
    ['TLSv1.3', 'TLS 1.3'], ['TLS1_2', 'TLS 1.2'], ['TLS1.3', 'TLS 1.3'], ['TLSv1', 'TLS 1.0'], ['TLSv1.1', 'TLS 1.1'],
    ['SSLv3', 'SSL 3.0'], ['tls1_0', 'TLS 1.0'], ['TLSv2.0', null], ['TLS', null], ['AES', null],
  ])('%s → %s', (raw, expected) => {
    expect(normaliseTlsVersion(raw)).toBe(expected);
  });
  it('a version it cannot read is a note, not a guess', () => {
    const h = parseReceived('from a.example ([192.0.2.1]) by b.example (8.15.2/8.15.2) with ESMTPS id 1 (version=TLSv9 cipher=X bits=1 verify=OK); Mon, 21 Sep 2026 10:00:00 +0000');
    expect(h.tls?.version).toBeNull();
    expect(h.notes).toEqual(['TLS version "TLSv9" not understood']);
  });
});

describe('addresses', () => {
  it.each([
    ['192.0.2.1', true], ['2001:db8::1', true], ['::1', true], ['::ffff:192.0.2.1', true], ['2001:db8:0:0:0:0:0:1', true],
    ['256.0.0.1', false], ['15.20.1234.5.6', false], ['2001:db8:::1', false], ['local', false], ['1.2.3', false], ['', false],
  ])('%s → %s', (s, expected) => {
    expect(isIpAddress(s)).toBe(expected);
  });
});

// ---------------------------------------------------------------- the corpus, read in place

/** Every Received field of a message (the top block and any returned message inside it), unfolded. */
function receivedFields(text: string): string[] {
  const lines = text.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (!line.toLowerCase().startsWith('received:')) continue;
    let value = line.slice('received:'.length);
    while (i + 1 < lines.length && (lines[i + 1]!.startsWith(' ') || lines[i + 1]!.startsWith('\t'))) value += ` ${lines[++i]!.replace(/\r$/, '').trim()}`;
    out.push(value);
  }
  return out;
}

function corpusFiles(ctx: Parameters<typeof skipWithout>[0]): string[] {
  try {
    return readdirSync(CORPUS).sort();
  } catch {
    return skipWithout(ctx, 'corpus', `no header corpus at ${CORPUS} (set MXRAY_CORPUS to its parent folder)`);
  }
}

function assertSane(h: ReceivedHop, where: string): void {
  if (h.from?.ip != null) expect(isIpAddress(h.from.ip), `${where}: ip ${h.from.ip}`).toBe(true);
  const helo = (h.from?.helo ?? '').toLowerCase();
  expect(helo.startsWith('qmail') || helo.startsWith('invoked'), `${where}: helo ${helo}`).toBe(false);
  if (h.id !== null && h.from?.ip != null) expect(h.from.ip, where).not.toBe(h.id);
}

describe('the real headers of the corpus, read in place', () => {
  it('every Received field of every message parses without a throw, no ip is anything but an address, no comment is a host', (ctx) => {
    let fields = 0;
    let withTls = 0;
    const software = new Set<string>();
    for (const name of corpusFiles(ctx).filter((f) => f.endsWith('.eml'))) {
      for (const value of receivedFields(readFileSync(join(CORPUS, name), 'latin1'))) {
        const h = parseReceived(value);
        assertSane(h, name);
        fields++;
        if (h.tls) withTls++;
        if (h.software) software.add(h.software);
      }
    }
    expect(fields).toBeGreaterThan(200);
    expect(withTls).toBeGreaterThan(30);
    for (const s of ['postfix', 'exim', 'exchange', 'gmail', 'sendmail', 'qmail', 'iis', 'amavis', 'ironport', 'haraka']) expect(software, s).toContain(s);
  });

  it('mailauth\'s one-per-MTA file: the address it expects, and its "from" among the names read', (ctx) => {
    const name = corpusFiles(ctx).find((f) => f === 'mailauth-received-mta-formats.json');
    if (!name) return skipWithout(ctx, 'corpus', 'no mailauth-received-mta-formats.json in the corpus');
    const entries = JSON.parse(readFileSync(join(CORPUS, name), 'utf8')) as { mta: string; header: string; ip: string | false; from: string }[];
    expect(entries.length).toBeGreaterThan(10);
    for (const e of entries) {
      const h = parseReceived(e.header.replace(/^Received:/i, ''));
      assertSane(h, e.mta);
      if (e.ip !== false) expect(h.from?.ip, e.mta).toBe(e.ip);
      // mailauth records no address unless it is a bracketed literal; we also read the bare
      // "(192.0.2.1)" that qmail and Exchange write — never a HELO literal, never an id.
      else if (h.from?.ip != null) expect(e.header, e.mta).toContain(`(${h.from.ip})`);
      else expect(h.from?.ip, e.mta).toBeNull();
      const names = [h.from?.helo, h.from?.reverse, h.from?.ip ? `[${h.from.ip}]` : null];
      if (e.from === 'unknown') expect(h.from?.reverse, e.mta).toBeNull();
      else expect(names, e.mta).toContain(e.from);
    }
  });
});

// ---------------------------------------------------------------- properties

const SEEDS = [
  'from mail.example.org (mail.example.org [192.0.2.10]) (using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)) by mx.example.net (Postfix) with ESMTPS id 4X for <u@example.net>; Mon, 21 Sep 2026 10:00:00 +0000 (UTC)',
  'from a.example (203.0.113.7) by b.outlook.com (2603:10a6::1) with Microsoft SMTP Server (version=TLS1_2, cipher=TLS_X) id 15.20.1.2 via Frontend Transport; Mon, 21 Sep 2026 10:00:00 +0000',
  'from [192.0.2.66] (port=1 helo=[203.0.113.5]) by mx.example.net with esmtps (TLS1.3) tls TLS_AES_256_GCM_SHA384 (Exim 4.96) id 1a; Mon, 21 Sep 26 10:00:00 EST',
  '(qmail 1 invoked from network); 21 Sep 2026 10:00:00 -0000',
  'from unknown (HELO h.example) (192.0.2.1) by [IPv6:2001:db8::1] with ESMTP/TLS/AES; 21 Sep 2026 10:00 Z',
];

function checkCaps(h: ReceivedHop): void {
  const strings = [h.from?.helo, h.from?.reverse, h.from?.ip, h.by, h.via, h.with, h.id, h.for, h.date?.raw, h.date?.note, h.tls?.version, h.tls?.cipher, h.tls?.verified, h.tls?.source];
  for (const s of strings) if (s != null) expect(s.length).toBeLessThanOrEqual(MAX_FIELD_LENGTH);
  if (h.from?.ip != null) expect(isIpAddress(h.from.ip)).toBe(true);
  expect(h.notes.length).toBeLessThanOrEqual(MAX_NOTES);
  for (const n of h.notes) expect(n.length).toBeLessThanOrEqual(MAX_NOTE_LENGTH);
}

const ALPHABET = ['(', ')', '[', ']', '<', '>', ';', ' ', '\t', '\r\n', ':', '=', ',', '/', 'from', 'by', 'with', 'id', 'for', 'via', 'tls', 'TLSv1.3', 'ESMTPS', 'helo=', 'HELO', '192.0.2.1', 'IPv6:', '::', 'a', '.', 'cipher=', 'bits=256/256', 'version=TLS1_2', 'using', 'Sep', '2026', '10:00:00', '+0000', 'GMT'];

describe('properties', () => {
  it('random values never throw and every string stays within its cap', () => {
    fc.assert(fc.property(fc.string({ maxLength: 600 }), (s) => checkCaps(parseReceived(s))), { numRuns: 400 });
    fc.assert(fc.property(fc.array(fc.constantFrom(...ALPHABET), { maxLength: 300 }), (parts) => checkCaps(parseReceived(parts.join(' ')))), { numRuns: 400 });
  });

  it('mutated real-dialect values never throw and every string stays within its cap', () => {
    const mutation = fc.tuple(fc.nat(), fc.nat({ max: 40 }), fc.string({ maxLength: 40 }));
    fc.assert(fc.property(fc.constantFrom(...SEEDS), fc.array(mutation, { maxLength: 8 }), (seed, edits) => {
      let s = seed;
      for (const [at, del, ins] of edits) {
        const i = at % (s.length + 1);
        s = s.slice(0, i) + ins + s.slice(i + del);
      }
      checkCaps(parseReceived(s));
    }), { numRuns: 500 });
  });

  it('hostile sizes: deep nesting, endless literals and a megabyte value are read in bounded time with notes', () => {
    const values = [
      '('.repeat(200_000),
      `from ${'['.repeat(100_000)}`,
      `from ${'a'.repeat(1_000_000)} by b; Mon, 21 Sep 2026 10:00:00 +0000`,
      `from a ${'(b '.repeat(50_000)}`,
      'by x '.repeat(100_000),
      `${';'.repeat(50_000)}${'1'.repeat(50_000)}`,
    ];
    // They end (a runaway parse would hold the test past its time-out); no wall-clock assertion.
    for (const v of values) {
      const h = parseReceived(v);
      checkCaps(h);
      expect(h.notes.length).toBeGreaterThan(0);
    }
    expect(parseReceived('x'.repeat(20_000)).notes).toContain('value longer than 16384 characters: the rest was not read');
  });
});

describe('the smaller cases', () => {
  it('Postfix\'s verified client certificate is kept as "verified OK"', () => {
    const h = parseReceived('from a.example.org (a.example.org [192.0.2.5]) (using TLSv1.2 with cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)) (Client CN "a.example.org", Issuer "CA" (verified OK)) by b.example.net (Postfix) with ESMTPS id 1; Mon, 21 Sep 2026 10:00:00 +0000');
    expect(h.tls).toEqual({ version: 'TLS 1.2', cipher: 'ECDHE-RSA-AES256-GCM-SHA384', bits: 256, verified: 'verified OK', source: 'postfix' });
  });

  it('a local submission names a user, not a host', () => {
    const h = parseReceived('from root by mail.example.net with local (Exim 4.96) (envelope-from <root@example.net>) id 1aB-00C; Mon, 21 Sep 2026 10:00:00 +0000');
    expect(h.from).toEqual({ helo: null, reverse: null, ip: null });
    expect(h.notes).toEqual(['"with local" is not a mail transmission type', 'local submission by the user "root", not a host']);
    expect(h.software).toBe('exim');
  });

  it('Exchange\'s MAPI submission: the type is MAPI, TLS unknown, the software Exchange', () => {
    const h = parseReceived('from EX01.corp.example.com ([fe80::1]) by EX01.corp.example.com ([fe80::1%12]) with mapi id 15.01.2507.006; Mon, 21 Sep 2026 10:00:00 +0000');
    expect([h.with, h.protocol?.tls, h.software, h.from?.ip, h.id]).toEqual(['mapi', null, 'exchange', 'fe80::1', '15.01.2507.006']);
  });
});

describe('the traps of issue 22, one at a time', () => {
  const D = 'Mon, 21 Sep 2026 10:00:00 +0000';

  it('the date is what follows the LAST ";", even when a clause before it ends in one', () => {
    const h = parseReceived(`from a.example (a.example [192.0.2.1]) by b.example (OpenSMTPD) with ESMTP id 1a2b; for <u@example.com>; ${D}`);
    expect([h.date?.raw, h.date?.epochMs, h.id, h.for]).toEqual([D, T0, '1a2b', 'u@example.com']);
    // A ';' inside the date's trailing comment is not the one that counts: the last ';' is.
    expect(parseReceived(`by b.example id 1; Sun, 20 Sep 2026 10:00:00 +0000; ${D}`).date?.epochMs).toBe(T0);
  });

  it('a ";" inside the date’s own comment is not the last one: the comment stays with the date', () => {
    const h = parseReceived(`from a.example (a.example [192.0.2.1]) by b.example with ESMTP id 1; ${D} (GMT; really)`);
    expect([h.date?.raw, h.date?.epochMs, h.id]).toEqual([`${D} (GMT; really)`, T0, '1']);
    // Parentheses that do not balance: the last ";" at all.
    expect(parseReceived(`by b.example id 1; ${D} (GMT; really`).date?.raw).toBe('really');
  });

  it.each([
    ['Mon, 21 Sep 2026 05:00:00 EST', 'obsolete zone EST'],
    ['Mon, 21 Sep 2026 03:00:00 PDT', 'obsolete zone PDT'],
    ['Mon, 21 Sep 2026 02:00:00 PST', 'obsolete zone PST'],
    ['Mon, 21 Sep 2026 10:00:00 GMT', 'obsolete zone GMT'],
    ['Mon, 21 Sep 2026 10:00:00 UT', 'obsolete zone UT'],
    ['Mon, 21 Sep 2026 04:00:00 MDT', 'obsolete zone MDT'],
  ])('obsolete zone name: %s', (raw, note) => {
    expect(parseReceivedDate(raw)).toEqual(dateAt(raw, T0, note));
  });

  it('military letters are read as -0000 (RFC 5322 §4.3 says their sign was miswritten), "J" is no zone', () => {
    for (const z of ['A', 'M', 'N', 'Y', 'z']) expect(parseReceivedDate(`21 Sep 2026 10:00:00 ${z}`).epochMs, z).toBe(T0);
    expect(parseReceivedDate('21 Sep 2026 10:00:00 J')).toEqual(dateAt('21 Sep 2026 10:00:00 J', null, 'unknown zone "J"'));
  });

  it('"-0000" is UTC with the local zone unknown, "+0000" is plain UTC', () => {
    expect(parseReceivedDate('Mon, 21 Sep 2026 10:00:00 -0000')).toEqual(dateAt('Mon, 21 Sep 2026 10:00:00 -0000', T0, 'zone -0000: UTC, local zone unknown'));
    expect(parseReceivedDate(D).note).toBeNull();
  });

  it('two-digit years: 00–49 are 20xx, 50–99 are 19xx; three digits add 1900', () => {
    expect(parseReceivedDate('21 Sep 49 10:00:00 +0000').epochMs).toBe(Date.UTC(2049, 8, 21, 10));
    expect(parseReceivedDate('21 Sep 50 10:00:00 +0000').epochMs).toBe(Date.UTC(1950, 8, 21, 10));
    expect(parseReceivedDate('21 Sep 126 10:00:00 +0000')).toEqual(dateAt('21 Sep 126 10:00:00 +0000', T0, 'three-digit year'));
  });

  it('a missing zone gives no instant (the date is kept), with a note', () => {
    expect(parseReceived('from a.example ([192.0.2.1]) by b.example with SMTP; 21 Sep 2026 10:00:00').date)
      .toEqual(dateAt('21 Sep 2026 10:00:00', null, 'no time zone'));
  });

  it('no day name, extra spaces and tabs, a comma without a space, a three-digit day, seconds left out', () => {
    expect(parseReceivedDate('21 Sep 2026 10:00:00 +0000').epochMs).toBe(T0);
    expect(parseReceivedDate('Mon,   21  Sep\t2026   10:00:00    +0000   (UTC)').epochMs).toBe(T0);
    expect(parseReceivedDate('Mon,21 Sep 2026 12:00:00 +0200').epochMs).toBe(T0);
    expect(parseReceivedDate('Mon, 021 Sep 2026 10:00:00 +0000')).toEqual(dateAt('Mon, 021 Sep 2026 10:00:00 +0000', T0, 'day written with three digits'));
    expect(parseReceivedDate('Mon, 0021 Sep 2026 10:00:00 +0000').epochMs).toBeNull();
    expect(parseReceivedDate('Mon, 21 Sep 2026 10:00 +0000').epochMs).toBe(T0);
    // Courier writes its id after the date: what follows the date is not read.
    expect(parseReceivedDate('Mon, 21 Sep 2026 19:00:00 +0900  id 0F1BC0E0.4D025E3A.00001792').epochMs).toBe(T0);
  });

  it('a qmail comment never becomes a host, whichever way qmail was invoked', () => {
    for (const c of ['(qmail 12345 invoked from network)', '(qmail 123 invoked by uid 89)', '(qmail 7 invoked by alias)', '(qmail 2222 invoked for bounce)']) {
      const h = parseReceived(`${c}; 21 Sep 2026 10:00:00 -0000`);
      expect([h.from, h.by, h.with, h.software, h.date?.epochMs], c).toEqual([null, null, null, 'qmail', T0]);
    }
  });

  it('an Exchange id such as 15.20.8769.20 is never an address; "(10.1.2.3)" after from is', () => {
    const h = parseReceived(`from EX1.corp.example.com (10.1.2.3) by EX2.corp.example.com (10.4.5.6) with Microsoft SMTP Server (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.8769.20; ${D}`);
    expect([h.from, h.by, h.id, h.software]).toEqual([{ helo: 'EX1.corp.example.com', reverse: null, ip: '10.1.2.3' }, 'EX2.corp.example.com', '15.20.8769.20', 'exchange']);
    expect(isIpAddress('15.20.8769.20')).toBe(false);
    // An id alone in parentheses is not an address either.
    expect(parseReceived(`from a.example (15.20.8769.20) by b.example with ESMTP; ${D}`).from?.ip).toBeNull();
  });

  it('Exchange Online: an IPv6 address in parentheses is the from address, the by one is not taken for it', () => {
    const h = parseReceived(`from AM6PR01MB1111.eurprd01.prod.outlook.com (2603:10a6:20b:1::11) by AM6PR01MB2222.eurprd01.prod.outlook.com (2603:10a6:20b:2::22) with Microsoft SMTP Server (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.8769.20; ${D}`);
    expect(h.from).toEqual({ helo: 'AM6PR01MB1111.eurprd01.prod.outlook.com', reverse: null, ip: '2603:10a6:20b:1::11' });
    expect(h.by).toBe('AM6PR01MB2222.eurprd01.prod.outlook.com');
  });

  it('Gmail internal: "by 2002:a05:6a10:…" is an address, kept as by; the hop names no from', () => {
    const h = parseReceived('by 2002:a05:6a10:8c0a:b0:5f1:1e42:5a1b with SMTP id n10csp123456pxb;        Mon, 21 Sep 2026 03:00:00 -0700 (PDT)');
    expect([h.from, h.by, h.with, h.protocol?.tls, h.id, h.date?.epochMs]).toEqual([null, '2002:a05:6a10:8c0a:b0:5f1:1e42:5a1b', 'SMTP', false, 'n10csp123456pxb', T0]);
  });

  it('Gmail "(Google Transport Security)" says TLS with no version or cipher; smtp.gmail.com is Gmail too', () => {
    const h = parseReceived('from mail-sor-f41.google.com (mail-sor-f41.google.com. [209.85.220.41]) by mx.google.com with SMTPS id b2sor1.2.2026.09.21.03.00.00 for <u@example.com> (Google Transport Security); Mon, 21 Sep 2026 03:00:00 -0700 (PDT)');
    expect([h.protocol?.tls, h.tls?.version, h.tls?.cipher, h.tls?.source, h.software]).toEqual([true, null, null, 'google-transport-security', 'gmail']);
    expect(parseReceived(`from [192.0.2.7] (p1.example.net. [198.51.100.7]) by smtp.gmail.com with ESMTPSA id x1sm2.3.2026.09.21 (version=TLS1_3 cipher=TLS_AES_256_GCM_SHA384 bits=256/256); ${D}`).software).toBe('gmail');
  });

  it('IronPort "with ESMTP/TLS/DHE-RSA-AES256-SHA"', () => {
    const h = parseReceived(`from mx1.example.org (HELO mail.example.org) ([198.51.100.2]) by esa.example.com with ESMTP/TLS/DHE-RSA-AES256-SHA; ${D}`);
    expect([h.with, h.protocol?.tls, h.tls?.cipher, h.software, h.from]).toEqual(['ESMTP', true, 'DHE-RSA-AES256-SHA', 'ironport', { helo: 'mail.example.org', reverse: 'mx1.example.org', ip: '198.51.100.2' }]);
  });

  it('Haraka "with ESMTPS id … envelope-from <…> (version=TLSv1.3 cipher=…)"', () => {
    const h = parseReceived(`from mail.example.org (mail.example.org [192.0.2.10]) by mx.example.net (Haraka/3.0.3) with ESMTPS id 5D8F1E2A-1B2C-4D3E-9F00-AABBCCDDEEFF.1 envelope-from <a@example.org> (version=TLSv1.3 cipher=TLS_AES_256_GCM_SHA384); ${D}`);
    expect(h.tls).toEqual({ version: 'TLS 1.3', cipher: 'TLS_AES_256_GCM_SHA384', bits: null, verified: null, source: 'key-value' });
    expect([h.id, h.software, h.protocol?.tls]).toEqual(['5D8F1E2A-1B2C-4D3E-9F00-AABBCCDDEEFF.1', 'haraka', true]);
  });

  it('RFC 8314 "tls TLS_AES_128_GCM_SHA256" clause on its own', () => {
    const h = parseReceived(`from a.example.org (a.example.org [192.0.2.3]) by b.example.net with ESMTPS tls TLS_AES_128_GCM_SHA256 id 77; ${D}`);
    expect(h.tls).toEqual({ version: null, cipher: 'TLS_AES_128_GCM_SHA256', bits: null, verified: null, source: 'tls-clause' });
    expect([h.with, h.id, h.software]).toEqual(['ESMTPS', '77', null]);
  });

  it('Zimbra LMTP, the Amavis hop on localhost:10024 and Postfix\'s after-filter hop on localhost', () => {
    const amavis = parseReceived(`from localhost (localhost [127.0.0.1]) by mail.example.com (localhost [127.0.0.1]) (amavisd-new, port 10024) with ESMTP id Xy12AbCd for <u@example.com>; ${D}`);
    expect([amavis.from, amavis.by, amavis.with, amavis.protocol?.tls, amavis.software]).toEqual([{ helo: 'localhost', reverse: 'localhost', ip: '127.0.0.1' }, 'mail.example.com', 'ESMTP', false, 'amavis']);
    const after = parseReceived(`from localhost (localhost [127.0.0.1]) by mail.example.com (Postfix) with ESMTP id 4Yz; ${D}`);
    expect([after.from?.ip, after.software, after.protocol?.tls]).toEqual(['127.0.0.1', 'postfix', false]);
    const zimbra = parseReceived(`from mail.example.com (LHLO mail.example.com) (192.0.2.10) by mail.example.com with LMTP; ${D}`);
    expect([zimbra.protocol?.lmtp, zimbra.software]).toEqual([true, 'zimbra']);
  });

  it('IIS "with Microsoft SMTPSVC(6.0.3790.4675)" names IIS and says nothing of TLS; Exchange 5.5\'s Internet Mail Service names Exchange', () => {
    const h = parseReceived(`from mail.example.org ([192.0.2.10]) by W2K3.example.com with Microsoft SMTPSVC(6.0.3790.4675); ${D}`);
    expect([h.with, h.protocol, h.tls, h.software, h.notes]).toEqual([null, null, null, 'iis', []]);
    const ims = parseReceived(`by xs.example.com with Internet Mail Service (5.5.2657.72) id <1ABCDEFG>; ${D}`);
    expect([ims.with, ims.software, ims.notes]).toEqual([null, 'exchange', []]);
  });

  it('Exim old "(TLSv1.2:ECDHE-RSA-AES256-GCM-SHA384:256)" and new "(TLS1.3) tls TLS_AES_256_GCM_SHA384"', () => {
    const old = parseReceived(`from mail.example.org ([192.0.2.10]:51234) by mx.example.net with esmtps (TLSv1.2:ECDHE-RSA-AES256-GCM-SHA384:256) (Exim 4.92) (envelope-from <a@example.org>) id 1kAbCd-0001Xy-Zz; ${D}`);
    expect(old.tls).toEqual({ version: 'TLS 1.2', cipher: 'ECDHE-RSA-AES256-GCM-SHA384', bits: 256, verified: null, source: 'colon' });
    // Exim leaves out helo= when the HELO matched the host name it verified: that name is both.
    expect(old.from).toEqual({ helo: 'mail.example.org', reverse: 'mail.example.org', ip: '192.0.2.10' });
    const neu = parseReceived(`from mail.example.org ([192.0.2.10]) by mx.example.net with esmtps (TLS1.3) tls TLS_AES_256_GCM_SHA384 (Exim 4.97) id 1kAbCd-0001Xy-Zz; ${D}`);
    expect([neu.tls?.version, neu.tls?.cipher, neu.tls?.source]).toEqual(['TLS 1.3', 'TLS_AES_256_GCM_SHA384', 'version+tls-clause']);
  });

  it('Sendmail "(version=TLSv1.3 cipher=… bits=256 verify=NOT)"; old "TLSv1/SSLv3" is a cipher family, not a version', () => {
    const h = parseReceived(`from a.example.org (a.example.org [192.0.2.4]) by mx.example.net (8.18.1/8.18.1) with ESMTPS id 58LA00aB (version=TLSv1.3 cipher=TLS_AES_256_GCM_SHA384 bits=256 verify=NOT); ${D}`);
    expect(h.tls).toEqual({ version: 'TLS 1.3', cipher: 'TLS_AES_256_GCM_SHA384', bits: 256, verified: 'NOT', source: 'key-value' });
    const old = parseReceived(`from a.example.org (a.example.org [192.0.2.4]) by mx.example.net (8.13.1/8.13.1) with ESMTP id 1 (version=TLSv1/SSLv3 cipher=DHE-RSA-AES256-SHA bits=256 verify=NO); ${D}`);
    expect([old.tls?.version, old.tls?.cipher, old.protocol?.tls]).toEqual([null, 'DHE-RSA-AES256-SHA', true]);
    expect(old.notes).toEqual(['"TLSv1/SSLv3" names the cipher\'s family, not the protocol version', '"with ESMTP" says clear text, but TLS details are recorded']);
    expect(parseReceived(`from a.example ([192.0.2.4]) by b.example (V8/cf) with ESMTP id 2; ${D}`).software).toBe('sendmail');
  });

  it('OpenSMTPD "(TLSv1.3:TLS_AES_256_GCM_SHA384:256:NO)"', () => {
    const h = parseReceived(`from mail.example.org (mail.example.org [192.0.2.10]) by mx.example.net (OpenSMTPD) with ESMTPS id 3f2e1d0c (TLSv1.3:TLS_AES_256_GCM_SHA384:256:NO) for <u@example.net>; ${D}`);
    expect(h.tls).toEqual({ version: 'TLS 1.3', cipher: 'TLS_AES_256_GCM_SHA384', bits: 256, verified: 'NO', source: 'opensmtpd' });
  });
});

describe('what the corpus taught', () => {
  const D = 'Mon, 21 Sep 2026 10:00:00 +0000';

  it('"from unknown [192.0.2.41]": an address literal after the first word, outside a comment, is the TCP address', () => {
    expect(parseReceived(`from unknown [192.0.2.41] by gw.example.com with ESMTP id 1; ${D}`).from).toEqual({ helo: null, reverse: null, ip: '192.0.2.41' });
    expect(parseReceived(`from unknown [192.0.2.89] (EHLO h.example.org) by relay.example.net(mxl_mta-6.5.0-4) with ESMTP id 2; ${D}`).from)
      .toEqual({ helo: 'h.example.org', reverse: null, ip: '192.0.2.89' });
    expect(parseReceived(`from pop.example.org [192.0.2.172] by host.example.com with POP3 (fetchmail-6.4.38) for <u@localhost>; ${D}`).from)
      .toEqual({ helo: null, reverse: 'pop.example.org', ip: '192.0.2.172' });
    // The first token itself in brackets stays a HELO literal (no TCP information).
    expect(parseReceived(`from [192.0.2.1] by b.example with SMTP; ${D}`).from?.ip).toBeNull();
  });

  it('MessageLabs "with CIPHER encrypted SMTP" and qmail\'s TLS patch "(CIPHER encrypted)" say TLS with that cipher', () => {
    const ml = parseReceived(`from unknown (HELO a.example.org) (192.0.2.9) by server-1.tower-1.example.com with DHE-RSA-AES256-GCM-SHA384 encrypted SMTP; ${D}`);
    expect([ml.with, ml.protocol?.tls, ml.tls?.cipher, ml.tls?.source, ml.notes]).toEqual(['SMTP', true, 'DHE-RSA-AES256-GCM-SHA384', 'encrypted', []]);
    const q = parseReceived(`from relay.example.org (203.0.113.25) by mx.example.com with ESMTPS (AES256-GCM-SHA384 encrypted); ${D}`);
    expect([q.with, q.protocol?.tls, q.tls?.cipher]).toEqual(['ESMTPS', true, 'AES256-GCM-SHA384']);
    // Words that are no cipher before "encrypted" are not read as one.
    expect(parseReceived(`from a.example ([192.0.2.1]) by b.example with SMTP (not encrypted); ${D}`).tls).toBeNull();
  });

  it('"with ESMTP via SSL" is TLS (with a note that the type alone says otherwise)', () => {
    const h = parseReceived(`from a.example.org ([192.0.2.195]) by b.example.com ([192.0.2.146]) with ESMTP via SSL; 21 Sep 2026 10:00:00 -0000`);
    expect([h.via, h.protocol?.tls, h.tls?.source]).toEqual(['SSL', true, 'via-ssl']);
  });

  it('a comment that names the software outranks what the format suggests; other named software leaves it unnamed', () => {
    // ecelerity borrows Exim's helo=: not Exim.
    expect(parseReceived(`from [192.0.2.10] ([192.0.2.10:4227] helo=mail.example.org) by mta.example.com (envelope-from <>) (ecelerity 4.2.38.62370 r(:)) with ESMTPS (cipher=ECDHE-RSA-AES256-GCM-SHA384) id 1; ${D}`).software).toBeNull();
    // qpsmtpd borrows qmail's "(HELO x) (ip)": not qmail.
    expect(parseReceived(`from a.example.org (HELO a.example.org) (192.0.2.22) by mx.example.com (qpsmtpd/0.96) with ESMTP; ${D}`).software).toBeNull();
    expect(parseReceived(`from a.example.org (HELO a.example.org) (192.0.2.22) by mx.example.com with ESMTP; ${D}`).software).toBe('qmail');
    // "(EHLO x)" and "([ip])" are not qmail's exact shape; a lower-case "smtp" alone is not Exim's.
    expect(parseReceived(`from 192.0.2.5 (EHLO a.example.org) (192.0.2.5) by mta.example.com with SMTP; ${D}`).software).toBeNull();
    expect(parseReceived(`from unknown (HELO a.example.org) ([192.0.2.5]) by mta.example.com with SMTP; ${D}`).software).toBeNull();
    expect(parseReceived(`from (unknown [192.0.2.4]) by mta.example.com with smtp id 1; ${D}`).software).toBeNull();
    // Exchange Online's mailbox hop names no software but its host.
    expect(parseReceived(`from AM0PR01MB1.eurprd01.prod.outlook.com (2603:10a6:208::1) by AM0PR01MB2.eurprd01.prod.outlook.com with HTTPS; ${D}`).software).toBe('exchange');
  });

  it('DragonFly Mail Agent\'s "from root (uid 0)" is a local user, not a host', () => {
    const h = parseReceived(`from root (uid 0) (envelope-from root@df.example.org) id e0003 by df.example.org (DragonFly Mail Agent v0.13); ${D}`);
    expect(h.from).toEqual({ helo: null, reverse: null, ip: null });
    expect(h.notes).toContain('local submission by the user "root", not a host');
  });
});
