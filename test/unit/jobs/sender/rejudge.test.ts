// `mxray report --rejudge` on a sender report: the client certificate judged again with other roots
// and at another moment; the facts untouched, the judgement marked as rejudged.
import { X509Certificate } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { judgeSenderReport } from '../../../../src/checks/sender/judge.js';
import { judgedWith } from '../../../../src/core/report.js';
import type { SenderReport } from '../../../../src/core/schema.js';
import { SCHEMA_VERSION } from '../../../../src/core/version.js';
import { rejudgeSender } from '../../../../src/jobs/sender/rejudge.js';
import { DEFAULT_PROFILE } from '../../../../src/kb/profiles.js';
import { createTrustStore } from '../../../../src/pki/trust-store.js';
import { certify, DAY_MS, EKU, party } from '../../../helpers/chain-pki.js';
import { body, EHLO, session } from '../../checks/sender/sender-facts.js';

const NOW = Date.parse('2026-11-29T10:00:05.000Z');
let report: SenderReport;
let rootPem: string;
const empty = createTrustStore([], 'no roots');

beforeAll(async () => {
  const root = await party('CN=Rejudge Root');
  rootPem = new X509Certificate(await certify(root, root, 'ca', NOW)).toString();
  const leaf = await certify(await party(`CN=${EHLO}`), root, 'leaf', NOW, { eku: [EKU.clientAuth], dnsNames: [EHLO], notAfter: NOW + 10 * DAY_MS });
  const s = session();
  const b = body({ session: { ...s, tls: { ...s.tls, clientCertificate: { requested: true, chain: [leaf.toString('base64')], opensslError: null } } } });
  const judged = judgeSenderReport(b, { trustStore: empty, now: NOW });
  report = {
    schemaVersion: SCHEMA_VERSION,
    tool: { name: 'mxray', version: 'test' },
    kind: 'sender',
    target: s.clientIp,
    startedAt: new Date(NOW).toISOString(),
    durationMs: 1,
    verdict: judged.verdict,
    judgedWith: judgedWith({ at: NOW, profile: DEFAULT_PROFILE, trustStore: empty, warnDays: 30, expectThumbprint: null }),
    findings: judged.findings,
    transcript: [],
    body: b,
  };
});

const ids = (r: SenderReport) => r.findings.map((f) => f.id);

describe('rejudgeSender', () => {
  it('the certificate untrusted without its root becomes good with it; the facts stay as they were', () => {
    expect(ids(report)).toContain('sender.client-cert-invalid');
    const again = rejudgeSender(report, { trustStore: createTrustStore([rootPem], 'with the root') });
    expect(ids(again)).not.toContain('sender.client-cert-invalid');
    expect(ids(again)).toContain('sender.client-cert-ok');
    expect(again.body).toBe(report.body);
    expect(again.judgedWith.rejudged).toBe(true);
    expect(again.judgedWith.trustStore.description).toBe('with the root');
    expect(again.judgedWith.at).toBe(report.judgedWith.at);
  });

  it('--at: judged at another moment (after the certificate expired)', () => {
    const later = NOW + 30 * DAY_MS;
    const again = rejudgeSender(report, { trustStore: createTrustStore([rootPem], 'with the root'), at: later });
    expect(ids(again)).toContain('sender.client-cert-invalid');
    expect(again.judgedWith.at).toBe(new Date(later).toISOString());
  });
});
