// Interop for `mxray explain` on the error lines real MTAs write: the Debian Postfix and Exim of
// the interop harness, in the lab of test/interop/explain-lab.ts (all on 127.0.21.x, in a
// temporary folder), are made to fail the ways the rules of src/kb/error-rules/postfix.ts and
// exim.ts describe — a client that requires TLS from a server without STARTTLS, verifying clients
// against self-signed, wrong-name, expired and chain-less certificates, servers whose key does
// not match their certificate, clients that give up after STARTTLS or offer no cipher the server
// has, peers that close or send text where TLS should start — and every line they log is read
// from their own log files and given to explainLine(): the rule that must recognise it, and the
// confirming command naming the host or address of that very line.
//
// Needs root (the packages, port 25, private mount namespaces); without it every case is skipped
// with the reason, and with MXRAY_INTEROP_REQUIRE=1 (CI) that is a failure.
// MXRAY_EXPLAIN_LAB_DUMP=<file> keeps both logs there for a look by hand.
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainLine } from '../../src/kb/explain-text.js';
import {
  abandonStarttls,
  opensslStarttls,
  runPostfixDane,
  startEximLab,
  startPostfixLab,
  startScriptedPeers,
  waitForLine,
  writeTlsFiles,
  type EximLab,
  type PostfixLab,
} from './explain-lab.js';
import { daneWorldMissing, startDaneWorld, type DaneWorld, type WorldSpec } from '../helpers/dane-world/client.js';
import { createInteropPki, interopPrerequisites, serverTls, type CertCase } from './harness.js';
import type { TlsMaterial } from './mta/types.js';

const REQUIRED = process.env.MXRAY_INTEROP_REQUIRE === '1';
const skipAll = await interopPrerequisites(['test/interop/setup.sh', 'test/interop/setup-exim-opensmtpd.sh']);

const D = 'explain.test';
/** The lab's hosts: the name each server greets with, and its loopback address. */
const HOST = {
  selfSigned: ['mx.self-signed.explain.test', '127.0.21.2'],
  wrongName: ['mx.wrong-name.explain.test', '127.0.21.3'],
  good: ['mx.good.explain.test', '127.0.21.4'],
  expired: ['mx.expired.explain.test', '127.0.21.5'],
  noIntermediate: ['mx.no-intermediate.explain.test', '127.0.21.6'],
  untrustedRoot: ['mx.untrusted-root.explain.test', '127.0.21.7'],
  oldTls: ['mx.old-tls.explain.test', '127.0.21.8'],
  keyMismatch: ['mx.key-mismatch.explain.test', '127.0.21.9'],
  legacyKey: ['mx.legacy-key.explain.test', '127.0.21.10'],
  noCaFile: ['mx.no-cafile.explain.test', '127.0.21.11'],
  noCert: ['mx.no-cert.explain.test', '127.0.21.12'],
  tlsOnly: ['mx.tls-only.explain.test', '127.0.21.13'],
  plain: ['mx.plain.explain.test', '127.0.21.21'],
  close: ['mx.close.explain.test', '127.0.21.23'],
  garbage: ['mx.garbage.explain.test', '127.0.21.24'],
  tlsDrop: ['mx.tls-drop.explain.test', '127.0.21.25'],
  exim: ['mx.exim.explain.test', '127.0.21.50'],
  eximKey: ['mx.exim-key.explain.test', '127.0.21.51'],
  eximVerify: ['mx.exim-verify.explain.test', '127.0.21.52'],
  eximNoCert: ['mx.exim-no-cert.explain.test', '127.0.21.53'],
} as const satisfies Record<string, readonly [string, string]>;
type HostKey = keyof typeof HOST;
const name = (h: HostKey): string => HOST[h][0];
const addr = (h: HostKey): string => HOST[h][1];

/** The rules of the products (not the library reasons layered under them) that recognise a line. */
function productRules(line: string) {
  return explainLine(line).matches.filter((m) => m.rule.reason !== true);
}

/** The line is recognised by exactly one product rule, `id`, with this command (and these captures). */
function expectExplained(line: string, id: string, confirm: string, captures: Record<string, string> = {}): void {
  const matches = productRules(line);
  expect(
    matches.map((m) => m.rule.id),
    line,
  ).toEqual([id]);
  expect(matches[0]?.confirm, line).toBe(confirm);
  expect(matches[0]?.captures, line).toMatchObject(captures);
}

if (skipAll !== null) {
  describe('interop: mxray explain on real Postfix and Exim lines', () => {
    if (REQUIRED) it('prerequisites (MXRAY_INTEROP_REQUIRE=1)', () => expect.fail(`interop cannot run: ${skipAll}`));
    else it.skip(`SKIPPED: ${skipAll}`, () => undefined);
  });
} else {
  describe('interop: mxray explain on real Postfix and Exim lines', () => {
    let dir: string;
    let postfix: PostfixLab;
    let exim: EximLab;
    let peers: { stop(): Promise<void> } | null = null;
    const pfLog = (): string => postfix.log();
    const exLog = (): string => exim.log();

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'mxray-explain-lab-'));
      await chmod(dir, 0o755);
      const pki = await createInteropPki(Date.now());
      const tlsDir = join(dir, 'tls');
      const caFile = join(tlsDir, 'root.pem');
      const files = async (h: HostKey, cert: CertCase) => writeTlsFiles(tlsDir, h, await serverTls(pki, cert, name(h)));
      await writeTlsFiles(tlsDir, 'unused', await serverTls(pki, 'good', 'unused.explain.test'));
      await writeFile(caFile, pki.root.cert.certPem, { mode: 0o644 });
      const good = await serverTls(pki, 'good', name('good'));
      const goodFiles = await writeTlsFiles(tlsDir, 'good', good);
      const other = await serverTls(pki, 'good', 'other.explain.test');
      // A key that belongs to another certificate: Postfix's chain file, Postfix's legacy pair, Exim's pair.
      const mismatched: TlsMaterial = { keyPem: other.keyPem, chainPem: good.chainPem };
      const mismatchFiles = await writeTlsFiles(tlsDir, 'mismatch', mismatched);
      const garbage = join(tlsDir, 'garbage.pem');
      await writeFile(garbage, 'this is not PEM\n', { mode: 0o600 });

      const ss = await files('selfSigned', 'self-signed');
      const wn = await files('wrongName', 'wrong-name');
      const ex = await files('expired', 'expired');
      const ni = await files('noIntermediate', 'missing-intermediate');
      const ur = await files('untrustedRoot', 'untrusted-root');
      const chain = (f: string) => `smtpd_tls_chain_files=${f}`;
      const listen = (h: HostKey, port: number, ...options: string[]) => ({ address: addr(h), port, hostname: name(h), options: ['smtpd_tls_security_level=may', ...options] });

      peers = await startScriptedPeers(
        [
          { address: addr('plain'), name: name('plain'), mode: 'plain' },
          { address: addr('close'), name: name('close'), mode: 'close' },
          { address: addr('garbage'), name: name('garbage'), mode: 'garbage' },
          { address: addr('tlsDrop'), name: name('tlsDrop'), mode: 'tls-drop' },
        ],
        good,
      );
      const hosts = Object.fromEntries(Object.values(HOST).map(([n, a]) => [n, a]));

      postfix = await startPostfixLab({
        workDir: join(dir, 'postfix'),
        hostname: `client.pf.${D}`,
        hosts,
        mainCf: [`smtp_tls_CAfile = ${caFile}`],
        listeners: [
          listen('good', 25, chain(goodFiles.chainFile)),
          listen('selfSigned', 25, chain(ss.chainFile)),
          listen('selfSigned', 26, chain(ss.chainFile)),
          listen('wrongName', 25, chain(wn.chainFile)),
          listen('wrongName', 27, chain(wn.chainFile)),
          listen('expired', 25, chain(ex.chainFile)),
          listen('expired', 26, chain(ex.chainFile)),
          listen('noIntermediate', 26, chain(ni.chainFile)),
          listen('untrustedRoot', 26, chain(ur.chainFile)),
          // TLS 1.0 only, at OpenSSL security level 0 (as the harness's old-protocol servers).
          listen('oldTls', 25, chain(goodFiles.chainFile), 'smtpd_tls_protocols=TLSv1', 'smtpd_tls_mandatory_protocols=TLSv1', 'tls_medium_cipherlist=ALL:@SECLEVEL=0'),
          listen('keyMismatch', 25, chain(mismatchFiles.chainFile)),
          listen('legacyKey', 25, 'smtpd_tls_chain_files=', `smtpd_tls_cert_file=${goodFiles.cert}`, `smtpd_tls_key_file=${mismatchFiles.key}`),
          listen('noCaFile', 25, chain(goodFiles.chainFile), `smtpd_tls_CAfile=${join(dir, 'missing', 'ca.pem')}`),
          listen('noCert', 25, chain(join(dir, 'missing', 'chain.pem'))),
          { ...listen('tlsOnly', 25, chain(goodFiles.chainFile)), options: ['smtpd_tls_security_level=encrypt', chain(goodFiles.chainFile)] },
        ],
        services: [
          `noengine unix - - n - - smtp\n  -o smtp_tls_security_level=encrypt\n  -o smtp_tls_chain_files=${garbage}`,
          'danecfg unix - - n - - smtp\n  -o smtp_tls_security_level=dane',
          'cleartext unix - - n - - smtp\n  -o smtp_tls_security_level=none',
        ],
        routes: [
          { domain: `plain.${D}`, host: name('plain'), port: 25, policy: 'encrypt' },
          { domain: `ss-encrypt.${D}`, host: name('selfSigned'), port: 25, policy: 'encrypt' },
          { domain: `ss-verify.${D}`, host: name('selfSigned'), port: 26, policy: 'verify' },
          { domain: `wn-secure.${D}`, host: name('wrongName'), port: 27, policy: 'secure' },
          { domain: `expired-verify.${D}`, host: name('expired'), port: 26, policy: 'verify' },
          { domain: `noint-verify.${D}`, host: name('noIntermediate'), port: 26, policy: 'verify' },
          { domain: `untrusted-verify.${D}`, host: name('untrustedRoot'), port: 26, policy: 'verify' },
          { domain: `old-strict.${D}`, host: name('oldTls'), port: 25, policy: 'encrypt protocols=>=TLSv1.2' },
          { domain: `key-mismatch.${D}`, host: name('keyMismatch'), port: 25, policy: 'encrypt' },
          { domain: `legacy-key.${D}`, host: name('legacyKey'), port: 25, policy: 'encrypt' },
          { domain: `no-cafile.${D}`, host: name('noCaFile'), port: 25, policy: 'encrypt' },
          { domain: `no-cert.${D}`, host: name('noCert'), port: 25, policy: 'encrypt' },
          { domain: `close.${D}`, host: name('close'), port: 25, policy: 'encrypt' },
          { domain: `garbage.${D}`, host: name('garbage'), port: 25, policy: 'encrypt' },
          { domain: `exim-key.${D}`, host: name('eximKey'), port: 25, policy: 'encrypt' },
          { domain: `noengine.${D}`, service: 'noengine', host: name('good'), port: 25 },
          { domain: `danecfg.${D}`, service: 'danecfg', host: name('good'), port: 25 },
          { domain: `cleartext.${D}`, service: 'cleartext', host: name('tlsOnly'), port: 25 },
        ],
      });

      exim = await startEximLab({
        workDir: join(dir, 'exim'),
        hostname: `client.ex.${D}`,
        hosts,
        listeners: [
          { address: addr('exim'), certFile: goodFiles.cert, keyFile: goodFiles.key },
          { address: addr('eximKey'), certFile: goodFiles.cert, keyFile: mismatchFiles.key },
          { address: addr('eximVerify'), certFile: goodFiles.cert, keyFile: goodFiles.key, verifyClients: true },
          { address: addr('eximNoCert'), certFile: join(dir, 'missing', 'cert.pem'), keyFile: goodFiles.key },
        ],
        clientCaFile: caFile,
        transports: {
          t_require: ['hosts_require_tls = *'],
          t_verify: ['hosts_require_tls = *', 'tls_verify_hosts = *', `tls_verify_certificates = ${caFile}`],
          t_plain: [`tls_verify_certificates = ${caFile}`],
          t_avoid: ['hosts_avoid_tls = *'],
        },
        routes: [
          { domain: `plain.${D}`, host: name('plain'), port: 25, transport: 't_require' },
          { domain: `ss-verify.${D}`, host: name('selfSigned'), port: 25, transport: 't_verify' },
          { domain: `wn-verify.${D}`, host: name('wrongName'), port: 25, transport: 't_verify' },
          { domain: `refuse.${D}`, host: name('keyMismatch'), port: 25, transport: 't_require' },
          { domain: `close.${D}`, host: name('close'), port: 25, transport: 't_require' },
          { domain: `garbage.${D}`, host: name('garbage'), port: 25, transport: 't_require' },
          { domain: `tls-drop.${D}`, host: name('tlsDrop'), port: 25, transport: 't_plain' },
          { domain: `unverified.${D}`, host: name('expired'), port: 25, transport: 't_plain' },
          { domain: `cleartext.${D}`, host: name('tlsOnly'), port: 25, transport: 't_avoid' },
        ],
      });

      // Every failure at once; each test below waits for its own lines.
      for (const d of ['plain', 'ss-encrypt', 'ss-verify', 'wn-secure', 'expired-verify', 'noint-verify', 'untrusted-verify', 'old-strict', 'key-mismatch', 'legacy-key', 'no-cafile', 'no-cert', 'close', 'garbage', 'exim-key', 'noengine', 'danecfg', 'cleartext']) {
        await postfix.send(`postmaster@${d}.${D}`);
      }
      for (const d of ['plain', 'ss-verify', 'wn-verify', 'refuse', 'close', 'garbage', 'tls-drop', 'unverified', 'cleartext']) {
        await exim.send(`postmaster@${d}.${D}`);
      }
      // Clients that give up right after 220 to STARTTLS: one closes, one sends text instead of a ClientHello.
      await abandonStarttls(addr('good'), 25, 'close');
      await abandonStarttls(addr('good'), 25, 'garbage');
      await abandonStarttls(addr('exim'), 25, 'close');
      await abandonStarttls(addr('exim'), 25, 'garbage');
      // An ECDSA-only cipher against RSA certificates: nothing in common.
      await opensslStarttls(addr('good'), 25, ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-GCM-SHA256']);
      await opensslStarttls(addr('exim'), 25, ['-tls1_2', '-cipher', 'ECDHE-ECDSA-AES128-GCM-SHA256']);
      // A client certificate from a CA the server does not trust, where Exim insists on one; and none at all.
      const stranger = await writeTlsFiles(tlsDir, 'stranger', await serverTls(pki, 'self-signed', `client.${D}`));
      await opensslStarttls(addr('eximVerify'), 25, ['-cert', stranger.cert, '-key', stranger.key]);
      await opensslStarttls(addr('eximVerify'), 25, []);
      await opensslStarttls(addr('eximNoCert'), 25, []);
    }, 300_000);

    afterAll(async () => {
      const out = process.env.MXRAY_EXPLAIN_LAB_DUMP;
      if (out && postfix && exim) await writeFile(out, `${postfix.log()}\n=====\n${exim.log()}\n`);
      await Promise.all([postfix?.instance.stop(), exim?.instance.stop(), peers?.stop()]);
      if (dir) await rm(dir, { recursive: true, force: true });
    }, 120_000);

    /** The product rule ids and the library reasons layered under them, in order. */
    const allIds = (line: string) => explainLine(line).matches.map((m) => m.rule.id);

    describe('Postfix smtp(8), the client', () => {
      it('encrypt, the server offers no STARTTLS: deferred 4.7.4, "TLS is required, but was not offered by host"', async () => {
        const line = await waitForLine(pfLog, /status=deferred \(TLS is required, but was not offered/);
        expect(line).toContain('dsn=4.7.4');
        expectExplained(line, 'postfix.tls-required-not-offered', `mxray check ${name('plain')}`, { host: name('plain'), ip: addr('plain') });
      });

      it('encrypt, a self-signed server: "Untrusted TLS connection established", and sent', async () => {
        const line = await waitForLine(pfLog, new RegExp(`Untrusted TLS connection established to ${name('selfSigned')}\\[${addr('selfSigned')}\\]:25: `));
        expectExplained(line, 'postfix.untrusted-tls', `mxray cert ${name('selfSigned')}`, { host: name('selfSigned'), ip: addr('selfSigned'), protocol: 'TLSv1.3' });
        expect(await waitForLine(pfLog, /to=<postmaster@ss-encrypt\.explain\.test>.*status=sent/)).toBeTruthy();
      });

      it('verify, a self-signed server: "certificate verification failed …: self-signed certificate" with OpenSSL’s reason, then "Server certificate not verified"', async () => {
        const failed = await waitForLine(pfLog, new RegExp(`certificate verification failed for ${name('selfSigned')}\\[${addr('selfSigned')}\\]:26: `));
        expect(failed).toMatch(/: self-signed certificate$/);
        expectExplained(failed, 'postfix.certificate-verification-failed', `mxray cert ${name('selfSigned')}`, { host: name('selfSigned'), ip: addr('selfSigned'), why: 'self-signed certificate' });
        expect(allIds(failed)).toEqual(['postfix.certificate-verification-failed', 'openssl.self-signed']);
        const status = await waitForLine(pfLog, /to=<postmaster@ss-verify\.explain\.test>.*status=deferred/);
        expect(status).toMatch(/dsn=4\.7\.5, status=deferred \(Server certificate not verified\)$/);
        expectExplained(status, 'postfix.server-certificate-not-trusted', `mxray cert ${name('selfSigned')} --profile postfix-verify --profile postfix-secure`, {
          host: name('selfSigned'),
          ip: addr('selfSigned'),
          status: 'deferred',
          what: 'verified',
        });
      });

      it('secure, a trusted certificate for another name: "num=62:hostname mismatch", deferred', async () => {
        const line = await waitForLine(pfLog, new RegExp(`certificate verification failed for ${name('wrongName')}\\[${addr('wrongName')}\\]:27: `));
        expect(line).toMatch(/num=62:hostname mismatch$/);
        expectExplained(line, 'postfix.certificate-name-mismatch', `mxray cert ${name('wrongName')} --profile postfix-verify --profile postfix-secure`, { host: name('wrongName'), ip: addr('wrongName') });
        const status = await waitForLine(pfLog, /to=<postmaster@wn-secure\.explain\.test>.*status=deferred/);
        expectExplained(status, 'postfix.server-certificate-not-trusted', `mxray cert ${name('wrongName')} --profile postfix-verify --profile postfix-secure`, { host: name('wrongName') });
      });

      it('verify, an expired certificate: "certificate has expired", with OpenSSL’s reason', async () => {
        const line = await waitForLine(pfLog, new RegExp(`certificate verification failed for ${name('expired')}\\[${addr('expired')}\\]:26: `));
        expect(line).toMatch(/: certificate has expired$/);
        expectExplained(line, 'postfix.certificate-verification-failed', `mxray cert ${name('expired')}`, { host: name('expired'), why: 'certificate has expired' });
        expect(allIds(line)).toContain('openssl.certificate-expired');
      });

      it('verify, a chain without its intermediate, and one up to an unknown root: "untrusted issuer" naming the CA missing', async () => {
        for (const [h, issuer] of [
          ['noIntermediate', 'mxray interop intermediate CA'],
          ['untrustedRoot', 'mxray interop untrusted root CA'],
        ] as const) {
          const line = await waitForLine(pfLog, new RegExp(`certificate verification failed for ${name(h)}\\[${addr(h)}\\]:26: `));
          expect(line).toContain(`untrusted issuer /CN=${issuer}`);
          expectExplained(line, 'postfix.certificate-verification-failed', `mxray cert ${name(h)}`, { host: name(h), ip: addr(h) });
        }
      });

      it('encrypt at TLS 1.2 and above against a TLS 1.0 server: SSL_connect error, the alert, "Cannot start TLS: handshake failure"', async () => {
        const connect = await waitForLine(pfLog, new RegExp(`SSL_connect error to ${name('oldTls')}\\[`));
        expectExplained(connect, 'postfix.ssl-connect-error', `mxray check ${name('oldTls')}`, { host: name('oldTls'), ip: addr('oldTls'), why: '-1' });
        const problem = await waitForLine(pfLog, /postfix\/smtp\[\d+\]: warning: TLS library problem: .*alert protocol version/);
        expect(productRules(problem).map((m) => m.rule.id)).toEqual(['postfix.tls-library-problem']);
        expect(allIds(problem)).toContain('openssl.alert-protocol-version');
        const status = await waitForLine(pfLog, /to=<postmaster@old-strict\.explain\.test>.*status=deferred/);
        expect(status).toMatch(/\(Cannot start TLS: handshake failure\)$/);
        expectExplained(status, 'postfix.handshake-failure', `mxray check ${name('oldTls')}`, { host: name('oldTls'), ip: addr('oldTls') });
      });

      it('servers that close, or send text, after their 220 to STARTTLS: SSL_connect error (lost connection; -1 with "wrong version number")', async () => {
        const closed = await waitForLine(pfLog, new RegExp(`SSL_connect error to ${name('close')}\\[`));
        expectExplained(closed, 'postfix.ssl-connect-error', `mxray check ${name('close')}`, { host: name('close'), why: 'lost connection' });
        const text = await waitForLine(pfLog, new RegExp(`SSL_connect error to ${name('garbage')}\\[`));
        expectExplained(text, 'postfix.ssl-connect-error', `mxray check ${name('garbage')}`, { host: name('garbage'), why: '-1' });
        const wrong = await waitForLine(pfLog, /postfix\/smtp\[\d+\]: warning: TLS library problem: .*wrong version number/);
        expect(allIds(wrong)).toEqual(['postfix.tls-library-problem', 'openssl.wrong-version-number']);
        const status = await waitForLine(pfLog, /to=<postmaster@garbage\.explain\.test>.*status=deferred/);
        expectExplained(status, 'postfix.handshake-failure', `mxray check ${name('garbage')}`, { host: name('garbage') });
      });

      it('servers whose key does not load (Postfix and Exim) answer STARTTLS with 454: "TLS is required, but host … refused to start TLS"', async () => {
        for (const [h, reply] of [
          ['keyMismatch', '454 4.7.0 TLS not available due to local problem'],
          ['legacyKey', '454 4.7.0 TLS not available due to local problem'],
          ['noCaFile', '454 4.7.0 TLS not available due to local problem'],
          ['eximKey', '454 TLS currently unavailable'],
        ] as const) {
          const line = await waitForLine(pfLog, new RegExp(`host ${name(h)}\\[[^\\]]*\\] refused to start TLS`));
          expect(line).toContain(`${reply})`);
          expectExplained(line, 'postfix.tls-required-refused', `mxray check ${name(h)}`, { host: name(h), ip: addr(h) });
        }
      });

      it('a server without its certificate file negotiates an anonymous cipher: "Anonymous TLS connection established to"', async () => {
        const line = await waitForLine(pfLog, new RegExp(`Anonymous TLS connection established to ${name('noCert')}\\[`));
        expectExplained(line, 'postfix.anonymous-tls-to', `mxray check ${name('noCert')}`, { host: name('noCert'), ip: addr('noCert') });
        expect(productRules(line)[0]?.captures.cipher).toMatch(/^A(?:EC)?DH-/);
      });

      it('its own client certificate file is not PEM: "No PEM data", then "TLS is required, but our TLS engine is unavailable"', async () => {
        const status = await waitForLine(pfLog, /to=<postmaster@noengine\.explain\.test>.*status=deferred/);
        expect(status).toMatch(/\(TLS is required, but our TLS engine is unavailable\)$/);
        expectExplained(status, 'postfix.tls-engine-unavailable', 'mxray cert <smtp_tls_chain_files> --key <smtp_tls_chain_files>', { host: name('good'), ip: addr('good') });
        const pem = await waitForLine(pfLog, /postfix\/smtp\[\d+\]: warning: No PEM data in /);
        expectExplained(pem, 'postfix.key-or-certificate-not-loaded', 'mxray cert <certificate file> --key <key file>');
        expect(productRules(pem)[0]?.captures.file).toMatch(/garbage\.pem$/);
      });

      it('level dane without DNSSEC lookups: "dane configured with dnssec lookups disabled"', async () => {
        const line = await waitForLine(pfLog, /dane configured with dnssec lookups disabled/);
        expectExplained(line, 'postfix.dane-misconfigured', `mxray check ${name('good')}`, { host: name('good'), level: 'dane' });
      });

      it('no TLS towards a server at smtpd_tls_security_level = encrypt: bounced with "530 5.7.0 Must issue a STARTTLS command first" (the RFC 3207 rule)', async () => {
        const line = await waitForLine(pfLog, /to=<postmaster@cleartext\.explain\.test>.*status=bounced/);
        expect(line).toContain(`host ${name('tlsOnly')}[${addr('tlsOnly')}] said: 530 5.7.0 Must issue a STARTTLS command first (in reply to MAIL FROM command)`);
        expect(productRules(line).map((m) => m.rule.id)).toEqual(['smtp.starttls-required']);
        expect(explainLine(line).root?.enhanced?.code).toBe('5.7.0');
      });
    });

    describe('Postfix smtpd(8), the server', () => {
      it('a client without a certificate: "Anonymous TLS connection established from" (not an error)', async () => {
        const line = await waitForLine(pfLog, /Anonymous TLS connection established from unknown\[127\.0\.0\.1\]/);
        expectExplained(line, 'postfix.anonymous-tls-from', 'mxray check <your MX host>', { client: 'unknown', clientip: '127.0.0.1' });
        expect(productRules(line)[0]?.rule.causes[0]?.findings).toEqual(['tls.ok']);
      });

      it('a client that closes after STARTTLS: "SSL_accept error …: lost connection", "lost connection after STARTTLS"', async () => {
        const accept = await waitForLine(pfLog, /SSL_accept error from unknown\[127\.0\.0\.1\]: lost connection/);
        expectExplained(accept, 'postfix.ssl-accept-error', 'mxray check <your MX host>', { clientip: '127.0.0.1', why: 'lost connection' });
        const lost = await waitForLine(pfLog, /lost connection after STARTTLS from unknown\[127\.0\.0\.1\]/);
        expectExplained(lost, 'postfix.lost-connection-after-starttls', 'mxray check <your MX host>', { client: 'unknown', clientip: '127.0.0.1' });
      });

      it('clients with nothing in common: "no shared cipher" (an ECDSA-only offer), "unsupported protocol" (TLS 1.2+ against TLS 1.0), text instead of a ClientHello', async () => {
        for (const [reason, library] of [
          ['no shared cipher', 'openssl.no-shared-cipher'],
          ['unsupported protocol', 'openssl.alert-protocol-version'],
          ['wrong version number', 'openssl.wrong-version-number'],
        ] as const) {
          const line = await waitForLine(pfLog, new RegExp(`postfix/smtpd\\[\\d+\\]: warning: TLS library problem: .*${reason}`));
          expect(allIds(line)).toEqual(['postfix.tls-library-problem', library]);
        }
        const accept = await waitForLine(pfLog, /SSL_accept error from unknown\[127\.0\.0\.1\]: -1/);
        expectExplained(accept, 'postfix.ssl-accept-error', 'mxray check <your MX host>', { why: '-1' });
      });

      it('a verifying client (Exim) refuses the certificate: the client’s alert "bad certificate" in the server’s log', async () => {
        const line = await waitForLine(pfLog, /postfix\/smtpd\[\d+\]: warning: TLS library problem: .*alert bad certificate/);
        expect(productRules(line).map((m) => m.rule.id)).toEqual(['postfix.tls-library-problem']);
      });

      it('its key does not belong to its certificate: "key at index 1 … does not match next certificate", "… disabling TLS support"; the legacy key file: "cannot get RSA private key"', async () => {
        for (const pattern of [/warning: key at index 1 in \S+ does not match next certificate/, /warning: error loading private keys and certificates from: \S+: disabling TLS support/, /warning: cannot get RSA private key from file/]) {
          const line = await waitForLine(pfLog, pattern);
          expectExplained(line, 'postfix.key-or-certificate-not-loaded', 'mxray cert <certificate file> --key <key file>');
          expect(productRules(line)[0]?.captures.file).toMatch(/mismatch\.(?:chain\.pem|key)$/);
        }
      });

      it('its certificate file is missing: "error opening chain file"; its CA file: "cannot load Certification Authority data"', async () => {
        const chain = await waitForLine(pfLog, /warning: error opening chain file: /);
        expectExplained(chain, 'postfix.key-or-certificate-not-loaded', 'mxray cert <certificate file> --key <key file>');
        const ca = await waitForLine(pfLog, /cannot load Certification Authority data/);
        expectExplained(ca, 'postfix.ca-file-not-loaded', 'mxray cert <CAfile>');
        expect(productRules(ca)[0]?.captures.file).toMatch(/missing\/ca\.pem$/);
      });
    });

    describe('Exim, the client', () => {
      it('hosts_require_tls, the server offers no STARTTLS: "a TLS session is required, but the server did not offer TLS support"', async () => {
        const line = await waitForLine(exLog, /H=mx\.plain\.explain\.test \[127\.0\.21\.21\]:25: a TLS session is required/);
        expectExplained(line, 'exim.tls-required-not-offered', `mxray check ${name('plain')}`, { host: name('plain'), ip: addr('plain') });
        const defer = await waitForLine(exLog, /== postmaster@plain\.explain\.test .* defer \(-38\)/);
        expectExplained(defer, 'exim.tls-required-not-offered', `mxray check ${name('plain')}`, { host: name('plain'), ip: addr('plain') });
      });

      it('hosts_require_tls, the server answers STARTTLS with 454: "an attempt to start TLS failed"', async () => {
        const line = await waitForLine(exLog, /== postmaster@refuse\.explain\.test .*defer/);
        expect(line).toMatch(/a TLS session is required, but an attempt to start TLS failed$/);
        expectExplained(line, 'exim.tls-required-start-failed', `mxray check ${name('keyMismatch')}`, { host: name('keyMismatch'), ip: addr('keyMismatch') });
      });

      it('tls_verify_hosts against a self-signed and a wrong-name server: "(certificate verification failed)", with and without "certificate invalid"', async () => {
        const selfSigned = await waitForLine(exLog, /== postmaster@ss-verify\.explain\.test .*defer/);
        expect(selfSigned).toMatch(/TLS session: \(certificate verification failed\): certificate invalid$/);
        expectExplained(selfSigned, 'exim.certificate-verification-failed', `mxray cert ${name('selfSigned')} --profile exim-verify`, { host: name('selfSigned'), ip: addr('selfSigned'), why: 'certificate invalid' });
        const wrongName = await waitForLine(exLog, /== postmaster@wn-verify\.explain\.test .*defer/);
        expect(wrongName).toMatch(/TLS session: \(certificate verification failed\)$/);
        expectExplained(wrongName, 'exim.certificate-verification-failed', `mxray cert ${name('wrongName')} --profile exim-verify`, { host: name('wrongName') });
      });

      it('servers that close, or send text, after 220: "TLS session: (gnutls_handshake): …" with GnuTLS’s reason', async () => {
        for (const [h, why, reason] of [
          ['close', 'The TLS connection was non-properly terminated.', 'gnutls.premature-termination'],
          ['garbage', 'An unexpected TLS packet was received.', 'gnutls.unexpected-packet'],
        ] as const) {
          const line = await waitForLine(exLog, new RegExp(`== postmaster@${h}\\.explain\\.test .*defer`));
          expect(line).toContain(`TLS session: (gnutls_handshake): ${why}`);
          expectExplained(line, 'exim.tls-session-failed', `mxray check ${name(h)}`, { host: name(h), ip: addr(h), where: 'gnutls_handshake', why });
          expect(allIds(line)).toEqual(['exim.tls-session-failed', reason]);
        }
      });

      it('a server that drops the TLS session without close_notify: "TLS error on connection (recv)"', async () => {
        const line = await waitForLine(exLog, /TLS error on connection \(recv\)/);
        expectExplained(line, 'exim.tls-connection-dropped', `mxray check ${name('tlsDrop')}`, { host: name('tlsDrop'), ip: addr('tlsDrop'), where: 'recv' });
      });

      it('opportunistic to an expired certificate: delivered with X=… CV=no', async () => {
        const line = await waitForLine(exLog, /=> postmaster@unverified\.explain\.test /);
        expect(line).toMatch(/ X=TLS1\.[23]:\S+ CV=no /);
        expectExplained(line, 'exim.delivered-certificate-unverified', `mxray cert ${name('expired')} --profile exim-verify`, { host: name('expired'), ip: addr('expired') });
      });

      it('hosts_avoid_tls towards a server that requires TLS: "530 5.7.0 Must issue a STARTTLS command first" (the RFC 3207 rule)', async () => {
        const line = await waitForLine(exLog, /\*\* postmaster@cleartext\.explain\.test /);
        expect(line).toContain('530 5.7.0 Must issue a STARTTLS command first');
        expect(productRules(line).map((m) => m.rule.id)).toEqual(['smtp.starttls-required']);
      });
    });

    describe('Exim, the server', () => {
      it('clients that close after STARTTLS, send text, or offer no cipher it has: "TLS error on connection from … (gnutls_handshake): …", the command testing this server’s address', async () => {
        for (const why of ['The TLS connection was non-properly terminated.', 'An unexpected TLS packet was received.', 'No supported cipher suites have been found.']) {
          const line = await waitForLine(exLog, new RegExp(`TLS error on connection from \\S+ \\[127\\.0\\.0\\.1\\] I=\\[${addr('exim').replace(/\./g, '\\.')}\\]:25 \\(gnutls_handshake\\): ${why.replace(/\./g, '\\.')}`));
          expectExplained(line, 'exim.tls-error-from-client', `mxray check ${addr('exim')}`, { clientip: '127.0.0.1', ip: addr('exim'), where: 'gnutls_handshake', why });
        }
        const abandoned = await waitForLine(exLog, /TLS error on connection from \(abandon\.explain\.test\)/);
        expect(productRules(abandoned)[0]?.captures.helo).toBe('abandon.explain.test');
      });

      it('tls_verify_hosts: a client certificate from an unknown CA ("certificate invalid"), and none at all ("Certificate is required")', async () => {
        const invalid = await waitForLine(exLog, /I=\[127\.0\.21\.52\]:25 \(certificate verification failed\)/);
        expectExplained(invalid, 'exim.client-certificate-rejected', `mxray check ${addr('eximVerify')}`, { ip: addr('eximVerify'), why: 'certificate invalid' });
        const none = await waitForLine(exLog, /I=\[127\.0\.21\.52\]:25 \(gnutls_handshake\): Certificate is required/);
        expectExplained(none, 'exim.client-certificate-rejected', `mxray check ${addr('eximVerify')}`, { ip: addr('eximVerify') });
      });

      it('its key does not match its certificate, or its certificate file is missing: "(cert/key setup: …)"; clients get 454', async () => {
        for (const [h, why] of [
          ['eximKey', 'The certificate and the given key do not match.'],
          ['eximNoCert', 'Error while reading file.'],
        ] as const) {
          const line = await waitForLine(exLog, new RegExp(`I=\\[${addr(h).replace(/\./g, '\\.')}\\]:25 \\(cert/key setup: `));
          expect(line).toMatch(new RegExp(`${why.replace(/\./g, '\\.')}$`));
          expectExplained(line, 'exim.cert-key-setup', 'mxray cert <tls_certificate> --key <tls_privatekey>', { ip: addr(h), why });
        }
      });
    });

  // Postfix's smtp(8) at smtp_tls_security_level = dane, with DNSSEC lookups through the DANE
  // world's validating resolver (test/helpers/dane-world/): a TLSA record for a key the server does
  // not have, only PKIX usages, a TLSA lookup that fails, a TLSA signature that does not validate.
  const daneMissing = daneWorldMissing();
  describe('Postfix smtp(8) at level dane, in the DANE world', () => {
    if (daneMissing !== null) {
      if (REQUIRED) it('prerequisites (MXRAY_INTEROP_REQUIRE=1)', () => expect.fail(`the DANE world cannot start: ${daneMissing}`));
      else it.skip(`SKIPPED: ${daneMissing}`, () => undefined);
      return;
    }
    const ee = { usage: 3, selector: 1, matching: 1 } as const;
    const self = [{ key: 'ec', issuer: 'self' }] as const;
    const spec: WorldSpec = {
      cases: [
        { name: 'mismatch', domain: 'mismatch.test', dnssec: 'signed', mx: [{ host: 'mx.mismatch.test', address: '127.0.1.2', certs: [...self], tlsa: [{ ...ee, of: 'spare' }] }] },
        {
          name: 'unusable',
          domain: 'unusable.test',
          dnssec: 'signed',
          mx: [{ host: 'mx.unusable.test', address: '127.0.1.6', certs: [...self], tlsa: [{ usage: 1, selector: 1, matching: 1, of: 'cert0' }, { usage: 0, selector: 0, matching: 1, of: 'cert0' }] }],
        },
        { name: 'bogus', domain: 'bogus.test', dnssec: 'bogus-tlsa', mx: [{ host: 'mx.bogus.test', address: '127.0.1.7', certs: [...self], tlsa: [{ ...ee, of: 'cert0' }] }] },
        { name: 'servfail', domain: 'servfail.test', dnssec: 'signed', mx: [{ host: 'mx.servfail.test', address: '127.0.1.8', certs: [...self], tlsa: [], tlsaServfail: true }] },
      ],
    };
    let world: DaneWorld | null = null;
    let dir: string;
    let log = '';
    const read = (): string => log;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'mxray-explain-dane-'));
      await chmod(dir, 0o755);
      world = await startDaneWorld({ spec });
      log = await runPostfixDane((argv, ms) => world!.run(argv, ms), join(dir, 'postfix'), ['postmaster@mismatch.test', 'postmaster@unusable.test', 'postmaster@bogus.test', 'postmaster@servfail.test']);
    }, 300_000);

    afterAll(async () => {
      const out = process.env.MXRAY_EXPLAIN_LAB_DUMP;
      if (out) await writeFile(`${out}.dane`, log);
      await world?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    }, 60_000);

    it('a TLSA record for a key the server does not have: "num=65:no matching DANE TLSA records", "Server certificate not verified"', async () => {
      const line = await waitForLine(read, /certificate verification failed for mx\.mismatch\.test\[127\.0\.1\.2\]:25: /, 1000);
      expect(line).toMatch(/num=65:no matching DANE TLSA records$/);
      expectExplained(line, 'postfix.dane-no-match', 'mxray cert mx.mismatch.test --profile dane', { host: 'mx.mismatch.test', ip: '127.0.1.2' });
      const status = await waitForLine(read, /to=<postmaster@mismatch\.test>.*status=deferred/, 1000);
      expectExplained(status, 'postfix.server-certificate-not-trusted', 'mxray cert mx.mismatch.test --profile postfix-verify --profile postfix-secure', { host: 'mx.mismatch.test' });
    });

    it('only PKIX usages (0 and 1): "unsupported TLSA certificate usage", for each record', async () => {
      for (const usage of ['0 0 1', '1 1 1']) {
        const line = await waitForLine(read, new RegExp(`_25\\._tcp\\.mx\\.unusable\\.test unsupported TLSA certificate usage: ${usage} `), 1000);
        expectExplained(line, 'postfix.dane-unusable-tlsa', 'mxray check mx.unusable.test', { host: 'mx.unusable.test', usage: usage.split(' ')[0]! });
      }
    });

    it('a TLSA signature that does not validate, and a TLSA lookup that fails: "TLSA lookup error for host:25", deferred', async () => {
      for (const host of ['mx.bogus.test', 'mx.servfail.test']) {
        const quoted = host.replace(/\./g, '\\.');
        const status = await waitForLine(read, new RegExp(`dsn=4\\.7\\.5, status=deferred \\(TLSA lookup error for ${quoted}:25\\)`), 1000);
        expectExplained(status, 'postfix.dane-tlsa-lookup-error', `mxray check ${host}`, { host, port: '25' });
        const problem = await waitForLine(read, new RegExp(`DANE TLSA lookup problem: .*name=_25\\._tcp\\.${quoted} type=TLSA`), 1000);
        expectExplained(problem, 'postfix.dane-tlsa-lookup-error', `mxray check ${host}`, { host });
      }
    });
  });
  });
}
