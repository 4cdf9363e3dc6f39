// Interop for `mxray send` against real Exim from Debian (exim4-daemon-light, GnuTLS; the launcher of
// test/interop/mta/exim.ts), every message taken into the private spool and never delivered, so the
// test reads what Exim stored (spool/input/<id>-H and -D, the id from Exim's "250 OK id=…") and
// compares it with what mxray composed — in every TLS mode: none, opportunistic, required with the
// name verified, implicit (port 465). And what only a real server shows: Exim's own AUTH (PLAIN,
// LOGIN and CRAM-MD5, offered only inside TLS, a wrong password refused with 535), a client
// certificate required (tls_verify_hosts), a size limit (message_size_limit: 552), and an ACL that
// drops the connection at DATA with 421.
//
// Needs root (the unpacked package, port 25, a private mount namespace); without it every case is
// skipped with the reason, and with MXRAY_INTEROP_REQUIRE=1 (CI) that is a failure.
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
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
import { startExim } from './mta/exim.js';
import type { InstanceOptions, MtaInstance } from './mta/types.js';

const REQUIRED = process.env.MXRAY_INTEROP_REQUIRE === '1';
const nx = (name: string, type: string) => Promise.reject(new DnsError('NXDOMAIN', name, type));
const NO_DNS: Resolver = { description: 'none', mx: (n) => nx(n, 'MX'), a: (n) => nx(n, 'A'), aaaa: (n) => nx(n, 'AAAA'), cname: (n) => nx(n, 'CNAME'), txt: () => Promise.resolve([]), ptr: () => Promise.resolve([]) };
const HELO = 'client.mxray.test';
const DOMAIN = 'ex-send.interop.test';
const MX = `mx.${DOMAIN}`;
const ACCOUNT = { user: 'partner', password: 'interop-secret-7' };

/** The instances: each on its own loopback address. */
const INSTANCES = {
  main: { address: '127.0.1.53', port: 25 },
  implicit: { address: '127.0.1.54', port: 465 },
  clientCert: { address: '127.0.1.55', port: 25 },
  drop: { address: '127.0.1.56', port: 25 },
} as const;
type Name = keyof typeof INSTANCES;

const skipAll = await interopPrerequisites(['test/interop/setup-exim-opensmtpd.sh']);

if (skipAll !== null) {
  describe('interop: mxray send into Exim', () => {
    if (REQUIRED) it('prerequisites (MXRAY_INTEROP_REQUIRE=1)', () => expect.fail(`interop cannot run: ${skipAll}`));
    else it.skip(`SKIPPED: ${skipAll}`, () => undefined);
  });
} else {
  describe('interop: mxray send into Exim', () => {
    let dir: string;
    let pki: InteropPki;
    const mtas = new Map<Name, MtaInstance>();

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'mxray-send-exim-'));
      await chmod(dir, 0o755);
      pki = await createInteropPki(Date.now());
      const tls = await serverTls(pki, 'good', MX);
      const base = (name: Name): InstanceOptions => ({ ...INSTANCES[name], hostname: MX, workDir: join(dir, name), tls, exim: { acceptMessages: true } });
      const started = await Promise.all([
        startExim({ ...base('main'), exim: { acceptMessages: true, auth: ACCOUNT, main: ['message_size_limit = 200K'] } }),
        startExim({ ...base('implicit'), implicitTls: true }),
        startExim({ ...base('clientCert'), tls: await serverTls(pki, 'good', MX, pki.clientCa.cert.certPem), requireClientCert: true }),
        startExim({ ...base('drop'), exim: { acceptMessages: true, main: ['chunking_advertise_hosts ='], predataAcl: [
            // For drop@: the reply, then the connection closed (`drop`); for anyone else a 421 (Exim keeps the session).
            'drop    condition = ${if match{$recipients}{drop@}}',
            '        message = 554 5.7.1 mxray interop: dropping the connection at DATA',
            'defer   message = 421 4.7.0 mxray interop: try again later',
          ] } }),
      ]);
      (Object.keys(INSTANCES) as Name[]).forEach((name, i) => mtas.set(name, started[i] as MtaInstance));
    }, 300_000);

    afterAll(async () => {
      await Promise.all([...mtas.values()].map((m) => m.stop()));
      if (dir) await rm(dir, { recursive: true, force: true });
    }, 120_000);

    function send(name: Name, extra: Partial<SendOptions>): Promise<SendReport> {
      const at = INSTANCES[name];
      return sendMessage(
        {
          target: `${MX}:${at.port}`,
          to: [`postmaster@${DOMAIN}`],
          from: `sender@${HELO}`,
          helo: HELO,
          hostMap: new Map([[MX, { address: at.address, port: at.port }]]),
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

    /** What Exim stored of a message: its header file and its data file (the first line, "<id>-D", left out). */
    async function spooled(name: Name, report: SendReport): Promise<{ headers: string; body: string }> {
      const id = report.body.outcome.queueId;
      expect(id, `Exim's reply names no id: ${report.body.outcome.reason}`).toMatch(/^[0-9A-Za-z]{6}-[0-9A-Za-z]{6,11}-[0-9A-Za-z]{2,4}$/);
      const input = join(dir, name, 'spool', 'input');
      const headers = await readFile(join(input, `${id}-H`), 'latin1');
      const data = await readFile(join(input, `${id}-D`), 'latin1');
      return { headers, body: data.slice(data.indexOf('\n') + 1) };
    }

    const ids = (r: SendReport) => r.findings.map((f) => f.id).sort();
    const logs = (name: Name) => mtas.get(name)!.logs();

    it('--tls opportunistic (the default): STARTTLS, BDAT (Exim offers CHUNKING), the stored message is the one composed', async () => {
      const r = await send('main', { subject: 'exim interop', body: 'first\n.dot\n..two\nlast\n' });
      expect(r.body.outcome.result, r.body.outcome.reason).toBe('delivered');
      expect(exitCodeFor(r)).toBe(0);
      expect(ids(r)).toEqual(['send.delivered']);
      expect(r.body.session?.tls?.protocol).toMatch(/^TLSv1\.[23]$/);
      expect(r.body.session?.extensionsUsed).toContain('CHUNKING');
      const { headers, body } = await spooled('main', r);
      expect(headers).toContain(`Message-ID: ${r.body.message.messageId}\n`);
      expect(headers).toContain(`X-Mxray-Test: ${r.body.message.testId}\n`);
      expect(headers).toContain('Subject: exim interop\n');
      // The envelope as Exim recorded it, and the TLS it saw.
      expect(headers).toContain(`<sender@${HELO}>`);
      expect(headers).toContain(`postmaster@${DOMAIN}`);
      expect(headers).toMatch(/-tls_cipher TLS1\.[23]/);
      expect(body).toBe('first\n.dot\n..two\nlast\n');
    });

    it('--tls none: in clear text, no STARTTLS on the wire; Exim stored it without TLS', async () => {
      const r = await send('main', { tls: 'none', body: '.\nbare\rCR\n' });
      expect(r.body.outcome.result, r.body.outcome.reason).toBe('delivered');
      expect(ids(r)).toEqual(['send.cleartext', 'send.delivered']);
      expect(r.body.session?.tls).toBeNull();
      expect(r.body.session?.steps.some((s) => s.stage === 'starttls')).toBe(false);
      const { headers, body } = await spooled('main', r);
      expect(headers).not.toMatch(/-tls_cipher/);
      expect(body).toBe('.\nbare\nCR\n');
    });

    it('--tls required --verify name: the chain and the name verified, then delivered', async () => {
      const r = await send('main', { tls: 'required', verify: 'name' });
      expect(r.body.outcome.result, r.body.outcome.reason).toBe('delivered');
      expect(r.body.session?.certificate).toMatchObject({ trusted: true, nameMatches: true });
      const { headers } = await spooled('main', r);
      expect(headers).toContain(`Message-ID: ${r.body.message.messageId}\n`);
      expect(headers).toMatch(/-tls_cipher/);
    });

    it('--tls implicit on port 465 (tls_on_connect_ports): TLS from the first byte, delivered', async () => {
      const r = await send('implicit', {});
      expect(r.body.settings.tls).toBe('implicit');
      expect(r.body.outcome.result, r.body.outcome.reason).toBe('delivered');
      expect(r.body.session?.steps[0]).toMatchObject({ stage: 'tls' });
      const { headers } = await spooled('implicit', r);
      expect(headers).toContain(`X-Mxray-Test: ${r.body.message.testId}\n`);
      expect(headers).toMatch(/-tls_cipher/);
    });

    for (const mechanism of ['PLAIN', 'LOGIN', 'CRAM-MD5'] as const) {
      it(`AUTH ${mechanism} inside TLS with Exim's own authenticator: logged in, the message stored as the user's, the secret in no report`, async () => {
        const r = await send('main', { tls: 'required', auth: { user: ACCOUNT.user, secret: ACCOUNT.password, mechanism, allowCleartext: false } });
        expect(r.body.outcome.result, r.body.outcome.reason).toBe('delivered');
        expect(r.body.session?.steps.find((s) => s.stage === 'auth')?.reply?.code).toBe(235);
        const { headers } = await spooled('main', r);
        // Exim records who logged in, by its authenticator's name.
        expect(headers).toMatch(new RegExp(`-auth_id ${ACCOUNT.user}\\n`));
        expect(JSON.stringify(r)).not.toContain(ACCOUNT.password);
        expect(JSON.stringify(r)).not.toContain(Buffer.from(`\0${ACCOUNT.user}\0${ACCOUNT.password}`).toString('base64'));
      });
    }

    it('a wrong password: 535 from Exim, the message not sent (send.auth-failed)', async () => {
      const r = await send('main', { tls: 'required', auth: { user: ACCOUNT.user, secret: 'wrong-password', mechanism: 'PLAIN', allowCleartext: false } });
      expect(r.body.outcome).toMatchObject({ result: 'refused', stage: 'auth' });
      expect(r.body.outcome.reply?.code).toBe(535);
      expect(ids(r)).toContain('send.auth-failed');
    });

    it('AUTH offered only inside TLS: with --tls none there is none to use, and nothing is sent', async () => {
      const r = await send('main', { tls: 'none', auth: { user: ACCOUNT.user, secret: ACCOUNT.password, mechanism: null, allowCleartext: true } });
      expect(r.body.session?.capabilities.some((c) => /^AUTH\b/.test(c))).toBe(false);
      expect(r.body.outcome).toMatchObject({ result: 'not-sent', cause: 'auth-unavailable' });
      expect(ids(r)).toContain('send.auth-unavailable');
    });

    it('--size over message_size_limit: 552 to MAIL FROM with SIZE=, explained with the limit Exim announced', async () => {
      const r = await send('main', { size: 300_000 });
      expect(r.body.outcome).toMatchObject({ result: 'refused', stage: 'mail' });
      expect(r.body.outcome.reply?.code).toBe(552);
      expect(ids(r)).toEqual(['send.refused', 'send.too-large']);
      expect(r.findings.find((f) => f.id === 'send.too-large')?.facts.limit).toBe('204800 bytes (SIZE in the EHLO reply)');
    });

    it('a client certificate required (tls_verify_hosts = *): without one no message goes; with one from the CA Exim trusts, delivered', async () => {
      const without = await send('clientCert', { tls: 'required' });
      // GnuTLS at TLS 1.3: the handshake completes on our side, then Exim's verdict comes as an alert.
      expect(without.body.outcome).toMatchObject({ result: 'failed', stage: 'tls' });
      expect(without.body.session?.tlsAlert).toBe('certificate_required');
      expect(ids(without)).toEqual(['send.client-cert-required']);
      expect(without.findings[0]!.title).toContain('certificate_required right after the handshake');
      // A certificate from a CA Exim does not trust: refused, and said so.
      const stranger = await pki.otherRoot.issue({ commonName: HELO, dnsNames: [HELO] });
      const refused = await send('clientCert', { tls: 'required', clientCertificate: { keyPem: stranger.keyPem, certPem: stranger.certPem, subject: `CN=${HELO} (untrusted CA)` } });
      expect(refused.body.outcome.result).toBe('failed');
      expect(ids(refused)).toEqual(['send.client-cert-refused']);
      expect(refused.findings[0]!.facts.subject).toBe(`CN=${HELO} (untrusted CA)`);
      const leaf = await pki.clientCa.issue({ commonName: HELO, dnsNames: [HELO] });
      const r = await send('clientCert', { tls: 'required', clientCertificate: { keyPem: leaf.keyPem, certPem: leaf.certPem, subject: `CN=${HELO}` } });
      expect(r.body.outcome.result, r.body.outcome.reason).toBe('delivered');
      expect(r.body.session?.tls?.clientCertificate).toBe(true);
      const { headers } = await spooled('clientCert', r);
      // Exim verified it and says so in the spool file.
      expect(headers).toMatch(/-tls_certificate_verified/);
    });

    it('an ACL that answers 421 at DATA (acl_smtp_predata defer): deferred at DATA, nothing stored', async () => {
      const r = await send('drop', { tls: 'required' });
      expect(r.body.outcome).toMatchObject({ result: 'deferred', stage: 'data' });
      expect(r.body.outcome.reply).toMatchObject({ code: 421, enhanced: '4.7.0' });
      expect(ids(r)).toEqual(['send.deferred']);
      expect(logs('drop')).not.toMatch(/ <= /);
    });

    it('an ACL that drops the connection at DATA (drop): refused at DATA with its reply, the server closed before our QUIT was answered', async () => {
      const r = await send('drop', { tls: 'required', to: [`drop@${DOMAIN}`] });
      expect(r.body.outcome).toMatchObject({ result: 'refused', stage: 'data' });
      expect(r.body.outcome.reply).toMatchObject({ code: 554, enhanced: '5.7.1' });
      expect(ids(r)).toEqual(['send.refused']);
      const after = r.transcript.slice(r.transcript.findIndex((e) => e.kind === 'recv' && e.text.startsWith('554 ')) + 1);
      expect(after.some((e) => e.kind === 'recv')).toBe(false);
      expect(after.some((e) => e.kind === 'close')).toBe(true);
      expect(logs('drop')).not.toMatch(/ <= /);
    });
  });
}
