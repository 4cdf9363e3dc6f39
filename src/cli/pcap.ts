// `mxray pcap FILE`: what a packet capture proves about TLS on each SMTP connection — the
// handshake that happened or not, a STARTTLS answered and then ignored (the mail in clear on the
// same connection), a failed handshake retried in clear — read from a pcap or pcapng file, streamed.
import { createReadStream, statSync } from 'node:fs';
import type { Command } from 'commander';
import { systemClock } from '../core/clock.js';
import { UsageError } from '../core/errors.js';
import { safe } from '../render/style.js';
import { NotACaptureError, runPcap, DEFAULT_PORTS } from '../jobs/pcap/run-pcap.js';
import type { Run } from './commands.js';
import { addReportOptions, collect, type ReportOptions } from './options.js';
import { emit, formatOf, renderReport } from './output.js';
import { silentProgress, terminalProgress } from './progress.js';

interface PcapOpts extends ReportOptions {
  port: string[];
  retryWindow?: string;
}

const PCAP_HELP = `
Capture on the mail server (whole packets, the SMTP ports; stop it with Ctrl-C so the file is complete):
  tcpdump -i any -s 0 -w smtp.pcap 'tcp port 25 or tcp port 587 or tcp port 465'
  Windows: pktmon start --capture --pkt-size 0 -f smtp.etl, then pktmon etl2pcap smtp.etl
           (or Wireshark / dumpcap, saving as pcapng)

Examples:
  mxray pcap smtp.pcap
  mxray pcap smtp.pcapng --port 2525              a relay on another port
  mxray pcap smtp.pcap --details                  every connection: hellos, certificate, dialogue
  mxray pcap smtp.pcap --format html -o smtp.html

Per connection: TLS (STARTTLS, or implicit on 465), the handshake failed (with the alert), STARTTLS
refused, not offered, offered but not used, no mail, or — what no log shows — commands in clear
text after STARTTLS was answered 220: the handshake never happened and the envelope went in clear.
A failed TLS attempt followed, within --retry-window, by a connection in clear between the same
hosts is paired: "retried in clear text". Packets are taken as captured: checksums are not checked
(offload leaves them wrong), segments larger than the MTU are normal.

Exit codes:
  0  every connection that carried mail used TLS
  1  mail went in clear text (after STARTTLS, after a failed TLS, or without trying), or TLS failed
  2  usage error (not a pcap or pcapng file, a file that does not exist)
  3  cannot tell: no SMTP connection in the capture
  4  internal error of mxray, or the output could not be written
`;

const why = (err: unknown): string => (err as NodeJS.ErrnoException).code ?? (err as Error).message;

function port(text: string): number {
  const n = Number(text);
  if (!/^\d{1,5}$/.test(text.trim()) || n < 1 || n > 65535) throw new UsageError(`--port ${safe(text, 20)}: a TCP port (1–65535)`);
  return n;
}

export function configure(cmd: Command): Run {
  cmd
    .argument('<file>', 'a pcap or pcapng capture (- for standard input)')
    .option('--port <port>', `another TCP port to read as SMTP (beside ${DEFAULT_PORTS.join(', ')}); repeatable`, collect, [])
    .option('--retry-window <seconds>', 'how soon after a failed TLS attempt a connection in clear counts as its retry', '300');
  addReportOptions(cmd, { timeout: false, details: 'add every connection: banner, STARTTLS, the hellos, the certificate, alerts, what went in clear, the dialogue' });
  cmd.addHelpText('after', PCAP_HELP);
  return async (file: string, o: PcapOpts) => {
    const format = formatOf(o);
    const ports = o.port.map(port);
    const windowSeconds = Number(o.retryWindow ?? '300');
    if (!Number.isFinite(windowSeconds) || windowSeconds < 0 || windowSeconds > 86_400) throw new UsageError(`--retry-window ${safe(String(o.retryWindow), 20)}: seconds, 0 to 86400`);
    let size: number | null = null;
    if (file !== '-') {
      try {
        const st = statSync(file);
        if (st.isDirectory()) throw new UsageError(`${safe(file, 200)} is a folder: give a capture file`, { helpful: false });
        size = st.isFile() ? st.size : null;
      } catch (err) {
        if (err instanceof UsageError) throw err;
        throw new UsageError(`cannot read ${safe(file, 200)}: ${why(err)}`, { helpful: false });
      }
    } else if (process.stdin.isTTY) throw new UsageError('pipe a capture into standard input: tcpdump -w - … | mxray pcap -');
    const progress = format === 'text' && !o.output && process.stderr.isTTY ? terminalProgress(process.stderr) : silentProgress;
    const name = file === '-' ? 'standard input' : file;
    async function* chunks(): AsyncGenerator<Uint8Array> {
      const stream = file === '-' ? process.stdin : createReadStream(file, { highWaterMark: 256 * 1024 });
      let read = 0;
      let shown = 0;
      try {
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          read += chunk.length;
          if (read - shown > 16 * 1024 * 1024) {
            shown = read;
            progress.update(safe(name, 60), size ? `${Math.round(read / 1048576)} of ${Math.round(size / 1048576)} MiB` : `${Math.round(read / 1048576)} MiB`);
          }
          yield chunk;
        }
      } catch (err) {
        throw new UsageError(`cannot read ${safe(name, 200)}: ${why(err)}`, { helpful: false });
      }
    }
    let report;
    try {
      report = await runPcap({ name, chunks: chunks(), ports, retryWindowMs: windowSeconds * 1000, clock: systemClock });
    } catch (err) {
      if (err instanceof NotACaptureError) throw new UsageError(`${safe(name, 200)} is not a pcap or pcapng file (tcpdump -w and Wireshark write both; an .etl needs pktmon etl2pcap first)`, { helpful: false });
      throw err;
    } finally {
      progress.done();
    }
    await emit(await renderReport(report, o), o);
    return { kind: 'report', report };
  };
}
