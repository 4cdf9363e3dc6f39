// `mxray cert` through the real CLI, on certificates the openssl command makes at test time: every
// file format (PFX with Windows' legacy encryption and with today's), names, the private key, TLSA
// records, chain repair from an AIA URL served on loopback, a server of the demo lab, and every
// bad input named in issue 17 (one line on stderr, exit 2, never a stack trace).
import { execFile, spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CertificateReport } from '../../src/core/schema.js';
import { startLabWithDns, type RunningLab } from '../../src/demo/run-demo.js';
import { schemaErrors } from '../helpers/schema.js';

const BIN = join(process.cwd(), 'bin/mxray.cjs');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function mxray(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 99) : 0, stdout, stderr });
    });
  });
}

function ossl(args: string[], cwd: string): Buffer {
  const r = spawnSync('openssl', args, { cwd });
  if (r.error) throw new Error(`these tests need the openssl command: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr.toString()}`);
  return r.stdout;
}

let tmp: string;
let aia: Server;
let aiaPort: number;
let aiaHits = 0;
const f = (name: string) => join(tmp, name);

/** A CA certificate, or a leaf signed by `ca`, with extension lines. */
function issue(name: string, subject: string, ext: string[], ca: string | null, key: 'ec' | 'rsa' = 'ec'): void {
  writeFileSync(f(`${name}.cnf`), ['[req]', 'distinguished_name = dn', '[dn]', '[ext]', ...ext, ''].join('\n'));
  const newkey = key === 'ec' ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'] : ['-newkey', 'rsa:2048'];
  if (ca === null) {
    ossl(['req', '-x509', ...newkey, '-nodes', '-subj', subject, '-config', `${name}.cnf`, '-extensions', 'ext', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '30'], tmp);
  } else {
    ossl(['req', '-new', ...newkey, '-nodes', '-subj', subject, '-config', `${name}.cnf`, '-keyout', `${name}.key`, '-out', `${name}.csr`], tmp);
    ossl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-extfile', `${name}.cnf`, '-extensions', 'ext', '-out', `${name}.pem`, '-days', '20'], tmp);
  }
}

const json = (r: Run): CertificateReport => JSON.parse(r.stdout) as CertificateReport;
const ids = (r: CertificateReport) => [...new Set(r.findings.map((x) => x.id))].sort();

/** One line on stderr, no stack trace. */
function oneLine(r: Run): string {
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  return lines[0] as string;
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'mxray-cert-cli-'));
  aia = createServer((req, res) => {
    aiaHits++;
    if (req.url === '/int.der') {
      res.writeHead(200, { 'content-type': 'application/pkix-cert' });
      res.end(ossl(['x509', '-in', 'int.pem', '-outform', 'DER'], tmp));
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((resolve) => aia.listen(0, '127.0.0.1', resolve));
  aiaPort = (aia.address() as AddressInfo).port;
  const caExt = ['basicConstraints = critical, CA:TRUE', 'keyUsage = critical, keyCertSign, cRLSign'];
  issue('root', '/CN=mxray Test Root', caExt, null);
  issue('int', '/CN=mxray Test Intermediate', [...caExt, 'authorityKeyIdentifier = keyid'], 'root');
  const leafExt = ['basicConstraints = CA:FALSE', 'keyUsage = critical, digitalSignature', 'extendedKeyUsage = serverAuth', 'subjectAltName = DNS:mail.example.test, DNS:mx.example.test'];
  issue('leaf', '/CN=mail.example.test', [...leafExt, `authorityInfoAccess = caIssuers;URI:http://127.0.0.1:${aiaPort}/int.der`], 'int');
  issue('other', '/CN=other.example.test', ['basicConstraints = CA:FALSE', 'subjectAltName = DNS:other.example.test'], null);
  writeFileSync(f('bundle.pem'), Buffer.concat([readFileSync(f('leaf.pem')), readFileSync(f('int.pem'))]));
  ossl(['x509', '-in', 'leaf.pem', '-outform', 'DER', '-out', 'leaf.der'], tmp);
  ossl(['crl2pkcs7', '-nocrl', '-certfile', 'bundle.pem', '-outform', 'DER', '-out', 'bundle.p7b'], tmp);
  ossl(['pkcs12', '-export', '-legacy', '-in', 'bundle.pem', '-inkey', 'leaf.key', '-passout', 'pass:s3cret', '-out', 'legacy.pfx'], tmp);
  ossl(['pkcs12', '-export', '-in', 'bundle.pem', '-inkey', 'leaf.key', '-passout', 'pass:s3cret', '-out', 'modern.pfx'], tmp);
  // Two unrelated certificates, no key: nothing says which one the file is about.
  writeFileSync(f('two.pem'), Buffer.concat([readFileSync(f('other.pem')), readFileSync(f('root.pem'))]));
}, 60_000);

afterAll(async () => {
  await new Promise<void>((resolve) => aia.close(() => resolve()));
  rmSync(tmp, { recursive: true, force: true });
});

const trustRoot = () => ['--ca-file', f('root.pem'), '--no-revocation'];

describe('mxray cert <file>', () => {
  it('reads a PEM bundle: trusted, its names covered, thumbprints as openssl prints them, a valid report', async () => {
    const r = await mxray(['cert', f('bundle.pem'), ...trustRoot(), '--name', 'mail.example.test', '--json']);
    expect(r.code).toBe(0);
    const report = json(r);
    expect(schemaErrors(report)).toEqual([]);
    expect(report.kind).toBe('certificate');
    const s = report.body.subjects[0]!;
    expect(report.body.subjects).toHaveLength(1);
    expect(s.verdict.trusted).toBe(true);
    expect(s.verdict.path.map((c) => c.source)).toEqual(['sent', 'sent', 'trust-store']);
    expect(s.names).toEqual([{ name: 'mail.example.test', covered: true }]);
    const sha1 = ossl(['x509', '-in', 'leaf.pem', '-noout', '-fingerprint', '-sha1'], tmp).toString().trim().split('=')[1]!.replace(/:/g, '');
    expect(s.verdict.path[0]!.sha1).toBe(sha1);
    expect(s.details.caIssuers).toEqual([`http://127.0.0.1:${aiaPort}/int.der`]);
    expect(s.acceptance.map((a) => a.profile)).toEqual(['opportunistic', 'postfix-verify', 'postfix-secure', 'exim-verify', 'exchange-server', 'exchange-online', 'dane']);
    expect(report.body.input.files.map((x) => [x.format, x.certificates, x.privateKeys])).toEqual([['pem', 2, 0]]);
  });

  it('shows the SHA-1 thumbprint and the DANE 3 1 1 value on the first screen', async () => {
    const r = await mxray(['cert', f('bundle.pem'), ...trustRoot()]);
    expect(r.code).toBe(0);
    const spki = ossl(['x509', '-in', 'leaf.pem', '-noout', '-pubkey'], tmp);
    const spkiDer = spawnSync('openssl', ['pkey', '-pubin', '-outform', 'DER'], { input: spki }).stdout;
    const hash = spawnSync('openssl', ['dgst', '-sha256', '-r'], { input: spkiDer }).stdout.toString().split(' ')[0]!;
    expect(r.stdout).toContain(`DANE 3 1 1 ${hash}`);
    expect(r.stdout).toMatch(/Thumbprint [0-9A-F]{40}/);
  });

  for (const [file, format] of [
    ['leaf.der', 'der'],
    ['bundle.p7b', 'pkcs7'],
  ] as const) {
    it(`reads ${format.toUpperCase()} (${file})`, async () => {
      const r = await mxray(['cert', f(file), '--chain', f('int.pem'), ...trustRoot(), '--json']);
      expect(r.code).toBe(0);
      const report = json(r);
      expect(report.body.input.files[0]!.format).toBe(format);
      expect(report.body.subjects[0]!.verdict.trusted).toBe(true);
    });
  }

  for (const pfx of ['legacy.pfx', 'modern.pfx']) {
    it(`opens ${pfx} with --password-env and finds its key belongs to the certificate`, async () => {
      const r = await mxray(['cert', f(pfx), ...trustRoot(), '--password-env', 'PFX_PW', '--json'], { PFX_PW: 's3cret' });
      expect(r.code).toBe(0);
      const report = json(r);
      expect(report.body.input.files[0]!.format).toBe('pkcs12');
      expect(report.body.subjects[0]!.key).toEqual({ file: f(pfx), matches: true });
      expect(ids(report)).toContain('cert.key-matches');
      expect(report.body.subjects[0]!.verdict.path[0]!.commonName).toBe('mail.example.test');
    });
  }

  it('reports a private key that does not belong to the certificate (exit 1)', async () => {
    const r = await mxray(['cert', f('bundle.pem'), '--key', f('other.key'), ...trustRoot(), '--json']);
    expect(r.code).toBe(1);
    const report = json(r);
    expect(report.body.subjects[0]!.key).toEqual({ file: f('other.key'), matches: false });
    expect(ids(report)).toContain('cert.key-mismatch');
  });

  it('says whether TLSA records match: the 3 1 1 of the key matches, another does not', async () => {
    const first = json(await mxray(['cert', f('bundle.pem'), ...trustRoot(), '--json']));
    const spki = first.body.subjects[0]!.verdict.path[0]!.spkiSha256;
    const good = await mxray(['cert', f('bundle.pem'), ...trustRoot(), '--tlsa', `3 1 1 ${spki}`, '--json']);
    expect(good.code).toBe(0);
    expect(json(good).body.subjects[0]!.tlsa.map((t) => t.matches)).toEqual([true]);
    expect(ids(json(good))).toContain('cert.tlsa-match');
    const bad = await mxray(['cert', f('bundle.pem'), ...trustRoot(), '--tlsa', `3 1 1 ${'00'.repeat(32)}`, '--json']);
    expect(bad.code).toBe(1);
    expect(ids(json(bad))).toContain('cert.tlsa-mismatch');
  });

  it('reports a --name the certificate does not cover (exit 1)', async () => {
    const r = await mxray(['cert', f('bundle.pem'), ...trustRoot(), '--name', 'mail.example.test', '--name', 'smtp.example.test', '--json']);
    expect(r.code).toBe(1);
    const report = json(r);
    expect(report.body.subjects[0]!.names).toEqual([
      { name: 'mail.example.test', covered: true },
      { name: 'smtp.example.test', covered: false },
    ]);
    expect(report.findings.filter((x) => x.id === 'cert.name-mismatch').map((x) => x.facts.name)).toEqual(['smtp.example.test']);
  });

  it('repairs a chain sent without its intermediate from the AIA URL, and still reports it incomplete', async () => {
    const before = aiaHits;
    const r = await mxray(['cert', f('leaf.pem'), ...trustRoot(), '--json']);
    const report = json(r);
    const v = report.body.subjects[0]!.verdict;
    expect(v.trustFailure).toBe('chain-incomplete');
    expect(v.repair?.outcome).toBe('repaired');
    expect(v.repair?.path.map((c) => c.source)).toEqual(['sent', 'aia', 'trust-store']);
    expect(v.repair?.fetches.map((x) => [x.url, x.ok])).toEqual([[`http://127.0.0.1:${aiaPort}/int.der`, true]]);
    expect(aiaHits - before).toBe(1);
    expect(ids(report)).toContain('cert.chain-incomplete');
    const byProfile = Object.fromEntries(report.body.subjects[0]!.acceptance.map((a) => [a.profile, a.accepts]));
    expect(byProfile['postfix-verify']).toBe('no');
    expect(byProfile.opportunistic).toBe('yes');
    expect(r.code).toBe(1);
  });

  it('takes one of several unrelated certificates and says which and why', async () => {
    const r = await mxray(['cert', f('two.pem'), '--no-revocation', '--json']);
    const report = json(r);
    expect(report.body.subjects[0]!.leafWhy).toMatch(/certificate 1/);
    expect(ids(report)).toContain('cert.leaf-guessed');
  });
});

describe('mxray cert: bad input is one clear line and exit 2', () => {
  const bad = async (args: string[], env: Record<string, string> = {}): Promise<string> => {
    const r = await mxray(['cert', ...args], env);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    return oneLine(r);
  };

  it('malformed DER', async () => {
    writeFileSync(f('bad.der'), Buffer.from([0x30, 0x82, 0x01, 0x00, 0x02, 0x01, 0x00]));
    expect(await bad([f('bad.der')])).toMatch(/bad\.der/);
  });

  it('truncated PEM', async () => {
    const pem = readFileSync(f('leaf.pem'), 'utf8');
    writeFileSync(f('cut.pem'), pem.slice(0, Math.floor(pem.length / 2)));
    expect(await bad([f('cut.pem')])).toMatch(/cut\.pem/);
  });

  it('a PEM with a private key only', async () => {
    expect(await bad([f('leaf.key')])).toMatch(/no certificate|--key/);
  });

  it('a wrong PFX password', async () => {
    expect(await bad([f('legacy.pfx'), '--password-env', 'PFX_PW'], { PFX_PW: 'wrong' })).toMatch(/password/i);
  });

  it('a PFX that needs a password, without one and without a terminal to ask on', async () => {
    expect(await bad([f('modern.pfx')])).toMatch(/password/i);
  });

  it('--password-env naming a variable that is not set', async () => {
    expect(await bad([f('modern.pfx'), '--password-env', 'MXRAY_NO_SUCH_VARIABLE'])).toMatch(/MXRAY_NO_SUCH_VARIABLE/);
  });

  it('an absurdly large file (refused before it is read)', async () => {
    writeFileSync(f('huge.pem'), Buffer.alloc(5 * 1024 * 1024, 0x41));
    expect(await bad([f('huge.pem')])).toMatch(/MiB/);
  });

  it('a file that does not exist', async () => {
    expect(await bad([f('missing.pem')])).toMatch(/ENOENT/);
  });

  it('a TLSA record that cannot be read', async () => {
    expect(await bad([f('bundle.pem'), '--tlsa', '3 1 1 zz'])).toMatch(/--tlsa/);
  });
});

describe('mxray cert <domain>', () => {
  let running: RunningLab;
  beforeAll(async () => {
    running = await startLabWithDns({ now: Date.now(), only: ['good'] });
    writeFileSync(f('lab-root.pem'), running.lab.trustedCaPem);
  }, 60_000);
  afterAll(async () => {
    await running?.stop();
  });

  it('judges what the servers of a domain present, once per distinct chain', async () => {
    const args = ['cert', 'good.mxray.test', '--resolver', running.resolver, '--ca-file', f('lab-root.pem'), '--json'];
    for (const [host, m] of running.lab.hostMap) args.push('--connect', `${host}=${m.address}:${m.port}`);
    const r = await mxray(args);
    expect(r.code).toBe(0);
    const report = json(r);
    expect(schemaErrors(report)).toEqual([]);
    expect(report.body.input.kind).toBe('domain');
    expect(report.body.subjects.map((s) => [s.origin, s.handshake])).toEqual([['handshake', 'sni']]);
    expect(report.body.subjects[0]!.names).toEqual([
      { name: 'mx.good.mxray.test', covered: true },
      { name: 'good.mxray.test', covered: false },
    ]);
  });
});
