// `mxray headers [FILE…|-]`: was a delivered message protected by TLS on every hop, and where was
// the time lost. Reads a .eml, a pasted header, an mbox or standard input, streamed message by
// message (an mbox of any size holds one message in memory at a time).
import { createReadStream, statSync } from 'node:fs';
import type { Command } from 'commander';
import { systemClock } from '../core/clock.js';
import { UsageError } from '../core/errors.js';
import { parseCidr } from '../core/ip.js';
import { safe } from '../render/style.js';
import { STREAM_MESSAGE_BYTES, streamMessages } from '../jobs/headers/mbox-stream.js';
import { runHeaders, type HeadersInput } from '../jobs/headers/run-headers.js';
import type { Run } from './commands.js';
import { addReportOptions, collect, type ReportOptions } from './options.js';
import { emit, formatOf, renderReport } from './output.js';

interface HeadersOpts extends ReportOptions {
  domain: string[];
  internal: string[];
  authservId: string[];
}

const HEADERS_HELP = `
What it reads: a whole message (.eml) or just its header — Outlook's "Properties → Internet
headers", Outlook on the web's "View message details", Gmail's "Show original" — pasted into a
file or standard input (CRLF or LF, leading blanks and a stray body are fine); several files, or
an mbox, give one row per message. A message returned inside a bounce is analysed on its own.

Examples:
  mxray headers message.eml
  pbpaste | mxray headers -                        a header copied from Outlook
  mxray headers --domain example.org *.eml         your own domain: where your hops end
  mxray headers --internal 10.0.0.0/8 --internal mailgw.example.net message.eml
  mxray headers --authserv-id mx.example.org message.eml   trust your own Authentication-Results
  mxray headers message.eml --format html -o hops.html     with the delay per hop as a chart

The receiving organisation's own hops are taken from --domain and --internal, or else from the
topmost Received line; only the border line's sending address is verified, the lines below it
are claims anyone could have written.

Exit codes:
  0  every hop between organisations used TLS (or none crossed); warnings such as an old protocol
  1  a hop between organisations went in clear text
  2  usage error (a file that does not exist or cannot be read)
  3  cannot tell: a hop between organisations records nothing about TLS, no Received line, or no
     message could be read
  4  internal error of mxray, or the output could not be written
`;

/** The most read from standard input or one file, whatever its messages. */
export const MAX_INPUT_BYTES = 4 * 1024 * 1024 * 1024;

const why = (err: unknown): string => (err as NodeJS.ErrnoException).code ?? (err as Error).message;

async function* bounded(source: AsyncIterable<Buffer | string>, name: string): AsyncGenerator<Buffer | string> {
  let size = 0;
  for await (const chunk of source) {
    size += chunk.length;
    if (size > MAX_INPUT_BYTES) throw new UsageError(`${name} holds more than ${MAX_INPUT_BYTES / 1024 / 1024 / 1024} GiB: give a smaller part`, { helpful: false });
    yield chunk;
  }
}

/** Every message of every argument, one at a time. */
async function* inputsOf(args: readonly string[]): AsyncGenerator<HeadersInput> {
  for (const arg of args) {
    const name = arg === '-' ? 'standard input' : arg;
    let source: AsyncIterable<Buffer | string>;
    if (arg === '-') source = process.stdin;
    else {
      try {
        // A pipe, /dev/stdin or a process substitution is read like a file; only a folder is refused.
        if (statSync(arg).isDirectory()) throw new UsageError(`${safe(arg, 200)} is a folder: give the message files in it (mxray headers folder/*.eml)`, { helpful: false });
      } catch (err) {
        if (err instanceof UsageError) throw err;
        throw new UsageError(`cannot read ${safe(arg, 200)}: ${why(err)}`, { helpful: false });
      }
      // 64 KiB reads: a 1 MiB chunk, cut into lines, leaves so much garbage that V8 lets the heap grow past 150 MB on a 100 MB mbox (bench/headers.js).
      source = createReadStream(arg, { highWaterMark: 64 * 1024 });
    }
    // One message is held back: the first keeps the file's own name when it is the only one, and
    // the last carries the bound the stream reached after it (more messages than are read).
    let count = 0;
    let pending: { text: string; index: number; cut: boolean } | null = null;
    const inputOf = (p: { text: string; index: number; cut: boolean }, last: boolean, more: boolean): HeadersInput => {
      const input: HeadersInput = { name: last && count === 1 ? name : `${name} message ${p.index + 1}`, text: p.text, single: true };
      // Messages after the first are of the same input: counted as messages, not as inputs.
      if (p.index > 0) input.continued = true;
      const limits: string[] = [];
      if (p.cut) limits.push(`${input.name}: longer than ${STREAM_MESSAGE_BYTES / 1024 / 1024} MiB: its first ${STREAM_MESSAGE_BYTES / 1024 / 1024} MiB read`);
      if (more) limits.push(`${name}: more than ${count} messages: the rest not read`);
      if (limits.length) input.limits = limits;
      return input;
    };
    try {
      const stream = streamMessages(bounded(source, name));
      for (;;) {
        const step = await stream.next();
        if (step.done) {
          if (pending) yield inputOf(pending, true, step.value.more);
          break;
        }
        if (pending) yield inputOf(pending, false, false);
        count++;
        pending = { text: step.value.text, index: step.value.index, cut: step.value.cut };
      }
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new UsageError(`cannot read ${safe(name, 200)}: ${why(err)}`, { helpful: false });
    }
    if (count === 0) yield { name, text: '', single: true };
  }
}

export function configure(cmd: Command): Run {
  cmd
    .argument('[input...]', 'message files (.eml, a saved header, an mbox); - or nothing for standard input')
    .option('--domain <domain>', 'your own mail domain (suffix): where your hops end; repeatable', collect, [])
    .option('--internal <name|network>', 'a host-name suffix or network (CIDR) of your own; repeatable', collect, [])
    .option('--authserv-id <id>', 'trust Authentication-Results written under this authserv-id (RFC 8601 §5); repeatable', collect, []);
  addReportOptions(cmd, { timeout: false, details: 'add every hop in full (names, TLS details and why), the authentication results and Microsoft’s fields' });
  cmd.addHelpText('after', HEADERS_HELP);
  return async (args: string[], o: HeadersOpts) => {
    formatOf(o);
    // A network that does not parse would silently become a name suffix that matches nothing.
    for (const item of o.internal) if (item.includes('/') && parseCidr(item.trim()) === null) throw new UsageError(`--internal ${safe(item, 60)} is not a network (192.0.2.0/24, 2001:db8::/32) nor a host-name suffix`);
    const given = args.length === 0 ? ['-'] : args;
    if (given.filter((a) => a === '-').length > 1) throw new UsageError('standard input (-) can be read once');
    if (args.length === 0 && process.stdin.isTTY) throw new UsageError('give a message file, or paste the header into standard input: mxray headers - (end with Ctrl-D)');
    const report = await runHeaders({ inputs: inputsOf(given), domains: o.domain, internal: o.internal, authservIds: o.authservId, target: given.map((a) => (a === '-' ? 'standard input' : a)).slice(0, 20).join(' '), clock: systemClock });
    await emit(await renderReport(report, o), o);
    return { kind: 'report', report };
  };
}
