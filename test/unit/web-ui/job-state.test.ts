import { describe, expect, it } from 'vitest';
import { applyJobEvent, arrowOf, initialJobState, isFinished, MAX_LINES, takeLines } from '../../../web-ui/src/job-state.js';

describe('job page state from SSE events (web UI)', () => {
  it('folds progress per host, in first-seen order, and the transcript lines', () => {
    const s = initialJobState();
    applyJobEvent(s, 'progress', JSON.stringify({ key: 'mx1.example.com', phase: 'connect' }));
    applyJobEvent(s, 'progress', JSON.stringify({ key: 'mx2.example.com', phase: 'connect' }));
    applyJobEvent(s, 'progress', JSON.stringify({ key: 'mx1.example.com', phase: 'STARTTLS' }));
    expect([...s.phases]).toEqual([
      ['mx1.example.com', 'STARTTLS'],
      ['mx2.example.com', 'connect'],
    ]);
    expect(s.status).toBe('running');
    applyJobEvent(s, 'transcript', JSON.stringify({ t: 12, host: 'mx1.example.com', kind: 'recv', text: '220 mx1 ESMTP' }));
    applyJobEvent(s, 'transcript', JSON.stringify({ t: 13, host: 'mx1.example.com', kind: 'send', text: 'EHLO probe' }));
    applyJobEvent(s, 'transcript', JSON.stringify({ seq: 3, t: 14, conn: 'mx1.example.com[192.0.2.1]:25/main', kind: 'recv', text: '250 OK' }));
    const lines = takeLines(s);
    expect(lines.map((l) => `${arrowOf(l.kind)} ${l.text}`)).toEqual(['← 220 mx1 ESMTP', '→ EHLO probe', '← 250 OK']);
    // The server names the connection `conn` (the transcript's own field).
    expect(lines[2]!.host).toBe('mx1.example.com[192.0.2.1]:25/main');
    expect(takeLines(s)).toEqual([]);
    expect(s.lineCount).toBe(3);
  });

  it('ends on done with the report id, on failed with the error', () => {
    const done = applyJobEvent(initialJobState(), 'done', JSON.stringify({ reportId: 'abc', verdict: 'pass' }));
    expect(isFinished(done)).toBe(true);
    expect(done.reportId).toBe('abc');
    expect(done.verdict).toBe('pass');
    const failed = applyJobEvent(initialJobState(), 'failed', JSON.stringify({ error: 'no MX' }));
    expect(failed.status).toBe('failed');
    expect(failed.error).toBe('no MX');
    expect(applyJobEvent(initialJobState(), 'failed', 'not json').error).toBe('the job failed');
    expect(isFinished(applyJobEvent(initialJobState(), 'status', '{"status":"cancelled"}'))).toBe(true);
    expect(isFinished(applyJobEvent(initialJobState(), 'status', '{"status":"running"}'))).toBe(false);
    // A status "done" before the done event: the stream stays open for the report id.
    expect(isFinished(applyJobEvent(initialJobState(), 'status', '{"status":"done"}'))).toBe(false);
  });

  it('ignores malformed data without throwing', () => {
    const s = initialJobState();
    for (const data of ['', 'null', '[1]', '{"key":1,"phase":2}', '{"text":5}', '{bad']) {
      applyJobEvent(s, 'progress', data);
      applyJobEvent(s, 'transcript', data);
      applyJobEvent(s, 'status', data);
    }
    expect(s.phases.size).toBe(0);
    expect(s.lineCount).toBe(0);
    expect(s.status).toBe('connecting');
    applyJobEvent(s, 'done', '{"reportId":42}');
    expect(s.reportId).toBeNull();
  });

  it('marks a reset (the server lost earlier events) and keeps only the newest lines', () => {
    const s = initialJobState();
    applyJobEvent(s, 'reset', '{}');
    expect(s.truncated).toBe(true);
    for (let i = 0; i < MAX_LINES + 10; i++) applyJobEvent(s, 'transcript', JSON.stringify({ t: i, host: 'h', kind: 'note', text: `line ${i}` }));
    const lines = takeLines(s);
    expect(lines).toHaveLength(MAX_LINES);
    expect(lines[0]!.text).toBe('line 10');
    expect(s.lineCount).toBe(MAX_LINES + 10);
  });

  it('arrows by event kind', () => {
    expect(arrowOf('send')).toBe('→');
    expect(arrowOf('recv')).toBe('←');
    expect(arrowOf('whatever')).toBe('·');
  });
});
