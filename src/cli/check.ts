import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import type { ReceiverReport } from '../core/schema.js';
import { checkReceiver } from '../library.js';
import { DEFAULT_MAX_MX } from '../jobs/receiver/check-receiver.js';
import { systemEdges } from '../runtime/edges.js';
import type { Run } from './commands.js';
import { addReportOptions, collect, positiveInt, seconds, type ReportOptions, timeLimits } from './options.js';
import { emit, formatOf, renderReport } from './output.js';
import { silentProgress, terminalProgress } from './progress.js';
import { readCaFiles } from './ca-files.js';
import { fileMemory } from './store.js';

import { parseConnect } from './connect.js';

export { parseConnect };

interface CheckOpts extends ReportOptions {
  host?: string;
  port?: number;
  tlsOnConnect?: boolean;
  ipv4?: boolean;
  ipv6?: boolean;
  first?: boolean;
  helo?: string;
  from?: string;
  rcpt?: string;
  resolver?: string;
  connect: string[];
  caFile: string[];
  warnDays: number;
  expectThumbprint?: string;
  quick?: boolean;
  revocation: boolean;
  greetingTimeout?: number;
  maxMx: number;
  deadline?: number;
  posture: boolean;
  trustAd?: boolean;
  store: boolean;
  dnsbl?: boolean;
  dnsblZone: string[];
  sourceIp?: string;
}

const CHECK_HELP = `
Examples:
  mxray check example.com                   every MX host of example.com, as senders reach them
  mxray check --host mx1.example.com        one server (the MX lookup is skipped)
  mxray check mx1.example.com:587           a submission port; :465 means implicit TLS
  mxray check example.com --details         add banner, extensions, chain and thumbprints
  mxray check example.com --explain         what senders do, and every step of every fix
  mxray check example.com --format html -o report.html
  mxray check example.com --dnsbl           also: is the address we send from on a block list?

Exit codes:
  0  pass or warn: mail to the domain is protected (warnings say what to improve);
     also a domain that accepts no mail (null MX)
  1  fail: a problem senders meet (no TLS, a certificate verifying senders refuse …)
  2  usage error (a bad option or target)
  3  inconclusive: could not test (port 25 blocked here, DNS failing, rate limited)
  4  internal error of mxray, or the output could not be written
`;

export function configure(cmd: Command): Run {
  cmd
    .argument('[target]', 'domain | user@domain | host:port | IPv4 | [IPv6] | [IPv6]:port')
    .option('--host <name>', 'test this server directly (the target, if given, still names the mail domain)')
    .option('--port <port>', 'port (default 25; 465 implies --tls-on-connect)', positiveInt('--port', 65535))
    .option('--tls-on-connect', 'implicit TLS: handshake right after connecting (default for port 465)')
    .option('-4, --ipv4', 'IPv4 addresses only')
    .option('-6, --ipv6', 'IPv6 addresses only')
    .option('--first', 'only the primary MX host')
    .option('--max-mx <n>', 'probe at most this many MX hosts, in preference order; the others are listed as not probed', positiveInt('--max-mx', 1000), DEFAULT_MAX_MX)
    .option('--helo <name>', "name to send in EHLO (default: this machine's FQDN)")
    .option('--from <address>', 'test MAIL FROM with this address (no DATA is ever sent)')
    .option('--rcpt <address>', 'test RCPT TO with this address (also used for the cleartext test)')
    .option('--resolver <ip[:port]>', 'send every DNS query to this server')
    .option('--connect <host=ip[:port]>', 'connect to this address (and port) for this host name; repeatable', collect, [])
    .option('--ca-file <file>', 'also trust the CA certificates in this PEM file; repeatable', collect, [])
    .option('--warn-days <days>', 'warn when the certificate expires within this many days', positiveInt('--warn-days', 3650), 30)
    .option('--expect-thumbprint <hex>', 'the SHA-1 or SHA-256 thumbprint the server should present')
    .option('--quick', 'skip the extra handshake without SNI and the cleartext session')
    .option('--no-revocation', 'skip the CRL and OCSP lookups of the certificates (missing intermediates are still fetched)')
    .option('--greeting-timeout <seconds>', 'how long to wait for the banner (default 30, or --timeout)', seconds('--greeting-timeout'))
    .option('--deadline <seconds>', 'the most the whole check may take; what is still running then is stopped (default: 120 s for each address)', seconds('--deadline'))
    .option('--no-posture', 'skip the MTA-STS, TLS-RPT and DANE lookups (and their effect on the verdict)')
    .option('--trust-ad', 'believe the DNSSEC status (AD bit) the resolver gives even when it is not on this machine (DANE)')
    .option('--dnsbl', 'ask the default block lists about the address we send from (the one a server echoes in EHLO, or --source-ip): a listed sender is often refused STARTTLS')
    .option('--dnsbl-zone <zone>', 'ask this block list instead of the defaults (implies --dnsbl); repeatable', collect, [])
    .option('--source-ip <ip>', 'the public address mail leaves from, for --dnsbl (behind NAT only you know it)')
    .option('--no-store', 'neither read nor keep the MTA-STS policies seen (kept to notice a policy changed under the same id; see mxray posture --help)');
  addReportOptions(cmd, { timeout: 'time-out for every phase: each DNS query, connect, greeting, command and handshake (default 10/30/15, greeting 30)' });
  cmd.addHelpText('after', CHECK_HELP);
  return async (target: string | undefined, o: CheckOpts) => {
    const format = formatOf(o);
    if (!target && !o.host) throw new UsageError('say what to test: mxray check <domain | user@domain | host:port | IP>');
    if (o.ipv4 && o.ipv6) throw new UsageError('-4 and -6 exclude each other');
    const hostMap = parseConnect(o.connect);
    const edges = systemEdges({ resolver: o.resolver ?? null, hostMap, extraCaPems: readCaFiles(o.caFile), extraCaNames: o.caFile, trustAd: o.trustAd === true, ...(o.timeout ? { dnsTimeoutMs: o.timeout } : {}) });
    const progress = format === 'text' && !o.output && process.stderr.isTTY ? terminalProgress(process.stderr) : silentProgress;
    let report: ReceiverReport;
    try {
      report = await checkReceiver({
        target: target ?? null,
        host: o.host ?? null,
        port: o.port ?? null,
        ...(o.tlsOnConnect ? { tlsOnConnect: true } : {}),
        helo: o.helo ?? edges.helo,
        from: o.from ?? null,
        rcpt: o.rcpt ?? null,
        first: o.first ?? false,
        maxMx: o.maxMx,
        families: { v4: !o.ipv6, v6: !o.ipv4 },
        warnDays: o.warnDays,
        expectThumbprint: o.expectThumbprint ?? null,
        extras: !o.quick,
        limits: timeLimits(o),
        hostMap,
        clock: edges.clock,
        resolver: edges.resolver,
        connector: edges.connector,
        trustStore: edges.trustStore,
        fetcher: edges.fetcher,
        revocation: o.revocation,
        ...(o.timeout ? { fetchTimeoutMs: o.timeout } : {}),
        scheduler: edges.scheduler,
        posture: o.posture,
        dnssec: edges.dnssec,
        dnsbl: o.dnsbl || o.dnsblZone.length > 0 || o.sourceIp ? { zones: o.dnsblZone, sourceIp: o.sourceIp ?? null } : null,
        memory: o.store ? fileMemory() : null,
        onProgress: (key, phase) => progress.update(key, phase),
      });
    } finally {
      progress.done();
    }
    await emit(await renderReport(report, o), o);
    return { kind: 'report', report };
  };
}
