// A test PKI made at run time: roots, intermediates and leaves with every classic defect.
// Used by the demo lab and by tests. @peculiar/x509 is heavy (~75 ms to load), so it is
// imported lazily and never on the `mxray check` path.
import { webcrypto } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;
type Algorithm = webcrypto.Algorithm;

type X509Module = typeof import('@peculiar/x509');
let x509Module: Promise<X509Module> | null = null;
async function x509(): Promise<X509Module> {
  x509Module ??= import('reflect-metadata')
    .then(() => import('@peculiar/x509'))
    .then((m) => {
    m.cryptoProvider.set(webcrypto as unknown as Parameters<typeof m.cryptoProvider.set>[0]);
    return m;
  });
  return x509Module;
}

export type KeyKind = 'ec' | 'rsa2048' | 'rsa1024';
export type SignatureHash = 'SHA-256' | 'SHA-1';

export interface IssuedCert {
  certPem: string;
  keyPem: string;
  der: Buffer;
}

export interface LeafOptions {
  commonName: string;
  dnsNames?: string[];
  ipAddresses?: string[];
  notBefore?: Date;
  notAfter?: Date;
  key?: KeyKind;
  /** Hash the issuer signs with (SHA-1 makes a weak-signature certificate). */
  signatureHash?: SignatureHash;
  /** extendedKeyUsage of an issued certificate (default serverAuth; a sender's client certificate needs clientAuth). */
  eku?: readonly ('serverAuth' | 'clientAuth')[];
}

export interface TestCa {
  name: string;
  cert: IssuedCert;
  /** Issues a server certificate (EKU serverAuth) signed by this CA. */
  issue(options: LeafOptions): Promise<IssuedCert>;
  /** Creates an intermediate CA signed by this CA (pathLenConstraint 0 unless `options.pathLen` says otherwise; null: none). */
  intermediate(name: string, options?: { pathLen?: number | null; notBefore?: Date; notAfter?: Date }): Promise<TestCa>;
}

const DAY = 86_400_000;

interface KeyMaterial {
  keys: CryptoKeyPair;
  pkcs8: ArrayBuffer;
  kind: KeyKind;
}

async function generateKey(kind: KeyKind): Promise<KeyMaterial> {
  const subtle = webcrypto.subtle;
  const algorithm =
    kind === 'ec'
      ? { name: 'ECDSA', namedCurve: 'P-256' }
      : {
          name: 'RSASSA-PKCS1-v1_5',
          modulusLength: kind === 'rsa1024' ? 1024 : 2048,
          publicExponent: new Uint8Array([1, 0, 1]),
          hash: 'SHA-256',
        };
  const keys = (await subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
  const pkcs8 = await subtle.exportKey('pkcs8', keys.privateKey);
  return { keys, pkcs8, kind };
}

/** The issuer's private key, imported for the hash we want to sign with (WebCrypto binds RSA keys to a hash). */
async function signingKeyFor(material: KeyMaterial, hash: SignatureHash): Promise<{ key: CryptoKey; algorithm: Algorithm }> {
  if (material.kind === 'ec') {
    return { key: material.keys.privateKey, algorithm: { name: 'ECDSA', hash } as Algorithm };
  }
  const algorithm = { name: 'RSASSA-PKCS1-v1_5', hash };
  const key = await webcrypto.subtle.importKey('pkcs8', material.pkcs8, algorithm, false, ['sign']);
  return { key, algorithm };
}

function toPem(der: ArrayBuffer, label: string): string {
  const b64 = Buffer.from(der).toString('base64');
  return `-----BEGIN ${label}-----\n${b64.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END ${label}-----\n`;
}

let serial = 1;
function nextSerial(): string {
  // Positive, unique within the process, and not guessable across runs.
  const random = webcrypto.getRandomValues(new Uint8Array(8));
  return `1${Buffer.from(random).toString('hex')}${(serial++).toString(16).padStart(4, '0')}`;
}

function dn(commonName: string, org = 'mxray test PKI'): string {
  const esc = (v: string) => v.replace(/([,+"\\<>;=])/g, '\\$1');
  return `CN=${esc(commonName)}, O=${esc(org)}`;
}

async function makeCa(
  name: string,
  material: KeyMaterial,
  certPem: string,
  der: Buffer,
  now: number,
): Promise<TestCa> {
  const m = await x509();
  const caCert = new m.X509Certificate(der);
  const ca: TestCa = {
    name,
    cert: { certPem, keyPem: toPem(material.pkcs8, 'PRIVATE KEY'), der },
    async issue(options: LeafOptions): Promise<IssuedCert> {
      const leafKey = await generateKey(options.key ?? 'ec');
      const { key, algorithm } = await signingKeyFor(material, options.signatureHash ?? 'SHA-256');
      const names = [
        ...(options.dnsNames ?? [options.commonName]).map((value) => ({ type: 'dns' as const, value })),
        ...(options.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
      ];
      const cert = await m.X509CertificateGenerator.create({
        serialNumber: nextSerial(),
        subject: dn(options.commonName, 'mxray test server'),
        issuer: caCert.subject,
        notBefore: options.notBefore ?? new Date(now - DAY),
        notAfter: options.notAfter ?? new Date(now + 365 * DAY),
        publicKey: leafKey.keys.publicKey,
        signingKey: key,
        signingAlgorithm: algorithm,
        extensions: [
          new m.BasicConstraintsExtension(false, undefined, true),
          new m.KeyUsagesExtension(
            m.KeyUsageFlags.digitalSignature | (leafKey.kind === 'ec' ? 0 : m.KeyUsageFlags.keyEncipherment),
            true,
          ),
          new m.ExtendedKeyUsageExtension((options.eku ?? ['serverAuth']).map((u) => m.ExtendedKeyUsage[u])),
          new m.SubjectAlternativeNameExtension(names),
          await m.SubjectKeyIdentifierExtension.create(leafKey.keys.publicKey),
          await m.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
        ],
      });
      const leafDer = Buffer.from(cert.rawData);
      return { certPem: cert.toString('pem') + '\n', keyPem: toPem(leafKey.pkcs8, 'PRIVATE KEY'), der: leafDer };
    },
    async intermediate(childName: string, options: { pathLen?: number | null; notBefore?: Date; notAfter?: Date } = {}): Promise<TestCa> {
      const childKey = await generateKey('ec');
      const { key, algorithm } = await signingKeyFor(material, 'SHA-256');
      const cert = await m.X509CertificateGenerator.create({
        serialNumber: nextSerial(),
        subject: dn(childName),
        issuer: caCert.subject,
        notBefore: options.notBefore ?? new Date(now - 30 * DAY),
        notAfter: options.notAfter ?? new Date(now + 5 * 365 * DAY),
        publicKey: childKey.keys.publicKey,
        signingKey: key,
        signingAlgorithm: algorithm,
        extensions: [
          new m.BasicConstraintsExtension(true, options.pathLen === undefined ? 0 : (options.pathLen ?? undefined), true),
          new m.KeyUsagesExtension(m.KeyUsageFlags.keyCertSign | m.KeyUsageFlags.cRLSign, true),
          await m.SubjectKeyIdentifierExtension.create(childKey.keys.publicKey),
          await m.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
        ],
      });
      return makeCa(childName, childKey, cert.toString('pem') + '\n', Buffer.from(cert.rawData), now);
    },
  };
  return ca;
}

/** Creates a self-signed root CA. `now` is the injected clock's time (validity is relative to it). */
export async function createRootCa(name: string, now: number): Promise<TestCa> {
  const m = await x509();
  const material = await generateKey('ec');
  const cert = await m.X509CertificateGenerator.createSelfSigned({
    serialNumber: nextSerial(),
    name: dn(name),
    notBefore: new Date(now - 365 * DAY),
    notAfter: new Date(now + 10 * 365 * DAY),
    keys: material.keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' } as Algorithm,
    extensions: [
      new m.BasicConstraintsExtension(true, undefined, true),
      new m.KeyUsagesExtension(m.KeyUsageFlags.keyCertSign | m.KeyUsageFlags.cRLSign, true),
      await m.SubjectKeyIdentifierExtension.create(material.keys.publicKey),
    ],
  });
  return makeCa(name, material, cert.toString('pem') + '\n', Buffer.from(cert.rawData), now);
}

/** A self-signed server certificate (no CA behind it). */
export async function createSelfSigned(options: LeafOptions, now: number): Promise<IssuedCert> {
  const m = await x509();
  const material = await generateKey(options.key ?? 'ec');
  const names = [
    ...(options.dnsNames ?? [options.commonName]).map((value) => ({ type: 'dns' as const, value })),
    ...(options.ipAddresses ?? []).map((value) => ({ type: 'ip' as const, value })),
  ];
  const { key: _unused, algorithm } = await signingKeyFor(material, options.signatureHash ?? 'SHA-256');
  const cert = await m.X509CertificateGenerator.createSelfSigned({
    serialNumber: nextSerial(),
    name: dn(options.commonName, 'mxray test server'),
    notBefore: options.notBefore ?? new Date(now - DAY),
    notAfter: options.notAfter ?? new Date(now + 365 * DAY),
    keys: material.keys,
    signingAlgorithm: algorithm,
    extensions: [
      new m.BasicConstraintsExtension(false, undefined, true),
      new m.ExtendedKeyUsageExtension([m.ExtendedKeyUsage.serverAuth]),
      new m.SubjectAlternativeNameExtension(names),
    ],
  });
  return { certPem: cert.toString('pem') + '\n', keyPem: toPem(material.pkcs8, 'PRIVATE KEY'), der: Buffer.from(cert.rawData) };
}

export const DAY_MS = DAY;
