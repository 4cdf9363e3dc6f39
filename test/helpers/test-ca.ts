// A certificate authority made at test time with the openssl command line, in a temporary folder
// the caller removes (`dispose()`); nothing of it is ever committed. A root, an intermediate that
// signs the leaves (each pointing at the caller's base URL for its issuer's certificate, CRL and
// OCSP responder), OCSP responder certificates (authorised, not authorised, expired, unrelated),
// a CA whose key may not sign CRLs, and an impostor with the intermediate's name but another key.
// Revocation goes through an `openssl ca` index.txt; CRLs come from `openssl ca -gencrl` and OCSP
// answers from `openssl ocsp`, the real responder, so the material is what real tooling writes.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openssl, opensslAsync } from './openssl-cert.js';

/** One certificate of the test CA, with its files. */
export interface TestCaCert {
  subject: string;
  der: Buffer;
  pem: string;
  certPath: string;
  keyPath: string;
}

/** A certificate the intermediate (or the CA without cRLSign) issued. */
export interface TestLeaf extends TestCaCert {
  /** The serial number as openssl prints it (upper-case hex). */
  serial: string;
  /** The CA that issued it. */
  issuer: TestCaCert;
}

/** Revocation reasons as `openssl ca` writes them in index.txt (its names, e.g. CACompromise). */
export type IndexReason =
  | 'unspecified'
  | 'keyCompromise'
  | 'CACompromise'
  | 'affiliationChanged'
  | 'superseded'
  | 'cessationOfOperation'
  | 'certificateHold'
  | 'removeFromCRL';

export interface LeafOptions {
  key?: 'rsa' | 'ec';
  /** authorityInfoAccess (caIssuers, OCSP) and crlDistributionPoints; default true. */
  revocationInfo?: boolean;
  /** TLS feature status_request (OCSP must-staple); default false. */
  mustStaple?: boolean;
  /**
   * Its issuer: the intermediate (default), the CA whose keyUsage lacks cRLSign, the impostor (the
   * intermediate's name, another key) or the renamed CA (the intermediate's key, another name).
   */
  issuer?: 'intermediate' | 'no-crl-sign' | 'impostor' | 'renamed';
  /** Its serial number (hex); default random. With the same serial under the impostor or the renamed CA, only one part of an OCSP CertID differs. */
  serial?: string;
  /** false: taken out of index.txt after issuing, so the OCSP responder does not know it. Default true. */
  recorded?: boolean;
}

/** Who signs a CRL: the intermediate, the root, the impostor (the intermediate's name, another key), the CA without cRLSign. */
export type CrlSigner = 'intermediate' | 'root' | 'impostor' | 'no-crl-sign';

export interface CrlOptions {
  signer?: CrlSigner;
  /** thisUpdate and nextUpdate (default: openssl's, now and 7 days on). */
  lastUpdate?: Date;
  nextUpdate?: Date;
  format?: 'der' | 'pem';
  /** More CRL extensions, as openssl config lines ("2.5.29.27 = critical, ASN1:INTEGER:7"). */
  extensions?: string[];
  /** A critical issuingDistributionPoint with these config lines ("fullname = URI:…", "onlyCA = TRUE" …). */
  idp?: string[];
}

/**
 * Who signs an OCSP answer about the intermediate's certificates: the intermediate itself, its
 * delegated responder (OCSPSigning EKU), a certificate it issued without that EKU, an expired
 * delegated responder or one not valid yet, an unrelated self-signed certificate with the EKU, or the impostor.
 */
export type OcspSigner = 'intermediate' | 'responder' | 'no-eku-responder' | 'expired-responder' | 'future-responder' | 'stranger' | 'impostor';

export interface OcspOptions {
  signer?: OcspSigner;
  /** Minutes to nextUpdate (openssl -nmin); null: no nextUpdate. Default 60. */
  validMinutes?: number | null;
  /** Include the signer's certificate in the response (default true; openssl's -resp_no_certs when false). */
  includeCerts?: boolean;
}

/** Where a leaf says its issuer's certificate, CRL and OCSP responder are, under the base URL. */
export const CA_PATHS = {
  caIssuers: '/ca/intermediate.cer',
  caIssuersP7c: '/ca/intermediate.p7c',
  crl: '/crl/intermediate.crl',
  ocsp: '/ocsp',
} as const;

export interface TestCa {
  dir: string;
  /** The moment (epoch ms) the CA was made: every certificate it issues is valid from an hour before to 30 days after. */
  madeAt: number;
  baseUrl: string;
  urls: { caIssuers: string; caIssuersP7c: string; crl: string; ocsp: string };
  root: TestCaCert;
  intermediate: TestCaCert;
  impostor: TestCaCert;
  renamed: TestCaCert;
  noCrlSign: TestCaCert;
  responder: TestCaCert;
  noEkuResponder: TestCaCert;
  expiredResponder: TestCaCert;
  futureResponder: TestCaCert;
  stranger: TestCaCert;
  issueLeaf(name: string, options?: LeafOptions): TestLeaf;
  /** Marks the leaf revoked in its CA's index.txt, at `at`, with `reason` (null: no reason code). */
  revoke(leaf: TestLeaf, reason: IndexReason | null, at: Date): void;
  crl(options?: CrlOptions): Buffer;
  /** crl() without blocking the event loop (for a server in the test's process). */
  crlAsync(options?: CrlOptions): Promise<Buffer>;
  /** The DER OCSPRequest openssl makes for the leaf (CertID with this digest, no nonce). */
  ocspRequestFor(leaf: TestLeaf, digest?: 'sha1' | 'sha256' | 'sha384'): Buffer;
  /** The DER OCSPResponse `openssl ocsp` gives to this request from the intermediate's index.txt. */
  ocspRespond(request: Buffer, options?: OcspOptions): Buffer;
  ocspRespondAsync(request: Buffer, options?: OcspOptions): Promise<Buffer>;
  /** thisUpdate / nextUpdate (epoch ms) of the first answer in a response, as `openssl ocsp -resp_text` prints them. */
  ocspTimes(response: Buffer): { thisUpdate: number; nextUpdate: number | null };
  /** What `openssl ocsp -req_text` / `-resp_text` prints about a request or a response. */
  ocspText(der: Buffer, kind: 'request' | 'response'): string;
  /** The intermediate's certificate as a certs-only PKCS#7 (.p7c, DER). */
  intermediateP7c(): Buffer;
  dispose(): void;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** YYYYMMDDHHMMSSZ, as openssl's -startdate, -crl_lastupdate … take it. */
function generalizedTime(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
}

/** YYMMDDHHMMSSZ, as index.txt holds revocation times. */
function utcTime(date: Date): string {
  return generalizedTime(date).slice(2);
}

const CA_CONFIG = (dir: string, certPath: string, keyPath: string, crlAki: string): string =>
  [
    '[ca]',
    'default_ca = this_ca',
    '[this_ca]',
    `database = ${dir}/index.txt`,
    `new_certs_dir = ${dir}/issued`,
    `certificate = ${certPath}`,
    `private_key = ${keyPath}`,
    `serial = ${dir}/serial`,
    `crlnumber = ${dir}/crlnumber`,
    'default_md = sha256',
    'default_days = 30',
    'default_crl_days = 7',
    'policy = policy_any',
    'unique_subject = no',
    'email_in_dn = no',
    'crl_extensions = crl_ext',
    '[policy_any]',
    'commonName = supplied',
    'organizationName = optional',
    '[crl_ext]',
    `authorityKeyIdentifier = ${crlAki}`,
    '',
  ].join('\n');

const REQ_CONFIG = ['[req]', 'distinguished_name = dn', 'prompt = no', '[dn]', ''].join('\n');

const CA_EXTENSIONS = ['basicConstraints = critical, CA:TRUE', 'keyUsage = critical, keyCertSign, cRLSign', 'subjectKeyIdentifier = hash'];

/** Makes a test CA under a new temporary folder. Synchronous: a few openssl runs (about a second). */
export function makeTestCa(options: { baseUrl?: string } = {}): TestCa {
  const baseUrl = options.baseUrl ?? 'http://127.0.0.1:9';
  const madeAt = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'mxray-test-ca-'));
  let fileCount = 0;
  const file = (name: string): string => join(dir, `${++fileCount}-${name}`);
  writeFileSync(join(dir, 'req.cnf'), REQ_CONFIG);
  const validFrom = generalizedTime(new Date(Math.floor(madeAt / 1000) * 1000 - HOUR_MS));
  const validTo = generalizedTime(new Date(madeAt + 30 * DAY_MS));

  const extFile = (lines: readonly string[]): string => {
    const path = file('ext.cnf');
    writeFileSync(path, ['[ext]', ...lines, ''].join('\n'));
    return path;
  };
  const keyArgs = (key: 'rsa' | 'ec'): string[] => (key === 'rsa' ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']);
  const loaded = (subject: string, certPath: string, keyPath: string): TestCaCert => {
    const pem = readFileSync(certPath, 'utf8');
    return { subject, pem, der: openssl(['x509', '-outform', 'DER'], Buffer.from(pem)), certPath, keyPath };
  };

  /** A CA of its own folder and index.txt, for `openssl ca`. */
  interface CaDir {
    cert: TestCaCert;
    dir: string;
    config: string;
    /** The CRL's authorityKeyIdentifier setting (a CA without subjectKeyIdentifier cannot give a keyid). */
    crlAki: string;
  }
  const caDir = (name: string, cert: TestCaCert, crlAki = 'keyid:always'): CaDir => {
    const caPath = join(dir, name);
    mkdirSync(join(caPath, 'issued'), { recursive: true });
    writeFileSync(join(caPath, 'index.txt'), '');
    writeFileSync(join(caPath, 'crlnumber'), '1000\n');
    const config = join(caPath, 'ca.cnf');
    writeFileSync(config, CA_CONFIG(caPath, cert.certPath, cert.keyPath, crlAki));
    return { cert, dir: caPath, config, crlAki };
  };
  /** A self-signed certificate with a new key, or with the key in `existingKey`. */
  const selfSigned = (name: string, subject: string, extLines: readonly string[], key: 'rsa' | 'ec', existingKey?: string): TestCaCert => {
    const certPath = join(dir, `${name}.pem`);
    const keyPath = existingKey ?? join(dir, `${name}.key`);
    const keyOptions = existingKey ? ['-key', existingKey] : [...keyArgs(key), '-nodes', '-keyout', keyPath];
    // `openssl req` reads its extensions from its own config file.
    const config = file(`${name}-req.cnf`);
    writeFileSync(config, [REQ_CONFIG, '[ext]', ...extLines, ''].join('\n'));
    openssl(['req', '-x509', ...keyOptions, '-subj', subject, '-config', config, '-extensions', 'ext', '-days', '30', '-out', certPath], Buffer.alloc(0));
    return loaded(subject, certPath, keyPath);
  };
  const issue = (
    ca: CaDir,
    name: string,
    subject: string,
    extLines: readonly string[],
    key: 'rsa' | 'ec',
    dates: [string, string] = [validFrom, validTo],
    chosenSerial?: string,
  ): TestLeaf => {
    const certPath = join(dir, `${name}.pem`);
    const keyPath = join(dir, `${name}.key`);
    const csr = file(`${name}.csr`);
    openssl(['req', '-new', ...keyArgs(key), '-nodes', '-subj', subject, '-config', join(dir, 'req.cnf'), '-keyout', keyPath, '-out', csr], Buffer.alloc(0));
    const ext = extFile(extLines);
    // -preserveDN: the subject as requested, not reordered by the policy (the impostor must carry the intermediate's name exactly).
    if (chosenSerial) writeFileSync(join(ca.dir, 'serial'), `${chosenSerial}\n`);
    openssl(['ca', '-batch', '-notext', ...(chosenSerial ? [] : ['-rand_serial']), '-preserveDN', '-config', ca.config, '-extfile', ext, '-extensions', 'ext', '-startdate', dates[0], '-enddate', dates[1], '-in', csr, '-out', certPath], Buffer.alloc(0));
    const cert = loaded(subject, certPath, keyPath);
    const serial = openssl(['x509', '-noout', '-serial'], Buffer.from(cert.pem)).toString().trim().replace(/^serial=/, '');
    return { ...cert, serial, issuer: ca.cert };
  };

  const rootCert = selfSigned('root', '/O=mxray tests/CN=mxray Test Revocation Root', CA_EXTENSIONS, 'rsa');
  const root = caDir('root-ca', rootCert);
  const intermediateSubject = '/O=mxray tests/CN=mxray Test Revocation CA';
  const intermediateCert = issue(root, 'intermediate', intermediateSubject, [...CA_EXTENSIONS, 'authorityKeyIdentifier = keyid'], 'rsa');
  const intermediate = caDir('intermediate-ca', intermediateCert);
  const noCrlSignCert = issue(
    root,
    'no-crl-sign',
    '/O=mxray tests/CN=mxray Test CA without cRLSign',
    ['basicConstraints = critical, CA:TRUE', 'keyUsage = critical, keyCertSign, digitalSignature', 'subjectKeyIdentifier = hash', 'authorityKeyIdentifier = keyid'],
    'rsa',
  );
  const noCrlSign = caDir('no-crl-sign-ca', noCrlSignCert);
  // Without key identifiers, so only signatures tell it from the intermediate (OpenSSL matches issuers by name and key identifiers).
  const impostorCert = selfSigned(
    'impostor',
    intermediateSubject,
    ['basicConstraints = critical, CA:TRUE', 'keyUsage = critical, keyCertSign, cRLSign', 'subjectKeyIdentifier = none', 'authorityKeyIdentifier = none'],
    'rsa',
  );
  const impostor = caDir('impostor-ca', impostorCert, 'keyid, issuer');
  const renamedCert = selfSigned('renamed', '/O=mxray tests/CN=mxray Test Revocation CA renamed', CA_EXTENSIONS, 'rsa', intermediateCert.keyPath);
  const renamed = caDir('renamed-ca', renamedCert);

  const responderLines = (eku: string): string[] => [
    'basicConstraints = critical, CA:FALSE',
    'keyUsage = critical, digitalSignature',
    `extendedKeyUsage = ${eku}`,
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = keyid',
  ];
  const responder = issue(intermediate, 'responder', '/O=mxray tests/CN=mxray Test OCSP Responder', responderLines('OCSPSigning'), 'ec');
  const noEkuResponder = issue(intermediate, 'no-eku-responder', '/O=mxray tests/CN=mxray Test server certificate', responderLines('serverAuth'), 'ec');
  const expiredResponder = issue(intermediate, 'expired-responder', '/O=mxray tests/CN=mxray Test expired OCSP Responder', responderLines('OCSPSigning'), 'ec', [
    generalizedTime(new Date(madeAt - 60 * DAY_MS)),
    generalizedTime(new Date(madeAt - 30 * DAY_MS)),
  ]);
  const futureResponder = issue(intermediate, 'future-responder', '/O=mxray tests/CN=mxray Test future OCSP Responder', responderLines('OCSPSigning'), 'ec', [
    generalizedTime(new Date(madeAt + 10 * DAY_MS)),
    generalizedTime(new Date(madeAt + 40 * DAY_MS)),
  ]);
  const stranger = selfSigned('stranger', '/O=elsewhere/CN=Unrelated OCSP Responder', responderLines('OCSPSigning').slice(0, 4), 'ec');

  const urls = {
    caIssuers: `${baseUrl}${CA_PATHS.caIssuers}`,
    caIssuersP7c: `${baseUrl}${CA_PATHS.caIssuersP7c}`,
    crl: `${baseUrl}${CA_PATHS.crl}`,
    ocsp: `${baseUrl}${CA_PATHS.ocsp}`,
  };
  const caOf: Record<CrlSigner, CaDir> = { intermediate, root, impostor, 'no-crl-sign': noCrlSign };
  const signers: Record<OcspSigner, TestCaCert> = {
    intermediate: intermediateCert,
    responder,
    'no-eku-responder': noEkuResponder,
    'expired-responder': expiredResponder,
    'future-responder': futureResponder,
    stranger,
    impostor: impostorCert,
  };
  let leafCount = 0;
  const leaves = new Map<TestLeaf, CaDir>();

  /** The `openssl ca -gencrl` arguments for these options, and the PEM file it writes. */
  const gencrlArgs = (crlOptions: CrlOptions): { args: string[]; out: string } => {
    const ca = caOf[crlOptions.signer ?? 'intermediate'];
    const out = file('crl.pem');
    const times = [
      ...(crlOptions.lastUpdate ? ['-crl_lastupdate', generalizedTime(crlOptions.lastUpdate)] : []),
      ...(crlOptions.nextUpdate ? ['-crl_nextupdate', generalizedTime(crlOptions.nextUpdate)] : []),
    ];
    let config = ca.config;
    let sections: string[] = [];
    if (crlOptions.extensions || crlOptions.idp) {
      config = file('crl-ca.cnf');
      const lines = ['[crl_more]', `authorityKeyIdentifier = ${ca.crlAki}`, ...(crlOptions.extensions ?? [])];
      if (crlOptions.idp) lines.push('issuingDistributionPoint = critical, @idp', '[idp]', ...crlOptions.idp);
      writeFileSync(config, `${readFileSync(ca.config, 'utf8')}\n${lines.join('\n')}\n`);
      sections = ['-crlexts', 'crl_more'];
    }
    return { args: ['ca', '-gencrl', '-config', config, ...sections, ...times, '-out', out], out };
  };
  let gencrlQueue: Promise<void> = Promise.resolve();

  const ocspArgs = (reqPath: string, respPath: string, options: OcspOptions): string[] => {
    const signer = signers[options.signer ?? 'intermediate'];
    const validMinutes = options.validMinutes === undefined ? 60 : options.validMinutes;
    return [
      'ocsp',
      '-index',
      join(intermediate.dir, 'index.txt'),
      '-CA',
      intermediateCert.certPath,
      '-rsigner',
      signer.certPath,
      '-rkey',
      signer.keyPath,
      '-reqin',
      reqPath,
      '-respout',
      respPath,
      ...(validMinutes === null ? [] : ['-nmin', String(validMinutes)]),
      ...(options.includeCerts === false ? ['-resp_no_certs'] : []),
    ];
  };

  return {
    dir,
    madeAt,
    baseUrl,
    urls,
    root: rootCert,
    intermediate: intermediateCert,
    impostor: impostorCert,
    renamed: renamedCert,
    noCrlSign: noCrlSignCert,
    responder,
    noEkuResponder,
    expiredResponder,
    futureResponder,
    stranger,
    issueLeaf(name, leafOptions = {}) {
      const key = leafOptions.key ?? 'rsa';
      const ca = { intermediate, 'no-crl-sign': noCrlSign, impostor, renamed }[leafOptions.issuer ?? 'intermediate'];
      const lines = [
        'basicConstraints = critical, CA:FALSE',
        `keyUsage = critical, ${key === 'rsa' ? 'digitalSignature, keyEncipherment' : 'digitalSignature'}`,
        'extendedKeyUsage = serverAuth',
        `subjectAltName = DNS:${name}`,
        'subjectKeyIdentifier = hash',
        // The issuer and serial of the CA's certificate where it has no key identifier (the impostor).
        'authorityKeyIdentifier = keyid, issuer',
      ];
      if (leafOptions.revocationInfo !== false) {
        lines.push(`authorityInfoAccess = caIssuers;URI:${urls.caIssuers}, OCSP;URI:${urls.ocsp}`, `crlDistributionPoints = URI:${urls.crl}`);
      }
      if (leafOptions.mustStaple) lines.push('tlsfeature = status_request');
      const leaf = issue(ca, `leaf-${++leafCount}`, `/CN=${name}`, lines, key, undefined, leafOptions.serial);
      if (leafOptions.recorded === false) {
        const index = join(ca.dir, 'index.txt');
        const kept = readFileSync(index, 'utf8')
          .split('\n')
          .filter((line) => line.split('\t')[3] !== leaf.serial);
        writeFileSync(index, kept.join('\n'));
      }
      leaves.set(leaf, ca);
      return leaf;
    },
    revoke(leaf, reason, at) {
      const ca = leaves.get(leaf);
      if (!ca) throw new Error('revoke(): not a leaf of this test CA');
      const index = join(ca.dir, 'index.txt');
      let found = false;
      const lines = readFileSync(index, 'utf8')
        .split('\n')
        .map((line) => {
          const fields = line.split('\t');
          if (fields[3] !== leaf.serial) return line;
          found = true;
          fields[0] = 'R';
          fields[2] = reason === null ? utcTime(at) : `${utcTime(at)},${reason}`;
          return fields.join('\t');
        });
      if (!found) throw new Error(`revoke(): serial ${leaf.serial} is not in ${index}`);
      writeFileSync(index, lines.join('\n'));
    },
    crl(crlOptions = {}) {
      const { args, out } = gencrlArgs(crlOptions);
      openssl(args, Buffer.alloc(0));
      const pem = readFileSync(out);
      return crlOptions.format === 'pem' ? pem : openssl(['crl', '-outform', 'DER'], pem);
    },
    crlAsync(crlOptions = {}) {
      // One `openssl ca -gencrl` at a time: each rewrites the CA's crlnumber file.
      const made = gencrlQueue.then(async () => {
        const { args, out } = gencrlArgs(crlOptions);
        await opensslAsync(args);
        const pem = readFileSync(out);
        return crlOptions.format === 'pem' ? pem : opensslAsync(['crl', '-outform', 'DER'], pem);
      });
      gencrlQueue = made.then(
        () => undefined,
        () => undefined,
      );
      return made;
    },
    ocspRequestFor(leaf, digest = 'sha1') {
      const out = file('req.der');
      openssl(['ocsp', '-issuer', leaf.issuer.certPath, `-${digest}`, '-cert', leaf.certPath, '-no_nonce', '-reqout', out], Buffer.alloc(0));
      return readFileSync(out);
    },
    ocspRespond(request, ocspOptions = {}) {
      const reqPath = file('ocsp-req.der');
      const respPath = file('ocsp-resp.der');
      writeFileSync(reqPath, request);
      openssl(ocspArgs(reqPath, respPath, ocspOptions), Buffer.alloc(0));
      return readFileSync(respPath);
    },
    async ocspRespondAsync(request, ocspOptions = {}) {
      const reqPath = file('ocsp-req.der');
      const respPath = file('ocsp-resp.der');
      writeFileSync(reqPath, request);
      await opensslAsync(ocspArgs(reqPath, respPath, ocspOptions));
      return readFileSync(respPath);
    },
    ocspText(der, kind) {
      const path = file('ocsp.der');
      writeFileSync(path, der);
      const args = kind === 'request' ? ['-reqin', path, '-req_text'] : ['-respin', path, '-resp_text', '-noverify'];
      return openssl(['ocsp', ...args], Buffer.alloc(0)).toString();
    },
    ocspTimes(response) {
      const text = this.ocspText(response, 'response');
      const time = (label: string): number | null => {
        const m = new RegExp(`${label}: (.+ GMT)`).exec(text);
        return m ? Date.parse(m[1] as string) : null;
      };
      const thisUpdate = time('This Update');
      if (thisUpdate === null) throw new Error('ocspTimes(): openssl printed no This Update');
      return { thisUpdate, nextUpdate: time('Next Update') };
    },
    intermediateP7c() {
      return openssl(['crl2pkcs7', '-nocrl', '-certfile', intermediateCert.certPath, '-outform', 'DER'], Buffer.alloc(0));
    },
    dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
