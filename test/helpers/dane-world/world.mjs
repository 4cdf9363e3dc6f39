// The DANE test world (RFC 7672): DNSSEC-signed zones served by Knot DNS, a validating Unbound
// resolver, and SMTP servers with STARTTLS on port 25, all on loopback inside network, mount and
// pid namespaces of their own. Plain JavaScript so that node runs it as it is, inside those
// namespaces:
//
//   unshare --net --mount --pid --fork --kill-child=SIGTERM --mount-proc \
//     node test/helpers/dane-world/world.mjs spec.json
//
// The spec (test/helpers/dane-world/client.ts documents its shape and holds the default one)
// names the cases, each a mail domain of its own. The world prints one line
// {"ready":true,...} on stdout once every server answers, then runs the commands it is sent on
// stdin, one JSON object a line ({"id":1,"run":["argv0",...],"timeoutMs":20000}), inside the
// namespaces, and answers each with one line ({"id":1,"code":0,"stdout":...}). {"stop":true},
// the end of stdin or SIGTERM stop it: the daemons it started are ended by their pids, the
// temporary folder removed. Any error: one line on stderr, exit 2.
//
// Addresses: Unbound 127.0.0.1@53 (the only resolver: /etc/resolv.conf is bound over inside the
// mount namespace), Knot 127.0.0.2@53 (every zone; it signs the signed ones), a second Knot on
// 127.0.0.3@53 serving the tampered copies of the "bogus-tlsa" zones, 127.0.0.4@53 a name server
// that answers SERVFAIL to everything (the "servfail" delegations), 127.0.0.9 the dead root server
// of Unbound's hints, and the MX hosts on 127.0.1.x:25. Nothing can leave the namespace: it has no
// interface but lo.
import { Buffer } from 'node:buffer';
import { spawn } from 'node:child_process';
import { X509Certificate, createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { clearTimeout } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';
import { TLSSocket, createSecureContext } from 'node:tls';

const RESOLVER = '127.0.0.1';
const KNOT_MAIN = '127.0.0.2';
const KNOT_TAMPERED = '127.0.0.3';
const FAILING_NS = '127.0.0.4';
const DEAD_ROOT = '127.0.0.9';
const SMTP_PORT = 25;

/** Every wait is bounded: a daemon that does not answer within this long is an error. */
const READY_TIMEOUT_MS = 15_000;
/** What a daemon gets after SIGTERM before SIGKILL. */
const STOP_GRACE_MS = 3_000;
/** A command that prints more than this is killed: a runaway tool cannot fill our memory. */
const MAX_OUTPUT = 4 * 1024 * 1024;
const DEFAULT_COMMAND_TIMEOUT_MS = 20_000;
const MAX_COMMAND_TIMEOUT_MS = 300_000;
/** SMTP server bounds: a bad client is cut off, never allowed to hold a connection or our memory. */
const SMTP_LIMITS = { lineBytes: 2048, commands: 50, idleMs: 30_000, handshakeMs: 15_000, connections: 64 };
const DAY_MS = 86_400_000;

// ── small helpers ─────────────────────────────────────────────────────────────────────────────

class WorldError extends Error {}

/**
 * Runs a tool to its end, bounded in time and output; resolves with what it said, never rejects.
 * The tool leads a process group of its own, so a time-out kills what it started too (a shell's
 * children); output past MAX_OUTPUT kills it as well. code: its exit status, null when it did not
 * exit by itself (then `error` says why).
 */
function runTool(file, args, { timeoutMs = 20_000, env = process.env } = {}) {
  return new Promise((resolve) => {
    const child = spawn(file, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks = { stdout: [], stderr: [] };
    let bytes = 0;
    let error = null;
    let done = false;
    const killGroup = (why) => {
      error ??= why;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => killGroup(`timed out after ${timeoutMs} ms`), timeoutMs);
    for (const stream of ['stdout', 'stderr']) {
      child[stream].on('data', (chunk) => {
        bytes += chunk.length;
        if (bytes > MAX_OUTPUT) return killGroup(`output over ${MAX_OUTPUT} bytes`);
        chunks[stream].push(chunk);
      });
    }
    const finish = (code, signal) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const text = (list) => Buffer.concat(list).toString('utf8');
      resolve({ code: error === null ? code : null, signal: signal ?? null, stdout: text(chunks.stdout), stderr: text(chunks.stderr), error });
    };
    child.once('error', (e) => {
      error ??= e.code === 'ENOENT' ? `${file}: not found` : e.message;
      finish(null, null);
    });
    // 'close' waits for the pipes; a daemon the tool left behind could hold them open: at most a second more.
    child.once('close', finish);
    child.once('exit', (code, signal) => {
      setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish(code, signal);
      }, 1_000).unref();
    });
  });
}

/** runTool, but a failure is an error naming the tool and quoting the end of what it said. */
async function mustRun(file, args, options) {
  const r = await runTool(file, args, options);
  if (r.code !== 0) {
    const said = `${r.stderr}${r.stdout}`.trim().split('\n').slice(-3).join(' | ');
    throw new WorldError(`${file} ${args.slice(0, 3).join(' ')} failed (${r.error ?? `exit ${r.code}`}): ${said}`);
  }
  return r.stdout;
}

/**
 * Polls `probe` every 50 ms until it returns a non-null value; an error after `timeoutMs`, or at
 * once when `gone()` says why waiting is pointless (the daemon exited).
 */
async function until(what, probe, { timeoutMs = READY_TIMEOUT_MS, gone = () => null } = {}) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== undefined) return value;
    const why = gone();
    if (why !== null) throw new WorldError(`${what}: ${why}`);
    if (performance.now() > deadline) throw new WorldError(`${what}: not ready after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** Runs `fn` over `items`, at most `limit` at once (key generation is CPU-bound). */
async function mapLimited(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

const fqdn = (name) => `${name.replace(/\.$/, '')}.`;
/** The zone a name belongs to: the name without its first label. */
const parentOf = (name) => name.slice(name.indexOf('.') + 1);
const isLoopbackV4 = (a) => /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a) && a.split('.').every((o) => Number(o) <= 255);
const isName = (n) => typeof n === 'string' && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/.test(n);

// ── the spec ──────────────────────────────────────────────────────────────────────────────────

const TLSA_OF = /^(cert\d+|spare|root|intermediate)$/;

/** Checks the spec and says what is wrong with it in one sentence (the spec is test data: be strict). */
function checkSpec(spec) {
  const bad = (why) => {
    throw new WorldError(`spec: ${why}`);
  };
  if (typeof spec !== 'object' || spec === null || !Array.isArray(spec.cases) || spec.cases.length === 0) bad('needs a non-empty "cases" array');
  const names = new Set();
  const domains = new Set();
  const addresses = new Set();
  const flag = (v) => v === undefined || typeof v === 'boolean';
  for (const c of spec.cases) {
    if (typeof c.name !== 'string' || !/^[a-z0-9-]+$/.test(c.name) || names.has(c.name)) bad(`case name ${JSON.stringify(c.name)} is missing, malformed or repeated`);
    names.add(c.name);
    if (!isName(c.domain) || domains.has(c.domain)) bad(`case ${c.name}: domain ${JSON.stringify(c.domain)} is not a host name, or another case's`);
    domains.add(c.domain);
    if (!['signed', 'unsigned', 'bogus-tlsa'].includes(c.dnssec)) bad(`case ${c.name}: dnssec must be signed, unsigned or bogus-tlsa`);
    if (!Array.isArray(c.mx) || c.mx.length === 0) bad(`case ${c.name}: needs at least one mx`);
    for (const mx of c.mx) {
      if (!isName(mx.host) || !mx.host.endsWith(`.${c.domain}`)) bad(`case ${c.name}: MX host ${JSON.stringify(mx.host)} must be a name under ${c.domain}`);
      if (!isLoopbackV4(mx.address) || mx.address.startsWith('127.0.0.')) bad(`case ${c.name}: address ${mx.address} must be 127.x.y.z outside 127.0.0.0/24 (the DNS servers' block)`);
      if (addresses.has(mx.address)) bad(`case ${c.name}: address ${mx.address} used twice`);
      addresses.add(mx.address);
      if (mx.cname !== undefined && (!isName(mx.cname) || mx.cname.split('.').length < 3)) bad(`case ${c.name}: cname ${JSON.stringify(mx.cname)} must be a name with a parent zone below the TLD`);
      if (!Array.isArray(mx.certs) || mx.certs.length === 0 || mx.certs.length > 2) bad(`case ${c.name}: ${mx.host} needs one or two certs`);
      for (const cert of mx.certs) {
        if (!['ec', 'rsa'].includes(cert.key)) bad(`case ${c.name}: cert key must be ec or rsa`);
        if (!['self', 'intermediate'].includes(cert.issuer)) bad(`case ${c.name}: cert issuer must be self or intermediate`);
        if (!flag(cert.expired)) bad(`case ${c.name}: cert expired must be true or false`);
      }
      if (new Set(mx.certs.map((x) => x.key)).size !== mx.certs.length) bad(`case ${c.name}: two certs of one key type (the server chooses by key type)`);
      if (!Array.isArray(mx.tlsa)) bad(`case ${c.name}: ${mx.host} needs a tlsa array (may be empty)`);
      for (const t of mx.tlsa) {
        const ok = [t.usage, t.selector, t.matching].every((v) => Number.isInteger(v) && v >= 0 && v <= 255);
        if (!ok || typeof t.of !== 'string' || !TLSA_OF.test(t.of)) bad(`case ${c.name}: TLSA ${JSON.stringify(t)} needs usage, selector, matching (0-255) and "of" (cert<N>, spare, root, intermediate)`);
        if (/^cert\d+$/.test(t.of) && Number(t.of.slice(4)) >= mx.certs.length) bad(`case ${c.name}: TLSA of ${t.of}, but ${mx.host} has ${mx.certs.length} cert(s)`);
        if (![0, 1].includes(t.selector) || ![0, 1, 2].includes(t.matching)) bad(`case ${c.name}: TLSA selector must be 0 or 1 and matching 0, 1 or 2 (the world computes the data)`);
      }
      if (!flag(mx.tlsaServfail)) bad(`case ${c.name}: tlsaServfail must be true or false`);
      if (mx.tlsaServfail === true && mx.tlsa.length > 0) bad(`case ${c.name}: tlsaServfail delegates _tcp away, so its TLSA records could not be published`);
    }
  }
}

// ── certificates (openssl command line) ───────────────────────────────────────────────────────

/** openssl's GeneralizedTime for `openssl ca -startdate/-enddate`. */
const asn1Time = (ms) => `${new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;

async function newKey(file, kind) {
  const opts = kind === 'rsa' ? ['-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048'] : ['-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'];
  await mustRun('openssl', ['genpkey', ...opts, '-out', file]);
}

/**
 * A certificate issued with `openssl ca` (which takes explicit start and end dates: the only way
 * OpenSSL 3.0's command line backdates one). `issuer` null: self-signed. Each issuance gets a CA
 * folder of its own (index, serial), so issuances may run in parallel.
 */
async function issue(dir, { keyFile, subject, sans, ca, issuer, notBefore, notAfter }) {
  await mkdir(join(dir, 'certs'), { recursive: true });
  await writeFile(join(dir, 'index.txt'), '');
  await writeFile(
    join(dir, 'ca.cnf'),
    [
      '[ ca ]',
      'default_ca = world',
      '[ world ]',
      `dir = ${dir}`,
      `database = ${join(dir, 'index.txt')}`,
      `new_certs_dir = ${join(dir, 'certs')}`,
      'rand_serial = yes',
      'default_md = sha256',
      'policy = any',
      'unique_subject = no',
      'email_in_dn = no',
      'x509_extensions = ext',
      '[ any ]',
      'commonName = supplied',
      '[ ext ]',
      ...(ca ? ['basicConstraints = critical,CA:TRUE', 'keyUsage = critical,keyCertSign,cRLSign', 'subjectKeyIdentifier = hash'] : ['basicConstraints = CA:FALSE', 'keyUsage = critical,digitalSignature,keyEncipherment', 'extendedKeyUsage = serverAuth', 'subjectKeyIdentifier = hash']),
      ...(issuer ? ['authorityKeyIdentifier = keyid'] : []),
      ...(sans.length ? [`subjectAltName = ${sans.map((s) => `DNS:${s}`).join(',')}`] : []),
      '',
    ].join('\n'),
  );
  const csr = join(dir, 'req.csr');
  const out = join(dir, 'cert.pem');
  await mustRun('openssl', ['req', '-new', '-key', keyFile, '-subj', subject, '-out', csr]);
  const signer = issuer ? ['-cert', issuer.certFile, '-keyfile', issuer.keyFile] : ['-selfsign', '-keyfile', keyFile];
  await mustRun('openssl', ['ca', '-batch', '-notext', '-config', join(dir, 'ca.cnf'), ...signer, '-in', csr, '-startdate', asn1Time(notBefore), '-enddate', asn1Time(notAfter), '-out', out]);
  return { certFile: out, keyFile, certPem: await readFile(out, 'utf8') };
}

/** SHA-256 / SHA-512 / full data of a certificate or its SubjectPublicKeyInfo, as TLSA wants them. */
function tlsaData(certPem, selector, matching) {
  const cert = new X509Certificate(certPem);
  const der = selector === 0 ? cert.raw : cert.publicKey.export({ type: 'spki', format: 'der' });
  if (matching === 0) return der.toString('hex');
  return createHash(matching === 1 ? 'sha256' : 'sha512').update(der).digest('hex');
}

function spkiSha256(certPem) {
  return tlsaData(certPem, 1, 1);
}

/** The CA (root and intermediate) for the DANE-TA cases, made only when a case needs it. */
async function makeCa(dir, now) {
  await mkdir(dir, { recursive: true });
  const rootKey = join(dir, 'root.key');
  const intKey = join(dir, 'intermediate.key');
  await Promise.all([newKey(rootKey, 'ec'), newKey(intKey, 'ec')]);
  const validity = { notBefore: now - DAY_MS, notAfter: now + 3650 * DAY_MS };
  const root = await issue(join(dir, 'root'), { keyFile: rootKey, subject: '/CN=mxray DANE world root CA', sans: [], ca: true, issuer: null, ...validity });
  const intermediate = await issue(join(dir, 'intermediate'), {
    keyFile: intKey,
    subject: '/CN=mxray DANE world intermediate CA',
    sans: [],
    ca: true,
    issuer: root,
    ...validity,
  });
  return { root, intermediate };
}

// ── zones ─────────────────────────────────────────────────────────────────────────────────────

/**
 * The zones the cases need, each with its records in presentation format: the case's own zone
 * (MX, the MX hosts' A or CNAME, TLSA, or the failing _tcp delegation), plus the zone of every CNAME
 * target (signed).
 */
function buildZones(cases) {
  const zones = new Map();
  const zone = (name, dnssec) => {
    const existing = zones.get(name);
    if (existing && existing.dnssec !== dnssec) throw new WorldError(`spec: zone ${name} is wanted both ${existing.dnssec} and ${dnssec}`);
    if (existing) return existing;
    const z = { name, dnssec, records: [], bogusNames: [] };
    zones.set(name, z);
    return z;
  };
  for (const c of cases) {
    const own = zone(c.domain, c.dnssec);
    c.mx.forEach((mx, i) => {
      own.records.push(`${fqdn(c.domain)} MX ${10 * (i + 1)} ${fqdn(mx.host)}`);
      let baseZone = own;
      if (mx.cname !== undefined) {
        own.records.push(`${fqdn(mx.host)} CNAME ${fqdn(mx.cname)}`);
        baseZone = zone(parentOf(mx.cname), 'signed');
      }
      baseZone.records.push(`${fqdn(mx.tlsaBase)} A ${mx.address}`);
      if (mx.tlsaServfail) {
        // The _tcp label is delegated, without DS (an insecure delegation, proven by NSEC), to a
        // name server that answers SERVFAIL: the TLSA query fails, with or without CD.
        baseZone.records.push(`${fqdn(`_tcp.${mx.tlsaBase}`)} NS ${fqdn(`failing-ns.${baseZone.name}`)}`);
        if (!baseZone.records.some((r) => r.startsWith(fqdn(`failing-ns.${baseZone.name}`)))) baseZone.records.push(`${fqdn(`failing-ns.${baseZone.name}`)} A ${FAILING_NS}`);
      }
      for (const t of mx.tlsaRecords) baseZone.records.push(`${fqdn(mx.tlsaName)} TLSA ${t}`);
      if (baseZone.dnssec === 'bogus-tlsa' && mx.tlsaRecords.length > 0) baseZone.bogusNames.push(fqdn(mx.tlsaName));
    });
  }
  return [...zones.values()];
}

function zoneFile(z, nsAddress) {
  const origin = fqdn(z.name);
  return [
    `$ORIGIN ${origin}`,
    '$TTL 300',
    `@ SOA ns.${origin} hostmaster.${origin} 1 3600 600 86400 300`,
    `@ NS ns.${origin}`,
    `ns.${origin} A ${nsAddress}`,
    ...z.records,
    '',
  ].join('\n');
}

function knotConf(dir, address, zones, signing) {
  return [
    'server:',
    `    rundir: "${join(dir, 'run')}"`,
    `    listen: ${address}@53`,
    '    # Knot runs as the user that starts it (root in the namespace); no user: switch.',
    'log:',
    `  - target: "${join(dir, 'knotd.log')}"`,
    '    any: info',
    'database:',
    `    storage: "${join(dir, 'db')}"`,
    'acl:',
    '  - id: loopback-transfer',
    '    address: 127.0.0.0/8',
    '    action: transfer',
    'policy:',
    '  - id: world',
    '    algorithm: ecdsap256sha256',
    '    # One key per zone (a CSK): the trust anchor is that key, and signing is quick.',
    '    single-type-signing: on',
    '    nsec3: off',
    '    cds-cdnskey-publish: none',
    'template:',
    '  - id: default',
    `    storage: "${join(dir, 'zones')}"`,
    '    file: "%s.zone"',
    '    # Never write the signed zone back over our zone files.',
    '    zonefile-sync: -1',
    '    acl: loopback-transfer',
    'zone:',
    ...zones.flatMap((z) => [
      `  - domain: ${fqdn(z.name)}`,
      ...(signing(z) ? ['    dnssec-signing: on', '    dnssec-policy: world'] : ['    dnssec-signing: off']),
    ]),
    '',
  ].join('\n');
}

// ── DNS queries (kdig) ────────────────────────────────────────────────────────────────────────

/**
 * One query with kdig, its answer read from kdig's RFC 8427 JSON (+json). Null: no answer.
 * Readiness probes use TCP: a server not yet listening refuses at once, where kdig would wait
 * out its UDP time-out.
 */
async function query(server, name, type, { dnssec = true, cd = false, tcp = false, timeoutS = 2 } = {}) {
  const args = [`@${server}`, name, type, '+json', `+timeout=${timeoutS}`, '+retry=0', ...(dnssec ? ['+dnssec'] : []), ...(cd ? ['+cdflag'] : []), ...(tcp ? ['+tcp'] : [])];
  const r = await runTool('kdig', args, { timeoutMs: (timeoutS + 3) * 1000 });
  if (r.code !== 0) return null;
  let msg;
  try {
    msg = JSON.parse(r.stdout);
  } catch {
    return null;
  }
  return { rcode: msg.RCODE, ad: msg.AD === 1, answer: (msg.answerRRs ?? []).map((rr) => ({ name: rr.NAME, type: rr.TYPEname, data: rr[`rdata${rr.TYPEname}`] ?? null })) };
}

// ── the failing name server ───────────────────────────────────────────────────────────────────

/**
 * The name server of the "servfail" delegations: answers every query with SERVFAIL (an
 * authoritative server that fails on TLSA, as broken ones do), over UDP and TCP. An address where
 * nothing listens would do the same in principle, but Unbound takes a refused UDP port for a
 * time-out and backs off for minutes before it gives up: tests would wait for that.
 */
function servfailAnswer(query) {
  if (query.length < 12 || query.readUInt16BE(4) !== 1) return null;
  let at = 12;
  while (at < query.length && query[at] !== 0) {
    if ((query[at] & 0xc0) !== 0) return null;
    at += query[at] + 1;
  }
  const end = at + 5;
  if (end > query.length) return null;
  const answer = Buffer.alloc(end);
  query.copy(answer, 0, 0, end);
  // QR, the query's opcode and RD, RA, RCODE 2 (SERVFAIL); one question, no other record.
  answer[2] = 0x80 | (query[2] & 0x79);
  answer[3] = 0x80 | 2;
  answer.writeUInt16BE(1, 4);
  answer.fill(0, 6, 12);
  return answer;
}

function startFailingNameServer(address) {
  const udp = createSocket('udp4');
  udp.on('message', (msg, peer) => {
    const answer = servfailAnswer(msg);
    if (answer !== null) udp.send(answer, peer.port, peer.address);
  });
  const tcp = createServer((socket) => {
    socket.setTimeout(5_000, () => socket.destroy());
    socket.on('error', () => socket.destroy());
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length > 4096) return socket.destroy();
      while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
        const answer = servfailAnswer(buffered.subarray(2, 2 + buffered.readUInt16BE(0)));
        buffered = buffered.subarray(2 + buffered.readUInt16BE(0));
        if (answer === null) return socket.destroy();
        const length = Buffer.alloc(2);
        length.writeUInt16BE(answer.length);
        socket.write(Buffer.concat([length, answer]));
      }
    });
  });
  return Promise.all([
    new Promise((resolve, reject) => {
      udp.once('error', (e) => reject(new WorldError(`failing name server on ${address}:53/udp: ${e.message}`)));
      udp.bind(53, address, () => {
        // Once bound, a send that fails (the asker went away) is nobody's error.
        udp.on('error', () => {});
        resolve(udp);
      });
    }),
    new Promise((resolve, reject) => {
      tcp.once('error', (e) => reject(new WorldError(`failing name server on ${address}:53/tcp: ${e.message}`)));
      tcp.listen(53, address, () => resolve(tcp));
    }),
  ]).then(() => ({ close: (done) => (udp.close(), tcp.close(done)) }));
}

// ── the daemons ───────────────────────────────────────────────────────────────────────────────

const daemons = [];

/**
 * Starts a daemon in the foreground as our child; what it prints goes to `outFile`. `logFile`: the
 * log its configuration names, quoted when it fails.
 */
function startDaemon(name, file, args, outFile, logFile) {
  const fd = openSync(outFile, 'a');
  const child = spawn(file, args, { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const d = { name, child, logFile, exited: null };
  child.once('exit', (code, signal) => {
    d.exited = signal ?? `exit ${code}`;
  });
  child.once('error', (e) => {
    d.exited = e.message;
  });
  daemons.push(d);
  return d;
}

function readLog(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function logTail(file, lines = 4) {
  return readLog(file).trim().split('\n').slice(-lines).join(' | ') || `(nothing in ${file})`;
}

/** Waits until `probe` says yes, failing at once (with the log's last lines) if the daemon exits. */
function untilDaemon(d, what, probe) {
  return until(what, probe, { gone: () => (d.exited === null ? null : `${d.name} exited (${d.exited}): ${logTail(d.logFile)}`) });
}

async function stopDaemon(d) {
  if (d.exited !== null) return;
  const gone = new Promise((resolve) => d.child.once('exit', resolve));
  d.child.kill('SIGTERM');
  const timer = setTimeout(() => d.child.kill('SIGKILL'), STOP_GRACE_MS);
  await gone;
  clearTimeout(timer);
}

/**
 * A Knot instance: zone files and config under `dir`, started in the foreground; resolves once
 * every zone answers its SOA (with an RRSIG for the zones it signs).
 */
async function startKnot(dir, address, zones, signing, nsAddress, zoneText = (z) => zoneFile(z, nsAddress)) {
  await Promise.all(['zones', 'db', 'run'].map((d) => mkdir(join(dir, d), { recursive: true })));
  await Promise.all(zones.map((z) => writeFile(join(dir, 'zones', `${fqdn(z.name)}zone`), zoneText(z))));
  const conf = join(dir, 'knot.conf');
  await writeFile(conf, knotConf(dir, address, zones, signing));
  const check = await runTool('knotc', ['-c', conf, 'conf-check']);
  if (check.code !== 0) throw new WorldError(`knot config ${conf} rejected: ${`${check.stdout}${check.stderr}`.trim().split('\n').slice(-2).join(' | ')}`);
  const log = join(dir, 'knotd.log');
  const d = startDaemon(`knotd@${address}`, 'knotd', ['-c', conf], join(dir, 'knotd.out'), log);
  // Knot logs "[zone.] loaded" once a zone is served (signed first when it signs it), or an error
  // and keeps running without it. Asked any earlier, it may hold a TCP query unanswered for kdig's
  // whole time-out (a second): read the log first, then ask each zone once to be sure.
  await untilDaemon(d, `knotd on ${address}: zones loaded`, () => {
    const text = readLog(log);
    const failed = text.split('\n').find((l) => / error: \[|failed to load|zone loading failed/.test(l));
    if (failed !== undefined) throw new WorldError(`knotd on ${address}: ${failed.trim()}`);
    return zones.every((z) => text.includes(`[${fqdn(z.name)}] loaded`)) ? true : null;
  });
  await Promise.all(
    zones.map((z) =>
      untilDaemon(d, `knotd on ${address}: zone ${z.name}`, async () => {
        const r = await query(address, z.name, 'SOA', { timeoutS: 1, tcp: true });
        if (r === null || r.rcode !== 0) return null;
        return !signing(z) || r.answer.some((rr) => rr.type === 'RRSIG') ? true : null;
      }),
    ),
  );
  return d;
}

/** The zone as the signer serves it (AXFR), its RRSIGs over the TLSA sets at `z.bogusNames` made invalid. */
async function tamperedCopy(z) {
  const out = await mustRun('kdig', [`@${KNOT_MAIN}`, z.name, 'AXFR', '+nocomments', '+nostats', '+noquestion', '+timeout=3']);
  const lines = out.split('\n').filter((l) => l.trim() !== '' && !l.startsWith(';'));
  // An AXFR ends with the SOA it started with: keep one.
  lines.pop();
  let tampered = 0;
  const result = lines.map((line) => {
    const f = line.split(/\s+/);
    // owner TTL class RRSIG covered alg labels ttl expiry inception tag signer signature
    if (f[3] === 'RRSIG' && f[4] === 'TLSA' && z.bogusNames.includes(f[0])) {
      const sig = Buffer.from(f.slice(12).join(''), 'base64');
      // One bit of the signature's r value: the RRset and the key stay intact, only the proof breaks.
      sig[8] ^= 0x01;
      tampered++;
      return [...f.slice(0, 12), sig.toString('base64')].join(' ');
    }
    return line;
  });
  if (tampered !== z.bogusNames.length) throw new WorldError(`bogus zone ${z.name}: found ${tampered} TLSA signatures to break, expected ${z.bogusNames.length}`);
  return `${result.join('\n')}\n`;
}

function unboundConf(dir, anchors, stubs) {
  return [
    'server:',
    '    verbosity: 1',
    `    interface: ${RESOLVER}`,
    '    port: 53',
    `    outgoing-interface: ${RESOLVER}`,
    '    do-ip6: no',
    '    # Our authoritative servers are on loopback, which Unbound refuses to ask by default.',
    '    do-not-query-localhost: no',
    '    access-control: 127.0.0.0/8 allow',
    '    chroot: ""',
    '    username: ""',
    `    directory: "${dir}"`,
    `    pidfile: "${join(dir, 'unbound.pid')}"`,
    `    logfile: "${join(dir, 'unbound.log')}"`,
    '    use-syslog: no',
    '    log-servfail: yes',
    '    # Names outside our zones would go to the root: its only "server" is a dead loopback address.',
    `    root-hints: "${join(dir, 'root.hints')}"`,
    '    module-config: "validator iterator"',
    '    harden-dnssec-stripped: yes',
    '    val-log-level: 2',
    '    ede: yes',
    '    qname-minimisation: no',
    '    # Unbound answers NXDOMAIN for RFC 6761\'s test. itself unless told not to.',
    '    local-zone: "test." nodefault',
    '    # No root trust anchor: these would send queries about the root.',
    '    trust-anchor-signaling: no',
    '    root-key-sentinel: no',
    '    num-threads: 1',
    '    so-reuseport: no',
    ...anchors.map((a) => `    trust-anchor: "${a}"`),
    'remote-control:',
    '    control-enable: no',
    ...stubs.flatMap(({ zone, address }) => ['stub-zone:', `    name: "${fqdn(zone)}"`, `    stub-addr: ${address}@53`]),
    '',
  ].join('\n');
}

// ── SMTP with STARTTLS ────────────────────────────────────────────────────────────────────────

/**
 * One MX host: a minimal ESMTP server (220, EHLO with STARTTLS, STARTTLS, EHLO again inside TLS,
 * QUIT) with one or two certificate chains (RSA and ECDSA: OpenSSL picks one from the client's
 * signature algorithms). Bounded: a line, a number of commands, an idle time, a handshake time,
 * a number of connections; a misbehaving client is disconnected, never an error of the world.
 */
function startSmtp(mx) {
  const context = createSecureContext({
    key: mx.certs.map((c) => readFileSync(c.keyFile, 'utf8')),
    cert: mx.certs.map((c) => c.chainPem),
    minVersion: 'TLSv1.2',
  });
  const sessions = new Set();
  const server = createServer((socket) => {
    sessions.add(socket);
    socket.once('close', () => sessions.delete(socket));
    serveSession(socket, mx.host, context);
  });
  server.maxConnections = SMTP_LIMITS.connections;
  return new Promise((resolve, reject) => {
    server.once('error', (e) => reject(new WorldError(`SMTP server ${mx.host} on ${mx.address}:${SMTP_PORT}: ${e.message}`)));
    server.listen({ host: mx.address, port: SMTP_PORT }, () => {
      server.on('error', () => {});
      // Stopping does not wait for idle sessions to time out: they are cut.
      resolve({
        close: (done) => {
          server.close(() => done());
          for (const socket of sessions) socket.destroy();
        },
      });
    });
  });
}

function serveSession(socket, host, context) {
  let stream = socket;
  let inTls = false;
  let buffered = Buffer.alloc(0);
  let commands = 0;
  let timer = null;
  /** Between STARTTLS and the end of the handshake: no more clear-text lines are read. */
  let upgrading = false;
  const close = () => {
    clearTimeout(timer);
    socket.destroy();
    if (stream !== socket) stream.destroy();
  };
  const idle = (ms = SMTP_LIMITS.idleMs) => {
    clearTimeout(timer);
    timer = setTimeout(close, ms);
  };
  const reply = (text) => {
    // After QUIT's 221 or a 421 the stream is ended: lines that followed in the same read are not answered.
    if (!stream.destroyed && !stream.writableEnded) stream.write(`${text}\r\n`);
  };
  socket.on('error', close);
  socket.on('close', () => clearTimeout(timer));

  const onLine = (line) => {
    commands++;
    if (commands > SMTP_LIMITS.commands) {
      reply('421 4.7.0 too many commands');
      return stream.end();
    }
    const verb = line.split(' ')[0].toUpperCase();
    switch (verb) {
      case 'EHLO':
        return reply([`250-${host}`, ...(inTls ? [] : ['250-STARTTLS']), '250-PIPELINING', '250 8BITMIME'].join('\r\n'));
      case 'HELO':
        return reply(`250 ${host}`);
      case 'STARTTLS':
        if (inTls) return reply('503 5.5.1 TLS already active');
        reply('220 2.0.0 Ready to start TLS');
        return upgrade();
      case 'NOOP':
      case 'RSET':
        return reply('250 2.0.0 OK');
      case 'QUIT':
        reply('221 2.0.0 Bye');
        return stream.end();
      default:
        // The world only proves TLS: no mail is ever accepted.
        return reply('502 5.5.1 not implemented here');
    }
  };

  const onData = (chunk) => {
    idle();
    buffered = Buffer.concat([buffered, chunk]);
    for (;;) {
      const end = buffered.indexOf('\n');
      if (end < 0) break;
      const line = buffered.subarray(0, end).toString('latin1').replace(/\r$/, '');
      buffered = buffered.subarray(end + 1);
      onLine(line);
      if (stream.destroyed || stream.writableEnded || upgrading) return;
    }
    if (buffered.length > SMTP_LIMITS.lineBytes) {
      reply('500 5.5.6 line too long');
      stream.end();
    }
  };

  const upgrade = () => {
    // Whatever followed STARTTLS in clear text is dropped (RFC 3207: it must not be acted upon).
    upgrading = true;
    buffered = Buffer.alloc(0);
    socket.removeListener('data', onData);
    const secure = new TLSSocket(socket, { isServer: true, secureContext: context });
    idle(SMTP_LIMITS.handshakeMs);
    secure.on('error', close);
    secure.once('secure', () => {
      stream = secure;
      inTls = true;
      upgrading = false;
      idle();
      secure.on('data', onData);
    });
  };

  socket.on('data', onData);
  idle();
  reply(`220 ${host} ESMTP mxray DANE world`);
}

// ── the world ─────────────────────────────────────────────────────────────────────────────────

const UNSHARE = 'unshare --net --mount --pid --fork --kill-child=SIGTERM --mount-proc node world.mjs <spec.json>';

/** Refuses to run outside namespaces of its own: binding port 53 and /etc/resolv.conf on the real machine would be harmful. */
function checkIsolated() {
  const interfaces = readFileSync('/proc/net/dev', 'utf8')
    .split('\n')
    .slice(2)
    .map((l) => l.split(':')[0].trim())
    .filter((n) => n !== '');
  if (interfaces.length !== 1 || interfaces[0] !== 'lo') {
    throw new WorldError(`not in a network namespace of its own (interfaces: ${interfaces.join(', ')}); start it with ${UNSHARE}`);
  }
  // In a pid namespace of its own we are pid 1, and --mount-proc implied a mount namespace;
  // otherwise our mount namespace must differ from init's.
  if (process.pid === 1) return;
  let same;
  try {
    same = readlinkSync('/proc/self/ns/mnt') === readlinkSync('/proc/1/ns/mnt');
  } catch (e) {
    throw new WorldError(`cannot tell whether this mount namespace is our own (${e instanceof Error ? e.message : String(e)}): start it with ${UNSHARE}`);
  }
  if (same) throw new WorldError(`not in a mount namespace of its own: binding over /etc/resolv.conf would change the machine; start it with ${UNSHARE}`);
}

async function build(spec, dir) {
  const started = performance.now();
  const timings = {};
  const mark = (what) => {
    timings[what] = Math.round(performance.now() - started);
  };
  const now = Date.now();

  await mustRun('ip', ['link', 'set', 'lo', 'up']);

  // Certificates: every MX host's, and the CA when a case uses it.
  const pki = join(dir, 'pki');
  await mkdir(pki, { recursive: true });
  const needsCa = spec.cases.some((c) => c.mx.some((mx) => mx.certs.some((x) => x.issuer === 'intermediate') || mx.tlsa.some((t) => t.of === 'root' || t.of === 'intermediate')));
  const ca = needsCa ? await makeCa(join(pki, 'ca'), now) : null;
  const mxs = spec.cases.flatMap((c) => c.mx.map((mx) => ({ ...mx, caseName: c.name })));
  const jobs = mxs.flatMap((mx, m) => [
    ...mx.certs.map((cert, i) => ({ m, slot: `cert${i}`, cert, mx })),
    ...(mx.tlsa.some((t) => t.of === 'spare') ? [{ m, slot: 'spare', cert: { key: 'ec', issuer: 'self' }, mx }] : []),
  ]);
  const issued = await mapLimited(jobs, 8, async ({ m, slot, cert, mx }) => {
    const base = join(pki, `${mx.caseName}-${m}-${slot}`);
    const keyFile = `${base}.key`;
    await newKey(keyFile, cert.key);
    const sans = [mx.host, ...(mx.cname ? [mx.cname] : [])];
    const validity = cert.expired ? { notBefore: now - 400 * DAY_MS, notAfter: now - 30 * DAY_MS } : { notBefore: now - DAY_MS, notAfter: now + 365 * DAY_MS };
    const issuer = cert.issuer === 'intermediate' ? ca.intermediate : null;
    const made = await issue(base, { keyFile, subject: `/CN=${slot === 'spare' ? `spare.${mx.host}` : mx.host}`, sans: slot === 'spare' ? [] : sans, ca: false, issuer, ...validity });
    // The chain a server sends: the leaf, then the intermediate when it issued the leaf (never the root).
    const chainPem = made.certPem + (issuer ? issuer.certPem : '');
    return { m, slot, key: cert.key, issuer: cert.issuer, expired: cert.expired === true, ...made, chainPem, spkiSha256: spkiSha256(made.certPem) };
  });
  mark('certificates');

  // What every MX host publishes and serves.
  for (const [m, mx] of mxs.entries()) {
    const mine = issued.filter((x) => x.m === m);
    mx.certs = mine.filter((x) => x.slot !== 'spare');
    mx.spare = mine.find((x) => x.slot === 'spare') ?? null;
    mx.tlsaBase = mx.cname ?? mx.host;
    mx.tlsaName = `_25._tcp.${mx.tlsaBase}`;
    mx.tlsaServfail = mx.tlsaServfail === true;
    mx.tlsaRecords = mx.tlsa.map((t) => {
      const source = t.of === 'spare' ? mx.spare : t.of === 'root' ? ca.root : t.of === 'intermediate' ? ca.intermediate : mx.certs[Number(t.of.slice(4))];
      return `${t.usage} ${t.selector} ${t.matching} ${tlsaData(source.certPem, t.selector, t.matching)}`;
    });
  }
  const cases = spec.cases.map((c) => ({ ...c, mx: mxs.filter((mx) => mx.caseName === c.name) }));

  // Knot: every zone on the main instance (it signs the signed and the bogus-to-be ones).
  const zones = buildZones(cases);
  const knotMain = await startKnot(join(dir, 'knot-main'), KNOT_MAIN, zones, (z) => z.dnssec !== 'unsigned', KNOT_MAIN);
  mark('knot');

  // The bogus zones: the signer's AXFR, one TLSA signature broken, served as-is by a second Knot.
  const bogus = zones.filter((z) => z.dnssec === 'bogus-tlsa');
  const knots = [knotMain];
  if (bogus.length > 0) {
    const copies = new Map(await Promise.all(bogus.map(async (z) => [z.name, await tamperedCopy(z)])));
    knots.push(await startKnot(join(dir, 'knot-tampered'), KNOT_TAMPERED, bogus, () => false, KNOT_TAMPERED, (z) => copies.get(z.name)));
    mark('knot-tampered');
  }

  // Trust anchors: each signed zone's key-signing DNSKEY, as the signer publishes it.
  const anchors = [];
  for (const z of zones.filter((x) => x.dnssec !== 'unsigned')) {
    const r = await query(KNOT_MAIN, z.name, 'DNSKEY');
    const ksk = (r?.answer ?? []).filter((rr) => rr.type === 'DNSKEY' && /^257 /.test(rr.data ?? ''));
    if (ksk.length === 0) throw new WorldError(`zone ${z.name}: no DNSKEY with flags 257 from knotd (answer: ${JSON.stringify(r)})`);
    for (const rr of ksk) anchors.push(`${fqdn(z.name)} DNSKEY ${rr.data}`);
  }

  // Unbound: validating, asking only our Knots (stub zones), never the outside.
  const ub = join(dir, 'unbound');
  await mkdir(ub, { recursive: true });
  await writeFile(join(ub, 'root.hints'), `. 3600000 NS dead-root.\ndead-root. 3600000 A ${DEAD_ROOT}\n`);
  const stubs = zones.map((z) => ({ zone: z.name, address: z.dnssec === 'bogus-tlsa' ? KNOT_TAMPERED : KNOT_MAIN }));
  const ubConf = join(ub, 'unbound.conf');
  await writeFile(ubConf, unboundConf(ub, anchors, stubs));
  const check = await runTool('unbound-checkconf', [ubConf]);
  if (check.code !== 0) throw new WorldError(`unbound config ${ubConf} rejected: ${`${check.stdout}${check.stderr}`.trim()}`);
  const unbound = startDaemon('unbound', 'unbound', ['-d', '-c', ubConf], join(ub, 'unbound.out'), join(ub, 'unbound.log'));
  // Ready when a signed zone validates (AD) through it; then every zone is checked once, so a
  // wrong anchor or a zone that failed to sign is the world's error, not a test's surprise.
  const signed = zones.filter((z) => z.dnssec === 'signed');
  const unsigned = zones.filter((z) => z.dnssec === 'unsigned');
  await untilDaemon(unbound, 'unbound on 127.0.0.1', async () => ((await query(RESOLVER, (signed[0] ?? zones[0]).name, 'SOA', { timeoutS: 1, tcp: true }))?.rcode === 0 ? true : null));
  await Promise.all(
    [...signed, ...unsigned].map(async (z) => {
      const r = await query(RESOLVER, z.name, 'SOA');
      const wantAd = z.dnssec === 'signed';
      if (r === null || r.rcode !== 0 || r.ad !== wantAd) {
        throw new WorldError(`unbound: zone ${z.name} should resolve ${wantAd ? 'secure (AD)' : 'insecure (no AD)'}: ${r === null ? 'no answer' : `rcode ${r.rcode}, AD ${r.ad}`} (log: ${logTail(join(ub, 'unbound.log'), 2)})`);
      }
    }),
  );
  mark('unbound');

  // The MX hosts, and the failing name server when a case delegates to it.
  const servers = await Promise.all(mxs.map((mx) => startSmtp(mx)));
  if (mxs.some((mx) => mx.tlsaServfail)) servers.push(await startFailingNameServer(FAILING_NS));
  mark('smtp');

  // Everything inside the namespace resolves through Unbound: resolv.conf bound over the real one
  // (trust-ad: glibc passes the AD bit on only when told the resolver is trusted, and Postfix's
  // DANE needs it). The mount namespace is private, so the machine's file is not touched.
  const resolv = join(dir, 'resolv.conf');
  await writeFile(resolv, `nameserver ${RESOLVER}\noptions trust-ad timeout:2 attempts:1\n`, { mode: 0o644 });
  await mustRun('mount', ['--make-rprivate', '/']);
  await mustRun('mount', ['--bind', resolv, '/etc/resolv.conf']);
  if (!readFileSync('/etc/resolv.conf', 'utf8').includes(`nameserver ${RESOLVER}`)) throw new WorldError('/etc/resolv.conf still shows another resolver after the bind mount');

  // posttls-finger reads a main.cf (MAIL_CONFIG): DNSSEC lookups on, DNS only, IPv4 only. Postfix
  // checks that the resolver validates by asking for a signed name (dnssec_probe, default the
  // root's NS, which has no server here): it asks one of our signed zones instead.
  const postfix = join(dir, 'postfix');
  await mkdir(postfix, { recursive: true });
  await writeFile(
    join(postfix, 'main.cf'),
    [
      '# mxray DANE world: configuration for posttls-finger only',
      'compatibility_level = 3.6',
      'smtp_dns_support_level = dnssec',
      'smtp_host_lookup = dns',
      'inet_protocols = ipv4',
      `dnssec_probe = ${signed.length ? `ns:${signed[0].name}` : ''}`,
      '',
    ].join('\n'),
  );
  mark('ready');

  return {
    servers,
    postfix,
    ready: {
      ready: true,
      dir,
      resolver: RESOLVER,
      authoritative: { main: KNOT_MAIN, ...(bogus.length ? { tampered: KNOT_TAMPERED } : {}) },
      failingNameServer: FAILING_NS,
      postfixConfigDir: postfix,
      caFile: ca ? ca.root.certFile : null,
      ca: ca ? { root: { certFile: ca.root.certFile, certPem: ca.root.certPem }, intermediate: { certFile: ca.intermediate.certFile, certPem: ca.intermediate.certPem } } : null,
      zones: zones.map((z) => ({ name: z.name, dnssec: z.dnssec, server: z.dnssec === 'bogus-tlsa' ? KNOT_TAMPERED : KNOT_MAIN })),
      trustAnchors: anchors,
      pids: { knotd: knots.map((k) => k.child.pid), unbound: unbound.child.pid },
      timingsMs: timings,
      cases: Object.fromEntries(
        cases.map((c) => [
          c.name,
          {
            name: c.name,
            domain: c.domain,
            dnssec: c.dnssec,
            mx: c.mx.map((mx) => ({
              host: mx.host,
              address: mx.address,
              port: SMTP_PORT,
              cname: mx.cname ?? null,
              tlsaName: mx.tlsaName,
              tlsa: mx.tlsaRecords,
              tlsaServfail: mx.tlsaServfail,
              certs: mx.certs.map(({ key, issuer, expired, certFile, keyFile, certPem, chainPem, spkiSha256: spki }) => ({ key, issuer, expired, certFile, keyFile, certPem, chainPem, spkiSha256: spki })),
              spare: mx.spare ? { certFile: mx.spare.certFile, keyFile: mx.spare.keyFile, spkiSha256: mx.spare.spkiSha256 } : null,
            })),
          },
        ]),
      ),
    },
  };
}

// ── the command loop ──────────────────────────────────────────────────────────────────────────

function send(obj) {
  process.stdout.write(`${JSON.stringify(obj)}\n`);
}

async function runCommand(cmd, postfix) {
  const { id, run, timeoutMs = DEFAULT_COMMAND_TIMEOUT_MS, env = {} } = cmd;
  if (!Array.isArray(run) || run.length === 0 || !run.every((a) => typeof a === 'string')) return send({ id, code: null, stdout: '', stderr: '', error: 'run must be a non-empty array of strings' });
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0 || timeoutMs > MAX_COMMAND_TIMEOUT_MS) return send({ id, code: null, stdout: '', stderr: '', error: `timeoutMs must be an integer in 1..${MAX_COMMAND_TIMEOUT_MS}` });
  const r = await runTool(run[0], run.slice(1), { timeoutMs, env: { ...process.env, MAIL_CONFIG: postfix, ...env } });
  send({ id, code: r.code, signal: r.signal, stdout: r.stdout, stderr: r.stderr, ...(r.error ? { error: r.error } : {}) });
}

let stopping = null;
let dir = null;
let servers = [];

/** Ends what we started, each by its own pid or handle, removes the folder; idempotent. */
function stop(code) {
  stopping ??= (async () => {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(() => resolve()))).concat(daemons.map(stopDaemon)));
    // MXRAY_DANE_WORLD_KEEP=1 keeps the folder (configs, logs, zones) to look at afterwards.
    if (dir !== null && process.env.MXRAY_DANE_WORLD_KEEP === '1') process.stderr.write(`dane-world: kept ${dir}\n`);
    else if (dir !== null) rmSync(dir, { recursive: true, force: true });
    process.exit(code);
  })();
  return stopping;
}

function fail(e) {
  const message = e instanceof WorldError ? e.message : `internal error: ${e instanceof Error ? e.message : String(e)}`;
  process.stderr.write(`dane-world: ${message}\n`);
  return stop(2);
}

async function main() {
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
  // As pid 1 of its namespace, a signal without a handler would be ignored.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => stop(0));

  const specFile = process.argv[2];
  if (specFile === undefined) throw new WorldError('usage: world.mjs <spec.json>');
  let spec;
  try {
    spec = JSON.parse(readFileSync(specFile, 'utf8'));
  } catch (e) {
    throw new WorldError(`cannot read the spec ${specFile}: ${e instanceof Error ? e.message : String(e)}`);
  }
  checkSpec(spec);
  checkIsolated();
  for (const tool of ['openssl', 'knotd', 'knotc', 'kdig', 'unbound', 'unbound-checkconf', 'ip', 'mount']) {
    const r = await runTool('sh', ['-c', `command -v ${tool}`]);
    if (r.code !== 0) throw new WorldError(`${tool} is not installed (run test/interop/setup.sh)`);
  }

  dir = await mkdtemp(join(tmpdir(), 'mxray-dane-world-'));
  const built = await build(spec, dir);
  servers = built.servers;
  send(built.ready);

  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  lines.on('line', (line) => {
    if (line.trim() === '') return;
    let cmd;
    try {
      cmd = JSON.parse(line);
    } catch {
      return send({ id: null, error: 'not a JSON line' });
    }
    if (cmd.stop === true) return void stop(0);
    void runCommand(cmd, built.postfix);
  });
  lines.on('close', () => void stop(0));
}

main().catch(fail);
