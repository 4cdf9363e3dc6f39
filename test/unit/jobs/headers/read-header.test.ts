// Header blocks (issue 22, item 1): the project's own fixtures (test/fixtures/headers/blocks/)
// field by field, the real corpus read in place (../shared/corpus/headers, never copied), and
// random and mutated input that must never throw nor exceed the bounds.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  HEADER_LIMITS,
  decodeEncodedWords,
  embeddedMessages,
  fieldsNamed,
  readHeaderBlock,
  splitMessages,
} from '../../../../src/jobs/headers/read-header.js';
import { skipWithout } from '../../../helpers/skip.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const FIXTURES = join(ROOT, 'test/fixtures/headers/blocks');
const CORPUS = process.env.MXRAY_CORPUS ?? resolve(ROOT, '../shared/corpus');
const fixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');

describe('readHeaderBlock on the project fixtures', () => {
  it('LF, folded with tabs, encoded-words in B (utf-8) and Q (iso-8859-1): every field exact, the body left alone', () => {
    const text = fixture('folded-encoded.lf.eml');
    const block = readHeaderBlock(text);
    expect(block.fields.map((f) => [f.name, f.line, f.lines])).toEqual([
      ['Return-Path', 1, 1],
      ['Received', 2, 3],
      ['From', 5, 1],
      ['To', 6, 1],
      ['Subject', 7, 2],
      ['Message-ID', 9, 1],
    ]);
    expect(block.bodyStart).toBe(11);
    expect(block.truncated).toBe(false);
    expect(block.notes).toEqual([]);
    const [received] = fieldsNamed(block, 'RECEIVED');
    expect(received?.raw).toBe(text.split('\n').slice(1, 4).join('\n'));
    expect(received?.value).toBe(
      'from mail.example.org (mail.example.org [192.0.2.10])\tby mx.example.net (Postfix) with ESMTPS id 4AbCdE\tfor <bob@example.net>; Mon,  2 Mar 2026 10:00:02 +0100 (CET)',
    );
    expect(received?.decoded).toBe(received?.value); // no RFC 2047 in a Received field
    const [from] = fieldsNamed(block, 'from');
    expect(from?.value).toBe('=?iso-8859-1?Q?J=F6rg_M=FCller?= <joerg@example.org>');
    expect(from?.decoded).toBe('Jörg Müller <joerg@example.org>');
    const [subject] = fieldsNamed(block, 'subject');
    expect(subject?.raw.startsWith('Subject: =?utf-8?B?')).toBe(true);
    // Two adjacent encoded-words: the folding white space between them goes (RFC 2047 §6.2).
    expect(subject?.decoded).toBe('Grüße aus Köln und München');
  });

  it('CRLF with leading blank lines and an indented first field: the blanks are skipped, the lines still counted', () => {
    const block = readHeaderBlock(fixture('pasted.crlf.txt'));
    expect(block.fields.map((f) => [f.name, f.line, f.lines])).toEqual([
      ['Received', 4, 1],
      ['Received', 5, 2],
      ['Subject', 7, 1],
      ['Date', 8, 1],
    ]);
    expect(block.fields.every((f) => !f.raw.includes('\r') && !f.value.includes('\r'))).toBe(true);
    expect(block.fields[0]?.value).toBe('from relay.example.com ([198.51.100.7]) by mx.example.net with ESMTP id 77; Tue, 3 Mar 2026 08:00:00 +0000');
    expect(block.fields[1]?.value).toBe(
      'from client.example.com (client.example.com [203.0.113.5])        by relay.example.com with ESMTPSA id 76; Tue, 3 Mar 2026 07:59:58 +0000',
    );
    expect(block.bodyStart).toBeNull(); // the text ends inside the header
    expect(block.notes).toEqual(['line 4: indentation before the first field ignored']);
  });

  it('an Outlook paste with a stray body and no empty line: the header ends at the first line that is no field, with a note', () => {
    const block = readHeaderBlock(fixture('outlook-paste.txt'));
    expect(block.fields.map((f) => f.name)).toEqual(['Received', 'Authentication-Results', 'X-MS-Exchange-Organization-SCL', 'Subject']);
    expect(block.fields[0]?.lines).toBe(3);
    expect(block.fields[0]?.value).toBe(
      'from DB8PR01MB0001.eurprd01.prod.example.net (2603:10a6:10:1::11) by AM0PR01MB0002.eurprd01.prod.example.net with HTTPS; Wed, 4 Mar 2026 12:00:01 +0000',
    );
    expect(fieldsNamed(block, 'authentication-results')[0]?.line).toBe(4);
    expect(fieldsNamed(block, 'subject')[0]?.decoded).toBe('Quarterly report');
    expect(block.bodyStart).toBe(9);
    expect(block.notes).toEqual(['line 9: neither a field nor a continuation: the header ends here']);
  });

  it('an mbox "From " line and stray text before the first field are skipped with a note', () => {
    const block = readHeaderBlock('From a@example.org Mon Mar  2 10:00:00 2026\nSubject: x\n\nbody');
    expect(block.fields.map((f) => [f.name, f.value, f.line])).toEqual([['Subject', 'x', 2]]);
    expect(block.notes).toEqual(['line 1: mbox "From " line skipped']);
    const pasted = readHeaderBlock('Message details\nReceived: from a by b; Mon, 2 Mar 2026 10:00:00 +0000\n');
    expect(pasted.fields.map((f) => f.name)).toEqual(['Received']);
    expect(pasted.notes).toEqual(['line 1: text before the first field skipped']);
  });

  it('obsolete white space before the colon, an empty value, and an unknown charset left as written', () => {
    const block = readHeaderBlock('Subject : =?x-unknown?Q?a?= =?utf-8?Q?caf=C3=A9?=\nX-Empty:\n\n');
    expect(block.fields.map((f) => [f.name, f.value])).toEqual([
      ['Subject', '=?x-unknown?Q?a?= =?utf-8?Q?caf=C3=A9?='],
      ['X-Empty', ''],
    ]);
    expect(block.fields[0]?.decoded).toBe('=?x-unknown?Q?a?= café');
    expect(block.notes).toEqual(['encoded-word in unknown charset "x-unknown" left as written']);
    expect(block.bodyStart).toBeNull();
  });

  it('decodes windows-1252 and us-ascii, keeps the text between a word and plain text', () => {
    expect(decodeEncodedWords('=?windows-1252?Q?=80_5?= only')).toBe('€ 5 only');
    expect(decodeEncodedWords('Re: =?us-ascii?B?aGVsbG8=?=!')).toBe('Re: hello!');
    // A character split between two words comes back whole; words in two charsets stay apart.
    expect(decodeEncodedWords('=?utf-8?Q?caf=C3?= =?UTF-8?Q?=A9?= =?iso-8859-1?Q?=E9?=')).toBe('caféé');
    expect(decodeEncodedWords('=?utf-8?Q?a?= b =?utf-8?Q?c?=')).toBe('a b c');
  });

  it('bounds: a field past 64 KiB is cut with a note, more than 10,000 fields truncate the block', () => {
    const long = readHeaderBlock(`X-Long: ${'a'.repeat(70_000)}\n ${'b'.repeat(10)}\nSubject: after\n\n`);
    expect(long.fields[0]?.raw.length).toBe(HEADER_LIMITS.fieldChars);
    expect(long.fields[0]?.lines).toBe(2);
    expect(long.fields[1]).toMatchObject({ name: 'Subject', line: 3 });
    expect(long.notes).toEqual([`field X-Long at line 1 cut at ${HEADER_LIMITS.fieldChars} characters`]);
    const many = readHeaderBlock('X-A: 1\n'.repeat(HEADER_LIMITS.fields + 5));
    expect(many.fields).toHaveLength(HEADER_LIMITS.fields);
    expect(many.truncated).toBe(true);
    const huge = readHeaderBlock(`X-A: ${'x'.repeat(1000)}\n`.repeat(1200));
    expect(huge.truncated).toBe(true);
    expect(huge.fields.length).toBeLessThan(1100);
  });
});

describe('splitMessages', () => {
  it('an mbox of three messages: split at "From " lines after an empty line, ">From " un-quoted once', () => {
    const { messages, cut } = splitMessages(fixture('three.mbox'));
    expect(cut).toBe(false);
    expect(messages).toHaveLength(3);
    expect(messages.map((m) => fieldsNamed(readHeaderBlock(m), 'subject')[0]?.value)).toEqual(['one', 'two', 'three']);
    expect(messages.map((m) => fieldsNamed(readHeaderBlock(m), 'received').length)).toEqual([1, 2, 0]);
    expect(messages[1]?.split('\n').slice(4)).toEqual([
      'From the start, this line was quoted.',
      '>From here on, twice.',
      'From inside a paragraph is no separator.',
    ]);
    expect(messages[0]).toBe('Received: from a.example.org by mx.example.net with ESMTP; Mon, 2 Mar 2026 10:00:00 +0000\nSubject: one\n\nFirst body.');
  });

  it('a single message comes back as it is; empty text gives none', () => {
    const text = fixture('pasted.crlf.txt');
    expect(splitMessages(text)).toEqual({ messages: [text], cut: false });
    expect(splitMessages('')).toEqual({ messages: [], cut: false });
  });

  it('stops at 100,000 messages and says so', () => {
    const { messages, cut } = splitMessages('From a\nX: 1\n\n'.repeat(HEADER_LIMITS.messages + 3));
    expect(messages).toHaveLength(HEADER_LIMITS.messages);
    expect(cut).toBe(true);
  });
});

describe('embeddedMessages', () => {
  it('the message/rfc822 part of a bounce, with its own Received chain apart from the bounce\'s', () => {
    const text = fixture('bounce-rfc822.eml');
    expect(fieldsNamed(readHeaderBlock(text), 'received')).toHaveLength(1);
    const inner = embeddedMessages(text);
    expect(inner).toHaveLength(1);
    const block = readHeaderBlock(inner[0] ?? '');
    expect(fieldsNamed(block, 'received').map((f) => [f.line, f.lines])).toEqual([[1, 2], [3, 1]]);
    expect(fieldsNamed(block, 'subject')[0]?.value).toBe('hello');
    expect(inner[0]?.endsWith('The returned body.\r\n')).toBe(true);
  });

  it('text/rfc822-headers in base64, a plain-text bounce quoting the message, and none in plain mail', () => {
    const headers = Buffer.from('Received: from x by y; Mon, 2 Mar 2026 10:00:00 +0000\nSubject: q\n').toString('base64');
    const report = `Content-Type: multipart/report; boundary=zz\n\n--zz\nContent-Type: text/plain\n\nsorry\n--zz\nContent-Type: text/rfc822-headers\nContent-Transfer-Encoding: base64\n\n${headers}\n--zz--\n`;
    expect(embeddedMessages(report).map((m) => fieldsNamed(readHeaderBlock(m), 'subject')[0]?.value)).toEqual(['q']);
    const plain = 'Subject: failure\n\nThe message below could not be delivered.\n--- Below this line is a copy of the message.\n\nReceived: from a by b; Mon, 2 Mar 2026 10:00:00 +0000\nFrom: x@example.org\nSubject: original\n\nbody\n';
    expect(embeddedMessages(plain).map((m) => fieldsNamed(readHeaderBlock(m), 'subject')[0]?.value)).toEqual(['original']);
    expect(embeddedMessages(fixture('folded-encoded.lf.eml'))).toEqual([]);
  });
});

interface SourceRow {
  file: string;
  receivedTop: number;
  embedded: number;
  returned: boolean;
}

/** The headers/*.eml rows of SOURCES.md's table, read in place. */
function sourceRows(text: string): SourceRow[] {
  const rows: SourceRow[] = [];
  for (const line of text.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const file = /^`headers\/([^`]+\.eml)`$/.exec(cells[1] ?? '')?.[1];
    const counts = /^(\d+) \/ \d+ \/ \d+ \/ (\d+)$/.exec(cells[6] ?? '');
    if (!file || !counts) continue;
    const notes = cells[7] ?? '';
    rows.push({
      file,
      receivedTop: Number(counts[1]),
      embedded: Number(counts[2]),
      returned: notes.includes('returned message') || notes.includes('embed the original'),
    });
  }
  return rows;
}

describe('the header corpus, read in place', () => {
  function corpus(ctx: Parameters<typeof skipWithout>[0]): { dir: string; rows: SourceRow[] } {
    try {
      const rows = sourceRows(readFileSync(join(CORPUS, 'SOURCES.md'), 'utf8'));
      return { dir: join(CORPUS, 'headers'), rows };
    } catch {
      return skipWithout(ctx, 'corpus', `no corpus at ${CORPUS} (set MXRAY_CORPUS to it)`);
    }
  }

  it('every file gives fields; the top-level Received count of every .eml is the one SOURCES.md gives', (ctx) => {
    const { dir, rows } = corpus(ctx);
    expect(rows.length).toBeGreaterThanOrEqual(50);
    const files = readdirSync(dir).sort();
    for (const name of files) {
      const block = readHeaderBlock(readFileSync(join(dir, name), 'utf8'));
      expect(block.fields.length, name).toBeGreaterThanOrEqual(1);
    }
    for (const row of rows) {
      const block = readHeaderBlock(readFileSync(join(dir, row.file), 'utf8'));
      expect(fieldsNamed(block, 'received').length, row.file).toBe(row.receivedTop);
      expect(block.truncated, row.file).toBe(false);
    }
  });

  it('the files that carry a returned message with Received lines give it, with at least one Received field', (ctx) => {
    const { dir, rows } = corpus(ctx);
    const carrying = rows.filter((r) => r.returned && r.embedded > 0);
    expect(carrying.length).toBeGreaterThanOrEqual(30);
    const missed: string[] = [];
    for (const row of carrying) {
      const inner = embeddedMessages(readFileSync(join(dir, row.file), 'utf8'));
      const received = inner.reduce((n, m) => n + fieldsNamed(readHeaderBlock(m), 'received').length, 0);
      if (inner.length === 0 || received === 0) missed.push(row.file);
    }
    expect(missed).toEqual([]);
  });
});

describe('hostile input', () => {
  const headerish = fc.array(
    fc.oneof(
      fc.constantFrom('Received: from a by b', 'Subject: =?utf-8?B?w6k=?=', ' \tcontinued', '', '\r', 'From x', '>From y', '--b', 'Content-Type: multipart/mixed; boundary=b', 'Content-Type: message/rfc822', '=?', '=?utf-8?Q?', ':'),
      fc.string({ maxLength: 40 }),
    ),
    { maxLength: 40 },
  );

  it('random and mutated text never throws, and no field exceeds the cap', () => {
    fc.assert(
      fc.property(headerish, fc.constantFrom('\n', '\r\n'), (lines, eol) => {
        const text = lines.join(eol);
        for (const candidate of [text, ...splitMessages(text).messages, ...embeddedMessages(text)]) {
          const block = readHeaderBlock(candidate);
          for (const f of block.fields) {
            expect(f.raw.length).toBeLessThanOrEqual(HEADER_LIMITS.fieldChars);
            expect(f.value.length).toBeLessThanOrEqual(HEADER_LIMITS.fieldChars);
            expect(f.lines).toBeGreaterThanOrEqual(1);
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('large hostile shapes stay linear: each read in well under a few seconds', () => {
    const shapes = [
      `X: ${'a'.repeat(20_000_000)}`, // one 20 MB line
      'a '.repeat(5_000_000), // no field at all
      `Subject: ${'=?utf-8?B?'.repeat(500_000)}`, // unfinished encoded-words
      `Content-Type: multipart/mixed; boundary=b\n\n${'--b\nContent-Type: multipart/mixed; boundary=b\n\n'.repeat(100_000)}`,
      `Subject: x\n\n${'\n\nX: y\n'.repeat(300_000)}`, // a body full of would-be quoted headers
    ];
    // They end (a runaway scan would hold the test past its time-out); no wall-clock assertion.
    for (const text of shapes) {
      const block = readHeaderBlock(text);
      splitMessages(text);
      embeddedMessages(text);
      expect(block.fields.every((f) => f.raw.length <= HEADER_LIMITS.fieldChars)).toBe(true);
    }
  });

  it('fixtures with bytes flipped never throw', () => {
    const base = fixture('bounce-rfc822.eml') + fixture('folded-encoded.lf.eml');
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(base.length - 1), fc.string({ maxLength: 3 })), { maxLength: 20 }), (edits) => {
        let text = base;
        for (const [at, s] of edits) text = text.slice(0, at) + s + text.slice(at + 1);
        expect(() => {
          readHeaderBlock(text);
          splitMessages(text);
          embeddedMessages(text);
        }).not.toThrow();
      }),
      { numRuns: 300 },
    );
  });
});
