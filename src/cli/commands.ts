// The command table: every `mxray` command, once. `mxray --help` lists it from here without loading
// any command module; only the command actually invoked is imported (bin/mxray.cjs answers
// --version before even this file is read). scripts/bundle.js makes each `load` its own chunk.
//
// Adding a command: write src/cli/<name>.ts exporting `configure(cmd)` (arguments, options — with
// addReportOptions() from options.ts if it produces a report — and the function that runs it,
// returning an Outcome from exit-codes.ts), then add one row below. test/unit/cli/ checks that the
// row's `usage` matches what configure() declares.
import type { Command } from 'commander';
import type { Outcome } from './exit-codes.js';

/** Runs the command with commander's action arguments: the declared arguments, then the options. */
export type Run = (...args: never[]) => Promise<Outcome>;

export interface CommandModule {
  /** Adds the command's arguments and options to `cmd` (named and described by the table); returns what runs it. */
  configure(cmd: Command): Run;
}

export interface CommandEntry {
  name: string;
  description: string;
  /** What follows the name in `mxray --help` (commander's usage of the loaded command). */
  usage: string;
  /** False for a command that writes no report (a server): it takes none of the report options. */
  report?: false;
  load(): Promise<CommandModule>;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'check',
    description: 'receiver test: does mail to this domain (or server) get TLS, and if not, why?',
    usage: '[options] [target]',
    load: () => import('./check.js'),
  },
  {
    name: 'cert',
    description: 'a certificate as senders judge it: a file (PEM, DER, PKCS#7, PFX) or what a server presents; chain, revocation, names, who accepts it',
    usage: '[options] <target...>',
    load: () => import('./cert.js'),
  },
  {
    name: 'enforce',
    description: 'does this server refuse mail without TLS? a cleartext session and a control session with STARTTLS per MX address; nothing is delivered',
    usage: '[options] [target]',
    load: () => import('./enforce.js'),
  },
  {
    name: 'send',
    description: 'send one real test message (or many) in a chosen TLS mode, with AUTH or a client certificate: delivered, refused at which stage, or not sent and why',
    usage: '[options] [target]',
    load: () => import('./send.js'),
  },
  {
    name: 'posture',
    description: 'the policies that decide whether TLS is enforced: MTA-STS (record, policy, the MX hosts it covers), TLS-RPT, block lists; no TLS probe',
    usage: '[options] <domain>',
    load: () => import('./posture.js'),
  },
  {
    name: 'tlsrpt',
    description: 'read TLS-RPT aggregate reports (JSON, .gz, folders, mailboxes): failures per policy, MX and result type, what each means and who fixes it',
    usage: '[options] <input...>',
    load: () => import('./tlsrpt.js'),
  },
  {
    name: 'blocklist',
    description: 'is this address (or the MX addresses of this domain) on a DNS block list? each list\'s answer explained',
    usage: '[options] <target>',
    load: () => import('./blocklist.js'),
  },
  {
    name: 'explain',
    description: 'what a mail error, NDR or log line means, whose side must act, the likely causes, the command that confirms them and the fix',
    usage: '[options] [text...]',
    load: () => import('./explain.js'),
  },
  {
    name: 'headers',
    description: 'read a delivered message\'s header: every hop with its TLS and delay, where your own hops end, and whether a hop went in clear text',
    usage: '[options] [input...]',
    load: () => import('./headers.js'),
  },
  {
    name: 'logs',
    description: 'read Postfix, Exim, Sendmail and Exchange logs: did each SMTP session use TLS, which failed and why, per remote domain and host',
    usage: '[options] [input...]',
    load: () => import('./logs.js'),
  },
  {
    name: 'pcap',
    description: 'read a packet capture (pcap, pcapng): did each SMTP connection really use TLS, what went in clear text, which handshakes failed and were retried in clear',
    usage: '[options] <file>',
    load: () => import('./pcap.js'),
  },
  {
    name: 'sender-test',
    description: 'sender test: how does *your* server send? run a test receiver, get a passcode, send a mail to it, read how your server used TLS',
    usage: '[options] <action> [passcode]',
    load: () => import('./sender-test.js'),
  },
  {
    name: 'serve',
    description: 'the web UI and its API: every job in a browser, for a team, with History (permalinks, re-run, compare)',
    usage: '[options]',
    report: false,
    load: () => import('./serve.js'),
  },
  {
    name: 'demo',
    description: 'run the receiver test against a built-in lab of local servers with every classic TLS failure (no network needed)',
    usage: '[options]',
    load: () => import('./demo.js'),
  },
  {
    name: 'report',
    description: 'render a saved report again, or re-judge it with other CA files or on another date',
    usage: '[options] <file>',
    load: () => import('./report.js'),
  },
];
