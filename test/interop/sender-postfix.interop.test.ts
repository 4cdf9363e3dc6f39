// Interop for `mxray sender-test` (issue 23) with a real Postfix from Debian as the sending relay
// (test/interop/sender-lab.ts): one smtp(8) service per case — smtp_tls_security_level none / may /
// encrypt / secure, with and without a client certificate, protocols limited to TLS 1.1 and to TLS
// 1.0, SNI off (Postfix's default), the next hop's name and a fixed name, smtp_helo_name — each
// delivering one message to a test address of its own; the Report is read back through the API
// and its recorded facts are set next to what Postfix itself logged about the same delivery (its
// "TLS connection established to …" line at smtp_tls_loglevel 1, and its status= line).
//
// The judge and the DNS facts are still placeholders (other parts of issue 23): only the recorded
// facts of the sessions are asserted here, not findings.
//
// Needs root (the packages, the daemons' own users); without it every case is skipped with the
// reason, and with MXRAY_INTEROP_REQUIRE=1 (CI) that is a failure.
import { X509Certificate } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SenderReport } from '../../src/core/schema.js';
import type { SenderSession } from '../../src/core/sender-schema.js';
import { maskedAddress } from '../../src/jobs/sender/passcode.js';
import { schemaErrors } from '../helpers/schema.js';
import { runMxray } from '../helpers/cli.js';
import { interopPrerequisites } from './harness.js';
import { CASE_IDS, CUSTOM_HELO, CUSTOM_SNI, POSTFIX_HOSTNAME, SENDER_ADDRESS, SENDER_HOSTNAME, certificateNames, sourceOf, startSenderLab, type CaseId, type LoggedDelivery, type SenderLab } from './sender-lab.js';

const REQUIRED = process.env.MXRAY_INTEROP_REQUIRE === '1';
/** How long one API call waits for a result (the API's ?wait=). */
const WAIT_S = 30;

const skipAll = await interopPrerequisites();

if (skipAll !== null) {
  describe('interop: a real Postfix sends into the sender test', () => {
    if (REQUIRED) it('prerequisites (MXRAY_INTEROP_REQUIRE=1)', () => expect.fail(`interop cannot run: ${skipAll}`));
    else it.skip(`SKIPPED: ${skipAll}`, () => undefined);
  });
} else {
  describe('interop: a real Postfix sends into the sender test', () => {
    let dir: string;
    let lab: SenderLab;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'mxray-sender-interop-'));
      await chmod(dir, 0o755);
      lab = await startSenderLab(dir);
      // Every case's message at once (the follow-up of `secure` waits for its deferral, below).
      for (const c of CASE_IDS) if (c !== 'secure-then-may') await lab.send(c);
    }, 300_000);

    afterAll(async () => {
      await lab?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    }, 120_000);

    /** Postfix's delivery of the case and the report the API gives for it. */
    async function delivered(c: CaseId): Promise<{ logged: LoggedDelivery; report: SenderReport; session: SenderSession }> {
      const logged = await lab.delivery(c);
      const r = await lab.result(c, WAIT_S);
      expect(r.status, `GET the result of ${c}: ${JSON.stringify(r.body).slice(0, 500)}\nPostfix:\n${logged.lines.join('\n')}\nserver:\n${lab.serverLog.join('\n')}`).toBe(200);
      const report = r.report as SenderReport;
      expect(schemaErrors(report)).toEqual([]);
      expect(report.kind).toBe('sender');
      expect(report.body.hostname).toBe(SENDER_HOSTNAME);
      // The passcode is a credential (it reads the results): a report shows the address masked.
      expect(report.body.test.address).toBe(maskedAddress(lab.tests[c].passcode, SENDER_HOSTNAME));
      // MXRAY_SENDER_REPORTS=<folder>: each case's report kept there (the README's real output).
      if (process.env.MXRAY_SENDER_REPORTS) writeFileSync(join(process.env.MXRAY_SENDER_REPORTS, `${c}.json`), JSON.stringify(report));
      return { logged, report, session: report.body.session };
    }

    /** What every accepted case shares: Postfix logged status=sent with our 250, and the session is the case's own. */
    function expectAccepted(c: CaseId, logged: LoggedDelivery, session: SenderSession): void {
      expect(logged.status, logged.lines.join('\n')).toBe('sent');
      expect(logged.detail).toMatch(/^250 2\.6\.0 /);
      expect(logged.relay).toMatch(new RegExp(`^${SENDER_HOSTNAME.replace(/\./g, '\\.')}\\[${SENDER_ADDRESS.replace(/\./g, '\\.')}\\]:${session.listener.port}$`));
      expect(session.clientIp).toBe(sourceOf(c));
      expect(session.listener).toMatchObject({ address: SENDER_ADDRESS, policy: 'opportunistic' });
      expect(session.mailFrom).toBe(`lab@${POSTFIX_HOSTNAME}`);
      expect(session.rcptTo).toEqual([c === 'secure-then-may' ? lab.tests.secure.fixedAddress : maskedAddress(lab.tests[c].passcode, SENDER_HOSTNAME)]);
      expect(session.outcome).toBe('accepted');
      expect(session.finalReply?.code).toBe(250);
      expect(session.message).toMatchObject({ truncated: false });
      // Postfix declares the size it sends (SIZE=) and the message arrived whole.
      expect(session.mailParams.size).toBeGreaterThan(0);
    }

    /** Our TLS facts agree with Postfix's own "TLS connection established to …" line of the same delivery. */
    function expectTlsAsLogged(logged: LoggedDelivery, session: SenderSession, protocol: string): void {
      expect(logged.tls, logged.lines.join('\n')).not.toBeNull();
      expect(logged.tls?.peer).toBe(`${SENDER_HOSTNAME}[${SENDER_ADDRESS}]:${session.listener.port}`);
      // Our certificate is self-signed: Postfix took it as it is, unverified ("Untrusted").
      expect(logged.tls?.trust).toBe('Untrusted');
      expect(logged.tls?.protocol).toBe(protocol);
      expect(session.tls).toMatchObject({ offered: true, attempted: true, established: true, protocol, cipher: logged.tls?.cipher, failure: null });
      const keyExchange = /key-exchange (\S+)/.exec(logged.lines.find((l) => l.includes('TLS connection established to')) ?? '')?.[1];
      // The group is read from the handshake bytes (tls-tap); when it is there it is the one Postfix logged.
      // (Postfix names no key exchange for TLS 1.1 and older.)
      if (session.tls.group !== null && keyExchange !== undefined) expect(session.tls.group.toLowerCase()).toBe(keyExchange.toLowerCase());
    }

    it('level may (the default of a Debian Postfix relay): TLS 1.3, no SNI, no client certificate, EHLO = myhostname before and after STARTTLS', async () => {
      const { logged, session, report } = await delivered('may');
      expectAccepted('may', logged, session);
      expectTlsAsLogged(logged, session, 'TLSv1.3');
      expect(session.tls.cipher).toMatch(/^TLS_AES_/);
      expect(session.tls.sni).toBeNull();
      expect(session.tls.clientCertificate).toEqual({ requested: true, chain: [], opensslError: null });
      expect(session.greetingBeforeTls).toEqual({ command: 'EHLO', name: POSTFIX_HOSTNAME });
      expect(session.greeting).toEqual({ command: 'EHLO', name: POSTFIX_HOSTNAME });
      expect(report.body.test.matchedBy).toBe('recipient');
      expect(report.body.earlier).toEqual([]);
      // The transcript, told from the client's side: STARTTLS, the handshake, EHLO again, the message.
      const said = report.transcript.filter((e) => e.kind === 'send').map((e) => e.text.split(' ')[0]);
      expect(said).toEqual(['EHLO', 'STARTTLS', 'EHLO', 'MAIL', 'RCPT', 'DATA']);
      expect(report.transcript.some((e) => e.kind === 'tls' && e.text.includes('TLSv1.3'))).toBe(true);
    });

    it('level encrypt: TLS 1.3, as Postfix logged it', async () => {
      const { logged, session } = await delivered('encrypt');
      expectAccepted('encrypt', logged, session);
      expectTlsAsLogged(logged, session, 'TLSv1.3');
      expect(session.tls.sni).toBeNull();
      expect(session.tls.clientCertificate.chain).toEqual([]);
    });

    it('level none: clear text — STARTTLS offered, not attempted; Postfix logged no TLS', async () => {
      const { logged, session, report } = await delivered('none');
      expectAccepted('none', logged, session);
      expect(logged.tls).toBeNull();
      expect(session.tls).toMatchObject({ offered: true, attempted: false, established: false, protocol: null, cipher: null, sni: null, failure: null });
      expect(session.tls.clientCertificate).toEqual({ requested: false, chain: [], opensslError: null });
      expect(session.greeting).toEqual({ command: 'EHLO', name: POSTFIX_HOSTNAME });
      expect(session.greetingBeforeTls).toBeNull();
      expect(report.transcript.some((e) => e.kind === 'send' && /^STARTTLS/i.test(e.text))).toBe(false);
    });

    it('mxray sender-test show (the built command, through the API) prints the reports: FAIL for clear text, PASS for TLS 1.3, --json the same Report', async () => {
      const clear = await runMxray(['sender-test', 'show', lab.tests.none.passcode, '--server', lab.api.url, '--width', '100']);
      expect(clear.code, clear.stderr).toBe(1);
      expect(clear.stdout).toMatch(/^FAIL — your server sent in clear text although we offered STARTTLS$/m);
      const tls = await runMxray(['sender-test', 'show', lab.tests.may.passcode, '--server', lab.api.url, '--width', '100']);
      expect(tls.code, tls.stderr).toBe(0);
      expect(tls.stdout).toMatch(/^PASS — your server sent with TLS 1\.3 \(TLS_AES_\S+\), no client certificate$/m);
      const json = await runMxray(['sender-test', 'show', lab.tests.may.passcode, '--server', lab.api.url, '--json']);
      expect(json.code, json.stderr).toBe(0);
      const shown = JSON.parse(json.stdout) as SenderReport;
      expect(schemaErrors(shown)).toEqual([]);
      expect(shown.body.session.tls.protocol).toBe('TLSv1.3');
      expect(shown.body.session.greeting).toEqual({ command: 'EHLO', name: POSTFIX_HOSTNAME });
    });

    for (const c of ['may-cert', 'encrypt-cert'] as const) {
      it(`${c}: the client certificate (smtp_tls_chain_files) is recorded as sent, leaf first; OpenSSL's verdict on it is kept`, async () => {
        const { logged, session } = await delivered(c);
        expectAccepted(c, logged, session);
        expectTlsAsLogged(logged, session, 'TLSv1.3');
        const chain = session.tls.clientCertificate.chain;
        expect(chain).toHaveLength(2);
        const leaf = certificateNames(chain[0] as string);
        expect(leaf.subject).toContain(`CN=${POSTFIX_HOSTNAME}`);
        expect(leaf.issuer).toContain('CN=mxray interop client CA');
        expect(certificateNames(chain[1] as string).subject).toContain('CN=mxray interop client CA');
        // The test PKI issues leaves with EKU serverAuth only: as a client certificate OpenSSL calls
        // that X509_V_ERR_INVALID_PURPOSE (26, "unsupported certificate purpose") — the real case of
        // a server certificate reused for sending.
        expect(session.tls.clientCertificate).toMatchObject({ requested: true, opensslError: 'INVALID_PURPOSE' });
      });
    }

    it('smtp_tls_protocols = <=TLSv1.1 at level may (ciphers at OpenSSL security level 0): TLS 1.1, as Postfix logged it', async () => {
      const { logged, session } = await delivered('may-tls11');
      expectAccepted('may-tls11', logged, session);
      expectTlsAsLogged(logged, session, 'TLSv1.1');
      // No TLS 1.3 suite and no AEAD before TLS 1.2: a CBC suite with SHA-1.
      expect(session.tls.cipher).toMatch(/-SHA$/);
    });

    it('smtp_tls_mandatory_protocols = <=TLSv1 at level encrypt: TLS 1.0, as Postfix logged it', async () => {
      const { logged, session } = await delivered('encrypt-tls10');
      expectAccepted('encrypt-tls10', logged, session);
      expectTlsAsLogged(logged, session, 'TLSv1');
      expect(session.tls.cipher).toMatch(/-SHA$/);
    });

    it('smtp_tls_servername = hostname: the SNI is the next hop\'s name; a fixed smtp_tls_servername is sent as it is', async () => {
      const byName = await delivered('sni-hostname');
      expectAccepted('sni-hostname', byName.logged, byName.session);
      expectTlsAsLogged(byName.logged, byName.session, 'TLSv1.3');
      expect(byName.session.tls.sni).toBe(SENDER_HOSTNAME);
      expect(byName.report.transcript.some((e) => e.kind === 'tls' && e.text.includes(`SNI ${SENDER_HOSTNAME}`))).toBe(true);
      const fixed = await delivered('sni-fixed');
      expectAccepted('sni-fixed', fixed.logged, fixed.session);
      expect(fixed.session.tls.sni).toBe(CUSTOM_SNI);
    });

    it('smtp_helo_name: the greeting recorded is that name, before and after STARTTLS', async () => {
      const { logged, session } = await delivered('helo');
      expectAccepted('helo', logged, session);
      expectTlsAsLogged(logged, session, 'TLSv1.3');
      expect(session.greetingBeforeTls).toEqual({ command: 'EHLO', name: CUSTOM_HELO });
      expect(session.greeting).toEqual({ command: 'EHLO', name: CUSTOM_HELO });
    });

    let second: SenderReport | null = null;
    it('a second message to the same test from the same address: a second result, the session its own', async () => {
      const first = await delivered('twice');
      expectAccepted('twice', first.logged, first.session);
      const firstId = (await lab.result('twice', 0)).id as number;
      await lab.send('twice');
      const logged = await lab.delivery('twice', 2);
      expect(logged.status, logged.lines.join('\n')).toBe('sent');
      const r = await lab.result('twice', WAIT_S, firstId);
      expect(r.status).toBe(200);
      expect(r.id).toBeGreaterThan(firstId);
      second = r.report as SenderReport;
      expect(schemaErrors(second)).toEqual([]);
      expect(second.body.session.id).not.toBe(first.session.id);
      expectAccepted('twice', logged, second.body.session);
    });

    it('…whose report does not count the first, accepted and reported delivery as an earlier attempt', () => {
      expect(second).not.toBeNull();
      expect(second?.body.earlier).toEqual([]);
    });

    it('level none into the require-tls listener: 530 to RCPT, Postfix bounces the message (5.7.0), and the result is stored as refused', async () => {
      const logged = await lab.delivery('none-require-tls');
      // A 5xx to RCPT is permanent for Postfix: bounced, not deferred.
      expect(logged.status, logged.lines.join('\n')).toBe('bounced');
      expect(logged.detail).toMatch(/ said: 530 5\.7\.0 Must issue a STARTTLS command first.* \(in reply to RCPT TO command\)$/);
      expect(logged.tls).toBeNull();
      const r = await lab.result('none-require-tls', WAIT_S);
      expect(r.status, JSON.stringify(r.body).slice(0, 500)).toBe(200);
      const report = r.report as SenderReport;
      expect(schemaErrors(report)).toEqual([]);
      const session = report.body.session;
      expect(session.listener).toMatchObject({ address: SENDER_ADDRESS, policy: 'require-tls' });
      expect(session.clientIp).toBe(sourceOf('none-require-tls'));
      expect(session.tls).toMatchObject({ offered: true, attempted: false, established: false });
      expect(session.outcome).toBe('refused');
      expect(session.finalReply).toMatchObject({ code: 530 });
      expect(session.finalReply?.text).toMatch(/^5\.7\.0 Must issue a STARTTLS command first/);
      expect(session.message).toBeNull();
      // Postfix had no recipient left: it said QUIT, and the result was stored at the close.
      expect(session.ended).toBe('quit');
    });

    it('require-client-cert listener, a certificate from the trusted client CA with EKU clientAuth (as partner connectors have): accepted, the chain recorded', async () => {
      const { logged, session } = await delivered('ccert-client-eku');
      expect(logged.status, logged.lines.join('\n')).toBe('sent');
      expect(session.listener).toMatchObject({ address: SENDER_ADDRESS, policy: 'require-client-cert' });
      expect(session.clientIp).toBe(sourceOf('ccert-client-eku'));
      expect(session.outcome).toBe('accepted');
      expectTlsAsLogged(logged, session, 'TLSv1.3');
      const chain = session.tls.clientCertificate.chain;
      expect(chain).toHaveLength(2);
      expect(new X509Certificate(Buffer.from(chain[0] as string, 'base64')).fingerprint256).toBe(new X509Certificate(lab.clientCertPem['client-eku']).fingerprint256);
      // OpenSSL's verdict in the handshake is against Node's bundled roots (the listener sends an
      // empty CA list and its TLS context has no `ca`), not the trust store the policy used: our
      // client CA is a private root, so OpenSSL calls the chain self-signed although the policy
      // accepted it.
      expect(session.tls.clientCertificate.opensslError).toBe('SELF_SIGNED_CERT_IN_CHAIN');
    });

    it('require-client-cert listener, a certificate from the trusted client CA with EKU serverAuth only: refused (530 5.7.1), as an OpenSSL receiver refuses it', async () => {
      const logged = await lab.delivery('ccert-server-eku');
      const r = await lab.result('ccert-server-eku', WAIT_S);
      expect(r.status).toBe(200);
      const session = (r.report as SenderReport).body.session;
      expect(session.tls.clientCertificate.opensslError).toBe('INVALID_PURPOSE');
      expect(session.outcome).toBe('refused');
      expect(session.finalReply?.code).toBe(530);
      expect(logged.status).toBe('bounced');
    });

    it('require-client-cert listener, Postfix at encrypt without a client certificate: 530 5.7.1 to RCPT, Postfix bounces, stored as refused', async () => {
      const logged = await lab.delivery('ccert-none');
      expect(logged.status, logged.lines.join('\n')).toBe('bounced');
      expect(logged.detail).toMatch(/ said: 530 5\.7\.1 A client certificate is required.* \(in reply to RCPT TO command\)$/);
      const r = await lab.result('ccert-none', WAIT_S);
      expect(r.status, JSON.stringify(r.body).slice(0, 500)).toBe(200);
      const report = r.report as SenderReport;
      expect(schemaErrors(report)).toEqual([]);
      const session = report.body.session;
      expect(session.listener.policy).toBe('require-client-cert');
      expect(session.tls).toMatchObject({ established: true, protocol: 'TLSv1.3', cipher: logged.tls?.cipher });
      expect(session.tls.clientCertificate).toEqual({ requested: true, chain: [], opensslError: null });
      expect(session.outcome).toBe('refused');
      expect(session.finalReply?.code).toBe(530);
      expect(session.finalReply?.text).toMatch(/^5\.7\.1 A client certificate is required/);
      expect(session.ended).toBe('quit');
    });

    it('level secure against our self-signed certificate: Postfix completes the handshake, says QUIT inside TLS without MAIL, and defers (4.7.5); the session is in the next report from that address', async () => {
      const logged = await lab.delivery('secure');
      expect(logged.status, logged.lines.join('\n')).toBe('deferred');
      expect(logged.detail).toBe('Server certificate not verified');
      expect(logged.lines.some((l) => /certificate verification failed for .*: self-signed certificate$/.test(l))).toBe(true);
      expect(logged.tls).toMatchObject({ trust: 'Untrusted', protocol: 'TLSv1.3' });
      // No MAIL, no RCPT: the passcode never arrived, so the test has no result yet.
      const waiting = await lab.result('secure', 0);
      expect(waiting.status).toBe(202);
      expect(waiting.body).toMatchObject({ status: 'waiting', address: lab.tests.secure.address });

      // The same source address then sends at level may, to the fixed address with the passcode in the Subject.
      await lab.send('secure-then-may');
      const then = await delivered('secure-then-may');
      expectAccepted('secure-then-may', then.logged, then.session);
      expect(then.report.body.test.matchedBy).toBe('subject');
      expect(then.report.body.earlier).toHaveLength(1);
      const refused = then.report.body.earlier[0] as SenderSession;
      expect(refused.clientIp).toBe(sourceOf('secure'));
      // The story of "your server refused our certificate": TLS established, then QUIT inside TLS,
      // no EHLO after the handshake, no MAIL.
      expect(refused.tls).toMatchObject({ offered: true, attempted: true, established: true, protocol: 'TLSv1.3', cipher: logged.tls?.cipher, failure: null });
      expect(refused.greetingBeforeTls).toEqual({ command: 'EHLO', name: POSTFIX_HOSTNAME });
      expect(refused.greeting).toBeNull();
      expect(refused).toMatchObject({ mailFrom: null, rcptTo: [], message: null, outcome: 'no-message', finalReply: null, ended: 'quit', commands: 3 });
      // Its lines in the transcript (a multi-line reply as one), told from the client's side.
      const lines = then.report.transcript.filter((e) => e.conn.endsWith(`/${refused.id}`));
      // Postfix closes the connection (without close_notify) as soon as it has read our 221: writing
      // ours then meets a reset, which the transcript shows as an error line after the 221 in some
      // runs and not in others (a race on loopback). Those lines are set aside here, and they must be just that.
      const afterBye = lines.slice(lines.findIndex((e) => e.kind === 'recv' && e.text.startsWith('221 ')) + 1);
      const resets = afterBye.filter((e) => e.kind === 'error');
      for (const e of resets) expect(e.text).toMatch(/^write (ECONNRESET|EPIPE)$/);
      const first = lines
        .filter((e) => !resets.includes(e))
        .map((e) => `${e.kind} ${e.kind === 'recv' ? e.text.slice(0, 3) : e.text.split(' ')[0]}`)
        .filter((line, i, all) => line !== all[i - 1]);
      expect(first).toEqual([
        `connect ${sourceOf('secure')}:${refused.clientPort}`,
        'recv 220',
        'send EHLO',
        'recv 250',
        'send STARTTLS',
        'recv 220',
        'tls TLS',
        'send QUIT',
        'recv 221',
        'close closed:',
      ]);
    });
  });
}
