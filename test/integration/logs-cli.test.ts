// `mxray logs` as a user runs it (the built CLI, bin/mxray.cjs): Postfix, Exim, Sendmail and the
// Exchange logs written here in their own dialects (Exchange by the project's writer,
// test/helpers/exchange-logs.ts; our own hosts), plain and gzip, several at once and on standard
// input; --format forcing and combining, --domain, --since/--until/--utc-offset, CSV (formula
// cells neutralised), HTML (escaped, self-contained, the share chart); exit codes 0/1/2/3; hostile
// inputs (binary, a 20 MB line, invalid UTF-8, a cut gzip); `mxray report --rejudge`.
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogsReport } from '../../src/core/schema.js';
import { BIN, runMxray, type CliRun } from '../helpers/cli.js';
import { exchange2003Log, exchangeProtocolLog, exchangeTrackingLog, type ExchangeScenario } from '../helpers/exchange-logs.js';
import { schemaErrors } from '../helpers/schema.js';

const mxray = runMxray;
let tmp = '';
const path = (name: string): string => join(tmp, name);
/** A raw control of a terminal or a bidi override. */
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f\u202a-\u202e\u2066-\u2069]/;

// ------------------------------------------------------------------ fixtures (our own lines)

/** An rsyslog RFC 3339 line of host mx2 (its zone written, so no --utc-offset is needed). */
const pf = (at: string, proc: string, msg: string): string => `2026-11-30T${at}.000000+00:00 mx2 postfix/${proc}: ${msg}`;

/** Inbound TLS (09:00), outbound verified TLS (09:10), outbound in clear (10:20), outbound whose handshake failed then went in clear (10:30), an inbound handshake that failed (10:40). */
const MAIL_LOG = [
  pf('09:00:01', 'smtpd[2101]', 'connect from relay.example.org[198.51.100.11]'),
  pf('09:00:01', 'smtpd[2101]', 'Trusted TLS connection established from relay.example.org[198.51.100.11]: TLSv1.3 with cipher TLS_AES_128_GCM_SHA256 (128/128 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256'),
  pf('09:00:02', 'smtpd[2101]', '3Z1Q2W3E4R: client=relay.example.org[198.51.100.11]'),
  pf('09:00:02', 'smtpd[2101]', 'disconnect from relay.example.org[198.51.100.11] ehlo=2 starttls=1 mail=1 rcpt=1 data=1 quit=1 commands=7'),
  pf('09:00:02', 'qmgr[880]', '3Z1Q2W3E4R: from=<news@lists.example.org>, size=4120, nrcpt=1 (queue active)'),
  pf('09:10:00', 'smtp[2202]', 'Verified TLS connection established to mx1.example.net[203.0.113.31]:25: TLSv1.2 with cipher ECDHE-ECDSA-AES256-GCM-SHA384 (256/256 bits)'),
  pf('09:10:00', 'smtp[2202]', '5T6Y7U8I9O: to=<kim@example.net>, relay=mx1.example.net[203.0.113.31]:25, delay=0.5, delays=0.01/0/0.3/0.19, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 77A)'),
  pf('10:20:00', 'smtp[2303]', '6A7S8D9F0G: to=<lee@example.com>, relay=smtp.example.com[192.0.2.61]:25, delay=0.4, delays=0.01/0/0.2/0.19, dsn=2.0.0, status=sent (250 2.0.0 Ok)'),
  pf('10:30:00', 'smtp[2404]', 'SSL_connect error to mx.example.org[198.51.100.52]:25: -1'),
  pf('10:30:00', 'smtp[2404]', 'warning: TLS library problem: error:0A000410:SSL routines::sslv3 alert handshake failure:../ssl/record/rec_layer_s3.c:1586:SSL alert number 40:'),
  pf('10:30:00', 'smtp[2404]', '7H8J9K0L1Z: Cannot start TLS: handshake failure'),
  pf('10:30:01', 'smtp[2404]', '7H8J9K0L1Z: to=<pat@example.org>, relay=mx.example.org[198.51.100.52]:25, delay=1.1, delays=0.01/0/0.9/0.2, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 88B)'),
  pf('10:40:00', 'smtpd[2505]', 'connect from scanner.example.net[203.0.113.77]'),
  pf('10:40:00', 'smtpd[2505]', 'SSL_accept error from scanner.example.net[203.0.113.77]: -1'),
  pf('10:40:01', 'smtpd[2505]', 'disconnect from scanner.example.net[203.0.113.77] ehlo=1 starttls=0/1 commands=1/2'),
];
/** Only the first two sessions: every one used TLS. */
const ALL_TLS_LOG = MAIL_LOG.slice(0, 7);
/** smtp_tls_loglevel 0: deliveries, never a TLS line from smtp. */
const LEVEL0_LOG = [
  pf('11:00:00', 'smtp[2601]', '1P2O3I4U5Y: to=<max@example.com>, relay=smtp.example.com[192.0.2.61]:25, delay=0.3, delays=0/0/0.2/0.1, dsn=2.0.0, status=sent (250 2.0.0 Ok)'),
  pf('11:05:00', 'smtp[2602]', '2P3O4I5U6Y: to=<ned@example.net>, relay=mx1.example.net[203.0.113.31]:25, delay=0.3, delays=0/0/0.2/0.1, dsn=2.0.0, status=sent (250 2.0.0 Ok)'),
];
/** Exim 4 mainlog (no zone in its stamps): inbound TLS without a client certificate, outbound verified, inbound in clear. */
const EXIM_LOG = [
  '2026-11-30 12:00:05 1vAbCd-000XyZ-A1 <= carol@example.net H=mail.example.net [203.0.113.44]:40100 I=[192.0.2.5]:25 P=esmtps X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no S=3100 id=x1@example.net',
  '2026-11-30 12:05:00 1vAbCe-000XyZ-A2 => dave@example.com R=dnslookup T=remote_smtp H=mx.example.com [192.0.2.70] X=TLS1.2:ECDHE_RSA_AES_256_GCM_SHA384:256 CV=yes DN="CN=mx.example.com" C="250 2.0.0 Ok: queued as 9Z"',
  '2026-11-30 12:05:00 1vAbCe-000XyZ-A2 Completed',
  '2026-11-30 12:10:00 1vAbCf-000XyZ-A3 <= erin@example.org H=(pc) [198.51.100.90]:50000 I=[192.0.2.5]:25 P=esmtp S=900',
];
/** Sendmail 8.16 (RFC 3164 stamps: the year from the file's modification time). */
const SENDMAIL_LOG = [
  'Nov 30 13:00:01 relay7 sm-mta[3102]: STARTTLS=client, relay=mx.example.net., version=TLSv1.3, verify=OK, cipher=TLS_AES_256_GCM_SHA384, bits=256/256',
  'Nov 30 13:00:02 relay7 sm-mta[3102]: 2AUD0000A03101: to=<gus@example.net>, delay=00:00:02, xdelay=00:00:01, mailer=esmtp, tls_verify=OK, pri=121500, relay=mx.example.net. [203.0.113.25], dsn=2.0.0, stat=Sent (Ok: queued as 5E)',
  'Nov 30 13:05:00 relay7 sm-mta[3201]: STARTTLS=server, relay=out.example.com [192.0.2.80], version=TLSv1.2, verify=NO, cipher=ECDHE-RSA-AES128-GCM-SHA256, bits=128/128',
];

const T0 = Date.UTC(2026, 10, 30, 8, 0, 0);
const outbound = (over: Partial<ExchangeScenario> = {}): ExchangeScenario => ({
  direction: 'outbound',
  start: T0,
  remoteIp: '203.0.113.5',
  remoteHost: 'mx.example.com',
  offerStarttls: true,
  starttls: { reply: '220 2.0.0 SMTP server ready' },
  sender: 'alice@example.org',
  recipients: ['bob@example.com'],
  ...over,
});
const crlf = (lines: string[]): string => `${lines.join('\r\n')}\r\n`;
const lf = (lines: string[]): string => `${lines.join('\n')}\n`;

/** 0..255 from a fixed seed: the same "garbage" every run. */
function garbage(n: number): Buffer {
  let seed = 0x2545f491;
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    out[i] = seed >>> 24;
  }
  return out;
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'mxray-logs-cli-'));
  writeFileSync(path('mail.log'), lf(MAIL_LOG));
  writeFileSync(path('mail.log.gz'), gzipSync(lf(MAIL_LOG)));
  writeFileSync(path('all-tls.log'), lf(ALL_TLS_LOG));
  writeFileSync(path('level0.log'), lf(LEVEL0_LOG));
  writeFileSync(path('mainlog'), lf(EXIM_LOG));
  writeFileSync(path('maillog'), lf(SENDMAIL_LOG));
  // Sendmail's stamps carry no year: the file's modification year is taken, set here so no clock decides.
  utimesSync(path('maillog'), new Date('2026-12-01T00:00:00Z'), new Date('2026-12-01T00:00:00Z'));
  // Exchange 2003: STARTTLS answered 220, then nothing about the handshake.
  writeFileSync(path('ex261130.log'), crlf(exchange2003Log([outbound(), outbound({ start: T0 + 60_000, remoteIp: '198.51.100.9', remoteHost: 'mx.example.net', recipients: ['x@example.net'] })])));
  // Exchange 2019 Send protocol log: a TLS 1.2 session, and a handshake that failed then went on in clear.
  writeFileSync(
    path('SEND20261130-1.LOG'),
    crlf(
      exchangeProtocolLog([
        outbound({ starttls: { reply: '220 2.0.0 SMTP server ready', handshake: { ok: true, protocol: 'TLSv1.2' } } }),
        outbound({ start: T0 + 60_000, remoteIp: '198.51.100.9', remoteHost: 'mx.example.net', recipients: ['x@example.net'], starttls: { reply: '220 2.0.0 SMTP server ready', handshake: { ok: false, error: 'SEC_E_UNTRUSTED_ROOT' } }, clearAfterFailure: true }),
      ]),
    ),
  );
  writeFileSync(path('MSGTRK20261130-1.LOG'), crlf(exchangeTrackingLog([outbound()])));
});
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

// ------------------------------------------------------------------ helpers

/** Like runMxray, with bytes on standard input (runMxray writes its text as UTF-8, which gzip is not). */
function runBytes(args: string[], stdin: Buffer): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 99) : 0, stdout, stderr });
    });
    child.stdin?.end(stdin);
  });
}

function parse(run: CliRun): LogsReport {
  expect(run.stderr).toBe('');
  const report = JSON.parse(run.stdout) as LogsReport;
  expect(schemaErrors(report)).toEqual([]);
  expect(report.kind).toBe('logs');
  return report;
}

async function json(args: string[], stdin?: string): Promise<{ code: number; report: LogsReport }> {
  const run = await mxray(['logs', ...args, '--json'], stdin);
  return { code: run.code, report: parse(run) };
}

/** A usage error: exit 2, one line on stderr, no stack trace, nothing on stdout. */
async function usageError(args: string[], stdin?: string): Promise<string> {
  const run = await mxray(['logs', ...args], stdin);
  expect(run.code, args.join(' ')).toBe(2);
  expect(run.stdout).toBe('');
  expect(run.stderr.trim().split('\n'), run.stderr).toHaveLength(1);
  expect(run.stderr).not.toMatch(/\n\s+at |Error:/);
  return run.stderr.trim();
}

/** `mxray logs mail.log --json`, run once for the tests that read it (each spawn costs a third of a second of CPU). */
let mailRun: Promise<CliRun> | null = null;
const mailJson = (): Promise<CliRun> => (mailRun ??= mxray(['logs', path('mail.log'), '--json']));

const ids = (r: LogsReport): string[] => r.findings.map((f) => f.id).sort();
const counts = (r: LogsReport) => r.body.totals.counts;
const C = (over: Partial<LogsReport['body']['totals']['counts']>) => ({ verified: 0, encrypted: 0, failed: 0, 'failed-then-clear': 0, clear: 0, unknown: 0, ...over });
const verdictLine = (run: CliRun): string => run.stdout.split('\n')[1] ?? '';

// ------------------------------------------------------------------ the dialects

describe.concurrent('mxray logs (CLI): each dialect read', () => {
  it('Postfix: inbound and outbound TLS, clear, a failed handshake then clear, an inbound handshake that failed — exit 1', async () => {
    const run = await mailJson();
    const { code } = run;
    const report = parse(run);
    expect(code).toBe(1);
    expect(report.verdict).toBe('fail');
    expect(report.body.inputs).toHaveLength(1);
    expect(report.body.inputs[0]).toMatchObject({ name: path('mail.log'), format: 'postfix', detected: true, lines: 15, malformed: 0, longLines: 0, sessions: 5, filteredOut: 0 });
    expect(counts(report)).toEqual(C({ verified: 2, 'failed-then-clear': 1, failed: 1, clear: 1 }));
    expect(report.body.totals).toMatchObject({ sessions: 5, inbound: 2, outbound: 3, protocols: { 'TLSv1.3': 1, 'TLSv1.2': 1 }, firstSeen: '2026-11-30T09:00:01.000Z' });
    expect(ids(report)).toEqual(['logs.clear-fallback', 'logs.cleartext', 'logs.tls-failed']);
    const byName = Object.fromEntries(report.body.domains.map((d) => [d.name, d]));
    expect(byName['example.org']?.counts['failed-then-clear']).toBe(1);
    expect(byName['example.com']?.counts.clear).toBe(1);
    // The inbound scanner names no mail domain: its host's registrable domain stands for it.
    expect(byName['example.net']).toMatchObject({ sessions: 2, counts: C({ verified: 1, failed: 1 }), tlsShare: 0.5, verifiedShare: 0.5, protocols: ['TLSv1.2'] });
    expect(byName['lists.example.org']).toMatchObject({ tlsShare: 1, protocols: ['TLSv1.3'] });
    // The failures grouped, the first line that said it kept, explained by the explain engine.
    const ssl = report.body.failures.find((f) => f.example.text.includes('SSL_connect error'));
    expect(ssl).toMatchObject({ count: 1, example: { file: path('mail.log'), line: 9 }, domains: ['example.org'] });
    expect(ssl?.explained?.rule).toBe('postfix.ssl-connect-error');
    const fell = report.body.sessions.find((s) => s.verdict === 'failed-then-clear');
    expect(fell).toMatchObject({ direction: 'outbound', remoteIp: '198.51.100.52', file: path('mail.log'), tls: { clearRetry: true, negotiated: false } });
  });

  it('Postfix, the text with --details: the verdict line names the worst first, the sessions by verdict as context, the failures explained', async () => {
    const run = await mxray(['logs', path('mail.log'), '--details', '--width', '200']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('');
    expect(verdictLine(run)).toBe('FAIL — 1 of 5 sessions fell back to clear text after TLS failed, most to example.org; TLS failed in 1 session; 1 session in clear text; 2 of 5 with a known state used TLS');
    expect(run.stdout).toContain('Sessions    5 (3 outbound, 2 inbound): 2 verified, 0 encrypted, 1 failed then clear, 1 failed, 1 clear, 0 unknown');
    expect(run.stdout).toContain('Period      2026-11-30 09:00:01 to 2026-11-30 10:40:00 UTC');
    // --details: the failures with what they mean, the sessions with their lines, each input.
    expect(run.stdout).toContain('Failures, most frequent first (explained by mxray explain)');
    expect(run.stdout).toMatch(/^ {2}means: The Postfix client’s TLS handshake with this server failed\./m);
    expect(run.stdout).toContain(`${path('mail.log')}:9: ${MAIL_LOG[8]}`);
    expect(run.stdout).toContain(`${path('mail.log')} postfix: ${Buffer.byteLength(lf(MAIL_LOG)).toLocaleString('en-US')} bytes, 15 lines (15 used, 0 other, 0 unreadable, 0 cut), 0 filtered out`);
    expect(run.stdout).not.toMatch(RAW);
  });

  it('only TLS: exit 0, PASS, logs.all-tls', async () => {
    const run = await mxray(['logs', path('all-tls.log'), '--width', '200']);
    expect(run.code).toBe(0);
    expect(verdictLine(run)).toBe('PASS — all 2 sessions used TLS (2 verified)');
    expect(run.stdout).toContain('OK       Every session whose log tells used TLS (2; 2 verified)');
    expect(run.stdout).not.toMatch(/^(ERROR|WARNING|CRITICAL) /m);
    // Without --details: no sessions, no inputs section.
    expect(run.stdout).not.toContain('Sessions, worst first');
  });

  it('Postfix at smtp_tls_loglevel 0: outbound TLS unknown, logs.tls-not-logged, exit 3', async () => {
    const { code, report } = await json([path('level0.log')]);
    expect(code).toBe(3);
    expect(report.verdict).toBe('inconclusive');
    expect(counts(report)).toEqual(C({ unknown: 2 }));
    expect(report.body.totals.evidence.none).toBe(2);
    expect(report.body.totals.unknownBy).toEqual([{ format: 'postfix', evidence: 'none', count: 2 }]);
    expect(report.body.inputs[0]!.notes.map((n) => n.id)).toEqual(['postfix-smtp-loglevel-0']);
    expect(ids(report)).toEqual(['logs.tls-not-logged', 'logs.tls-unknown-all']);
  });

  it('Exim mainlog: TLS without a client certificate is encrypted, CV=yes verified, P=esmtp clear', async () => {
    const { report } = await json([path('mainlog'), '--utc-offset', 'Z']);
    expect(report.body.inputs[0]).toMatchObject({ format: 'exim', detected: true, sessions: 3 });
    expect(counts(report)).toEqual(C({ verified: 1, encrypted: 1, clear: 1 }));
    expect(report.body.sessions.map((s) => [s.direction, s.verdict, s.remoteIp, s.domains[0]]).sort()).toEqual([
      ['inbound', 'clear', '198.51.100.90', 'example.org'],
      ['inbound', 'encrypted', '203.0.113.44', 'example.net'],
      ['outbound', 'verified', '192.0.2.70', 'example.com'],
    ]);
    expect(report.body.sessions.find((s) => s.verdict === 'verified')?.tls).toMatchObject({ protocol: 'TLSv1.2', verify: 'verified' });
    expect(ids(report)).toEqual(['logs.cleartext', 'logs.unverified']);
  });

  it('Sendmail: STARTTLS=client verify=OK verified, STARTTLS=server verify=NO encrypted; the year from the file', async () => {
    const { code, report } = await json([path('maillog'), '--utc-offset', 'Z']);
    expect(code).toBe(0);
    expect(report.body.inputs[0]).toMatchObject({ format: 'sendmail', sessions: 2, malformed: 0 });
    expect(counts(report)).toEqual(C({ verified: 1, encrypted: 1 }));
    expect(report.body.totals.firstSeen).toBe('2026-11-30T13:00:01.000Z');
    expect(report.body.sessions.find((s) => s.direction === 'outbound')).toMatchObject({ remoteIp: '203.0.113.25', domains: ['example.net'], tls: { protocol: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384' } });
  });

  it('Exchange 2003 (IIS W3C): STARTTLS and 220 but never the handshake — unknown, exit 3, the reason points to mxray pcap', async () => {
    const run = await mxray(['logs', path('ex261130.log'), '--width', '250']);
    expect(run.code).toBe(3);
    expect(verdictLine(run)).toBe('INCONCLUSIVE — the log cannot tell for 2 of 2 sessions (Exchange 2003 logs STARTTLS, never the handshake: capture with mxray pcap)');
    const { report } = await json([path('ex261130.log')]);
    expect(report.body.inputs[0]).toMatchObject({ format: 'exchange2003', sessions: 2 });
    expect(counts(report)).toEqual(C({ unknown: 2 }));
    expect(report.body.totals.evidence.dialogue).toBe(2);
    expect(report.body.totals.unknownBy).toEqual([{ format: 'exchange2003', evidence: 'dialogue', count: 2 }]);
    expect(report.body.sessions.every((s) => s.tls.attempted === true && s.tls.accepted === true && s.tls.negotiated === null)).toBe(true);
    expect(ids(report)).toEqual(['logs.tls-unknown-all']);
    expect(report.findings[0]!.title + report.findings[0]!.detail).toContain('Exchange 2003');
  });

  it('Exchange 2019 protocol log: the TLS 1.2 session encrypted, a failed negotiation then clear — exit 1', async () => {
    const { code, report } = await json([path('SEND20261130-1.LOG')]);
    expect(code).toBe(1);
    expect(report.body.inputs[0]).toMatchObject({ format: 'exchange', sessions: 2 });
    expect(counts(report)).toEqual(C({ encrypted: 1, 'failed-then-clear': 1 }));
    const fell = report.body.sessions.find((s) => s.verdict === 'failed-then-clear');
    expect(fell).toMatchObject({ remoteIp: '198.51.100.9', domains: ['example.net'] });
    expect(fell?.tls.failure).toContain('SEC_E_UNTRUSTED_ROOT');
    expect(report.body.sessions.find((s) => s.verdict === 'encrypted')?.tls.protocol).toBe('TLSv1.2');
    expect(ids(report)).toEqual(['logs.clear-fallback', 'logs.unverified']);
  });

  it('an Exchange message tracking log alone: logs.protocol-logging-off, exit 3', async () => {
    const { code, report } = await json([path('MSGTRK20261130-1.LOG')]);
    expect(code).toBe(3);
    expect(report.body.inputs[0]).toMatchObject({ format: 'exchange-tracking' });
    expect(report.body.inputs[0]!.notes.map((n) => n.id)).toEqual(['exchange-protocol-logging-off']);
    expect(counts(report)).toEqual(C({ unknown: 1 }));
    expect(ids(report)).toEqual(['logs.protocol-logging-off', 'logs.tls-unknown-all']);
  });
});

// ------------------------------------------------------------------ inputs

describe.concurrent('mxray logs (CLI): inputs', () => {
  /** The body with the input's own name and size taken out: what the log said. */
  const facts = (r: LogsReport, name: string): string => JSON.stringify({ ...r.body, inputs: r.body.inputs.map((i) => ({ ...i, name: '', bytes: 0 })) }).split(JSON.stringify(name).slice(1, -1)).join('FILE');

  it('the same log gzipped gives the same report body as the plain file', async () => {
    const [plainRun, gz] = await Promise.all([mailJson(), json([path('mail.log.gz')])]);
    const plain = { code: plainRun.code, report: parse(plainRun) };
    expect(gz.code).toBe(plain.code);
    expect(gz.report.body.inputs[0]!.bytes).toBe(Buffer.byteLength(lf(MAIL_LOG)));
    expect(facts(gz.report, path('mail.log.gz'))).toBe(facts(plain.report, path('mail.log')));
    expect(ids(gz.report)).toEqual(ids(plain.report));
  });

  it('several files at once: each an input with its own format, the sessions summed', async () => {
    const { code, report } = await json([path('mail.log'), path('mainlog'), path('ex261130.log'), '--utc-offset', 'Z']);
    expect(code).toBe(1);
    expect(report.body.inputs.map((i) => [i.format, i.sessions])).toEqual([
      ['postfix', 5],
      ['exim', 3],
      ['exchange2003', 2],
    ]);
    expect(report.body.totals.sessions).toBe(10);
    expect(counts(report)).toEqual(C({ verified: 3, encrypted: 1, 'failed-then-clear': 1, failed: 1, clear: 2, unknown: 2 }));
  });

  it("standard input, as '-' and with no argument: the same sessions as the file", async () => {
    const [dash, none] = await Promise.all([json(['-'], lf(MAIL_LOG)), json([], lf(MAIL_LOG))]);
    for (const r of [dash, none]) {
      expect(r.code).toBe(1);
      expect(r.report.body.inputs.map((i) => [i.name, i.format, i.sessions])).toEqual([['-', 'postfix', 5]]);
      expect(counts(r.report)).toEqual(C({ verified: 2, 'failed-then-clear': 1, failed: 1, clear: 1 }));
    }
  });

  it('a gzipped log on standard input is unpacked like a .gz file', async () => {
    const run = await runBytes(['logs', '-', '--json'], gzipSync(lf(MAIL_LOG)));
    expect(run.code).toBe(1);
    const report = parse(run);
    expect(report.body.inputs.map((i) => [i.name, i.format, i.bytes, i.sessions])).toEqual([['-', 'postfix', Buffer.byteLength(lf(MAIL_LOG)), 5]]);
  });

  it('--format postfix forces the parser: an Exim log read as Postfix has no session and its lines are unreadable', async () => {
    const { code, report } = await json([path('mainlog'), '--format', 'postfix']);
    expect(code).toBe(3);
    expect(report.body.inputs[0]).toMatchObject({ format: 'postfix', detected: false, sessions: 0, malformed: 4 });
    expect(ids(report)).toEqual(['logs.malformed-lines', 'logs.no-sessions']);
  });

  it('--format exim --format json: a log format and an output format combined; the text says --format', async () => {
    const run = await mxray(['logs', path('mainlog'), '--format', 'exim', '--format', 'json', '--utc-offset', 'Z']);
    const report = parse(run);
    expect(report.body.inputs[0]).toMatchObject({ format: 'exim', detected: false, sessions: 3 });
    const text = await mxray(['logs', path('mainlog'), '--format', 'exim', '--utc-offset', 'Z', '--width', '200']);
    expect(text.stdout).toContain(`Read        ${path('mainlog')}: Exim (--format), 4 lines, 3 sessions`);
  });
});

// ------------------------------------------------------------------ filters

describe.concurrent('mxray logs (CLI): filters', () => {
  it('--domain keeps the domain and its subdomains (case and a final dot aside); the others are counted in filteredOut', async () => {
    const { code, report } = await json([path('mail.log'), '--domain', 'Example.ORG.']);
    expect(code).toBe(1);
    expect(report.body.filters.domains).toEqual(['Example.ORG.']);
    expect(report.body.totals.sessions).toBe(2);
    expect(report.body.domains.map((d) => d.name).sort()).toEqual(['example.org', 'lists.example.org']);
    expect(report.body.inputs[0]).toMatchObject({ sessions: 2, filteredOut: 3 });
    expect(counts(report)).toEqual(C({ verified: 1, 'failed-then-clear': 1 }));
  });

  it('--domain that matches nothing: no session, exit 3, the filtered count said', async () => {
    const { code, report } = await json([path('mail.log'), '--domain', 'example.invalid']);
    expect(code).toBe(3);
    expect(report.body.inputs[0]!.filteredOut).toBe(5);
    expect(ids(report)).toEqual(['logs.no-sessions']);
    expect(report.findings[0]!.title + report.findings[0]!.detail).toContain('5 left out by the filters');
  });

  it('--since and --until as absolute moments; a moment without a zone is read at --utc-offset', async () => {
    const { report } = await json([path('mail.log'), '--utc-offset', '+02:00', '--since', '2026-11-30 12:00', '--until', '2026-11-30T10:35:00Z']);
    expect(report.body.filters).toEqual({ domains: [], since: '2026-11-30T10:00:00.000Z', until: '2026-11-30T10:35:00.000Z' });
    expect(report.body.totals.sessions).toBe(2);
    expect(report.body.inputs[0]!.filteredOut).toBe(3);
    expect(counts(report)).toEqual(C({ 'failed-then-clear': 1, clear: 1 }));
  });

  it('--since 24h counts back from now (stamps written relative to now, never asserted on the clock)', async () => {
    const iso = (ms: number): string => new Date(ms).toISOString().replace('Z', '+00:00');
    const now = Date.now();
    const log = [
      `${iso(now - 48 * 3_600_000)} mx2 postfix/smtp[2701]: 9A8S7D6F5G: to=<old@example.com>, relay=smtp.example.com[192.0.2.61]:25, delay=0.3, delays=0/0/0.2/0.1, dsn=2.0.0, status=sent (250 2.0.0 Ok)`,
      `${iso(now - 3_600_000)} mx2 postfix/smtp[2702]: Verified TLS connection established to mx1.example.net[203.0.113.31]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)`,
      `${iso(now - 3_600_000)} mx2 postfix/smtp[2702]: 8A7S6D5F4G: to=<new@example.net>, relay=mx1.example.net[203.0.113.31]:25, delay=0.3, delays=0/0/0.2/0.1, dsn=2.0.0, status=sent (250 2.0.0 Ok)`,
    ];
    const { code, report } = await json(['-', '--since', '24h'], lf(log));
    expect(code).toBe(0);
    expect(report.body.totals.sessions).toBe(1);
    expect(report.body.inputs[0]!.filteredOut).toBe(1);
    expect(counts(report)).toEqual(C({ verified: 1 }));
  });

  it('--utc-offset for zone-less syslog stamps: 09:00 at +02:00 is 07:00Z', async () => {
    const file = path('syslog-3164.log');
    writeFileSync(file, lf(['Nov 30 09:00:00 mx3 postfix/smtp[2801]: Verified TLS connection established to mx1.example.net[203.0.113.31]:25: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)', 'Nov 30 09:00:01 mx3 postfix/smtp[2801]: 7A6S5D4F3G: to=<oz@example.net>, relay=mx1.example.net[203.0.113.31]:25, delay=0.3, delays=0/0/0.2/0.1, dsn=2.0.0, status=sent (250 2.0.0 Ok)']));
    utimesSync(file, new Date('2026-12-01T00:00:00Z'), new Date('2026-12-01T00:00:00Z'));
    const { report } = await json([file, '--utc-offset', '+02:00']);
    expect(report.body.sessions[0]!.start).toBe(Date.UTC(2026, 10, 30, 7, 0, 0));
    expect(report.body.totals.firstSeen).toBe('2026-11-30T07:00:00.000Z');
  });
});

// ------------------------------------------------------------------ CSV and HTML

describe.concurrent('mxray logs (CLI): CSV and HTML', () => {
  const HEADER = '"name","sessions","verified","encrypted","failed_then_clear","failed","clear","unknown","tls_share","verified_share","protocols","first_seen","last_seen","top_failure"';

  it('--format csv: the header, one row per remote domain, CRLF lines, nothing on stderr', async () => {
    const run = await mxray(['logs', path('mail.log'), '--format', 'csv']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('');
    expect(run.stdout.endsWith('\r\n')).toBe(true);
    const rows = run.stdout.trimEnd().split('\r\n');
    expect(rows[0]).toBe(HEADER);
    expect(rows).toHaveLength(5);
    expect(rows.slice(1).map((r) => r.slice(0, r.indexOf(','))).sort()).toEqual(['"example.com"', '"example.net"', '"example.org"', '"lists.example.org"']);
    // An empty cell for what is null (no failure), quoted strings otherwise.
    expect(rows).toContain('"example.com","1","0","0","0","0","1","0","0.0000","0.0000","","2026-11-30T10:20:00.000Z","2026-11-30T10:20:00.000Z",');
    const org = rows.find((r) => r.startsWith('"example.org",'));
    expect(org).toMatch(/^"example\.org","1","0","0","1","0","0","0","0\.0000","0\.0000","",/);
  });

  it('--format csv --by host: one row per remote host as name[ip]', async () => {
    const run = await mxray(['logs', path('mail.log'), '--format', 'csv', '--by', 'host']);
    const names = run.stdout.trimEnd().split('\r\n').slice(1).map((r) => r.slice(1, r.indexOf('",')));
    expect(names.sort()).toEqual(['mx.example.org[198.51.100.52]', 'mx1.example.net[203.0.113.31]', 'relay.example.org[198.51.100.11]', 'scanner.example.net[203.0.113.77]', 'smtp.example.com[192.0.2.61]']);
  });

  it('a host name a spreadsheet would run as a formula is neutralised with a leading apostrophe', async () => {
    // A mail domain with such characters is never taken from an address (not a domain), but a host
    // name is the log's own word: rsyslog writes whatever the client's reverse DNS said.
    const hostile = "=cmd|'/C+calc'!A0.example";
    const log = [pf('09:30:00', 'smtpd[2901]', `connect from ${hostile}[203.0.113.31]`), pf('09:30:01', 'smtpd[2901]', `disconnect from ${hostile}[203.0.113.31] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5`), pf('09:31:00', 'smtpd[2902]', 'connect from @SUM(1+1)[203.0.113.32]'), pf('09:31:01', 'smtpd[2902]', 'disconnect from @SUM(1+1)[203.0.113.32] ehlo=1 quit=1 commands=2')];
    const run = await mxray(['logs', '-', '--format', 'csv', '--by', 'host'], lf(log));
    const rows = run.stdout.trimEnd().split('\r\n').slice(1);
    expect(rows.map((r) => r.slice(0, r.indexOf('",') + 1)).sort()).toEqual([`"'${hostile}[203.0.113.31]"`, `"'@SUM(1+1)[203.0.113.32]"`]);
  });

  it('--format html: self-contained, a <script> in a host name and in a failure rendered inert, the share chart over ≥ 2 hours', async () => {
    const log = [
      ...MAIL_LOG,
      pf('10:50:00', 'smtpd[3001]', 'connect from <script>alert(1)</script>[203.0.113.99]'),
      pf('10:50:00', 'smtpd[3001]', 'SSL_accept error from <script>alert(1)</script>[203.0.113.99]: <script>alert(2)</script>'),
      pf('10:50:01', 'smtpd[3001]', 'disconnect from <script>alert(1)</script>[203.0.113.99] ehlo=1 starttls=0/1 commands=1/2'),
    ];
    const run = await mxray(['logs', '-', '--format', 'html', '--details'], lf(log));
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('');
    const html = run.stdout;
    expect(html.startsWith('<!doctype html>') || html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'">`);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|<[^>]*\s(src|href|on\w+)=|url\(|@import/i);
    expect([...new Set(html.match(/https?:\/\/[^"'\s<>]*/g) ?? [])]).toEqual(['http://www.w3.org/2000/svg']);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;script&gt;alert(2)&lt;/script&gt;');
    expect(html).toContain('<figure class="share-chart">');
    expect(html).toContain('Share of sessions with TLS, per domain');
    expect(html).not.toMatch(RAW);
  });

  it('--format html over less than two hours: no share chart', async () => {
    const run = await mxray(['logs', path('all-tls.log'), '--format', 'html']);
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('<figure class="share-chart">');
  });
});

// ------------------------------------------------------------------ exit codes and usage errors

describe.concurrent('mxray logs (CLI): exit 3 and usage errors', () => {
  it('not a log (prose): exit 3, logs.unrecognised', async () => {
    const file = path('notes.txt');
    writeFileSync(file, lf(['Shopping list', 'milk', 'bread', 'call the plumber about the boiler']));
    const { code, report } = await json([file]);
    expect(code).toBe(3);
    expect(report.body.inputs[0]).toMatchObject({ format: null, lines: 4, sessions: 0 });
    expect(ids(report)).toEqual(['logs.unrecognised']);
  });

  it('an empty file: exit 3, no session', async () => {
    const file = path('empty.log');
    writeFileSync(file, '');
    const { code, report } = await json([file]);
    expect(code).toBe(3);
    expect(report.body.inputs[0]).toMatchObject({ bytes: 0, lines: 0, sessions: 0 });
    expect(ids(report)).toEqual(['logs.no-sessions']);
  });

  it('a file that does not exist: exit 2, one line naming it', async () => {
    expect(await usageError([path('missing.log')])).toBe(`mxray: cannot read ${path('missing.log')}: ENOENT`);
  });

  it('a file that does not exist after one that does: exit 2, no report', async () => {
    expect(await usageError([path('mail.log'), path('missing-too.log')])).toBe(`mxray: cannot read ${path('missing-too.log')}: ENOENT`);
  });

  it('a folder: exit 2', async () => {
    expect(await usageError([tmp])).toBe(`mxray: ${tmp} is a folder: give the log files in it (mxray logs folder/*.log)`);
  });

  it('a path that cannot be opened (a Unix socket): exit 2, "cannot read"', async () => {
    const sock = path('mail.sock');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(sock, resolve));
    try {
      expect(await usageError([sock])).toBe(`mxray: cannot read ${sock}: ENXIO`);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('a bad --since: exit 2, the forms it takes said', async () => {
    expect(await usageError([path('mail.log'), '--since', 'yesterday'])).toMatch(/^mxray: --since yesterday: give a date \(2026-11-30\), a moment/);
  });

  it('an impossible date in --until: exit 2', async () => {
    expect(await usageError([path('mail.log'), '--until', '2026-02-30'])).toMatch(/^mxray: --until 2026-02-30: give a date/);
  });

  it('--since after --until: exit 2', async () => {
    expect(await usageError([path('mail.log'), '--since', '2026-12-01', '--until', '2026-11-01'])).toMatch(/^mxray: --since is after --until/);
  });

  it('a bad --utc-offset: exit 2', async () => {
    expect(await usageError([path('mail.log'), '--utc-offset', '+25:00'])).toMatch(/^mxray: --utc-offset \+25:00: give it as \+01:00, -05:00 or Z/);
  });

  it('--utc-offset zebra: exit 2, not taken for UTC', async () => {
    expect(await usageError([path('mail.log'), '--utc-offset', 'zebra'])).toMatch(/^mxray: --utc-offset zebra: give it as/);
  });

  it('a bad --format: exit 2, both kinds of format listed', async () => {
    expect(await usageError([path('mail.log'), '--format', 'qmail'])).toMatch(/^mxray: --format qmail: a log format \(auto, exchange2003, exchange, exchange-tracking, postfix, exim, sendmail\) or an output format \(text, json, md, html, csv\)/);
  });

  it('a bad --by: exit 2', async () => {
    expect(await usageError([path('mail.log'), '--by', 'country'])).toMatch(/^mxray: --by country: domain or host/);
  });

  it("'-' twice: exit 2", async () => {
    expect(await usageError(['-', '-'], lf(MAIL_LOG))).toMatch(/^mxray: standard input \(-\) can be read once/);
  });
});

// ------------------------------------------------------------------ hostile inputs

describe.concurrent('mxray logs (CLI): hostile inputs', () => {
  it('binary garbage: exit 3, never a crash', async () => {
    const file = path('garbage.bin');
    writeFileSync(file, garbage(256 * 1024));
    const { code, report } = await json([file]);
    expect(code).toBe(3);
    expect(report.body.inputs[0]).toMatchObject({ format: null, bytes: 256 * 1024, sessions: 0 });
    expect(ids(report)).toEqual(['logs.unrecognised']);
  });

  it('a 20 MB line without a newline: read bounded, counted as cut, exit 3', async () => {
    const file = path('one-line.log');
    writeFileSync(file, Buffer.alloc(20 * 1024 * 1024, 0x61));
    const { code, report } = await json([file]);
    expect(code).toBe(3);
    expect(report.body.inputs[0]).toMatchObject({ bytes: 20 * 1024 * 1024, lines: 1, longLines: 1, sessions: 0 });
  });

  it('a 20 MB line in the middle of a Postfix log: the sessions around it still read', async () => {
    const file = path('long-middle.log');
    writeFileSync(file, Buffer.concat([Buffer.from(lf(ALL_TLS_LOG.slice(0, 5))), Buffer.alloc(20 * 1024 * 1024, 0x62), Buffer.from(`\n${lf(ALL_TLS_LOG.slice(5))}`)]));
    const { code, report } = await json([file]);
    expect(code).toBe(0);
    expect(report.body.inputs[0]).toMatchObject({ format: 'postfix', lines: 8, longLines: 1, sessions: 2 });
    expect(counts(report)).toEqual(C({ verified: 2 }));
  });

  it('invalid UTF-8 and a terminal escape in a host name: the session read, the report schema-valid, the text free of raw controls', async () => {
    const host = Buffer.concat([Buffer.from('mail.'), Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0x1b, 0x63, 0x07]), Buffer.from('example.org')]);
    const line = (at: string, msg: string, tail: string): Buffer => Buffer.concat([Buffer.from(pf(at, 'smtpd[3101]', msg)), host, Buffer.from(`${tail}\n`)]);
    const file = path('bad-utf8.log');
    writeFileSync(file, Buffer.concat([line('09:20:00', 'connect from ', '[198.51.100.12]'), line('09:20:01', 'disconnect from ', '[198.51.100.12] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5')]));
    const [{ code, report }, text] = await Promise.all([json([file]), mxray(['logs', file, '--details', '--width', '200'])]);
    // A session in clear text: exit 1.
    expect(code).toBe(1);
    expect(report.body.inputs[0]).toMatchObject({ format: 'postfix', lines: 2, malformed: 0, sessions: 1 });
    expect(counts(report)).toEqual(C({ clear: 1 }));
    expect(report.body.sessions[0]!.remoteIp).toBe('198.51.100.12');
    expect(report.body.sessions[0]!.remoteHost).toContain('\ufffd');
    expect(text.stdout).toContain('[198.51.100.12]');
    expect(text.stdout).not.toMatch(RAW);
  });

  it('a gzip cut short: exit 2, "damaged or cut short"', async () => {
    const gz = gzipSync(lf(MAIL_LOG));
    const file = path('cut.log.gz');
    writeFileSync(file, gz.subarray(0, gz.length - 12));
    expect(await usageError([file])).toBe(`mxray: cannot read ${file}: the gzip stream is damaged or cut short`);
  });

  it('a gzip that expands a thousand-fold (20 MB from 20 kB): read through bounded, the line cut, exit 3', async () => {
    const file = path('bomb.log.gz');
    writeFileSync(file, gzipSync(Buffer.alloc(20 * 1024 * 1024, 0x61), { level: 9 }));
    const { code, report } = await json([file]);
    expect(code).toBe(3);
    expect(report.body.inputs[0]).toMatchObject({ bytes: 20 * 1024 * 1024, lines: 1, longLines: 1, sessions: 0 });
  });
});

// ------------------------------------------------------------------ the contract of the exit codes (help text)

describe.concurrent('mxray logs (CLI): exit codes as its --help states them', () => {
  it('a log with a session in clear text (none failed): exit 1', async () => {
    const run = await mxray(['logs', path('mainlog'), '--utc-offset', 'Z']);
    expect(run.code).toBe(1);
  });

  it('every session whose log tells used TLS, one it cannot tell: exit 0', async () => {
    const log = [...ALL_TLS_LOG, pf('11:00:00', 'smtp[3201]', '8Q9W0E1R2T: to=<ann@example.com>, relay=smtp.example.com[192.0.2.61]:25, conn_use=3, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (250 2.0.0 Ok)')];
    const run = await mxray(['logs', '-', '--json'], lf(log));
    expect(counts(parse(run))).toEqual(C({ verified: 2, unknown: 1 }));
    expect(run.code).toBe(0);
  });
});

describe.concurrent('mxray logs (CLI): --by host beyond the CSV', () => {
  it('--by host: the summary table of the text report lists the remote hosts', async () => {
    const run = await mxray(['logs', path('mail.log'), '--by', 'host', '--width', '200']);
    expect(run.stdout).toMatch(/^mx\.example\.org\[198\.51\.100\.52\] +1 /m);
  });
});

// ------------------------------------------------------------------ mxray report

describe.concurrent('mxray logs (CLI): a saved report', () => {
  it('mxray report --rejudge on a saved logs JSON gives the same findings and verdict, marked rejudged', async () => {
    const first = await mailJson();
    const saved = parse(first);
    const file = path('saved-logs.json');
    writeFileSync(file, first.stdout);
    const [again, text] = await Promise.all([mxray(['report', file, '--rejudge', '--json']), mxray(['report', file, '--width', '200'])]);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(first.code);
    const rejudged = parse(again);
    expect(rejudged.judgedWith.rejudged).toBe(true);
    expect(rejudged.verdict).toBe(saved.verdict);
    expect(rejudged.findings).toEqual(saved.findings);
    expect(rejudged.body).toEqual(saved.body);
    expect(text.code).toBe(first.code);
    expect(text.stdout.split('\n')[1]).toMatch(/^FAIL — 1 of 5 sessions fell back to clear text after TLS failed/);
  });
});
