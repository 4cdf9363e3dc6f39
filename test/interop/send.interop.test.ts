// Interop for `mxray send` against real Postfix from Debian (the launcher of test/interop/mta/): a
// private instance with STARTTLS (a chain from the interop test PKI), every message put on hold
// (`smtpd_client_restrictions = check_client_access static:HOLD`), so the queued message can be read
// back with `postcat` and compared byte for byte with what mxray composed: the headers, the
// Message-ID, the dots of a dot-stuffed DATA or a BDAT chunk, CRLF turned into Postfix's records.
// And its size limit (message_size_limit) meeting --size: 552 5.3.4 to MAIL FROM with SIZE=.
//
// Needs root (the packages, port 25); without it every case is skipped with the reason, and with
// MXRAY_INTEROP_REQUIRE=1 (CI) that is a failure.
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import type { Resolver } from '../../src/core/context.js';
import { DnsError } from '../../src/core/errors.js';
import { exitCodeFor } from '../../src/core/report.js';
import { createScheduler } from '../../src/core/scheduler.js';
import type { SendReport } from '../../src/core/schema.js';
import { sendMessage, type SendOptions } from '../../src/library.js';
import { createConnector } from '../../src/net/connector.js';
import { createTrustStore } from '../../src/pki/trust-store.js';
import { createInteropPki, serverTls, type InteropPki, interopPrerequisites } from './harness.js';
import { startPostfix } from './mta/postfix.js';
import type { MtaInstance } from './mta/types.js';

const REQUIRED = process.env.MXRAY_INTEROP_REQUIRE === '1';
const nx = (name: string, type: string) => Promise.reject(new DnsError('NXDOMAIN', name, type));
const NO_DNS: Resolver = { description: 'none', mx: (n) => nx(n, 'MX'), a: (n) => nx(n, 'A'), aaaa: (n) => nx(n, 'AAAA'), cname: (n) => nx(n, 'CNAME'), txt: () => Promise.resolve([]), ptr: () => Promise.resolve([]) };
const HELO = 'client.mxray.test';
const ADDRESS = '127.0.1.51';
/** A second instance without CHUNKING (smtpd_discard_ehlo_keywords), for DATA. */
const ADDRESS_DATA = '127.0.1.52';
/** Wrapper mode (smtps, port 465), and one that requires a client certificate (smtpd_tls_req_ccert). */
const ADDRESS_IMPLICIT = '127.0.1.57';
const ADDRESS_CCERT = '127.0.1.58';
const DOMAIN = 'pf-send.interop.test';
const MX = `mx.${DOMAIN}`;

function postcat(etc: string, queueId: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // -bh: headers and body as queued, nothing of the envelope records.
    execFile('/usr/sbin/postcat', ['-c', etc, '-bh', '-q', queueId], { timeout: 30_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
  });
}

const skipAll = await interopPrerequisites();

if (skipAll !== null) {
  describe('interop: mxray send into Postfix', () => {
    if (REQUIRED) it('prerequisites (MXRAY_INTEROP_REQUIRE=1)', () => expect.fail(`interop cannot run: ${skipAll}`));
    else it.skip(`SKIPPED: ${skipAll}`, () => undefined);
  });
} else {
  describe('interop: mxray send into Postfix', () => {
    let dir: string;
    let pki: InteropPki;
    let mta: MtaInstance;
    let dataMta: MtaInstance;
    let implicitMta: MtaInstance;
    let ccertMta: MtaInstance;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'mxray-send-interop-'));
      await chmod(dir, 0o755);
      pki = await createInteropPki(Date.now());
      mta = await startPostfix({
        address: ADDRESS,
        port: 25,
        hostname: MX,
        workDir: join(dir, 'postfix'),
        tls: await serverTls(pki, 'good', MX),
        postfixMainCf: ['smtpd_client_restrictions = check_client_access static:HOLD', 'message_size_limit = 200000'],
      });
      dataMta = await startPostfix({
        address: ADDRESS_DATA,
        port: 25,
        hostname: MX,
        workDir: join(dir, 'postfix-data'),
        tls: await serverTls(pki, 'good', MX),
        postfixMainCf: ['smtpd_client_restrictions = check_client_access static:HOLD', 'smtpd_discard_ehlo_keywords = chunking'],
      });
      implicitMta = await startPostfix({
        address: ADDRESS_IMPLICIT,
        port: 465,
        hostname: MX,
        workDir: join(dir, 'postfix-implicit'),
        tls: await serverTls(pki, 'good', MX),
        implicitTls: true,
        postfixMainCf: ['smtpd_client_restrictions = check_client_access static:HOLD'],
      });
      ccertMta = await startPostfix({
        address: ADDRESS_CCERT,
        port: 25,
        hostname: MX,
        workDir: join(dir, 'postfix-ccert'),
        tls: await serverTls(pki, 'good', MX, pki.clientCa.cert.certPem),
        requireClientCert: true,
        postfixMainCf: ['smtpd_client_restrictions = check_client_access static:HOLD'],
      });
    }, 300_000);

    afterAll(async () => {
      await mta?.stop();
      await dataMta?.stop();
      await implicitMta?.stop();
      await ccertMta?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    }, 120_000);

    function send(extra: Partial<SendOptions>): Promise<SendReport> {
      return sendMessage(
        {
          target: `${MX}:25`,
          to: [`postmaster@${DOMAIN}`],
          from: `sender@${HELO}`,
          helo: HELO,
          hostMap: new Map([[MX, { address: ADDRESS, port: 25 }]]),
          limits: { connectTimeoutMs: 5000, greetingTimeoutMs: 10_000, commandTimeoutMs: 10_000, tlsTimeoutMs: 10_000 },
          clock: systemClock,
          connector: createConnector(systemClock),
          resolver: NO_DNS,
          scheduler: createScheduler(),
          trustStore: createTrustStore([pki.root.cert.certPem], 'interop root'),
          ...extra,
        },
        () => {
          throw new Error('every edge is given');
        },
      );
    }

    it('--tls required --verify name: delivered over TLS with BDAT (Postfix offers CHUNKING); the queued message is the one composed', async () => {
      const body = 'first line\n.a dot\n..two dots\n.\nlast line\n';
      const r = await send({ tls: 'required', verify: 'name', subject: 'interop', body });
      expect(r.body.outcome.result, r.body.outcome.reason).toBe('delivered');
      expect(exitCodeFor(r)).toBe(0);
      expect(r.body.session?.tls?.protocol).toBe('TLSv1.3');
      expect(r.body.session?.certificate).toMatchObject({ trusted: true, nameMatches: true });
      expect(r.body.session?.extensionsUsed).toEqual(['CHUNKING', 'SIZE']);
      const queueId = r.body.outcome.queueId;
      expect(queueId).toMatch(/^[0-9A-Za-z]{6,}$/);
      const queued = await postcat(join(dir, 'postfix', 'etc'), queueId as string);
      expect(queued).toContain(`Message-ID: ${r.body.message.messageId}\n`);
      expect(queued).toContain(`X-Mxray-Test: ${r.body.message.testId}\n`);
      expect(queued).toContain('Subject: interop\n');
      expect(queued.endsWith('\nfirst line\n.a dot\n..two dots\n.\nlast line\n')).toBe(true);
    });

    it('--tls none into a Postfix without CHUNKING: pipelined DATA, dot-stuffed on the wire, the dots come out as written', async () => {
      const r = await send({ tls: 'none', body: '.\n..x\nbare\rCR\n', hostMap: new Map([[MX, { address: ADDRESS_DATA, port: 25 }]]) });
      expect(r.body.outcome.result, r.body.outcome.reason).toBe('delivered');
      expect(r.findings.map((f) => f.id).sort()).toEqual(['send.cleartext', 'send.delivered']);
      expect(r.body.session?.extensionsUsed).toEqual(['PIPELINING', 'SIZE']);
      const queued = await postcat(join(dir, 'postfix-data', 'etc'), r.body.outcome.queueId as string);
      expect(queued.endsWith('\n.\n..x\nbare\nCR\n')).toBe(true);
    });

    it('--tls opportunistic (the default): STARTTLS because Postfix offers it; the queued message is the one composed', async () => {
      const r = await send({ subject: 'opportunistic' });
      expect(r.body.settings.tls).toBe('opportunistic');
      expect(r.body.outcome.result, r.body.outcome.reason).toBe('delivered');
      expect(r.findings.map((f) => f.id)).toEqual(['send.delivered']);
      expect(r.body.session?.tls?.protocol).toBe('TLSv1.3');
      const queued = await postcat(join(dir, 'postfix', 'etc'), r.body.outcome.queueId as string);
      expect(queued).toContain(`Message-ID: ${r.body.message.messageId}\n`);
      expect(queued).toContain('Subject: opportunistic\n');
    });

    it('--tls implicit into Postfix in wrapper mode (smtps, port 465): TLS from the first byte, delivered and queued', async () => {
      const r = await send({ target: `${MX}:465`, hostMap: new Map([[MX, { address: ADDRESS_IMPLICIT, port: 465 }]]) });
      expect(r.body.settings.tls).toBe('implicit');
      expect(r.body.outcome.result, r.body.outcome.reason).toBe('delivered');
      expect(r.body.session?.steps[0]).toMatchObject({ stage: 'tls' });
      expect(r.body.session?.steps.some((s) => s.stage === 'starttls')).toBe(false);
      const queued = await postcat(join(dir, 'postfix-implicit', 'etc'), r.body.outcome.queueId as string);
      expect(queued).toContain(`X-Mxray-Test: ${r.body.message.testId}\n`);
    });

    it('smtpd_tls_req_ccert at encrypt: no certificate → its 421 "No client certificate presented", send.client-cert-required; one it cannot verify → send.client-cert-refused', async () => {
      const at = { hostMap: new Map([[MX, { address: ADDRESS_CCERT, port: 25 }]]) };
      const none = await send({ ...at, tls: 'required' });
      expect(none.body.outcome.result).toBe('deferred');
      expect(none.body.outcome.reply?.lines.join(' ')).toMatch(/No client certificate presented/);
      expect(none.findings.map((f) => f.id)).toEqual(['send.client-cert-required']);
      // A certificate from the CA Postfix trusts, but made for a server (no clientAuth): OpenSSL's purpose check fails it.
      const serverOnly = await pki.clientCa.issue({ commonName: HELO, dnsNames: [HELO] });
      const refused = await send({ ...at, tls: 'required', clientCertificate: { keyPem: serverOnly.keyPem, certPem: serverOnly.certPem, subject: `CN=${HELO}` } });
      expect(refused.body.session?.tls?.clientCertificate).toBe(true);
      expect(refused.body.outcome.result).not.toBe('delivered');
      expect(refused.findings.map((f) => f.id)).toEqual(['send.client-cert-refused']);
    });

    it('--size over message_size_limit: 552 5.3.4 to MAIL FROM with SIZE=, explained', async () => {
      const r = await send({ size: 300_000 });
      expect(r.body.outcome).toMatchObject({ result: 'refused', stage: 'mail' });
      expect(r.body.outcome.reply?.code).toBe(552);
      expect(r.body.outcome.reply?.enhanced).toBe('5.3.4');
      expect(r.findings.map((f) => f.id).sort()).toEqual(['send.refused', 'send.too-large']);
      expect(r.findings.find((f) => f.id === 'send.too-large')?.facts.limit).toBe('200000 bytes (SIZE in the EHLO reply)');
    });
  });
}
