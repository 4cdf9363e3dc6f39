// `mxray explain "<text>"`: what a mail error, NDR line or log line means, whose side must act, the
// likely causes in order, the command that tells them apart (naming the host or domain the text
// names) and the fix per platform. Many lines at once: `-` reads standard input, --file a file.
import { closeSync, openSync, readSync } from 'node:fs';
import type { Command } from 'commander';
import { UsageError } from '../core/errors.js';
import { systemClock } from '../core/clock.js';
import { MAX_EXPLAIN_BYTES, runExplain, type ExplainInput } from '../jobs/explain/run-explain.js';
import type { Run } from './commands.js';
import { addReportOptions, collect, type ReportOptions } from './options.js';
import { emit, renderReport } from './output.js';

interface ExplainOpts extends ReportOptions {
  file: string[];
}

const EXPLAIN_HELP = `
Examples:
  mxray explain '451 4.4.0 Primary target IP address responded with: "451 5.7.3 STARTTLS is required to send mail."'
  mxray explain 'warning: TLS is required, but was not offered by host mx.example.com[192.0.2.25]'
  grep -i tls /var/log/mail.log | mxray explain -      every line with a code or a known error
  mxray explain --file last-error.txt
  mxray explain --file bounce.eml                  a bounce (NDR, DSN) recipient by recipient

What it reads: SMTP replies and enhanced status codes (every code of the registry, also wrapped
inside another server's words as Exchange does), the error texts of Exchange and Exchange Online,
Postfix, Exim, Sendmail, OpenSMTPD, Gmail, swaks and openssl s_client, and the reasons they quote
from OpenSSL, GnuTLS, Node, Go, Java, .NET and Python; whole bounce messages (RFC 3464
delivery-status, Exchange NDRs, Postfix and Exim bounces), each recipient's diagnostic explained.
A text no rule knows is said to be so, with its codes decoded.

Exit codes:
  0  recognised: the explanation is the answer
  2  usage error (no text, an unreadable file)
  3  no rule recognises the text (its codes are still decoded)
  4  internal error of mxray, or the output could not be written
`;

/** Standard input, whole, bounded. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > MAX_EXPLAIN_BYTES) throw new UsageError(`standard input holds more than ${MAX_EXPLAIN_BYTES / 1024 / 1024} MiB: give a smaller part`, { helpful: false });
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A file, whole, bounded: read in chunks up to the limit, so that a pipe, a device or a file that
 * grows (whose size stat cannot tell) is refused at the limit instead of filling memory.
 */
function readFile(name: string): string {
  const fail = (err: unknown): never => {
    throw new UsageError(`cannot read ${name}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, { helpful: false });
  };
  let fd: number;
  try {
    fd = openSync(name, 'r');
  } catch (err) {
    return fail(err);
  }
  try {
    const chunks: Buffer[] = [];
    let size = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(1024 * 1024);
      let n: number;
      try {
        n = readSync(fd, chunk, 0, chunk.length, null);
      } catch (err) {
        return fail(err);
      }
      if (n === 0) break;
      size += n;
      if (size > MAX_EXPLAIN_BYTES) throw new UsageError(`${name} is larger than ${MAX_EXPLAIN_BYTES / 1024 / 1024} MiB: give a smaller part`, { helpful: false });
      chunks.push(chunk.subarray(0, n));
    }
    return Buffer.concat(chunks, size).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

export function configure(cmd: Command): Run {
  cmd
    .argument('[text...]', 'the error text (quote it), or - for standard input')
    .option('--file <file>', 'read the text from this file; repeatable', collect, []);
  addReportOptions(cmd, { timeout: false });
  cmd.addHelpText('after', EXPLAIN_HELP);
  return async (words: string[], o: ExplainOpts) => {
    if (words.length > 0 && o.file.length > 0) throw new UsageError('give the text or --file, not both');
    let input: ExplainInput;
    if (o.file.length > 0) {
      const parts = o.file.map((name) => ({ name, text: readFile(name) }));
      const total = parts.reduce((n, p) => n + Buffer.byteLength(p.text), 0);
      if (total > MAX_EXPLAIN_BYTES) throw new UsageError(`the files hold more than ${MAX_EXPLAIN_BYTES / 1024 / 1024} MiB together: give fewer at once`, { helpful: false });
      input = { source: 'file', parts };
    } else if (words.length === 1 && words[0] === '-') input = { source: 'stdin', parts: [{ name: null, text: await readStdin() }] };
    else if (words.length > 0) input = { source: 'argument', parts: [{ name: null, text: words.join(' ') }] };
    else throw new UsageError('say what to explain: mxray explain "<error text>", - for standard input, or --file FILE');
    const report = await runExplain({ input, clock: systemClock });
    await emit(await renderReport(report, o), o);
    return { kind: 'report', report };
  };
}
