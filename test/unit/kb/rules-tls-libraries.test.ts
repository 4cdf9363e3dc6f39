// The library reasons of kb/error-rules/tls-libraries.ts on real texts: lines the openssl command and
// Node's TLS print at test time (certificates made in a temporary folder, loopback only), and the
// texts quoted in the rules' references — each with its rule, side at fault, first cause, the code or
// name it captures, and the command filled from the message that quotes it; and the look-alikes that
// must not be taken for another library's reason.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, type Server } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { TLS_LIBRARY_RULES } from '../../../src/kb/error-rules/tls-libraries.js';
import { explainLine } from '../../../src/kb/explain-text.js';
import { skipWithout } from '../../helpers/skip.js';

/** The reasons (library rules) a line is explained by. */
const reasons = (text: string) => explainLine(text).matches.filter((m) => m.rule.reason === true);
const reasonIds = (text: string) => reasons(text).map((m) => m.rule.id);
/** The one reason a line must have: its id, fault, first cause's findings, captures and command. */
function reason(text: string) {
  const found = reasons(text);
  expect(found.map((m) => m.rule.id), text).toHaveLength(1);
  const m = found[0]!;
  return { id: m.rule.id, fault: m.rule.fault, first: m.rule.causes[0]?.findings, captures: m.captures, confirm: m.confirm };
}

describe('the TLS library reasons', () => {
  it('are all library reasons, at least 40, each naming where its words come from', () => {
    expect(TLS_LIBRARY_RULES.length).toBeGreaterThanOrEqual(40);
    for (const r of TLS_LIBRARY_RULES) {
      expect(r.reason, r.id).toBe(true);
      expect(r.refs.join(' '), r.id).toMatch(/OpenSSL|GnuTLS|Node|Go |Java|JDK|dotnet|Microsoft|RFC/);
    }
  });
});

describe('OpenSSL’s verify codes, as openssl verify prints them here', () => {
  let dir = '';
  let available = true;
  const run = (...args: string[]) => spawnSync('openssl', args, { cwd: dir, encoding: 'utf8' });
  /** The "error N at D depth lookup: …" line openssl verify prints. */
  const verifyError = (...args: string[]): string => {
    const out = run('verify', ...args);
    const line = `${out.stdout}\n${out.stderr}`.split('\n').find((l) => /^error \d+ at \d+ depth lookup/.test(l));
    if (line === undefined) throw new Error(`openssl verify ${args.join(' ')} printed no verify error: ${out.stdout}${out.stderr}`);
    return line;
  };
  const need = (ctx: TestContext) => {
    if (!available) skipWithout(ctx, 'openssl', 'these tests read what the openssl command prints, and it did not run');
  };

  beforeAll(() => {
    available = spawnSync('openssl', ['version']).error === undefined;
    if (!available) return;
    dir = mkdtempSync(join(tmpdir(), 'mxray-tls-reasons-'));
    const ext = (eku: string) => [`[${eku}]`, 'basicConstraints = critical,CA:true', 'keyUsage = critical,digitalSignature,keyCertSign', `extendedKeyUsage = ${eku}`, 'subjectAltName = DNS:mx.example.test'];
    writeFileSync(join(dir, 'c.cnf'), ['[req]', 'distinguished_name = dn', '[dn]', ...ext('serverAuth'), ...ext('clientAuth'), ''].join('\n'));
    const req = ['req', '-x509', '-subj', '/CN=mx.example.test', '-config', 'c.cnf', '-days', '2'];
    run(...req, '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'k.pem', '-extensions', 'serverAuth', '-out', 'c.pem');
    run(...req, '-key', 'k.pem', '-extensions', 'clientAuth', '-out', 'client.pem');
    run('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=leaf.example.test', '-keyout', 'leaf.key', '-out', 'leaf.csr');
    run('x509', '-req', '-in', 'leaf.csr', '-CA', 'c.pem', '-CAkey', 'k.pem', '-CAcreateserial', '-days', '2', '-out', 'leaf.pem');
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a self-signed certificate: code 18, the server’s certificate at fault, the number captured', (ctx) => {
    need(ctx);
    const line = verifyError('c.pem');
    expect(line).toBe('error 18 at 0 depth lookup: self-signed certificate');
    expect(reason(line)).toEqual({ id: 'openssl.self-signed', fault: 'receiver', first: ['cert.self-signed'], captures: { num: '18' }, confirm: 'mxray cert {host}' });
  });

  it('expired at the time asked (-attime): code 10', (ctx) => {
    need(ctx);
    const line = verifyError('-attime', String(Math.floor(Date.now() / 1000) + 10 * 86_400), '-CAfile', 'c.pem', 'c.pem');
    expect(reason(line)).toMatchObject({ id: 'openssl.certificate-expired', fault: 'receiver', first: ['cert.expired'], captures: { num: '10' } });
  });

  it('another host name asked (-verify_hostname): code 62', (ctx) => {
    need(ctx);
    const line = verifyError('-verify_hostname', 'mx.other.test', '-CAfile', 'c.pem', 'c.pem');
    expect(reason(line)).toMatchObject({ id: 'openssl.hostname-mismatch', first: ['cert.name-mismatch', 'cert.cn-only'], captures: { num: '62' } });
  });

  it('a client-only certificate checked for a server (-purpose sslserver): code 26', (ctx) => {
    need(ctx);
    const line = verifyError('-purpose', 'sslserver', '-CAfile', 'client.pem', 'client.pem');
    expect(reason(line)).toMatchObject({ id: 'openssl.unsuitable-purpose', first: ['cert.not-for-server-auth'], captures: { num: '26' } });
  });

  it('a leaf whose CA is not given: code 20, a missing intermediate the first cause', (ctx) => {
    need(ctx);
    const line = verifyError('leaf.pem');
    expect(reason(line)).toMatchObject({ id: 'openssl.local-issuer', first: ['cert.chain-incomplete'], captures: { num: '20' } });
  });

  it('s_client’s forms of the same codes', () => {
    expect(reason('verify error:num=21:unable to verify the first certificate')).toEqual({
      id: 'node.unable-to-verify-leaf',
      fault: 'receiver',
      first: ['cert.chain-incomplete'],
      captures: { num: '21' },
      confirm: 'mxray cert {host}',
    });
    expect(reason('Verify return code: 20 (unable to get local issuer certificate)')).toMatchObject({ id: 'openssl.local-issuer', captures: { num: '20' } });
    expect(reason('verify error:num=65:no matching DANE TLSA records')).toMatchObject({ id: 'openssl.dane-no-match', first: ['dane.no-match', 'dane.no-rollover'], confirm: 'mxray cert {host} --profile dane' });
    expect(reason('error 2 at 1 depth lookup: unable to get issuer certificate')).toMatchObject({ id: 'openssl.unable-to-get-issuer', captures: { num: '2' } });
    expect(reason('error 79 at 1 depth lookup: invalid CA certificate')).toMatchObject({ id: 'openssl.invalid-ca', first: ['cert.not-a-ca'], captures: { num: '79' } });
  });
});

describe('inside the messages that quote them', () => {
  it('Postfix’s verification failure: the Postfix rule keeps the number, the reason takes its host', () => {
    const e = explainLine('certificate verification failed for mx.other.example[198.51.100.3]:25: num=20:unable to get local issuer certificate');
    expect(e.matches.map((m) => [m.rule.id, m.confirm])).toEqual([
      ['postfix.certificate-verification-failed', 'mxray cert mx.other.example'],
      ['openssl.local-issuer', 'mxray cert mx.other.example'],
    ]);
  });

  it('Exim with GnuTLS (a line the interop Exim printed): the session failure, and GnuTLS’s reason with the host from Exim’s words', () => {
    const line =
      '== postmaster@close.explain.test R=r4 T=t_require defer (-37) H=mx.close.explain.test [127.0.21.23]:25 I=[127.0.0.1]:60506: TLS session: (gnutls_handshake): The TLS connection was non-properly terminated.';
    const e = explainLine(line);
    expect(e.matches.map((m) => m.rule.id)).toEqual(['exim.tls-session-failed', 'gnutls.premature-termination']);
    expect(e.matches[1]).toMatchObject({ confirm: 'mxray check mx.close.explain.test', rule: { fault: 'either' } });
  });

  it('GnuTLS’s reasons, one each', () => {
    expect(reason('(gnutls_handshake): An unexpected TLS packet was received.')).toMatchObject({ id: 'gnutls.unexpected-packet', first: ['tls.handshake-failed'] });
    expect(reason('(gnutls_handshake): No supported cipher suites have been found.')).toMatchObject({ id: 'gnutls.no-cipher-suites', first: ['tls.no-shared-cipher', 'tls.old-protocol'] });
    expect(reason('(gnutls_handshake): A TLS fatal alert has been received.')).toMatchObject({ id: 'gnutls.fatal-alert', fault: 'either' });
    expect(reason('The certificate is NOT trusted. The certificate issuer is unknown. ')).toMatchObject({ id: 'gnutls.issuer-unknown', first: ['cert.self-signed', 'cert.untrusted-root'] });
    expect(reason('The certificate is NOT trusted. The name in the certificate does not match the expected. ')).toMatchObject({ id: 'gnutls.name-mismatch', first: ['cert.name-mismatch'] });
  });

  it('OpenSSL’s SSL errors as the real programs logged them here', () => {
    expect(reason('40077D66437F0000:error:0A000418:SSL routines:ssl3_read_bytes:tlsv1 alert unknown ca:../ssl/record/rec_layer_s3.c:1601:SSL alert number 48')).toMatchObject({
      id: 'openssl.alert-unknown-ca',
      first: ['cert.self-signed', 'cert.untrusted-root'],
    });
    expect(reason('40371CC32F7F0000:error:0A0000C7:SSL routines:tls_process_client_certificate:peer did not return a certificate:../ssl/statem/statem_srvr.c:3517:')).toMatchObject({
      id: 'openssl.client-certificate-required',
      first: ['tls.client-cert-required', 'send.client-cert-required'],
    });
    expect(reason('40A7F6956E7F0000:error:0A00018A:SSL routines:tls_process_ske_dhe:dh key too small:../ssl/statem/statem_clnt.c:2092:')).toMatchObject({ id: 'openssl.dh-key-too-small', fault: 'receiver' });
    expect(reason('4027CE970F7F0000:error:0A00009C:SSL routines:ssl3_get_record:http request:../ssl/record/ssl3_record.c:341:')).toMatchObject({ id: 'openssl.http-request', fault: 'sender' });
    expect(reason('40678F8CEC7F0000:error:05800074:x509 certificate routines:X509_check_private_key:key values mismatch:../crypto/x509/x509_cmp.c:403:')).toMatchObject({
      id: 'openssl.key-values-mismatch',
      first: ['cert.key-mismatch'],
      confirm: 'mxray cert <certificate file> --key <key file>',
    });
  });
});

describe('Node, Python, Go, Java, .NET: the names they print become the command', () => {
  it('Node’s altname check: the host after "Host:", without its final dot', () => {
    expect(
      reason("Error [ERR_TLS_CERT_ALTNAME_INVALID]: Hostname/IP does not match certificate's altnames: Host: mx.other.test. is not in the cert's altnames: DNS:mx.example.test"),
    ).toEqual({ id: 'node.altname-invalid', fault: 'receiver', first: ['cert.name-mismatch'], captures: { host: 'mx.other.test' }, confirm: 'mxray cert mx.other.test' });
  });

  it('Python’s hostname mismatch names the host; its "certificate verify failed: <reason>" is the reason’s, not the generic one', () => {
    expect(reason("[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: Hostname mismatch, certificate is not valid for 'mx.other.test'. (_ssl.c:1006)")).toMatchObject({
      id: 'openssl.hostname-mismatch',
      captures: { host: 'mx.other.test' },
      confirm: 'mxray cert mx.other.test',
    });
    expect(reasonIds('[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate (_ssl.c:1006)')).toEqual(['openssl.self-signed']);
    expect(reasonIds('error:0A000086:SSL routines::certificate verify failed')).toEqual(['openssl.certificate-verify-failed']);
  });

  it('Go: the wanted name is the one after "not", not the names the certificate has', () => {
    expect(reason('x509: certificate is valid for mx.example.test, mail.example.test, not mx.other.test')).toMatchObject({ id: 'go.hostname', captures: { host: 'mx.other.test' }, confirm: 'mxray cert mx.other.test' });
    expect(reason("x509: cannot validate certificate for 192.0.2.25 because it doesn't contain any IP SANs")).toMatchObject({ id: 'go.hostname', confirm: 'mxray cert 192.0.2.25' });
  });

  it('Go’s expiry and version errors are Go’s own, not OpenSSL’s look-alikes', () => {
    expect(reason('x509: certificate has expired or is not yet valid: current time 2026-05-01T10:00:00Z is after 2026-04-30T23:59:59Z')).toMatchObject({
      id: 'go.certificate-expired',
      captures: { when: 'after' },
      first: ['cert.expired', 'cert.intermediate-expired'],
    });
    expect(reason('tls: server selected unsupported protocol version 301')).toMatchObject({ id: 'go.unsupported-version', captures: { version: '301' }, first: ['tls.old-protocol'] });
    expect(reason('remote error: tls: protocol version not supported')).toMatchObject({ id: 'go.remote-alert', captures: { alert: 'protocol version not supported' } });
  });

  it('Java: the name or address after "matching", and the alert after "Received fatal alert:"', () => {
    expect(reason('javax.net.ssl.SSLHandshakeException: No subject alternative DNS name matching mx.other.test found.')).toMatchObject({
      id: 'java.no-name-match',
      captures: { host: 'mx.other.test' },
      confirm: 'mxray cert mx.other.test',
    });
    expect(reason('java.security.cert.CertificateException: No subject alternative names matching IP address 127.0.0.1 found')).toMatchObject({ captures: { ip: '127.0.0.1' }, confirm: 'mxray cert 127.0.0.1' });
    expect(reason('javax.net.ssl.SSLHandshakeException: Received fatal alert: certificate_required')).toMatchObject({ id: 'java.fatal-alert', captures: { alert: 'certificate_required' } });
    expect(reason('javax.net.ssl.SSLException: Unsupported or unrecognized SSL message')).toMatchObject({ id: 'java.unrecognized-message', fault: 'sender' });
  });

  it('.NET: the chain status after the colon; SChannel’s algorithm mismatch', () => {
    expect(reason('The remote certificate is invalid because of errors in the certificate chain: PartialChain')).toMatchObject({
      id: 'dotnet.certificate-invalid',
      captures: { status: 'PartialChain' },
      confirm: 'mxray cert {host} --profile exchange-server',
    });
    expect(reason('The client and server cannot communicate, because they do not possess a common algorithm.')).toMatchObject({ id: 'schannel.algorithm-mismatch', first: ['tls.old-protocol'] });
  });
});

describe('look-alikes', () => {
  it('are not taken for a library’s reason', () => {
    // Exchange describing the certificate it fell back to, Postfix's own verdict, the alert (not the CRL check) for a revoked certificate.
    expect(reasonIds('Meanwhile, an ephemeral, self-signed certificate with thumbprint 89ABCDEF0123456789ABCDEF0123456789ABCDEF is being used.')).toEqual([]);
    expect(reasonIds('status=deferred (Server certificate not trusted)')).toEqual([]);
    expect(reasonIds('error:0A000414:SSL routines::sslv3 alert certificate revoked')).toEqual(['openssl.alert-certificate-revoked']);
    expect(reasonIds('Verify return code: 19 (self-signed certificate in certificate chain)')).toEqual(['openssl.self-signed-in-chain']);
    expect(reasonIds('  code: \'UNABLE_TO_GET_ISSUER_CERT_LOCALLY\'')).toEqual(['openssl.local-issuer']);
  });
});

describe('Node’s TLS against a server on loopback (what nodemailer and other Node senders print)', () => {
  let dir = '';
  let server: Server | undefined;
  let port = 0;
  let pem: { key: string; cert: string } | undefined;

  beforeAll(async () => {
    if (spawnSync('openssl', ['version']).error !== undefined) return;
    dir = mkdtempSync(join(tmpdir(), 'mxray-tls-node-'));
    writeFileSync(join(dir, 'c.cnf'), ['[req]', 'distinguished_name = dn', '[dn]', '[ext]', 'subjectAltName = DNS:mx.example.test', ''].join('\n'));
    spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=mx.example.test', '-config', 'c.cnf', '-extensions', 'ext', '-days', '2', '-keyout', 'k.pem', '-out', 'c.pem'], {
      cwd: dir,
    });
    pem = { key: readFileSync(join(dir, 'k.pem'), 'utf8'), cert: readFileSync(join(dir, 'c.pem'), 'utf8') };
    server = createServer(pem, (socket) => socket.end());
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    port = (server.address() as { port: number }).port;
  });
  afterAll(async () => {
    if (server) await new Promise((resolve) => server!.close(resolve));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** The error Node's TLS client gives, as String(err) prints it. */
  const failure = (servername: string, ca?: string) =>
    new Promise<{ text: string; code: string }>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, servername, ...(ca ? { ca } : {}) }, () => {
        socket.end();
        reject(new Error('the handshake succeeded'));
      });
      socket.on('error', (err: NodeJS.ErrnoException) => resolve({ text: String(err), code: err.code ?? '' }));
    });

  it('a self-signed certificate: OpenSSL’s code 18 reason, by its words and by Node’s code', async (ctx) => {
    if (!pem) skipWithout(ctx, 'openssl', 'the server certificate is made with the openssl command, which did not run');
    const { text, code } = await failure('mx.example.test');
    expect(code).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    expect(reason(text)).toMatchObject({ id: 'openssl.self-signed', first: ['cert.self-signed'] });
    expect(reason(`  code: '${code}'`).id).toBe('openssl.self-signed');
  });

  it('trusted, but asked for another name: Node’s altname error names the host asked for', async (ctx) => {
    if (!pem) skipWithout(ctx, 'openssl', 'the server certificate is made with the openssl command, which did not run');
    const { text, code } = await failure('mx.other.test', pem!.cert);
    expect(code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(reason(text)).toMatchObject({ id: 'node.altname-invalid', captures: { host: 'mx.other.test' }, confirm: 'mxray cert mx.other.test' });
  });
});
