// One TLS-RPT report's JSON → typed values, or the named reason it is not one: the real dialects
// (Google's mx-host array, Microsoft's dates without a zone, Mail.ru's totals that disagree, the RFC's
// own example and its erratum 6241), and every way a report can be broken. Never throws (fuzzed).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDateTime, parseTlsRptReport, REPORT_LIMITS, type ParsedReport } from '../../../src/checks/tlsrpt/index.js';
import { skipWithout } from '../../helpers/skip.js';
import { CORPUS } from './tlsrpt-corpus.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const FIXTURES = join(ROOT, 'test/fixtures/tlsrpt');

function corpusFiles(ctx: Parameters<typeof skipWithout>[0]): string[] {
  try {
    return readdirSync(CORPUS).sort();
  } catch {
    return skipWithout(ctx, 'corpus', `no TLS-RPT corpus at ${CORPUS} (set MXRAY_CORPUS to its parent folder)`);
  }
}

function ok(json: string): ParsedReport {
  const r = parseTlsRptReport(json);
  if (!r.ok) throw new Error(`expected a report, got ${r.problem}: ${r.detail}`);
  return r.report;
}

function bad(json: string): { problem: string; detail: string } {
  const r = parseTlsRptReport(json);
  if (r.ok) throw new Error('expected a problem, got a report');
  return { problem: r.problem, detail: r.detail };
}

/** A minimal valid report, with parts replaced. */
function report(over: Record<string, unknown> = {}, policy: Record<string, unknown> = {}): string {
  return JSON.stringify({
    'organization-name': 'Org',
    'date-range': { 'start-datetime': '2026-03-01T00:00:00Z', 'end-datetime': '2026-03-01T23:59:59Z' },
    'contact-info': 'c@example.org',
    'report-id': 'r1',
    policies: [{ policy: { 'policy-type': 'sts', 'policy-domain': 'example.net' }, summary: { 'total-successful-session-count': 10, 'total-failure-session-count': 0 }, ...policy }],
    ...over,
  });
}

describe('the real corpus (read in place)', () => {
  it('reads every report of the corpus, with the deviations each one has named', (ctx) => {
    const files = corpusFiles(ctx).filter((f) => f.endsWith('.json'));
    expect(files).toEqual([
      'parsedmarc-mail.ru.json',
      'parsedmarc-rfc8460.json',
      'parsedmarc-smtp_tls.json',
      'phi-ag-google.json',
      'phi-ag-microsoft-2.json',
      'phi-ag-microsoft.json',
      'phi-ag-rfc-errata-6241.json',
    ]);
    const read = Object.fromEntries(files.map((f) => [f, ok(readFileSync(join(CORPUS, f), 'utf8'))]));
    // RFC 8460 §4.4's example: three failure details, mx-host as a string.
    const rfc = read['parsedmarc-rfc8460.json']!;
    expect(rfc.policies.map((p) => [p.domain, p.type, p.mode, p.mxHosts, p.successful, p.failed])).toEqual([['company-y.example', 'sts', 'testing', ['*.mail.company-y.example'], 5326, 303]]);
    expect(rfc.policies[0]!.failures.map((f) => [f.resultType, f.receivingMx, f.failed, f.reasonCode])).toEqual([
      ['certificate-expired', 'mx1.mail.company-y.example', 100, null],
      ['starttls-not-supported', 'mx2.mail.company-y.example', 200, null],
      ['validation-failure', 'mx-backup.mail.company-y.example', 3, 'X509_V_ERR_PROXY_PATH_LENGTH_EXCEEDED'],
    ]);
    expect(rfc.warnings).toEqual([]);
    // Erratum 6241: mx-host as an array, the same counts; its mangled additional-information kept as sent.
    const errata = read['phi-ag-rfc-errata-6241.json']!;
    expect(errata.policies[0]!.mxHosts).toEqual(['*.mail.company-y.example']);
    expect(errata.policies[0]!.failures[1]!.additionalInformation).toBe('https://reports.company-x.example/report_info ? id = 5065427 c - 23 d3# StarttlsNotSupported ');
    expect(errata.reportId).toBe(rfc.reportId);
    // Google: mx-host array, no failures.
    expect(read['phi-ag-google.json']!.policies[0]).toMatchObject({ mxHosts: ['example.com'], successful: 53, failed: 0, mode: 'enforce', failures: [] });
    // Microsoft without a zone: read as UTC, and said.
    const ms2 = read['phi-ag-microsoft-2.json']!;
    expect(new Date(ms2.start!).toISOString()).toBe('2024-03-26T00:00:00.000Z');
    expect(ms2.warnings).toEqual([
      'date-range.start-datetime "2024-03-26T00:00:00" has no time zone: read as UTC',
      'date-range.end-datetime "2024-03-26T23:59:59" has no time zone: read as UTC',
    ]);
    expect(read['phi-ag-microsoft.json']!.warnings).toEqual([]);
    // Mail.ru: two details of 1 each, a summary of 1: the summary counts, and that is said.
    const ru = read['parsedmarc-mail.ru.json']!;
    expect(ru.policies[0]!.failed).toBe(1);
    expect(ru.policies[0]!.failures.map((f) => f.reasonCode)).toEqual(['bad https response code: 404', 'bad https response code: 500']);
    expect(ru.warnings).toEqual(['policies[0]: the failure details add up to 2 sessions, the summary says 1: the summary is counted']);
    expect(read['parsedmarc-smtp_tls.json']!.policies[0]).toMatchObject({ successful: 0, failed: 3, domain: 'example.com' });
  });
});

describe('our fixtures, in the senders’ dialects', () => {
  it('reads Google’s (mx-host array), Microsoft’s (no zone, reason code, additional-information) and a relay’s (fractional seconds, an unknown result type)', () => {
    const g = ok(readFileSync(join(FIXTURES, 'google-enforce.json'), 'utf8'));
    expect(g.policies[0]).toMatchObject({ mode: 'enforce', mxHosts: ['mx1.example.net', 'mx2.example.net'], successful: 940, failed: 60 });
    expect(g.policies[0]!.failures.map((f) => [f.sendingIp, f.receivingIp, f.receivingMx, f.failed])).toEqual([
      ['209.85.220.41', '192.0.2.25', 'mx2.example.net', 48],
      ['209.85.220.69', '192.0.2.25', 'mx2.example.net', 12],
    ]);
    const m = ok(readFileSync(join(FIXTURES, 'microsoft-enforce.json'), 'utf8'));
    expect(m.policies[0]!.failures[0]).toEqual({
      resultType: 'validation-failure',
      known: true,
      sendingIp: '2a01:111:f403:c200::1',
      receivingMx: 'mx2.example.net',
      receivingIp: '192.0.2.25',
      failed: 2,
      reasonCode: 'X509_V_ERR_CERT_HAS_EXPIRED',
      additionalInformation: 'https://aka.ms/tlsrpt-details',
    });
    const u = ok(readFileSync(join(FIXTURES, 'unknown-result.json'), 'utf8'));
    expect(new Date(u.start!).toISOString()).toBe('2026-03-04T00:00:00.123Z');
    expect(u.policies[0]!.failures.map((f) => [f.resultType, f.known])).toEqual([
      ['starttls-not-supported', true],
      ['tls-version-too-old', false],
    ]);
    const n = ok(readFileSync(join(FIXTURES, 'no-policy-found.json'), 'utf8'));
    expect(n.policies[0]).toMatchObject({ type: 'no-policy-found', mode: null, successful: 120 });
  });
});

describe('broken reports: each named, none thrown', () => {
  it('malformed JSON is not-json', () => {
    expect(bad('{"organization-name": "x", ').problem).toBe('not-json');
    expect(bad('').problem).toBe('not-json');
  });

  it('JSON that is no report object is not-a-report, saying what it is', () => {
    expect(bad('[1,2]')).toEqual({ problem: 'not-a-report', detail: 'the JSON text is an array, not an object' });
    expect(bad('"text"')).toEqual({ problem: 'not-a-report', detail: 'the JSON text is a string, not an object' });
    expect(bad('{"organization-name":"x"}')).toEqual({ problem: 'not-a-report', detail: 'policies is missing' });
    expect(bad('{"policies":{}}')).toEqual({ problem: 'not-a-report', detail: 'policies is an object, not an array' });
  });

  it('a count of the wrong type names the field', () => {
    expect(bad(report({}, { summary: { 'total-successful-session-count': '10', 'total-failure-session-count': 0 } }))).toEqual({
      problem: 'not-a-report',
      detail: 'policies[0].summary.total-successful-session-count is a string, not a whole number',
    });
    expect(bad(report({}, { summary: { 'total-successful-session-count': 1.5, 'total-failure-session-count': 0 } })).detail).toBe(
      'policies[0].summary.total-successful-session-count is a fraction, not a whole number',
    );
    expect(bad(report({}, { summary: { 'total-successful-session-count': 1, 'total-failure-session-count': -3 } })).detail).toBe('policies[0].summary.total-failure-session-count is negative (-3)');
    expect(bad(report({}, { summary: { 'total-successful-session-count': 1e13, 'total-failure-session-count': 0 } })).detail).toMatch(/^policies\[0\]\.summary\.total-successful-session-count is 10000000000000, more sessions/);
  });

  it('missing required fields: the policy is left out and said; with none left, not a report', () => {
    expect(bad(report({}, { policy: { 'policy-type': 'sts' } })).detail).toBe('policies[0].policy.policy-domain is missing');
    expect(bad(report({}, { policy: { 'policy-domain': 'x.example' } })).detail).toBe('policies[0].policy.policy-type is missing');
    expect(bad(report({}, { summary: undefined })).detail).toBe('policies[0].summary is missing');
    const two = JSON.parse(report()) as { policies: unknown[] };
    two.policies.push({ policy: { 'policy-type': 'sts' }, summary: {} });
    const r = ok(JSON.stringify(two));
    expect(r.policies).toHaveLength(1);
    expect(r.warnings).toEqual(['policies[1].policy.policy-domain is missing: that policy is not counted']);
  });

  it('a failure detail without its count or result type is left out, and said', () => {
    const r = ok(report({}, { summary: { 'total-successful-session-count': 1, 'total-failure-session-count': 2 }, 'failure-details': [{ 'result-type': 'certificate-expired' }, { 'failed-session-count': 2 }, 'x'] }));
    expect(r.policies[0]!.failures).toEqual([]);
    expect(r.warnings).toEqual([
      'policies[0].failure-details[0]: failed-session-count is missing: left out',
      'policies[0].failure-details[1] has no result-type: left out',
      'policies[0].failure-details[2] is a string, not an object: left out',
      'policies[0]: 2 failed sessions without failure details',
    ]);
  });

  it('missing organization-name and report-id are warnings, not fatal', () => {
    const r = ok(report({ 'organization-name': undefined, 'report-id': undefined }));
    expect([r.organization, r.reportId]).toEqual([null, null]);
    expect(r.warnings).toEqual(['organization-name is missing', 'report-id is missing: duplicates of this report cannot be recognised']);
  });

  it('dates: with or without fractional seconds, Z or an offset, no zone (UTC, said), impossible or missing ones (counted, not placed in time), out of order', () => {
    expect(parseDateTime('2026-03-01T00:00:00Z')).toEqual({ ms: Date.UTC(2026, 2, 1), zoneless: false });
    expect(parseDateTime('2026-03-01T00:00:00.5Z')).toEqual({ ms: Date.UTC(2026, 2, 1, 0, 0, 0, 500), zoneless: false });
    expect(parseDateTime('2026-03-01T02:00:00+02:00')).toEqual({ ms: Date.UTC(2026, 2, 1), zoneless: false });
    expect(parseDateTime('2026-03-01T02:00:00+0200')).toEqual({ ms: Date.UTC(2026, 2, 1), zoneless: false });
    expect(parseDateTime('2026-03-01T00:00:00')).toEqual({ ms: Date.UTC(2026, 2, 1), zoneless: true });
    expect(parseDateTime('2026-02-31T00:00:00Z')).toBeNull();
    expect(parseDateTime('yesterday')).toBeNull();
    const r = ok(report({ 'date-range': { 'start-datetime': '2026-02-30T00:00:00Z', 'end-datetime': 7 } }));
    expect([r.start, r.end]).toEqual([null, null]);
    expect(r.warnings).toEqual([
      'date-range.start-datetime "2026-02-30T00:00:00Z" is not an RFC 3339 date-time: the report is counted but not placed in time',
      'date-range.end-datetime is a whole number: the report is counted but not placed in time',
    ]);
    const back = ok(report({ 'date-range': { 'start-datetime': '2026-03-02T00:00:00Z', 'end-datetime': '2026-03-01T00:00:00Z' } }));
    expect(back.warnings).toEqual(['date-range ends before it starts']);
    expect(ok(report({ 'date-range': undefined })).warnings).toEqual(['date-range is missing: the report is counted but not placed in time']);
  });

  it('bounds: long strings clipped, too many policies or failure details counted up to the bound, and said as limits', () => {
    const long = ok(report({ 'organization-name': 'x'.repeat(5000) }));
    expect(long.organization).toHaveLength(REPORT_LIMITS.stringLength);
    expect(long.warnings).toEqual([`organization-name is 5000 characters long: clipped to ${REPORT_LIMITS.stringLength}`]);
    const one = { policy: { 'policy-type': 'sts', 'policy-domain': 'example.net' }, summary: { 'total-successful-session-count': 1, 'total-failure-session-count': 0 } };
    const many = ok(report({ policies: Array.from({ length: REPORT_LIMITS.policies + 5 }, () => one) }));
    expect(many.policies).toHaveLength(REPORT_LIMITS.policies);
    expect(many.limits).toEqual([`${REPORT_LIMITS.policies + 5} policies: only the first ${REPORT_LIMITS.policies} counted`]);
    const details = Array.from({ length: REPORT_LIMITS.failureDetails + 1 }, () => ({ 'result-type': 'certificate-expired', 'failed-session-count': 1 }));
    const d = ok(report({}, { summary: { 'total-successful-session-count': 0, 'total-failure-session-count': details.length }, 'failure-details': details }));
    expect(d.policies[0]!.failures).toHaveLength(REPORT_LIMITS.failureDetails);
    expect(d.limits).toEqual([`policies[0].failure-details has ${REPORT_LIMITS.failureDetails + 1} entries: only the first ${REPORT_LIMITS.failureDetails} read`]);
    expect(parseTlsRptReport(' '.repeat(REPORT_LIMITS.reportBytes + 1))).toMatchObject({ ok: false, problem: 'too-large' });
  });

  it('an unknown policy-type is kept as sent, and said', () => {
    const r = ok(report({}, { policy: { 'policy-type': 'DANE-TA', 'policy-domain': 'Example.NET.' } }));
    expect(r.policies[0]).toMatchObject({ type: 'other', typeAsSent: 'DANE-TA', domain: 'example.net' });
    expect(r.warnings).toEqual(['policies[0].policy.policy-type "DANE-TA" is none of RFC 8460\'s (sts, tlsa, no-policy-found)']);
  });

  it('a byte-order mark before the JSON is allowed', () => {
    expect(ok(`\ufeff${report()}`).organization).toBe('Org');
  });

  it('never throws, whatever the text or the JSON', () => {
    fc.assert(fc.property(fc.string(), (s) => typeof parseTlsRptReport(s).ok === 'boolean'), { numRuns: 300 });
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), fc.jsonValue(), (a, b, c) => {
        const texts = [JSON.stringify(a), JSON.stringify({ policies: [a, { policy: b, summary: c, 'failure-details': a }], 'date-range': b }), JSON.stringify({ policies: a, 'date-range': { 'start-datetime': c } })];
        return texts.every((t) => typeof parseTlsRptReport(t).ok === 'boolean');
      }),
      { numRuns: 300 },
    );
  });
});
