// `mxray logs [FILE…|-]`: what an MTA's own logs say about TLS on every session — Postfix, Exim,
// Sendmail, Exchange 2003 (IIS SMTP) and Exchange 2007+ (protocol and tracking logs), plain or
// gzip, each detected from its first lines — summed per remote domain and host. Streamed: a log of
// any size is read in 256 KiB chunks (memory stays bounded; bench/logs.js measures it; the parsers copy
// what they keep, so no session holds a chunk).
import { createReadStream, statSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Command } from 'commander';
import { systemClock } from '../core/clock.js';
import { UsageError } from '../core/errors.js';
import { parseMomentText, parseUtcOffset } from '../core/time-text.js';
import { LOG_FORMATS, type LogFormat } from '../core/logs-schema.js';
import { safe } from '../render/style.js';
import { runLogs, type LogsInputSource } from '../jobs/logs/run-logs.js';
import type { Run } from './commands.js';
import { addReportOptions, collect, type ReportOptions } from './options.js';
import { emit, formatOf, renderReport } from './output.js';
import { silentProgress, terminalProgress, type Progress } from './progress.js';

interface LogsOpts extends Omit<ReportOptions, 'format'> {
  format: string[];
  domain: string[];
  since?: string;
  until?: string;
  utcOffset?: string;
  includeLocal?: boolean;
  by: string;
}

const OUTPUT_FORMATS = ['text', 'json', 'md', 'markdown', 'html', 'csv'];

const LOGS_HELP = `
What it reads (plain or .gz, several files, or standard input; the format is detected per file):
  Postfix     /var/log/mail.log, journalctl -u postfix (smtp and smtpd lines; TLS lines at
              smtp_tls_loglevel / smtpd_tls_loglevel 1, the "disconnect from" counters always)
  Exim        /var/log/exim4/mainlog (X=, CV=, DN=, "TLS error on connection")
  Sendmail    /var/log/maillog (STARTTLS=client / STARTTLS=server lines)
  Exchange    2007 and later: the SmtpSend and SmtpReceive protocol logs (…\\TransportRoles\\Logs\\
              Hub\\ProtocolLog\\), and message tracking logs (which say nothing about TLS)
  Exchange 2003 / IIS SMTP: the W3C log (…\\system32\\LogFiles\\SMTPSVC1\\) — it shows STARTTLS and
              its 220 but never whether the handshake then worked: those sessions are "unknown"

Each session is verified, encrypted (TLS without a verified certificate), failed, failed then
clear (the mail went in clear text after TLS failed), clear, or unknown (the log cannot tell:
capture the traffic and run mxray pcap).

Examples:
  mxray logs /var/log/mail.log
  mxray logs /var/log/mail.log.*.gz --domain example.com --since 7d
  mxray logs --format exchange2003 ex261130.log        when the detection is unsure
  mxray logs mainlog --format html -o tls.html          with the TLS share per domain as a chart
  mxray logs mail.log --format csv --by host > hosts.csv
  journalctl -u postfix --since today -o short-iso | mxray logs -

--format takes a log format (auto, ${LOG_FORMATS.join(', ')}) and/or an output format (text, json,
md, html, csv); give it twice for both.

Exit codes:
  0  every session whose log tells used TLS (warnings such as unverified certificates or TLS 1.0 allowed)
  1  a session went in clear text, TLS failed, or mail fell back to clear text after a TLS failure
  2  usage error (a file that does not exist, a bad --since)
  3  cannot tell: no session, a log that cannot show TLS (Exchange 2003, tracking logs), or not a log
  4  internal error of mxray, or the output could not be written
`;

/** The most read from one input (compressed or not): far beyond any real log, a bound on a gzip bomb. */
export const MAX_INPUT_BYTES = 64 * 1024 ** 3;

const why = (err: unknown): string => (err as NodeJS.ErrnoException).code ?? (err as Error).message;

/** "+01:00", "-0530", "Z" → minutes east of UTC. */
export function parseOffset(text: string): number {
  const minutes = parseUtcOffset(text);
  if (minutes === null) throw new UsageError(`--utc-offset ${safe(text, 40)}: give it as +01:00, -05:00 or Z`);
  return minutes;
}

/** "2026-11-30", "2026-11-30 10:00", "2026-11-30T10:00:00Z", or "7d" / "24h" / "30m" before now. */
export function parseMoment(text: string, option: string, now: number, offsetMinutes: number): number {
  const at = parseMomentText(text, now, offsetMinutes);
  if (at === null) throw new UsageError(`${option} ${safe(text, 60)}: give a date (2026-11-30), a moment (2026-11-30 10:00, with Z or +01:00 for its zone) or a span back from now (24h, 7d)`);
  return at;
}

/** Split --format values into the log format and the output format. */
export function splitFormats(values: readonly string[]): { log: LogFormat | 'auto'; output: string } {
  let log: LogFormat | 'auto' = 'auto';
  let output = 'text';
  for (const raw of values) {
    const v = raw.toLowerCase();
    if (v === 'auto' || (LOG_FORMATS as readonly string[]).includes(v)) log = v as LogFormat | 'auto';
    else if (OUTPUT_FORMATS.includes(v)) output = v;
    else throw new UsageError(`--format ${safe(raw, 40)}: a log format (auto, ${LOG_FORMATS.join(', ')}) or an output format (text, json, md, html, csv)`);
  }
  return { log, output };
}

async function* chunksOf(arg: string, size: number | null, progress: Progress): AsyncGenerator<Uint8Array> {
  const name = arg === '-' ? 'standard input' : arg;
  const raw: AsyncIterable<Buffer> = arg === '-' ? process.stdin : createReadStream(arg, { highWaterMark: 256 * 1024 });
  let read = 0;
  let shown = 0;
  const it = raw[Symbol.asyncIterator]();
  let first: IteratorResult<Buffer>;
  try {
    first = await it.next();
  } catch (err) {
    throw new UsageError(`cannot read ${safe(name, 200)}: ${why(err)}`, { helpful: false });
  }
  if (first.done) return;
  const head = first.value;
  const rest: AsyncIterable<Buffer> = {
    [Symbol.asyncIterator]: () => ({
      started: false,
      next(this: { started: boolean }) {
        if (!this.started) {
          this.started = true;
          return Promise.resolve({ done: false as const, value: head });
        }
        return it.next();
      },
    }),
  } as AsyncIterable<Buffer>;
  let source: AsyncIterable<Buffer> = rest;
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    const gunzip = createGunzip();
    (async () => {
      try {
        for await (const c of rest) if (!gunzip.write(c)) await new Promise((r) => gunzip.once('drain', r));
        gunzip.end();
      } catch (err) {
        gunzip.destroy(err as Error);
      }
    })();
    source = gunzip;
  }
  let expanded = 0;
  try {
    for await (const chunk of source) {
      expanded += chunk.length;
      if (expanded > MAX_INPUT_BYTES) throw new UsageError(`${safe(name, 200)} expands to more than ${MAX_INPUT_BYTES / 1024 ** 3} GiB: give a smaller part`, { helpful: false });
      read += chunk.length;
      if (read - shown > 8 * 1024 * 1024) {
        shown = read;
        progress.update(safe(name, 60), size && source === rest ? `${Math.round(read / 1048576)} of ${Math.round(size / 1048576)} MiB` : `${Math.round(read / 1048576)} MiB read`);
      }
      yield chunk;
    }
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`cannot read ${safe(name, 200)}: ${(err as NodeJS.ErrnoException).code === 'Z_DATA_ERROR' || (err as NodeJS.ErrnoException).code === 'Z_BUF_ERROR' ? 'the gzip stream is damaged or cut short' : why(err)}`, { helpful: false });
  }
}

function sourcesOf(args: readonly string[], progress: Progress): LogsInputSource[] {
  return args.map((arg) => {
    let size: number | null = null;
    let modified: number | undefined;
    if (arg !== '-') {
      try {
        const st = statSync(arg);
        if (st.isDirectory()) throw new UsageError(`${safe(arg, 200)} is a folder: give the log files in it (mxray logs folder/*.log)`, { helpful: false });
        size = st.isFile() ? st.size : null;
        modified = st.mtimeMs;
      } catch (err) {
        if (err instanceof UsageError) throw err;
        throw new UsageError(`cannot read ${safe(arg, 200)}: ${why(err)}`, { helpful: false });
      }
    }
    const source: LogsInputSource = { name: arg, chunks: chunksOf(arg, size, progress) };
    if (modified !== undefined) source.modified = modified;
    return source;
  });
}

export function configure(cmd: Command): Run {
  cmd
    .argument('[input...]', 'log files (plain or .gz); - or nothing for standard input')
    .option('--format <format>', 'log format (auto, exchange2003, exchange, exchange-tracking, postfix, exim, sendmail) and/or output format (text, json, md, html, csv); repeatable', collect, [])
    .option('--domain <domain>', 'only sessions with this remote domain (and its subdomains); repeatable', collect, [])
    .option('--since <when>', 'only sessions from then on: 2026-11-30, "2026-11-30 10:00", 24h, 7d')
    .option('--until <when>', 'only sessions until then')
    .option('--include-local', 'count sessions with this machine itself too (127.0.0.1, ::1: content filters, local submission)')
    .option('--utc-offset <offset>', 'the zone of time stamps that carry none (syslog, Exim): +01:00 (default: this machine’s)')
    .option('--by <what>', 'the summary table and CSV rows per remote "domain" or "host"', 'domain');
  addReportOptions(cmd, { timeout: false, format: false, details: 'add the failures explained, every remote host, the sessions with their log lines and each input' });
  cmd.addHelpText('after', LOGS_HELP);
  return async (args: string[], o: LogsOpts) => {
    const { log, output } = splitFormats(o.format);
    const outputOptions = { ...o, format: output === 'csv' ? 'text' : output };
    formatOf(outputOptions);
    if (o.by !== 'domain' && o.by !== 'host') throw new UsageError(`--by ${safe(o.by, 20)}: domain or host`);
    const given = args.length === 0 ? ['-'] : args;
    if (given.filter((a) => a === '-').length > 1) throw new UsageError('standard input (-) can be read once');
    if (args.length === 0 && process.stdin.isTTY) throw new UsageError('give a log file, or pipe one into standard input: mxray logs /var/log/mail.log');
    const now = systemClock.now();
    const offsetMinutes = o.utcOffset !== undefined ? parseOffset(o.utcOffset) : -new Date(now).getTimezoneOffset();
    const since = o.since !== undefined ? parseMoment(o.since, '--since', now, offsetMinutes) : null;
    const until = o.until !== undefined ? parseMoment(o.until, '--until', now, offsetMinutes) : null;
    if (since !== null && until !== null && since > until) throw new UsageError('--since is after --until');
    const progress = output === 'text' && !o.output && process.stderr.isTTY ? terminalProgress(process.stderr) : silentProgress;
    let report;
    try {
      report = await runLogs({ inputs: sourcesOf(given, progress), format: log, domains: o.domain, since, until, offsetMinutes, includeLocal: o.includeLocal === true, target: given.slice(0, 20).join(' '), clock: systemClock });
    } finally {
      progress.done();
    }
    if (output === 'csv' && !o.json) {
      const { logsCsv } = await import('../render/logs.js');
      await emit(logsCsv(report, o.by), outputOptions);
    } else await emit(await renderReport(report, outputOptions), outputOptions);
    return { kind: 'report', report };
  };
}
