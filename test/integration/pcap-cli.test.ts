// `mxray pcap` as a user runs it (the built CLI, bin/mxray.cjs): captures built here with the
// project's writer (test/helpers/pcap-writer.ts) around real TLS bytes from node:tls
// (test/helpers/tls-bytes.ts) — STARTTLS with TLS 1.3 and 1.2, STARTTLS answered 220 then the
// envelope in clear, a failed handshake retried in clear, STARTTLS refused, not offered, implicit
// TLS on 465, another port with --port; pcap and pcapng, Ethernet, Linux SLL2, IPv6; a capture cut
// short; standard input; HTML escaping; --details; one-line usage errors; `mxray report --rejudge`.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PcapFlow } from '../../src/core/pcap-schema.js';
import type { PcapReport } from '../../src/core/schema.js';
import { createRootCa, type IssuedCert } from '../../src/demo/test-pki.js';
import { BIN, runMxray, type CliRun } from '../helpers/cli.js';
import { conversationRecords, tcpConversation, writePcap, writePcapng, LINK_TYPE_OF, type ConversationSegment, type LinkName, type PacketRecord, type Turn } from '../helpers/pcap-writer.js';
import { schemaErrors } from '../helpers/schema.js';
import { runTls, type Piece, type TlsRun } from '../helpers/tls-bytes.js';

const mxray = runMxray;
let tmp = '';
const path = (name: string): string => join(tmp, name);
/** A raw control of a terminal or a bidi override. */
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f\u202a-\u202e\u2066-\u2069]/;
const T0 = Date.UTC(2026, 10, 30, 9, 0, 0);

// ------------------------------------------------------------------ SMTP turns

const c = (text: string): Turn => ({ from: 'client', data: text });
const s = (text: string): Turn => ({ from: 'server', data: text });
const fromPieces = (pieces: readonly Piece[]): Turn[] => pieces.map((p) => ({ from: p.from, data: new Uint8Array(p.bytes) }));

const BANNER = s('220 mx.example.com ESMTP Postfix (Debian/GNU)\r\n');
const EHLO = c('EHLO client.example.org\r\n');
const EHLO_REPLY = s('250-mx.example.com\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n250 8BITMIME\r\n');
const EHLO_REPLY_NO_TLS = s('250-mx.example.com\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 8BITMIME\r\n');
const STARTTLS = c('STARTTLS\r\n');
const READY = s('220 2.0.0 Ready to start TLS\r\n');
const PRELUDE: Turn[] = [BANNER, EHLO, EHLO_REPLY, STARTTLS, READY];
/** An envelope and a message, in clear. */
const DELIVERY: Turn[] = [
  c('MAIL FROM:<alice@example.org> SIZE=312\r\n'),
  s('250 2.1.0 Ok\r\n'),
  c('RCPT TO:<bob@example.com>\r\n'),
  s('250 2.1.5 Ok\r\n'),
  c('DATA\r\n'),
  s('354 End data with <CR><LF>.<CR><LF>\r\n'),
  c('From: alice@example.org\r\nTo: bob@example.com\r\nSubject: quarterly figures\r\n\r\nsee attached\r\n.\r\n'),
  s('250 2.0.0 Ok: queued as 4F1C2A0B3D\r\n'),
  c('QUIT\r\n'),
  s('221 2.0.0 Bye\r\n'),
];
/** What the client says once TLS is up, and the server's answer: real bytes, encrypted. */
const SMTP_IN_TLS = { clientSays: 'EHLO client.example.org\r\n', serverSays: '250-mx.example.com\r\n250 PIPELINING\r\n' };

// ------------------------------------------------------------------ captures

interface FlowSpec {
  turns: readonly Turn[];
  client?: { ip: string; port: number };
  server?: { ip: string; port: number };
  start?: number;
  close?: 'fin' | 'rst' | 'none';
}

const CLIENT_IP = '192.0.2.10';
const SERVER_IP = '198.51.100.25';

function segmentsOf(f: FlowSpec, n: number): ConversationSegment[] {
  return tcpConversation({
    client: f.client ?? { ip: CLIENT_IP, port: 41_000 + n },
    server: f.server ?? { ip: SERVER_IP, port: 25 },
    turns: f.turns,
    startTs: f.start ?? T0 + n * 60_000,
    stepMs: 1,
    close: f.close ?? 'fin',
    clientIsn: 1000 + n * 7919,
    serverIsn: 50_000 + n * 104_729,
  });
}

/** The flows' packets, merged in time order, on one link type. */
function records(flows: readonly FlowSpec[], link: LinkName): PacketRecord[] {
  return flows.flatMap((f, n) => conversationRecords(segmentsOf(f, n), link)).sort((a, b) => a.ts - b.ts);
}

function pcapFile(flows: readonly FlowSpec[], link: LinkName = 'ethernet'): Uint8Array {
  return writePcap(records(flows, link), { linkType: LINK_TYPE_OF[link] });
}

function pcapngFile(flows: readonly FlowSpec[], link: LinkName = 'ethernet'): Uint8Array {
  return writePcapng([{ interfaces: [{ linkType: LINK_TYPE_OF[link], tsresol: 9 }], packets: records(flows, link) }]);
}

function write(name: string, bytes: Uint8Array): string {
  writeFileSync(path(name), bytes);
  return path(name);
}

// ------------------------------------------------------------------ the TLS bytes

let cert: IssuedCert;
let tls13: TlsRun;
let tls12: TlsRun;
let failedTls: TlsRun;
let smtps: TlsRun;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'mxray-pcap-cli-'));
  const ca = await createRootCa('pcap cli test root', T0 - 86_400_000);
  cert = await ca.issue({ commonName: 'mx.example.com', dnsNames: ['mx.example.com'] });
  [tls13, tls12, failedTls, smtps] = await Promise.all([
    runTls({ server: { key: cert.keyPem, cert: cert.certPem, minVersion: 'TLSv1.3' }, client: { servername: 'mx.example.com' }, ...SMTP_IN_TLS }),
    runTls({ server: { key: cert.keyPem, cert: cert.certPem, maxVersion: 'TLSv1.2' }, client: { servername: 'mx.example.com' }, ...SMTP_IN_TLS }),
    // A TLS 1.0-only client against a server that wants 1.2: the server's alert, in clear.
    runTls({ server: { key: cert.keyPem, cert: cert.certPem, minVersion: 'TLSv1.2' }, client: { minVersion: 'TLSv1', maxVersion: 'TLSv1', ciphers: 'DEFAULT:@SECLEVEL=0' } }),
    runTls({ server: { key: cert.keyPem, cert: cert.certPem }, client: { servername: 'smtp.example.com' }, clientSays: 'EHLO laptop.example.org\r\n', serverSays: '220 smtp.example.com ESMTP\r\n' }),
  ]);
  // The helper's own account of each handshake: what the reader must agree with.
  expect(tls13.client?.protocol).toBe('TLSv1.3');
  expect(tls12.client?.protocol).toBe('TLSv1.2');
  expect(failedTls.client).toBeNull();
});
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

// ------------------------------------------------------------------ helpers

function parse(run: CliRun): PcapReport {
  expect(run.stderr).toBe('');
  const report = JSON.parse(run.stdout) as PcapReport;
  expect(schemaErrors(report)).toEqual([]);
  expect(report.kind).toBe('pcap');
  return report;
}

async function json(args: string[], stdin?: string | Buffer): Promise<{ code: number; report: PcapReport }> {
  const run = await runWith(['pcap', ...args, '--json'], stdin);
  return { code: run.code, report: parse(run) };
}

/** Like runMxray, with bytes on standard input (runMxray writes its text as UTF-8, which a capture is not). */
function runWith(args: string[], stdin?: string | Buffer): Promise<CliRun> {
  if (typeof stdin === 'string' || stdin === undefined) return mxray(args, stdin);
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 99) : 0, stdout, stderr });
    });
    child.stdin?.end(stdin);
  });
}

/** A usage error: exit 2, one line on stderr, no stack trace, nothing on stdout. */
async function usageError(args: string[]): Promise<string> {
  const run = await mxray(['pcap', ...args]);
  expect(run.code, args.join(' ')).toBe(2);
  expect(run.stdout).toBe('');
  expect(run.stderr.trim().split('\n'), run.stderr).toHaveLength(1);
  expect(run.stderr).not.toMatch(/\n\s+at |Error:/);
  return run.stderr.trim();
}

const ids = (r: PcapReport): string[] => r.findings.map((f) => f.id).sort();
const flow = (r: PcapReport, id: number): PcapFlow => r.body.flows.find((f) => f.id === id)!;
const verdictLine = (run: CliRun): string => run.stdout.split('\n')[1] ?? '';

// ------------------------------------------------------------------ what the captures show

describe.concurrent('mxray pcap (CLI): verdicts', () => {
  it('STARTTLS with TLS 1.3 (port 25) and with TLS 1.2 (port 2525, followed without --port): version and cipher as Node reported them, exit 0, pcap.all-tls', async () => {
    const file = write('tls.pcap', pcapFile([{ turns: [...PRELUDE, ...fromPieces(tls13.pieces)] }, { turns: [...PRELUDE, ...fromPieces(tls12.pieces)], server: { ip: SERVER_IP, port: 2525 } }]));
    const { code, report } = await json([file]);
    expect(code).toBe(0);
    expect(report.verdict).toBe('pass');
    expect(report.body.flowCount).toBe(2);
    expect(report.body.totals.tls).toBe(2);
    expect(flow(report, 1).tls?.serverHello).toEqual({ version: tls13.client!.protocol, cipher: tls13.client!.cipher });
    expect(flow(report, 2).tls?.serverHello).toEqual({ version: tls12.client!.protocol, cipher: tls12.client!.cipher });
    for (const f of report.body.flows) {
      expect(f).toMatchObject({ verdict: 'tls', kind: 'starttls', handshakeResult: 'established', starttlsOffered: true, client: { ip: CLIENT_IP }, server: { ip: SERVER_IP } });
      expect(f.tls?.clientHello?.sni).toBe('mx.example.com');
      expect(f.exposed.mailFrom).toEqual([]);
    }
    // Only up to TLS 1.2 does the certificate travel in clear.
    expect(flow(report, 2).tls?.certificate?.subject).toContain('mx.example.com');
    expect(flow(report, 1).tls?.certificate).toBeNull();
    expect(report.body.flows.map((f) => f.server.port)).toEqual([25, 2525]);
    expect(ids(report)).toEqual(['pcap.all-tls']);
    const text = await mxray(['pcap', file, '--width', '200']);
    expect(text.code).toBe(0);
    expect(verdictLine(text)).toBe('PASS — all 2 connections with mail used TLS (TLSv1.3 ×1, TLSv1.2 ×1)');
    // Without --details, no dialogue.
    expect(text.stdout).not.toContain('Dialogue in clear:');
  });

  it('STARTTLS answered 220, then MAIL FROM and RCPT TO in clear: cleartext-after-starttls, exit 1, the addresses named', async () => {
    const file = write('after-starttls.pcap', pcapFile([{ turns: [...PRELUDE, ...DELIVERY] }]));
    const { code, report } = await json([file]);
    expect(code).toBe(1);
    expect(report.verdict).toBe('fail');
    const f = flow(report, 1);
    expect(f).toMatchObject({ verdict: 'cleartext-after-starttls', starttls: { command: 'STARTTLS', reply: { code: 220 } }, tls: null });
    expect(f.exposed).toMatchObject({ mailFrom: ['alice@example.org'], rcptTo: ['bob@example.com'], mailCommands: 1, data: true });
    expect(f.afterStarttls.map((x) => x.command)).toEqual(expect.arrayContaining(['MAIL FROM:<alice@example.org> SIZE=312', 'RCPT TO:<bob@example.com>']));
    expect(ids(report)).toEqual(['pcap.cleartext-after-starttls']);
    expect(report.findings[0]!.severity).toBe('critical');
    const text = await mxray(['pcap', file, '--width', '250']);
    expect(text.code).toBe(1);
    expect(verdictLine(text)).toBe('FAIL — the mail went in clear text after STARTTLS on 1 connection, first #1 (MAIL FROM <alice@example.org>, RCPT TO <bob@example.com>)');
    expect(text.stdout).toMatch(/MAIL FROM <alice@example\.org>, RCPT TO <bob@example\.com>/);
  });

  it('a failed handshake, then 2 s later a connection in clear between the same hosts: retryOf / retriedBy, pcap.clear-retry', async () => {
    const client = { ip: CLIENT_IP, port: 42_001 };
    const file = write('retry.pcap', pcapFile([
      { turns: [...PRELUDE, ...fromPieces(failedTls.pieces)], client, start: T0 },
      { turns: [BANNER, EHLO, EHLO_REPLY, ...DELIVERY], client: { ip: CLIENT_IP, port: 42_002 }, start: T0 + 2_000 },
    ]));
    const { code, report } = await json([file]);
    expect(code).toBe(1);
    expect(flow(report, 1)).toMatchObject({ verdict: 'handshake-failed', handshakeEvidence: 'alert', retriedBy: 2, retryOf: null });
    expect(flow(report, 1).tls?.alerts).toContainEqual({ from: 'server', level: 'fatal', description: 'protocol_version' });
    expect(flow(report, 2)).toMatchObject({ verdict: 'not-attempted', retryOf: 1, retriedBy: null, exposed: { mailFrom: ['alice@example.org'], rcptTo: ['bob@example.com'] } });
    // The retry is said once: not again as a connection that did not try TLS.
    expect(ids(report)).toEqual(['pcap.clear-retry', 'pcap.handshake-failed']);
    const retried = report.findings.find((f) => f.id === 'pcap.clear-retry')!;
    expect(retried.title + retried.detail).toContain('#1 192.0.2.10:42001 → 198.51.100.25:25 then #2 in clear');
  });

  it('--retry-window 1: the clear connection 2 s later is no longer paired', async () => {
    const file = write('retry-window.pcap', pcapFile([
      { turns: [...PRELUDE, ...fromPieces(failedTls.pieces)], start: T0 },
      { turns: [BANNER, EHLO, EHLO_REPLY, ...DELIVERY], start: T0 + 2_000 },
    ]));
    const { report } = await json([file, '--retry-window', '1']);
    expect(report.body.flows.map((f) => [f.verdict, f.retryOf, f.retriedBy])).toEqual([
      ['handshake-failed', null, null],
      ['not-attempted', null, null],
    ]);
    expect(ids(report)).not.toContain('pcap.clear-retry');
  });

  it('STARTTLS refused (454): starttls-refused, exit 1, the reply quoted', async () => {
    const file = write('refused.pcap', pcapFile([{ turns: [BANNER, EHLO, EHLO_REPLY, STARTTLS, s('454 4.7.0 TLS not available due to local problem\r\n'), c('QUIT\r\n'), s('221 2.0.0 Bye\r\n')] }]));
    const { code, report } = await json([file]);
    expect(code).toBe(1);
    expect(flow(report, 1)).toMatchObject({ verdict: 'starttls-refused', starttls: { reply: { code: 454, text: '4.7.0 TLS not available due to local problem' } }, tls: null });
    expect(ids(report)).toEqual(['pcap.starttls-refused']);
    expect(report.findings[0]!.title + report.findings[0]!.detail).toContain('454 4.7.0 TLS not available due to local problem');
  });

  it('STARTTLS not offered, the mail in clear: starttls-not-offered, pcap.starttls-not-offered', async () => {
    const file = write('not-offered.pcap', pcapFile([{ turns: [BANNER, EHLO, EHLO_REPLY_NO_TLS, ...DELIVERY] }]));
    const { report } = await json([file]);
    expect(flow(report, 1)).toMatchObject({ verdict: 'starttls-not-offered', starttlsOffered: false, starttls: null, exposed: { mailFrom: ['alice@example.org'], data: true } });
    expect(ids(report)).toEqual(['pcap.starttls-not-offered']);
  });

  it('mail in clear without trying TLS: exit 1, as --help says', async () => {
    const file = write('not-offered-exit.pcap', pcapFile([{ turns: [BANNER, EHLO, EHLO_REPLY_NO_TLS, ...DELIVERY] }]));
    const run = await mxray(['pcap', file]);
    expect(run.code).toBe(1);
  });

  it('implicit TLS on 465: implicit-tls, exit 0', async () => {
    const file = write('smtps.pcap', pcapFile([{ turns: fromPieces(smtps.pieces), server: { ip: SERVER_IP, port: 465 } }]));
    const { code, report } = await json([file]);
    expect(code).toBe(0);
    expect(flow(report, 1)).toMatchObject({ verdict: 'implicit-tls', kind: 'implicit-tls', server: { port: 465 }, banner: null, handshakeResult: 'established' });
    expect(flow(report, 1).tls?.serverHello).toEqual({ version: smtps.client!.protocol, cipher: smtps.client!.cipher });
    expect(ids(report)).toEqual(['pcap.all-tls']);
  });

  it('a port outside the defaults (10025): no SMTP without --port (exit 3), its flow read with --port 10025', async () => {
    const file = write('port.pcap', pcapFile([{ turns: [...PRELUDE, ...DELIVERY], server: { ip: SERVER_IP, port: 10_025 } }]));
    const [without, withPort] = await Promise.all([json([file]), json([file, '--port', '10025'])]);
    expect(without.code).toBe(3);
    expect(without.report.verdict).toBe('inconclusive');
    expect(without.report.body.flowCount).toBe(0);
    expect(without.report.body.ports).toEqual([25, 465, 587, 2525]);
    expect(ids(without.report)).toEqual(['pcap.no-smtp']);
    expect(withPort.code).toBe(1);
    expect(withPort.report.body.ports).toEqual([25, 465, 587, 2525, 10_025]);
    expect(flow(withPort.report, 1)).toMatchObject({ verdict: 'cleartext-after-starttls', server: { port: 10_025 } });
  });

});

// ------------------------------------------------------------------ file formats and links

describe.concurrent('mxray pcap (CLI): file formats, link types, IPv6, standard input', () => {
  const turns = (): Turn[] => [...PRELUDE, ...fromPieces(tls12.pieces)];

  it('pcapng on Linux SLL2: the same flow and verdict as pcap on Ethernet', async () => {
    const [eth, sll2] = await Promise.all([json([write('eth.pcap', pcapFile([{ turns: turns() }], 'ethernet'))]), json([write('sll2.pcapng', pcapngFile([{ turns: turns() }], 'sll2'))])]);
    expect(eth.report.body.capture).toMatchObject({ format: 'pcap', linkTypes: [1] });
    expect(sll2.report.body.capture).toMatchObject({ format: 'pcapng', linkTypes: [276] });
    expect(sll2.report.body.capture.packets).toBe(eth.report.body.capture.packets);
    const strip = (f: PcapFlow) => ({ ...f, dialogue: f.dialogue.map((d) => ({ ...d, ts: 0 })) });
    expect(sll2.report.body.flows.map(strip)).toEqual(eth.report.body.flows.map(strip));
    expect(sll2.code).toBe(0);
    expect(flow(sll2.report, 1).verdict).toBe('tls');
  });

  it('IPv6: the endpoints as written, the verdict read', async () => {
    const file = write('v6.pcapng', pcapngFile([{ turns: [...PRELUDE, ...DELIVERY], client: { ip: '2001:db8::10', port: 43_000 }, server: { ip: '2001:db8:1::25', port: 25 } }]));
    const { code, report } = await json([file]);
    expect(code).toBe(1);
    expect(flow(report, 1)).toMatchObject({ client: { ip: '2001:db8::10', port: 43_000 }, server: { ip: '2001:db8:1::25', port: 25 }, verdict: 'cleartext-after-starttls' });
    const text = await mxray(['pcap', file, '--width', '200']);
    expect(text.stdout).toContain('[2001:db8::10]:43000 → [2001:db8:1::25]:25');
  });

  it("standard input '-': read like the file", async () => {
    const bytes = Buffer.from(pcapFile([{ turns: [...PRELUDE, ...DELIVERY] }]));
    const { code, report } = await json(['-'], bytes);
    expect(code).toBe(1);
    expect(report.body.file).toBe('standard input');
    expect(report.body.capture.format).toBe('pcap');
    expect(flow(report, 1).verdict).toBe('cleartext-after-starttls');
  });

  it('a capture cut short in the middle of a packet: the flows read so far judged, pcap.capture-problems', async () => {
    const whole = pcapFile([{ turns: [...PRELUDE, ...DELIVERY] }]);
    const file = write('cut.pcap', whole.subarray(0, whole.length - 30));
    const { code, report } = await json([file]);
    expect(code).toBe(1);
    expect(report.body.capture.problems['truncated-file']?.count).toBe(1);
    expect(flow(report, 1).verdict).toBe('cleartext-after-starttls');
    expect(ids(report)).toEqual(['pcap.capture-problems', 'pcap.cleartext-after-starttls']);
  });
});

describe.concurrent('mxray pcap (CLI): hostile captures', () => {
  it('a pcap header then garbage: never a crash, the bad record counted, exit 3', async () => {
    let seed = 7;
    const junk = Buffer.alloc(256 * 1024);
    for (let i = 0; i < junk.length; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      junk[i] = seed >>> 24;
    }
    const file = write('garbage.pcap', Buffer.concat([writePcap([], { linkType: 1 }), junk]));
    const { code, report } = await json([file]);
    expect(code).toBe(3);
    expect(report.body.capture.format).toBe('pcap');
    expect(report.body.capture.problems['bad-block']?.count).toBe(1);
    expect(ids(report)).toEqual(['pcap.capture-problems', 'pcap.no-smtp']);
  });

  it('a record that says it holds 4 GB: bounded, counted, exit 3', async () => {
    const header = writePcap([], { linkType: 1 });
    const record = Buffer.alloc(16);
    record.writeUInt32LE(Math.floor(T0 / 1000), 0);
    record.writeUInt32LE(0xfffffff0, 8);
    record.writeUInt32LE(0xfffffff0, 12);
    const { code, report } = await json([write('huge-record.pcap', Buffer.concat([header, record, Buffer.alloc(64)]))]);
    expect(code).toBe(3);
    expect(report.body.capture.problems['bad-block']?.first).toContain('4294967280');
  });

  it('an empty file: exit 2, not a capture', async () => {
    const file = write('empty.pcap', new Uint8Array(0));
    expect(await usageError([file])).toMatch(/is not a pcap or pcapng file/);
  });
});

// ------------------------------------------------------------------ HTML and --details

describe.concurrent('mxray pcap (CLI): HTML and --details', () => {
  it('--format html: a <script> in the banner and in the EHLO name rendered inert, self-contained', async () => {
    const file = write('hostile.pcap', pcapFile([{ turns: [s('220 <script>alert(1)</script> ESMTP\r\n'), c('EHLO <script>alert(2)</script>\r\n'), EHLO_REPLY, STARTTLS, READY, ...DELIVERY] }]));
    const run = await mxray(['pcap', file, '--format', 'html', '--details']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('');
    const html = run.stdout;
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'">`);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|<[^>]*\s(src|href|on\w+)=|url\(|@import/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;script&gt;alert(2)&lt;/script&gt;');
    expect(html).not.toMatch(RAW);
  });

  it('AUTH in clear on submission (587): the credentials never in the JSON, the text or the HTML', async () => {
    const file = write('auth.pcap', pcapFile([{
      server: { ip: SERVER_IP, port: 587 },
      turns: [
        s('220 smtp.example.com ESMTP\r\n'), c('EHLO laptop.example.org\r\n'), s('250-smtp.example.com\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n'),
        // "\0alice\0s3cretPass", then LOGIN's user name and password, each in base64.
        c('AUTH PLAIN AGFsaWNlAHMzY3JldFBhc3M=\r\n'), s('235 2.7.0 Authentication successful\r\n'),
        c('AUTH LOGIN\r\n'), s('334 VXNlcm5hbWU6\r\n'), c('YWxpY2U=\r\n'), s('334 UGFzc3dvcmQ6\r\n'), c('czNjcmV0UGFzcw==\r\n'), s('235 2.7.0 ok\r\n'),
        ...DELIVERY,
      ],
    }]));
    const [j, text, html] = await Promise.all([mxray(['pcap', file, '--json']), mxray(['pcap', file, '--details', '--verbose', '--width', '200']), mxray(['pcap', file, '--format', 'html', '--details'])]);
    const secret = /AGFsaWNl|czNjcmV0|s3cretPass|YWxpY2U=/;
    for (const run of [j, text, html]) expect(run.stdout).not.toMatch(secret);
    const report = parse(j);
    expect(flow(report, 1).dialogue.filter((d) => d.from === 'client').map((d) => d.text).slice(1, 5)).toEqual(['AUTH PLAIN [credentials redacted]', 'AUTH LOGIN', '[credentials redacted]', '[credentials redacted]']);
    expect(text.stdout).toContain('C: AUTH PLAIN [credentials redacted]');
    expect(flow(report, 1).exposed.auth).toEqual(['PLAIN', 'LOGIN']);
    expect(report.findings[0]).toMatchObject({ id: 'pcap.auth-in-clear', severity: 'critical' });
    expect(j.code).toBe(1);
  });

  it('--details: the dialogue in clear, the hellos, the STARTTLS reply', async () => {
    const file = write('details.pcap', pcapFile([{ turns: [...PRELUDE, ...fromPieces(tls12.pieces)] }]));
    const run = await mxray(['pcap', file, '--details', '--width', '200']);
    expect(run.code).toBe(0);
    const out = run.stdout;
    expect(out).toContain('Banner      220 mx.example.com ESMTP Postfix (Debian/GNU)');
    expect(out).toContain('Hello       EHLO client.example.org');
    expect(out).toContain('STARTTLS    answered 220 2.0.0 Ready to start TLS');
    expect(out).toContain(`ServerHello ${tls12.client!.protocol} ${tls12.client!.cipher}`);
    expect(out).toContain('Dialogue in clear:');
    expect(out).toMatch(/C: EHLO client\.example\.org/);
    expect(out).toMatch(/S: 220 2\.0\.0 Ready to start TLS/);
  });
});

// ------------------------------------------------------------------ usage errors

describe.concurrent('mxray pcap (CLI): usage errors', () => {
  it('not a capture: exit 2, one line', async () => {
    const file = path('notes.txt');
    writeFileSync(file, 'not a capture at all\n'.repeat(100));
    expect(await usageError([file])).toBe(`mxray: ${file} is not a pcap or pcapng file (tcpdump -w and Wireshark write both; an .etl needs pktmon etl2pcap first)`);
  });

  it('a file that does not exist: exit 2', async () => {
    expect(await usageError([path('missing.pcap')])).toBe(`mxray: cannot read ${path('missing.pcap')}: ENOENT`);
  });

  it('a folder: exit 2', async () => {
    expect(await usageError([tmp])).toBe(`mxray: ${tmp} is a folder: give a capture file`);
  });

  it('a path that cannot be opened (a Unix socket): exit 2, "cannot read"', async () => {
    const sock = path('capture.sock');
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(sock, resolve));
    try {
      expect(await usageError([sock])).toBe(`mxray: cannot read ${sock}: ENXIO`);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('a bad --port (0, 70000, a word): exit 2', async () => {
    const file = write('ok-for-usage.pcap', pcapFile([{ turns: [...PRELUDE, ...DELIVERY] }]));
    const lines = await Promise.all(['0', '70000', 'smtp'].map((p) => usageError([file, '--port', p])));
    expect(lines[0]).toMatch(/^mxray: --port 0: a TCP port \(1–65535\)/);
    expect(lines[1]).toMatch(/^mxray: --port 70000: a TCP port/);
    expect(lines[2]).toMatch(/^mxray: --port smtp: a TCP port/);
  });

  it('a bad --retry-window (negative, a word, over a day): exit 2', async () => {
    const file = write('ok-for-window.pcap', pcapFile([{ turns: [...PRELUDE, ...DELIVERY] }]));
    const lines = await Promise.all(['-1', 'soon', '100000'].map((w) => usageError([file, `--retry-window=${w}`])));
    for (const [i, w] of ['-1', 'soon', '100000'].entries()) expect(lines[i]).toMatch(new RegExp(`^mxray: --retry-window ${w}: seconds, 0 to 86400`));
  });
});

// ------------------------------------------------------------------ mxray report

describe.concurrent('mxray pcap (CLI): a saved report', () => {
  it('mxray report --rejudge on a saved pcap JSON gives the same findings and verdict, marked rejudged', async () => {
    const file = write('saved.pcap', pcapFile([{ turns: [...PRELUDE, ...DELIVERY] }]));
    const first = await mxray(['pcap', file, '--json']);
    const saved = parse(first);
    const json = path('saved-pcap.json');
    writeFileSync(json, first.stdout);
    const again = await mxray(['report', json, '--rejudge', '--json']);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(first.code);
    const rejudged = parse(again);
    expect(rejudged.judgedWith.rejudged).toBe(true);
    expect(rejudged.verdict).toBe(saved.verdict);
    expect(rejudged.findings).toEqual(saved.findings);
    expect(rejudged.body).toEqual(saved.body);
  });
});
