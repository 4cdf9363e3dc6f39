// rejudgeReceiver (`mxray report --rejudge`): a saved receiver report judged again from its facts,
// with other roots or at another moment, with the thresholds it was judged with (or the caller's),
// and marked as re-judged. The saved report comes from a receiver test against an SMTP server in
// memory whose handshake shows a certificate of a test CA.
import { describe, expect, it, vi } from 'vitest';
import { fixedClock } from '../../../../src/core/clock.js';
import type { Resolver } from '../../../../src/core/context.js';
import { DnsError, UsageError } from '../../../../src/core/errors.js';
import type { ReceiverReport as Report } from '../../../../src/core/schema.js';
import { DEFAULT_PROFILE, type Profile } from '../../../../src/checks/profile.js';
import { receiverFacts } from '../../../../src/checks/receiver.js';
import { createRootCa } from '../../../../src/demo/test-pki.js';
import { createTrustStore } from '../../../../src/pki/trust-store.js';
import { checkReceiver, rejudgeReceiver } from '../../../../src/library.js';
import { schemaErrors } from '../../../helpers/schema.js';
import { handshakeOf, memoryMta } from './memory-mta.js';

// A second profile beside the real one: what the refusal lists must be every profile there is.
vi.mock('../../../../src/kb/profiles.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../../src/kb/profiles.js')>();
  const second = { ...real.MXRAY_2026_11, name: 'mxray-test', version: 4 };
  return { ...real, PROFILES: { ...real.PROFILES, [second.name]: second } };
});

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);

const nx = (name: string, type: string) => Promise.reject(new DnsError('NXDOMAIN', name, type));
const resolver: Resolver = {
  description: 'in-test resolver',
  mx: (name) => (name === 'far.test' ? Promise.resolve([{ exchange: 'mx1.far.test', priority: 10 }]) : nx(name, 'MX')),
  a: (name) => (name === 'mx1.far.test' ? Promise.resolve(['192.0.2.1']) : nx(name, 'A')),
  aaaa: (name) => nx(name, 'AAAA'),
  cname: (name) => nx(name, 'CNAME'),
  txt: () => Promise.resolve([]), ptr: () => Promise.resolve([]),
};

/** A certificate for mx1.far.test valid for 40 more days, from a CA the saved report did not trust; TLS 1.2. */
async function saved(): Promise<{ report: Report; caPem: string; notAfter: number }> {
  const ca = await createRootCa('mxray rejudge root', NOW);
  const notAfter = NOW + 40 * DAY;
  const leaf = await ca.issue({ commonName: 'mx1.far.test', dnsNames: ['mx1.far.test', 'mx.memory.test'], notBefore: new Date(NOW - 10 * DAY), notAfter: new Date(notAfter) });
  const mta = memoryMta({ handshake: () => handshakeOf([leaf.der], 'TLSv1.2') });
  const report = await checkReceiver({
    target: 'far.test',
    posture: false,
    helo: 'client.mxray.test',
    clock: fixedClock(NOW),
    resolver,
    connector: mta.connector,
    trustStore: createTrustStore([], 'empty'),
    extras: false,
    // Longer than the profile's 30 days: the certificate is "expiring soon" only with this.
    warnDays: 45,
  });
  return { report, caPem: ca.cert.certPem, notAfter };
}

const ids = (r: Pick<Report, 'findings'>) => r.findings.map((f) => f.id).sort();

describe('rejudgeReceiver', () => {
  it('other roots: the same facts and transcript judged again, with the moment, profile and options saved, and it says it was re-judged', async () => {
    const { report, caPem } = await saved();
    expect(ids(report)).toEqual(['cert.chain-incomplete', 'cert.expiring-soon', 'tls.ok']);
    const before = JSON.parse(JSON.stringify(report)) as Report;
    const again = rejudgeReceiver(report, { trustStore: createTrustStore([caPem], 'the test root') });
    expect(schemaErrors(JSON.parse(JSON.stringify(again)))).toEqual([]);
    // Still expiring soon: judged with the saved 45 days (not the profile's 30) at the saved moment.
    expect(ids(again)).toEqual(['cert.expiring-soon', 'tls.ok']);
    expect(again.judgedWith).toEqual({
      at: new Date(NOW).toISOString(),
      profile: { name: DEFAULT_PROFILE.name, version: DEFAULT_PROFILE.version },
      trustStore: { description: 'the test root', bundledRootsOfNode: null, extraCaFiles: [] },
      options: { warnDays: 45, expectThumbprint: null },
      rejudged: true,
    });
    expect(again.verdict).toBe('warn');
    expect(report.verdict).toBe('fail');
    // The facts, the transcript and the envelope are the saved ones.
    expect(receiverFacts(again.body)).toEqual(receiverFacts(report.body));
    expect(again.transcript).toEqual(report.transcript);
    expect([again.target, again.startedAt, again.durationMs, again.kind]).toEqual([report.target, report.startedAt, report.durationMs, report.kind]);
    expect(again.body.hosts[0]!.findings.map((f) => f.id).sort()).toEqual(ids(again).filter((id) => !id.startsWith('dns.')));
    // The saved report itself is untouched.
    expect(report).toEqual(before);
    expect(report.judgedWith.rejudged).toBe(false);
  });

  it('at another moment: certificates judged then (after the end of validity: expired)', async () => {
    const { report, caPem, notAfter } = await saved();
    const at = notAfter + DAY;
    const again = rejudgeReceiver(report, { trustStore: createTrustStore([caPem], 'the test root'), at });
    expect(again.judgedWith.at).toBe(new Date(at).toISOString());
    expect(ids(again)).toEqual(['cert.expired', 'tls.ok']);
    expect(again.verdict).toBe('fail');
  });

  it('a profile this mxray does not have, by name or by version: a usage error naming it and every profile there is', async () => {
    const { report } = await saved();
    const trustStore = createTrustStore([], 'empty');
    const judgedWith = (profile: { name: string; version: number }) => ({ ...report, judgedWith: { ...report.judgedWith, profile } });
    const has = `(it has ${DEFAULT_PROFILE.name} version ${DEFAULT_PROFILE.version}, mxray-test version 4)`;
    for (const profile of [
      { name: 'someone-else', version: 3 },
      { name: DEFAULT_PROFILE.name, version: DEFAULT_PROFILE.version + 1 },
    ]) {
      const error = (() => {
        try {
          rejudgeReceiver(judgedWith(profile), { trustStore });
        } catch (e) {
          return e;
        }
        return null;
      })();
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).message).toBe(`the report was judged with profile ${profile.name} version ${profile.version}, which this mxray does not have ${has}`);
    }
    // The other profile this mxray has is found by its name.
    expect(rejudgeReceiver(judgedWith({ name: 'mxray-test', version: 4 }), { trustStore }).judgedWith.profile).toEqual({ name: 'mxray-test', version: 4 });
  });

  it('a profile the caller names: judged with it, whatever the report names (known or not)', async () => {
    const { report } = await saved();
    // TLS 1.2 counts as old in this one.
    const strict: Profile = { ...DEFAULT_PROFILE, name: 'strict', version: 7, oldProtocols: [...DEFAULT_PROFILE.oldProtocols, 'TLSv1.2'] };
    const trustStore = createTrustStore([], 'empty');
    for (const r of [report, { ...report, judgedWith: { ...report.judgedWith, profile: { name: 'someone-else', version: 3 } } }]) {
      const again = rejudgeReceiver(r, { trustStore, profile: strict });
      expect(again.judgedWith.profile).toEqual({ name: 'strict', version: 7 });
      expect(ids(again)).toEqual(['cert.chain-incomplete', 'cert.expiring-soon', 'tls.old-protocol']);
    }
  });
});
