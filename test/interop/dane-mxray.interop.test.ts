// Interop: mxray's DANE verdicts in the DANE world (test/helpers/dane-world/: a Knot-signed zone per
// case, Unbound validating on 127.0.0.1:53, SMTP servers on port 25, all in namespaces of the
// test's own), each case run through the real CLI (`mxray check`, `mxray posture`, `mxray cert
// --profile dane`) and compared with what Postfix's posttls-finger at `-l dane` concludes on the
// same case, in the same world: "Verified" where mxray says the certificates match, "no matching
// DANE TLSA records" where it says they do not, "TLSA lookup error" where the lookup fails or is
// bogus; no TLSA lookup at all for the unsigned zone.
//
// Needs root and Debian's knot, unbound and postfix (test/interop/setup.sh); without them every
// test is skipped with the reason, and with MXRAY_INTEROP_REQUIRE=1 (CI) that is a failure.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daneWorldMissing, startDaneWorld, type DaneWorld } from '../helpers/dane-world/client.js';
import { interopPrerequisites } from './harness.js';
import type { CertificateReport, PostureReport, ReceiverReport } from '../../src/core/schema.js';
import { schemaErrors } from '../helpers/schema.js';

const REQUIRED = process.env.MXRAY_INTEROP_REQUIRE === '1';
const skipAll = (await interopPrerequisites()) ?? daneWorldMissing();

/** What posttls-finger concluded, in the words it uses. */
type FingerVerdict = 'verified' | 'no-match' | 'lookup-error' | 'untrusted';

function fingerVerdict(out: string): FingerVerdict {
  if (/TLSA lookup error|DANE TLSA lookup problem/.test(out)) return 'lookup-error';
  if (/no matching DANE TLSA records/.test(out)) return 'no-match';
  if (/Verified TLS connection established/.test(out)) return 'verified';
  return 'untrusted';
}

if (skipAll !== null) {
  describe('interop: mxray DANE against posttls-finger', () => {
    if (REQUIRED) it('prerequisites (MXRAY_INTEROP_REQUIRE=1)', () => expect.fail(`interop cannot run: ${skipAll}`));
    else it.skip(`SKIPPED: ${skipAll}`, () => undefined);
  });
} else {
  describe('interop: mxray DANE against posttls-finger', () => {
    let world: DaneWorld;

    beforeAll(async () => {
      // The CLI as users run it (bin/mxray.cjs loads dist/).
      execFileSync('npm', ['run', 'build', '--silent'], { stdio: 'ignore' });
      world = await startDaneWorld();
    }, 180_000);

    afterAll(async () => {
      await world?.stop();
    });

    async function mxray<T>(args: string[]): Promise<{ code: number | null; report: T; stderr: string }> {
      const r = await world.run([process.execPath, 'bin/mxray.cjs', ...args, '--json', '--resolver', '127.0.0.1'], 60_000);
      expect(r.error, r.stderr).toBeUndefined();
      expect(r.stderr).toBe('');
      const report = JSON.parse(r.stdout) as T;
      expect(schemaErrors(report)).toEqual([]);
      return { code: r.code, report, stderr: r.stderr };
    }

    const check = (domain: string) => mxray<ReceiverReport>(['check', domain, '--no-store']);

    async function finger(domain: string, extra: string[] = []): Promise<FingerVerdict> {
      const r = await world.run(['posttls-finger', '-c', '-l', 'dane', '-L', 'routine,certmatch', '-t', '15', '-T', '15', ...extra, domain], 40_000);
      expect(r.error, r.stderr).toBeUndefined();
      return fingerVerdict(`${r.stdout}${r.stderr}`);
    }

    const ids = (r: ReceiverReport) => r.findings.map((f) => f.id);
    const state = (r: ReceiverReport) => r.body.dane?.hosts[0]?.state;

    it('good: both say verified (mxray: dane.ok; the self-signed certificate lifted to a warning for DANE senders)', async () => {
      const [{ code, report }, oracle] = await Promise.all([check('good.test'), finger('good.test')]);
      expect(oracle).toBe('verified');
      expect(state(report)).toBe('match');
      expect(report.body.dane?.hosts[0]?.skipped).toBeNull();
      expect(report.body.dane?.mx?.status).toBe('secure');
      expect(ids(report)).toContain('dane.ok');
      // Two 3 1 1 records (the next key's too): ready for a key change.
      expect(ids(report)).not.toContain('dane.no-rollover');
      const selfSigned = report.findings.find((f) => f.id === 'cert.self-signed');
      expect(selfSigned?.severity).toBe('warning');
      expect(selfSigned?.detail).toMatch(/DANE senders/);
      expect(report.verdict).toBe('warn');
      expect(code).toBe(0);
    });

    it('mismatch: both say the records match nothing (mxray: dane.no-match, critical, exit 1)', async () => {
      const [{ code, report }, oracle] = await Promise.all([check('mismatch.test'), finger('mismatch.test')]);
      expect(oracle).toBe('no-match');
      expect(state(report)).toBe('no-match');
      expect(report.findings.find((f) => f.id === 'dane.no-match')?.severity).toBe('critical');
      expect(report.verdict).toBe('fail');
      expect(code).toBe(1);
    });

    it('expired but 3 1 1 matches: both deliver; mxray keeps cert.expired as a warning for CA-verifying senders', async () => {
      const [{ report }, oracle] = await Promise.all([check('expired.test'), finger('expired.test')]);
      expect(oracle).toBe('verified');
      expect(state(report)).toBe('match');
      const expired = report.findings.find((f) => f.id === 'cert.expired');
      expect(expired?.severity).toBe('warning');
      expect(expired?.detail).toMatch(/still refuse it/);
      expect(report.verdict).toBe('warn');
    });

    it('DANE-TA (2 0 1 of the intermediate sent): both verified; mxray names the match DANE-TA', async () => {
      const [{ report }, oracle] = await Promise.all([check('ta.test'), finger('ta.test')]);
      expect(oracle).toBe('verified');
      expect(state(report)).toBe('match');
      expect(report.findings.find((f) => f.id === 'dane.ok')?.title).toMatch(/DANE-TA/);
    });

    it('DANE-TA of a root the server does not send: both say no match; mxray says the anchor is not in the chain', async () => {
      const [{ report }, oracle] = await Promise.all([check('ta-missing.test'), finger('ta-missing.test')]);
      expect(oracle).toBe('no-match');
      expect(state(report)).toBe('no-match');
      expect(ids(report)).toEqual(expect.arrayContaining(['dane.ta-not-in-chain', 'dane.no-match']));
      expect(report.verdict).toBe('fail');
    });

    it('only PKIX records (0 x x, 1 x x): posttls-finger ignores them; mxray says TLS is mandatory but unauthenticated', async () => {
      const [{ report }, oracle] = await Promise.all([check('unusable.test'), finger('unusable.test')]);
      // posttls-finger falls back to checking the certificate by CA ("Untrusted … self-signed").
      expect(oracle).toBe('untrusted');
      expect(state(report)).toBe('unusable');
      expect(report.findings.find((f) => f.id === 'dane.unusable-only')?.severity).toBe('warning');
      expect(ids(report)).not.toContain('dane.no-match');
    });

    it('bogus TLSA signature: posttls-finger cannot look it up; mxray says bogus, with the EDE and the CD=1 answer', async () => {
      const [{ report }, oracle] = await Promise.all([check('bogus.test'), finger('bogus.test')]);
      expect(oracle).toBe('lookup-error');
      expect(state(report)).toBe('bogus');
      const tlsa = report.body.dane?.hosts[0]?.tlsa.at(-1);
      expect(tlsa?.rcode).toBe('SERVFAIL');
      expect(tlsa?.cdRcode).toBe('NOERROR');
      const bogus = report.findings.find((f) => f.id === 'dane.bogus');
      expect(bogus?.severity).toBe('critical');
      expect(bogus?.title).toMatch(/EDE 6 \(DNSSEC Bogus\)/);
      expect(report.verdict).toBe('fail');
    });

    it('SERVFAIL on TLSA (also with CD): posttls-finger cannot look it up; mxray: every DANE sender defers', async () => {
      const [{ report }, oracle] = await Promise.all([check('servfail.test'), finger('servfail.test')]);
      expect(oracle).toBe('lookup-error');
      expect(state(report)).toBe('lookup-failed');
      expect(report.body.dane?.hosts[0]?.tlsa.at(-1)?.cdRcode).toBe('SERVFAIL');
      const failed = report.findings.find((f) => f.id === 'dane.tlsa-lookup-failed');
      expect(failed?.severity).toBe('critical');
      expect(failed?.title).toMatch(/every DANE sender defers mail for servfail\.test/);
      expect(ids(report)).not.toContain('dane.bogus');
      expect(report.verdict).toBe('fail');
    });

    it('CNAMEd MX: both verified; mxray takes the TLSA records of the expanded name and sends it as SNI', async () => {
      const [{ report }, oracle] = await Promise.all([check('cname.test'), finger('cname.test')]);
      expect(oracle).toBe('verified');
      const host = report.body.dane?.hosts[0];
      expect(host?.state).toBe('match');
      expect(host?.base).toBe('host.target.test');
      expect(host?.tlsa.map((l) => l.name)).toEqual(['_25._tcp.host.target.test']);
      // DANE's own handshakes were made (one per key type), each with the expanded name as SNI.
      const extra = report.body.hosts[0]?.dane ?? [];
      expect(extra.length).toBeGreaterThan(0);
      expect(extra.map((d) => d.serverName)).toEqual(extra.map(() => 'host.target.test'));
    });

    it('unsigned zone: no TLSA lookup by either; mxray says DANE is not in use and judges nothing by it', async () => {
      const [{ report }, oracle] = await Promise.all([check('insecure.test'), finger('insecure.test')]);
      expect(oracle).toBe('untrusted');
      expect(report.body.dane?.mx?.status).toBe('insecure');
      expect(state(report)).toBe('insecure');
      expect(report.body.dane?.hosts[0]?.tlsa).toEqual([]);
      expect(ids(report).filter((id) => id.startsWith('dane.'))).toEqual([]);
      // The self-signed certificate is not lifted: nothing authenticates it.
      expect(report.findings.find((f) => f.id === 'cert.self-signed')?.severity).not.toBe('warning');
    });

    it('RSA and ECDSA certificates, a record for each: mxray matches both (one handshake per key type); posttls-finger verifies each', async () => {
      const [{ report }, ecdsa, rsa] = await Promise.all([
        check('dual.test'),
        finger('dual.test'),
        finger('dual.test', ['-p', '>=TLSv1.2,<=TLSv1.2', '-o', 'tls_medium_cipherlist=aRSA']),
      ]);
      expect([ecdsa, rsa]).toEqual(['verified', 'verified']);
      expect(state(report)).toBe('match');
      const extra = report.body.hosts[0]?.dane ?? [];
      expect(extra.filter((d) => d.status === 'ok').map((d) => d.leafKeyType)).toContain('rsa');
      expect(report.findings.find((f) => f.id === 'dane.ok')?.title).toMatch(/all 2 certificates/);
    });

    it('a record for the ECDSA key only: posttls-finger fails when it gets the RSA certificate; so does mxray, naming it', async () => {
      const [{ report }, ecdsa, rsa] = await Promise.all([
        check('dual-half.test'),
        finger('dual-half.test'),
        finger('dual-half.test', ['-p', '>=TLSv1.2,<=TLSv1.2', '-o', 'tls_medium_cipherlist=aRSA']),
      ]);
      expect([ecdsa, rsa]).toEqual(['verified', 'no-match']);
      expect(state(report)).toBe('no-match');
      expect(report.findings.find((f) => f.id === 'dane.no-match')?.detail).toMatch(/the RSA certificate/);
    });

    it('mxray posture shows the records with their DNSSEC status and fails on the TLSA SERVFAIL', async () => {
      const good = await mxray<PostureReport>(['posture', 'good.test', '--no-blocklists', '--no-store']);
      expect(good.report.body.dane?.hosts[0]?.records).toHaveLength(2);
      expect(good.report.body.dane?.hosts[0]?.state).toBeNull();
      const failing = await mxray<PostureReport>(['posture', 'servfail.test', '--no-blocklists', '--no-store']);
      expect(failing.report.findings.map((f) => f.id)).toContain('dane.tlsa-lookup-failed');
      expect(failing.report.verdict).toBe('fail');
      expect(failing.code).toBe(1);
    });

    it('mxray cert --profile dane: yes for the expired certificate matched by 3 1 1, no where the records match nothing', async () => {
      const expired = await mxray<CertificateReport>(['cert', 'expired.test', '--profile', 'dane']);
      const row = expired.report.body.subjects[0]?.acceptance.find((a) => a.profile === 'dane');
      expect(row?.accepts).toBe('yes');
      expect(row?.reasons.join(' ')).toMatch(/DANE-EE/);
      const mismatch = await mxray<CertificateReport>(['cert', 'mismatch.test', '--profile', 'dane']);
      expect(mismatch.report.body.subjects[0]?.acceptance.find((a) => a.profile === 'dane')?.accepts).toBe('no');
      expect(mismatch.report.findings.map((f) => f.id)).toContain('cert.sender-refuses');
    });

    it('mxray cert --profile dane on a server with RSA and ECDSA certificates: each judged, as a DANE sender gets it', async () => {
      const rows = async (domain: string) =>
        (await mxray<CertificateReport>(['cert', domain, '--profile', 'dane'])).report.body.subjects.map((s) => [/RSA certificate/.test(s.label) ? 'rsa' : 'main', s.acceptance.find((a) => a.profile === 'dane')?.accepts]);
      expect(await rows('dual.test')).toEqual([
        ['main', 'yes'],
        ['rsa', 'yes'],
      ]);
      // The record names the ECDSA key only: a DANE sender that gets the RSA certificate refuses it.
      expect(await rows('dual-half.test')).toEqual([
        ['main', 'yes'],
        ['rsa', 'no'],
      ]);
    });

    it('mxray cert FILE --name HOST --profile dane: the renewed key against the records published for the host', async () => {
      const mx = world.cases.good?.mx[0];
      if (!mx?.certs[0] || !mx.spare) throw new Error('the good case has no certificate files');
      const now = await mxray<CertificateReport>(['cert', mx.certs[0].certFile, '--name', mx.host, '--profile', 'dane']);
      expect(now.report.body.subjects[0]?.acceptance.find((a) => a.profile === 'dane')?.accepts).toBe('yes');
      expect(now.report.body.dane?.hosts[0]?.mx).toBe(mx.host);
    });
  });
}
