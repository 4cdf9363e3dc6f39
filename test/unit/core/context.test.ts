// The default limits: the time-outs and connection caps the README promises, and reply caps that
// leave room for what RFC 5321 allows.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../../src/core/context.js';
import { DEFAULT_SCHEDULER_LIMITS } from '../../../src/core/scheduler.js';

const readme = readFileSync('README.md', 'utf8');

describe('DEFAULT_LIMITS', () => {
  it('uses the per-phase time-outs the README documents', () => {
    const documented = /defaults: connect (\d+), command (\d+), TLS (\d+), greeting (\d+)\)/.exec(readme);
    expect(documented, 'the --timeout row of the README').not.toBeNull();
    const [connect, command, tls, greeting] = (documented as RegExpExecArray).slice(1).map((s) => Number(s) * 1000);
    expect({
      connectTimeoutMs: DEFAULT_LIMITS.connectTimeoutMs,
      commandTimeoutMs: DEFAULT_LIMITS.commandTimeoutMs,
      tlsTimeoutMs: DEFAULT_LIMITS.tlsTimeoutMs,
      greetingTimeoutMs: DEFAULT_LIMITS.greetingTimeoutMs,
    }).toEqual({ connectTimeoutMs: connect, commandTimeoutMs: command, tlsTimeoutMs: tls, greetingTimeoutMs: greeting });
  });

  it('opens as many connections at once as the README says', () => {
    const documented = /at most (\d+) connections\s+per domain and (\d+) per address/.exec(readme);
    expect(documented, 'the "What it measures" paragraph of the README').not.toBeNull();
    const [perDomain, perAddress] = (documented as RegExpExecArray).slice(1).map(Number);
    expect([DEFAULT_LIMITS.connectionsPerDomain, DEFAULT_SCHEDULER_LIMITS.connectionsPerAddress]).toEqual([perDomain, perAddress]);
  });

  it('caps replies above what RFC 5321 lets a server send in one line', () => {
    // RFC 5321 §4.5.3.1.5: a reply line is at most 512 octets with its CRLF.
    expect(DEFAULT_LIMITS.maxLineBytes).toBeGreaterThanOrEqual(512);
    expect(DEFAULT_LIMITS.maxReplyBytes).toBeGreaterThanOrEqual(DEFAULT_LIMITS.maxLineBytes * 2);
    expect(Number.isInteger(DEFAULT_LIMITS.maxReplyBytes)).toBe(true);
    // A multi-line EHLO reply lists one extension per line: a few dozen at most in practice.
    expect(DEFAULT_LIMITS.maxReplyLines).toBeGreaterThanOrEqual(50);
  });
});
