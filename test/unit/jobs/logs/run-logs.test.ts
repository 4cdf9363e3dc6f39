import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../../../src/core/clock.js';
import { runLogs, isLoopback, domainFilter } from '../../../../src/jobs/logs/run-logs.js';
import type { LogsReport } from '../../../../src/core/schema.js';

const pf = (time: string, proc: string, msg: string): string => `Nov 30 ${time} mx1 postfix/${proc}: ${msg}`;

/** Inbound sessions: one verified-less TLS, one in clear, one from a content filter on loopback, a failed one then its retry in clear. */
const LOG = [
  pf('09:00:00', 'smtpd[2001]', 'connect from out.partner.example[198.51.100.20]'),
  pf('09:00:01', 'smtpd[2001]', 'Anonymous TLS connection established from out.partner.example[198.51.100.20]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)'),
  pf('09:00:02', 'smtpd[2001]', 'disconnect from out.partner.example[198.51.100.20] ehlo=2 starttls=1 mail=1 rcpt=1 data=1 quit=1 commands=7'),
  '',
  pf('10:00:00', 'smtpd[2002]', 'connect from relay.other.example[203.0.113.9]'),
  pf('10:00:01', 'smtpd[2002]', 'disconnect from relay.other.example[203.0.113.9] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5'),
  pf('10:30:00', 'smtpd[2003]', 'connect from localhost[127.0.0.1]'),
  pf('10:30:01', 'smtpd[2003]', 'disconnect from localhost[127.0.0.1] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5'),
  pf('11:00:00', 'smtpd[2004]', 'connect from unknown[192.0.2.66]'),
  pf('11:00:01', 'smtpd[2004]', 'disconnect from unknown[192.0.2.66] ehlo=1 starttls=0/1 commands=1/2'),
  pf('11:00:02', 'smtpd[2005]', 'connect from unknown[192.0.2.66]'),
  pf('11:00:02', 'smtpd[2005]', '3C4D5E6F7A: client=unknown[192.0.2.66]'),
  pf('11:00:03', 'smtpd[2005]', 'disconnect from unknown[192.0.2.66] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5'),
].join('\n');

async function run(text: string, extra: Partial<Parameters<typeof runLogs>[0]> = {}): Promise<LogsReport> {
  return runLogs({ inputs: [{ name: 'mail.log', chunks: [Buffer.from(text)], year: 2026 }], clock: fixedClock(Date.UTC(2026, 11, 1)), ...extra });
}

describe('runLogs', () => {
  it('reads, pairs a failure with its retry in clear, leaves the loopback peer out and counts it, blank lines ignored', async () => {
    const r = await run(LOG);
    const i = r.body.inputs[0]!;
    expect(i).toMatchObject({ format: 'postfix', detected: true, lines: 13, ignored: 1, malformed: 0, local: 1, sessions: 4 });
    expect(r.body.totals.counts).toMatchObject({ encrypted: 1, clear: 2, 'failed-then-clear': 1, failed: 0 });
    expect(r.verdict).toBe('fail');
  });

  it('--include-local counts the loopback session', async () => {
    const r = await run(LOG, { includeLocal: true });
    expect(r.body.inputs[0]).toMatchObject({ local: 0, sessions: 5 });
    expect(r.body.totals.counts.clear).toBe(3);
  });

  it('only loopback sessions: no session, and the finding says why', async () => {
    const r = await run([pf('10:30:00', 'smtpd[2003]', 'connect from localhost[127.0.0.1]'), pf('10:30:01', 'smtpd[2003]', 'disconnect from localhost[127.0.0.1] ehlo=1 mail=1 quit=1 commands=3')].join('\n'));
    expect(r.verdict).toBe('inconclusive');
    const f = r.findings.find((x) => x.id === 'logs.no-sessions')!;
    expect(String(f.facts.filtered)).toContain('1 with this machine itself');
  });

  it('--since/--until by the session’s time (the zone of syslog stamps from offsetMinutes), counted as filtered', async () => {
    const r = await run(LOG, { since: Date.UTC(2026, 10, 30, 9, 30), until: Date.UTC(2026, 10, 30, 10, 45), offsetMinutes: 0 });
    expect(r.body.inputs[0]).toMatchObject({ sessions: 1, filteredOut: 3 });
    const shifted = await run(LOG, { since: Date.UTC(2026, 10, 30, 9, 30), until: Date.UTC(2026, 10, 30, 10, 45), offsetMinutes: 60 });
    // At +01:00 the 10:00 session is 09:00Z (out) and the 11:00 pair 10:00Z (in).
    expect(shifted.body.inputs[0]!.sessions).toBe(2);
    expect(shifted.body.totals.counts).toMatchObject({ 'failed-then-clear': 1, clear: 1, encrypted: 0 });
  });

  it('--domain keeps a domain and its subdomains (by the sessions’ domains or the remote host)', async () => {
    const r = await run(LOG, { domains: ['partner.example'] });
    expect(r.body.inputs[0]).toMatchObject({ sessions: 1, filteredOut: 3 });
    const f = domainFilter(['Example.ORG.']);
    const base = { remoteHost: null, domains: [] as string[] };
    expect(f!({ ...base, domains: ['mail.example.org'] } as never)).toBe(true);
    expect(f!({ ...base, domains: ['notexample.org'] } as never)).toBe(false);
    expect(f!({ ...base, remoteHost: 'mx2.example.org.' } as never)).toBe(true);
    expect(domainFilter([])).toBeNull();
  });

  it('a forced format reads every line as that format; an unknown input is unrecognised, not an error', async () => {
    const forced = await run(LOG, { format: 'exim' });
    // Syslog lines of another program: Exim's parser passes over them.
    expect(forced.body.inputs[0]).toMatchObject({ format: 'exim', detected: false, sessions: 0, used: 0, ignored: 13 });
    const junk = await run('hello\nworld\n');
    expect(junk.body.inputs[0]!.format).toBeNull();
    expect(junk.findings.map((f) => f.id)).toEqual(['logs.unrecognised']);
    expect(junk.verdict).toBe('inconclusive');
  });

  it('the format is detected past other programs’ lines at the start', async () => {
    const noise = Array.from({ length: 300 }, (_, k) => `Nov 30 08:00:${String(k % 60).padStart(2, '0')} mx1 dovecot[77]: imap-login: Login: user=<u${k}>`).join('\n');
    const r = await run(`${noise}\n${LOG}`);
    expect(r.body.inputs[0]).toMatchObject({ format: 'postfix', sessions: 4 });
  });

  it('loopback addresses', () => {
    for (const a of ['127.0.0.1', '127.255.1.2', '::1', '::ffff:127.0.0.1']) expect(isLoopback(a), a).toBe(true);
    for (const a of ['128.0.0.1', '10.0.0.1', '::2', '2001:db8::1', '1.127.0.0']) expect(isLoopback(a), a).toBe(false);
  });
});
