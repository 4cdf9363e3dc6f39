// A packet capture (`mxray pcap`) as an upload job: a pcap or pcapng file streamed through the job
// (never held whole, never written to disk; a gzip of one expanded as it comes, which the CLI does
// not do): what it proves about TLS on each SMTP connection.
import { Type } from '@sinclair/typebox';
import { UsageError } from '../../core/errors.js';
import { DEFAULT_PORTS, NotACaptureError, runPcap } from '../../jobs/pcap/run-pcap.js';
import { uploadName } from './shared.js';
import { LOGS_EXPANDED_MAX_BYTES, plainChunks } from './logs.js';
import type { JobContext, JobKind } from './model.js';

export const PCAP_UPLOAD_MAX_BYTES = 512 * 1024 * 1024;

const Params = Type.Object(
  {
    name: Type.Optional(Type.String({ maxLength: 255, description: 'the file name shown' })),
    port: Type.Optional(Type.String({ maxLength: 120, pattern: '^\\d{1,5}(,\\d{1,5}){0,19}$', description: `other TCP ports to read as SMTP (beside ${DEFAULT_PORTS.join(', ')}), comma-separated` })),
    retryWindow: Type.Optional(Type.String({ maxLength: 12, pattern: '^\\d{1,5}(\\.\\d{1,3})?$', description: 'how soon (seconds, 0 to 86400; default 300) after a failed TLS attempt a connection in clear counts as its retry' })),
  },
  { additionalProperties: false },
);

/** "25,2525" → the ports, each 1 to 65535. */
export function parsePorts(text: string | undefined): number[] {
  if (text === undefined) return [];
  return text.split(',').map((t) => {
    const n = Number(t);
    if (!/^\d{1,5}$/.test(t) || n < 1 || n > 65535) throw new UsageError(`port ${JSON.stringify(t.slice(0, 20))}: a TCP port, 1 to 65535`);
    return n;
  });
}

export const pcapKind: JobKind<typeof Params> = {
  name: 'pcap',
  title: 'Packet capture',
  params: Params,
  upload: { maxBytes: PCAP_UPLOAD_MAX_BYTES },
  rerunnable: false,
  targetOf: (p) => (p.name ?? 'capture upload').slice(0, 500),
  async run(p, { edges, signal, upload }: JobContext) {
    if (!upload) throw new UsageError('send the capture as the request body (application/octet-stream)');
    const ports = parsePorts(p.port);
    const windowSeconds = Number(p.retryWindow ?? '300');
    if (!Number.isFinite(windowSeconds) || windowSeconds < 0 || windowSeconds > 86_400) throw new UsageError(`retryWindow ${JSON.stringify(String(p.retryWindow).slice(0, 20))}: seconds, 0 to 86400`);
    const name = uploadName(upload, p.name);
    async function* chunks(): AsyncGenerator<Buffer> {
      for await (const chunk of (upload as NonNullable<typeof upload>).chunks) {
        signal.throwIfAborted();
        yield chunk;
      }
    }
    try {
      // A capture gzipped for the upload (capture.pcap.gz) is expanded as it comes, within the logs' bound.
      return await runPcap({ name, chunks: plainChunks(chunks(), name, LOGS_EXPANDED_MAX_BYTES), ports, retryWindowMs: windowSeconds * 1000, target: name, clock: edges.clock });
    } catch (err) {
      if (err instanceof NotACaptureError) throw new UsageError(`${name} is not a pcap or pcapng file (tcpdump -w and Wireshark write both; an .etl needs pktmon etl2pcap first)`);
      throw err;
    }
  },
};
