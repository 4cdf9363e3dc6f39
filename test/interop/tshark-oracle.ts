// The test oracle of `mxray pcap`: Debian's tshark (Wireshark's dissectors) on the same capture,
// reduced per TCP stream to what mxray must agree with — endpoints, the SMTP commands and reply
// codes seen in clear text, STARTTLS and its answer, the TLS handshake messages, the ClientHello's
// SNI and supported versions, the ServerHello's version and cipher suite, alerts, and the envelope
// (MAIL FROM / RCPT TO) when it went in clear.
//
// tshark runs with -T json and one -e per field (a flat list of values per frame); names of cipher
// suites, alerts and handshake types are tshark's own, read once from `tshark -G values` (its value
// strings: the IANA names as Wireshark prints them). tshark decodes SMTP by itself only on ports 25
// and 587: every other port given is passed as `-d tcp.port==N,smtp`. No key log: TLS stays opaque,
// as it is to mxray. Bounded: a time-out and a cap on what tshark may print.
import { spawn } from 'node:child_process';

export const TSHARK = '/usr/bin/tshark';
const TIMEOUT_MS = 60_000;
/** tshark's JSON for a lab capture is a few hundred kB; anything near this is not a lab capture. */
const MAX_OUTPUT = 32 * 1024 * 1024;
/** `tshark -G values` prints ~90 MB; only the lines of the few fields named below are kept. */
const MAX_VALUE_LINES = 20_000;

const FIELDS = [
  'frame.number',
  'frame.time_epoch',
  'tcp.stream',
  'ip.src',
  'ipv6.src',
  'tcp.srcport',
  'ip.dst',
  'ipv6.dst',
  'tcp.dstport',
  'tcp.flags.syn',
  'tcp.flags.ack',
  'smtp.req.command',
  'smtp.req.parameter',
  'smtp.response.code',
  'tls.record.content_type',
  'tls.handshake.type',
  'tls.handshake.version',
  'tls.handshake.extensions.supported_version',
  'tls.handshake.ciphersuite',
  'tls.handshake.extensions_server_name',
  'tls.alert_message.desc',
  'tcp.analysis.lost_segment',
  'tcp.len',
  'x509ce.dNSName',
] as const;
type Field = (typeof FIELDS)[number];
type Layers = Partial<Record<Field, string[]>>;

/** Fields whose numbers tshark names (from `tshark -G values`). */
const NAMED = ['tls.handshake.ciphersuite', 'tls.alert_message.desc', 'tls.handshake.type', 'tls.handshake.extensions.supported_version'] as const;
type Named = (typeof NAMED)[number];

export interface OracleEndpoint {
  ip: string;
  port: number;
}

export interface OracleCipher {
  code: number;
  /** tshark's name (IANA's, e.g. TLS_AES_256_GCM_SHA384), or null when tshark has none. */
  name: string | null;
}

export interface OracleStream {
  /** tshark's tcp.stream index (0-based, in order of first packet). */
  stream: number;
  client: OracleEndpoint;
  server: OracleEndpoint;
  /** Epoch milliseconds of the stream's first frame. */
  start: number;
  /** The capture saw the client's SYN (without it, client and server are guessed from the ports). */
  sawSyn: boolean;
  /** SMTP commands seen in clear text, upper-case, in order ("EHLO", "STARTTLS", "MAIL", …). */
  commands: string[];
  /** SMTP reply codes seen in clear text, in order (each multi-line reply counted once per frame line tshark saw). */
  replies: number[];
  starttls: { sent: boolean; /** The code of the reply that followed it (null: none seen). */ reply: number | null };
  /**
   * Clear-text commands the client sent after its STARTTLS, whatever the answer (after a 220: the
   * handshake never happened; after a 454: the client went on without TLS).
   */
  clearAfterStarttls: string[];
  /**
   * Client frames before any DATA that tshark took for message data and did not read as commands:
   * tshark 4.0 does not read a pipelined MAIL/RCPT/BDAT (CHUNKING, Exim's default) and shows the
   * whole write as a "DATA fragment". When not 0, `commands`, `clearAfterStarttls` and the envelope
   * are what tshark could read, not all that was sent.
   */
  unreadClientFrames: number;
  /** Handshake message types seen (tshark's names), in order, each once. */
  handshakeTypes: string[];
  clientHello: { sni: string | null; /** "TLSv1.3" …, from supported_versions, else the legacy version. */ versions: string[] } | null;
  serverHello: { version: string; cipher: OracleCipher } | null;
  /** DNS names (subjectAltName) of the certificates the server sent in clear (TLS ≤ 1.2), in order. */
  certificateDnsNames: string[];
  alerts: Array<{ from: 'client' | 'server'; code: number; name: string | null }>;
  /** The envelope as seen in clear text (the address between < and >). */
  mailFrom: string | null;
  rcptTo: string[];
  /** Frames after which tshark saw bytes missing (tcp.analysis.lost_segment): the capture is not complete. */
  lostSegments: number;
}

/** "TLSv1.3" … as Node (and mxray's versionName) writes them, from the code point. */
export function versionText(code: number): string {
  const names: Record<number, string> = { 0x0300: 'SSLv3', 0x0301: 'TLSv1', 0x0302: 'TLSv1.1', 0x0303: 'TLSv1.2', 0x0304: 'TLSv1.3' };
  return names[code] ?? `0x${code.toString(16).padStart(4, '0')}`;
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  error: string | null;
}

/** Runs tshark with a time-out and an output cap; never rejects. `keep` filters stdout line by line (and caps the lines kept). */
function runTshark(args: string[], keep?: (line: string) => boolean): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(TSHARK, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LANG: 'C' } });
    const out: string[] = [];
    let size = 0;
    let lines = 0;
    let partial = '';
    let stderr = '';
    let error: string | null = null;
    const timer = setTimeout(() => {
      error = `tshark ran longer than ${TIMEOUT_MS} ms`;
      child.kill('SIGKILL');
    }, TIMEOUT_MS);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      if (keep === undefined) {
        size += chunk.length;
        if (size > MAX_OUTPUT) {
          error ??= `tshark printed more than ${MAX_OUTPUT} characters`;
          child.kill('SIGKILL');
          return;
        }
        out.push(chunk);
        return;
      }
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      if (partial.length > 65_536) partial = '';
      for (const line of parts) {
        if (!keep(line)) continue;
        if (++lines > MAX_VALUE_LINES) {
          error ??= `tshark printed more than ${MAX_VALUE_LINES} lines of interest`;
          child.kill('SIGKILL');
          return;
        }
        out.push(`${line}\n`);
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      if (stderr.length < 16_384) stderr += chunk;
    });
    child.once('error', (err) => (error ??= `tshark could not start: ${err.message}`));
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: out.join(''), stderr, error });
    });
  });
}

let valueNames: Promise<Record<Named, Map<number, string>>> | null = null;

/** tshark's own names for the numbers of NAMED fields (`tshark -G values`, read once per process). */
export function tsharkValueNames(): Promise<Record<Named, Map<number, string>>> {
  valueNames ??= (async () => {
    const wanted = new Set<string>(NAMED);
    const r = await runTshark(['-G', 'values'], (line) => line.startsWith('V\ttls.') && wanted.has(line.slice(2, line.indexOf('\t', 2))));
    if (r.error !== null || r.code !== 0) throw new Error(`tshark -G values failed (exit ${r.code}): ${r.error ?? ''} ${r.stderr.slice(0, 500)}`);
    const names = Object.fromEntries(NAMED.map((f) => [f, new Map<number, string>()])) as Record<Named, Map<number, string>>;
    for (const line of r.stdout.split('\n')) {
      const [, field, value, name] = line.split('\t');
      if (field === undefined || value === undefined || name === undefined) continue;
      names[field as Named]?.set(Number(value), name);
    }
    return names;
  })();
  return valueNames;
}

const num = (v: string | undefined): number => (v === undefined ? NaN : Number(v));

/** The address inside "FROM:<a@b> SIZE=1" / "TO:<a@b>". */
function angle(parameter: string | undefined): string | null {
  if (parameter === undefined) return null;
  const m = /<([^>]*)>/.exec(parameter);
  return m ? (m[1] ?? '') : null;
}

/**
 * tshark's dissection of `file`, per TCP stream. `ports`: SMTP ports besides 25 and 587 (passed
 * as `-d tcp.port==N,smtp`).
 */
export async function tsharkStreams(file: string, ports: readonly number[] = []): Promise<OracleStream[]> {
  const names = await tsharkValueNames();
  const decodeAs = ports.filter((p) => p !== 25 && p !== 587).flatMap((p) => ['-d', `tcp.port==${p},smtp`]);
  const args = ['-r', file, '-n', '-T', 'json', '-o', 'tls.keylog_file:', ...decodeAs, '-Y', 'tcp', ...FIELDS.flatMap((f) => ['-e', f])];
  const r = await runTshark(args);
  if (r.error !== null || r.code !== 0) throw new Error(`tshark ${args.join(' ')} failed (exit ${r.code}): ${r.error ?? ''} ${r.stderr.slice(0, 1000)}`);
  let frames: Array<{ _source?: { layers?: Layers } }>;
  try {
    frames = JSON.parse(r.stdout) as typeof frames;
  } catch (err) {
    throw new Error(`tshark printed no JSON: ${err instanceof Error ? err.message : String(err)}: ${r.stdout.slice(0, 500)}`);
  }
  if (!Array.isArray(frames)) throw new Error('tshark printed JSON that is not a list of frames');

  const streams = new Map<number, OracleStream & { sawData: boolean; awaitingStarttls: boolean; afterStarttls: boolean }>();
  const hsSeen = new Map<number, Set<string>>();
  for (const frame of frames) {
    const l = frame._source?.layers ?? {};
    const id = num(l['tcp.stream']?.[0]);
    if (!Number.isInteger(id)) continue;
    const src: OracleEndpoint = { ip: l['ip.src']?.[0] ?? l['ipv6.src']?.[0] ?? '', port: num(l['tcp.srcport']?.[0]) };
    const dst: OracleEndpoint = { ip: l['ip.dst']?.[0] ?? l['ipv6.dst']?.[0] ?? '', port: num(l['tcp.dstport']?.[0]) };
    let s = streams.get(id);
    if (s === undefined) {
      const syn = l['tcp.flags.syn']?.[0] === '1' && l['tcp.flags.ack']?.[0] === '0';
      const synAck = l['tcp.flags.syn']?.[0] === '1' && l['tcp.flags.ack']?.[0] === '1';
      // Without the SYN: the side on the lower (well-known) port is the server.
      const srcIsClient = syn ? true : synAck ? false : src.port > dst.port;
      s = {
        stream: id,
        client: srcIsClient ? src : dst,
        server: srcIsClient ? dst : src,
        start: Math.round(num(l['frame.time_epoch']?.[0]) * 1000),
        sawSyn: syn,
        commands: [],
        replies: [],
        starttls: { sent: false, reply: null },
        clearAfterStarttls: [],
        handshakeTypes: [],
        clientHello: null,
        serverHello: null,
        certificateDnsNames: [],
        alerts: [],
        mailFrom: null,
        rcptTo: [],
        lostSegments: 0,
        unreadClientFrames: 0,
        sawData: false,
        awaitingStarttls: false,
        afterStarttls: false,
      };
      streams.set(id, s);
      hsSeen.set(id, new Set());
    }
    const fromClient = src.ip === s.client.ip && src.port === s.client.port;
    if (l['tcp.analysis.lost_segment'] !== undefined) s.lostSegments++;

    // SMTP in clear text. tshark 4.0 splits STARTTLS into command "STAR" and parameter "TLS".
    const commands = l['smtp.req.command'] ?? [];
    const parameters = l['smtp.req.parameter'] ?? [];
    commands.forEach((c, i) => {
      let verb = c.toUpperCase();
      const parameter = parameters[i];
      if (verb === 'STAR' && parameter?.toUpperCase().startsWith('TLS')) verb = 'STARTTLS';
      s.commands.push(verb);
      if (s.afterStarttls && fromClient) s.clearAfterStarttls.push(verb);
      if (verb === 'STARTTLS') {
        s.starttls.sent = true;
        s.awaitingStarttls = true;
        s.afterStarttls = true;
      } else if (verb === 'DATA' || verb === 'BDAT') s.sawData = true;
      else if (verb === 'MAIL') s.mailFrom = angle(parameter);
      else if (verb === 'RCPT') {
        const to = angle(parameter);
        if (to !== null && s.rcptTo.length < 100) s.rcptTo.push(to);
      }
    });
    for (const code of l['smtp.response.code'] ?? []) {
      const n = num(code);
      s.replies.push(n);
      if (s.awaitingStarttls && !fromClient) {
        s.starttls.reply = n;
        s.awaitingStarttls = false;
      }
    }
    const payload = num(l['tcp.len']?.[0]);
    if (fromClient && payload > 0 && commands.length === 0 && !s.sawData && l['tls.record.content_type'] === undefined) s.unreadClientFrames++;

    // TLS: the handshake messages of this frame (all from one side).
    const types = (l['tls.handshake.type'] ?? []).map(num);
    for (const t of types) {
      const name = names['tls.handshake.type'].get(t) ?? String(t);
      const seen = hsSeen.get(id);
      if (seen !== undefined && !seen.has(name)) {
        seen.add(name);
        s.handshakeTypes.push(name);
      }
    }
    const supported = (l['tls.handshake.extensions.supported_version'] ?? []).map(num);
    const legacy = (l['tls.handshake.version'] ?? []).map(num);
    if (types.includes(1) && fromClient && s.clientHello === null) {
      const sni = l['tls.handshake.extensions_server_name']?.[0] ?? null;
      s.clientHello = { sni, versions: (supported.length > 0 ? supported : legacy.slice(0, 1)).map(versionText) };
    }
    if (types.includes(2) && !fromClient && s.serverHello === null) {
      // A ServerHello's supported_versions carries the one chosen (TLS 1.3); without it, the legacy version is the answer.
      const version = supported.length > 0 ? (supported[0] ?? NaN) : (legacy[0] ?? NaN);
      const code = num(l['tls.handshake.ciphersuite']?.[0]);
      s.serverHello = { version: versionText(version), cipher: { code, name: names['tls.handshake.ciphersuite'].get(code) ?? null } };
    }
    if (!fromClient && types.includes(11)) {
      for (const name of l['x509ce.dNSName'] ?? []) if (s.certificateDnsNames.length < 50) s.certificateDnsNames.push(name);
    }
    for (const desc of l['tls.alert_message.desc'] ?? []) {
      const code = num(desc);
      s.alerts.push({ from: fromClient ? 'client' : 'server', code, name: names['tls.alert_message.desc'].get(code) ?? null });
    }
  }
  return [...streams.values()]
    .sort((a, b) => a.stream - b.stream)
    .map(({ sawData: _d, awaitingStarttls: _a, afterStarttls: _b, ...rest }) => rest);
}
