// The test message of `mxray send` (jobs/send/compose.ts), pure: line ends, the 998-octet limit,
// header folding, --header checks, --size padding to the byte, 8-bit and UTF-8 detection, --data.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../../src/core/errors.js';
import { composeMessage, composeSeries, foldHeader, longLine, normaliseLineEnds, parseHeaderOption, rfc5322Date, type ComposeInput } from '../../../../src/jobs/send/compose.js';
import { percentile } from '../../../../src/jobs/send/check-send.js';
import { parseQueueId } from '../../../../src/smtp/queue-id.js';

const NOW = Date.UTC(2026, 10, 29, 8, 35, 39);
const base: ComposeInput = { from: 'a@client.test', to: ['b@send.test'], now: NOW, testId: '0123456789abcdef', idDomain: 'client.test' };

function onlyCrlf(bytes: Buffer): boolean {
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x0d && bytes[i + 1] !== 0x0a) return false;
    if (bytes[i] === 0x0a && bytes[i - 1] !== 0x0d) return false;
  }
  return true;
}

describe('normaliseLineEnds', () => {
  it('turns CRLF, bare LF and bare CR into CRLF and ends with CRLF', () => {
    expect(normaliseLineEnds(Buffer.from('a\nb\rc\r\nd')).toString()).toBe('a\r\nb\r\nc\r\nd\r\n');
    expect(normaliseLineEnds(Buffer.from('\r\r\n\n')).toString()).toBe('\r\n\r\n\r\n');
    expect(normaliseLineEnds(Buffer.from('')).toString()).toBe('\r\n');
  });

  it('never leaves a bare CR or LF, whatever the input (fuzzed)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => onlyCrlf(normaliseLineEnds(bytes))));
  });
});

describe('composeMessage', () => {
  it('writes the headers, a Message-ID of the test id and the EHLO name, and X-Mxray-Test', () => {
    const m = composeMessage({ ...base, subject: 'hi' });
    expect(m.bytes.toString()).toBe(
      'From: <a@client.test>\r\nTo: <b@send.test>\r\nSubject: hi\r\nDate: Sun, 29 Nov 2026 08:35:39 +0000\r\nMessage-ID: <0123456789abcdef@client.test>\r\n' +
        'X-Mxray-Test: 0123456789abcdef\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 7bit\r\n\r\n' +
        'This is a test message sent by mxray send.\r\n',
    );
    expect(m).toMatchObject({ messageId: '<0123456789abcdef@client.test>', eightBit: false, utf8: false, foldedHeaders: 0, source: 'composed' });
  });

  it('--header replaces From, To, Subject and the MIME headers; Message-ID and X-Mxray-Test are ours only', () => {
    const m = composeMessage({ ...base, headers: ['Subject: mine', 'X-Extra:  spaced  '] });
    const head = m.bytes.toString().split('\r\n\r\n')[0]!;
    expect(head.match(/^Subject: .*$/gm)).toEqual(['Subject: mine']);
    expect(head).toContain('\r\nX-Extra: spaced');
    expect(() => parseHeaderOption('Message-ID: <x@y>')).toThrow(/mxray sets it itself/);
    expect(() => parseHeaderOption('X-Mxray-Test: 1')).toThrow(UsageError);
    expect(() => parseHeaderOption('No colon here')).toThrow(/is not "Name: value"/);
    expect(() => parseHeaderOption('Bad Name: x')).toThrow(/is not "Name: value"/);
    expect(() => parseHeaderOption('X-A: b\rc')).toThrow(/contains CR, LF or NUL/);
    expect(() => parseHeaderOption('X-A: b\0')).toThrow(/contains CR, LF or NUL/);
  });

  it('a Subject with non-ASCII text as RFC 2047 encoded-words: no SMTPUTF8 needed', () => {
    const m = composeMessage({ ...base, subject: 'Grüße aus Köln' });
    expect(m.bytes.toString()).toContain(`Subject: =?UTF-8?B?${Buffer.from('Grüße aus Köln').toString('base64')}?=\r\n`);
    expect(m.utf8).toBe(false);
    expect(m.eightBit).toBe(false);
  });

  it('8-bit body text: eightBit and Content-Transfer-Encoding 8bit; non-ASCII addresses or headers: utf8', () => {
    expect(composeMessage({ ...base, body: 'é\n' })).toMatchObject({ eightBit: true, utf8: false });
    expect(composeMessage({ ...base, body: 'é\n' }).bytes.toString()).toContain('Content-Transfer-Encoding: 8bit');
    expect(composeMessage({ ...base, to: ['jürgen@send.test'] }).utf8).toBe(true);
    expect(composeMessage({ ...base, headers: ['X-Name: Jürgen'] })).toMatchObject({ utf8: true, eightBit: true });
  });

  it('refuses a body line over 998 octets (998 passes), and NUL', () => {
    expect(() => composeMessage({ ...base, body: `${'x'.repeat(998)}\n` })).not.toThrow();
    expect(() => composeMessage({ ...base, body: `ok\n${'é'.repeat(500)}\n` })).toThrow('--body: line 2 is 1000 octets long, more than the 998 SMTP allows (RFC 5321 §4.5.3.1.6)');
    expect(() => composeMessage({ ...base, body: 'a\0b' })).toThrow(/NUL/);
  });

  it('--size pads to exactly that many bytes, every size from the message up (one byte more needs a line)', () => {
    const plain = composeMessage(base).bytes.length;
    for (const extra of [0, 2, 3, 77, 78, 79, 80, 156, 157, 1000]) {
      const m = composeMessage({ ...base, size: plain + extra });
      expect(m.bytes.length, `+${extra}`).toBe(plain + extra);
      expect(onlyCrlf(m.bytes)).toBe(true);
      expect(longLine(m.bytes)).toBeNull();
    }
    expect(() => composeMessage({ ...base, size: plain + 1 })).toThrow(/one byte more than the message/);
    expect(() => composeMessage({ ...base, size: plain - 1 })).toThrow(/smaller than the message itself/);
  });

  it('--data: the file with CRLF line ends, X-Mxray-Test first, a Message-ID when it has none', () => {
    const m = composeMessage({ ...base, data: Buffer.from('Subject: s\n\nbody') });
    expect(m.bytes.toString()).toBe('X-Mxray-Test: 0123456789abcdef\r\nMessage-ID: <0123456789abcdef@client.test>\r\nSubject: s\r\n\r\nbody\r\n');
    expect(m).toMatchObject({ source: 'file', subject: 's', messageId: '<0123456789abcdef@client.test>' });
    expect(() => composeMessage({ ...base, data: Buffer.from(`Subject: s\n\n${'y'.repeat(1000)}\n`) })).toThrow(/^--data: line 3 is 1000 octets long/);
  });

  it('--data starting with an empty line has no header: what follows is body, never a Message-ID or Subject', () => {
    const m = composeMessage({ ...base, data: Buffer.from('\nMessage-ID: <x@y.test>\nSubject: body text\n') });
    expect(m).toMatchObject({ messageId: '<0123456789abcdef@client.test>', subject: null });
    expect(m.bytes.toString()).toBe('X-Mxray-Test: 0123456789abcdef\r\nMessage-ID: <0123456789abcdef@client.test>\r\n\r\nMessage-ID: <x@y.test>\r\nSubject: body text\r\n');
  });

  it('--data with a UTF-8 header: the Subject read as UTF-8, SMTPUTF8 needed', () => {
    const m = composeMessage({ ...base, data: Buffer.from('Subject: Grüße\n\nbody\n') });
    expect(m).toMatchObject({ subject: 'Grüße', utf8: true, eightBit: true });
  });

  it('--data and a non-ASCII test id (library callers): written as UTF-8, and the message needs SMTPUTF8', () => {
    const m = composeMessage({ ...base, testId: 'Grüße€', data: Buffer.from('Subject: s\n\nbody\n') });
    expect(m.bytes.toString('utf8').startsWith('X-Mxray-Test: Grüße€\r\n')).toBe(true);
    expect(m.utf8).toBe(true);
  });
});

describe('foldHeader', () => {
  it('folds at the last space before 998 octets; a run of 998 without one is refused', () => {
    const long = `X-A: ${'abcdefghi '.repeat(150)}`.trimEnd();
    const { lines, folded } = foldHeader(long);
    expect(folded).toBe(true);
    expect(lines.every((l) => Buffer.byteLength(l) <= 998)).toBe(true);
    expect(lines.slice(1).every((l) => l.startsWith(' '))).toBe(true);
    expect(lines.join('')).toBe(long);
    expect(() => foldHeader(`X-A: ${'z'.repeat(1000)}`)).toThrow(/cannot be folded/);
    expect(foldHeader('X-A: short')).toEqual({ lines: ['X-A: short'], folded: false });
  });
});

describe('rfc5322Date, percentile, parseQueueId', () => {
  it('dates in UTC with +0000', () => {
    expect(rfc5322Date(NOW)).toBe('Sun, 29 Nov 2026 08:35:39 +0000');
  });

  it('nearest-rank percentiles', () => {
    const v = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(v, 50), percentile(v, 90), percentile(v, 99), percentile(v, 100)]).toEqual([50, 90, 99, 100]);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBe(0);
  });

  const r = (code: number, text: string) => ({ code, enhanced: null, lines: [text] });
  it.each([
    ['2.0.0 Ok: queued as 4dM1Yx2Q7Lz3', '4dM1Yx2Q7Lz3'],
    ['OK id=1vXyZa-000123-AB', '1vXyZa-000123-AB'],
    ['2.6.0 <abc@x> [InternalId=123456789, Hostname=EX01.example.com] Queued mail for delivery', '123456789'],
    ['2.0.0 4ATK1c2Q012345 Message accepted for delivery', '4ATK1c2Q012345'],
    ['2.0.0 OK  1732868139 a640c23a62f3a-4a1b2c3d.45 - gsmtp', 'a640c23a62f3a-4a1b2c3d.45'],
    ['2.0.0 Ok', null],
  ])('%s → %s', (text, id) => {
    expect(parseQueueId(r(250, text))).toBe(id);
  });

  it('no queue id in a refusal', () => {
    expect(parseQueueId(r(550, 'queued as ABC'))).toBeNull();
  });
});

describe('composeSeries: what composeMessage makes, without composing each message', () => {
  const { testId: _unused, now: _now, ...rest } = base;
  const inputs: Omit<ComposeInput, 'testId' | 'now'>[] = [
    rest,
    { ...rest, subject: 'Grüße 0123456789abcdef', headers: ['X-Long: ' + 'word '.repeat(300)] },
    { ...rest, size: 5000, body: 'body with the id 0123456789abcdef.7 in it\n' },
    { ...rest, data: Buffer.from('Subject: from a file\nFrom: <x@y.test>\n\nbody\n') },
    { ...rest, data: Buffer.from('Message-ID: <fixed@file.test>\n\nbody\n'), size: 300 },
    { ...rest, subject: 'x'.repeat(990) },
  ];
  const ids = ['0123456789abcdef', '0123456789abcdef.2', '0123456789abcdef.3', '0123456789abcdef.10', '0123456789abcdef.11', '0123456789abcdef.1000', 'ab', 'Grüße'];

  it.each(inputs.map((input, i) => [i, input] as const))('input %i: every message as composeMessage makes it', (_i, input) => {
    const series = composeSeries(input);
    for (const now of [NOW, NOW + 1, NOW + 1500]) {
      for (const testId of ids) expect(series(testId, now)).toEqual(composeMessage({ ...input, testId, now }));
    }
  });

  it('a message returned is its own: changing its bytes changes no other', () => {
    const series = composeSeries(rest);
    const a = series('0123456789abcdef.2', NOW);
    const b = series('0123456789abcdef.3', NOW);
    a.bytes.fill(0);
    expect(series('0123456789abcdef.4', NOW)).toEqual(composeMessage({ ...rest, testId: '0123456789abcdef.4', now: NOW }));
    expect(b).toEqual(composeMessage({ ...rest, testId: '0123456789abcdef.3', now: NOW }));
  });

  it('fast-check: any body and subject, the same bytes and facts', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.string({ maxLength: 100 }), fc.stringMatching(/^[0-9a-f.]{1,20}$/), (body, subject, testId) => {
        const input = { ...rest, body: body.replace(/\0/g, ''), subject: subject.replace(/[\0\r\n]/g, '') };
        let expected: unknown;
        try {
          expected = composeMessage({ ...input, testId, now: NOW });
        } catch {
          return;
        }
        const series = composeSeries(input);
        series(`${testId}x`.slice(0, testId.length), NOW);
        expect(series(testId, NOW)).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });
});
