// The transcript: hostile server text made printable and bounded, events numbered and timed
// by the injected clock, a bounded number kept, each one handed to the observer.
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../../src/core/clock.js';
import type { Clock } from '../../../src/core/context.js';
import type { TranscriptEvent } from '../../../src/core/schema.js';
import { escapeText, Transcript } from '../../../src/core/transcript.js';

describe('escapeText', () => {
  it('escapes bidirectional and invisible format characters (they would reorder or hide the text around them)', () => {
    expect(escapeText('a\u202eb\u2066c\u200bd\ufeffe\u2028f\u061cg')).toBe('a\\u{202e}b\\u{2066}c\\u{200b}d\\u{feff}e\\u{2028}f\\u{61c}g');
    // Ordinary non-ASCII text stays as it is.
    expect(escapeText('Grüße — 日本 😀')).toBe('Grüße — 日本 😀');
    expect(escapeText('\u200a\u2030\u205f')).toBe('\u200a\u2030\u205f');
  });

  it('escapes the interlinear annotation characters U+FFF9-U+FFFB, and nothing on either side of them', () => {
    expect(escapeText('a\ufff9b\ufffac\ufffbd')).toBe('a\\u{fff9}b\\u{fffa}c\\u{fffb}d');
    expect(escapeText('\ufff8\ufffc')).toBe('\ufff8\ufffc');
  });

  it('writes CR, LF and TAB as \\r \\n \\t', () => {
    expect(escapeText('250-a\r\n250 b\tc')).toBe('250-a\\r\\n250 b\\tc');
  });

  it('writes the other C0 controls, DEL and the C1 range as \\xHH', () => {
    expect(escapeText('\u0000\u0001\u0007\u0008\u000b\u000c\u001b[31m\u001f')).toBe('\\x00\\x01\\x07\\x08\\x0b\\x0c\\x1b[31m\\x1f');
    expect(escapeText('\u007f')).toBe('\\x7f');
    expect(escapeText('\u0080\u0085\u009b\u009f')).toBe('\\x80\\x85\\x9b\\x9f');
  });

  it('keeps printable text, including the characters just outside the control ranges', () => {
    const printable = ' ~\u00a0é€😀 250 mx.example.com ESMTP';
    expect(escapeText(printable)).toBe(printable);
  });

  it('keeps text that fits, and cuts longer text saying how long it was', () => {
    expect(escapeText('a'.repeat(1000))).toBe('a'.repeat(1000));
    expect(escapeText('a'.repeat(1001))).toBe(`${'a'.repeat(1000)}… (1001 characters)`);
    expect(escapeText('x'.repeat(5000))).toBe(`${'x'.repeat(1000)}… (5000 characters)`);
    expect(escapeText('abc', 3)).toBe('abc');
    expect(escapeText('abcdef', 3)).toBe('abc… (6 characters)');
  });

  it('counts the escaped form against the cap', () => {
    // 600 LFs escape to 1200 characters: 500 escapes fit.
    expect(escapeText('\n'.repeat(600))).toBe(`${'\\n'.repeat(500)}… (600 characters)`);
    expect(escapeText('\u0000\u0000', 6)).toBe('\\x00\\x… (2 characters)');
  });
});

describe('Transcript', () => {
  it('numbers events from 0 and escapes their text', () => {
    const transcript = new Transcript(fixedClock(0));
    expect(transcript.record('mx[192.0.2.1]:25/main', 'recv', '220 mx ESMTP\r\n')).toBe(0);
    expect(transcript.record('mx[192.0.2.1]:25/main', 'send', 'EHLO probe')).toBe(1);
    expect(transcript.events).toEqual<TranscriptEvent[]>([
      { seq: 0, t: 0, conn: 'mx[192.0.2.1]:25/main', kind: 'recv', text: '220 mx ESMTP\\r\\n' },
      { seq: 1, t: 0, conn: 'mx[192.0.2.1]:25/main', kind: 'send', text: 'EHLO probe' },
    ]);
  });

  it('times events in milliseconds since the transcript began, rounded to a microsecond', () => {
    const clock = fixedClock(1_700_000_000_000);
    clock.advance(500); // before the transcript starts: not counted
    const transcript = new Transcript(clock);
    transcript.record('dns', 'dns', 'first');
    clock.advance(12.3456);
    transcript.record('dns', 'dns', 'second');
    clock.advance(0.0004);
    transcript.record('dns', 'dns', 'third');
    expect(transcript.events.map((e) => e.t)).toEqual([0, 12.346, 12.346]);
    expect(transcript.elapsed()).toBeCloseTo(12.346, 9);
  });

  it('never gives a negative time, even from a clock that steps back', () => {
    const readings = [100, 40];
    const clock: Clock = { now: () => 0, monotonic: () => readings.shift() ?? 40, sleep: async () => {} };
    const transcript = new Transcript(clock);
    expect(transcript.elapsed()).toBe(0);
    transcript.record('dns', 'note', 'x');
    expect(transcript.events[0]?.t).toBe(0);
  });

  it('hands each kept event to the observer, as recorded', () => {
    const seen: TranscriptEvent[] = [];
    const transcript = new Transcript(fixedClock(0), (event) => seen.push(event));
    transcript.record('c', 'connect', 'a');
    transcript.record('c', 'close', 'b');
    expect(seen).toEqual(transcript.events);
    expect(seen[1]).toBe(transcript.events[1]);
  });

  it('keeps at most 5000 events; later ones are dropped but still numbered, and the last slot says so', () => {
    const observed: TranscriptEvent[] = [];
    const transcript = new Transcript(fixedClock(0), (e) => observed.push(e));
    const seqs: number[] = [];
    for (let i = 0; i < 5000; i++) seqs.push(transcript.record('c', 'recv', `line ${i}`));
    // Exactly at the cap nothing is lost, and nothing says otherwise.
    expect(transcript.dropped).toBe(0);
    expect(transcript.events[4999]).toMatchObject({ seq: 4999, kind: 'recv', text: 'line 4999' });
    for (let i = 5000; i < 5003; i++) seqs.push(transcript.record('c', 'recv', `line ${i}`));
    expect(seqs.slice(-5)).toEqual([4998, 4999, 5000, 5001, 5002]);
    expect(transcript.events).toHaveLength(5000);
    expect(transcript.events[4998]).toMatchObject({ seq: 4998, text: 'line 4998' });
    // Event 4999 and the three after it are gone: the marker in its place counts them.
    expect(transcript.dropped).toBe(4);
    expect(transcript.events[4999]).toEqual({ seq: 4999, t: 0, conn: 'mxray', kind: 'note', text: 'transcript cut: 4 events from #4999 on were not kept (at most 5000 per report)' });
    // The observer saw every kept event once, then the marker once.
    expect(observed).toHaveLength(5001);
    expect(observed[5000]).toBe(transcript.events[4999]);
  });

  it('without an observer, cutting the transcript is just as quiet', () => {
    const transcript = new Transcript(fixedClock(0));
    for (let i = 0; i < 5003; i++) transcript.record('c', 'recv', `line ${i}`);
    expect(transcript.dropped).toBe(4);
    expect(transcript.events).toHaveLength(5000);
    expect(transcript.events[4999]?.text).toBe('transcript cut: 4 events from #4999 on were not kept (at most 5000 per report)');
  });
});
