// The ReportStore port (src/core/report-store.ts) against both stores — SQLite in a file and
// PostgreSQL (a server of this file's own, a database per test) — with the same expectations:
// storing and reading back, the search (text, filters, order, paging, count), "the previous run",
// the certificates' expiry timeline, deleting, and every bound on what a caller hands in.
import { describe, expect, it } from 'vitest';
import { MxrayError } from '../../../src/core/errors.js';
import type { StoredCertificate, StoredReportMeta } from '../../../src/core/report-store.js';
import type { MxrayStore } from '../../../src/store/index.js';
import { useFlavours } from './flavours.js';

const FLAVOURS = useFlavours();

/** A report id: 22 characters, `prefix` then the number. */
function rid(n: number, prefix = 'r'): string {
  return `${prefix}${String(n).padStart(22 - prefix.length, '0')}`;
}

/** The moment `seconds` after 2026-11-30T10:00:00Z, in the stored form. */
function at(seconds: number): string {
  return new Date(Date.UTC(2026, 10, 30, 10, 0, 0) + seconds * 1000).toISOString();
}

function body(id: string): string {
  return `{"id":"${id}","note":"café"}`;
}

function meta(id: string, over: Partial<StoredReportMeta> = {}): StoredReportMeta {
  return {
    id,
    kind: 'receiver',
    target: 'example.com',
    domain: 'example.com',
    hosts: ['mx1.example.com'],
    verdict: 'pass',
    startedAt: at(0),
    storedAt: at(1),
    durationMs: 1234,
    owner: null,
    request: '{"kind":"receiver","params":{"target":"example.com"}}',
    // "café": é is two bytes in UTF-8.
    bytes: Buffer.byteLength(body(id), 'utf8'),
    ...over,
  };
}

function cert(reportId: string, host: string, notAfter: string, mark: string): StoredCertificate {
  return { reportId, host, subject: `CN=${host}`, notAfter, sha256: mark.repeat(64).slice(0, 64) };
}

async function add(store: MxrayStore, m: StoredReportMeta, certificates?: StoredCertificate[]): Promise<void> {
  await store.addReport(m, body(m.id), certificates);
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => null,
    (err: unknown) => err,
  );
}

function expectCode(err: unknown, code: string, detail: string): void {
  expect(err).toBeInstanceOf(MxrayError);
  expect([(err as MxrayError).code, (err as MxrayError).detail]).toEqual([code, detail]);
}

const ids = (metas: StoredReportMeta[]): string[] => metas.map((m) => m.id);

describe.each(FLAVOURS)('the $name report store', (flavour) => {
  it('says what it is', async (ctx) => {
    const store = await flavour.open(ctx);
    expect(store.description).toBe(flavour.description());
    expect(store.description).not.toMatch(/password|@/);
  });

  it('gives back a report and its meta as stored, and nothing for an id it never saw', async (ctx) => {
    const store = await flavour.open(ctx);
    const m = meta(rid(1), { hosts: ['mx2.example.com', 'mx1.example.com'], owner: 'alice', durationMs: 86_400_000 * 40 });
    await add(store, m);
    expect(await store.getMeta(m.id)).toEqual(m);
    expect(await store.getReport(m.id)).toEqual({ meta: m, report: body(m.id) });
    // Numbers come back as numbers (pg gives bigint columns as text).
    expect(typeof (await store.getMeta(m.id))?.durationMs).toBe('number');
    expect(await store.getMeta(rid(2))).toBeNull();
    expect(await store.getReport(rid(2))).toBeNull();
    // Not an id at all: nothing, without asking the database.
    for (const bad of ['', 'short', `${rid(1)}x`, "r'; drop table reports; --x", 'x'.repeat(10_000)]) {
      expect(await store.getMeta(bad)).toBeNull();
      expect(await store.getReport(bad)).toBeNull();
    }
  });

  it('keeps a meta without domain, owner or request, and a report without hosts', async (ctx) => {
    const store = await flavour.open(ctx);
    const m = meta(rid(1), { kind: 'logs', target: 'mail.log', domain: null, hosts: [], owner: null, request: null, durationMs: 0 });
    await add(store, m);
    expect(await store.getMeta(m.id)).toEqual(m);
  });

  it('normalises: moments to the one ISO form, domain and hosts to lower case, hosts without repeats, bytes measured', async (ctx) => {
    const store = await flavour.open(ctx);
    await store.addReport(
      { ...meta(rid(1)), startedAt: '2026-11-30T11:00+01:00', storedAt: '2026-11-30T10:00:01Z', domain: 'Example.COM', hosts: ['MX1.Example.com', 'mx1.example.com', 'mx2.example.com'], bytes: 1, durationMs: 12.6 },
      'é',
    );
    expect(await store.getMeta(rid(1))).toEqual({ ...meta(rid(1)), startedAt: at(0), storedAt: at(1), domain: 'example.com', hosts: ['mx1.example.com', 'mx2.example.com'], bytes: 2, durationMs: 13 });
  });

  it('refuses an id that exists already, and keeps the first report', async (ctx) => {
    const store = await flavour.open(ctx);
    const first = meta(rid(1), { target: 'first.example' });
    await add(store, first, [cert(rid(1), 'mx.first.example', at(100), 'a')]);
    const err = await rejection(store.addReport(meta(rid(1), { target: 'second.example', hosts: ['mx.second.example'] }), '{"second":true}', [cert(rid(1), 'mx.second.example', at(50), 'b')]));
    expectCode(err, 'internal-error', 'duplicate-id');
    expect(await store.getReport(rid(1))).toEqual({ meta: first, report: body(rid(1)) });
    // Nothing of the second went in: not its hosts, not its certificates.
    expect(await store.searchReports({ text: 'second' })).toEqual([]);
    expect(await store.latestCertificates()).toEqual([cert(rid(1), 'mx.first.example', at(100), 'a')]);
  });

  it('refuses, naming the field, what it cannot keep — and stores nothing then', async (ctx) => {
    const store = await flavour.open(ctx);
    const cases: [StoredReportMeta, string, StoredCertificate[], string][] = [
      [meta('too-short'), body('x'), [], 'bad-id'],
      [meta(`${'a'.repeat(21)}.`), body('x'), [], 'bad-id'],
      [meta(rid(1), { target: 't'.repeat(501) }), body('x'), [], 'bad-target'],
      [meta(rid(1), { target: '' }), body('x'), [], 'bad-target'],
      [meta(rid(1), { target: 'nul\u0000.example' }), body('x'), [], 'bad-target'],
      [meta(rid(1), { kind: 'k'.repeat(65) }), body('x'), [], 'bad-kind'],
      [meta(rid(1), { verdict: '' }), body('x'), [], 'bad-verdict'],
      [meta(rid(1), { owner: 'o'.repeat(256) }), body('x'), [], 'bad-owner'],
      [meta(rid(1), { domain: 'd'.repeat(256) }), body('x'), [], 'bad-domain'],
      [meta(rid(1), { hosts: ['ok.example', ''] }), body('x'), [], 'bad-host'],
      [meta(rid(1), { storedAt: 'yesterday' }), body('x'), [], 'bad-moment'],
      [meta(rid(1), { startedAt: '+010000-01-01T00:00:00.000Z' }), body('x'), [], 'bad-moment'],
      [meta(rid(1), { durationMs: -1 }), body('x'), [], 'bad-duration'],
      [meta(rid(1), { durationMs: Number.NaN }), body('x'), [], 'bad-duration'],
      [meta(rid(1), { request: 'r'.repeat(64 * 1024 + 1) }), body('x'), [], 'bad-request'],
      [meta(rid(1)), '{"nul":"\u0000"}', [], 'bad-report'],
      [meta(rid(1)), 'x'.repeat(16 * 1024 * 1024 + 1), [], 'report-too-large'],
      [meta(rid(1)), body('x'), [cert(rid(2), 'mx.example', at(9), 'a')], 'bad-certificate'],
      [meta(rid(1)), body('x'), [{ ...cert(rid(1), 'mx.example', at(9), 'a'), sha256: 'A'.repeat(64) }], 'bad-certificate'],
      [meta(rid(1)), body('x'), [cert(rid(1), 'mx.example', 'soon', 'a')], 'bad-moment'],
    ];
    for (const [m, report, certs, detail] of cases) expectCode(await rejection(store.addReport(m, report, certs)), 'invalid-input', detail);
    expect(await store.countReports({})).toBe(0);
    expect(await store.latestCertificates()).toEqual([]);
  });

  it('keeps a report of 16 MiB (counted in UTF-8 bytes) and refuses one byte more', async (ctx) => {
    const store = await flavour.open(ctx);
    const exact = 'é'.repeat(8 * 1024 * 1024);
    await store.addReport(meta(rid(1)), exact);
    expect((await store.getMeta(rid(1)))?.bytes).toBe(16 * 1024 * 1024);
    expect((await store.getReport(rid(1)))?.report.length).toBe(8 * 1024 * 1024);
    // Fewer characters than the limit, more bytes.
    expectCode(await rejection(store.addReport(meta(rid(2)), `${exact}é`)), 'invalid-input', 'report-too-large');
    expect(await store.getMeta(rid(2))).toBeNull();
  });

  it('keeps the first 50 distinct hosts of a report and drops the rest', async (ctx) => {
    const store = await flavour.open(ctx);
    const hosts = Array.from({ length: 60 }, (_, i) => `mx${i}.example.net`);
    await add(store, meta(rid(1), { hosts: ['MX0.example.net', ...hosts] }));
    expect((await store.getMeta(rid(1)))?.hosts).toEqual(hosts.slice(0, 50));
    expect(ids(await store.searchReports({ text: 'mx49.example.net' }))).toEqual([rid(1)]);
    expect(await store.searchReports({ text: 'mx50.example.net' })).toEqual([]);
  });

  it('keeps the first 200 distinct certificates of a report, cuts a huge subject, replaces NUL in it', async (ctx) => {
    const store = await flavour.open(ctx);
    const certs = Array.from({ length: 250 }, (_, i) => cert(rid(1), `h${String(i).padStart(3, '0')}.example`, at(1000 + i), 'c'));
    // A repeat (same host and thumbprint) is not counted twice.
    certs.splice(1, 0, { ...cert(rid(1), 'H000.example', at(5), 'c') });
    certs[2] = { ...(certs[2] as StoredCertificate), subject: `CN=${'x'.repeat(5000)}` };
    certs[3] = { ...(certs[3] as StoredCertificate), subject: 'CN=a\u0000b' };
    await add(store, meta(rid(1)), certs);
    const kept = await store.latestCertificates(1000);
    expect(kept.map((c) => c.host)).toEqual(Array.from({ length: 200 }, (_, i) => `h${String(i).padStart(3, '0')}.example`));
    expect(kept[1]?.subject).toBe(`CN=${'x'.repeat(996)}…`);
    expect(kept[2]?.subject).toBe('CN=a\ufffdb');
  });

  it('finds by text in the target, the domain or any host, case-insensitively, as a substring', async (ctx) => {
    const store = await flavour.open(ctx);
    await add(store, meta(rid(1), { target: 'Shop.Example.COM:587', domain: 'shop.example.com', hosts: ['mail.provider.net'], storedAt: at(1) }));
    await add(store, meta(rid(2), { target: 'mail.log', domain: null, hosts: [], kind: 'logs', storedAt: at(2) }));
    await add(store, meta(rid(3), { target: 'other.org', domain: 'other.org', hosts: ['MX.Backup-Host.org'], storedAt: at(3) }));
    await add(store, meta(rid(4), { target: 'ÉCOLE.example', domain: 'école.example', hosts: [], storedAt: at(4) }));
    expect(ids(await store.searchReports({ text: 'example.com' }))).toEqual([rid(1)]);
    expect(ids(await store.searchReports({ text: 'EXAMPLE.C' }))).toEqual([rid(1)]);
    expect(ids(await store.searchReports({ text: 'com:58' }))).toEqual([rid(1)]);
    expect(ids(await store.searchReports({ text: 'Provider' }))).toEqual([rid(1)]);
    expect(ids(await store.searchReports({ text: 'backup-h' }))).toEqual([rid(3)]);
    expect(ids(await store.searchReports({ text: '  mail.  ' }))).toEqual([rid(2), rid(1)]);
    expect(ids(await store.searchReports({ text: 'écol' }))).toEqual([rid(4)]);
    expect(ids(await store.searchReports({ text: 'ÉCOLE' }))).toEqual([rid(4)]);
    expect(await store.searchReports({ text: 'nowhere' })).toEqual([]);
    expect(ids(await store.searchReports({ text: '' }))).toEqual([rid(4), rid(3), rid(2), rid(1)]);
    expect(await store.searchReports({ text: 'example.com' })).toEqual([meta(rid(1), { target: 'Shop.Example.COM:587', domain: 'shop.example.com', hosts: ['mail.provider.net'], storedAt: at(1) })]);
  });

  it('takes %, _ and \\ in the search text literally', async (ctx) => {
    const store = await flavour.open(ctx);
    const targets = ['a%b.example', 'axb.example', 'a_b.example', 'a\\b.example', 'aXXb.example', '100%.example'];
    for (const [i, target] of targets.entries()) await add(store, meta(rid(i + 1), { target, domain: null, hosts: [], storedAt: at(i) }));
    expect(ids(await store.searchReports({ text: '%' }))).toEqual([rid(6), rid(1)]);
    expect(ids(await store.searchReports({ text: 'a%b' }))).toEqual([rid(1)]);
    expect(ids(await store.searchReports({ text: '_' }))).toEqual([rid(3)]);
    expect(ids(await store.searchReports({ text: 'a_b' }))).toEqual([rid(3)]);
    expect(ids(await store.searchReports({ text: '\\' }))).toEqual([rid(4)]);
    expect(ids(await store.searchReports({ text: 'a\\b' }))).toEqual([rid(4)]);
    expect(ids(await store.searchReports({ text: '\\%' }))).toEqual([]);
    expect(ids(await store.searchReports({ text: '%%' }))).toEqual([]);
    expect(await store.countReports({ text: '_' })).toBe(1);
    // In a host too.
    await add(store, meta(rid(9), { target: 't.example', hosts: ['under_score.example'], storedAt: at(9) }));
    expect(ids(await store.searchReports({ text: 'r_s' }))).toEqual([rid(9)]);
    expect(ids(await store.searchReports({ text: '_' }))).toEqual([rid(9), rid(3)]);
  });

  it('filters by kind, verdict, owner and the stored moment (since inclusive, until exclusive)', async (ctx) => {
    const store = await flavour.open(ctx);
    await add(store, meta(rid(1), { kind: 'receiver', verdict: 'pass', owner: 'alice', storedAt: at(10) }));
    await add(store, meta(rid(2), { kind: 'certificate', verdict: 'fail', owner: 'bob', storedAt: at(20) }));
    await add(store, meta(rid(3), { kind: 'receiver', verdict: 'fail', owner: null, storedAt: at(30) }));
    await add(store, meta(rid(4), { kind: 'receiver', verdict: 'pass', owner: 'alice', target: 'other.org', domain: 'other.org', hosts: [], storedAt: at(40) }));
    expect(ids(await store.searchReports({ kind: 'receiver' }))).toEqual([rid(4), rid(3), rid(1)]);
    expect(ids(await store.searchReports({ verdict: 'fail' }))).toEqual([rid(3), rid(2)]);
    expect(ids(await store.searchReports({ owner: 'alice' }))).toEqual([rid(4), rid(1)]);
    expect(ids(await store.searchReports({ kind: 'receiver', verdict: 'pass', text: 'example' }))).toEqual([rid(1)]);
    expect(ids(await store.searchReports({ since: at(20) }))).toEqual([rid(4), rid(3), rid(2)]);
    expect(ids(await store.searchReports({ until: at(20) }))).toEqual([rid(1)]);
    expect(ids(await store.searchReports({ since: at(20), until: at(40) }))).toEqual([rid(3), rid(2)]);
    // The same moments written otherwise.
    expect(ids(await store.searchReports({ since: '2026-11-30T11:00:20+01:00', until: '2026-11-30T10:00:40Z' }))).toEqual([rid(3), rid(2)]);
    expect(ids(await store.searchReports({ kind: 'nothing' }))).toEqual([]);
    expect(await store.countReports({ kind: 'receiver', verdict: 'pass' })).toBe(2);
    expect(await store.countReports({ since: at(20), until: at(40) })).toBe(2);
    expect(await store.countReports({ owner: 'bob' })).toBe(1);
    expect(await store.countReports({})).toBe(4);
    expectCode(await rejection(store.searchReports({ since: 'last week' })), 'invalid-input', 'bad-moment');
    expectCode(await rejection(store.countReports({ until: '2026-11-30' })), 'invalid-input', 'bad-moment');
  });

  it('lists newest first: by the stored moment, then by id in byte order (not the database locale’s)', async (ctx) => {
    const store = await flavour.open(ctx);
    // Same moment: byte order puts 'B…' (0x42) before 'a…' (0x61); a locale's would not.
    const upper = 'B'.repeat(22);
    const lower = 'a'.repeat(22);
    const dash = '-'.repeat(22);
    await add(store, meta(lower, { storedAt: at(5) }));
    await add(store, meta(upper, { storedAt: at(5) }));
    await add(store, meta(dash, { storedAt: at(5) }));
    await add(store, meta(rid(1), { storedAt: at(9) }));
    await add(store, meta(rid(2), { storedAt: at(1) }));
    expect(ids(await store.searchReports({}))).toEqual([rid(1), lower, upper, dash, rid(2)]);
    expect(ids(await store.searchReports({ before: { storedAt: at(5), id: lower } }))).toEqual([upper, dash, rid(2)]);
    expect(ids(await store.searchReports({ before: { storedAt: at(5), id: upper } }))).toEqual([dash, rid(2)]);
  });

  it('gives 50 unless told, never more than 500, none for 0 or less', async (ctx) => {
    const store = await flavour.open(ctx);
    for (let i = 0; i < 510; i++) await add(store, meta(rid(i), { storedAt: at(i) }));
    const newestFirst = Array.from({ length: 510 }, (_, i) => rid(509 - i));
    expect(ids(await store.searchReports({}))).toEqual(newestFirst.slice(0, 50));
    expect(ids(await store.searchReports({ limit: 3 }))).toEqual(newestFirst.slice(0, 3));
    expect(ids(await store.searchReports({ limit: 3.9 }))).toEqual(newestFirst.slice(0, 3));
    expect(ids(await store.searchReports({ limit: 10_000 }))).toEqual(newestFirst.slice(0, 500));
    expect(ids(await store.searchReports({ limit: Number.NaN }))).toEqual(newestFirst.slice(0, 50));
    expect(await store.searchReports({ limit: 0 })).toEqual([]);
    expect(await store.searchReports({ limit: -5 })).toEqual([]);
    // The count ignores paging.
    expect(await store.countReports({})).toBe(510);
  });

  it('pages with `before` through every report once, ties on the moment included, filters kept', async (ctx) => {
    const store = await flavour.open(ctx);
    const all: StoredReportMeta[] = [];
    for (let i = 0; i < 30; i++) {
      // Three reports per second: paging must go by id within a moment.
      const m = meta(rid(i, i % 2 ? 'odd' : 'even'), { storedAt: at(Math.floor(i / 3)), verdict: i % 5 === 0 ? 'fail' : 'pass' });
      all.push(m);
      await add(store, m);
    }
    const expected = [...all].sort((a, b) => (a.storedAt === b.storedAt ? (a.id < b.id ? 1 : -1) : a.storedAt < b.storedAt ? 1 : -1)).map((m) => m.id);
    const walk = async (query: { verdict?: string }): Promise<string[]> => {
      const seen: string[] = [];
      let before: { storedAt: string; id: string } | undefined;
      for (let page = 0; page < 20; page++) {
        const rows = await store.searchReports({ ...query, limit: 7, ...(before ? { before } : {}) });
        if (rows.length === 0) break;
        seen.push(...ids(rows));
        const last = rows.at(-1) as StoredReportMeta;
        before = { storedAt: last.storedAt, id: last.id };
      }
      return seen;
    };
    expect(await walk({})).toEqual(expected);
    const failing = all.filter((m) => m.verdict === 'fail').map((m) => m.id);
    expect(await walk({ verdict: 'fail' })).toEqual(expected.filter((id) => failing.includes(id)));
    expect(await store.countReports({ verdict: 'fail' })).toBe(6);
    expectCode(await rejection(store.searchReports({ before: { storedAt: at(1), id: 'not an id' } })), 'invalid-input', 'bad-id');
    expectCode(await rejection(store.searchReports({ before: { storedAt: 'now', id: rid(1) } })), 'invalid-input', 'bad-moment');
  });

  it('refuses search text over 200 characters (a 10,000-character one too), and NUL in a filter', async (ctx) => {
    const store = await flavour.open(ctx);
    await add(store, meta(rid(1), { target: 'x'.repeat(200) }));
    expect(ids(await store.searchReports({ text: 'X'.repeat(200) }))).toEqual([rid(1)]);
    expectCode(await rejection(store.searchReports({ text: 'x'.repeat(201) })), 'invalid-input', 'text-too-long');
    expectCode(await rejection(store.searchReports({ text: 'x'.repeat(10_000) })), 'invalid-input', 'text-too-long');
    expectCode(await rejection(store.countReports({ text: 'x'.repeat(10_000) })), 'invalid-input', 'text-too-long');
    expectCode(await rejection(store.searchReports({ text: 'a\u0000b' })), 'invalid-input', 'bad-text');
    expectCode(await rejection(store.searchReports({ kind: 'k\u0000' })), 'invalid-input', 'bad-filter');
    expectCode(await rejection(store.searchReports({ owner: 'o'.repeat(10_000) })), 'invalid-input', 'bad-filter');
  });

  it('finds the previous run: same kind and target (any case), stored earlier, the newest of those', async (ctx) => {
    const store = await flavour.open(ctx);
    await add(store, meta(rid(1), { target: 'example.com', storedAt: at(10) }));
    await add(store, meta(rid(2), { target: 'EXAMPLE.com', storedAt: at(20) }));
    await add(store, meta(rid(3), { target: 'example.com', kind: 'certificate', storedAt: at(25) }));
    await add(store, meta(rid(4), { target: 'example.org', storedAt: at(27) }));
    await add(store, meta(rid(5), { target: 'Example.Com', storedAt: at(30) }));
    await add(store, meta(rid(6), { target: 'example.com', storedAt: at(40) }));
    expect(await store.previousReport(rid(5))).toEqual(meta(rid(2), { target: 'EXAMPLE.com', storedAt: at(20) }));
    expect((await store.previousReport(rid(6)))?.id).toBe(rid(5));
    expect((await store.previousReport(rid(2)))?.id).toBe(rid(1));
    // The first of its kind and target, another kind, another target: none earlier.
    expect(await store.previousReport(rid(1))).toBeNull();
    expect(await store.previousReport(rid(3))).toBeNull();
    expect(await store.previousReport(rid(4))).toBeNull();
    expect(await store.previousReport(rid(99))).toBeNull();
    expect(await store.previousReport('not an id')).toBeNull();
  });

  it('the previous run among reports stored at the same moment goes by id', async (ctx) => {
    const store = await flavour.open(ctx);
    for (const id of ['c'.repeat(22), 'B'.repeat(22), 'a'.repeat(22)]) await add(store, meta(id, { storedAt: at(5) }));
    // Byte order: 'B' < 'a' < 'c'.
    expect((await store.previousReport('c'.repeat(22)))?.id).toBe('a'.repeat(22));
    expect((await store.previousReport('a'.repeat(22)))?.id).toBe('B'.repeat(22));
    expect(await store.previousReport('B'.repeat(22))).toBeNull();
  });

  it('gives each host’s certificates from its newest report that saw any, soonest expiry first', async (ctx) => {
    const store = await flavour.open(ctx);
    // r1 (oldest) saw mx1 and mx2; r2 saw mx1 again with a renewed certificate (and two for it);
    // r3 is newer still but saw no certificate; r4 saw MX3 under the same moment as r2.
    await add(store, meta(rid(1), { storedAt: at(10) }), [cert(rid(1), 'mx1.example.com', at(1000), 'a'), cert(rid(1), 'mx2.example.com', at(3000), 'b')]);
    await add(store, meta(rid(2), { storedAt: at(20) }), [{ ...cert(rid(2), 'mx1.example.com', at(5000), 'c'), host: 'MX1.example.com' }, cert(rid(2), 'mx1.example.com', at(2000), 'd')]);
    await add(store, meta(rid(3), { storedAt: at(30) }));
    await add(store, meta(rid(4), { storedAt: at(20) }), [cert(rid(4), 'mx3.example.com', at(100), 'e')]);
    const expected = [
      cert(rid(4), 'mx3.example.com', at(100), 'e'),
      cert(rid(2), 'mx1.example.com', at(2000), 'd'),
      cert(rid(1), 'mx2.example.com', at(3000), 'b'),
      cert(rid(2), 'mx1.example.com', at(5000), 'c'),
    ];
    expect(await store.latestCertificates()).toEqual(expected);
    expect(await store.latestCertificates(2)).toEqual(expected.slice(0, 2));
    expect(await store.latestCertificates(0)).toEqual([]);
    // Two reports for one host at the same moment: the greater id is the newer.
    await add(store, meta('Z'.repeat(22), { storedAt: at(40) }), [cert('Z'.repeat(22), 'mx3.example.com', at(7000), 'f')]);
    await add(store, meta('a'.repeat(22), { storedAt: at(40) }), [cert('a'.repeat(22), 'mx3.example.com', at(6000), 'f')]);
    expect((await store.latestCertificates()).filter((c) => c.host === 'mx3.example.com')).toEqual([cert('a'.repeat(22), 'mx3.example.com', at(6000), 'f')]);
  });

  it('gives 200 timeline points unless told, at most 1000', async (ctx) => {
    const store = await flavour.open(ctx);
    for (let r = 0; r < 6; r++) {
      const id = rid(r);
      await add(store, meta(id, { storedAt: at(r) }), Array.from({ length: 200 }, (_, i) => cert(id, `h${r}-${i}.example`, at(10_000 + r * 200 + i), 'a')));
    }
    expect((await store.latestCertificates()).length).toBe(200);
    expect((await store.latestCertificates(5000)).length).toBe(1000);
    expect((await store.latestCertificates(Number.NaN)).length).toBe(200);
    expect((await store.latestCertificates(3)).map((c) => c.host)).toEqual(['h0-0.example', 'h0-1.example', 'h0-2.example']);
  });

  it('deletes a report with its hosts and certificates, once', async (ctx) => {
    const store = await flavour.open(ctx);
    await add(store, meta(rid(1), { hosts: ['mx-old.example'], storedAt: at(10) }), [cert(rid(1), 'mx.example', at(500), 'a')]);
    await add(store, meta(rid(2), { hosts: ['mx-new.example'], storedAt: at(20) }), [cert(rid(2), 'mx.example', at(900), 'b')]);
    await add(store, meta(rid(3), { storedAt: at(30) }));
    expect(await store.deleteReport(rid(2))).toBe(true);
    expect(await store.deleteReport(rid(2))).toBe(false);
    expect(await store.deleteReport('not an id')).toBe(false);
    expect(await store.getReport(rid(2))).toBeNull();
    expect(ids(await store.searchReports({}))).toEqual([rid(3), rid(1)]);
    expect(await store.countReports({})).toBe(2);
    expect(await store.previousReport(rid(3))).toEqual(meta(rid(1), { hosts: ['mx-old.example'], storedAt: at(10) }));
    // Its certificates went with it: the host's newest report that saw one is r1 again.
    expect(await store.latestCertificates()).toEqual([cert(rid(1), 'mx.example', at(500), 'a')]);
    // Its hosts too: the id used again, with other hosts, is not found by the old ones.
    await add(store, meta(rid(2), { hosts: ['mx-other.example'], storedAt: at(40) }));
    expect(await store.searchReports({ text: 'mx-new' })).toEqual([]);
    expect(ids(await store.searchReports({ text: 'mx-other' }))).toEqual([rid(2)]);
    expect(await store.deleteReport(rid(1))).toBe(true);
    expect(await store.latestCertificates()).toEqual([]);
  });
});
