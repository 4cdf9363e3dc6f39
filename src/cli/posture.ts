// `mxray posture <domain>`: MTA-STS, TLS-RPT, DANE's TLSA records and the block lists of the MX addresses, without
// probing any server's TLS (`mxray check` looks up MTA-STS and TLS-RPT too, beside its probes).
import type { Command } from 'commander';
import type { PostureReport } from '../core/schema.js';
import { DEFAULT_MAX_MX } from '../jobs/receiver/check-receiver.js';
import { checkPosture } from '../library.js';
import { systemEdges } from '../runtime/edges.js';
import { readCaFiles } from './ca-files.js';
import { parseConnect } from './connect.js';
import type { Run } from './commands.js';
import { addReportOptions, collect, positiveInt, type ReportOptions } from './options.js';
import { emit, formatOf, renderReport } from './output.js';
import { silentProgress, terminalProgress } from './progress.js';
import { fileMemory } from './store.js';
import { DEFAULT_DNSBL_ZONES } from '../kb/dnsbl-zones.js';

interface PostureOpts extends ReportOptions {
  resolver?: string;
  connect: string[];
  caFile: string[];
  maxMx: number;
  store: boolean;
  dnsbl: string[];
  dnsblDefault?: boolean;
  blocklists: boolean;
  trustAd?: boolean;
}

const POSTURE_HELP = `
Examples:
  mxray posture example.com                 MTA-STS, TLS-RPT, DANE and block lists of example.com
  mxray posture example.com --details       the records and the policy file as published
  mxray posture example.com --json          the Report as JSON
  mxray posture example.com --no-blocklists MTA-STS and TLS-RPT only

What real senders do, and mxray with them: an MTA-STS policy is cached for its max_age and fetched
again only when the id in the _mta-sts TXT record changes. mxray keeps the policies it has seen
(one file per domain under $MXRAY_STATE_DIR, else $XDG_STATE_HOME/mxray, else ~/.local/state/mxray;
--no-store: none) to tell you when a policy changed but its id did not. Deleting the TXT record does
not withdraw a cached policy: publish "mode: none" with a new id, and keep it for the old max_age.

Exit codes:
  0  pass or warn: the policies are valid (warnings say what to improve)
  1  fail: a policy that senders cannot use, an MX host the policy does not cover, TLSA records that
     fail DNSSEC or cannot be looked up, an address listed
  2  usage error (a bad option or target)
  3  inconclusive: a lookup got no answer
  4  internal error of mxray, or the output could not be written
`;

export function configure(cmd: Command): Run {
  cmd
    .argument('<domain>', 'mail domain (or user@domain)')
    .option('--resolver <ip[:port]>', 'send every DNS query to this server')
    .option('--connect <host=ip[:port]>', 'connect to this address (and port) for this host name, e.g. the policy host mta-sts.<domain>; repeatable', collect, [])
    .option('--ca-file <file>', 'also trust the CA certificates in this PEM file for the policy host; repeatable', collect, [])
    .option('--max-mx <n>', 'look at most at this many MX hosts, in preference order', positiveInt('--max-mx', 1000), DEFAULT_MAX_MX)
    .option('--dnsbl <zone>', 'ask this block list about the MX addresses; repeatable; replaces the default lists unless --dnsbl-default is given too', collect, [])
    .option('--dnsbl-default', 'ask the default lists too (the default when no --dnsbl is given)')
    .option('--no-blocklists', 'ask no block list')
    .option('--no-store', 'neither read nor keep the MTA-STS policies seen')
    .option('--trust-ad', 'believe the DNSSEC status (AD bit) the resolver gives even when it is not on this machine (DANE)');
  addReportOptions(cmd, { timeout: 'time-out for each DNS query and for the policy fetch (default 5 s and 15 s)' });
  cmd.addHelpText('after', POSTURE_HELP);
  return async (domain: string, o: PostureOpts) => {
    const format = formatOf(o);
    const edges = systemEdges({ resolver: o.resolver ?? null, hostMap: parseConnect(o.connect), extraCaPems: readCaFiles(o.caFile), extraCaNames: o.caFile, trustAd: o.trustAd === true, ...(o.timeout ? { dnsTimeoutMs: o.timeout } : {}) });
    const progress = format === 'text' && !o.output && process.stderr.isTTY ? terminalProgress(process.stderr) : silentProgress;
    let report: PostureReport;
    try {
      report = await checkPosture(
        {
          target: domain,
          maxMx: o.maxMx,
          memory: o.store ? fileMemory() : null,
          dnsbl: o.blocklists ? [...(o.dnsblDefault || o.dnsbl.length === 0 ? DEFAULT_DNSBL_ZONES : []), ...o.dnsbl] : false,
          ...(o.timeout ? { fetchTimeoutMs: o.timeout } : {}),
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
