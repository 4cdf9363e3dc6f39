// The test message of `mxray send` (jobs/send/compose.ts), at its edges: line ends, the 998-octet
// limit (measured and folded in octets), RFC 2047 words, --header and --size refusals (exact words,
// not --help material), --data headers read from the header only, the SMTPUTF8 verdict, and
// composeSeries: the messages it makes from a template are composeMessage's, and it composes only a
// template and its check per id length and Date second.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../../src/core/errors.js';
import {
  composeMessage,
  composeSeries,
  foldHeader,
  longLine,
  normaliseLineEnds,
  parseHeaderOption,
  type ComposedMessage,
  type ComposeInput,
} from '../../../../src/jobs/send/compose.js';

const NOW = Date.UTC(2026, 10, 29, 8, 35, 39);
const ID = '0123456789abcdef';
const base: ComposeInput = { from: 'a@client.test', to: ['b@send.test'], now: NOW, testId: ID, idDomain: 'client.test' };
const { testId: _testId, now: _now, ...series0 } = base;
type SeriesInput = Omit<ComposeInput, 'testId' | 'now'>;

/** The message composeMessage(base) makes, written out. */
const DEFAULT_HEAD = [
  'From: <a@client.test>',
  'To: <b@send.test>',
  `Subject: mxray test ${ID}`,
  'Date: Sun, 29 Nov 2026 08:35:39 +0000',
  `Message-ID: <${ID}@client.test>`,
  `X-Mxray-Test: ${ID}`,
  'MIME-Version: 1.0',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: 7bit',
];
const DEFAULT_BODY = 'This is a test message sent by mxray send.\r\n';
const DEFAULT = `${DEFAULT_HEAD.join('\r\n')}\r\n\r\n${DEFAULT_BODY}`;

/** What --data adds before a file without a Message-ID. */
const ADDED = `X-Mxray-Test: ${ID}\r\nMessage-ID: <${ID}@client.test>\r\n`;

/** The UsageError a call throws, as plain facts; 'no refusal' when it returns. */
function refusal(run: () => unknown): { name: string; message: string; helpful: boolean } | 'no refusal' {
  try {
    run();
  } catch (e) {
    if (e instanceof UsageError) return { name: e.name, message: e.message, helpful: e.helpful };
    throw e;
  }
  return 'no refusal';
}
const refused = (message: string) => ({ name: 'UsageError', message, helpful: false });

function headLines(m: ComposedMessage): string[] {
  return m.bytes.toString('utf8').split('\r\n\r\n')[0]!.split('\r\n');
}

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

describe('normaliseLineEnds: a line end already at the end is kept, not doubled', () => {
  it('a lone LF, CR or CRLF is one CRLF', () => {
    expect(normaliseLineEnds(Buffer.from('\n')).toString('latin1')).toBe('\r\n');
    expect(normaliseLineEnds(Buffer.from('\r')).toString('latin1')).toBe('\r\n');
    expect(normaliseLineEnds(Buffer.from('\r\n')).toString('latin1')).toBe('\r\n');
    expect(normaliseLineEnds(Buffer.from('a')).toString('latin1')).toBe('a\r\n');
  });
});

describe('longLine', () => {
  it('measures a last line that has no line end', () => {
    expect(longLine(Buffer.from('x'.repeat(999)))).toEqual({ line: 1, octets: 999 });
    expect(longLine(Buffer.from(`ab\r\n${'x'.repeat(1200)}`))).toEqual({ line: 2, octets: 1200 });
    expect(longLine(Buffer.from('x'.repeat(998)))).toBeNull();
  });

  it('a line end right after the first octet ends the first line there', () => {
    expect(longLine(Buffer.from(`a\r\n${'x'.repeat(998)}`))).toBeNull();
    expect(longLine(Buffer.from(`a\r\n${'x'.repeat(998)}\r\n`))).toBeNull();
    expect(longLine(Buffer.from(`a\r\n${'x'.repeat(999)}\r\n`))).toEqual({ line: 2, octets: 999 });
  });
});

describe('foldHeader: lines of at most 998 octets, folded at the last white space within them', () => {
  it('a field of exactly 998 octets is left whole', () => {
    const field = `X-A: ${'a'.repeat(993)}`;
    expect(foldHeader(field)).toEqual({ lines: [field], folded: false });
  });

  it('what is left after a fold, exactly 998 octets, is not folded again', () => {
    expect(foldHeader(`X-A: ${'a'.repeat(100)} ${'b'.repeat(997)}`)).toEqual({ lines: [`X-A: ${'a'.repeat(100)}`, ` ${'b'.repeat(997)}`], folded: true });
  });

  it('a space right after octet 998 is where it folds (a first line of exactly 998 octets)', () => {
    expect(foldHeader(`X-A: ${'a'.repeat(993)} ${'b'.repeat(10)}`)).toEqual({ lines: [`X-A: ${'a'.repeat(993)}`, ` ${'b'.repeat(10)}`], folded: true });
  });

  it('counts octets of UTF-8, not characters: "é" is two octets', () => {
    // 'X-A:' then 400 times ' éé' (5 octets each): 994 octets fit on the first line, 995 on the second.
    const { lines, folded } = foldHeader(`X-A:${' éé'.repeat(400)}`);
    expect(folded).toBe(true);
    expect(lines).toEqual([`X-A:${' éé'.repeat(198)}`, ' éé'.repeat(199), ' éé'.repeat(3)]);
    expect(lines.map((l) => Buffer.byteLength(l, 'utf8'))).toEqual([994, 995, 15]);
  });

  it('the refusal quotes the first 40 characters of the field, and is not a --help matter', () => {
    expect(refusal(() => foldHeader(`X-Long-Header-Name: ${'z'.repeat(1000)}`))).toEqual(
      refused(`the header "X-Long-Header-Name: ${'z'.repeat(20)}"… has a run of more than 998 octets without a space: it cannot be folded (RFC 5322 §2.1.1)`),
    );
  });
});

describe('Subject: RFC 2047 words only for text beyond printable ASCII', () => {
  it('"~" (0x7e) is printable ASCII: the Subject and the envelope are sent as they are, no SMTPUTF8', () => {
    const m = composeMessage({ ...base, subject: 'a~b', from: 'a~b@client.test' });
    expect(headLines(m).slice(0, 3)).toEqual(['From: <a~b@client.test>', 'To: <b@send.test>', 'Subject: a~b']);
    expect(m).toMatchObject({ subject: 'a~b', utf8: false, eightBit: false });
  });

  it('non-ASCII text is cut into words of at most 45 UTF-8 octets (whole characters), one space apart', () => {
    // 'a' and 22 'é' are 45 octets: the 23rd starts the second word.
    const m = composeMessage({ ...base, subject: `a${'é'.repeat(30)}` });
    expect(headLines(m)[2]).toBe(`Subject: =?UTF-8?B?${b64(`a${'é'.repeat(22)}`)}?= =?UTF-8?B?${b64('é'.repeat(8))}?=`);
    // '€' is 3 octets: 'a' and 14 of them are 43 octets, a 15th would make 46.
    const euro = composeMessage({ ...base, subject: `a${'€'.repeat(20)}` });
    expect(headLines(euro)[2]).toBe(`Subject: =?UTF-8?B?${b64(`a${'€'.repeat(14)}`)}?= =?UTF-8?B?${b64('€'.repeat(6))}?=`);
    expect(euro).toMatchObject({ subject: `a${'€'.repeat(20)}`, utf8: false, eightBit: false });
  });
});

describe('parseHeaderOption', () => {
  it('a header without a colon is refused, even when the text would make a name', () => {
    expect(refusal(() => parseHeaderOption('X-Foo'))).toEqual(refused('--header "X-Foo" is not "Name: value" (the name: printable ASCII without spaces or colons)'));
  });

  it('white space around the name and the value is dropped', () => {
    expect(parseHeaderOption(' X-A : v ')).toEqual({ name: 'X-A', value: 'v' });
  });

  it('the refusals quote the first 60 characters', () => {
    expect(refusal(() => parseHeaderOption(`X-A: ${'v'.repeat(70)}\r`))).toEqual(
      refused(`--header "X-A: ${'v'.repeat(55)}" contains CR, LF or NUL: give one header line, without line breaks`),
    );
    expect(refusal(() => parseHeaderOption(`Bad Name: ${'v'.repeat(70)}`))).toEqual(
      refused(`--header "Bad Name: ${'v'.repeat(50)}" is not "Name: value" (the name: printable ASCII without spaces or colons)`),
    );
  });
});

describe('composeMessage: headers, 8-bit and SMTPUTF8', () => {
  it('the default message, byte for byte: the Subject names the test id', () => {
    const m = composeMessage(base);
    expect(m.bytes.toString('latin1')).toBe(DEFAULT);
    expect(m.subject).toBe(`mxray test ${ID}`);
  });

  it('every recipient in one To field, ", " between them', () => {
    const m = composeMessage({ ...base, to: ['b@send.test', 'c@send.test'] });
    expect(m.bytes.toString('latin1')).toBe(DEFAULT.replace('To: <b@send.test>', 'To: <b@send.test>, <c@send.test>'));
  });

  it('a NUL in the Subject or an address is refused', () => {
    expect(refusal(() => composeMessage({ ...base, subject: 'a\0b' }))).toEqual(refused('a header contains a NUL byte'));
    expect(refusal(() => composeMessage({ ...base, from: 'a\0@client.test' }))).toEqual(refused('a header contains a NUL byte'));
  });

  it('DEL (0x7f) in the body is 7-bit: no 8BITMIME, Content-Transfer-Encoding 7bit', () => {
    const m = composeMessage({ ...base, body: 'a\x7fb\n' });
    expect(m.bytes.toString('latin1')).toBe(DEFAULT.replace(DEFAULT_BODY, 'a\x7fb\r\n'));
    expect(m).toMatchObject({ eightBit: false, utf8: false });
  });

  it('a non-ASCII envelope needs SMTPUTF8 even when --header replaces From and To', () => {
    const headers = ['From: <a@client.test>', 'To: <b@send.test>'];
    expect(composeMessage({ ...base, headers, to: ['jürgen@send.test'] })).toMatchObject({ utf8: true, eightBit: false });
    expect(composeMessage({ ...base, headers, from: 'jörg@client.test' })).toMatchObject({ utf8: true, eightBit: false });
    expect(composeMessage({ ...base, headers })).toMatchObject({ utf8: false, eightBit: false });
  });
});

describe('--size', () => {
  it('refuses a size that is not a whole number of bytes from 1 to 64 MiB', () => {
    for (const size of [0, -1, 1.5, 100.5, 64 * 1024 * 1024 + 1]) {
      expect(refusal(() => composeMessage({ ...base, size })), `${size}`).toEqual(refused('--size must be a whole number of bytes from 1 to 67108864'));
    }
  });

  it('a size of 1 is a whole number, and smaller than the message', () => {
    expect(refusal(() => composeMessage({ ...base, size: 1 }))).toEqual(refused(`--size 1 is smaller than the message itself (${DEFAULT.length} bytes)`));
  });

  it('one byte more than the message is refused, suggesting one byte more still', () => {
    const size = DEFAULT.length + 1;
    expect(refusal(() => composeMessage({ ...base, size }))).toEqual(
      refused(`--size ${size} is one byte more than the message (${DEFAULT.length} bytes): padding takes at least a line end; give ${size + 1}`),
    );
  });

  it('pads to exactly 64 MiB, the largest size', () => {
    const m = composeMessage({ ...base, size: 64 * 1024 * 1024 });
    expect(m.bytes.length).toBe(67108864);
    expect(m.bytes.subarray(0, DEFAULT.length).toString('latin1')).toBe(DEFAULT);
    expect(m.bytes.subarray(DEFAULT.length, DEFAULT.length + 78).toString('latin1')).toBe(`${'x'.repeat(76)}\r\n`);
  });

  it('pads a --data message too', () => {
    const file = `${ADDED}Subject: s\r\n\r\nbody\r\n`;
    const m = composeMessage({ ...base, data: Buffer.from('Subject: s\n\nbody\n'), size: file.length + 10 });
    expect(m.bytes.toString('latin1')).toBe(`${file}xxxxxxxx\r\n`);
  });
});

describe('--data: the file as sent, its Message-ID and Subject read from its header only', () => {
  const fromFile = (text: string, extra: Partial<ComposeInput> = {}) => composeMessage({ ...base, ...extra, data: Buffer.from(text, 'utf8') });

  it('refuses a file over 32 MiB, saying its size', () => {
    expect(refusal(() => composeMessage({ ...base, data: Buffer.alloc(32 * 1024 * 1024 + 1, 'a') }))).toEqual(
      refused('--data: the file is 33554433 bytes, more than the 33554432 mxray sends'),
    );
  });

  it('sends a file of exactly 32 MiB', () => {
    // A header of 64 octets, then 524287 lines of 63 octets and LF; each LF becomes CRLF.
    const header = `Subject: ${'b'.repeat(53)}\n\n`;
    const data = Buffer.concat([Buffer.from(header), Buffer.alloc(32 * 1024 * 1024 - 64, `${'y'.repeat(63)}\n`)]);
    const m = composeMessage({ ...base, data });
    expect(m.bytes.length).toBe(ADDED.length + 32 * 1024 * 1024 + 2 + 524287);
    expect(m.bytes.subarray(0, ADDED.length + 131).toString('latin1')).toBe(`${ADDED}Subject: ${'b'.repeat(53)}\r\n\r\n${'y'.repeat(63)}\r\n`);
    expect(m).toMatchObject({ messageId: `<${ID}@client.test>`, subject: 'b'.repeat(53), source: 'file' });
  });

  it('a Message-ID or Subject line in the body is not the header', () => {
    const m = fromFile('Subject: s\n\nMessage-ID: <in-body@x.test>\nSubject: not this\n');
    expect(m.bytes.toString('latin1')).toBe(`${ADDED}Subject: s\r\n\r\nMessage-ID: <in-body@x.test>\r\nSubject: not this\r\n`);
    expect(m).toMatchObject({ messageId: `<${ID}@client.test>`, subject: 's' });
  });

  it('a header of one malformed line: what follows the blank line is still body', () => {
    const m = fromFile('X\n\nSubject: in the body\nMessage-ID: <in-body@x.test>\n');
    expect(m.bytes.toString('latin1')).toBe(`${ADDED}X\r\n\r\nSubject: in the body\r\nMessage-ID: <in-body@x.test>\r\n`);
    expect(m).toMatchObject({ messageId: `<${ID}@client.test>`, subject: null });
  });

  it('a field whose name only ends in Message-ID or Subject is another field', () => {
    const other = fromFile('X-Original-Message-ID: <old@x.test>\nX-Subject: no\n\nbody\n');
    expect(other.bytes.toString('latin1')).toBe(`${ADDED}X-Original-Message-ID: <old@x.test>\r\nX-Subject: no\r\n\r\nbody\r\n`);
    expect(other).toMatchObject({ messageId: `<${ID}@client.test>`, subject: null });
    const both = fromFile('X-Original-Message-ID: <old@x.test>\nX-Subject: no\nMessage-ID: <real@x.test>\nSubject: yes\n\nbody\n');
    expect(both.bytes.toString('latin1')).toBe(
      `X-Mxray-Test: ${ID}\r\nX-Original-Message-ID: <old@x.test>\r\nX-Subject: no\r\nMessage-ID: <real@x.test>\r\nSubject: yes\r\n\r\nbody\r\n`,
    );
    expect(both).toMatchObject({ messageId: '<real@x.test>', subject: 'yes' });
  });

  it('white space before the colon, none after it, or trailing: the same Message-ID and Subject', () => {
    const cases: [string, string, string][] = [
      ['Message-ID :\t<a@x.test>\nSubject : s1\n', '<a@x.test>', 's1'],
      ['Message-ID:<b@x.test>\nSubject:s2\n', '<b@x.test>', 's2'],
      ['message-id: <c@x.test> \t\nSUBJECT: s3  \n', '<c@x.test>', 's3'],
    ];
    for (const [header, messageId, subject] of cases) {
      const m = fromFile(`${header}\nbody\n`);
      expect(m.bytes.toString('latin1'), header).toBe(`X-Mxray-Test: ${ID}\r\n${header.replace(/\n/g, '\r\n')}\r\nbody\r\n`);
      expect({ messageId: m.messageId, subject: m.subject }, header).toEqual({ messageId, subject });
    }
  });

  it('SMTPUTF8: needed for non-ASCII in the header or in either envelope address', () => {
    const ascii = 'Subject: s\n\nbody\n';
    expect(fromFile(ascii)).toMatchObject({ utf8: false, eightBit: false });
    expect(fromFile(ascii, { to: ['b@send.test', 'jürgen@send.test'] })).toMatchObject({ utf8: true, eightBit: false });
    expect(fromFile(ascii, { from: 'jörg@client.test' })).toMatchObject({ utf8: true, eightBit: false });
    expect(fromFile('Subject: Grüße\n\nbody\n')).toMatchObject({ utf8: true, eightBit: true });
    expect(fromFile('Subject: s\n\nGrüße\n')).toMatchObject({ utf8: false, eightBit: true });
  });
});

/** The input with its reads counted: every composition of a message reads it once. */
function counted(input: SeriesInput): { input: SeriesInput; compositions: () => number } {
  let reads = 0;
  const { from, ...others } = input;
  const watched = Object.defineProperty({ ...others }, 'from', {
    enumerable: true,
    get: () => {
      reads++;
      return from;
    },
  }) as SeriesInput;
  return { input: watched, compositions: () => reads };
}

describe('composeSeries: messages written from a template are the ones composeMessage makes', () => {
  it('an id of only 0s or only 1s still has every byte of its own in the next message', () => {
    for (const [first, next] of [
      ['0000', '2345'],
      ['1111', 'abcd'],
      ['0101', 'wxyz'],
    ] as const) {
      const series = composeSeries(series0);
      expect(series(first, NOW)).toEqual(composeMessage({ ...series0, testId: first, now: NOW }));
      expect(series(next, NOW), `${first} then ${next}`).toEqual(composeMessage({ ...series0, testId: next, now: NOW }));
    }
  });

  it('a --subject that happens to contain the id stays as given in the next message', () => {
    const input = { ...series0, subject: `about ${ID}` };
    const series = composeSeries(input);
    expect(series(ID, NOW)).toEqual(composeMessage({ ...input, testId: ID, now: NOW }));
    const next = series('fedcba9876543210', NOW);
    expect(next).toEqual(composeMessage({ ...input, testId: 'fedcba9876543210', now: NOW }));
    expect(next.subject).toBe(`about ${ID}`);
  });

  it('an id that folds where its stand-in cannot (a space in it) is composed whole', () => {
    // 990 characters with a space: each header that holds it is folded inside the id, while the
    // stand-in of 0s and 1s folds before it.
    const input = { ...series0, idDomain: 'd' };
    const first = `${'a'.repeat(500)} ${'b'.repeat(489)}`;
    const next = `${'c'.repeat(500)} ${'d'.repeat(489)}`;
    const series = composeSeries(input);
    const expected = composeMessage({ ...input, testId: first, now: NOW });
    expect(expected.foldedHeaders).toBe(3);
    expect(series(first, NOW)).toEqual(expected);
    expect(series(next, NOW)).toEqual(composeMessage({ ...input, testId: next, now: NOW }));
  });
});

describe('composeSeries: a template and its check per id length and Date second, then no composing', () => {
  it('ids of one length in one second: two compositions, then the ids written into the template', () => {
    const { input, compositions } = counted(series0);
    const series = composeSeries(input);
    const same = (testId: string, now: number) => expect(series(testId, now), `${testId} at ${now}`).toEqual(composeMessage({ ...series0, testId, now }));
    same(ID, NOW);
    expect(compositions()).toBe(2);
    same('0123456789abcde2', NOW + 999);
    same('fedcba9876543210', NOW + 500);
    same(ID, NOW);
    expect(compositions()).toBe(2);
    // Another id length: another template.
    same(`${ID}.2`, NOW);
    same(`${ID}.3`, NOW + 1);
    expect(compositions()).toBe(4);
    // The next second (another Date): another template.
    same(ID, NOW + 1000);
    same('fedcba9876543210', NOW + 1999);
    expect(compositions()).toBe(6);
  });

  it('a --data file without a Subject: one template too', () => {
    const file = { ...series0, data: Buffer.from('From: <x@y.test>\n\nbody\n') };
    const { input, compositions } = counted(file);
    const series = composeSeries(input);
    for (const testId of [ID, 'fedcba9876543210', '0123456789abcde2']) expect(series(testId, NOW)).toEqual(composeMessage({ ...file, testId, now: NOW }));
    expect(compositions()).toBe(2);
  });

  it('ids no template can hold (non-ASCII, empty) are composed whole: one composition each', () => {
    const { input, compositions } = counted(series0);
    const series = composeSeries(input);
    const same = (testId: string) => expect(series(testId, NOW), testId).toEqual(composeMessage({ ...series0, testId, now: NOW }));
    for (const testId of ['Grüße', 'Grüßa', 'Grüßb']) same(testId);
    expect(compositions()).toBe(3);
    for (const testId of ['', '', '']) same(testId);
    expect(compositions()).toBe(6);
  });
});
