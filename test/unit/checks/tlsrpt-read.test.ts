// The job: inputs recognised by content (JSON, gzip, mbox, a single mail), the bounded gunzip and
// MIME walk, every unreadable input named (file, message, attachment, why) and none fatal; the
// Report (schema-valid, times from the injected clock) and its renderings (escaped, with a chart).
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../../src/core/clock.js';
import type { TlsRptReport } from '../../../src/core/schema.js';
import { runTlsRpt, type TlsRptInput } from '../../../src/jobs/tlsrpt/check-tlsrpt.js';
import { decodeQuotedPrintable, MIME_LIMITS, parseParams, readMessage, splitMbox } from '../../../src/jobs/mime.js';
import { renderHtml } from '../../../src/render/html.js';
import { renderMarkdown } from '../../../src/render/markdown.js';
import { renderText } from '../../../src/render/text.js';
import { sparkline } from '../../../src/render/tlsrpt.js';
import { schemaErrors } from '../../helpers/schema.js';
import { skipWithout } from '../../helpers/skip.js';
import { CORPUS } from './tlsrpt-corpus.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const FIXTURES = join(ROOT, 'test/fixtures/tlsrpt');
const T0 = Date.UTC(2026, 10, 29, 12, 0, 0);
const fixture = (name: string): TlsRptInput => ({ name, bytes: readFileSync(join(FIXTURES, name)) });
const run = (inputs: TlsRptInput[]): Promise<TlsRptReport> => runTlsRpt({ inputs }, () => ({ clock: fixedClock(T0) }));
const ids = (r: TlsRptReport) => [...new Set(r.findings.map((f) => f.id))].sort();
const report = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    'organization-name': 'Org',
    'date-range': { 'start-datetime': '2026-03-01T00:00:00Z', 'end-datetime': '2026-03-01T23:59:59Z' },
    'contact-info': 'c@example.org',
    'report-id': 'r1',
    policies: [{ policy: { 'policy-type': 'sts', 'policy-domain': 'example.net' }, summary: { 'total-successful-session-count': 10, 'total-failure-session-count': 0 } }],
    ...over,
  });
const input = (name: string, text: string | Buffer): TlsRptInput => ({ name, bytes: typeof text === 'string' ? Buffer.from(text) : text });

function mail(parts: string[], boundary = 'b'): string {
  return [
    'From: tls-reports@sender.example',
    'Message-ID: <m1@example>',
    `Content-Type: multipart/report; boundary="${boundary}"; report-type=tlsrpt`,
    '',
    ...parts.flatMap((p) => [`--${boundary}`, p]),
    `--${boundary}--`,
    '',
  ].join('\r\n');
}
const gzPart = (name: string, bytes: Buffer) => `Content-Type: application/tlsrpt+gzip; name="${name}"\r\nContent-Transfer-Encoding: base64\r\n\r\n${bytes.toString('base64')}\r\n`;

describe('inputs recognised by content', () => {
  it('reads our fixture folder: JSON, gzip, a mail and an mbox, with the duplicate across them counted once', async () => {
    const names = ['google-enforce.json', 'google-report.eml', 'inbox.mbox', 'microsoft-enforce.json', 'no-policy-found.json', 'tlsa-dane.json.gz', 'unknown-result.json'];
    const r = await run(names.map(fixture));
    expect(schemaErrors(r)).toEqual([]);
    expect(r.body.inputs).toEqual({ files: 7, messages: 5, documents: 9, reports: 7, duplicates: 2, unreadable: 3 });
    expect(r.body.problems.map((p) => [p.source, p.problem])).toEqual([
      ['inbox.mbox message 3 <invoice-77@shop.example>', 'no-report'],
      ['inbox.mbox message 1 <dup-1.tls@google.com> attachment google.com!example.net!1772323200!1772409599!001.json.gz', 'duplicate'],
      // The mbox comes before unknown-result.json in the folder's order: its copy counts, the file is the duplicate.
      ['unknown-result.json', 'duplicate'],
    ]);
    expect(r.body.problems[0]!.detail).toBe('no TLS-RPT report attached: only text/plain, invoice.pdf (application/pdf)');
    expect(r.body.totals).toEqual({ successful: 3267, failed: 95 });
    expect(r.verdict).toBe('fail');
    expect(ids(r)).toEqual([
      'tls-rpt.certificate-expired',
      'tls-rpt.dnssec-invalid',
      'tls-rpt.duplicate-reports',
      'tls-rpt.failures-occasional',
      'tls-rpt.failures-reported',
      'tls-rpt.malformed-report',
      'tls-rpt.no-policy-found',
      'tls-rpt.report-irregular',
      'tls-rpt.starttls-not-supported',
      'tls-rpt.sts-policy-fetch-error',
      'tls-rpt.tlsa-invalid',
      'tls-rpt.unknown-result-type',
      'tls-rpt.validation-failure',
    ]);
    // The quoted-printable +json attachment of message 2 was read (the relay's 800 sessions on 6 March).
    expect(r.body.daily.find((d) => d.day === '2026-03-06')).toEqual({ day: '2026-03-06', successful: 800, failed: 0 });
    expect(r.startedAt).toBe(new Date(T0).toISOString());
    expect(r.durationMs).toBe(0);
    expect(r.judgedWith.at).toBe(new Date(T0).toISOString());
  });

  it('reads the real Google mail of the corpus (base64 gzip attachment)', async (ctx) => {
    let bytes: Buffer;
    try {
      bytes = readFileSync(join(CORPUS, 'parsedmarc-google.com_smtp_tls_report.eml'));
    } catch {
      return skipWithout(ctx, 'corpus', `no TLS-RPT corpus at ${CORPUS} (set MXRAY_CORPUS to its parent folder)`);
    }
    const r = await run([input('google.eml', bytes)]);
    expect(r.body.inputs).toMatchObject({ messages: 1, reports: 1, unreadable: 0 });
    expect(r.body.reports[0]).toMatchObject({ organization: 'Google Inc.', reportId: '2024-09-03T00:00:00Z_cardinalhealth.ca', successful: 48, failed: 0 });
    expect(r.body.policies.map((p) => [p.policyDomain, p.policyType])).toEqual([['cardinalhealth.ca', 'no-policy-found']]);
    expect(r.verdict).toBe('pass');
  });
});

describe('every failure mode, named and never fatal', () => {
  it('a gzip bomb stops at the cap and is named too-large; the other inputs are still counted', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(200 * 1024);
    const r = await run([input('bomb.json.gz', bomb), input('good.json', report())]);
    expect(r.body.problems).toEqual([{ source: 'bomb.json.gz', problem: 'too-large', detail: 'expands to more than 20 MiB (stopped there: a gzip bomb, or not a report)' }]);
    expect(r.body.inputs.reports).toBe(1);
    expect(r.verdict).toBe('warn');
  });

  it('a truncated gzip is bad-gzip', async () => {
    const gz = gzipSync(Buffer.from(report()));
    const r = await run([input('cut.json.gz', gz.subarray(0, gz.length - 10))]);
    expect(r.body.problems).toEqual([{ source: 'cut.json.gz', problem: 'bad-gzip', detail: 'the gzip stream is cut short' }]);
    expect(r.verdict).toBe('inconclusive');
    expect(ids(r)).toEqual(['tls-rpt.malformed-report', 'tls-rpt.no-reports']);
  });

  it('malformed JSON, wrong types, missing fields, not UTF-8, empty, unknown format: each named', async () => {
    const r = await run([
      input('a.json', '{"policies": ['),
      input('b.json', report({ policies: [{ policy: { 'policy-type': 'sts', 'policy-domain': 'x' }, summary: { 'total-successful-session-count': 'many', 'total-failure-session-count': 0 } }] })),
      input('c.json', '{"organization-name": "x"}'),
      input('d.json', Buffer.from([0x7b, 0xff, 0xfe, 0x7d])),
      input('e.json', ''),
      input('f.pdf', '%PDF-1.4'),
    ]);
    expect(r.body.problems.map((p) => [p.source, p.problem, p.detail])).toEqual([
      ['a.json', 'not-json', expect.stringMatching(/JSON/) as unknown as string],
      ['b.json', 'not-a-report', 'policies[0].summary.total-successful-session-count is a string, not a whole number'],
      ['c.json', 'not-a-report', 'policies is missing'],
      ['d.json', 'not-json', 'not UTF-8 text'],
      ['e.json', 'not-json', 'the file is empty'],
      ['f.pdf', 'unknown-format', 'neither JSON, gzip, an mbox nor a mail (RFC 5322 header fields)'],
    ]);
    expect(r.body.inputs).toMatchObject({ files: 6, reports: 0, unreadable: 6 });
    expect(schemaErrors(r)).toEqual([]);
  });

  it('an mbox with no report at all: each message named, nothing counted, inconclusive', async () => {
    const msg = (id: string) => `From a@b Sat Mar  7 02:00:00 2026\nMessage-ID: <${id}>\nSubject: hello\n\nFrom the desk of nobody.\n`;
    const r = await run([input('box', msg('x1') + msg('x2'))]);
    expect(r.body.problems).toEqual([
      { source: 'box message 1 <x1>', problem: 'no-report', detail: 'no TLS-RPT report attached: only text/plain' },
      { source: 'box message 2 <x2>', problem: 'no-report', detail: 'no TLS-RPT report attached: only text/plain' },
    ]);
    expect(r.body.inputs.messages).toBe(2);
    expect(r.verdict).toBe('inconclusive');
  });

  it('a non-report attachment is not read as one (an application/gzip that is no .json/.gz, a PDF)', async () => {
    const r = await run([input('m.eml', mail(['Content-Type: application/gzip; name="logs.tar"\r\nContent-Transfer-Encoding: base64\r\n\r\nH4sI\r\n', 'Content-Type: application/pdf; name="x.pdf"\r\n\r\n%PDF\r\n']))]);
    expect(r.body.problems).toEqual([{ source: 'm.eml <m1@example>', problem: 'no-report', detail: 'no TLS-RPT report attached: only logs.tar (application/gzip), x.pdf (application/pdf)' }]);
  });

  it('a report attachment that is damaged is named with its message and attachment', async () => {
    const gz = gzipSync(Buffer.from(report()));
    const r = await run([input('m.eml', mail([gzPart('r.json.gz', gz.subarray(0, 20))]))]);
    expect(r.body.problems).toEqual([{ source: 'm.eml <m1@example> attachment r.json.gz', problem: 'bad-gzip', detail: 'the gzip stream is cut short' }]);
  });

  it('a base64 part with characters base64 does not use is bad-mime', async () => {
    const r = await run([input('m.eml', mail(['Content-Type: application/tlsrpt+gzip\r\nContent-Transfer-Encoding: base64\r\n\r\n<<not base64>>\r\n']))]);
    expect(r.body.problems).toEqual([{ source: 'm.eml <m1@example>', problem: 'bad-mime', detail: 'no TLS-RPT report attached: no parts; application/tlsrpt+gzip: the base64 part holds characters base64 does not use' }]);
  });

  it('MIME nested deeper than the bound stops there and says so', () => {
    let body = gzPart('r.json.gz', gzipSync(Buffer.from(report())));
    for (let i = 0; i < MIME_LIMITS.depth + 2; i++) body = `Content-Type: multipart/mixed; boundary="d${i}"\r\n\r\n--d${i}\r\n${body}--d${i}--\r\n`;
    const m = readMessage(`Message-ID: <deep>\r\n${body}`);
    expect(m.reports).toEqual([]);
    expect(m.problems).toEqual([`parts nested more than ${MIME_LIMITS.depth} deep: not walked`]);
  });

  it('more parts than the bound: the first ones read, the rest said', () => {
    const parts = Array.from({ length: MIME_LIMITS.parts + 3 }, (_, i) => `Content-Type: text/plain\r\n\r\npart ${i}\r\n`);
    const m = readMessage(mail(parts));
    expect(m.others).toHaveLength(20);
    expect(m.problems).toEqual([`more than ${MIME_LIMITS.parts} parts: the rest not walked`]);
  });

  it('duplicated report-id: counted once, whichever input it came in', async () => {
    const r = await run([input('a.json', report()), input('b.json.gz', gzipSync(Buffer.from(report())))]);
    expect(r.body.inputs).toMatchObject({ reports: 1, duplicates: 1 });
    expect(r.body.totals.successful).toBe(10);
  });

  it('dates out of order across reports: the days come out sorted', async () => {
    const day = (d: string, id: string) => report({ 'report-id': id, 'date-range': { 'start-datetime': `${d}T00:00:00Z`, 'end-datetime': `${d}T23:59:59Z` } });
    const r = await run([input('3', day('2026-03-03', 'c')), input('1', day('2026-03-01', 'a')), input('2', day('2026-03-02', 'b'))]);
    expect(r.body.daily.map((d) => d.day)).toEqual(['2026-03-01', '2026-03-02', '2026-03-03']);
    expect(r.body.period).toEqual({ start: '2026-03-01T00:00:00.000Z', end: '2026-03-03T23:59:59.000Z' });
  });
});

describe('MIME pieces', () => {
  it('parameters: quoted, RFC 2231 encoded and continued', () => {
    expect(parseParams('Application/TLSRPT+gzip; name="a;b.json.gz"; x=1')).toEqual({ value: 'application/tlsrpt+gzip', params: { name: 'a;b.json.gz', x: '1' } });
    expect(parseParams("attachment; filename*=utf-8''r%C3%A9port.json").params.filename).toBe('réport.json');
    expect(parseParams('attachment; filename*0="a"; filename*1="b.json"').params.filename).toBe('ab.json');
  });

  it('quoted-printable: soft breaks and escapes', () => {
    expect(decodeQuotedPrintable('{"a"=3D=\r\n1}=C3=A9').toString('utf8')).toBe('{"a"=1}é');
  });

  it('mbox: split at each "From " postmark line; a body line ">From …", or an unescaped "From the …" without a date, stays in its message', () => {
    const { messages } = splitMbox('From a Mon Mar  2 11:00:00 2026\nSubject: 1\n\n>From here\nFrom the desk of nobody\nbody\nFrom - Tue Mar 03 11:00:00 2026\nSubject: 2\n\nx\n');
    expect(messages).toEqual(['Subject: 1\n\n>From here\nFrom the desk of nobody\nbody\n', 'Subject: 2\n\nx\n']);
  });
});

describe('rendering', () => {
  it('escapes what a report holds in text, Markdown and HTML, and draws the chart in HTML only', async () => {
    const hostile = report({
      'organization-name': 'Evil\u001b[31m <script>alert(1)</script>',
      policies: [
        {
          policy: { 'policy-type': 'sts', 'policy-domain': 'x<img src=x>.example' },
          summary: { 'total-successful-session-count': 5, 'total-failure-session-count': 5 },
          'failure-details': [{ 'result-type': 'evil\u202e<b>', 'receiving-mx-hostname': 'mx\u0007.example', 'failed-session-count': 5 }],
        },
      ],
    });
    const r = await run([input('h\u001b[2J.json', hostile)]);
    const text = renderText(r, { verbose: true });
    expect(text).not.toMatch(/\u001b|\u0007|\u202e/);
    expect(text).toContain('mx\\x07.example');
    const html = renderHtml(r, { verbose: true });
    expect(html).not.toMatch(/<script>|<img|<b>|\u001b|\u202e/);
    expect(html).toContain('x&lt;img src=x&gt;.example');
    expect(html).toMatch(/<svg [^>]*role="img"[^>]*>.*<title>2026-03-01: 5 successful, 5 failed<\/title>/s);
    const md = renderMarkdown(r, { verbose: true });
    // Outside code spans (where Markdown shows text as it is), every "<" a report holds is escaped.
    expect(md.replace(/`[^`\n]*`/g, '')).not.toMatch(/(^|[^\\])<(script|img|b>)/m);
    expect(md).not.toMatch(/<script>|\u001b|\u202e/);
    expect(text).not.toContain('<svg');
    expect(md).not.toContain('<svg');
  });

  it('the first line says the verdict and why; the table has the policy and its failure rows, worst first', async () => {
    const r = await run(['google-enforce.json', 'no-policy-found.json'].map(fixture));
    const lines = renderText(r, { width: 140 }).split('\n');
    expect(lines.find((l) => /^[A-Z]+ — /.test(l))).toBe('FAIL — 60 of 1,000 sessions to example.net (sts) failed (6.0 %): certificate-expired 60');
    const table = lines.slice(lines.findIndex((l) => l.startsWith('Policy domain')), lines.findIndex((l) => l.startsWith('Problems')) - 1);
    expect(table.map((l) => l.replace(/ +/g, ' ').trim())).toEqual([
      'Policy domain Policy MX host Result Failed Succeeded Failed share',
      'example.net sts (enforce) all all failures 60 940 6.0 %',
      'mx2.example.net certificate-expired 60 6.0 %',
      'example.org no-policy-found all no failure 0 120 0 %',
    ]);
  });

  it('a sparkline of the failed share per day (the worst day full height, a day without sessions blank)', () => {
    expect(sparkline([
      { day: '2026-03-01', successful: 100, failed: 0 },
      { day: '2026-03-02', successful: 50, failed: 50 },
      { day: '2026-03-03', successful: 0, failed: 0 },
      { day: '2026-03-04', successful: 75, failed: 25 },
    ])).toBe('▁█ ▅');
  });
});

describe('the chart element (render/html.ts chartSvg)', () => {
  it('escapes its title, labels and series names, and draws no bar for zero or nonsense values', async () => {
    const { chartSvg } = await import('../../../src/render/html.js');
    const svg = chartSvg({ title: 'T<script>', labels: ['<b>a', '"b"'], series: [{ name: 'ok<i>', tone: 'ok', values: [1, Number.NaN] }, { name: 'bad', tone: 'bad', values: [0, -5] }], note: 'n&<x>' });
    expect(svg).not.toMatch(/<script>|<b>|<i>|<x>/);
    expect(svg).toContain('T&lt;script&gt;');
    expect(svg).toContain('&lt;b&gt;a: 1 ok&lt;i&gt;, 0 bad');
    expect(svg.match(/<rect /g)).toHaveLength(1);
    expect(chartSvg({ title: 'x', labels: [], series: [] })).toBe('');
  });
});
