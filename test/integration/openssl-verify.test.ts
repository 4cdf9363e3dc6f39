// mxray's certificate verdict against the real `openssl verify`, chain by chain: broken chains a
// hostile or misconfigured server may send, each made here at test time (test/helpers/chain-pki.ts,
// never committed), judged by both at the same moment. They must agree on accept or reject, and
// mxray must say exactly which findings (the error numbers may differ: OpenSSL prints its first,
// mxray names every rule broken).
//
// The reference: openssl verify -purpose sslserver -x509_strict -verify_depth 8 -attime <judging
// time> -verify_hostname <MX name> -untrusted <sent intermediates> -CAfile <trust store> leaf.pem.
// -verify_depth 8 is the depth Postfix verifies to by default (smtp_tls_scert_verifydepth = 9: ten
// certificates, the root included), which mxray models; without it openssl follows 100 certificates
// (shown below). Every certificate is strict-conformant (key identifiers, critical basicConstraints,
// a keyUsage on every CA) apart from the one defect of its case.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { assessCertificate } from '../../src/checks/certificate/index.js';
import { DEFAULT_PROFILE } from '../../src/checks/profile.js';
import type { CertVerdict, Finding } from '../../src/core/schema.js';
import { createTrustStore } from '../../src/pki/trust-store.js';
import { MAX_PATH_LENGTH, verifyChain } from '../../src/pki/verify.js';
import { certify, DAY_MS, EKU, KU, party, pemOf, rawExtension, type CertOptions, type Party } from '../helpers/chain-pki.js';
import { skipWithout, type Capability } from '../helpers/skip.js';

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);
const MX = 'mx.example.test';
const HOST = `${MX}[192.0.2.25]:25`;
const WARN_DAYS = DEFAULT_PROFILE.expiryWarnDays;
/** The capability this file needs (test/helpers/skip.ts does not list it yet). */
const OPENSSL: Capability = 'openssl';

const opensslMissing = (() => {
  const run = spawnSync('openssl', ['version'], { encoding: 'utf8' });
  return run.error ? run.error.message : run.status !== 0 ? `openssl version exited with ${run.status}` : null;
})();

let work: string;
let files = 0;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'mxray-openssl-verify-'));
});

/** Case → what openssl said → what mxray said, printed at the end (the table of the report). */
const table: string[] = [];
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  if (table.length > 0) console.log(['case | openssl | mxray', ...table].join('\n'));
});

function pemFile(ders: readonly Buffer[]): string {
  const file = join(work, `${files++}.pem`);
  writeFileSync(file, pemOf(ders));
  return file;
}

interface OpensslResult {
  accepts: boolean;
  /** Every "error N at D depth lookup" line, in order: "79@1". */
  errors: string[];
}

function opensslVerify(chain: readonly Buffer[], anchors: readonly Buffer[], extra: string[] = ['-verify_depth', '8']): OpensslResult {
  const args = ['verify', '-no-CApath', '-no-CAstore', '-purpose', 'sslserver', '-x509_strict', ...extra, '-attime', String(Math.floor(NOW / 1000))];
  args.push('-verify_hostname', MX, '-CAfile', pemFile(anchors));
  if (chain.length > 1) args.push('-untrusted', pemFile(chain.slice(1)));
  args.push(pemFile(chain.slice(0, 1)));
  const run = spawnSync('openssl', args, { encoding: 'utf8' });
  const output = `${run.stderr}\n${run.stdout}`;
  const errors = [...output.matchAll(/^error (\d+) at (\d+) depth lookup/gm)].map((m) => `${m[1]}@${m[2]}`);
  const accepts = run.status === 0 && /: OK$/m.test(output);
  // openssl says OK exactly when it printed no error.
  expect(accepts, output).toBe(errors.length === 0);
  return { accepts, errors };
}

interface Judged {
  verdict: CertVerdict;
  findings: Finding[];
  accepts: boolean;
}

function mxray(chain: Buffer[], anchors: readonly Buffer[]): Judged {
  const verdict = verifyChain({ chain, trustStore: createTrustStore([pemOf(anchors)], 'test CA'), now: NOW, name: MX, domain: null });
  const findings = assessCertificate(verdict, {
    host: HOST,
    profile: DEFAULT_PROFILE,
    warnDays: WARN_DAYS,
    expectThumbprint: null,
    announcedNames: [],
    evidence: [],
    handshake: 'sni',
    now: NOW,
  });
  const accepts = !findings.some((f) => f.severity === 'error' || f.severity === 'critical');
  // The verdict and its findings say the same.
  expect(accepts).toBe(verdict.trusted && verdict.timeValid && verdict.nameMatches === true);
  return { verdict, findings, accepts };
}

// ---- the PKI of a case: a root in the trust store, an intermediate, a leaf for mx.example.test

interface Pki {
  rootParty: Party;
  interParty: Party;
  leafParty: Party;
  root: Buffer;
  inter: Buffer;
  leaf: Buffer;
}

async function pki(o: { root?: CertOptions; inter?: CertOptions; leaf?: CertOptions; leafName?: string } = {}): Promise<Pki> {
  const rootParty = await party('CN=Chain Test Root, O=mxray tests');
  const interParty = await party('CN=Chain Test Intermediate, O=mxray tests');
  const leafParty = await party(o.leafName ?? `CN=${MX}`);
  return {
    rootParty,
    interParty,
    leafParty,
    root: await certify(rootParty, rootParty, 'ca', NOW, { notBefore: NOW - 400 * DAY_MS, notAfter: NOW + 4000 * DAY_MS, ...o.root }),
    inter: await certify(interParty, rootParty, 'ca', NOW, o.inter),
    leaf: await certify(leafParty, interParty, 'leaf', NOW, { dnsNames: [MX], ...o.leaf }),
  };
}

/** A chain of `count` certificates as a server sends them (leaf first), each signed by the next, the last by the trusted root. */
async function longChain(count: number): Promise<{ chain: Buffer[]; root: Buffer }> {
  const rootParty = await party('CN=Long Chain Root');
  const root = await certify(rootParty, rootParty, 'ca', NOW);
  const cas: Party[] = [];
  for (let i = 0; i < count - 1; i++) cas.push(await party(`CN=Long Chain CA ${i}`));
  const chain: Buffer[] = [];
  let issuer = rootParty;
  const intermediates: Buffer[] = [];
  for (const ca of cas) {
    intermediates.unshift(await certify(ca, issuer, 'ca', NOW));
    issuer = ca;
  }
  chain.push(await certify(await party(`CN=${MX}`), issuer, 'leaf', NOW, { dnsNames: [MX] }), ...intermediates);
  return { chain, root };
}

const UNKNOWN_CRITICAL = rawExtension('1.3.6.1.4.1.99999.7', true, Buffer.from([0x05, 0x00]));

interface Case {
  name: string;
  make: () => Promise<{ chain: Buffer[]; anchors: Buffer[] }>;
  /** Whether both accept the chain. */
  accepts: boolean;
  /** mxray's finding ids about the certificate, sorted. */
  findings: string[];
}

const standard = (o: Parameters<typeof pki>[0] = {}) => async () => {
  const p = await pki(o);
  return { chain: [p.leaf, p.inter], anchors: [p.root] };
};

const CASES: Case[] = [
  { name: 'a good chain', make: standard(), accepts: true, findings: ['cert.ok'] },
  { name: 'an expired intermediate', make: standard({ inter: { notAfter: NOW - 2 * DAY_MS } }), accepts: false, findings: ['cert.intermediate-expired'] },
  { name: 'an intermediate not yet valid', make: standard({ inter: { notBefore: NOW + 2 * DAY_MS } }), accepts: false, findings: ['cert.intermediate-not-yet-valid'] },
  {
    name: 'an intermediate expiring within the warning window, before the leaf (a warning)',
    make: standard({ inter: { notAfter: NOW + 10 * DAY_MS } }),
    accepts: true,
    findings: ['cert.intermediate-expiring-soon'],
  },
  { name: 'an intermediate with CA:FALSE', make: standard({ inter: { basicConstraints: { ca: false } } }), accepts: false, findings: ['cert.not-a-ca'] },
  { name: 'an intermediate without basicConstraints', make: standard({ inter: { basicConstraints: null } }), accepts: false, findings: ['cert.not-a-ca'] },
  {
    name: 'a pathLenConstraint 0 intermediate with another CA below it',
    make: async () => {
      const p = await pki({ inter: { basicConstraints: { ca: true, pathLen: 0 } } });
      const sub = await party('CN=Chain Test Sub CA');
      const subCa = await certify(sub, p.interParty, 'ca', NOW);
      const leaf = await certify(p.leafParty, sub, 'leaf', NOW, { dnsNames: [MX] });
      return { chain: [leaf, subCa, p.inter], anchors: [p.root] };
    },
    accepts: false,
    findings: ['cert.path-length-exceeded'],
  },
  {
    name: 'a pathLenConstraint 1 intermediate with one CA below it',
    make: async () => {
      const p = await pki({ inter: { basicConstraints: { ca: true, pathLen: 1 } } });
      const sub = await party('CN=Chain Test Sub CA');
      const subCa = await certify(sub, p.interParty, 'ca', NOW);
      const leaf = await certify(p.leafParty, sub, 'leaf', NOW, { dnsNames: [MX] });
      return { chain: [leaf, subCa, p.inter], anchors: [p.root] };
    },
    accepts: true,
    findings: ['cert.ok'],
  },
  {
    name: 'an issuer whose keyUsage lacks keyCertSign',
    make: standard({ inter: { keyUsage: KU.digitalSignature | KU.cRLSign } }),
    accepts: false,
    findings: ['cert.issuer-cannot-sign'],
  },
  {
    name: 'name constraints: the leaf outside the permitted DNS names',
    make: standard({ inter: { nameConstraints: { permitted: [{ dns: 'example.org' }] } } }),
    accepts: false,
    findings: ['cert.name-constraints-violated'],
  },
  {
    name: 'name constraints: the leaf inside the excluded DNS names',
    make: standard({ inter: { nameConstraints: { excluded: [{ dns: '.example.test' }] } } }),
    accepts: false,
    findings: ['cert.name-constraints-violated'],
  },
  {
    name: 'name constraints: the leaf IP address outside the permitted addresses',
    make: standard({ inter: { nameConstraints: { permitted: [{ dns: 'example.test' }, { ip: '192.0.2.0/24' }] } }, leaf: { ipAddresses: ['198.51.100.7'] } }),
    accepts: false,
    findings: ['cert.name-constraints-violated'],
  },
  {
    name: 'name constraints satisfied (DNS and IP)',
    make: standard({ inter: { nameConstraints: { permitted: [{ dns: 'example.test' }, { ip: '192.0.2.0/24' }], excluded: [{ dns: 'bad.example.test' }] } }, leaf: { ipAddresses: ['192.0.2.25'] } }),
    accepts: true,
    findings: ['cert.ok'],
  },
  { name: 'a leaf with extendedKeyUsage clientAuth only', make: standard({ leaf: { eku: [EKU.clientAuth] } }), accepts: false, findings: ['cert.not-for-server-auth'] },
  {
    name: 'a leaf with extendedKeyUsage anyExtendedKeyUsage only (OpenSSL does not take it for serverAuth)',
    make: standard({ leaf: { eku: [EKU.any] } }),
    accepts: false,
    findings: ['cert.not-for-server-auth'],
  },
  { name: 'an intermediate with extendedKeyUsage clientAuth only', make: standard({ inter: { eku: [EKU.clientAuth] } }), accepts: false, findings: ['cert.not-for-server-auth'] },
  { name: 'an unknown critical extension on the leaf', make: standard({ leaf: { extensions: [UNKNOWN_CRITICAL] } }), accepts: false, findings: ['cert.unknown-critical-extension'] },
  {
    name: 'an unknown critical extension on the intermediate',
    make: standard({ inter: { extensions: [UNKNOWN_CRITICAL] } }),
    accepts: false,
    findings: ['cert.unknown-critical-extension'],
  },
  {
    name: '12 certificates sent, each properly signed',
    make: async () => {
      const { chain, root } = await longChain(12);
      return { chain, anchors: [root] };
    },
    accepts: false,
    findings: ['cert.chain-too-long'],
  },
  {
    name: '50 certificates sent, each properly signed',
    make: async () => {
      const { chain, root } = await longChain(50);
      return { chain, anchors: [root] };
    },
    accepts: false,
    findings: ['cert.chain-too-long'],
  },
  { name: 'an empty subject, the names in a critical SAN', make: standard({ leafName: '' }), accepts: true, findings: ['cert.ok'] },
  {
    name: 'an empty issuer name (a root CA with an empty name)',
    make: async () => {
      const nameless = await party('');
      const root = await certify(nameless, nameless, 'ca', NOW);
      const leaf = await certify(await party(`CN=${MX}`), nameless, 'leaf', NOW, { dnsNames: [MX] });
      return { chain: [leaf], anchors: [root] };
    },
    accepts: false,
    findings: ['cert.empty-name'],
  },
  { name: 'an expired trusted root', make: standard({ root: { notBefore: NOW - 400 * DAY_MS, notAfter: NOW - DAY_MS } }), accepts: false, findings: ['cert.root-expired'] },
  {
    name: 'a sent intermediate whose key did not sign the leaf, continuing to an expired trusted root',
    make: async () => {
      // "Twin CA" (the key that signed the leaf) is not sent; another "Twin CA" key is, certified by
      // an expired trusted root. No key identifiers: only names link them, so OpenSSL takes the twin.
      const rootParty = await party('CN=Expired Root');
      const root = await certify(rootParty, rootParty, 'ca', NOW, { notBefore: NOW - 400 * DAY_MS, notAfter: NOW - DAY_MS, keyIdentifiers: false });
      const right = await party('CN=Twin CA');
      const wrong = await party('CN=Twin CA');
      const twin = await certify(wrong, rootParty, 'ca', NOW, { keyIdentifiers: false });
      const leaf = await certify(await party(`CN=${MX}`), right, 'leaf', NOW, { dnsNames: [MX], keyIdentifiers: false });
      return { chain: [leaf, twin], anchors: [root] };
    },
    accepts: false,
    findings: ['cert.bad-signature'],
  },
];

describe('mxray and openssl verify agree on accept or reject', () => {
  for (const c of CASES) {
    it(c.name, async (context: TestContext) => {
      if (opensslMissing) skipWithout(context, OPENSSL, `no openssl command (${opensslMissing}): apt-get install openssl`);
      const { chain, anchors } = await c.make();
      const theirs = opensslVerify(chain, anchors);
      const ours = mxray(chain, anchors);
      const ids = ours.findings.map((f) => f.id).sort();
      table.push(`${c.name} | ${theirs.accepts ? 'OK' : `reject ${theirs.errors.join(' ')}`} | ${ours.accepts ? 'accept' : 'reject'} ${ids.join(' ')}`);
      expect({ openssl: theirs.accepts, mxray: ours.accepts }).toEqual({ openssl: c.accepts, mxray: c.accepts });
      expect(ids).toEqual(c.findings);
    });
  }
});

describe('the depth limit', () => {
  it(`openssl without -verify_depth follows the 12 and 50 certificates (its default depth is 100): mxray models Postfix's ${MAX_PATH_LENGTH}`, async (context: TestContext) => {
    if (opensslMissing) skipWithout(context, OPENSSL, `no openssl command (${opensslMissing}): apt-get install openssl`);
    for (const count of [12, 50]) {
      const { chain, root } = await longChain(count);
      expect(opensslVerify(chain, [root], []).accepts, `${count} certificates`).toBe(true);
      expect(opensslVerify(chain, [root]).errors[0], `${count} certificates`).toBe('22@9');
      expect(mxray(chain, [root]).verdict.trustFailure).toBe('chain-too-long');
    }
  });
});
