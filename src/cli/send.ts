// `mxray send <target>`: sends one real test message (or --count N over --concurrency C sessions)
// in a chosen TLS mode, with AUTH and a client certificate if asked, and says what became of it:
// delivered (with the server's queue id), refused at a stage with the reply, or not sent and why.
// Secrets come from the environment or a prompt, never the command line, and never reach the output.
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { Option, type Command } from 'commander';
import type { ClientCertificate } from '../core/context.js';
import { UsageError } from '../core/errors.js';
import type { SendReport } from '../core/schema.js';
import { MAX_CONCURRENCY, MAX_COUNT, MAX_RECIPIENTS, type SendAuth, type SendTlsMode, type SendVerifyMode } from '../jobs/send/check-send.js';
import { MAX_DATA_FILE_BYTES, MAX_SEND_BYTES } from '../jobs/send/compose.js';
import { sendMessage } from '../library.js';
import { keyMatchesCertificate, MAX_CERT_FILE_BYTES, pickLeaf, readCertFile } from '../pki/files.js';
import { systemEdges } from '../runtime/edges.js';
import type { AuthMechanism } from '../smtp/client.js';
import { readCaFiles } from './ca-files.js';
import type { Run } from './commands.js';
import { parseConnect } from './connect.js';
import { addReportOptions, collect, positiveInt, seconds, type ReportOptions, timeLimits } from './options.js';
import { emit, formatOf, renderReport } from './output.js';
import { silentProgress, terminalProgress } from './progress.js';
import { promptPassword } from './prompt.js';

interface SendOpts extends ReportOptions {
  host?: string;
  port?: number;
  ipv4?: boolean;
  ipv6?: boolean;
  helo?: string;
  from?: string;
  to: string[];
  tls?: SendTlsMode;
  verify?: SendVerifyMode;
  requiretls?: boolean;
  caFile: string[];
  authUser?: string;
  authPasswordEnv?: string;
  oauthTokenEnv?: string;
  authMechanism?: AuthMechanism;
  allowCleartextAuth?: boolean;
  clientCert?: string;
  clientKey?: string;
  clientPfx?: string;
  clientPasswordEnv?: string;
  subject?: string;
  header: string[];
  body?: string;
  data?: string;
  size?: number;
  count?: number;
  concurrency?: number;
  resolver?: string;
  connect: string[];
}

const SEND_HELP = `
Examples:
  mxray send user@example.com                        one message to the domain's MX, STARTTLS if offered
  mxray send mx.example.com:25 --to a@example.com --tls required --verify name
  mxray send smtp.office365.com:587 --tls required --auth-user me@example.com \\
        --auth-password-env SMTP_PW --from me@example.com --to you@example.org
  mxray send mail.example.com:465 --auth-user me --oauth-token-env TOKEN --to you@example.org   XOAUTH2 over implicit TLS
  mxray send 192.0.2.25 --to postmaster@example.com --size 30000000    does a 30 MB message get a 552?
  mxray send 127.0.0.1:2525 --to a@b.test --tls none --count 2000 --concurrency 20   messages/s and latency

TLS: --tls none (never), opportunistic (STARTTLS when offered, in clear again after a failed
handshake; the default, implicit on port 465),
required (STARTTLS, else not sent), implicit (TLS from the first byte). With required and implicit
the certificate must pass --verify (default name: a trusted chain that names the server; ca: a
trusted chain; none). --requiretls (RFC 8689) implies --tls required --verify name and needs the
server to offer REQUIRETLS.

Secrets never go on the command line: the password comes from --auth-password-env NAME (or a
prompt on a terminal), the OAuth token from --oauth-token-env NAME, a PFX password from
--client-password-env NAME. They are redacted in every transcript and report. AUTH is never sent
without TLS unless --allow-cleartext-auth.

The message gets a unique Message-ID and an X-Mxray-Test header to find it by. Line ends become
CRLF; a line over 998 octets in the body is refused (headers are folded); 8-bit text needs the
server's 8BITMIME. BDAT is used when CHUNKING is offered, PIPELINING when offered.

Exit codes:
  0  delivered (the server accepted the message at the end of its data)
  1  refused or deferred by the server, or not sent (TLS required and missing, no usable AUTH …)
  2  usage error (a bad option, target, header, file or message)
  3  the server could not be reached or the session failed: nothing is known
  4  internal error of mxray, or the output could not be written
`;

function env(option: string, name: string): string {
  const value = process.env[name];
  if (value === undefined) throw new UsageError(`${option} ${name}: no such environment variable`, { helpful: false });
  return value;
}

function readFile(option: string, path: string, max: number): Buffer {
  try {
    const size = statSync(path).size;
    if (size > max) throw new UsageError(`${option} ${path}: ${size} bytes, more than the ${max} allowed`, { helpful: false });
    return readFileSync(path);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`cannot read ${option} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { helpful: false });
  }
}

const pem = (der: Buffer) => `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`;

/** --client-cert/--client-key or --client-pfx, read with pki/files.ts; the key must match the leaf. */
async function clientCertificate(o: SendOpts): Promise<ClientCertificate | null> {
  if (!o.clientCert && !o.clientKey && !o.clientPfx) return null;
  if (o.clientPfx && (o.clientCert || o.clientKey)) throw new UsageError('give --client-pfx, or --client-cert with --client-key, not both');
  if (!o.clientPfx && !o.clientCert) throw new UsageError('--client-key needs --client-cert');
  const password = o.clientPasswordEnv ? env('--client-password-env', o.clientPasswordEnv) : null;
  let certs: Buffer[];
  let keys;
  if (o.clientPfx) {
    const contents = await readCertFile(readFile('--client-pfx', o.clientPfx, MAX_CERT_FILE_BYTES), { name: o.clientPfx, password });
    certs = contents.certificates;
    keys = contents.privateKeys;
  } else {
    const certFile = await readCertFile(readFile('--client-cert', o.clientCert as string, MAX_CERT_FILE_BYTES), { name: o.clientCert as string, password });
    certs = certFile.certificates;
    keys = certFile.privateKeys;
    if (o.clientKey) {
      const keyFile = await readCertFile(readFile('--client-key', o.clientKey, MAX_CERT_FILE_BYTES), { name: o.clientKey, password, purpose: 'key' });
      keys = [...keys, ...keyFile.privateKeys];
    }
  }
  if (certs.length === 0) throw new UsageError('the client certificate file holds no certificate', { helpful: false });
  if (keys.length === 0) throw new UsageError('no private key for the client certificate: give --client-key (or a PFX with its key)', { helpful: false });
  const { index } = pickLeaf(certs, keys);
  const leaf = certs[index] as Buffer;
  const key = keys.find((k) => keyMatchesCertificate(k, leaf));
  if (!key) throw new UsageError('the private key does not belong to the client certificate', { helpful: false });
  const chain = [leaf, ...certs.filter((_, i) => i !== index)];
  return {
    keyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
    certPem: chain.map(pem).join(''),
    subject: new X509Certificate(leaf).subject.replace(/\n/g, ', '),
  };
}

async function auth(o: SendOpts): Promise<SendAuth | null> {
  if (!o.authUser) {
    if (o.authPasswordEnv || o.oauthTokenEnv || o.authMechanism) throw new UsageError('--auth-password-env, --oauth-token-env and --auth-mechanism need --auth-user');
    return null;
  }
  if (o.authPasswordEnv && o.oauthTokenEnv) throw new UsageError('give --auth-password-env or --oauth-token-env, not both');
  if (o.oauthTokenEnv && o.authMechanism && o.authMechanism !== 'XOAUTH2') throw new UsageError(`--oauth-token-env means XOAUTH2, not ${o.authMechanism}`);
  if (o.authMechanism === 'XOAUTH2' && !o.oauthTokenEnv) throw new UsageError('XOAUTH2 needs --oauth-token-env');
  let secret: string;
  if (o.oauthTokenEnv) secret = env('--oauth-token-env', o.oauthTokenEnv);
  else if (o.authPasswordEnv) secret = env('--auth-password-env', o.authPasswordEnv);
  else if (process.stdin.isTTY) secret = await promptPassword(`Password for ${o.authUser}: `);
  else throw new UsageError('give the password with --auth-password-env NAME (it is never taken from the command line)');
  return { user: o.authUser, secret, mechanism: o.oauthTokenEnv ? 'XOAUTH2' : (o.authMechanism ?? null), allowCleartext: o.allowCleartextAuth ?? false };
}

export function configure(cmd: Command): Run {
  cmd
    .argument('[target]', 'user@domain | domain | host:port | IPv4 | [IPv6] | [IPv6]:port')
    .option('--host <name>', 'send to this server directly (the target, if given, still names the mail domain)')
    .option('--port <port>', 'port (default 25; 465 means implicit TLS, 587 is submission)', positiveInt('--port', 65535))
    .option('-4, --ipv4', 'IPv4 addresses only')
    .option('-6, --ipv6', 'IPv6 addresses only')
    .option('--helo <name>', "name to send in EHLO (default: this machine's FQDN)")
    .option('--from <address>', 'MAIL FROM and From: (default: mxray-test@<the EHLO name>)')
    .option('--to <address>', `RCPT TO and To:; repeatable, at most ${MAX_RECIPIENTS} (default: the target's user@domain, else postmaster@<domain>)`, collect, [])
    .addOption(new Option('--tls <mode>', 'none | opportunistic | required | implicit (default: implicit on port 465, else opportunistic)').choices(['none', 'opportunistic', 'required', 'implicit']))
    .addOption(new Option('--verify <level>', 'what the certificate must pass with --tls required or implicit: none | ca | name (default name)').choices(['none', 'ca', 'name']))
    .option('--ca-file <file>', 'also trust the CA certificates in this PEM file; repeatable', collect, [])
    .option('--requiretls', 'RFC 8689 REQUIRETLS on MAIL FROM (implies --tls required --verify name; only when the server offers it)')
    .option('--auth-user <name>', 'log in with this user name (AUTH PLAIN, LOGIN or CRAM-MD5, the best offered)')
    .option('--auth-password-env <name>', 'read the password from this environment variable (else asked on a terminal)')
    .option('--oauth-token-env <name>', 'log in with XOAUTH2, the OAuth 2.0 access token read from this environment variable')
    .addOption(new Option('--auth-mechanism <mechanism>', 'use this SASL mechanism').choices(['PLAIN', 'LOGIN', 'CRAM-MD5', 'XOAUTH2']))
    .option('--allow-cleartext-auth', 'allow AUTH without TLS (test servers only: the password crosses the network readable)')
    .option('--client-cert <file>', 'present this client certificate (PEM, with --client-key)')
    .option('--client-key <file>', 'the private key of --client-cert (PEM)')
    .option('--client-pfx <file>', 'present the certificate and key of this PKCS#12 / PFX file')
    .option('--client-password-env <name>', 'the password of --client-pfx or an encrypted --client-key, from this environment variable')
    .option('--subject <text>', 'Subject: (default: "mxray test <test id>")')
    .option('--header <"Name: value">', 'an extra header line; repeatable (no CR or LF; From, To, Subject, Date and the MIME headers replace ours)', collect, [])
    .option('--body <text>', 'the body text (default: one line saying it is a test)')
    .option('--data <file>', `send this whole RFC 5322 message instead (at most ${MAX_DATA_FILE_BYTES} bytes); X-Mxray-Test and, if missing, Message-ID are added`)
    .option('--size <bytes>', 'pad the body so the message has exactly this many bytes (to test a size limit)', positiveInt('--size', MAX_SEND_BYTES))
    .option('--count <n>', 'send this many messages (each with its own Message-ID)', positiveInt('--count', MAX_COUNT))
    .option('--concurrency <n>', 'over this many sessions at once (with --count)', positiveInt('--concurrency', MAX_CONCURRENCY))
    .option('--resolver <ip[:port]>', 'send every DNS query to this server')
    .option('--connect <host=ip[:port]>', 'connect to this address (and port) for this host name; repeatable', collect, [])
    .option('--greeting-timeout <seconds>', 'how long to wait for the banner (default 30, or --timeout)', seconds('--greeting-timeout'));
  addReportOptions(cmd, { timeout: 'time-out for every phase: each DNS query, connect, greeting, command, handshake and the reply to the message' });
  cmd.addHelpText('after', SEND_HELP);
  return async (target: string | undefined, o: SendOpts & { greetingTimeout?: number }) => {
    const format = formatOf(o);
    if (!target && !o.host) throw new UsageError('say where to send: mxray send <user@domain | domain | host:port | IP>');
    if (o.ipv4 && o.ipv6) throw new UsageError('-4 and -6 exclude each other');
    if (o.body !== undefined && o.data) throw new UsageError('give --body or --data, not both');
    if (o.data && (o.subject !== undefined || o.header.length)) throw new UsageError('--data sends a whole message: --subject and --header do not apply');
    if (o.concurrency && !o.count) throw new UsageError('--concurrency needs --count');
    const hostMap = parseConnect(o.connect);
    const secrets = await auth(o);
    const cert = await clientCertificate(o);
    const data = o.data ? readFile('--data', o.data, MAX_DATA_FILE_BYTES) : null;
    const edges = systemEdges({
      resolver: o.resolver ?? null,
      extraCaPems: readCaFiles(o.caFile),
      extraCaNames: o.caFile,
      ...(o.timeout ? { dnsTimeoutMs: o.timeout } : {}),
    });
    const progress = format === 'text' && !o.output && process.stderr.isTTY ? terminalProgress(process.stderr) : silentProgress;
    let report: SendReport;
    try {
      report = await sendMessage(
        {
          target: target ?? null,
          host: o.host ?? null,
          port: o.port ?? null,
          helo: o.helo ?? edges.helo,
          from: o.from ?? null,
          to: o.to,
          tls: o.tls ?? null,
          verify: o.verify ?? null,
          requireTls: o.requiretls ?? false,
          auth: secrets,
          clientCertificate: cert,
          subject: o.subject ?? null,
          headers: o.header,
          body: o.body ?? null,
          data,
          size: o.size ?? null,
          count: o.count ?? 1,
          concurrency: o.concurrency ?? 1,
          families: { v4: !o.ipv6, v6: !o.ipv4 },
          limits: timeLimits(o),
          hostMap,
          onProgress: (key, phase) => progress.update(key, phase),
        },
        () => edges,
      );
    } finally {
      progress.done();
    }
    await emit(await renderReport(report, o), o);
    return { kind: 'report', report };
  };
}
