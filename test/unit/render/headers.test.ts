// `mxray headers`' report as a Document (render/headers.ts) and through the back ends: the hop
// table of one message, the verdict's reason naming the hop, delays (a negative one with a minus
// sign), durations, the message table of many messages without their common folder and with the
// returned ones under their bounce; header values that are hostile (terminal escapes, bidi
// controls, markup, very long names) escaped in every output; text within --width 80; the hop
// chart only on a page of one message.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../../src/core/clock.js';
import type { HeadersReport } from '../../../src/core/schema.js';
import { runHeaders, type HeadersInput, type HeadersOptions } from '../../../src/jobs/headers/run-headers.js';
import { plainParts, type Document } from '../../../src/render/document.js';
import { commonFolder, duration, oneFile, HOP_TABLE_HEADER, hopHeading, MESSAGE_TABLE_HEADER } from '../../../src/render/headers.js';
import { renderHtml } from '../../../src/render/html.js';
import { documentFor } from '../../../src/render/index.js';
import { renderMarkdown } from '../../../src/render/markdown.js';
import { plainStyle } from '../../../src/render/style.js';
import { renderText } from '../../../src/render/text.js';

const FIXTURES = new URL('../../fixtures/headers/', import.meta.url);
const fixture = (path: string): string => readFileSync(new URL(path, FIXTURES), 'utf8');

const report = (inputs: HeadersInput[], options: Omit<HeadersOptions, 'inputs'> = {}): Promise<HeadersReport> => runHeaders({ inputs, clock: fixedClock(Date.UTC(2026, 10, 29, 12)), ...options });
const cells = (doc: Document): string[][] => doc.summary!.rows.map((r) => r.map((c) => c.text));
const contextLines = (doc: Document): string[] => doc.context.map((l) => plainParts(l.parts));
const text = (r: HeadersReport, options: { width?: number; verbose?: boolean; brief?: boolean } = {}): string => renderText(r, { style: plainStyle, width: 200, ...options });

describe('duration', () => {
  it.each([
    [0, '0 s'],
    [4, '4 s'],
    [1.5, '1.5 s'],
    [125, '2 min 5 s'],
    [3780, '1 h 3 min'],
    [2 * 86400 + 4 * 3600, '2 d 4 h'],
    [-12, '\u221212 s'],
    [null, ''],
  ] as const)('%s → "%s"', (seconds, want) => {
    expect(duration(seconds)).toBe(want);
  });
});

describe('oneFile', () => {
  it('the mbox every message comes from, so that rows say #N', () => {
    expect(oneFile(['in.mbox message 1', 'in.mbox message 2', 'in.mbox message 2, returned message', 'in.mbox message 10'])).toBe('in.mbox message ');
    expect(oneFile(['in.mbox message 1', 'other.mbox message 2'])).toBe('');
    expect(oneFile(['a.eml', 'b.eml'])).toBe('');
    expect(oneFile(['in.mbox message 1'])).toBe('');
  });

  it('the rows of an mbox: #N and the subject, the file named once above', async () => {
    const doc = documentFor(await report([{ name: 'three.mbox', text: fixture('blocks/three.mbox') }]));
    expect(doc.summary!.rows.map((r) => r[0]!.text)).toEqual(['#1: one', '#2: two', '#3: three']);
    expect(contextLines(doc)[0]).toBe('File        three.mbox');
  });
});

describe('commonFolder', () => {
  it('the folder every source shares, never part of a name; none for one source or none shared', () => {
    expect(commonFolder(['mail/in/a.eml', 'mail/in/ab.eml', 'mail/in/b.eml, returned message'])).toBe('mail/in/');
    expect(commonFolder(['mail/a1.eml', 'mail/a2.eml'])).toBe('mail/');
    expect(commonFolder(['a.eml', 'b.eml'])).toBe('');
    expect(commonFolder(['mail/in/a.eml'])).toBe('');
    expect(commonFolder([])).toBe('');
  });
});

describe('hopHeading: a hop’s section heading within 78 columns', () => {
  const L = 'l'.repeat(100);
  it('short names whole', () => {
    expect(hopHeading(2, 'mail.example.org [192.0.2.10]', 'mx.example.net', 1)).toBe('Hop 2: mail.example.org [192.0.2.10] → mx.example.net (line 1)');
  });
  it('a long name cut, the short one whole; two long names cut to half the room each', () => {
    const one = hopHeading(12, `${L}.example.org`, 'mx.example.net', 345);
    expect(one).toBe(`Hop 12: ${'l'.repeat(41)}… → mx.example.net (line 345)`);
    expect([...one].length).toBe(78);
    const both = hopHeading(100, L, `b${L}`, 123456);
    expect(both).toBe(`Hop 100: ${'l'.repeat(25)}… → b${'l'.repeat(24)}… (line 123456)`);
    expect([...both].length).toBe(78);
    expect(hopHeading(3, 'a.example.org', L, 9)).toBe(`Hop 3: a.example.org → ${'l'.repeat(45)}… (line 9)`);
  });
  it('escaped before it is measured', () => {
    expect(hopHeading(1, 'a\u001bb', 'c\u202ed', 1)).toBe('Hop 1: a\\x1bb → c\\u{202e}d (line 1)');
  });
});

describe('one message', () => {
  it('the time column: the time alone when every hop is on one day, the date too when the hops span days', async () => {
    const hdr = (d1: string, d2: string) =>
      `Received: from b.example.org (b.example.org [192.0.2.2]) by mx.example.net (Postfix) with ESMTPS id B; ${d2}\n` +
      `Received: from a.example.org (a.example.org [192.0.2.1]) by b.example.org (Postfix) with ESMTPS id A; ${d1}\nSubject: t\n\nbody\n`;
    const times = async (d1: string, d2: string) => documentFor(await report([{ name: 'm', text: hdr(d1, d2) }])).summary!.rows.map((row) => row[7]!.text);
    expect(await times('Mon, 21 Sep 2026 23:59:58 +0000', 'Mon, 21 Sep 2026 23:59:59 +0000')).toEqual(['23:59:58', '23:59:59']);
    expect(await times('Mon, 21 Sep 2026 23:59:58 +0000', 'Tue, 22 Sep 2026 00:00:03 +0000')).toEqual(['2026-09-21 23:59:58', '2026-09-22 00:00:03']);
  });

  it('the hop table: HOP_TABLE_HEADER and one row per hop, oldest first, the clear hop between organisations marked', async () => {
    const r = await report([{ name: 'cleartext-hop.txt', text: fixture('dialects/cleartext-hop.txt') }]);
    const doc = documentFor(r);
    expect(doc.summary!.header).toEqual(HOP_TABLE_HEADER);
    expect(HOP_TABLE_HEADER).toEqual(['#', 'Delay', 'From', 'By', 'With', 'TLS', 'Zone', 'Time (UTC)']);
    expect(cells(doc)).toEqual([
      ['1', '1 s', 'client.example.org', 'mail.example.org', 'ESMTPSA', 'TLS 1.3', 'claimed', '10:00:01'],
      ['2 ⇄', '1 s', 'mail.example.org', 'mx.example.net', 'ESMTP', 'clear text', 'border ✓', '10:00:02'],
    ]);
    expect(doc.summary!.rows.map((row) => row[5]!.verdict)).toEqual(['pass', 'fail']);
    expect(doc.subject).toBe('message “Invoice 2026-0917”');
    expect(doc.verdict).toBe('fail');
  });

  it('the reason names the hop that went in clear text, with the total time', async () => {
    const doc = documentFor(await report([{ name: 'cleartext-hop.txt', text: fixture('dialects/cleartext-hop.txt') }]));
    expect(doc.reason).toBe('hop 2 went in clear text between organisations: mail.example.org [192.0.2.10] → mx.example.net (with ESMTP); delivered in 2 s over 2 hops');
    expect(contextLines(doc)).toEqual([
      'Subject     Invoice 2026-0917',
      'From        Fiona Example <fiona@example.org>',
      'To          Erik Example <erik@example.net>',
      'Date        2026-09-21 10:00:00 UTC',
      'Receiver    example.net (the topmost Received line is written by mx.example.net)',
      'Border      hop 2, by mx.example.net: from mail.example.org [192.0.2.10] verified; the 1 line below is a claim',
      'Total       2 s from the Date field to the last hop',
      'Slowest     hop 1, 1 s (50 % of the total): client.example.org [192.0.2.77] → mail.example.org',
    ]);
  });

  it('where the time was lost: the slowest hop, with its share of the total (the first of equals)', async () => {
    const doc = documentFor(await report([{ name: 'relay.txt', text: fixture('dialects/postfix-relay-content-filter.txt') }]));
    expect(contextLines(doc).filter((l) => l.startsWith('Slowest'))).toEqual(['Slowest     hop 3, 5 min 1 s (97 % of the total): relay.example.org [192.0.2.30] → mx1.example.net']);
    const single = documentFor(await report([{ name: 'one.txt', text: 'Received: from a.example.org (a.example.org [192.0.2.1]) by mx.example.net (Postfix) with ESMTPS id A; Mon, 21 Sep 2026 10:00:01 +0000\nDate: Mon, 21 Sep 2026 10:00:00 +0000\n\n' }]));
    expect(contextLines(single).some((l) => l.startsWith('Slowest'))).toBe(false);
  });

  it('the other reasons: protected, unknown, no hop between organisations, no Received line', async () => {
    const reason = async (name: string) => documentFor(await report([{ name, text: fixture(name) }])).reason;
    expect(await reason('dialects/exim.txt')).toBe('every hop between organisations used TLS (1 hop, weakest TLS 1.3); delivered in 2 s over 3 hops');
    expect(await reason('blocks/pasted.crlf.txt')).toBe('hop 2 (relay.example.com [198.51.100.7] → mx.example.net) does not say whether TLS was used; delivered in 3 s over 2 hops');
    expect(await reason('blocks/outlook-paste.txt')).toBe('no hop crossed between organisations');
    expect(await reason('cli/no-received.eml')).toBe('no Received line: nothing shows how the message travelled');
  });

  it('the unknown reason: several hops that say nothing named, "the others" only when some used TLS', async () => {
    const text = [
      'Received: from filter-out.example.net (filter-out.example.net [198.51.100.60]) by mx.example.com with ESMTP id 3; Tue, 22 Sep 2026 08:00:06 +0000',
      'Received: from mail.example.org (mail.example.org [192.0.2.15]) by filter-in.example.net with ESMTP id 2; Tue, 22 Sep 2026 08:00:04 +0000',
      'Received: from relay.example.com (relay.example.com [203.0.113.5]) by mail.example.org with ESMTPS id 1; Tue, 22 Sep 2026 08:00:01 +0000',
      '',
    ].join('\n');
    const r = await report([{ name: 'u.eml', text }]);
    expect(r.body.messages[0]!.tls).toMatchObject({ verdict: 'unknown', crossingHops: 3, protectedHops: 1, unknownHops: 2 });
    expect(documentFor(r).reason).toBe('hops 2, 3 (first mail.example.org [192.0.2.15] → filter-in.example.net) do not say whether TLS was used; the other hop between organisations used TLS; delivered in 5 s over 3 hops');
  });

  it('a negative delay is shown with a minus sign, and the chart says why', async () => {
    const doc = documentFor(await report([{ name: 'skewed.txt', text: fixture('dialects/skewed-clock.txt') }]));
    expect(cells(doc).map((row) => row[1])).toEqual(['1 s', '4 s', '\u22122 min 35 s']);
    expect(doc.hopChart!.hops.map((h) => h.delaySeconds)).toEqual([1, 4, -155]);
    expect(doc.hopChart!.note).toBe('A negative delay: a server’s clock is wrong (the order is as the lines stand).');
  });

  it('an empty Subject: the message named by its source, not by “”', async () => {
    const doc = documentFor(await report([{ name: 'blank.eml', text: `Subject:\n${fixture('dialects/exim.txt').replace(/^Subject:.*\n/m, '')}` }]));
    expect(doc.subject).toBe('message blank.eml');
    expect(doc.shortSubject).toBe('blank.eml');
  });

  it('the Authentication-Results line says claim or trusted by the authserv-id', async () => {
    const relay = fixture('dialects/postfix-relay-content-filter.txt');
    const claim = contextLines(documentFor(await report([{ name: 'r.txt', text: relay }]))).find((l) => l.startsWith('Auth'));
    expect(claim).toBe('Auth        dkim=pass dkim-atps=neutral — claims of mx1.example.net (--authserv-id mx1.example.net trusts them)');
    const trusted = contextLines(documentFor(await report([{ name: 'r.txt', text: relay }], { authservIds: ['mx1.example.net'] }))).find((l) => l.startsWith('Auth'));
    expect(trusted).toBe('Auth        dkim=pass dkim-atps=neutral — written by your mx1.example.net (trusted)');
  });

  it('the details: every hop in full, the raw line only with --verbose', async () => {
    const r = await report([{ name: 'cleartext-hop.txt', text: fixture('dialects/cleartext-hop.txt') }]);
    const sections = documentFor(r).details!.sections;
    expect(sections.map((s) => s.heading)).toEqual(['Hop 1: client.example.org [192.0.2.77] → mail.example.org (line 4)', 'Hop 2: mail.example.org [192.0.2.10] → mx.example.net (line 1)', 'Other fields']);
    const hop2 = sections[1]!.lines.map((l) => plainParts(l.parts));
    expect(hop2).toContain('TLS       clear text — with ESMTP, written by Postfix, which marks TLS (RFC 3848)');
    expect(hop2.some((l) => l.includes('Received: from'))).toBe(false);
    const verbose = documentFor(r, { verbose: true }).details!.sections[1]!.lines.map((l) => plainParts(l.parts));
    expect(verbose.slice(-3)).toEqual(['Received: from mail.example.org (mail.example.org [192.0.2.10])', '\tby mx.example.net (Postfix) with ESMTP id 5F1A2B3C4D', '\tfor <erik@example.net>; Mon, 21 Sep 2026 10:00:02 +0000 (UTC)'].map((x) => x.replace('\t', '\\t')));
    expect(documentFor(r, { brief: true }).details).toBeNull();
  });
});

describe('many messages', () => {
  it('MESSAGE_TABLE_HEADER, one row per message without the common folder, returned ones "↳ returned" under their bounce', async () => {
    const r = await report([
      { name: 'mail/inbox/exim.eml', text: fixture('dialects/exim.txt') },
      { name: 'mail/inbox/clear.eml', text: fixture('dialects/cleartext-hop.txt') },
      { name: 'mail/inbox/bounce.eml', text: fixture('blocks/bounce-rfc822.eml') },
    ]);
    const doc = documentFor(r);
    expect(doc.summary!.header).toEqual(MESSAGE_TABLE_HEADER);
    expect(MESSAGE_TABLE_HEADER).toEqual(['Message', 'Date (UTC)', 'Hops', 'Between orgs', 'TLS', 'Weakest', 'Total']);
    expect(cells(doc)).toEqual([
      ['exim.eml: Backup report', '2026-09-21 10:00:01', '3', '1', 'protected', 'TLS 1.3', '2 s'],
      ['clear.eml: Invoice 2026-0917', '2026-09-21 10:00:00', '2', '1', 'CLEAR TEXT', '', '2 s'],
      ['bounce.eml: Undelivered Mail Returned to Sender', '2026-03-05 09:00:05', '1', '1', 'protected', '', ''],
      ['  ↳ returned: hello', '2026-03-05 09:00:01', '2', '0', 'internal only', '', '\u22121 s'],
    ]);
    expect(doc.summary!.rows.map((row) => row[4]!.verdict)).toEqual(['pass', 'fail', 'pass', 'pass']);
    expect(contextLines(doc)).toEqual(['Folder      mail/inbox/', 'Read        3 messages, 3 inputs, 1 returned inside a bounce']);
    expect(doc.subject).toBe('4 messages from 3 inputs');
    expect(doc.reason).toBe('4 messages: 1 with a hop in clear text, 2 protected, 1 internal only');
    expect(doc.details!.sections.filter((s) => s.heading.startsWith('Message ')).map((s) => s.heading)).toEqual([
      'Message mail/inbox/exim.eml: Backup report',
      'Message mail/inbox/clear.eml: Invoice 2026-0917',
      'Message mail/inbox/bounce.eml: Undelivered Mail Returned to Sender',
      'Message mail/inbox/bounce.eml, returned message: hello',
    ]);
    const tlsLines = doc.details!.sections.filter((s) => s.heading.startsWith('Message ')).map((s) => plainParts(s.lines.at(-1)!.parts));
    expect(tlsLines).toEqual(['TLS         protected (1 hop between organisations)', 'TLS         CLEAR TEXT (1 hop between organisations)', 'TLS         protected (1 hop between organisations)', 'TLS         internal only (0 hops between organisations)']);
  });

  it('one message and one input are said in the singular', async () => {
    const r = await report([{ name: 'bounce.eml', text: fixture('blocks/bounce-rfc822.eml') }]);
    expect(contextLines(documentFor(r))).toEqual(['Read        1 message, 1 input, 1 returned inside a bounce']);
  });

  it('inputs that gave no message: "no message could be read", the problems in the details', async () => {
    const doc = documentFor(await report([{ name: 'a.eml', text: '' }, { name: 'b.eml', text: 'x\u0000' }]));
    expect(doc.reason).toBe('no message could be read');
    expect(doc.summary).toBeNull();
    expect(doc.details!.sections.map((s) => [s.heading, s.lines.map((l) => plainParts(l.parts))])).toEqual([
      ['Inputs not read', ['a.eml: empty', 'b.eml: not text (it holds NUL bytes): save the message as .eml or paste its header']],
    ]);
  });

  it('more than 50 messages: a section says the rest are rows only', async () => {
    const one = fixture('dialects/exim.txt');
    const doc = documentFor(await report(Array.from({ length: 52 }, (_, i) => ({ name: `m${i}.eml`, text: one }))));
    expect(doc.summary!.rows).toHaveLength(52);
    expect(doc.details!.sections.find((s) => s.heading.startsWith('…'))?.heading).toBe('… 2 more messages');
  });
});

/** Header values a sender controls, each hostile. */
const ESC = '\u001b';
const LONG = `${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.example.net`;
const HOSTILE = [
  `Received: from evil${ESC}[31mred.example.org (${LONG} [198.51.100.66])`,
  `\tby mx\u202egpj.example.net (Postfix) with ESMTP id 1; Mon, 21 Sep 2026 10:00:05 +0000`,
  `Received: from <script>alert(1)</script>.example.org (<script>x</script> [192.0.2.66]) by ${LONG} with ESMTPS id 2; Mon, 21 Sep 2026 10:00:01 +0000`,
  `Authentication-Results: mx${ESC}[31m.example.net; spf=pass\u202e smtp.mailfrom=<script>x</script>@example.org; dkim=fail reason="${ESC}[2J<b>bold</b>"`,
  `Subject: Hello ${ESC}[31mred \u202efdp.exe <script>alert(1)</script> ${'x'.repeat(300)}`,
  `From: <img src=x onerror=alert(1)> ${ESC}]0;title\u0007 <a@example.org>`,
  'Date: Mon, 21 Sep 2026 10:00:00 +0000',
  '',
  'body',
].join('\n');
/** A raw control of a terminal, a bidi override, or a BEL. */
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f\u202a-\u202e\u2066-\u2069]/;

describe('hostile header values', () => {
  const hostile = () => report([{ name: `hostile${ESC}[31m.eml`, text: HOSTILE }], { authservIds: [`mx${ESC}[31m.example.net`] });

  it('text: no raw escape, bidi control or BEL anywhere, at every level of detail', async () => {
    const r = await hostile();
    for (const options of [{}, { brief: true }, { verbose: true }]) {
      const out = text(r, options);
      expect(out, JSON.stringify(options)).not.toMatch(RAW);
      expect(out).toContain('\\x1b[31m');
      expect(out).toContain('\\u{202e}');
    }
    const out = text(r, { verbose: true });
    expect(out).toMatch(/^Subject {5}Hello \\x1b\[31mred \\u\{202e\}fdp\.exe <script>alert\(1\)<\/script>$/m);
    expect(out).toContain('From        <img src=x onerror=alert(1)> \\x1b]0;title\\x07 <a@example.org>');
  });

  it('text at --width 80: every line within 80 columns', async () => {
    const r = await hostile();
    for (const options of [{}, { verbose: true }]) {
      const lines = text(r, { ...options, width: 80 }).split('\n');
      const over = lines.filter((l) => [...l].length > 80);
      expect(over, JSON.stringify(options)).toEqual([]);
    }
    const many = await report([{ name: `${'deep/'.repeat(30)}a.eml`, text: HOSTILE }, { name: 'b.eml', text: fixture('blocks/bounce-rfc822.eml') }]);
    const over = text(many, { verbose: true, width: 80 }).split('\n').filter((l) => [...l].length > 80);
    expect(over).toEqual([]);
  });

  it('text at --width 80: every dialect fixture and block of the project, with every detail, within 80 columns', async () => {
    const files = [...readdirSync(new URL('dialects/', FIXTURES)).map((f) => `dialects/${f}`), ...readdirSync(new URL('blocks/', FIXTURES)).map((f) => `blocks/${f}`)];
    expect(files.length).toBeGreaterThanOrEqual(21);
    for (const f of files) {
      const r = await report([{ name: f, text: fixture(f) }]);
      expect(text(r, { verbose: true, width: 80 }).split('\n').filter((l) => [...l].length > 80), f).toEqual([]);
    }
  });

  it('Markdown: no markup of the sender (every < escaped), no raw control', async () => {
    const out = renderMarkdown(await hostile(), { verbose: true });
    expect(out).not.toMatch(RAW);
    expect(out).not.toMatch(/(?<!\\)<(script|\/script|img|b>|\/b>)/);
    expect(out).toContain('\\<script\\>alert(1)\\</script\\>');
  });

  it('HTML: every value escaped, no markup of the sender, no raw control', async () => {
    const out = renderHtml(await hostile(), { verbose: true });
    expect(out).not.toMatch(RAW);
    // The page's own markup has <b> (the chart's key); the sender's never gets through.
    expect(out).not.toMatch(/<(script|img|b>bold)/i);
    expect(out).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(out).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('a saved report’s own values (a hop’s TLS version, the weakest version) escaped too', async () => {
    const r = await report([{ name: 'exim.eml', text: fixture('dialects/exim.txt') }]);
    const evil = `TLS${ESC}[31m\u202e<b>`;
    const m = r.body.messages[0]!;
    m.hops[m.hops.length - 1]!.tlsVersion = evil;
    for (const h of m.hops) h.tlsVersion = h.tls === 'tls' ? evil : h.tlsVersion;
    m.tls.weakestVersion = evil;
    r.body.rows[0]!.weakestVersion = evil;
    const one = text(r, { verbose: true });
    expect(one).not.toMatch(RAW);
    expect(one).toContain('weakest TLS\\x1b[31m\\u{202e}<b>');
    const many = structuredClone(r);
    many.body.rows.push({ ...many.body.rows[0]!, source: 'other.eml' });
    many.body.inputs.messages = 2;
    expect(text(many)).not.toMatch(RAW);
    const html = renderHtml(r, { verbose: true });
    expect(html).not.toMatch(RAW);
    expect(html).not.toContain('\u202e<b>');
    expect(html).toContain('TLS\\x1b[31m\\u{202e}&lt;b&gt;');
  });
});

describe('the hop chart (HTML)', () => {
  it('drawn for one message, with a bar per hop', async () => {
    const r = await report([{ name: 'exim.eml', text: fixture('dialects/exim.txt') }]);
    const doc = documentFor(r);
    expect(doc.hopChart!.hops.map((h) => [h.label, h.tls, h.crossing])).toEqual([
      ['mail.example.org', 'unknown', false],
      ['relay.example.org', 'tls', false],
      ['mx.example.net', 'tls', true],
    ]);
    const html = renderHtml(r);
    expect(html.match(/<figure class="hop-chart">/g)).toHaveLength(1);
  });

  it('not drawn for many messages, nor for a message without hops', async () => {
    const many = await report([
      { name: 'a.eml', text: fixture('dialects/exim.txt') },
      { name: 'b.eml', text: fixture('dialects/cleartext-hop.txt') },
    ]);
    expect(documentFor(many).hopChart).toBeNull();
    expect(renderHtml(many)).not.toContain('hop-chart');
    const none = await report([{ name: 'draft.eml', text: fixture('cli/no-received.eml') }]);
    expect(documentFor(none).hopChart).toBeNull();
    expect(renderHtml(none)).not.toContain('hop-chart');
    // A bounce and its returned message are two messages: no chart either.
    const bounce = await report([{ name: 'bounce.eml', text: fixture('blocks/bounce-rfc822.eml') }]);
    expect(documentFor(bounce).hopChart).toBeNull();
  });
});
