// The streaming splitter (issue 22): exact messages for the shapes an mbox takes, the bounds
// (cut at messageBytes, the messages limit), and, with fast-check, the same messages as
// splitMessages on the whole text wherever the chunks are split.
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { streamMessages, type StreamLimits, type StreamedMessage } from '../../../../src/jobs/headers/mbox-stream.js';
import { splitMessages } from '../../../../src/jobs/headers/read-header.js';

async function* fromArray<T>(items: readonly T[], pulled?: { count: number }): AsyncGenerator<T> {
  for (const item of items) {
    if (pulled) pulled.count++;
    yield item;
  }
}

async function collect(chunks: readonly (Uint8Array | string)[], limits?: StreamLimits): Promise<StreamedMessage[]> {
  const out: StreamedMessage[] = [];
  for await (const m of streamMessages(fromArray(chunks), limits)) out.push(m);
  return out;
}

const bytes = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'utf8'));

/** `data` split before each of `cuts` (positions taken modulo its length, in order). */
function splitAt<T extends Uint8Array | string>(data: T, cuts: readonly number[]): T[] {
  const points = [...new Set(cuts.map((c) => (data.length === 0 ? 0 : c % (data.length + 1))))].sort((a, b) => a - b);
  const pieces: T[] = [];
  let last = 0;
  for (const p of points) {
    pieces.push(data.slice(last, p) as T);
    last = p;
  }
  pieces.push(data.slice(last) as T);
  return pieces;
}

/** The first `max` UTF-8 bytes of `text`, backing off to a whole character (written apart from the module's own). */
function firstBytes(text: string, max: number): { text: string; cut: boolean } {
  const b = Buffer.from(text, 'utf8');
  if (b.length <= max) return { text, cut: false };
  let end = max;
  while (end > 0 && (b[end]! & 0xc0) === 0x80) end--;
  return { text: b.subarray(0, end).toString('utf8'), cut: true };
}

const plain = (ms: StreamedMessage[]): string[] => ms.map((m) => m.text);

const MBOX3 = [
  'From alice@example.org Mon Mar  2 10:00:00 2026',
  'Received: from a.example.org by mx.example.net with ESMTP; Mon, 2 Mar 2026 10:00:00 +0000',
  'Subject: one',
  '',
  'First body.',
  '',
  'From bob@example.com Mon Mar  2 11:00:00 2026',
  'Subject: two',
  '',
  'Second body.',
  '',
  'From carol@example.net Mon Mar  2 12:00:00 2026',
  'Subject: three',
  '',
  'Third body.',
  '',
].join('\n');

describe('streamMessages: exact messages', () => {
  it('a message without a "From " line is one message, as it is (CRLF and a final line end kept)', async () => {
    const text = 'Received: from a.example.org by mx.example.net; Mon, 2 Mar 2026 10:00:00 +0000\r\nSubject: hi\r\n\r\nbody\r\n';
    expect(await collect([bytes(text)])).toEqual([{ index: 0, text, cut: false }]);
  });

  it('blank lines before a single message stay in it; before an mbox they go', async () => {
    expect(plain(await collect(['\n\r\nSubject: x\n']))).toEqual(['\n\r\nSubject: x\n']);
    expect(plain(await collect(['\n\r\nFrom a@example.org x\nSubject: x\n']))).toEqual(['Subject: x']);
  });

  it('an mbox of three: each message without its "From " line nor the empty line before the next', async () => {
    expect(await collect([bytes(MBOX3)])).toEqual([
      {
        index: 0,
        text: 'Received: from a.example.org by mx.example.net with ESMTP; Mon, 2 Mar 2026 10:00:00 +0000\nSubject: one\n\nFirst body.',
        cut: false,
      },
      { index: 1, text: 'Subject: two\n\nSecond body.', cut: false },
      { index: 2, text: 'Subject: three\n\nThird body.', cut: false },
    ]);
  });

  it('">From " loses one ">", ">>From " keeps one, ">" alone and ">Fromage" are left', async () => {
    const text = 'From a@example.org x\nSubject: q\n\n>From the start\n>>From here\n>\n>Fromage\n> From spaced\n';
    expect(plain(await collect([text]))).toEqual(['Subject: q\n\nFrom the start\n>From here\n>\n>Fromage\n> From spaced']);
  });

  it('CRLF lines: the CR goes with the LF, a lone CR inside a line stays', async () => {
    const text = 'From a@example.org x\r\nSubject: one\r\n\r\nbo\rdy\r\n\r\nFrom b@example.org y\r\nSubject: two\r\n';
    expect(plain(await collect([bytes(text)]))).toEqual(['Subject: one\n\nbo\rdy', 'Subject: two']);
  });

  it('a "From " line not after an empty line is body text; two empty lines before the next leave one', async () => {
    const text = 'From a@example.org x\nSubject: one\n\nbody\nFrom inside a paragraph\n\n\nFrom b@example.org y\nSubject: two';
    expect(plain(await collect([text]))).toEqual(['Subject: one\n\nbody\nFrom inside a paragraph\n', 'Subject: two']);
  });

  it('empty input, and input of empty chunks, give no message; a lone "From " line gives one empty message', async () => {
    expect(await collect([])).toEqual([]);
    expect(await collect([new Uint8Array(0), '', new Uint8Array(0)])).toEqual([]);
    expect(await collect(['From a@example.org x\n'])).toEqual([{ index: 0, text: '', cut: false }]);
  });

  it('a leading byte-order mark is dropped, so the mbox is still seen', async () => {
    expect(plain(await collect([new Uint8Array([0xef, 0xbb, 0xbf]), 'From a@example.org x\nSubject: one\n']))).toEqual(['Subject: one']);
  });

  it('"From" without its space, or cut short at the end, is a single message', async () => {
    expect(plain(await collect(['From']))).toEqual(['From']);
    expect(plain(await collect(['\nFrom:', ' a@example.org\n']))).toEqual(['\nFrom: a@example.org\n']);
  });
});

describe('streamMessages: bounds', () => {
  it('a message longer than messageBytes keeps its first messageBytes and says cut; the next one is whole', async () => {
    const long = 'x'.repeat(50);
    const text = `From a@example.org x\nSubject: one\n\n${long}\n${long}\n\nFrom b@example.org y\nSubject: two\n`;
    expect(await collect([text], { messageBytes: 20 })).toEqual([
      { index: 0, text: 'Subject: one\n\nxxxxxx', cut: true },
      { index: 1, text: 'Subject: two', cut: false },
    ]);
  });

  it('a message of exactly messageBytes is not cut; one byte more is', async () => {
    expect(await collect(['From a x\n0123456789\n'], { messageBytes: 10 })).toEqual([{ index: 0, text: '0123456789', cut: false }]);
    expect(await collect(['From a x\n0123456789\nZ\n'], { messageBytes: 10 })).toEqual([{ index: 0, text: '0123456789', cut: true }]);
    expect(await collect(['0123456789'], { messageBytes: 10 })).toEqual([{ index: 0, text: '0123456789', cut: false }]);
    expect(await collect(['0123456789A'], { messageBytes: 10 })).toEqual([{ index: 0, text: '0123456789', cut: true }]);
  });

  it('the cut never splits a character: "é" (2 bytes) and "😀" (4 bytes) go whole or not at all', async () => {
    expect(await collect([bytes('aé😀b')], { messageBytes: 2 })).toEqual([{ index: 0, text: 'a', cut: true }]);
    expect(await collect([bytes('aé😀b')], { messageBytes: 6 })).toEqual([{ index: 0, text: 'aé', cut: true }]);
    expect(await collect([bytes('aé😀b')], { messageBytes: 7 })).toEqual([{ index: 0, text: 'aé😀', cut: true }]);
  });

  it('a line far longer than messageBytes, in many chunks, is cut and the separator after it still seen', async () => {
    const chunks = ['From a@example.org x\nSubject: big\n\n', ...Array.from({ length: 200 }, () => 'y'.repeat(1000)), '\n\nFrom b@example.org y\nSubject: two\n'];
    expect(await collect(chunks, { messageBytes: 30 })).toEqual([
      { index: 0, text: `Subject: big\n\n${'y'.repeat(16)}`, cut: true },
      { index: 1, text: 'Subject: two', cut: false },
    ]);
  });

  it('a separator line itself longer than messageBytes, and ">From " lines past the cut, change nothing after', async () => {
    const text = `From a@example.org ${'z'.repeat(100)}\nSubject: one\n>From x\n\nFrom b ${'z'.repeat(100)}\nSubject: two\n`;
    expect(await collect([text], { messageBytes: 14 })).toEqual([
      { index: 0, text: 'Subject: one\nF', cut: true },
      { index: 1, text: 'Subject: two', cut: false },
    ]);
  });

  it('the messages limit: reading stops there, says more, and no further chunk is pulled', async () => {
    const chunks = MBOX3.split('\n').map((l) => `${l}\n`);
    const pulled = { count: 0 };
    const it = streamMessages(fromArray(chunks, pulled), { messages: 2 });
    const seen: string[] = [];
    let step = await it.next();
    while (!step.done) {
      seen.push(step.value.text);
      step = await it.next();
    }
    expect(seen).toEqual(['Received: from a.example.org by mx.example.net with ESMTP; Mon, 2 Mar 2026 10:00:00 +0000\nSubject: one\n\nFirst body.', 'Subject: two\n\nSecond body.']);
    expect(step.value).toEqual({ more: true });
    expect(pulled.count).toBe(12); // up to the third "From " line, not beyond
  });

  it('a messages limit of 0 reads nothing and says more when there was a message, single or mbox', async () => {
    for (const [text, more] of [['Subject: x\n', true], ['From a x\nSubject: x\n', true], ['', false]] as const) {
      const it = streamMessages(fromArray([text]), { messages: 0 });
      expect(await it.next()).toEqual({ done: true, value: { more } });
    }
  });

  it('the messages limit not reached, or reached by the last message, says no more', async () => {
    for (const messages of [3, 4]) {
      const it = streamMessages(fromArray([MBOX3]), { messages });
      let step = await it.next();
      let n = 0;
      while (!step.done) {
        n++;
        step = await it.next();
      }
      expect([n, step.value]).toEqual([3, { more: false }]);
    }
  });
});

describe('streamMessages: chunk boundaries', () => {
  it('UTF-8 split across chunks (2-, 3- and 4-byte characters, a byte at a time) decodes whole', async () => {
    const text = 'From a@example.org x\nSubject: Grüße € 😀\n\nñ\n';
    const oneByOne = Array.from(bytes(text), (b) => new Uint8Array([b]));
    expect(plain(await collect(oneByOne))).toEqual(['Subject: Grüße € 😀\n\nñ']);
  });

  it('a CR and its LF in two chunks, and "From " split in the middle, give the same messages', async () => {
    const text = 'From a x\r\nSubject: one\r\n\r\nFrom b y\r\nSubject: two\r\n';
    const whole = await collect([text]);
    expect(plain(whole)).toEqual(['Subject: one', 'Subject: two']);
    expect(await collect(['From a x\r', '\nSubject: one\r', '\n\r', '\nFr', 'om b y\r\nSubject: two\r', '\n'])).toEqual(whole);
  });

  // Pieces that make the separators, quoting, line ends and multi-byte characters meet in every order.
  const token = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom('From ', 'From a@example.org x\n', '>From ', '>>From ', '>', '\n', '\r\n', '\r', 'Subject: s', ' ', 'é', '€', '😀', '\uFEFF', 'x') },
    { weight: 1, arbitrary: fc.string({ maxLength: 6, unit: 'binary' }) },
  );
  const texts = fc.array(token, { maxLength: 50 }).map((parts) => parts.join(''));
  const cuts = fc.array(fc.nat(), { maxLength: 12 });
  const reference = (text: string): string[] => splitMessages(text.startsWith('\uFEFF') ? text.slice(1) : text).messages;

  it('bytes split anywhere: the same messages as splitMessages on the whole text', async () => {
    await fc.assert(
      fc.asyncProperty(texts, cuts, async (text, at) => {
        const got = await collect(splitAt(bytes(text), at));
        expect(got).toEqual(reference(text).map((m, index) => ({ index, text: m, cut: false })));
      }),
      { numRuns: 600 },
    );
  });

  it('text chunks split anywhere: the same messages as splitMessages on the whole text', async () => {
    await fc.assert(
      fc.asyncProperty(texts, cuts, async (text, at) => {
        expect(plain(await collect(splitAt(text, at)))).toEqual(reference(text));
      }),
      { numRuns: 300 },
    );
  });

  it('with a small messageBytes: each message of splitMessages cut to its first messageBytes, wherever the chunks are split', async () => {
    await fc.assert(
      fc.asyncProperty(texts, cuts, fc.nat({ max: 24 }), async (text, at, messageBytes) => {
        const got = await collect(splitAt(bytes(text), at), { messageBytes });
        expect(got).toEqual(reference(text).map((m, index) => ({ index, ...firstBytes(m, messageBytes) })));
      }),
      { numRuns: 600 },
    );
  });
});
