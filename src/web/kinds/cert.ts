// The certificate check (`mxray cert`) as two web jobs: `cert`, what a host's or domain's servers
// present (JSON, the CLI's host options), and `cert-file`, an uploaded certificate file (PEM, DER,
// PKCS#7, PKCS#12/PFX, read by pki/files.ts as `mxray cert <file>` reads it), its options in the
// query string. A PFX password comes in the query string and is never stored: not rerunnable.
import { Type } from '@sinclair/typebox';
import { UsageError } from '../../core/errors.js';
import { parseIsoMoment } from '../../core/time-text.js';
import type { CertificateReport } from '../../core/schema.js';
import { runCertificateCheck, type CertFileInput } from '../../jobs/certificate/check-certificate.js';
import { ACCEPTANCE_PROFILE_IDS } from '../../kb/acceptance.js';
import { CertFileError } from '../../pki/files.js';
import { edgeProblem, queryBoolean, queryInt, SECONDS, uploadBytes, uploadName } from './shared.js';
import { EDGE_PARAMS, type JobContext, type JobKind, type WebEdges } from './model.js';

/** The most an uploaded certificate file may hold (a certificate file is a few KiB). */
export const CERT_UPLOAD_MAX_BYTES = 1024 * 1024;

const PROFILE = Type.Union(ACCEPTANCE_PROFILE_IDS.map((id) => Type.Literal(id)));

/** "2026-03-01", "2026-03-01T12:00", "2026-03-01T12:00:00Z", "…+01:00": a date alone is 00:00 UTC, a time without zone UTC. */
const AT_PATTERN = '^\\d{4}-\\d\\d-\\d\\d(T\\d\\d:\\d\\d(:\\d\\d(\\.\\d{1,9})?)?(Z|[+-]\\d\\d:\\d\\d)?)?$';

/** --at as the CLI reads it: a day that does not exist (2026-02-31) is refused. */
export function parseAtParam(text: string): number {
  const at = parseIsoMoment(text);
  if (at === null) throw new UsageError(`at: give an ISO date like 2026-03-01 or 2026-03-01T12:00:00Z, not ${JSON.stringify(text.slice(0, 60))}`);
  return at;
}

/** A file that needs a password: said for the web (the CLI's message names --password-env). */
function passwordProblem(err: unknown): never {
  if (err instanceof CertFileError && err.problem === 'password-needed') {
    throw new UsageError('the certificate file is protected by a password (a PFX, or an encrypted key): give it as the password parameter');
  }
  throw err;
}

const HostParams = Type.Object(
  {
    host: Type.String({ minLength: 1, maxLength: 300, description: 'host[:port] | domain | IPv4 | [IPv6]:port: what its servers present' }),
    port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: 'default 25; 465 implies TLS on connect' })),
    tlsOnConnect: Type.Optional(Type.Boolean()),
    families: Type.Optional(Type.Union([Type.Literal('both'), Type.Literal('ipv4'), Type.Literal('ipv6')])),
    helo: Type.Optional(Type.String({ maxLength: 255 })),
    names: Type.Optional(Type.Array(Type.String({ maxLength: 255 }), { maxItems: 64, description: 'names the certificate must cover (default: each MX host and the domain)' })),
    tlsa: Type.Optional(Type.Array(Type.String({ maxLength: 300 }), { maxItems: 64, description: 'TLSA records ("3 1 1 <hex>") the certificate should match' })),
    at: Type.Optional(Type.String({ pattern: AT_PATTERN, maxLength: 40, description: 'judge at this moment (ISO date)' })),
    expectThumbprint: Type.Optional(Type.String({ maxLength: 200 })),
    warnDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
    revocation: Type.Optional(Type.Boolean({ description: 'CRL and OCSP lookups (default true)' })),
    profiles: Type.Optional(Type.Array(PROFILE, { maxItems: ACCEPTANCE_PROFILE_IDS.length, description: 'answer for these kinds of sender only' })),
    timeout: SECONDS('time-out for each connection phase and each HTTP fetch (AIA, CRL, OCSP), seconds', 120),
    ...EDGE_PARAMS,
  },
  { additionalProperties: false },
);

/** The edges the job may ask its defaults for: all of them given. */
function defaultsOf(edges: WebEdges) {
  return () => ({ clock: edges.clock, resolver: edges.resolver, connector: edges.connector, trustStore: edges.trustStore, helo: edges.helo, scheduler: edges.scheduler, fetcher: edges.fetcher, ...(edges.dnssec ? { dnssec: edges.dnssec } : {}) });
}

export const certKind: JobKind<typeof HostParams> = {
  name: 'cert',
  title: 'Certificate of a host',
  params: HostParams,
  rerunnable: true,
  targetOf: (p) => p.host.slice(0, 500),
  publicProblem: edgeProblem,
  async run(p, { edges, signal, events }: JobContext): Promise<CertificateReport> {
    const ms = p.timeout === undefined ? null : Math.round(p.timeout * 1000);
    return runCertificateCheck(
      {
        target: p.host,
        password: null,
        names: p.names ?? [],
        tlsa: p.tlsa ?? [],
        expectThumbprint: p.expectThumbprint ?? null,
        at: p.at === undefined ? null : parseAtParam(p.at),
        ...(p.warnDays ? { warnDays: p.warnDays } : {}),
        revocation: p.revocation ?? true,
        senders: p.profiles ?? [],
        ...(ms ? { fetchTimeoutMs: ms } : {}),
        probe: {
          port: p.port ?? null,
          ...(p.tlsOnConnect ? { tlsOnConnect: true } : {}),
          helo: p.helo ?? edges.helo,
          hostMap: edges.hostMap,
          families: { v4: p.families !== 'ipv6', v6: p.families !== 'ipv4' },
          ...(ms ? { limits: { connectTimeoutMs: ms, greetingTimeoutMs: ms, commandTimeoutMs: ms, tlsTimeoutMs: ms } } : {}),
          resolver: edges.resolver,
          connector: edges.connector,
          scheduler: edges.scheduler,
          memory: null,
          // The probe's progress and transcript go to the job's stream (no onProgress: it would say each twice).
          events,
        },
        clock: edges.clock,
        trustStore: edges.trustStore,
        fetcher: edges.fetcher,
        dnssec: edges.dnssec,
        signal,
      },
      defaultsOf(edges),
    );
  },
};

const BOOL = { pattern: '^(true|false|1|0)$', maxLength: 5 };

const FileParams = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 255, description: 'the file name shown' })),
    password: Type.Optional(Type.String({ maxLength: 1000, description: 'the PFX or key password (never stored: the job cannot be run again)' })),
    host: Type.Optional(Type.String({ maxLength: 255, pattern: '^[^\\s,]+$', description: 'the host name the certificate must cover (connector FQDN, MX name); with profile dane its TLSA records are looked up' })),
    tlsa: Type.Optional(Type.String({ maxLength: 300, description: 'a TLSA record ("3 1 1 <hex>") the certificate should match' })),
    at: Type.Optional(Type.String({ pattern: AT_PATTERN, maxLength: 40, description: 'judge at this moment (ISO date)' })),
    expectThumbprint: Type.Optional(Type.String({ maxLength: 200 })),
    warnDays: Type.Optional(Type.String({ pattern: '^\\d{1,4}$', description: 'warn when it expires within this many days (1 to 3650)' })),
    revocation: Type.Optional(Type.String({ ...BOOL, description: 'CRL and OCSP lookups (default true)' })),
    profiles: Type.Optional(Type.String({ pattern: `^(${ACCEPTANCE_PROFILE_IDS.join('|')})(,(${ACCEPTANCE_PROFILE_IDS.join('|')}))*$`, maxLength: 200, description: 'kinds of sender to answer for, comma-separated' })),
  },
  { additionalProperties: false },
);

export const certFileKind: JobKind<typeof FileParams> = {
  name: 'cert-file',
  title: 'Certificate file',
  params: FileParams,
  upload: { maxBytes: CERT_UPLOAD_MAX_BYTES },
  // The input is not kept, and the password must never be.
  rerunnable: false,
  targetOf: (p) => (p.name ?? 'certificate file').slice(0, 500),
  async run(p, { edges, signal, events, upload }: JobContext): Promise<CertificateReport> {
    const warnDays = queryInt('warnDays', p.warnDays, 1, 3650);
    const revocation = queryBoolean('revocation', p.revocation, true);
    const at = p.at === undefined ? null : parseAtParam(p.at);
    const name = uploadName(upload, p.name);
    const input: CertFileInput = { name, role: 'certificate', bytes: await uploadBytes(upload, CERT_UPLOAD_MAX_BYTES) };
    if (input.bytes.length === 0) throw new UsageError(`${name} is empty: send the certificate file as the request body`);
    return runCertificateCheck(
      {
        files: [input],
        password: p.password ?? null,
        names: p.host ? [p.host] : [],
        tlsa: p.tlsa ? [p.tlsa] : [],
        expectThumbprint: p.expectThumbprint ?? null,
        at,
        ...(warnDays ? { warnDays } : {}),
        revocation,
        senders: p.profiles ? [...new Set(p.profiles.split(','))] : [],
        clock: edges.clock,
        trustStore: edges.trustStore,
        fetcher: edges.fetcher,
        dnssec: edges.dnssec,
        signal,
        onProgress: (key, phase) => events.emit({ type: 'progress', key, phase }),
      },
      defaultsOf(edges),
    ).catch(passwordProblem);
  },
};
