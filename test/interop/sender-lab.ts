// The lab of test/interop/sender-postfix.interop.test.ts: a real Postfix from Debian as the SENDING
// relay, delivering into the sender-test server (`mxray sender-test serve`'s own parts, run in this
// process: startSenderServer, an SQLite store, startSenderApi), all on loopback.
//
//   the sender-test server  sendertest.interop.test (the daemons' /etc/hosts: 127.0.23.1), two
//                           listeners on 127.0.23.1 (ports of the system's choosing): one
//                           opportunistic, one require-tls, one require-client-cert (trusting
//                           the test PKI's client CA); its self-signed certificate, made as
//                           `serve` makes one without --cert; its API on 127.0.23.1.
//   Postfix                 one private instance (explain-lab.ts: foreground, private mount
//                           namespace, stopped by its pid), myhostname mail.sender-lab.test; one
//                           master.cf smtp(8) service per case, each with its own TLS settings,
//                           its own source address (smtp_bind_address: a case's report never counts
//                           another case's sessions as its earlier attempts) and its own syslog
//                           name (its log lines are its own). A transport map sends each case's test
//                           address (one test per case, made through the API) through that service.
//
// Messages are queued with Postfix's own sendmail; the result is read back through the API
// (GET /api/v1/sender-tests/<passcode>?wait=…), and Postfix's own log says what it did.
import { X509Certificate } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { systemClock } from '../../src/core/clock.js';
import type { Resolver } from '../../src/core/context.js';
import { DnsError } from '../../src/core/errors.js';
import type { SenderReport } from '../../src/core/schema.js';
import { createSelfSigned } from '../../src/demo/test-pki.js';
import { startSenderServer, type NewSenderTest, type SenderServer } from '../../src/jobs/sender/sender-server.js';
import { createTrustStore } from '../../src/pki/trust-store.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { startSenderApi, type SenderApi } from '../../src/web/sender-api.js';
import { runTool, startPostfixLab, waitForLine, writeTlsFiles, type PostfixLab } from './explain-lab.js';
import { createInteropPki } from './harness.js';

type Listener = 'opportunistic' | 'require-tls' | 'require-client-cert';

export const SENDER_HOSTNAME = 'sendertest.interop.test';
export const SENDER_ADDRESS = '127.0.23.1';
/** The Postfix instance's own name: its EHLO unless a case sets smtp_helo_name. */
export const POSTFIX_HOSTNAME = 'mail.sender-lab.test';
/** The only smtpd of the instance (explain-lab.ts needs one; nothing is sent to it). */
const POSTFIX_LISTENER = '127.0.23.2';
export const CUSTOM_HELO = 'relay-out.helo.sender-lab.test';
export const CUSTOM_SNI = 'sni.sender-lab.test';
const SENDMAIL = '/usr/sbin/sendmail';

/** Cipher lists at OpenSSL security level 0: where TLS 1.0 and 1.1 still handshake (their signatures use SHA-1/MD5). */
const LEVEL0 = ['tls_low_cipherlist=ALL:!aNULL:!eNULL:@SECLEVEL=0'];

export interface LabCase {
  /** smtp_tls_security_level of the case's service. */
  level: 'none' | 'may' | 'encrypt' | 'secure';
  /** More `-o name=value` of the service (no spaces in values). */
  options?: readonly string[];
  /**
   * The service presents a client certificate (smtp_tls_chain_files) from the client CA: `server-eku`
   * made by the test PKI (EKU serverAuth only, a server certificate reused for sending), `client-eku`
   * made with openssl (EKU serverAuth and clientAuth, SAN = the instance's name: what a partner
   * connector presents).
   */
  clientCert?: 'server-eku' | 'client-eku';
  /** The sender-test listener it delivers to (default opportunistic). */
  listener?: Listener;
}

/** Every case: its own service, source address and test address. */
export const CASES = {
  may: { level: 'may' },
  encrypt: { level: 'encrypt' },
  none: { level: 'none' },
  'may-cert': { level: 'may', clientCert: 'server-eku' },
  'encrypt-cert': { level: 'encrypt', clientCert: 'server-eku' },
  // Opportunistic TLS with the protocols of a system that never got past TLS 1.1.
  'may-tls11': { level: 'may', options: ['smtp_tls_protocols=<=TLSv1.1', 'smtp_tls_ciphers=low', ...LEVEL0] },
  // Mandatory TLS limited to TLS 1.0 (at encrypt the mandatory_* parameters apply).
  'encrypt-tls10': { level: 'encrypt', options: ['smtp_tls_mandatory_protocols=<=TLSv1', 'smtp_tls_mandatory_ciphers=low', ...LEVEL0] },
  // SNI: the next hop's name, then a fixed name.
  'sni-hostname': { level: 'may', options: ['smtp_tls_servername=hostname'] },
  'sni-fixed': { level: 'may', options: [`smtp_tls_servername=${CUSTOM_SNI}`] },
  helo: { level: 'may', options: [`smtp_helo_name=${CUSTOM_HELO}`] },
  // Two messages, one after the other, to the same test.
  twice: { level: 'may' },
  // Clear text into the listener that requires TLS: 530.
  'none-require-tls': { level: 'none', listener: 'require-tls' },
  // The listener that requires a client certificate that verifies (the client CA is in its trust store).
  'ccert-client-eku': { level: 'encrypt', clientCert: 'client-eku', listener: 'require-client-cert' },
  'ccert-server-eku': { level: 'encrypt', clientCert: 'server-eku', listener: 'require-client-cert' },
  'ccert-none': { level: 'encrypt', listener: 'require-client-cert' },
  // A sender that verifies the receiver's certificate, against our self-signed one.
  secure: { level: 'secure' },
  // The same source address as `secure`, at level may, later: to the fixed address with the
  // passcode of `secure` in the Subject (its transport map entry is the fixed address).
  'secure-then-may': { level: 'may' },
} as const satisfies Record<string, LabCase>;
export type CaseId = keyof typeof CASES;
export const CASE_IDS = Object.keys(CASES) as CaseId[];

/** The source address of a case (`secure-then-may` shares `secure`'s). */
export function sourceOf(c: CaseId): string {
  const i = CASE_IDS.indexOf(c === 'secure-then-may' ? 'secure' : c);
  return `127.0.23.${20 + i}`;
}

const serviceOf = (c: CaseId): string => `c_${c.replace(/-/g, '_')}`;
/** The case's syslog name (its lines in the maillog: " postfix/<case>/smtp[pid]: …"). */
const syslogOf = (c: CaseId): string => `postfix/${c}`;

const nx = (name: string, type: string) => Promise.reject(new DnsError('NXDOMAIN', name, type));
/** No DNS at all: the sender-test server's lookups about loopback clients have nothing to find. */
const NO_DNS: Resolver = { description: 'none', mx: (n) => nx(n, 'MX'), a: (n) => nx(n, 'A'), aaaa: (n) => nx(n, 'AAAA'), cname: (n) => nx(n, 'CNAME'), txt: () => Promise.resolve([]), ptr: () => Promise.resolve([]) };

export interface LoggedDelivery {
  /** The smtp(8) process's "…TLS connection established to …" line, parsed; null when it logged none. */
  tls: { trust: string; peer: string; protocol: string; cipher: string } | null;
  relay: string;
  status: string;
  /** The text in parentheses after status=. */
  detail: string;
  /** The case's lines, for messages. */
  lines: string[];
}

export interface SenderLab {
  server: SenderServer;
  api: SenderApi;
  tests: Record<CaseId, NewSenderTest>;
  /** The client certificates the cert cases present (PEM of the leaf). */
  clientCertPem: Record<'server-eku' | 'client-eku', string>;
  /** The sender-test server's certificate (PEM). */
  serverCertPem: string;
  /** Queues the case's message (to its test address; `secure-then-may`: the fixed address, passcode in the Subject). */
  send(c: CaseId): Promise<void>;
  /**
   * The newest report of the case's test (newer than result `after`), waiting up to `waitSeconds`
   * (null: none yet; the HTTP status then); `id` is the result's (x-mxray-result-id).
   */
  result(c: CaseId, waitSeconds: number, after?: number): Promise<{ status: number; report: SenderReport | null; body: unknown; id: number | null }>;
  /** Waits for the case's `occurrence`th status= line in Postfix's log (default the first); the delivery as Postfix logged it. */
  delivery(c: CaseId, occurrence?: number, timeoutMs?: number): Promise<LoggedDelivery>;
  postfixLog(): string;
  /** The operator's log lines of the sender-test server (results stored, errors). */
  serverLog: string[];
  stop(): Promise<void>;
}

async function api(base: string, path: string, init: RequestInit = {}, timeoutMs = 15_000): Promise<{ status: number; body: unknown; id: number | null }> {
  const response = await fetch(new URL(path, base), { ...init, signal: AbortSignal.timeout(timeoutMs) });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    // not JSON: kept as text for the failure message
  }
  const id = response.headers.get('x-mxray-result-id');
  return { status: response.status, body, id: id === null ? null : Number(id) };
}

/** Starts the lab under `dir` (a folder of the test's own, mode 0755). */
export async function startSenderLab(dir: string): Promise<SenderLab> {
  const stops: Array<() => Promise<void>> = [];
  const stop = async (): Promise<void> => {
    for (const s of stops.splice(0).reverse()) await s();
  };
  try {
    const now = Date.now();
    const pki = await createInteropPki(now);
    // As `mxray sender-test serve` makes one without --cert.
    const serverCert = await createSelfSigned({ commonName: SENDER_HOSTNAME, dnsNames: [SENDER_HOSTNAME] }, now);
    const store = await openSqliteStore(join(dir, 'sender-tests.db'));
    stops.push(() => store.close());
    const serverLog: string[] = [];
    const server = await startSenderServer({
      listeners: [
        { address: SENDER_ADDRESS, port: 0, policy: 'opportunistic' },
        { address: SENDER_ADDRESS, port: 0, policy: 'require-tls' },
        { address: SENDER_ADDRESS, port: 0, policy: 'require-client-cert' },
      ],
      hostname: SENDER_HOSTNAME,
      tls: { key: serverCert.keyPem, cert: serverCert.certPem },
      store,
      clock: systemClock,
      resolver: NO_DNS,
      trustStore: createTrustStore([pki.clientCa.cert.certPem], 'sender lab client CA'),
      limits: { testsPerMinute: 100 },
      onLog: (line) => {
        if (serverLog.length < 1000) serverLog.push(line);
      },
    });
    stops.push(() => server.stop());
    const apiServer = await startSenderApi(server, { address: SENDER_ADDRESS, port: 0 });
    stops.push(() => apiServer.stop());
    const portOf = (policy: Listener): number => {
      const l = server.listeners.find((x) => x.policy === policy);
      if (!l) throw new Error(`sender lab: no ${policy} listener`);
      return l.port;
    };

    const tests = {} as Record<CaseId, NewSenderTest>;
    for (const c of CASE_IDS) {
      if (c === 'secure-then-may') continue;
      const r = await api(apiServer.url, '/api/v1/sender-tests', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      if (r.status !== 201) throw new Error(`sender lab: POST /api/v1/sender-tests answered ${r.status}: ${JSON.stringify(r.body)}`);
      tests[c] = r.body as NewSenderTest;
    }
    tests['secure-then-may'] = tests.secure;

    const clientCert = await pki.clientCa.issue({ commonName: POSTFIX_HOSTNAME, key: 'rsa2048' });
    const tlsDir = join(dir, 'tls');
    await mkdir(tlsDir, { recursive: true, mode: 0o755 });
    const clientCa = pki.clientCa.cert.certPem;
    const clientFiles = {
      'server-eku': await writeTlsFiles(tlsDir, 'client-server-eku', { keyPem: clientCert.keyPem, chainPem: clientCert.certPem + clientCa }),
      'client-eku': await clientAuthCertificate(tlsDir, pki.clientCa.cert, POSTFIX_HOSTNAME),
    };

    const services = CASE_IDS.map((c) => {
      const k: LabCase = CASES[c];
      const options = [
        `syslog_name=${syslogOf(c)}`,
        `smtp_bind_address=${sourceOf(c)}`,
        `smtp_tls_security_level=${k.level}`,
        ...(k.clientCert ? [`smtp_tls_chain_files=${clientFiles[k.clientCert].chainFile}`] : []),
        ...(k.options ?? []),
      ];
      return [`${serviceOf(c)} unix - - n - - smtp`, ...options.map((o) => `  -o ${o}`)].join('\n');
    });
    const routes = CASE_IDS.map((c) => ({
      // transport(5) looks up the whole address first: one entry per test address.
      domain: c === 'secure-then-may' ? tests.secure.fixedAddress : tests[c].address,
      service: serviceOf(c),
      // By name (the namespace's /etc/hosts): smtp_tls_servername=hostname and secure need one.
      host: SENDER_HOSTNAME,
      port: portOf((CASES[c] as LabCase).listener ?? 'opportunistic'),
    }));
    const postfix: PostfixLab = await startPostfixLab({
      workDir: join(dir, 'postfix'),
      hostname: POSTFIX_HOSTNAME,
      hosts: { [SENDER_HOSTNAME]: SENDER_ADDRESS, [POSTFIX_HOSTNAME]: POSTFIX_LISTENER },
      listeners: [{ address: POSTFIX_LISTENER, port: 25, hostname: 'in.sender-lab.test', options: [] }],
      routes,
      services,
      mainCf: [
        // One connection per message: no cached session carries one case's message into another's.
        'smtp_connection_cache_on_demand = no',
        // A failed delivery is retried only when the test says so.
        'minimal_backoff_time = 1h',
        'maximal_backoff_time = 1h',
        'queue_run_delay = 1h',
      ],
    });
    stops.push(() => postfix.instance.stop());

    const etc = join(dir, 'postfix', 'etc');
    const from = `lab@${POSTFIX_HOSTNAME}`;
    const linesOf = (c: CaseId): string[] =>
      postfix
        .log()
        .split('\n')
        .filter((l) => l.includes(` ${syslogOf(c)}/`));
    return {
      server,
      api: apiServer,
      tests,
      clientCertPem: { 'server-eku': clientCert.certPem, 'client-eku': clientFiles['client-eku'].certPem },
      serverCertPem: serverCert.certPem,
      async send(c) {
        const to = c === 'secure-then-may' ? tests.secure.fixedAddress : tests[c].address;
        const subject = c === 'secure-then-may' ? `sender test ${tests.secure.passcode}` : `mxray sender lab: ${c}`;
        const message = `From: ${from}\nTo: ${to}\nSubject: ${subject}\n\nA message of the sender lab (${c}).\n`;
        const r = await runTool(SENDMAIL, ['-C', etc, '-f', from, to], { input: message, env: { ...process.env, MAIL_CONFIG: etc } });
        if (r.code !== 0) throw new Error(`sender lab: sendmail to ${to} failed (exit ${r.code}): ${r.out}`);
      },
      async result(c, waitSeconds, after = 0) {
        const query = new URLSearchParams({ ...(waitSeconds > 0 ? { wait: String(waitSeconds) } : {}), ...(after > 0 ? { after: String(after) } : {}) }).toString();
        const r = await api(apiServer.url, `/api/v1/sender-tests/${tests[c].passcode}${query ? `?${query}` : ''}`, {}, (waitSeconds + 15) * 1000);
        return { status: r.status, report: r.status === 200 ? (r.body as SenderReport) : null, body: r.body, id: r.id };
      },
      async delivery(c, occurrence = 1, timeoutMs = 45_000) {
        const to = c === 'secure-then-may' ? tests.secure.fixedAddress : tests[c].address;
        const pattern = new RegExp(`to=<${to.replace(/[.]/g, '\\.')}>,.* status=`);
        const nth = () => linesOf(c).filter((l) => pattern.test(l))[occurrence - 1];
        // waitForLine reads the first match of what it is given: give it the occurrence wanted.
        const statusLine = await waitForLine(() => nth() ?? '', pattern, timeoutMs);
        const lines = linesOf(c);
        // The TLS line of the same smtp(8) process (its pid), before the status line.
        const pid = /\/smtp\[(\d+)\]:/.exec(statusLine)?.[1] ?? '';
        const upTo = lines.slice(0, lines.indexOf(statusLine) + 1).filter((l) => l.includes(`/smtp[${pid}]:`));
        const tlsLine = [...upTo].reverse().find((l) => /TLS connection established to/.test(l));
        const t = tlsLine ? /: (?:(\w+) )?TLS connection established to (\S+): (TLSv[\d.]+) with cipher (\S+)/.exec(tlsLine) : null;
        const s = / relay=(\S+), .* status=(\w+) \((.*)\)$/.exec(statusLine);
        return {
          tls: t ? { trust: t[1] ?? '', peer: t[2] ?? '', protocol: t[3] ?? '', cipher: t[4] ?? '' } : null,
          relay: s?.[1] ?? '',
          status: s?.[2] ?? '',
          detail: s?.[3] ?? '',
          lines,
        };
      },
      postfixLog: () => postfix.log(),
      serverLog,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * A client certificate as a partner connector has one: issued by `ca` with openssl (EKU serverAuth
 * and clientAuth, SAN the sender's name), written as Postfix's chain file (key, leaf, CA).
 */
async function clientAuthCertificate(dir: string, ca: { certPem: string; keyPem: string }, name: string): Promise<{ chainFile: string; certPem: string }> {
  const file = (n: string) => join(dir, `client-eku.${n}`);
  await writeFile(file('ca.pem'), ca.certPem, { mode: 0o644 });
  await writeFile(file('ca.key'), ca.keyPem, { mode: 0o600 });
  await writeFile(
    file('ext'),
    ['basicConstraints = critical, CA:FALSE', 'keyUsage = critical, digitalSignature, keyEncipherment', 'extendedKeyUsage = serverAuth, clientAuth', `subjectAltName = DNS:${name}`, ''].join('\n'),
    { mode: 0o644 },
  );
  const steps: string[][] = [
    ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('key'), '-subj', `/CN=${name}/O=mxray sender lab`, '-out', file('csr')],
    ['x509', '-req', '-in', file('csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-set_serial', '4242', '-days', '30', '-sha256', '-extfile', file('ext'), '-out', file('crt')],
  ];
  for (const args of steps) {
    const r = await runTool('openssl', args);
    if (r.code !== 0) throw new Error(`sender lab: openssl ${args[0]} failed (exit ${r.code}): ${r.out}`);
  }
  const [keyPem, certPem] = await Promise.all([readFile(file('key'), 'utf8'), readFile(file('crt'), 'utf8')]);
  const chainFile = file('chain.pem');
  await writeFile(chainFile, `${keyPem.trimEnd()}\n${certPem.trimEnd()}\n${ca.certPem.trimEnd()}\n`, { mode: 0o600 });
  return { chainFile, certPem };
}

/** The subject and issuer of a base64 DER certificate, as Node reads them. */
export function certificateNames(base64Der: string): { subject: string; issuer: string } {
  const cert = new X509Certificate(Buffer.from(base64Der, 'base64'));
  return { subject: cert.subject, issuer: cert.issuer };
}

