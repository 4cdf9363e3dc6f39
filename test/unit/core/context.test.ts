// The default limits: the time-outs and connection caps the README promises, and reply caps that
// leave room for what RFC 5321 allows.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../../src/core/context.js';
import { DEFAULT_SCHEDULER_LIMITS } from '../../../src/core/scheduler.js';
import { DEFAULT_MAX_MX } from '../../../src/jobs/receiver/check-receiver.js';

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

  it('bounds a check as the README says: MX hosts probed, DNS queries at once, each address’s deadline, no whole-check deadline unless asked', () => {
    const bounded =
      /at most `--max-mx` MX hosts \((\d+)\) are looked up and probed, and at most (\d+)\s+addresses of each \(as many IPv4 as IPv6\), the rest listed as not probed; at most (\d+) DNS queries\s+of one check are in flight at once; each address's probe ends after (\d+) s, the whole check\s+after `--deadline` when given/.exec(
        readme,
      );
    expect(bounded, 'the "Bounded" point of the README').not.toBeNull();
    const [maxMx, addresses, dns, seconds] = (bounded as RegExpExecArray).slice(1).map(Number);
    expect([DEFAULT_MAX_MX, DEFAULT_LIMITS.addressesPerHost, DEFAULT_LIMITS.dnsQueriesAtOnce, DEFAULT_LIMITS.addressDeadlineMs, DEFAULT_LIMITS.deadlineMs]).toEqual([
      maxMx,
      addresses,
      dns,
      (seconds as number) * 1000,
      null,
    ]);
    expect(readme).toMatch(new RegExp(`\\| \`--max-mx N\` \\| probe at most N MX hosts, in preference order \\(default ${DEFAULT_MAX_MX};`));
    expect(readme).toMatch(new RegExp(`Without it, each address's probe is stopped after ${DEFAULT_LIMITS.addressDeadlineMs / 1000} s`));
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
