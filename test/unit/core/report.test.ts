import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXIT, exitCodeFor, judgedWith } from '../../../src/core/report.js';
import type { Report, Verdict } from '../../../src/core/schema.js';
import { isDateTime, MAX_SAVED_REPORT_BYTES, parseSavedReport } from '../../../src/core/saved-report.js';
import { UsageError } from '../../../src/core/errors.js';
import { SCHEMA_VERSION } from '../../../src/core/version.js';
import { makeFinding } from '../../../src/kb/index.js';

const FIXTURE = readFileSync(new URL('../../fixtures/report-sni-dependent.json', import.meta.url), 'utf8');
const saved = JSON.parse(FIXTURE) as Report;

describe('exitCodeFor: one rule for every report', () => {
  it.each([
    ['pass', 0],
    ['warn', 0],
    ['not-applicable', 0],
    ['fail', 1],
    ['inconclusive', 3],
  ] as [Verdict, number][])('%s → %i', (verdict, code) => {
    expect(exitCodeFor({ verdict, findings: [makeFinding('dns.null-mx', { domain: 'd' })] })).toBe(code);
  });

  it('our own bug outranks every verdict: exit 4', () => {
    const bug = makeFinding('mxray.internal-error', { host: 'h', detail: 'x' });
    for (const verdict of ['pass', 'fail', 'inconclusive'] as Verdict[]) expect(exitCodeFor({ verdict, findings: [makeFinding('dns.null-mx', { domain: 'd' }), bug] })).toBe(EXIT.internal);
    expect(EXIT).toEqual({ ok: 0, problems: 1, usage: 2, untestable: 3, internal: 4 });
  });
});

describe('judgedWith: what a verdict was judged against', () => {
  it('records the moment, profile, trust store provenance (a copy) and options', () => {
    const extraCaFiles = [{ name: 'corp.pem', sha256: 'A'.repeat(64) }];
    const store = { description: 'Node roots + corp.pem', provenance: { bundledRootsOfNode: '20.20.2', extraCaFiles } };
    const j = judgedWith({ at: Date.parse('2026-03-01T12:00:00Z'), profile: { name: 'p', version: 3 }, trustStore: store as never, warnDays: 14, expectThumbprint: 'AB' });
    expect(j).toEqual({
      at: '2026-03-01T12:00:00.000Z',
      profile: { name: 'p', version: 3 },
      trustStore: { description: 'Node roots + corp.pem', bundledRootsOfNode: '20.20.2', extraCaFiles: [{ name: 'corp.pem', sha256: 'A'.repeat(64) }] },
      options: { warnDays: 14, expectThumbprint: 'AB' },
      rejudged: false,
    });
    expect(j.trustStore.extraCaFiles[0]).not.toBe(extraCaFiles[0]);
    // A store without provenance: nothing claimed.
    const bare = judgedWith({ at: 0, profile: { name: 'p', version: 1 }, trustStore: { description: 'd' } as never, warnDays: 30, expectThumbprint: null });
    expect(bare.trustStore).toEqual({ description: 'd', bundledRootsOfNode: null, extraCaFiles: [] });
  });
});

describe('parseSavedReport: a saved report is input like any other', () => {
  const refused = (text: string, message: RegExp) => {
    let err: unknown;
    try {
      parseSavedReport(text, 'r.json');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toMatch(message);
    // About the file, not the command line: no "see --help".
    expect((err as UsageError).helpful).toBe(false);
  };

  it('gives back a valid report as it was saved', () => {
    expect(parseSavedReport(FIXTURE, 'r.json')).toEqual(saved);
  });

  it('refuses what is too large, not JSON, not a report, of another version, or off the schema: one line each', () => {
    refused(' '.repeat(MAX_SAVED_REPORT_BYTES + 1), /^r\.json is larger than 64 MiB: not a report mxray wrote$/);
    // The bound itself is still read: a report padded to exactly 64 MiB comes back.
    expect(parseSavedReport(FIXTURE.padEnd(MAX_SAVED_REPORT_BYTES), 'r.json')).toEqual(saved);
    expect(MAX_SAVED_REPORT_BYTES).toBe(64 * 1024 * 1024);
    refused('{"a":', /^r\.json is not JSON: /);
    refused('null', /^r\.json is not an mxray report \(no schemaVersion\)$/);
    refused('[1]', /no schemaVersion/);
    for (const primitive of ['"2.2"', '7', 'true']) refused(primitive, /^r\.json is not an mxray report \(no schemaVersion\)$/);
    refused('{"kind":"receiver"}', /no schemaVersion/);
    refused(JSON.stringify({ ...saved, schemaVersion: '1.0' }), new RegExp(`^r\\.json is a report of schema version 1\\.0; this mxray reads version ${SCHEMA_VERSION.replace('.', '\\.')} \\(run the test again\\)$`));
    refused(JSON.stringify({ ...saved, schemaVersion: 'x'.repeat(100) }), /schema version x{20};/);
    refused(JSON.stringify({ ...saved, verdict: 'great' }), /^r\.json is not a valid mxray report: \/verdict: /);
    refused(JSON.stringify({ ...saved, extra: 1 }), /^r\.json is not a valid mxray report: /);
  });

  it('checks dates as dates: the format, and a real day', () => {
    refused(JSON.stringify({ ...saved, startedAt: 'yesterday' }), /\/startedAt/);
    refused(JSON.stringify({ ...saved, startedAt: '2026-02-31T10:00:00Z' }), /\/startedAt/);
    refused(JSON.stringify({ ...saved, startedAt: `x${saved.startedAt}` }), /\/startedAt/);
    refused(JSON.stringify({ ...saved, startedAt: `${saved.startedAt}x` }), /\/startedAt/);
    expect(parseSavedReport(JSON.stringify({ ...saved, startedAt: '2026-03-01T10:00:00+02:00' }), 'r.json').startedAt).toBe('2026-03-01T10:00:00+02:00');
  });
});

describe('isDateTime', () => {
  it('takes RFC 3339 moments that exist, and nothing else (not the expanded years "+002026" that Date.parse takes)', () => {
    for (const ok of ['2026-03-01T12:00:00Z', '2026-03-01T12:00:00.123Z', '2024-02-29T00:00:00+01:00', '2026-12-31T23:59:59-05:00', '2026-01-31T00:00:00Z'])
      expect(isDateTime(ok), ok).toBe(true);
    for (const bad of ['2026-02-29T00:00:00Z', '2026-02-31T10:00:00Z', '2026-04-31T00:00:00Z', '2026-13-01T00:00:00Z', '2026-00-10T00:00:00Z', '2026-03-00T00:00:00Z', '2026-03-01', '2026-03-01 12:00:00Z', '2026-03-01T12:00:00', 'x2026-03-01T12:00:00Z', '2026-03-01T12:00:00Zx', '2026-03-01T25:00:00Z', '+002026-03-01T12:00:00Z', '-002026-03-01T12:00:00Z'])
      expect(isDateTime(bad), bad).toBe(false);
  });
});
