// Sending one real test message (`mxray send`) as a web job: the CLI's options as JSON. AUTH
// secrets and a client certificate with its key come in the request (the web has no environment variables to name) and go only to the
// job, which redacts them in every transcript and report; they never reach targetOf, and the kind
// is not rerunnable, so the stored request can never hold them. One message per job: `count` and
// `concurrency` (the CLI's load test) are refused in public mode.
import { X509Certificate } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import type { ClientCertificate } from '../../core/context.js';
import { UsageError } from '../../core/errors.js';
import { MAX_CONCURRENCY, MAX_COUNT, MAX_RECIPIENTS, runSend, type SendAuth } from '../../jobs/send/check-send.js';
import { MAX_DATA_FILE_BYTES, MAX_SEND_BYTES } from '../../jobs/send/compose.js';
import { CertFileError, keyMatchesCertificate, MAX_CERT_FILE_BYTES, pickLeaf, readCertFile } from '../../pki/files.js';
import { edgeProblem, SECONDS, timeLimits } from './shared.js';
import { EDGE_PARAMS, type JobKind } from './model.js';

/** The most a client certificate may be here: a certificate file's bound, in base64. */
const MAX_CLIENT_CERT_CHARS = Math.ceil((MAX_CERT_FILE_BYTES * 4) / 3) + 4;

/** The most a whole message given as `data` may be here: a JSON body, not a file. */
export const MAX_WEB_DATA_CHARS = Math.min(MAX_DATA_FILE_BYTES, 1024 * 1024);

const Params = Type.Object(
  {
    target: Type.Optional(Type.String({ maxLength: 300, description: 'user@domain | domain | host:port | IPv4 | [IPv6] | [IPv6]:port' })),
    host: Type.Optional(Type.String({ maxLength: 255, description: 'send to this server directly (the target, if given, still names the mail domain)' })),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: 'default 25; 465 means implicit TLS, 587 is submission' })),
    families: Type.Optional(Type.Union([Type.Literal('both'), Type.Literal('ipv4'), Type.Literal('ipv6')])),
    helo: Type.Optional(Type.String({ maxLength: 255 })),
    from: Type.Optional(Type.String({ maxLength: 320, description: 'MAIL FROM and From:' })),
    to: Type.Optional(Type.Array(Type.String({ maxLength: 320 }), { maxItems: MAX_RECIPIENTS, description: 'RCPT TO and To:' })),
    tls: Type.Optional(Type.Union([Type.Literal('none'), Type.Literal('opportunistic'), Type.Literal('required'), Type.Literal('implicit')])),
    verify: Type.Optional(Type.Union([Type.Literal('none'), Type.Literal('ca'), Type.Literal('name')], { description: 'what the certificate must pass with tls required or implicit (default name)' })),
    requireTls: Type.Optional(Type.Boolean({ description: 'RFC 8689 REQUIRETLS (implies tls required, verify name)' })),
    authUser: Type.Optional(Type.String({ minLength: 1, maxLength: 320 })),
    authPassword: Type.Optional(Type.String({ maxLength: 1000, description: 'never stored, never shown' })),
    oauthToken: Type.Optional(Type.String({ maxLength: 8000, description: 'XOAUTH2 access token; never stored, never shown' })),
    authMechanism: Type.Optional(Type.Union([Type.Literal('PLAIN'), Type.Literal('LOGIN'), Type.Literal('CRAM-MD5'), Type.Literal('XOAUTH2')])),
    allowCleartextAuth: Type.Optional(Type.Boolean({ description: 'AUTH without TLS (test servers only)' })),
    clientCertificate: Type.Optional(
      Type.String({ minLength: 1, maxLength: MAX_CLIENT_CERT_CHARS, description: 'present this client certificate: PEM (the certificate, its chain and its key) or a PKCS#12 / PFX file in base64; never stored' }),
    ),
    clientPassword: Type.Optional(Type.String({ maxLength: 1000, description: 'the password of the PFX or of an encrypted key; never stored' })),
    subject: Type.Optional(Type.String({ maxLength: 998 })),
    headers: Type.Optional(Type.Array(Type.String({ maxLength: 998 }), { maxItems: 100, description: '"Name: value" header lines' })),
    body: Type.Optional(Type.String({ maxLength: MAX_WEB_DATA_CHARS })),
    data: Type.Optional(Type.String({ maxLength: MAX_WEB_DATA_CHARS, description: 'a whole RFC 5322 message to send instead' })),
    size: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_SEND_BYTES, description: 'pad the message to exactly this many bytes' })),
    count: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_COUNT, description: 'this many messages; not in public mode' })),
    concurrency: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_CONCURRENCY, description: 'over this many sessions at once (with count); not in public mode' })),
    timeout: SECONDS('time-out for every phase, seconds', 120),
    greetingTimeout: SECONDS('how long to wait for the banner, seconds', 300),
    ...EDGE_PARAMS,
  },
  { additionalProperties: false },
);

type SendParams = Static<typeof Params>;

/** The login asked for, checked as the CLI checks it (cli/send.ts auth()). */
function authOf(p: SendParams): SendAuth | null {
  if (!p.authUser) {
    if (p.authPassword !== undefined || p.oauthToken !== undefined || p.authMechanism) throw new UsageError('authPassword, oauthToken and authMechanism need authUser');
    return null;
  }
  if (p.authPassword !== undefined && p.oauthToken !== undefined) throw new UsageError('give authPassword or oauthToken, not both');
  if (p.oauthToken !== undefined && p.authMechanism && p.authMechanism !== 'XOAUTH2') throw new UsageError(`oauthToken means XOAUTH2, not ${p.authMechanism}`);
  if (p.authMechanism === 'XOAUTH2' && p.oauthToken === undefined) throw new UsageError('XOAUTH2 needs oauthToken');
  const secret = p.oauthToken ?? p.authPassword;
  if (secret === undefined) throw new UsageError('authUser needs authPassword (or oauthToken)');
  return { user: p.authUser, secret, mechanism: p.oauthToken !== undefined ? 'XOAUTH2' : (p.authMechanism ?? null), allowCleartext: p.allowCleartextAuth ?? false };
}

const pem = (der: Buffer) => `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`;

/** The client certificate given, read as `mxray send --client-pfx / --client-cert --client-key` reads its files (cli/send.ts). */
async function clientCertificateOf(p: SendParams): Promise<ClientCertificate | null> {
  if (p.clientCertificate === undefined) {
    if (p.clientPassword !== undefined) throw new UsageError('clientPassword needs clientCertificate');
    return null;
  }
  const text = p.clientCertificate.trim();
  // PEM is text; anything else is a PFX in base64.
  const bytes = text.startsWith('-----BEGIN') ? Buffer.from(text, 'utf8') : Buffer.from(text.replace(/\s/g, ''), 'base64');
  const contents = await readCertFile(bytes, { name: 'the client certificate', password: p.clientPassword ?? null }).catch((err: unknown) => {
    if (err instanceof CertFileError && err.problem === 'password-needed') throw new UsageError('the client certificate is protected by a password: give it as clientPassword');
    throw err;
  });
  const certs = contents.certificates;
  const keys = contents.privateKeys;
  if (certs.length === 0) throw new UsageError('the client certificate holds no certificate');
  if (keys.length === 0) throw new UsageError('no private key for the client certificate: give the PEM with its key (or a PFX with its key)');
  const { index } = pickLeaf(certs, keys);
  const leaf = certs[index] as Buffer;
  const key = keys.find((k) => keyMatchesCertificate(k, leaf));
  if (!key) throw new UsageError('the private key does not belong to the client certificate');
  return {
    keyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
    certPem: [leaf, ...certs.filter((_, i) => i !== index)].map(pem).join(''),
    subject: new X509Certificate(leaf).subject.replace(/\n/g, ', '),
  };
}

export const sendKind: JobKind<typeof Params> = {
  name: 'send',
  title: 'Send a test message',
  params: Params,
  // The request may hold a password or token: it is never stored, so the job cannot be run again from it.
  rerunnable: false,
  targetOf: (p) => (p.target ?? p.host ?? '').slice(0, 500),
  publicProblem(p) {
    if ((p.count ?? 1) > 1) return 'public mode sends one message per job (no count above 1)';
    if ((p.concurrency ?? 1) > 1) return 'public mode sends one message per job (no concurrency above 1)';
    // A public instance must not become a relay for anyone's mail: one recipient, the test message
    // mxray composes (no message of the requester's, no headers of theirs).
    if ((p.to?.length ?? 0) > 1) return 'public mode sends to one recipient per job';
    if (p.data !== undefined || p.body !== undefined || (p.headers?.length ?? 0) > 0) return 'public mode sends only the test message mxray composes (no data, body or headers of your own)';
    return edgeProblem(p);
  },
  async run(p, { edges, signal, events }) {
    // Only a recipient given: its domain is where the message goes, as `mxray send --to` alone does.
    const target = p.target ?? (p.host ? undefined : p.to?.[0]);
    if (!target && !p.host) throw new UsageError('say where to send: user@domain, a domain, host:port or an IP address');
    if (p.body !== undefined && p.data !== undefined) throw new UsageError('give body or data, not both');
    if (p.data !== undefined && (p.subject !== undefined || p.headers?.length)) throw new UsageError('data is a whole message: subject and headers do not apply');
    if (p.concurrency && !p.count) throw new UsageError('concurrency needs count');
    return runSend(
      {
        target: target ?? null,
        host: p.host ?? null,
        port: p.port ?? null,
        helo: p.helo ?? edges.helo,
        from: p.from ?? null,
        to: p.to ?? [],
        tls: p.tls ?? null,
        verify: p.verify ?? null,
        requireTls: p.requireTls ?? false,
        auth: authOf(p),
        clientCertificate: await clientCertificateOf(p),
        subject: p.subject ?? null,
        headers: p.headers ?? [],
        body: p.body ?? null,
        data: p.data === undefined ? null : Buffer.from(p.data, 'utf8'),
        size: p.size ?? null,
        count: p.count ?? 1,
        concurrency: p.concurrency ?? 1,
        families: { v4: p.families !== 'ipv6', v6: p.families !== 'ipv4' },
        limits: timeLimits(p),
        hostMap: edges.hostMap,
        clock: edges.clock,
        resolver: edges.resolver,
        connector: edges.connector,
        trustStore: edges.trustStore,
        scheduler: edges.scheduler,
        signal,
        events,
      },
      () => ({ clock: edges.clock, resolver: edges.resolver, connector: edges.connector, trustStore: edges.trustStore, helo: edges.helo, scheduler: edges.scheduler }),
    );
  },
};
