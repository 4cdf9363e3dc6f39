// `mxray sender-test serve|new|show`: how does *our* server send? `serve` runs the receiving side
// (SMTP listeners that take mail only for test addresses, and the API on 127.0.0.1:8025); `new`
// asks it for a passcode and prints the address to send to; `show` prints the report once the mail
// arrived (`--watch` waits for it). `new` and `show` talk to the server only through its API.
import { mkdirSync, readFileSync } from 'node:fs';
import { homedir, hostname as osHostname } from 'node:os';
import { dirname, join } from 'node:path';
import { Argument, Option, type Command } from 'commander';
import { systemClock } from '../core/clock.js';
import { UsageError } from '../core/errors.js';
import { isHeloName } from '../core/names.js';
import { canonicalIp } from '../core/ip.js';
import { parseSavedReport } from '../core/saved-report.js';
import { SENDER_POLICIES, type SenderPolicy } from '../core/sender-schema.js';
import type { SenderTestStore } from '../core/sender-store.js';
import type { SmtpdCertificate } from '../smtpd/server.js';
import { safe } from '../render/style.js';
import type { Run } from './commands.js';
import { readCaFiles } from './ca-files.js';
import { addReportOptions, collect, positiveInt, type ReportOptions } from './options.js';
import { emit, formatOf, renderReport } from './output.js';

interface SenderTestOpts extends ReportOptions {
  listen: string[];
  http: string;
  store?: string;
  hostname?: string;
  cert?: string;
  key?: string;
  password?: string;
  caFile: string[];
  maxConnections?: number;
  maxPerIp?: number;
  maxMessageSize?: number;
  maxResults?: number;
  replyVia?: string;
  server: string;
  lifetime?: string;
  from: string[];
  watch?: boolean;
  waitSeconds?: number;
}

const HELP = `
Actions:
  serve              run the receiving side: SMTP listeners and the API (until Ctrl-C)
  new                create a test: prints the address to send to and its expiry
  show <passcode>    print the report of the mail that arrived (--watch: wait for it)

Example (on the server that will receive the test mail, a public address with port 25 open):
  mxray sender-test serve --hostname sendertest.example.net --cert cert.pem --key key.pem
  mxray sender-test new                       → test-<passcode>@sendertest.example.net
  (send a mail from the server you want to test to that address)
  mxray sender-test show <passcode> --watch

--listen ADDR:PORT[/POLICY], repeatable (default 0.0.0.0:25). POLICY is what the listener asks of
senders: opportunistic (default: STARTTLS offered), require-tls (530 to a sender that does not use
it), require-client-cert (530 without a client certificate that verifies, as a partner connector
with domain security does). Every listener asks for a client certificate without requiring one.

On a public address: an MX (or A) record for --hostname pointing at this machine, port 25 open
in the firewall (inbound TCP 25 from anywhere), and a certificate for --hostname (without one a
self-signed certificate is made: senders that verify will refuse it, which the report then shows).
The server never relays: mail for any other domain is refused at RCPT.

Exit codes (show): 0 the sender used TLS well, 1 problems found, 2 usage error, 3 no result yet
(or the test expired), 4 internal error.
`;

const DEFAULT_API = 'http://127.0.0.1:8025';

/** "0.0.0.0:25/require-tls", "[::]:2525" → a listener. */
export function parseListen(text: string): { address: string; port: number; policy: SenderPolicy } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([0-9.]+|localhost|[0-9a-fA-F:]*:[0-9a-fA-F:.]*)):(\d{1,5})(?:\/([a-z-]+))?$/.exec(text.trim());
  const address = m ? (m[1] ?? m[2] ?? '') : '';
  const port = m ? Number(m[3]) : NaN;
  const policy = (m?.[4] ?? 'opportunistic') as SenderPolicy;
  if (!m || port > 65535) throw new UsageError(`--listen ${safe(text, 80)}: give ADDRESS:PORT[/POLICY], e.g. 0.0.0.0:25 or [::]:2525/require-tls`);
  if (!SENDER_POLICIES.includes(policy)) throw new UsageError(`--listen ${safe(text, 80)}: the policy must be one of ${SENDER_POLICIES.join(', ')}`);
  return { address: address === 'localhost' ? '127.0.0.1' : address, port, policy };
}

/** "1h", "30m", "2d", "90s", "3600" → milliseconds. */
export function parseLifetime(text: string): number {
  const m = /^(\d{1,6})(s|m|h|d)?$/.exec(text.trim());
  if (!m) throw new UsageError(`--lifetime ${safe(text, 40)}: give a duration such as 30m, 1h or 2d`);
  const unit = { s: 1, m: 60, h: 3600, d: 86_400 }[(m[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
  const ms = Number(m[1]) * unit * 1000;
  if (ms < 60_000 || ms > 7 * 86_400_000) throw new UsageError('--lifetime must be from 1 minute to 7 days');
  return ms;
}

/** Where the store lives by default: $MXRAY_DATA_DIR, else $XDG_DATA_HOME/mxray, else ~/.local/share/mxray. */
export function defaultStoreFile(env: NodeJS.ProcessEnv = process.env): string {
  const dir = env.MXRAY_DATA_DIR || join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'mxray');
  return join(dir, 'sender-tests.db');
}

function readFile(name: string, what: string): Buffer {
  try {
    return readFileSync(name);
  } catch (err) {
    throw new UsageError(`cannot read ${what} ${safe(name, 200)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { helpful: false });
  }
}

/** The certificate STARTTLS presents: --cert (PEM, DER, PFX) and --key, or a self-signed one (said loudly). */
export async function certificateOf(o: { cert?: string; key?: string; password?: string }, name: string, warn: (line: string) => void): Promise<SmtpdCertificate> {
  if (!o.cert) {
    if (o.key) throw new UsageError('--key needs --cert');
    const { createSelfSigned } = await import('../demo/test-pki.js');
    const made = await createSelfSigned({ commonName: name, dnsNames: [name] }, systemClock.now());
    warn(`WARNING: no --cert given: STARTTLS presents a self-signed certificate for ${name}, made now. Senders that verify certificates (DANE, MTA-STS, Exchange domain security, Postfix "secure"/"verify") refuse it and never send the test mail (show then says how many sessions ended that way). Use a certificate for ${name} from a public CA for a real test.`);
    return { key: made.keyPem, cert: made.certPem };
  }
  const { readCertFile, pickLeaf } = await import('../pki/files.js');
  const read = async (file: string, purpose: 'certificate' | 'key') => {
    try {
      return await readCertFile(readFile(file, purpose === 'key' ? '--key' : '--cert'), { name: file, password: o.password ?? null, purpose });
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new UsageError(`${purpose === 'key' ? '--key' : '--cert'}: ${(err as Error).message}`, { helpful: false });
    }
  };
  const certFile = await read(o.cert, 'certificate');
  const keys = o.key ? (await read(o.key, 'key')).privateKeys : certFile.privateKeys;
  if (certFile.certificates.length === 0) throw new UsageError(`--cert ${safe(o.cert, 200)} holds no certificate`);
  if (keys.length === 0) throw new UsageError(o.key ? `--key ${safe(o.key, 200)} holds no private key (or it is encrypted: give --password)` : `--cert ${safe(o.cert, 200)} holds no private key: give --key (or a PFX with its key)`);
  const { index } = pickLeaf(certFile.certificates, keys);
  const leaf = certFile.certificates[index] as Buffer;
  const { keyMatchesCertificate } = await import('../pki/files.js');
  const key = keys.find((k) => keyMatchesCertificate(k, leaf));
  if (!key) throw new UsageError('the private key does not belong to the certificate');
  const ordered = [leaf, ...certFile.certificates.filter((_, i) => i !== index)];
  const pem = ordered.map((der) => `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`).join('');
  return { cert: pem, key: key.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

function apiBase(server: string): URL {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new UsageError(`--server ${safe(server, 200)} is not a URL (e.g. ${DEFAULT_API})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`--server ${safe(server, 200)}: give an http:// or https:// URL`);
  return url;
}

/** A request to the server's API; a server that is not there is a one-line error. */
async function api(server: string, path: string, init: RequestInit = {}, timeoutMs = 15_000): Promise<Response> {
  const url = new URL(path, apiBase(server));
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    throw new UsageError(`cannot reach the sender-test server at ${safe(url.origin, 200)} (${cause}): start it with mxray sender-test serve, or give --server`, { helpful: false });
  }
}

async function jsonOf(response: Response): Promise<Record<string, unknown>> {
  const text = (await response.text()).slice(0, 8 * 1024 * 1024);
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === 'object') return value as Record<string, unknown>;
  } catch {
    // below
  }
  throw new UsageError(`the sender-test server answered ${response.status} with something that is not JSON`, { helpful: false });
}

async function serve(o: SenderTestOpts): Promise<void> {
  const name = (o.hostname ?? osHostname()).toLowerCase().replace(/\.$/, '');
  if (!isHeloName(name) || name.startsWith('[')) throw new UsageError(`--hostname ${safe(name, 100)} is not a host name: give this server's name in DNS (test addresses are test-<passcode>@<hostname>)`);
  const listeners = (o.listen.length ? o.listen : ['0.0.0.0:25']).map(parseListen);
  const replyVia = o.replyVia === undefined ? null : parseSmarthost(o.replyVia);
  const http = parseListen(o.http);
  // Every line may hold what a client sent: escaped for the terminal.
  const say = (line: string) => process.stdout.write(`${safe(line, 1000)}\n`);
  const warn = (line: string) => process.stderr.write(`${line}\n`);
  const tls = await certificateOf(o, name, warn);
  // The store and its journal hold every report: readable by this user alone.
  process.umask(0o077);
  if (!/^(127\.|::1$|localhost$)/.test(http.address)) {
    warn(`WARNING: the API listens on ${http.address}, beyond this machine: it has no login — whoever reaches it can create tests, and read the results of any passcode they know. Keep it on 127.0.0.1 (the default) or behind a proxy that authenticates.`);
  }
  const storeFile = o.store ?? defaultStoreFile();
  if (storeFile !== ':memory:') {
    try {
      mkdirSync(dirname(storeFile), { recursive: true, mode: 0o700 });
    } catch (err) {
      throw new UsageError(`cannot make the folder of the store ${safe(storeFile, 200)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { helpful: false });
    }
  }
  const { openSqliteStore } = await import('../store/sqlite.js');
  const store: SenderTestStore = await openSqliteStore(storeFile);
  const { systemEdges } = await import('../runtime/edges.js');
  const edges = systemEdges({ extraCaPems: readCaFiles(o.caFile), extraCaNames: o.caFile });
  const { startSenderServer } = await import('../jobs/sender/sender-server.js');
  const { startSenderApi } = await import('../web/sender-api.js');
  let server: Awaited<ReturnType<typeof startSenderServer>> | null = null;
  let apiServer: Awaited<ReturnType<typeof startSenderApi>> | null = null;
  try {
    server = await startSenderServer({
      listeners,
      hostname: name,
      tls,
      store,
      clock: edges.clock,
      resolver: edges.resolver,
      trustStore: edges.trustStore,
      limits: {
        ...(o.maxConnections ? { maxConnections: o.maxConnections } : {}),
        ...(o.maxPerIp ? { maxConnectionsPerIp: o.maxPerIp } : {}),
        ...(o.maxMessageSize ? { maxMessageBytes: o.maxMessageSize } : {}),
        ...(o.maxResults ? { maxResultsPerTest: o.maxResults } : {}),
      },
      onLog: (line) => say(`${new Date(edges.clock.now()).toISOString()} ${line}`),
      ...(replyVia ? { onResult: replier(replyVia, name, edges, (line) => say(`${new Date(edges.clock.now()).toISOString()} ${line}`)) } : {}),
    }).catch((err: unknown) => {
      throw listenError(err, 'SMTP');
    });
    apiServer = await startSenderApi(server, { address: http.address, port: http.port, hostNames: [name], onError: (e) => say(`${new Date(edges.clock.now()).toISOString()} api: ${safe(e.message, 300)}`) }).catch((err: unknown) => {
      throw listenError(err, 'API');
    });
  } catch (err) {
    await server?.stop();
    await store.close();
    throw err;
  }
  say(`mxray sender test for ${name}`);
  for (const l of server.listeners) say(`  SMTP  ${l.address.includes(':') ? `[${l.address}]` : l.address}:${l.port}  ${l.policy}`);
  say(`  API   ${apiServer.url}/api/v1/sender-tests`);
  say(`  store ${store.description}`);
  say(`Create a test: mxray sender-test new${apiServer.url === DEFAULT_API ? '' : ` --server ${apiServer.url}`}   (Ctrl-C stops the server)`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  say('stopping');
  await apiServer.stop();
  await server.stop();
  await store.close();
}

/** "smtp://host:port" (port 25 by default) → where replies go. */
export function parseSmarthost(text: string): { host: string; port: number } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--reply-via ${safe(text, 100)}: give smtp://HOST[:PORT], your smarthost`);
  }
  if (url.protocol !== 'smtp:' || !url.hostname || url.username || url.password || (url.pathname && url.pathname !== '/')) throw new UsageError(`--reply-via ${safe(text, 100)}: give smtp://HOST[:PORT], your smarthost (no user, no path)`);
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port ? Number(url.port) : 25 };
}

/** Most replies mailed per minute: a flood of test mails must not make this server a mail cannon. */
const MAX_REPLIES_PER_MINUTE = 30;

/**
 * Mails each result back to the envelope sender through the smarthost (the project's send job).
 * Never to the null sender, never to our own domain, never for a message that was itself automatic
 * (Auto-Submitted, RFC 3834): no loops.
 */
function replier(via: { host: string; port: number }, name: string, edges: import('../runtime/edges.js').Edges, log: (line: string) => void) {
  let windowStart = 0;
  let sent = 0;
  const answered = new Set<string>();
  return async (report: import('../core/schema.js').SenderReport): Promise<void> => {
    const to = report.body.session.mailFrom ?? '';
    const domain = to.slice(to.lastIndexOf('@') + 1).toLowerCase();
    const auto = report.body.headers?.other.find((f) => f.name.toLowerCase() === 'auto-submitted');
    if (!to || !to.includes('@') || domain === name || domain.endsWith(`.${name}`) || (auto && auto.value.trim().toLowerCase() !== 'no')) return;
    // A forged MAIL FROM must not turn the smarthost into a mailer for anyone who knows a passcode:
    // only a sender its domain's SPF vouches for (or one on a private network, the operator's own),
    // and one reply per test.
    const isPrivate = report.findings.some((f) => f.id === 'sender.private-address');
    if (report.body.dns.spf?.result !== 'pass' && !isPrivate) {
      log(`reply to ${to} not sent: the SPF of ${domain} does not list ${report.body.session.clientIp}`);
      return;
    }
    const test = report.body.test.address + report.body.test.createdAt;
    if (answered.has(test)) return;
    if (answered.size >= 10_000) answered.clear();
    answered.add(test);
    const now = edges.clock.now();
    if (now - windowStart > 60_000) {
      windowStart = now;
      sent = 0;
    }
    if (++sent > MAX_REPLIES_PER_MINUTE) {
      log(`reply to ${to} not sent: more than ${MAX_REPLIES_PER_MINUTE} replies this minute`);
      return;
    }
    const text = await renderReport(report, { format: 'text', color: false, width: 78, details: true });
    const { runSend } = await import('../jobs/send/check-send.js');
    const sentReport = await runSend(
      {
        target: `${via.host.includes(':') ? `[${via.host}]` : via.host}:${via.port}`,
        helo: name,
        from: `mxray-sender-test@${name}`,
        to: [to],
        subject: `mxray sender test: ${report.verdict.toUpperCase()} for ${report.body.session.clientIp}`,
        headers: ['Auto-Submitted: auto-replied'],
        body: text,
      },
      () => edges,
    );
    log(`reply to ${to} via ${via.host}:${via.port}: ${sentReport.verdict}`);
  };
}

export function listenError(err: unknown, what: string): Error {
  const e = err as NodeJS.ErrnoException & { address?: string; port?: number };
  if (e.code === 'EACCES') return new UsageError(`cannot listen for ${what} on ${e.address ?? '?'}:${e.port ?? '?'}: permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE; for a trial use e.g. --listen 127.0.0.1:2525)`, { helpful: false });
  if (e.code === 'EADDRINUSE') return new UsageError(`cannot listen for ${what} on ${e.address ?? '?'}:${e.port ?? '?'}: the address is in use (another mail server or sender-test server?)`, { helpful: false });
  if (e.code === 'EADDRNOTAVAIL') return new UsageError(`cannot listen for ${what} on ${e.address ?? '?'}: not an address of this machine`, { helpful: false });
  return err instanceof Error ? err : new Error(String(err));
}

async function create(o: SenderTestOpts): Promise<void> {
  for (const ip of o.from) if (canonicalIp(ip) === null) throw new UsageError(`--from ${safe(ip, 80)} is not an IP address (the address your server sends from)`);
  const body = JSON.stringify({
    ...(o.lifetime ? { lifetimeSeconds: parseLifetime(o.lifetime) / 1000 } : {}),
    ...(o.from.length ? { expectFrom: o.from } : {}),
  });
  const response = await api(o.server, '/api/v1/sender-tests', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const json = await jsonOf(response);
  if (response.status !== 201) throw new UsageError(`the sender-test server refused: ${safe(String(json.error ?? response.status), 300)}`, { helpful: false });
  if (formatOf(o) === 'json') {
    await emit(`${JSON.stringify(json, null, 2)}\n`, o);
    return;
  }
  const text = (k: string) => safe(String(json[k] ?? ''), 300);
  const lines = [
    `Send a mail from the server you want to test to:`,
    ``,
    `    ${text('address')}`,
    ``,
    `(a sender that can only write to a fixed address: send to ${text('fixedAddress')} with ${text('passcode')} in the Subject)`,
    ...(Array.isArray(json.expectFrom) && json.expectFrom.length
      ? [`Sessions from ${safe(json.expectFrom.join(', '), 300)} that end at the TLS handshake are reported for this test too.`]
      : []),
    `The address works until ${text('expiresAt')}. Then:`,
    ``,
    `    mxray sender-test show ${text('passcode')} --watch${o.server === DEFAULT_API ? '' : ` --server ${safe(o.server, 200)}`}`,
    ``,
  ];
  await emit(lines.join('\n'), o);
}

async function show(passcode: string | undefined, o: SenderTestOpts) {
  if (!passcode) throw new UsageError('show needs the passcode: mxray sender-test show <passcode>');
  if (!/^[A-Za-z2-7]{20}$/.test(passcode.replace(/^test-/i, '').replace(/@.*$/, ''))) throw new UsageError(`${safe(passcode, 60)} is not a passcode (20 letters and digits, as mxray sender-test new printed)`);
  const code = passcode.replace(/^test-/i, '').replace(/@.*$/, '').toLowerCase();
  const wait = o.watch ? (o.waitSeconds ?? 3600) : 0;
  const deadline = systemClock.monotonic() + wait * 1000;
  const interactive = process.stderr.isTTY && o.watch;
  let announced = false;
  for (;;) {
    const left = Math.max(0, Math.ceil((deadline - systemClock.monotonic()) / 1000));
    const poll = Math.min(left, 50);
    const response = await api(o.server, `/api/v1/sender-tests/${code}${poll > 0 ? `?wait=${poll}` : ''}`, {}, (poll + 20) * 1000);
    if (response.status === 200) {
      const text = await response.text();
      const report = parseSavedReport(text, 'the report from the sender-test server');
      if (interactive && announced) process.stderr.write('\n');
      await emit(await renderReport(report, o), o);
      return { kind: 'report' as const, report };
    }
    const json = await jsonOf(response);
    if (response.status === 404) throw new UsageError(`no sender test with passcode ${code} on ${safe(o.server, 200)} (a typo, or it was made on another server?)`, { helpful: false });
    if (response.status === 410) {
      process.stderr.write(`mxray: the test expired at ${safe(String(json.expiresAt), 40)} without a mail: create a new one with mxray sender-test new\n`);
      return { kind: 'untestable' as const };
    }
    if (response.status !== 202) throw new UsageError(`the sender-test server answered ${response.status}: ${safe(String(json.error ?? ''), 300)}`, { helpful: false });
    if (left <= 0) {
      process.stderr.write(`mxray: no mail for ${safe(String(json.address), 300)} yet (expires ${safe(String(json.expiresAt), 40)}); --watch waits for it\n`);
      const dropouts = typeof json.tlsDropouts === 'number' ? json.tlsDropouts : 0;
      if (dropouts > 0) {
        process.stderr.write(
          `mxray: meanwhile ${dropouts} session${dropouts === 1 ? '' : 's'} ended in or right after the TLS handshake without a passcode: a sender that verifies certificates (Postfix "secure"/"verify", DANE, MTA-STS, Exchange domain security) refuses one it cannot verify and never sends the mail — serve with a certificate for the hostname from a public CA (--cert)\n`,
        );
      }
      return { kind: 'untestable' as const };
    }
    if (interactive && !announced) {
      process.stderr.write(`waiting for a mail to ${safe(String(json.address), 300)} … (Ctrl-C to stop)`);
      announced = true;
    }
  }
}

export function configure(cmd: Command): Run {
  cmd
    .addArgument(new Argument('<action>', 'serve, new or show').choices(['serve', 'new', 'show']))
    .argument('[passcode]', 'the test to show (show)')
    .option('--listen <addr:port[/policy]>', 'serve: an SMTP listener; repeatable (default 0.0.0.0:25)', collect, [])
    .option('--http <addr:port>', 'serve: the API listener', '127.0.0.1:8025')
    .option('--store <file>', 'serve: the SQLite file of tests and results (default ~/.local/share/mxray/sender-tests.db)')
    .option('--hostname <name>', "serve: this server's name (banner, test addresses); default the machine's name")
    .option('--cert <file>', 'serve: certificate for STARTTLS (PEM with its chain, DER, or PFX with its key)')
    .option('--key <file>', 'serve: its private key (PEM), unless --cert holds it')
    .option('--password <password>', 'serve: the password of a PFX or an encrypted key')
    .option('--ca-file <file>', 'serve: also trust these CAs for client certificates; repeatable', collect, [])
    .option('--max-connections <n>', 'serve: connections at once (default 500)', positiveInt('--max-connections', 100_000))
    .option('--max-per-ip <n>', 'serve: connections at once from one address (default 20)', positiveInt('--max-per-ip', 100_000))
    .option('--max-results <n>', 'serve: results one test keeps; more are refused (default 50)', positiveInt('--max-results', 1_000_000))
    .option('--reply-via <smtp://host:port>', 'serve: mail each report back to the envelope sender through this smarthost')
    .option('--max-message-size <bytes>', 'serve: the SIZE announced and enforced (default 10485760)', positiveInt('--max-message-size', 1024 * 1024 * 1024))
    .option('--server <url>', 'new, show: the sender-test server API', DEFAULT_API)
    .option('--lifetime <duration>', 'new: how long the test address works (default 1h; at most 7d)')
    .option('--from <ip>', 'new: the address your server sends from; a session from it that ends at the TLS handshake (it refused our certificate) is reported too; repeatable', collect, [])
    .option('--watch', 'show: wait for the mail, then print the report')
    .addOption(new Option('--wait-seconds <n>', 'show --watch: give up after this many seconds (default 3600)').argParser(positiveInt('--wait-seconds', 86_400)));
  addReportOptions(cmd, { timeout: false, details: 'show: add the ClientHello, the client certificate, the DNS lookups and the header hops' });
  cmd.addHelpText('after', HELP);
  return async (action: string, passcode: string | undefined, o: SenderTestOpts) => {
    formatOf(o);
    if (action !== 'show' && passcode !== undefined) throw new UsageError(`${action} takes no passcode`);
    if (action === 'serve') {
      await serve(o);
      return { kind: 'ok' };
    }
    if (action === 'new') {
      await create(o);
      return { kind: 'ok' };
    }
    return show(passcode, o);
  };
}
