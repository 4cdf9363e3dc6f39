// runHeaders and analyseMessage (jobs/headers/run-headers.ts) on the project's own header blocks:
// one message with every body field, an mbox, a bounce whose returned message is analysed on its
// own, a plain-text bounce, an Outlook paste, CRLF against LF, RFC 2047, inputs that give no
// message, the bounds (messages kept in full, Received lines read), trust in Authentication-Results,
// Microsoft's fields, the totals and the findings merged over many messages; every report valid
// against the published schema and read back by `mxray report`'s reader.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../../../src/core/clock.js';
import { parseSavedReport } from '../../../../src/core/saved-report.js';
import type { HeaderMessage, HeadersReport } from '../../../../src/core/schema.js';
import { analyseMessage, HEADERS_LIMITS, laterHeader, runHeaders, unindentPaste, type HeadersInput, type HeadersOptions } from '../../../../src/jobs/headers/run-headers.js';
import { schemaErrors } from '../../../helpers/schema.js';
import { readHeaderBlock } from '../../../../src/jobs/headers/read-header.js';

const FIXTURES = new URL('../../../fixtures/headers/', import.meta.url);
const fixture = (path: string): string => readFileSync(new URL(path, FIXTURES), 'utf8');
const NOW = Date.UTC(2026, 10, 29, 12, 0, 0);

async function run(inputs: HeadersInput[], options: Omit<HeadersOptions, 'inputs'> = {}): Promise<HeadersReport> {
  const report = await runHeaders({ inputs, clock: fixedClock(NOW), ...options });
  expect(schemaErrors(report)).toEqual([]);
  expect(parseSavedReport(JSON.stringify(report), 'saved.json')).toEqual(report);
  return report;
}

const ids = (r: HeadersReport): string[] => r.findings.map((f) => f.id).sort();
/** Each hop as "index from→by with tls zone crossing delay". */
const hopsOf = (m: HeaderMessage): string[] => m.hops.map((h) => `${h.index} ${h.fromReverse ?? h.fromHelo ?? h.fromIp ?? '-'}→${h.by ?? '-'} ${h.with ?? '-'} ${h.tls} ${h.zone}${h.crossing ? ' crossing' : ''} ${h.delaySeconds ?? 'null'}`);

const received = (n: number, over = ''): string =>
  `Received: from relay${n}.example.org (relay${n}.example.org [192.0.2.${n % 250}])\n\tby ${over || `relay${n + 1}.example.org`} (Postfix) with ESMTPS id ${n}; Mon, 21 Sep 2026 10:${String(Math.floor(n / 60) % 60).padStart(2, '0')}:${String(n % 60).padStart(2, '0')} +0000\n`;

describe('runHeaders: one message', () => {
  it('the clear-text fixture: every body field as the message says', async () => {
    const r = await run([{ name: 'cleartext-hop.txt', text: fixture('dialects/cleartext-hop.txt') }]);
    expect(r.kind).toBe('headers');
    expect(r.target).toBe('cleartext-hop.txt');
    expect(r.startedAt).toBe('2026-11-29T12:00:00.000Z');
    expect(r.durationMs).toBe(0);
    expect(r.verdict).toBe('fail');
    expect(ids(r)).toEqual(['headers.cleartext-hop', 'headers.unverified-hops']);
    const b = r.body;
    expect(b.inputs).toEqual({ files: 1, messages: 1, returned: 0, unreadable: 0 });
    expect(b.options).toEqual({ domains: [], internal: [], authservIds: [] });
    expect(b.totals).toEqual({ protected: 0, cleartext: 1, unknown: 0, noInternetHop: 0, noHops: 0 });
    expect([b.messagesNotListed, b.rowsNotListed, b.problemsNotListed, b.problems, b.limits]).toEqual([0, 0, 0, [], []]);
    expect(b.messages).toHaveLength(1);
    const m = b.messages[0]!;
    expect(m).toMatchObject({
      source: 'cleartext-hop.txt',
      returnedIn: null,
      subject: 'Invoice 2026-0917',
      from: 'Fiona Example <fiona@example.org>',
      to: 'Erik Example <erik@example.net>',
      messageId: '<20260921100000.GA1234@client.example.org>',
      date: '2026-09-21T10:00:00.000Z',
      dateRaw: 'Mon, 21 Sep 2026 12:00:00 +0200',
      fields: 7,
      hopsNotListed: 0,
      organisation: { names: ['example.net'], how: 'the topmost Received line is written by mx.example.net' },
      border: { hop: 2, ip: '192.0.2.10', from: 'mail.example.org', by: 'mx.example.net' },
      tls: { verdict: 'cleartext', crossingHops: 1, protectedHops: 0, cleartextHops: 1, unknownHops: 0, weakestVersion: null },
      totalSeconds: 2,
      tlsRequired: null,
      authentication: [],
      receivedSpf: [],
      microsoft: [],
      findings: ['headers.cleartext-hop', 'headers.unverified-hops'],
      notes: [],
    });
    expect(hopsOf(m)).toEqual(['1 client.example.org→mail.example.org ESMTPSA tls claimed 1', '2 mail.example.org→mx.example.net ESMTP clear border crossing 1']);
    const [h1, h2] = m.hops;
    expect(h1).toMatchObject({ line: 4, fromHelo: '[192.0.2.77]', fromIp: '192.0.2.77', tlsVersion: 'TLS 1.3', cipher: 'TLS_AES_128_GCM_SHA256', bits: 128, submission: true, local: false, date: '2026-09-21T10:00:01.000Z' });
    expect(h2).toMatchObject({ line: 1, fromHelo: 'mail.example.org', fromReverse: 'mail.example.org', fromIp: '192.0.2.10', by: 'mx.example.net', id: '5F1A2B3C4D', for: 'erik@example.net', software: 'postfix', submission: false, tlsVersion: null, date: '2026-09-21T10:00:02.000Z' });
    expect(h2!.raw.split('\n')).toEqual(['Received: from mail.example.org (mail.example.org [192.0.2.10])', '\tby mx.example.net (Postfix) with ESMTP id 5F1A2B3C4D', '\tfor <erik@example.net>; Mon, 21 Sep 2026 10:00:02 +0000 (UTC)']);
    expect(r.body.rows).toEqual([{ source: 'cleartext-hop.txt', returnedIn: null, subject: 'Invoice 2026-0917', date: '2026-09-21T10:00:00.000Z', hops: 2, crossingHops: 1, tls: 'cleartext', weakestVersion: null, totalSeconds: 2, findings: ['headers.cleartext-hop', 'headers.unverified-hops'] }]);
    // One message: the findings carry no "in n of m messages" scope.
    expect(r.findings.find((f) => f.id === 'headers.cleartext-hop')?.title).toBe('Hop 2 went in clear text between organisations: mail.example.org [192.0.2.10] → mx.example.net');
  });

  it('analyseMessage alone gives the same message and its findings (pure, no clock)', async () => {
    const text = fixture('dialects/cleartext-hop.txt');
    const { message, findings } = analyseMessage(text, 'cleartext-hop.txt');
    expect(findings.map((f) => f.id)).toEqual(['headers.cleartext-hop', 'headers.unverified-hops']);
    const r = await run([{ name: 'cleartext-hop.txt', text }]);
    expect(message).toEqual(r.body.messages[0]);
  });

  it('the skewed clock: the negative delay kept as it is, hops in the order the lines stand', async () => {
    const r = await run([{ name: 'skewed.txt', text: fixture('dialects/skewed-clock.txt') }]);
    const m = r.body.messages[0]!;
    expect(m.hops.map((h) => [h.index, h.by, h.delaySeconds])).toEqual([
      [1, 'mail.example.com', 1],
      [2, 'relay.example.com', 4],
      [3, 'mx.example.net', -155],
    ]);
    expect(ids(r)).toContain('headers.clock-skew');
  });
});

describe('runHeaders: several messages in one input', () => {
  it('an mbox of three: three rows in order, named "<file> message N"', async () => {
    const r = await run([{ name: 'three.mbox', text: fixture('blocks/three.mbox') }]);
    expect(r.body.inputs).toEqual({ files: 1, messages: 3, returned: 0, unreadable: 0 });
    expect(r.body.rows.map((x) => [x.source, x.subject, x.hops, x.tls])).toEqual([
      ['three.mbox message 1', 'one', 1, 'unknown'],
      ['three.mbox message 2', 'two', 2, 'protected'],
      ['three.mbox message 3', 'three', 0, 'no-hops'],
    ]);
    expect(r.body.messages.map((m) => m.source)).toEqual(['three.mbox message 1', 'three.mbox message 2', 'three.mbox message 3']);
    expect(r.body.totals).toEqual({ protected: 1, cleartext: 0, unknown: 1, noInternetHop: 0, noHops: 1 });
  });

  it('findings merged over the messages: one per id, with how many messages showed it and the first', async () => {
    const r = await run([{ name: 'three.mbox', text: fixture('blocks/three.mbox') }]);
    expect(r.findings.map((f) => [f.id, f.title])).toEqual([
      ['headers.no-received', 'No Received line: nothing shows how the message travelled; in 1 of 3 messages, first three.mbox message 3'],
      ['headers.tls-unknown-hop', expect.stringMatching(/^Hop 1 does not say whether TLS was used: a\.example\.org → mx\.example\.net .*; in 1 of 3 messages, first three\.mbox message 1$/)],
      ['headers.unverified-hops', expect.stringMatching(/; in 1 of 3 messages, first three\.mbox message 2$/)],
      ['headers.all-protected', expect.stringMatching(/; in 1 of 3 messages, first three\.mbox message 2$/)],
    ]);
    expect(r.verdict).toBe('inconclusive');
  });

  it('a finding of two messages counts both and names the first', async () => {
    const clear = fixture('dialects/cleartext-hop.txt');
    const r = await run([
      { name: 'a.eml', text: fixture('dialects/exim.txt') },
      { name: 'b.eml', text: clear },
      { name: 'c.eml', text: clear },
    ]);
    expect(r.findings.find((f) => f.id === 'headers.cleartext-hop')?.title).toBe('Hop 2 went in clear text between organisations: mail.example.org [192.0.2.10] → mx.example.net; in 2 of 3 messages, first b.eml');
    expect(r.body.inputs).toEqual({ files: 3, messages: 3, returned: 0, unreadable: 0 });
    expect(r.target).toBe('a.eml b.eml c.eml');
  });

  it('the totals add up to the messages read, returned ones included', async () => {
    const r = await run([
      { name: 'three.mbox', text: fixture('blocks/three.mbox') },
      { name: 'bounce.eml', text: fixture('blocks/bounce-rfc822.eml') },
      { name: 'clear.txt', text: fixture('dialects/cleartext-hop.txt') },
      { name: 'empty.txt', text: '' },
    ]);
    const { totals, inputs, rows } = r.body;
    expect(inputs).toEqual({ files: 4, messages: 5, returned: 1, unreadable: 1 });
    expect(totals).toEqual({ protected: 2, cleartext: 1, unknown: 1, noInternetHop: 1, noHops: 1 });
    expect(Object.values(totals).reduce((a, b) => a + b, 0)).toBe(inputs.messages + inputs.returned);
    expect(rows).toHaveLength(inputs.messages + inputs.returned);
    for (const [verdict, key] of [['protected', 'protected'], ['cleartext', 'cleartext'], ['unknown', 'unknown'], ['no-internet-hop', 'noInternetHop'], ['no-hops', 'noHops']] as const) {
      expect(rows.filter((x) => x.tls === verdict).length, verdict).toBe(totals[key]);
    }
  });

  it('inputs already split by the caller (single) are never read as an mbox, and count as inputs', async () => {
    const mbox = fixture('blocks/three.mbox');
    const r = await run([{ name: 'standard input', text: mbox, single: true }]);
    expect(r.body.inputs).toEqual({ files: 1, messages: 1, returned: 0, unreadable: 0 });
    expect(r.body.rows.map((x) => x.source)).toEqual(['standard input']);
  });

  it('messages of one input handed in one by one (continued) count as one input', async () => {
    const r = await run([
      { name: 'inbox message 1', text: fixture('dialects/exim.txt'), single: true },
      { name: 'inbox message 2', text: fixture('dialects/cleartext-hop.txt'), single: true, continued: true },
      { name: 'other.eml', text: fixture('dialects/qmail.txt'), single: true },
    ]);
    expect(r.body.inputs).toEqual({ files: 2, messages: 3, returned: 0, unreadable: 0 });
  });

  it('an async iterable of inputs is read like a list', async () => {
    async function* inputs(): AsyncGenerator<HeadersInput> {
      yield { name: 'a.eml', text: fixture('dialects/exim.txt') };
      yield { name: 'b.eml', text: fixture('dialects/cleartext-hop.txt') };
    }
    const r = await runHeaders({ inputs: inputs(), clock: fixedClock(NOW) });
    expect(r.body.rows.map((x) => [x.source, x.tls])).toEqual([
      ['a.eml', 'protected'],
      ['b.eml', 'cleartext'],
    ]);
  });
});

describe('runHeaders: messages returned inside bounces', () => {
  it('a message/rfc822 part: its own row and message, returnedIn the bounce, its own hops (not mixed into the bounce’s)', async () => {
    const r = await run([{ name: 'bounce.eml', text: fixture('blocks/bounce-rfc822.eml') }]);
    expect(r.body.inputs).toEqual({ files: 1, messages: 1, returned: 1, unreadable: 0 });
    expect(r.body.rows.map((x) => [x.source, x.returnedIn, x.subject, x.hops])).toEqual([
      ['bounce.eml', null, 'Undelivered Mail Returned to Sender', 1],
      ['bounce.eml, returned message', 'bounce.eml', 'hello', 2],
    ]);
    const [bounce, returned] = r.body.messages;
    expect(hopsOf(bounce!)).toEqual(['1 mx.example.net→mail.example.org ESMTPS tls border crossing null']);
    expect(bounce!.returnedIn).toBeNull();
    expect(hopsOf(returned!)).toEqual(['1 mail.example.org→relay.example.org LMTP unknown internal null', '2 laptop.example.org→mail.example.org ESMTPSA tls internal -1']);
    // The returned message's lines are numbered in its own text.
    expect(returned!.hops.map((h) => h.line)).toEqual([3, 1]);
    expect(returned!.returnedIn).toBe('bounce.eml');
    expect(bounce!.findings).toEqual(['headers.all-protected']);
    expect(returned!.findings).toEqual(['headers.clock-skew', 'headers.no-internet-hop']);
  });

  it('a plain-text bounce quoting the message after its own text: the quoted message read on its own', async () => {
    const r = await run([{ name: 'plain-bounce.txt', text: fixture('cli/plain-bounce.txt') }]);
    expect(r.body.inputs).toEqual({ files: 1, messages: 1, returned: 1, unreadable: 0 });
    const [bounce, returned] = r.body.messages;
    expect(hopsOf(bounce!)).toEqual(['1 mx.example.net→mail.example.org ESMTPS tls border crossing 1']);
    expect(returned).toMatchObject({ source: 'plain-bounce.txt, returned message', returnedIn: 'plain-bounce.txt', subject: 'Lunch on Friday?', date: '2026-09-24T11:00:04.000Z' });
    expect(hopsOf(returned!)).toEqual(['1 laptop.example.org→mail.example.org ESMTPSA tls claimed 1', '2 mail.example.org→mx.example.net esmtp clear border crossing 2']);
    expect(r.verdict).toBe('fail');
    expect(r.findings.find((f) => f.id === 'headers.cleartext-hop')?.title).toMatch(/; in 1 of 2 messages, first plain-bounce\.txt, returned message$/);
  });

  it('a text without any field: a message that says so, with no hops', async () => {
    const r = await run([{ name: 'words.txt', text: 'just some words\nand more of them\n' }]);
    expect(r.body.inputs).toEqual({ files: 1, messages: 1, returned: 0, unreadable: 0 });
    expect(r.body.messages[0]!.notes).toContain('no header field found: not a message header');
    expect(ids(r)).toEqual(['headers.no-received']);
  });
});

describe('runHeaders: pasted headers', () => {
  it('a copied page with its own summary first (as Gmail’s "Show original"): the header after it is read, and said so', () => {
    const page = [
      'Original message',
      'Message ID\t<m1@mail.example.com>',
      'From:\tAlice <alice@example.com>',
      'SPF:\tPASS with IP 192.0.2.41',
      'Download original\tCopy to clipboard',
      '',
      'Delivered-To: bob@example.com',
      'Received: from mail.example.com (mail.example.com [192.0.2.41]) by mx.example.net (Postfix) with ESMTPS id 1; Mon, 21 Sep 2026 10:00:02 +0000',
      'Subject: hello',
      '',
      'body',
    ].join('\n');
    const { message } = analyseMessage(page, 'page.txt');
    expect(message.hops.map((h) => [h.fromReverse, h.by, h.with])).toEqual([['mail.example.com', 'mx.example.net', 'ESMTPS']]);
    expect(message.subject).toBe('hello');
    expect(message.notes[0]).toBe('the header starts after 6 lines of something else (a copied page\'s summary): read from there');
  });

  it('a header with Received lines, or a text with no later header, is read as it is', () => {
    const own = 'Received: from a.example.org (a.example.org [192.0.2.1]) by mx.example.net with ESMTPS id 1; Mon, 21 Sep 2026 10:00:02 +0000\n\nReceived: from b by c; x\nSubject: y\n';
    expect(laterHeader(own, readHeaderBlock(own))).toBe(-1);
    const draft = 'Subject: a draft\nFrom: a@example.org\n\nJust text.\n\nMore text.\n';
    expect(laterHeader(draft, readHeaderBlock(draft))).toBe(-1);
    expect(analyseMessage(draft, 'draft.eml').findings.map((f) => f.id)).toEqual(['headers.no-received']);
  });

  const plain = [
    'Received: from mail.example.org (mail.example.org [192.0.2.10])',
    '\tby mx.example.net (Postfix) with ESMTP id 1; Mon, 21 Sep 2026 10:00:02 +0000',
    'Received: from client.example.org (client.example.org [192.0.2.77])',
    '\tby mail.example.org (Postfix) with ESMTPSA id 2; Mon, 21 Sep 2026 10:00:01 +0000',
    'Subject: pasted',
    '',
    'body',
  ];
  const hopFields = (text: string) => analyseMessage(text, 'p').message.hops.map((h) => [h.fromReverse, h.fromIp, h.by, h.with, h.date]);

  it('an indented paste (every line with the same leading blanks) reads as the header it is, folding kept', () => {
    const indented = plain.map((l) => `    ${l}`).join('\n');
    expect(hopFields(indented)).toEqual(hopFields(plain.join('\n')));
    expect(hopFields(indented)).toHaveLength(2);
    expect(unindentPaste(indented).prefix).toBe('    ');
    expect(analyseMessage(indented, 'p').message.notes[0]).toBe('every line began with "    " (an indented or quoted paste): read without it');
  });

  it('a quoted paste ("> " before every line) too', () => {
    const quoted = plain.map((l) => (l === '' ? '>' : `> ${l}`)).join('\n');
    expect(hopFields(quoted)).toEqual(hopFields(plain.join('\n')));
    expect(unindentPaste(quoted).prefix).toBe('> ');
  });

  it('leaves alone a text whose first line is no field, or whose lines mostly lack the prefix', () => {
    expect(unindentPaste('    just some text\nReceived: x').prefix).toBeNull();
    const mixed = ['  Received: from a by b; Mon, 21 Sep 2026 10:00:00 +0000', 'Subject: x', 'From: y', 'To: z', 'Date: w'].join('\n');
    expect(unindentPaste(mixed)).toEqual({ text: mixed, prefix: null });
    expect(unindentPaste('Received: from a by b\n\tfolded')).toEqual({ text: 'Received: from a by b\n\tfolded', prefix: null });
    expect(unindentPaste('\n\n').prefix).toBeNull();
  });

  it('an Outlook paste with leading blanks, CRLF and a stray body: the fields up to the body, the rest left out', async () => {
    const r = await run([{ name: 'paste', text: fixture('cli/outlook-leading-blanks.txt') }]);
    const m = r.body.messages[0]!;
    expect(m.subject).toBe('Pasted from Outlook');
    expect(m.fields).toBe(4);
    expect(hopsOf(m)).toEqual(['1 pc.example.com→relay.example.com ESMTPSA tls claimed 1', '2 relay.example.com→mx.example.net ESMTPS tls border crossing 2']);
    expect(m.hops.map((h) => h.line)).toEqual([6, 4]);
    expect(m.notes).toEqual(['line 4: indentation before the first field ignored', 'line 10: neither a field nor a continuation: the header ends here']);
    expect(m.other).toEqual([]);
    expect(r.verdict).toBe('pass');
  });

  it('the Outlook paste of the project (a stray body, Microsoft’s fields): the body not read as fields', async () => {
    const r = await run([{ name: 'paste', text: fixture('blocks/outlook-paste.txt') }]);
    const m = r.body.messages[0]!;
    expect(m.subject).toBe('Quarterly report');
    expect(m.microsoft).toEqual([expect.objectContaining({ field: 'X-MS-Exchange-Organization-SCL', value: '1' })]);
    expect(m.notes).toEqual(['line 9: neither a field nor a continuation: the header ends here']);
  });

  it('CRLF and LF give the same hops', async () => {
    const crlf = fixture('blocks/pasted.crlf.txt');
    const lf = crlf.replace(/\r\n/g, '\n');
    expect(lf).not.toBe(crlf);
    const [a, b] = (await run([{ name: 'crlf', text: crlf }, { name: 'lf', text: lf }])).body.messages;
    expect(a!.hops.length).toBe(2);
    expect(a!.hops).toEqual(b!.hops);
    expect({ ...a, source: '' }).toEqual({ ...b, source: '' });
  });

  it('RFC 2047 words decoded in Subject and From (folded, two charsets), kept as written in the raw lines', async () => {
    const r = await run([{ name: 'enc.eml', text: fixture('blocks/folded-encoded.lf.eml') }]);
    const m = r.body.messages[0]!;
    expect(m.subject).toBe('Grüße aus Köln und München');
    expect(m.from).toBe('Jörg Müller <joerg@example.org>');
    expect(m.other).toEqual([{ name: 'Return-Path', value: '<alice@example.org>', line: 1 }]);
    expect(r.body.rows[0]!.subject).toBe('Grüße aus Köln und München');
  });
});

describe('runHeaders: inputs that give no message', () => {
  it('an empty input: a problem, headers.unreadable-input, verdict inconclusive', async () => {
    const r = await run([{ name: 'empty.eml', text: ' \n\r\n\t' }]);
    expect(r.body.inputs).toEqual({ files: 1, messages: 0, returned: 0, unreadable: 1 });
    expect(r.body.problems).toEqual([{ source: 'empty.eml', detail: 'empty' }]);
    expect(r.body.rows).toEqual([]);
    expect(ids(r)).toEqual(['headers.unreadable-input']);
    expect(r.verdict).toBe('inconclusive');
  });

  it('an input holding NUL bytes: a problem saying it is not text, nothing read from it', async () => {
    const r = await run([{ name: 'message.msg', text: `Received: from a.example.org by b.example.net with ESMTPS; Mon, 21 Sep 2026 10:00:00 +0000\n\u0000\u0001binary` }]);
    expect(r.body.inputs).toEqual({ files: 1, messages: 0, returned: 0, unreadable: 1 });
    expect(r.body.problems).toEqual([{ source: 'message.msg', detail: 'not text (it holds NUL bytes): save the message as .eml or paste its header' }]);
    expect(ids(r)).toEqual(['headers.unreadable-input']);
    expect(r.findings[0]!.title).toBe('1 input gave no message: message.msg (not text (it holds NUL bytes): save the message as .eml or paste its header)');
  });

  it('inputs the caller could not read are counted and named beside the ones read', async () => {
    const r = await run([{ name: 'ok.eml', text: fixture('dialects/exim.txt') }], { unreadable: [{ name: 'huge.mbox', detail: 'larger than 4 GiB' }] });
    expect(r.body.inputs).toEqual({ files: 2, messages: 1, returned: 0, unreadable: 1 });
    expect(r.body.problems).toEqual([{ source: 'huge.mbox', detail: 'larger than 4 GiB' }]);
    expect(ids(r)).toEqual(['headers.all-protected', 'headers.unreadable-input', 'headers.unverified-hops']);
  });

  it('no input at all: nothing read, inconclusive', async () => {
    const r = await run([]);
    expect(r.body.inputs).toEqual({ files: 0, messages: 0, returned: 0, unreadable: 0 });
    expect(r.findings).toEqual([]);
    expect(r.verdict).toBe('inconclusive');
  });

  it('more than 100 problems: the first 100 listed, the rest counted', async () => {
    const r = await run(Array.from({ length: 103 }, (_, i) => ({ name: `e${i}.eml`, text: '' })));
    expect(r.body.problems).toHaveLength(HEADERS_LIMITS.problems);
    expect(r.body.problemsNotListed).toBe(3);
    expect(r.body.inputs.unreadable).toBe(103);
  });
});

describe('runHeaders: bounds', () => {
  it('a header cut at its bound is said in the limits and the limit-reached finding, not only in the message’s notes', async () => {
    const text = `Received: from a.example.org (a.example.org [192.0.2.1]) by mx.example.net (Postfix) with ESMTPS id 1; Mon, 21 Sep 2026 10:00:00 +0000\n${'X-Pad: x\n'.repeat(10_001)}Subject: after\n\nbody\n`;
    const r = await run([{ name: 'wide.eml', text }]);
    expect(r.body.limits).toEqual(['wide.eml: a header of more than 1 MiB or 10000 fields: the rest of it not read']);
    expect(ids(r)).toContain('headers.limit-reached');
    expect(r.body.messages[0]!.subject).toBeNull();
  });

  it('more than 50 messages: the first 50 in full, the rest counted, a row for every one', async () => {
    const one = fixture('dialects/exim.txt');
    const r = await run(Array.from({ length: 53 }, (_, i) => ({ name: `m${i + 1}.eml`, text: one })));
    expect(r.body.messages).toHaveLength(HEADERS_LIMITS.fullMessages);
    expect(r.body.messages.at(-1)!.source).toBe('m50.eml');
    expect(r.body.messagesNotListed).toBe(3);
    expect(r.body.rows.map((x) => x.source)).toEqual(Array.from({ length: 53 }, (_, i) => `m${i + 1}.eml`));
    expect(r.body.totals.protected).toBe(53);
    expect(r.findings.find((f) => f.id === 'headers.limit-reached')?.title).toBe('A bound of mxray was reached while reading: 3 messages summed but not shown in full');
    expect(r.findings.find((f) => f.id === 'headers.all-protected')?.title).toMatch(/; in 53 of 53 messages, first m1\.eml$/);
  });

  it('more than 100 Received lines: the newest 100 kept, the rest counted, indices continuing from the ones left out', async () => {
    const lines = Array.from({ length: 105 }, (_, i) => received(105 - i)).join('');
    const r = await run([{ name: 'loop.eml', text: `${lines}Subject: a mail loop\n\nbody\n` }]);
    const m = r.body.messages[0]!;
    expect(m.hops).toHaveLength(100);
    expect(m.hopsNotListed).toBe(5);
    expect(m.hops.map((h) => h.index)).toEqual(Array.from({ length: 100 }, (_, i) => i + 6));
    // Hop 6 is the sixth line from the bottom: relay6 → relay7.
    expect([m.hops[0]!.fromHelo, m.hops[0]!.by, m.hops[99]!.fromHelo]).toEqual(['relay6.example.org', 'relay7.example.org', 'relay105.example.org']);
    expect(m.hops[0]!.line).toBe(2 * 99 + 1);
    expect(m.notes).toContain('5 older Received lines past the 100 read');
    expect(r.body.rows[0]!.hops).toBe(105);
  });

  it('exactly 100 Received lines: all kept, nothing counted as left out', async () => {
    const lines = Array.from({ length: 100 }, (_, i) => received(100 - i)).join('');
    const m = (await run([{ name: 'hundred.eml', text: `${lines}\n` }])).body.messages[0]!;
    expect([m.hops.length, m.hopsNotListed, m.hops[0]!.index]).toEqual([100, 0, 1]);
    expect(m.notes).toEqual([]);
  });

  it('bounds the caller reached reading an input are said as they are, beside the job’s own', async () => {
    const r = await run([
      { name: 'big.mbox message 1', text: fixture('dialects/exim.txt'), single: true, limits: ['big.mbox message 1: longer than 16 MiB: its first 16 MiB read'] },
      { name: 'big.mbox message 2', text: fixture('dialects/exim.txt'), single: true, continued: true, limits: ['big.mbox: more than 2 messages: the rest not read'] },
    ], { limits: ['the caller’s own bound'] });
    expect(r.body.limits).toEqual(['the caller’s own bound', 'big.mbox message 1: longer than 16 MiB: its first 16 MiB read', 'big.mbox: more than 2 messages: the rest not read']);
    expect(r.findings.find((f) => f.id === 'headers.limit-reached')?.title).toBe('A bound of mxray was reached while reading: the caller’s own bound, big.mbox message 1: longer than 16 MiB: its first 16 MiB read, big.mbox: more than 2 messages: the rest not read');
  });

  it('more than five messages returned inside one: the first five read, the bound said', async () => {
    const part = (k: number) => `--B\nContent-Type: message/rfc822\n\n${received(k, 'mx.example.net')}Subject: returned ${k}\n\nx\n`;
    const text = `Received: from mx.example.net by mail.example.org with ESMTPS; Mon, 21 Sep 2026 11:00:00 +0000\nSubject: digest\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="B"\n\n${[1, 2, 3, 4, 5, 6, 7].map(part).join('')}--B--\n`;
    const r = await run([{ name: 'digest.eml', text }]);
    expect(r.body.inputs.returned).toBe(HEADERS_LIMITS.returnedPerMessage);
    expect(r.body.rows.map((x) => x.source)).toEqual(['digest.eml', ...[1, 2, 3, 4, 5].map((k) => `digest.eml, returned message ${k}`)]);
    expect(r.body.rows.slice(1).map((x) => x.subject)).toEqual([1, 2, 3, 4, 5].map((k) => `returned ${k}`));
    expect(r.body.limits).toEqual(['digest.eml: 7 enclosed messages, the first 5 read']);
    expect(ids(r)).toContain('headers.limit-reached');
  });
});

describe('runHeaders: the judge’s options', () => {
  const relay = fixture('dialects/postfix-relay-content-filter.txt');

  it('Authentication-Results are claims without --authserv-id', async () => {
    const m = (await run([{ name: 'relay.txt', text: relay }])).body.messages[0]!;
    expect(m.authentication.map((a) => [a.field, a.authservId, a.trusted, a.results.map((x) => `${x.method}=${x.result}`)])).toEqual([['Authentication-Results', 'mx1.example.net', false, ['dkim=pass', 'dkim-atps=neutral']]]);
  });

  it('trusted only under an authserv-id given (any case), not under another', async () => {
    const trusted = (await run([{ name: 'relay.txt', text: relay }], { authservIds: ['MX1.example.net'] })).body;
    expect(trusted.messages[0]!.authentication[0]!.trusted).toBe(true);
    expect(trusted.options.authservIds).toEqual(['MX1.example.net']);
    const other = (await run([{ name: 'relay.txt', text: relay }], { authservIds: ['mx2.example.net'] })).body.messages[0]!;
    expect(other.authentication[0]!.trusted).toBe(false);
  });

  it('--domain and --internal reach the judge and the body', async () => {
    const text = fixture('cli/hosted-filter.eml');
    const plain = (await run([{ name: 'f.eml', text }])).body.messages[0]!;
    expect(plain.border).toEqual({ hop: 3, ip: '198.51.100.60', from: 'filter-out.example.net', by: 'mx.example.com' });
    const withDomain = await run([{ name: 'f.eml', text }], { domains: ['example.com', 'example.net'] });
    expect(withDomain.body.messages[0]!.border).toEqual({ hop: 2, ip: '192.0.2.15', from: 'mail.example.org', by: 'filter-in.example.net' });
    expect(withDomain.body.options.domains).toEqual(['example.com', 'example.net']);
    const withInternal = await run([{ name: 'f.eml', text }], { domains: ['example.com'], internal: ['example.net'] });
    expect(withInternal.body.messages[0]!.border?.hop).toBe(2);
    expect(withInternal.body.options.internal).toEqual(['example.net']);
  });
});

describe('runHeaders: the dialects’ fixtures', () => {
  it('Gmail to Exchange Online: Microsoft’s fields, the authentication results, Received-SPF', async () => {
    const r = await run([{ name: 'exo.txt', text: fixture('dialects/gmail-to-exchange-online.txt') }]);
    const m = r.body.messages[0]!;
    const keys = new Map(m.microsoft.filter((i) => i.key !== null).map((i) => [i.key, i.value]));
    expect([keys.get('SCL'), keys.get('SFV'), keys.get('CIP'), keys.get('CTRY'), keys.get('CAT')]).toEqual(['1', 'NSPM', '198.51.100.54', 'US', 'NONE']);
    expect(m.microsoft.every((i) => /^X-(MS|Microsoft|Forefront)-/i.test(i.field))).toBe(true);
    expect(m.authentication[0]!.results.map((x) => `${x.method}=${x.result}`)).toEqual(['spf=pass', 'dkim=pass', 'dmarc=pass', 'compauth=pass']);
    expect(m.authentication[0]!.authservId).toBeNull();
    expect(m.receivedSpf).toEqual([expect.objectContaining({ result: 'pass', clientIp: '198.51.100.54', helo: 'mail-wr1-f54.google.com', receiver: 'protection.outlook.com' })]);
    expect(m.border).toEqual({ hop: 3, ip: '198.51.100.54', from: 'mail-wr1-f54.google.com', by: 'DB1PEPF000509F6.mail.protection.outlook.com' });
    expect(m.tls).toEqual({ verdict: 'protected', crossingHops: 1, protectedHops: 1, cleartextHops: 0, unknownHops: 0, weakestVersion: 'TLS 1.3' });
    expect(r.verdict).toBe('pass');
  });

  it('a header without Received lines: headers.no-received, verdict inconclusive, the fields still read', async () => {
    const r = await run([{ name: 'draft.eml', text: fixture('cli/no-received.eml') }]);
    const m = r.body.messages[0]!;
    expect(ids(r)).toEqual(['headers.no-received']);
    expect(r.verdict).toBe('inconclusive');
    expect(m).toMatchObject({ hops: [], border: null, totalSeconds: null, subject: 'Saved from the drafts folder', messageId: '<draft-7@example.org>', date: '2026-09-25T07:30:00.000Z' });
    expect(m.tls.verdict).toBe('no-hops');
    expect(r.body.totals.noHops).toBe(1);
  });

  it('TLS-Required: No is kept and gives headers.tls-required-ignored', async () => {
    const text = `TLS-Required: No\n${fixture('dialects/exim.txt')}`;
    const r = await run([{ name: 'tr.eml', text }]);
    expect(r.body.messages[0]!.tlsRequired).toBe('No');
    expect(ids(r)).toContain('headers.tls-required-ignored');
  });
});
