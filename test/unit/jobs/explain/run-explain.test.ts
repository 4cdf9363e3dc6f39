// runExplain (jobs/explain/run-explain.ts) on what the review found: a log that merely quotes a
// bounce's words is still read line by line (nothing lost); a bounce needs a recipient; the count of
// recognised lines covers those past the kept 5000; lines past the million read are counted, not
// dropped silently; in a bounce, the answering server never becomes the host of a rule about the
// sender's own server; a receiving server's line never takes its own recipient's domain.
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../../../src/core/clock.js';
import { runExplain } from '../../../../src/jobs/explain/run-explain.js';

const run = (text: string, source: 'argument' | 'stdin' | 'file' = 'stdin') => runExplain({ input: { source, parts: [{ name: source === 'file' ? 'x.txt' : null, text }] }, clock: fixedClock(0) });

const TLS_LINES = [
  'Nov 29 10:00:01 mx postfix/smtp[123]: warning: TLS is required, but was not offered by host mx.partner.example[192.0.2.25]',
  'Nov 29 10:00:02 mx postfix/smtp[123]: certificate verification failed for mx.other.example[198.51.100.3]:25: num=20:unable to get local issuer certificate',
];

describe('runExplain', () => {
  it('a log quoting a bounce’s words (a cleanup warning logging a Subject:) is read line by line: every TLS line explained', async () => {
    const log = [
      TLS_LINES[0],
      'Nov 29 10:00:03 mx postfix/cleanup[77]: 4F1A2: warning: header Subject: Delivery has failed to these recipients or groups from local; from=<a@b.example>',
      'Nov 29 10:00:04 mx postfix/cleanup[77]: 4F1A3: warning: header Subject: Diagnostic information for administrators from local',
      TLS_LINES[1],
    ].join('\n');
    const r = await run(log);
    expect(r.body.bounces).toEqual([]);
    expect(r.body.items.filter((i) => i.rules.length > 0).map((i) => i.line)).toEqual([1, 4]);
    expect(r.verdict).toBe('not-applicable');
  });

  it('a pasted Postfix bounce line is a bounce with its recipient; bounce words without any recipient are not', async () => {
    const pasted = await run('<ann@partner.example>: host mx.partner.example[192.0.2.25] said: 530 5.7.0 Must issue a STARTTLS command first (in reply to MAIL FROM command)');
    expect(pasted.body.bounces.map((b) => b.recipients.map((x) => x.address))).toEqual([['ann@partner.example']]);
    const words = await run('Diagnostic information for administrators:\nnothing else here');
    expect(words.body.bounces).toEqual([]);
  });

  it('counts every recognised line, also those past the 5000 kept, and says how many were left out', async () => {
    const r = await run(Array.from({ length: 5003 }, (_, i) => TLS_LINES[i % 2]).join('\n'));
    expect(r.body.items).toHaveLength(5000);
    expect(r.body.recognised).toBe(5003);
    expect(r.body.omitted).toBe(3);
  });

  it('lines past the millionth are counted as left out, not dropped silently', async () => {
    const text = `${'x\n'.repeat(1_000_000)}${TLS_LINES[0]}\n${TLS_LINES[1]}`;
    const r = await run(text);
    expect(r.body.input.lines).toBe(1_000_000);
    expect(r.body.omitted).toBe(2);
    expect(r.body.items).toEqual([]);
  });

  it('in a bounce, a rule about the sender’s own server keeps its {host} for the reader; a rule about the receiver names the answering server', async () => {
    const dsn = [
      'Reporting-MTA: dns; exo.example.net',
      '',
      'Final-Recipient: rfc822; ann@partner.example',
      'Action: failed',
      'Status: 5.7.64',
      'Remote-MTA: dns; partner-example.mail.protection.outlook.com',
      'Diagnostic-Code: smtp; 550 5.7.64 TenantAttribution; Relay Access Denied',
      '',
      'Final-Recipient: rfc822; bob@other.example',
      'Action: failed',
      'Status: 5.7.3',
      'Remote-MTA: dns; mx.other.example',
      'Diagnostic-Code: smtp; 451 5.7.3 STARTTLS is required to send mail',
    ].join('\n');
    const r = await run(dsn);
    const confirm = (rcpt: string) => r.body.items.find((i) => i.recipient === rcpt)?.rules[0]?.confirm;
    expect(confirm('ann@partner.example')).toBe('mxray cert {host} --profile exchange-online --name <TlsSenderCertificateName>');
    expect(confirm('bob@other.example')).toBe('mxray check other.example --dnsbl');
  });

  it('a receiving server’s reject line: its recipient is this server’s own domain, never put into the command', async () => {
    const r = await run('Nov 29 10:00:01 mx postfix/smtpd[1]: NOQUEUE: reject: RCPT from unknown[198.51.100.7]: 530 5.7.0 Must issue a STARTTLS command first; from=<s@spam.example> to=<bob@ourdomain.example> proto=ESMTP');
    const confirms = r.body.items.flatMap((i) => i.rules.map((x) => x.confirm));
    expect(confirms.length).toBeGreaterThan(0);
    for (const c of confirms) expect(c).not.toContain('ourdomain.example');
  });
});
