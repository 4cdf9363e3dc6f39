// What History keeps beside a report: its hosts (for search) and the leaf certificates it saw, by
// host (the expiry timeline) — read from the report's body, bounded.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../../src/core/schema.js';
import { indexReport } from '../../../src/web/report-meta.js';
import { EXCHANGE, explainText } from '../../helpers/explain.js';

let base: Report;
beforeAll(async () => {
  base = await explainText(EXCHANGE, 'argument');
});

const cert = (subject: string, sha: string, isCa: boolean, notAfter = '2027-01-01T00:00:00.000Z') => ({ subject, sha256: sha.repeat(64).slice(0, 64), isCa, notAfter });
const stored = { id: 'AAAAAAAAAAAAAAAAAAAAAA', storedAt: '2026-11-30T08:00:00.000Z', owner: null, request: null };

function withBody(body: unknown, target = 'example.test'): Report {
  return { ...base, kind: 'receiver', target, body } as unknown as Report;
}

describe('indexReport', () => {
  it('takes each MX host and address, and each host\'s leaf certificates (not its CAs), once', () => {
    const report = withBody({
      target: { domain: 'Example.TEST.', host: null },
      hosts: [
        { mx: 'MX1.example.test', address: '192.0.2.1', assessment: { certificate: { sent: [cert('CN=mx1', 'a', false), cert('CN=ca', 'b', true)], path: [cert('CN=mx1', 'a', false), cert('CN=ca', 'b', true)] } } },
        { mx: 'mx2.example.test', address: '2001:db8::2', assessment: { certificate: { sent: [cert('CN=self', 'c', true)] } } },
      ],
    });
    const { meta, certificates } = indexReport(report, JSON.stringify(report), stored);
    expect(meta.domain).toBe('example.test');
    expect(meta.hosts.sort()).toEqual(['192.0.2.1', '2001:db8::2', 'mx1.example.test', 'mx2.example.test']);
    expect(certificates.map((c) => [c.host, c.subject]).sort()).toEqual([
      ['mx1.example.test', 'CN=mx1'],
      // A self-signed leaf is a CA certificate of its own: the first of its chain all the same.
      ['mx2.example.test', 'CN=self'],
    ]);
    expect(certificates.every((c) => c.reportId === stored.id && /^[0-9a-f]{64}$/.test(c.sha256))).toBe(true);
  });

  it('names a file\'s certificates by the report\'s target, and keeps its meta', () => {
    const report = withBody({ input: { kind: 'files', target: null }, subjects: [{ verdict: { sent: [cert('CN=file', 'd', true)] } }] }, 'c.pem');
    const { meta, certificates } = indexReport({ ...report, kind: 'certificate' } as Report, '{}', { ...stored, owner: 'alice', request: '{"kind":"x"}' });
    expect(certificates.map((c) => c.host)).toEqual(['c.pem']);
    expect(meta).toMatchObject({ kind: 'certificate', target: 'c.pem', domain: null, hosts: [], owner: 'alice', request: '{"kind":"x"}', bytes: 2 });
  });

  it('bounds what it keeps: 50 hosts, 200 certificates, a 500-character target', () => {
    const hosts = Array.from({ length: 300 }, (_, i) => ({ mx: `mx${i}.example.test`, address: `192.0.2.${i % 250}`, certificate: { sent: [cert(`CN=${i}`, i.toString(16).padStart(2, '0'), false)] } }));
    const report = withBody({ hosts }, 'x'.repeat(2000));
    const { meta, certificates } = indexReport(report, '{}', stored);
    expect(meta.hosts.length).toBe(50);
    expect(certificates.length).toBe(200);
    expect(meta.target.length).toBe(500);
  });
});
