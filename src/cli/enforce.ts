// `mxray enforce <target>`: does each MX address refuse mail without TLS? Per address a cleartext
// session (EHLO, MAIL FROM, RCPT TO, with --through-data DATA dropped at its 354) and a control
// session with STARTTLS and the same envelope; nothing is ever delivered, no credential ever sent.
import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import type { EnforceReport } from '../core/schema.js';
import { DEFAULT_MAX_MX } from '../jobs/receiver/check-receiver.js';
import { checkEnforce } from '../library.js';
import { systemEdges } from '../runtime/edges.js';
import type { Run } from './commands.js';
import { parseConnect } from './connect.js';
import { addReportOptions, collect, positiveInt, seconds, type ReportOptions, timeLimits } from './options.js';
import { emit, formatOf, renderReport } from './output.js';
import { silentProgress, terminalProgress } from './progress.js';

interface EnforceOpts extends ReportOptions {
  host?: string;
  port?: number;
  ipv4?: boolean;
  ipv6?: boolean;
  helo?: string;
  from?: string;
  rcpt?: string;
  throughData?: boolean;
  resolver?: string;
  connect: string[];
  maxMx: number;
  greetingTimeout?: number;
  deadline?: number;
}

const ENFORCE_HELP = `
Examples:
  mxray enforce example.com                          every MX address: is mail without TLS refused?
  mxray enforce example.com --from a@partner.example the envelope a partner's server would use
  mxray enforce 192.0.2.25 --rcpt postmaster@example.com   one server by address (--rcpt is needed)
  mxray enforce example.com --through-data           go up to DATA (dropped at its 354: nothing delivered)

Nothing is ever delivered: the session ends with RSET and QUIT after RCPT TO, or, with
--through-data, the connection is dropped after the 354 to DATA, without the final dot. A check
made only at the end of DATA (Exim acl_smtp_data, Postfix smtpd_end_of_data_restrictions) cannot
be seen. When AUTH is offered before TLS, AUTH LOGIN is sent and cancelled with "*" at the first
challenge: no user name or password is ever sent.

Exit codes:
  0  every address refuses mail without TLS (and accepts it with TLS)
  1  an address does not refuse mail without TLS up to the stage tested
  2  usage error (a bad option or target)
  3  inconclusive: a refusal that comes with TLS too, or a server that could not be tested
  4  internal error of mxray, or the output could not be written
`;

export function configure(cmd: Command): Run {
  cmd
    .argument('[target]', 'domain | user@domain | host:port | IPv4 | [IPv6] | [IPv6]:port')
    .option('--host <name>', 'test this server directly (the target, if given, still names the mail domain)')
    .option('--port <port>', 'port (default 25)', positiveInt('--port', 65535))
    .option('-4, --ipv4', 'IPv4 addresses only')
    .option('-6, --ipv6', 'IPv6 addresses only')
    .option('--max-mx <n>', 'test at most this many MX hosts, in preference order', positiveInt('--max-mx', 1000), DEFAULT_MAX_MX)
    .option('--helo <name>', "name to send in EHLO (default: this machine's FQDN)")
    .option('--from <address>', 'MAIL FROM of both sessions (default: mxray-test@<the EHLO name>)')
    .option('--rcpt <address>', 'RCPT TO of both sessions (default: the target if user@domain, else postmaster@<domain>; needed for a server or IP target)')
    .option('--through-data', 'also send DATA and drop the connection at its 354, before any message data (nothing is delivered)')
    .option('--resolver <ip[:port]>', 'send every DNS query to this server')
    .option('--connect <host=ip[:port]>', 'connect to this address (and port) for this host name; repeatable', collect, [])
    .option('--greeting-timeout <seconds>', 'how long to wait for the banner (default 30, or --timeout)', seconds('--greeting-timeout'))
    .option('--deadline <seconds>', 'the most the whole test may take (default: 120 s for each address)', seconds('--deadline'));
  addReportOptions(cmd, { timeout: 'time-out for every phase: each DNS query, connect, greeting, command and handshake' });
  cmd.addHelpText('after', ENFORCE_HELP);
  return async (target: string | undefined, o: EnforceOpts) => {
    const format = formatOf(o);
    if (!target && !o.host) throw new UsageError('say what to test: mxray enforce <domain | user@domain | host:port | IP>');
    if (o.ipv4 && o.ipv6) throw new UsageError('-4 and -6 exclude each other');
    const hostMap = parseConnect(o.connect);
    const edges = systemEdges({ resolver: o.resolver ?? null, ...(o.timeout ? { dnsTimeoutMs: o.timeout } : {}) });
    const progress = format === 'text' && !o.output && process.stderr.isTTY ? terminalProgress(process.stderr) : silentProgress;
    let report: EnforceReport;
    try {
      report = await checkEnforce(
        {
          target: target ?? null,
          host: o.host ?? null,
          port: o.port ?? null,
          helo: o.helo ?? edges.helo,
          from: o.from ?? null,
          rcpt: o.rcpt ?? null,
          throughData: o.throughData ?? false,
          maxMx: o.maxMx,
          families: { v4: !o.ipv6, v6: !o.ipv4 },
          limits: timeLimits(o),
          hostMap,
          onProgress: (key, phase) => progress.update(key, phase),
        },
        () => edges,
      );
    } finally {
      progress.done();
    }
    await emit(await renderReport(report, o), o);
    return { kind: 'report', report };
  };
}
