// Many reports summed (duplicates once, days in order, worst policy first) and judged: the
// severity by failed share, one finding per result type with its explanation, what reading met.
import { describe, expect, it } from 'vitest';
import { FAILURE_SHARE_ERROR, parseTlsRptReport, RESULT_TYPE_FINDINGS, summariseReports, tlsRptCheck, type ParsedReport, type ReadReport } from '../../../src/checks/tlsrpt/index.js';
import { TLSRPT_RESULT_TYPES } from '../../../src/core/tlsrpt-vocabulary.js';
import type { TlsRptBody, TlsRptProblem } from '../../../src/core/tlsrpt-schema.js';
import { kbEntry } from '../../../src/kb/index.js';

interface Spec {
  org?: string;
  id?: string | null;
  start?: string | null;
  domain?: string;
  type?: string;
  ok?: number;
  failed?: number;
  details?: { 'result-type': string; 'failed-session-count': number; 'receiving-mx-hostname'?: string; 'failure-reason-code'?: string }[];
}

function parsed(s: Spec): ParsedReport {
  const text = JSON.stringify({
    'organization-name': s.org ?? 'Google Inc.',
    ...(s.id === null ? {} : { 'report-id': s.id ?? 'r1' }),
    ...(s.start === null ? {} : { 'date-range': { 'start-datetime': s.start ?? '2026-03-01T00:00:00Z', 'end-datetime': (s.start ?? '2026-03-01T00:00:00Z').replace('T00:00:00', 'T23:59:59') } }),
    policies: [
      {
        policy: { 'policy-type': s.type ?? 'sts', 'policy-domain': s.domain ?? 'example.net' },
        summary: { 'total-successful-session-count': s.ok ?? 100, 'total-failure-session-count': s.failed ?? (s.details ?? []).reduce((a, d) => a + d['failed-session-count'], 0) },
        ...(s.details ? { 'failure-details': s.details } : {}),
      },
    ],
  });
  const r = parseTlsRptReport(text);
  if (!r.ok) throw new Error(r.detail);
  return r.report;
}

function body(reports: ReadReport[], problems: TlsRptProblem[] = []): TlsRptBody {
  return summariseReports({ reports, problems, files: reports.length + problems.length, messages: 0, limits: [] });
}

const read = (source: string, s: Spec): ReadReport => ({ source, report: parsed(s) });
const ids = (b: TlsRptBody) => tlsRptCheck.assess({ body: b }).map((f) => f.id).sort();

describe('summing reports', () => {
  it('counts a report read twice (same organization-name and report-id) once, and names the copy', () => {
    const b = body([read('a.json', { failed: 5, details: [{ 'result-type': 'certificate-expired', 'failed-session-count': 5 }] }), read('inbox message 2', { failed: 5, details: [{ 'result-type': 'certificate-expired', 'failed-session-count': 5 }] })]);
    expect(b.inputs).toEqual({ files: 2, messages: 0, documents: 2, reports: 1, duplicates: 1, unreadable: 1 });
    expect(b.totals).toEqual({ successful: 100, failed: 5 });
    expect(b.problems).toEqual([{ source: 'inbox message 2', problem: 'duplicate', detail: 'the same organization-name and report-id as a.json: counted once' }]);
    expect(b.reports.map((r) => r.source)).toEqual(['a.json']);
  });

  it('does not take reports for duplicates when the organisation differs, or when they have no report-id', () => {
    const b = body([read('a', { org: 'Google Inc.' }), read('b', { org: 'Microsoft Corporation' }), read('c', { id: null }), read('d', { id: null })]);
    expect([b.inputs.reports, b.inputs.duplicates, b.totals.successful]).toEqual([4, 0, 400]);
  });

  it('puts sessions on the UTC day each report starts, days in order whatever order the reports came in; undated ones in the totals only', () => {
    const b = body([
      read('3', { id: '3', start: '2026-03-03T00:00:00Z', ok: 30, failed: 3, details: [{ 'result-type': 'starttls-not-supported', 'failed-session-count': 3 }] }),
      read('1', { id: '1', start: '2026-03-01T00:00:00Z', ok: 10 }),
      read('1b', { id: '1b', start: '2026-03-01T00:00:00Z', ok: 5 }),
      read('x', { id: 'x', start: null, ok: 7 }),
    ]);
    expect(b.daily).toEqual([
      { day: '2026-03-01', successful: 15, failed: 0 },
      { day: '2026-03-03', successful: 30, failed: 3 },
    ]);
    expect(b.undated).toEqual({ reports: 1, successful: 7, failed: 0 });
    expect(b.period).toEqual({ start: '2026-03-01T00:00:00.000Z', end: '2026-03-03T23:59:59.000Z' });
    expect(b.totals).toEqual({ successful: 52, failed: 3 });
  });

  it('sums per policy and per MX host and result type, worst policy first', () => {
    const b = body([
      read('a', { id: 'a', domain: 'good.example', ok: 1000, failed: 1, details: [{ 'result-type': 'validation-failure', 'failed-session-count': 1, 'receiving-mx-hostname': 'MX.good.example.' }] }),
      read('b', { id: 'b', domain: 'bad.example', ok: 50, details: [{ 'result-type': 'certificate-expired', 'failed-session-count': 30, 'receiving-mx-hostname': 'mx2.bad.example' }, { 'result-type': 'certificate-expired', 'failed-session-count': 20, 'receiving-mx-hostname': 'mx2.bad.example' }] }),
      read('c', { id: 'c', domain: 'bad.example', type: 'tlsa', ok: 10 }),
    ]);
    expect(b.policies.map((p) => [p.policyDomain, p.policyType, p.successful, p.failed, p.failedShare])).toEqual([
      ['bad.example', 'sts', 50, 50, 0.5],
      ['good.example', 'sts', 1000, 1, 1 / 1001],
      ['bad.example', 'tlsa', 10, 0, 0],
    ]);
    expect(b.policies[0]!.failures.map((g) => [g.receivingMx, g.resultType, g.failed])).toEqual([['mx2.bad.example', 'certificate-expired', 50]]);
    expect(b.policies[1]!.failures[0]!.receivingMx).toBe('mx.good.example');
  });
});

describe('judging', () => {
  it('no failure: all-successful (ok)', () => {
    expect(ids(body([read('a', {})]))).toEqual(['tls-rpt.all-successful']);
  });

  it('the failed share decides the severity: 2 % and more is an error, under it a warning', () => {
    // 2 of 100 sessions is exactly 2 %.
    const at = body([read('a', { ok: 98, details: [{ 'result-type': 'certificate-expired', 'failed-session-count': 2 }] })]);
    expect(at.policies[0]!.failedShare).toBe(FAILURE_SHARE_ERROR);
    expect(ids(at)).toEqual(['tls-rpt.certificate-expired', 'tls-rpt.failures-reported']);
    const under = body([read('a', { ok: 99, details: [{ 'result-type': 'certificate-expired', 'failed-session-count': 1 }] })]);
    expect(ids(under)).toEqual(['tls-rpt.certificate-expired', 'tls-rpt.failures-occasional']);
    const [reported] = tlsRptCheck.assess({ body: at });
    expect(reported).toMatchObject({ id: 'tls-rpt.failures-reported', severity: 'error', hosts: [] });
    expect(reported!.title).toBe('2 of 100 sessions to example.net failed TLS (2.0 %, sts policy): certificate-expired 2');
  });

  it('explains every RFC 8460 result type with its own finding, and an unknown one as such', () => {
    expect(Object.keys(RESULT_TYPE_FINDINGS).sort()).toEqual([...TLSRPT_RESULT_TYPES].sort());
    for (const type of TLSRPT_RESULT_TYPES) {
      const b = body([read('a', { details: [{ 'result-type': type, 'failed-session-count': 3, 'receiving-mx-hostname': 'mx1.example.net' }] })]);
      const f = tlsRptCheck.assess({ body: b }).find((x) => x.id !== 'tls-rpt.failures-reported');
      expect(f?.id, type).toBe(`tls-rpt.${type}`);
      expect(f?.facts, type).toMatchObject({ resultType: type, failed: 3, domains: 'example.net', reporters: 'Google Inc.' });
      // The explanation names the receiver test's finding (or the posture's) that shows the same from outside.
      expect(kbEntry(f!.id).detail, type).toMatch(/`(cert|starttls|tls|dns|mta-sts)\.[a-z-]+`/);
    }
    const u = body([read('a', { details: [{ 'result-type': 'tls-version-too-old', 'failed-session-count': 1, 'receiving-mx-hostname': 'mx3.example.net', 'failure-reason-code': 'TLSv1.0 only' }] })]);
    const unknown = tlsRptCheck.assess({ body: u }).find((x) => x.id === 'tls-rpt.unknown-result-type');
    expect(unknown).toMatchObject({ severity: 'warning', hosts: ['mx3.example.net'], facts: { resultType: 'tls-version-too-old', reasons: 'TLSv1.0 only', hosts: 'mx3.example.net' } });
  });

  it('the per-MTA fixes are there where MTAs differ', () => {
    for (const id of ['tls-rpt.starttls-not-supported', 'tls-rpt.certificate-expired', 'tls-rpt.certificate-host-mismatch', 'tls-rpt.certificate-not-trusted', 'tls-rpt.validation-failure'] as const) {
      const r = kbEntry(id).remediation;
      expect([r.exchange?.length ?? 0, r.postfix?.length ?? 0, r.exim?.length ?? 0].every((n) => n > 0), id).toBe(true);
    }
  });

  it('no report read: no-reports (inconclusive), with the unreadable inputs named', () => {
    const b = body([], [{ source: 'x.json', problem: 'not-json', detail: 'Unexpected end of JSON input' }]);
    expect(ids(b)).toEqual(['tls-rpt.malformed-report', 'tls-rpt.no-reports']);
    expect(kbEntry('tls-rpt.no-reports').inconclusive).toBe(true);
  });

  it('unreadable inputs beside good reports: malformed-report (a warning) naming them; duplicates a note', () => {
    const b = body([read('a', {}), read('a2', {})], [{ source: 'inbox message 3', problem: 'no-report', detail: 'no TLS-RPT report attached' }]);
    const found = tlsRptCheck.assess({ body: b });
    expect(found.map((f) => f.id).sort()).toEqual(['tls-rpt.all-successful', 'tls-rpt.duplicate-reports', 'tls-rpt.malformed-report']);
    expect(found.find((f) => f.id === 'tls-rpt.malformed-report')).toMatchObject({ severity: 'warning', facts: { count: 1, inputs: 3, examples: 'inbox message 3 (no-report)' } });
    expect(found.find((f) => f.id === 'tls-rpt.duplicate-reports')).toMatchObject({ severity: 'info', facts: { count: 1, example: 'a2' } });
  });

  it('no-policy-found sessions are a note; deviations a note; bounds reached a warning', () => {
    const b = summariseReports({ reports: [read('a', { type: 'no-policy-found', domain: 'example.org', ok: 12, start: null })], problems: [], files: 1, messages: 0, limits: ['x: more than 100000 files: the rest not read'] });
    expect(ids(b)).toEqual(['tls-rpt.all-successful', 'tls-rpt.limit-reached', 'tls-rpt.no-policy-found', 'tls-rpt.report-irregular']);
  });
});
