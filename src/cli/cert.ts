// `mxray cert <file… | host[:port] | domain>`: a certificate judged the way senders judge it.
import { readFileSync, statSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { promptPassword } from './prompt.js';
import { UsageError } from '../core/errors.js';
import type { CertificateReport } from '../core/schema.js';
import { runCertificateCheck, type CertFileInput } from '../jobs/certificate/check-certificate.js';
import { ACCEPTANCE_PROFILE_IDS } from '../kb/acceptance.js';
import { CertFileError, MAX_CERT_FILE_BYTES } from '../pki/files.js';
import { systemEdges } from '../runtime/edges.js';
import { readCaFiles } from './ca-files.js';
import { parseConnect } from './connect.js';
import type { Run } from './commands.js';
import { addReportOptions, collect, parseAt, positiveInt, type ReportOptions } from './options.js';
import { emit, formatOf, renderReport } from './output.js';
import { silentProgress, terminalProgress } from './progress.js';

interface CertOpts extends ReportOptions {
  name: string[];
  chain: string[];
  key?: string;
  passwordEnv?: string;
  tlsa: string[];
  at?: string;
  caFile: string[];
  expectThumbprint?: string;
  warnDays: number;
  revocation: boolean;
  profile: string[];
  port?: number;
  tlsOnConnect?: boolean;
  resolver?: string;
  trustAd?: boolean;
  connect: string[];
  ipv4?: boolean;
  ipv6?: boolean;
  helo?: string;
}


const CERT_HELP = `
Examples:
  mxray cert server.pem                      a certificate (or a PEM bundle with its chain)
  mxray cert mail.pfx --password-env PFXPW   a PFX exported from Windows / Exchange
  mxray cert cert.pem --chain chain.pem --key key.pem --name mail.example.com
  mxray cert mail.example.com:25             what the server presents (STARTTLS, with and without SNI)
  mxray cert example.com --profile exchange-online
  mxray cert new.pem --tlsa "3 1 1 <hex>"    does the renewed certificate still match my TLSA record?
  mxray cert new.pem --name mx.example.com --profile dane
                                            ... the TLSA records published for mx.example.com (DNSSEC)?
  mxray cert example.com --profile dane      do DANE senders accept what every MX host presents?

Exit codes:
  0  no problem a sender would meet (warnings say what to improve)
  1  a problem: expired, untrusted, wrong name, revoked, key or TLSA mismatch,
     or a sender named with --profile does not accept it
  2  usage error (bad option, unreadable file, wrong password)
  3  inconclusive: the server could not be reached, or revocation could not be checked
  4  internal error of mxray, or the output could not be written
`;

/** A file as given: size checked before reading (a certificate file is a few KiB), then read whole. */
function readInput(name: string, role: CertFileInput['role']): CertFileInput {
  try {
    const stat = statSync(name);
    if (!stat.isFile()) throw new UsageError(`${name} is not a regular file`, { helpful: false });
    if (stat.size > MAX_CERT_FILE_BYTES) throw new CertFileError('too-large', `${name} is ${stat.size} bytes, more than the ${MAX_CERT_FILE_BYTES / 1024 / 1024} MiB a certificate file can be`);
    return { name, role, bytes: readFileSync(name) };
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`cannot read ${name}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { helpful: false });
  }
}

/** Whether an argument names a file (rather than a host or domain): it exists, or looks like a path or a certificate file's name. */
function isFileArgument(arg: string): boolean {
  try {
    statSync(arg);
    return true;
  } catch {
    return /[/\\]/.test(arg) || /\.(pem|crt|cer|der|p7b|p7c|pfx|p12|key)$/i.test(arg);
  }
}

export function configure(cmd: Command): Run {
  cmd
    .argument('<target...>', 'certificate file(s) (PEM, DER, .p7b, .pfx/.p12) | host[:port] | domain')
    .option('--name <fqdn>', 'a name the certificate must cover (connector FQDN, MX name, domain); repeatable', collect, [])
    .option('--chain <file>', 'intermediate certificates to add; repeatable', collect, [])
    .option('--key <file>', 'check that this private key belongs to the certificate')
    .option('--password-env <name>', 'read the PFX / key password from this environment variable (else asked on a terminal)')
    .option('--tlsa <record>', 'a TLSA record ("3 1 1 <hex>") the certificate should match; repeatable', collect, [])
    .option('--at <date>', 'judge at this moment (ISO date, e.g. 2026-03-01)')
    .option('--ca-file <file>', 'also trust the CA certificates in this PEM file; repeatable', collect, [])
    .option('--expect-thumbprint <hex>', 'the SHA-1 or SHA-256 thumbprint the certificate should have')
    .option('--warn-days <days>', 'warn when a certificate expires within this many days', positiveInt('--warn-days', 3650), 30)
    .option('--no-revocation', 'skip CRL and OCSP lookups')
    .addOption(new Option('--profile <sender>', 'answer for this kind of sender only (exit 1 when it does not accept); repeatable').choices([...ACCEPTANCE_PROFILE_IDS]).argParser(collect).default([]))
    .option('--port <port>', 'with a host: port (default 25; 465 implies --tls-on-connect)', positiveInt('--port', 65535))
    .option('--tls-on-connect', 'with a host: implicit TLS')
    .option('-4, --ipv4', 'with a host: IPv4 addresses only')
    .option('-6, --ipv6', 'with a host: IPv6 addresses only')
    .option('--helo <name>', "with a host: name to send in EHLO (default: this machine's FQDN)")
    .option('--resolver <ip[:port]>', 'send every DNS query to this server')
    .option('--connect <host=ip[:port]>', 'connect to this address (and port) for this host name; repeatable', collect, [])
    .option('--trust-ad', 'believe the DNSSEC status (AD bit) the resolver gives even when it is not on this machine (DANE)');
  addReportOptions(cmd, { timeout: 'time-out for each connection phase and each HTTP fetch (AIA, CRL, OCSP)' });
  cmd.addHelpText('after', CERT_HELP);
  return async (targets: string[], o: CertOpts) => {
    const format = formatOf(o);
    if (o.ipv4 && o.ipv6) throw new UsageError('-4 and -6 exclude each other');
    const fileMode = targets.some(isFileArgument);
    if (!fileMode && targets.length > 1) throw new UsageError('give one host or domain (or certificate files)');
    if (fileMode && (o.port !== undefined || o.tlsOnConnect || o.connect.length || o.helo)) throw new UsageError('--port, --tls-on-connect, --connect and --helo are for a host, not for files');
    const at = o.at === undefined ? null : parseAt(o.at);
    let password: string | null = null;
    if (o.passwordEnv !== undefined) {
      const value = process.env[o.passwordEnv];
      if (value === undefined) throw new UsageError(`--password-env ${o.passwordEnv}: no such environment variable`, { helpful: false });
      password = value;
    }
    const files: CertFileInput[] = fileMode
      ? [
          ...targets.map((t) => readInput(t, 'certificate')),
          ...o.chain.map((t) => readInput(t, 'chain')),
          ...(o.key ? [readInput(o.key, 'key')] : []),
        ]
      : [];
    const edges = systemEdges({ resolver: o.resolver ?? null, extraCaPems: readCaFiles(o.caFile), extraCaNames: o.caFile, trustAd: o.trustAd === true, ...(o.timeout ? { dnsTimeoutMs: o.timeout } : {}) });
    const progress = format === 'text' && !o.output && process.stderr.isTTY ? terminalProgress(process.stderr) : silentProgress;
    const run = (pw: string | null): Promise<CertificateReport> =>
      runCertificateCheck({
        ...(fileMode ? { files } : { target: targets[0] as string }),
        password: pw,
        names: o.name,
        tlsa: o.tlsa,
        expectThumbprint: o.expectThumbprint ?? null,
        at,
        warnDays: o.warnDays,
        revocation: o.revocation,
        ...(o.timeout ? { fetchTimeoutMs: o.timeout } : {}),
        probe: {
          port: o.port ?? null,
          ...(o.tlsOnConnect ? { tlsOnConnect: true } : {}),
          helo: o.helo ?? edges.helo,
          hostMap: parseConnect(o.connect),
          families: { v4: !o.ipv6, v6: !o.ipv4 },
          ...(o.timeout ? { limits: { connectTimeoutMs: o.timeout, greetingTimeoutMs: o.timeout, commandTimeoutMs: o.timeout, tlsTimeoutMs: o.timeout } } : {}),
        },
        clock: edges.clock,
        trustStore: edges.trustStore,
        fetcher: edges.fetcher,
        senders: o.profile,
        onProgress: (key, phase) => progress.update(key, phase),
      }, () => edges);
    let report: CertificateReport;
    try {
      try {
        report = await run(password);
      } catch (err) {
        // A PFX or key that needs a password: asked on a terminal (never taken from the command line).
        if (!(err instanceof CertFileError && err.problem === 'password-needed') || password !== null || !process.stdin.isTTY) throw err;
        progress.done();
        report = await run(await promptPassword('Password for the certificate file: '));
      }
    } finally {
      progress.done();
    }
    await emit(await renderReport(report, o), o);
    return { kind: 'report', report };
  };
}
