// The web job kinds that read what the request brings — an upload streamed in chunks (cert-file,
// tlsrpt, logs, pcap) or a pasted text (explain, headers) — with fixtures made here. Their edges
// reach nothing: every network edge throws, so a kind that touched one would fail its test.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../../src/core/clock.js';
import type { Clock, Connector, Resolver } from '../../../src/core/context.js';
import { UsageError } from '../../../src/core/errors.js';
import type { Report } from '../../../src/core/schema.js';
import { createRootCa, type IssuedCert, type TestCa } from '../../../src/demo/test-pki.js';
import { createTrustStore } from '../../../src/pki/trust-store.js';
import { kindNamed } from '../../../src/web/kinds/index.js';
import type { JobContext, WebEdges } from '../../../src/web/kinds/model.js';
import { openssl } from '../../helpers/openssl-cert.js';
import { conversationRecords, LINKTYPE, tcpConversation, writePcap } from '../../helpers/pcap-writer.js';
import { schemaErrors } from '../../helpers/schema.js';

/** 1 December 2026, 00:00 UTC: the uploads' time stamps are read against it. */
const NOW = Date.UTC(2026, 11, 1);

const unreachable = (what: string) => () => {
  throw new Error(`an upload kind reached for the ${what}`);
};
const noResolver: Resolver = { description: 'none', mx: unreachable('resolver'), a: unreachable('resolver'), aaaa: unreachable('resolver'), cname: unreachable('resolver'), txt: unreachable('resolver'), ptr: unreachable('resolver') };
const noConnector = { connect: unreachable('connector') } as unknown as Connector;

let ca: TestCa;
let leaf: IssuedCert;
beforeAll(async () => {
  ca = await createRootCa('web kinds upload root', Date.now());
  leaf = await ca.issue({ commonName: 'mail.example.test', dnsNames: ['mail.example.test'] });
});

function edges(clock: Clock = fixedClock(NOW)): WebEdges {
  return {
    clock,
    resolver: noResolver,
    dnssec: null,
    connector: noConnector,
    trustStore: createTrustStore([ca.cert.certPem], 'the test root'),
    fetcher: { fetch: () => Promise.reject(new Error('no fetch in this test')) },
    scheduler: { target: unreachable('scheduler') } as unknown as WebEdges['scheduler'],
    helo: 'client.mxray.test',
    hostMap: new Map(),
  };
}

/** The bytes as the server streams them: a first chunk of one byte (the gzip test must wait for the second), then `size` at a time. */
async function* chunked(bytes: Uint8Array, size = 997): AsyncGenerator<Buffer> {
  const b = Buffer.from(bytes);
  if (b.length === 0) return;
  yield b.subarray(0, 1);
  for (let at = 1; at < b.length; at += size) yield b.subarray(at, Math.min(b.length, at + size));
}

async function run(name: string, params: Record<string, unknown>, upload: { name: string; bytes: Uint8Array } | null, clock?: Clock): Promise<Report> {
  const kind = kindNamed(name);
  if (!kind) throw new Error(`no kind ${name}`);
  const context: JobContext = {
    edges: edges(clock),
    signal: new AbortController().signal,
    events: { emit: () => undefined },
    publicMode: false,
    upload: upload ? { name: upload.name, chunks: chunked(upload.bytes) } : null,
  };
  const report = await kind.run(params as never, context);
  expect(schemaErrors(JSON.parse(JSON.stringify(report)))).toEqual([]);
  return report;
}

/** A UsageError of one line, matching `pattern`. */
async function usage(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UsageError);
  expect((err as Error).message).toMatch(pattern);
  expect((err as Error).message).not.toContain('\n');
}

const ids = (r: Report) => r.findings.map((f) => f.id);

/** The report as the kind it must be (a test fails, rather than skipping its assertions, when it is another). */
function narrowed<K extends Report['kind']>(r: Report, kind: K): Extract<Report, { kind: K }> {
  expect(r.kind).toBe(kind);
  return r as Extract<Report, { kind: K }>;
}

/** openssl reads its inputs from files: written to a folder of the test's own, removed after. */
function inTemp<T>(files: Record<string, string>, use: (path: (name: string) => string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'mxray-web-kinds-'));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return use((name) => join(dir, name));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('cert-file', () => {
  const pemWithKey = () => Buffer.from(leaf.certPem + leaf.keyPem);

  it('a PEM with its key, the name asked for covered: pass, the key matches', async () => {
    const r = await run('cert-file', { host: 'mail.example.test', revocation: 'false' }, { name: 'mail.pem', bytes: pemWithKey() });
    expect(r.kind).toBe('certificate');
    if (r.kind !== 'certificate') return;
    expect(r.verdict).toBe('pass');
    expect(r.target).toBe('mail.pem');
    expect(r.body.input.files[0]).toMatchObject({ name: 'mail.pem', format: 'pem', certificates: 1, privateKeys: 1 });
    expect(ids(r)).toContain('cert.key-matches');
    expect(r.body.names).toEqual(['mail.example.test']);
  });

  it('a name the certificate does not cover: fail with cert.name-mismatch', async () => {
    const r = await run('cert-file', { host: 'other.example.test', revocation: 'false' }, { name: 'mail.pem', bytes: pemWithKey() });
    expect(r.verdict).toBe('fail');
    expect(ids(r)).toContain('cert.name-mismatch');
  });

  it('judged at a moment after its expiry (at): cert.expired', async () => {
    const r = await run('cert-file', { at: '2099-01-01', revocation: 'false' }, { name: 'mail.pem', bytes: pemWithKey() });
    expect(ids(r)).toContain('cert.expired');
  });

  it('DER and PKCS#7 are read as `mxray cert` reads them', async () => {
    const der = await run('cert-file', { revocation: 'false' }, { name: 'mail.der', bytes: leaf.der });
    expect(narrowed(der, 'certificate').body.input.files[0]?.format).toBe('der');
    const p7b = inTemp({ 'leaf.pem': leaf.certPem }, (f) => openssl(['crl2pkcs7', '-nocrl', '-certfile', f('leaf.pem'), '-outform', 'DER'], Buffer.alloc(0)));
    const p7 = await run('cert-file', { revocation: 'false' }, { name: 'mail.p7b', bytes: p7b });
    expect(p7.kind).toBe('certificate');
    expect(narrowed(p7, 'certificate').body.input.files[0]).toMatchObject({ format: 'pkcs7', certificates: 1 });
  });

  it('a PFX: opened with its password; without it, or with a wrong one, a one-line usage error', async () => {
    const pfx = inTemp({ 'leaf.pem': leaf.certPem, 'leaf.key': leaf.keyPem }, (f) => openssl(['pkcs12', '-export', '-in', f('leaf.pem'), '-inkey', f('leaf.key'), '-passout', 'pass:s3cret-pfx'], Buffer.alloc(0)));
    const r = await run('cert-file', { password: 's3cret-pfx', revocation: 'false' }, { name: 'mail.pfx', bytes: pfx });
    expect(r.kind).toBe('certificate');
    if (r.kind !== 'certificate') return;
    expect(r.body.input.files[0]?.format).toBe('pkcs12');
    expect(ids(r)).toContain('cert.key-matches');
    expect(JSON.stringify(r)).not.toContain('s3cret-pfx');
    await usage(run('cert-file', {}, { name: 'mail.pfx', bytes: pfx }), /password parameter/);
    await usage(run('cert-file', { password: 'nope' }, { name: 'mail.pfx', bytes: pfx }), /wrong password/);
  });

  it('query values out of range or not what they say: one-line usage errors', async () => {
    await usage(run('cert-file', { warnDays: '5000' }, { name: 'mail.pem', bytes: pemWithKey() }), /warnDays must be a whole number from 1 to 3650/);
    await usage(run('cert-file', { revocation: 'yes' }, { name: 'mail.pem', bytes: pemWithKey() }), /revocation: true or false/);
    await usage(run('cert-file', { at: '2026-02-31' }, { name: 'mail.pem', bytes: pemWithKey() }), /at: give an ISO date/);
    await usage(run('cert-file', {}, null), /request body/);
    await usage(run('cert-file', {}, { name: 'empty.pem', bytes: new Uint8Array() }), /empty/);
  });

  it('warnDays reaches the judgement: 3650 days makes a one-year certificate expire soon', async () => {
    const quiet = await run('cert-file', { revocation: 'false' }, { name: 'mail.pem', bytes: pemWithKey() });
    expect(ids(quiet)).not.toContain('cert.expiring-soon');
    const warned = await run('cert-file', { revocation: 'false', warnDays: '3650' }, { name: 'mail.pem', bytes: pemWithKey() });
    expect(ids(warned)).toContain('cert.expiring-soon');
  });
});

/** An RFC 8460 report: 90 sessions fine, 10 failed on an expired certificate. */
function tlsRptJson(id: string): string {
  return JSON.stringify({
    'organization-name': 'Sender Org',
    'date-range': { 'start-datetime': '2026-11-01T00:00:00Z', 'end-datetime': '2026-11-01T23:59:59Z' },
    'contact-info': 'tlsrpt@sender.example',
    'report-id': id,
    policies: [
      {
        policy: { 'policy-type': 'sts', 'policy-string': ['version: STSv1', 'mode: enforce', 'mx: mx.example.com', 'max_age: 86400'], 'policy-domain': 'example.com', 'mx-host': ['mx.example.com'] },
        summary: { 'total-successful-session-count': 90, 'total-failure-session-count': 10 },
        'failure-details': [{ 'result-type': 'certificate-expired', 'sending-mta-ip': '192.0.2.1', 'receiving-mx-hostname': 'mx.example.com', 'failed-session-count': 10 }],
      },
    ],
  });
}

describe('tlsrpt', () => {
  it('a gzip report (recognised by its bytes, whatever its name): the sessions summed, 10 % failed', async () => {
    const r = await run('tlsrpt', {}, { name: 'report.bin', bytes: gzipSync(tlsRptJson('r-1')) });
    expect(r.kind).toBe('tlsrpt');
    if (r.kind !== 'tlsrpt') return;
    expect(r.body.totals).toEqual({ successful: 90, failed: 10 });
    expect(r.body.inputs.reports).toBe(1);
    expect(r.verdict).toBe('fail');
    expect(r.target).toBe('report.bin');
  });

  it('a mailbox holding the report as an attachment', async () => {
    const attachment = gzipSync(tlsRptJson('r-2')).toString('base64').replace(/.{76}/g, '$&\n');
    const mail = [
      'From tlsrpt@sender.example Sun Nov  1 00:00:00 2026',
      'From: tlsrpt@sender.example',
      'To: tlsrpt@example.com',
      'Subject: Report Domain: example.com',
      'MIME-Version: 1.0',
      'Content-Type: multipart/report; report-type=tlsrpt; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain',
      '',
      'A TLS report.',
      '--b1',
      'Content-Type: application/tlsrpt+gzip',
      'Content-Transfer-Encoding: base64',
      'Content-Disposition: attachment; filename="report.json.gz"',
      '',
      attachment,
      '--b1--',
      '',
    ].join('\n');
    const r = await run('tlsrpt', {}, { name: 'inbox.mbox', bytes: Buffer.from(mail) });
    if (r.kind !== 'tlsrpt') throw new Error(r.kind);
    expect(r.body.inputs).toMatchObject({ messages: 1, reports: 1 });
    expect(r.body.totals.failed).toBe(10);
  });
});

const pf = (time: string, proc: string, msg: string): string => `Nov 30 ${time} mx1 postfix/${proc}: ${msg}`;
/** Inbound: TLS from partner.example, clear text from other.example, one from a content filter on loopback. */
const POSTFIX_LOG = [
  pf('09:00:00', 'smtpd[11]', 'connect from out.partner.example[198.51.100.20]'),
  pf('09:00:01', 'smtpd[11]', 'Anonymous TLS connection established from out.partner.example[198.51.100.20]: TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)'),
  pf('09:00:02', 'smtpd[11]', 'disconnect from out.partner.example[198.51.100.20] ehlo=2 starttls=1 mail=1 rcpt=1 data=1 quit=1 commands=7'),
  pf('20:00:00', 'smtpd[12]', 'connect from relay.other.example[203.0.113.9]'),
  pf('20:00:01', 'smtpd[12]', 'disconnect from relay.other.example[203.0.113.9] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5'),
  pf('21:00:00', 'smtpd[13]', 'connect from localhost[127.0.0.1]'),
  pf('21:00:01', 'smtpd[13]', 'disconnect from localhost[127.0.0.1] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5'),
  '',
].join('\n');

describe('logs', () => {
  const log = (bytes: Uint8Array = Buffer.from(POSTFIX_LOG)) => ({ name: 'mail.log.gz', bytes });

  it('a gzip Postfix log streamed in chunks: two sessions, one in clear (fail); the loopback one left out', async () => {
    const r = await run('logs', {}, log(gzipSync(POSTFIX_LOG)));
    expect(r.kind).toBe('logs');
    if (r.kind !== 'logs') return;
    expect(r.body.inputs[0]).toMatchObject({ name: 'mail.log.gz', format: 'postfix', sessions: 2, local: 1 });
    expect(r.body.totals.counts).toMatchObject({ encrypted: 1, clear: 1 });
    expect(r.verdict).toBe('fail');
  });

  it('the filters: domain, includeLocal, since (relative to the clock), utcOffset, format', async () => {
    const only = await run('logs', { domain: 'partner.example' }, log());
    expect(narrowed(only, 'logs').body.totals.sessions).toBe(1);
    const local = await run('logs', { includeLocal: 'true' }, log());
    expect(narrowed(local, 'logs').body.totals.sessions).toBe(3);
    // 1 December 00:00 UTC less 4 hours: 30 November 20:00 — the 09:00 session is before it.
    const since = await run('logs', { since: '4h' }, log());
    expect(narrowed(since, 'logs').body.totals.sessions).toBe(1);
    // At +02:00, 20:00 local is 18:00 UTC: before 30 November 19:00 UTC.
    const zoned = await run('logs', { since: '2026-11-30 19:00Z', utcOffset: '+02:00' }, log());
    expect(narrowed(zoned, 'logs').body.totals.sessions).toBe(0);
    // A moment without a zone is in utcOffset's zone, as the log's stamps are: 08:00 at +02:00 is 06:00 UTC, the 09:00 session (07:00 UTC) after it.
    const zonedLocal = await run('logs', { since: '2026-11-30 08:00', utcOffset: '+02:00' }, log());
    expect(narrowed(zonedLocal, 'logs').body.totals.sessions).toBe(2);
    const forced = await run('logs', { format: 'exim' }, log());
    expect(narrowed(forced, 'logs').body.inputs[0]).toMatchObject({ format: 'exim', sessions: 0 });
  });

  it('bad values and a damaged gzip: one-line usage errors', async () => {
    await usage(run('logs', { utcOffset: '+15:00' }, log()), /utcOffset/);
    await usage(run('logs', { since: '2026-11-30', until: '2026-11-01' }, log()), /since is after until/);
    await usage(run('logs', { since: '2026-02-30' }, log()), /since/);
    await usage(run('logs', { includeLocal: 'maybe' }, log()), /includeLocal/);
    const gz = gzipSync(POSTFIX_LOG);
    await usage(run('logs', {}, log(gz.subarray(0, gz.length - 30))), /gzip stream is damaged or cut short/);
  });
});

describe('uploads that fail or are cancelled', () => {
  /** A gzip upload whose stream fails after its first bytes, as the server fails it past the cap. */
  async function* failing(bytes: Uint8Array): AsyncGenerator<Buffer> {
    yield Buffer.from(bytes.subarray(0, 40));
    throw new Error('the upload is larger than 512 MiB');
  }

  for (const name of ['logs', 'pcap']) {
    it(`${name}: the upload's own failure reaches the server as it is (not made a usage error); a cancelled job stops`, async () => {
      const k = kindNamed(name);
      if (!k) throw new Error(name);
      const gz = gzipSync(Buffer.from(POSTFIX_LOG.repeat(50)));
      const base = { edges: edges(), events: { emit: () => undefined }, publicMode: false };
      const err = await k.run({} as never, { ...base, signal: new AbortController().signal, upload: { name: 'x.gz', chunks: failing(gz) } }).then(() => null, (e: unknown) => e);
      expect(err).not.toBeInstanceOf(UsageError);
      expect((err as Error).message).toBe('the upload is larger than 512 MiB');
      const stop = new AbortController();
      stop.abort(new Error('cancelled by the user'));
      const cancelled = await k.run({} as never, { ...base, signal: stop.signal, upload: { name: 'x.gz', chunks: chunked(gz) } }).then(() => null, (e: unknown) => e);
      expect((cancelled as Error).message).toBe('cancelled by the user');
    });
  }
});

describe('pcap', () => {
  const smtp = (port: number, clientPort: number) =>
    tcpConversation({
      client: { ip: '192.0.2.10', port: clientPort },
      server: { ip: '198.51.100.25', port },
      turns: [
        { from: 'server', data: '220 mx.example.net ESMTP\r\n' },
        { from: 'client', data: 'EHLO client.example\r\n' },
        { from: 'server', data: '250-mx.example.net\r\n250 SIZE 1000000\r\n' },
        { from: 'client', data: 'QUIT\r\n' },
        { from: 'server', data: '221 bye\r\n' },
      ],
    });
  const capture = () => writePcap(conversationRecords([...smtp(25, 40001), ...smtp(2526, 40002)]), { linkType: LINKTYPE.ETHERNET });

  it('a capture: the SMTP connection on 25 read; with port=2526 the other one too', async () => {
    const r = await run('pcap', {}, { name: 'smtp.pcap', bytes: capture() });
    expect(r.kind).toBe('pcap');
    if (r.kind !== 'pcap') return;
    expect(r.body.flowCount).toBe(1);
    expect(r.body.totals['no-mail']).toBe(1);
    expect(r.body.flows[0]).toMatchObject({ server: { port: 25 }, starttlsOffered: false, hello: { verb: 'EHLO', name: 'client.example' } });
    const both = await run('pcap', { port: '2526', retryWindow: '60' }, { name: 'smtp.pcap', bytes: capture() });
    expect(narrowed(both, 'pcap').body.flowCount).toBe(2);
    expect(narrowed(both, 'pcap').body.ports).toContain(2526);
  });

  it('a gzipped capture is expanded as it comes', async () => {
    const r = await run('pcap', {}, { name: 'smtp.pcap.gz', bytes: gzipSync(capture()) });
    expect(narrowed(r, 'pcap').body.flowCount).toBe(1);
  });

  it('not a capture, a bad port or window: one-line usage errors', async () => {
    await usage(run('pcap', {}, { name: 'notes.txt', bytes: Buffer.from('hello, this is no capture at all\n') }), /not a pcap or pcapng file/);
    await usage(run('pcap', { port: '70000' }, { name: 'smtp.pcap', bytes: capture() }), /port "70000"/);
    await usage(run('pcap', { retryWindow: '90000' }, { name: 'smtp.pcap', bytes: capture() }), /retryWindow/);
  });
});

describe('pasted texts', () => {
  it('explain: an SMTP reply explained, its code read', async () => {
    const r = await run('explain', { text: '530 5.7.0 Must issue a STARTTLS command first' }, null);
    expect(r.kind).toBe('explain');
    if (r.kind !== 'explain') return;
    expect(r.body.items[0]?.statuses[0]).toMatchObject({ reply: 530, code: '5.7.0', tls: true });
    expect(r.body.recognised).toBe(1);
    expect(r.target).toBe('530 5.7.0 Must issue a STARTTLS command first');
    await usage(run('explain', { text: 'é'.repeat(200 * 1024) }, null), /at most 256 KiB/);
  });

  it('headers: a pasted header with a hop in clear between organisations fails; the subject names it', async () => {
    const header = [
      'Received: from mx.sender.example (mx.sender.example [198.51.100.7])',
      '\tby mx.example.com (Postfix) with ESMTP id 4AB12C',
      '\tfor <user@example.com>; Mon, 30 Nov 2026 10:00:05 +0000 (UTC)',
      'Received: from laptop (unknown [192.0.2.44])',
      '\tby mx.sender.example (Postfix) with ESMTPSA id 99FF01',
      '\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits))',
      '\tfor <user@example.com>; Mon, 30 Nov 2026 10:00:01 +0000 (UTC)',
      'From: someone@sender.example',
      'To: user@example.com',
      'Subject: quarterly figures',
      'Date: Mon, 30 Nov 2026 10:00:00 +0000',
      '',
    ].join('\r\n');
    const r = await run('headers', { text: header, domains: ['example.com'] }, null);
    expect(r.kind).toBe('headers');
    if (r.kind !== 'headers') return;
    expect(r.body.inputs.messages).toBe(1);
    expect(r.verdict).toBe('fail');
    expect(r.target).toBe('pasted header: quarterly figures');
    await usage(run('headers', { text: header, internal: ['10.0.0.0/33'] }, null), /not a network/);
  });
});
