// Corners of core/ the other unit tests leave open: a saved report of a kind mxray does not write,
// HELO address literals with text around them, and an aborted sleep on the fixed clock (it leaves
// nothing behind for a later advance()).
import { describe, expect, it, vi } from 'vitest';
import { fixedClock } from '../../../src/core/clock.js';
import { UsageError } from '../../../src/core/errors.js';
import { isHeloName } from '../../../src/core/names.js';
import { parseSavedReport } from '../../../src/core/saved-report.js';
import { SCHEMA_VERSION } from '../../../src/core/version.js';

describe('parseSavedReport: a kind of report mxray does not write', () => {
  const refusal = (kind: unknown): UsageError => {
    try {
      parseSavedReport(JSON.stringify({ schemaVersion: SCHEMA_VERSION, kind }), 'r.json');
    } catch (err) {
      if (err instanceof UsageError) return err;
      throw err;
    }
    throw new Error('accepted');
  };

  it('names the kind (at most 40 characters of it, as JSON) and the kinds there are; about the file, not the command line', () => {
    const err = refusal(`${'k'.repeat(45)}"x`);
    expect(err.message).toBe(`r.json is not a valid mxray report: /kind: "${'k'.repeat(40)}" is no kind of report mxray writes (receiver, certificate, enforce, send, posture, tlsrpt, blocklist, explain, headers, sender, logs, pcap)`);
    expect(err.helpful).toBe(false);
  });

  it('a missing kind, and a kind that is no string', () => {
    expect(refusal(undefined).message).toBe('r.json is not a valid mxray report: /kind: "undefined" is no kind of report mxray writes (receiver, certificate, enforce, send, posture, tlsrpt, blocklist, explain, headers, sender, logs, pcap)');
    expect(refusal(7).message).toBe('r.json is not a valid mxray report: /kind: "7" is no kind of report mxray writes (receiver, certificate, enforce, send, posture, tlsrpt, blocklist, explain, headers, sender, logs, pcap)');
  });
});

describe('isHeloName: an address literal is the whole name', () => {
  it('takes a bare literal, and nothing before or after it', () => {
    expect(isHeloName('[192.0.2.1]')).toBe(true);
    expect(isHeloName('[IPv6:2001:db8::1]')).toBe(true);
    expect(isHeloName('client[192.0.2.1]')).toBe(false);
    expect(isHeloName('[192.0.2.1]client')).toBe(false);
    expect(isHeloName('x[IPv6:2001:db8::1]')).toBe(false);
    expect(isHeloName('[IPv6:2001:db8::1]x')).toBe(false);
  });
});

describe('fixedClock: an aborted sleep', () => {
  it('is forgotten: a later advance() finds nothing of it to wake', async () => {
    const clock = fixedClock(0);
    const controller = new AbortController();
    const remove = vi.spyOn(controller.signal, 'removeEventListener');
    const sleep = clock.sleep(100, controller.signal);
    controller.abort();
    await sleep;
    clock.advance(1000);
    // Waking a sleeper detaches its abort listener: none was woken.
    expect(remove).toHaveBeenCalledTimes(0);
  });

  it('only the aborted one of several is forgotten; the others still wake when their time comes', async () => {
    const clock = fixedClock(0);
    const first = new AbortController();
    const second = new AbortController();
    const removeFirst = vi.spyOn(first.signal, 'removeEventListener');
    const removeSecond = vi.spyOn(second.signal, 'removeEventListener');
    const woken: string[] = [];
    const a = clock.sleep(100, first.signal).then(() => woken.push('first'));
    const b = clock.sleep(200, second.signal).then(() => woken.push('second'));
    second.abort();
    await b;
    expect(woken).toEqual(['second']);
    clock.advance(300);
    await a;
    expect(woken).toEqual(['second', 'first']);
    expect(removeFirst).toHaveBeenCalledTimes(1);
    expect(removeSecond).toHaveBeenCalledTimes(0);
  });
});
