// `mxray explain` as a child process (through dist/): a text on the command line, lines on standard
// input, a file; exit 0 when a rule recognises the text, 3 when none does (codes still decoded), 2
// for usage errors — one line, no stack trace; --json valid against the published schema; the
// confirming command names the host the text names; hostile text escaped on the terminal.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ExplainReport } from '../../src/core/schema.js';
import { schemaErrors } from '../helpers/schema.js';
import { runMxray } from '../helpers/cli.js';

const FIXTURES = join(process.cwd(), 'test/fixtures/bounces');
const tmp = mkdtempSync(join(tmpdir(), 'mxray-explain-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const mxray = runMxray;

const WRAPPED = '451 4.4.0 Primary target IP address responded with: "451 5.7.3 STARTTLS is required to send mail."';

describe('mxray explain (CLI)', () => {
  it('an Exchange NDR line: exit 0, the meaning, who acts, the causes and the command on the first screen', async () => {
    const run = await mxray(['explain', WRAPPED, '--width', '400']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/An Exchange receive connector that requires TLS got a mail command without\s+STARTTLS first/);
    expect(run.stdout).toMatch(/Root code: 451 5\.7\.3 — .*Security conversion required but not possible/);
    expect(run.stdout).toMatch(/Who acts: either side/);
    // 451 with 5.7.3: the classes disagree, and the sender follows the reply code.
    expect(run.stdout).toMatch(/The reply code 451 says try again later, its enhanced code 5\.7\.3 says give up/);
    expect(run.stdout).toMatch(/retried until it expires in the queue/);
    expect(run.stdout).toMatch(/Confirm: mxray check \{domain\} --dnsbl/);
  });

  it('Postfix log lines on standard input: each line explained, the command naming the host of the line; --json valid', async () => {
    const log = [
      'Nov 29 10:00:01 mx postfix/smtp[123]: warning: TLS is required, but was not offered by host mx.partner.example[192.0.2.25]',
      'Nov 29 10:00:02 mx postfix/smtp[123]: certificate verification failed for mx.other.example[198.51.100.3]:25: num=20:unable to get local issuer certificate',
      'Nov 29 10:00:03 mx postfix/qmgr[99]: 4F1A2: removed',
      '554 5.7.1 <x@example.org>: Relay access denied',
      '',
    ].join('\n');
    const run = await mxray(['explain', '-', '--json'], log);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as ExplainReport;
    expect(schemaErrors(report)).toEqual([]);
    expect(report.body.input).toEqual({ source: 'stdin', names: [], lines: 4, bytes: Buffer.byteLength(log) });
    expect(report.body.items.map((i) => [i.line, i.rules.map((r) => r.id), i.rules.map((r) => r.confirm)])).toEqual([
      [1, ['postfix.tls-required-not-offered'], ['mxray check mx.partner.example']],
      [2, ['postfix.certificate-verification-failed', 'openssl.local-issuer'], ['mxray cert mx.other.example', 'mxray cert mx.other.example']],
      [4, [], []],
    ]);
    expect(report.body.unrecognised).toBe(1);
    expect(report.body.items[2]?.statuses[0]).toMatchObject({ reply: 554, code: '5.7.1', final: true });
  });

  it('a text no rule knows: exit 3, said so, its codes still decoded', async () => {
    const run = await mxray(['explain', '550 5.1.1 <nobody@example.org>: Recipient address rejected', '--width', '400']);
    expect(run.code).toBe(3);
    expect(run.stdout).toMatch(/No rule recognises this text/);
    expect(run.stdout).toMatch(/550 5\.1\.1 — .*Bad destination mailbox address/);
  });

  it('--file: the file’s lines, the file named', async () => {
    const file = join(tmp, 'last-error.txt');
    writeFileSync(file, 'TLS negotiation failed with error NoCredentials\n');
    const run = await mxray(['explain', '--file', file, '--json']);
    const report = JSON.parse(run.stdout) as ExplainReport;
    expect(run.code).toBe(0);
    expect(report.body.input.names).toEqual([file]);
    expect(report.body.items[0]?.rules.map((r) => r.id)).toEqual(['exchange.tls-negotiation-no-credentials']);
    expect(report.body.items[0]).toMatchObject({ line: 1, file, recipient: null });
  });

  it('a bounce message (.eml): read recipient by recipient, each diagnostic explained with the recipient’s domain in the command', async () => {
    const run = await mxray(['explain', '--file', join(FIXTURES, 'exchange-online.eml'), '--width', '200']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^EXPLAINED — kai@partner\.example: An Exchange receive connector that requires TLS/m);
    expect(run.stdout).toMatch(/A delivery status notification from \S+ “Undeliverable: Contract draft”: 1 recipient \(1 failed\)/);
    expect(run.stdout).toMatch(/Recipient kai@partner\.example: failed, 5\.7\.3, at mx\.partner\.example/);
    expect(run.stdout).toMatch(/Confirm: mxray check partner\.example --dnsbl/);
    const json = await mxray(['explain', '--file', join(FIXTURES, 'exchange-online.eml'), '--json']);
    const report = JSON.parse(json.stdout) as ExplainReport;
    expect(schemaErrors(report)).toEqual([]);
    // The message's MIME lines are not explained one by one: only the recipient's diagnostic.
    expect(report.body.items.map((i) => [i.recipient, i.line, i.rules[0]?.id])).toEqual([['kai@partner.example', null, 'exchange.starttls-required']]);
    expect(report.body.bounces.map((b) => [b.format, b.recipients.map((r) => [r.address, r.action, r.status, r.item])])).toEqual([['rfc3464', [['kai@partner.example', 'failed', '5.7.3', 0]]]]);
  });

  it('two files, a bounce and a log: the bounce by recipient, the log by line, each item naming its file', async () => {
    const log = join(tmp, 'mail.log');
    writeFileSync(log, 'Nov 29 10:00:01 mx postfix/smtp[123]: warning: TLS is required, but was not offered by host mx.partner.example[192.0.2.25]\n');
    const bounce = join(FIXTURES, 'exim-failed.eml');
    const run = await mxray(['explain', '--file', bounce, '--file', log, '--json']);
    const report = JSON.parse(run.stdout) as ExplainReport;
    expect(schemaErrors(report)).toEqual([]);
    expect(report.body.bounces.map((b) => b.file)).toEqual([bounce]);
    const fromLog = report.body.items.filter((i) => i.file === log);
    expect(fromLog.map((i) => [i.line, i.rules[0]?.id, i.rules[0]?.confirm])).toEqual([[1, 'postfix.tls-required-not-offered', 'mxray check mx.partner.example']]);
    const fromBounce = report.body.items.filter((i) => i.file === bounce);
    expect(fromBounce.every((i) => i.recipient !== null && i.line === null)).toBe(true);
    expect(fromBounce.flatMap((i) => i.rules.map((r) => r.id))).toContain('exim.tls-required-not-offered');
  });

  it('a message that is not a bounce: read line by line, nothing invented', async () => {
    const run = await mxray(['explain', '--file', join(FIXTURES, 'not-a-bounce.eml'), '--json']);
    const report = JSON.parse(run.stdout) as ExplainReport;
    expect(run.code).toBe(3);
    expect(report.body.bounces).toEqual([]);
    expect(report.body.items.every((i) => i.recipient === null)).toBe(true);
  });

  it('usage errors: one line on stderr, exit 2, no stack trace', async () => {
    // /dev/zero: a file whose size stat cannot tell (a device, a pipe) is refused at the limit, not read forever.
    for (const args of [['explain'], ['explain', 'x', '--file', join(tmp, 'a')], ['explain', '--file', join(tmp, 'missing.txt')], ['explain', '--file', tmp], ['explain', '--file', '/dev/zero']]) {
      const run = await mxray(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
    expect((await mxray(['explain', '-'], '   \n')).code).toBe(2);
  });

  it('hostile text is escaped on the terminal (no raw escape or control characters)', async () => {
    const run = await mxray(['explain', 'Untrusted TLS connection established to evil\u001b[31m.example[192.0.2.1]: \u0007 \u202e']);
    expect(run.stdout).not.toMatch(/[\u0007\u001b\u202e]/);
  });
});
