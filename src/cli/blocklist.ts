// `mxray blocklist <ip|domain>`: is this address (or each MX address of this domain) on a DNS block
// list? Each list's answer explained: a listing with the list's reason, a refusal (Spamhaus's
// 127.255.255.254 to a public resolver) as "could not tell", never as a listing.
import type { Command } from 'commander';
import type { BlocklistReport } from '../core/schema.js';
import { checkBlocklist } from '../library.js';
import { DEFAULT_DNSBL_ZONES } from '../kb/dnsbl-zones.js';
import { normalizeZone } from '../jobs/blocklist/lookup-dnsbl.js';
import { systemEdges } from '../runtime/edges.js';
import type { Run } from './commands.js';
import { addReportOptions, collect, type ReportOptions } from './options.js';
import { emit, formatOf, renderReport } from './output.js';
import { silentProgress, terminalProgress } from './progress.js';

interface BlocklistOpts extends ReportOptions {
  dnsbl: string[];
  dnsblDefault?: boolean;
  resolver?: string;
}

const BLOCKLIST_HELP = `
Examples:
  mxray blocklist 192.0.2.25                     this address, on the default lists
  mxray blocklist example.com                    every address of example.com's MX hosts
  mxray blocklist 192.0.2.25 --resolver 192.0.2.53   through your own recursive resolver
  mxray blocklist 192.0.2.25 --dnsbl bl.example.net --dnsbl-default   one more list with the defaults

Default lists: ${DEFAULT_DNSBL_ZONES.join(', ')}.
Spamhaus refuses queries that come through public resolvers (8.8.8.8, 1.1.1.1, Quad9 …): it answers
127.255.255.254, which mxray reports as "refused", never as "listed". Ask through your own
recursive resolver (--resolver) for answers Spamhaus stands behind.

Exit codes:
  0  listed on none of the lists that answered
  1  listed on at least one list
  2  usage error (a bad option, target or zone)
  3  inconclusive: a list refused or did not answer, or the domain has no address to look up
  4  internal error of mxray, or the output could not be written
`;

export function configure(cmd: Command): Run {
  cmd
    .argument('<target>', 'an IPv4 or IPv6 address, or a mail domain (its MX addresses are looked up)')
    .option('--dnsbl <zone>', 'ask this block list (its DNS zone); repeatable; replaces the default lists unless --dnsbl-default is given too', collect, [])
    .option('--dnsbl-default', `ask the default lists (${DEFAULT_DNSBL_ZONES.length}; the default when no --dnsbl is given)`)
    .option('--resolver <ip[:port]>', 'send every DNS query to this server (your own recursive resolver: Spamhaus refuses public ones)');
  addReportOptions(cmd, { timeout: 'time-out for each DNS query, in seconds (default 5, tried twice)' });
  cmd.addHelpText('after', BLOCKLIST_HELP);
  return async (target: string, o: BlocklistOpts) => {
    const format = formatOf(o);
    // Zones are checked before any query: a bad one is a usage error (exit 2).
    const given = o.dnsbl.map(normalizeZone);
    const zones = [...new Set([...(o.dnsblDefault || given.length === 0 ? DEFAULT_DNSBL_ZONES : []), ...given])];
    const edges = systemEdges({ resolver: o.resolver ?? null, ...(o.timeout ? { dnsTimeoutMs: o.timeout } : {}) });
    const progress = format === 'text' && !o.output && process.stderr.isTTY ? terminalProgress(process.stderr) : silentProgress;
    let report: BlocklistReport;
    try {
      report = await checkBlocklist({ target, zones, onProgress: (key, phase) => progress.update(key, phase) }, () => edges);
    } finally {
      progress.done();
    }
    await emit(await renderReport(report, o), o);
    return { kind: 'report', report };
  };
}
