// Hostile SMTP peers for the hostile-server suite: one script per misbehaviour, for
// startScriptedServer (src/demo/scripted-server.ts). Each script logs the lines it received, so a
// test can say what the client sent, in which order and on which connection. Plus a loopback wire
// tap (a recording relay) for the one property the scripted server cannot observe on its own: the
// order of bytes on the wire. Order and content only, never times: tests assert on behaviour.
// Loopback only, like everything the default suite starts.
import net from 'node:net';
import { reply, verbOf, type Script, type ScriptAction, type ScriptActions, type ScriptConnection } from '../../src/demo/scripted-server.js';

/** One line a scripted server received. */
export interface ReceivedLine {
  /** The server's connection number (1, 2, … in accept order). */
  conn: number;
  line: string;
  /** Whether it arrived inside TLS. */
  secure: boolean;
}

/** A script and the log of what its connections received. */
export interface HostileScript {
  script: Script;
  received: ReceivedLine[];
}

export const MX_NAME = 'mx.hostile.test';

/** The capabilities a well-behaved server announces (STARTTLS optional). */
function ehloLines(name: string, starttls: boolean): string[] {
  return [name, 'PIPELINING', 'SIZE 10240000', ...(starttls ? ['STARTTLS'] : []), '8BITMIME'];
}

interface Dialogue {
  /** What to send on connect (default: a 220 banner). */
  greeting?: ScriptActions;
  /** The answer to EHLO, in clear or in TLS (default: 250 with STARTTLS offered in clear). */
  ehlo?: (conn: ScriptConnection) => ScriptActions;
  /** The answer to HELO (default: 250). */
  helo?: ScriptActions;
  /** The answer to STARTTLS (default: 454, no TLS available). */
  starttls?: ScriptActions;
  /** Bytes received after a `raw` action. */
  data?: (chunk: Buffer) => ScriptActions;
  /** Answer nothing at all, not even QUIT (default false). */
  mute?: boolean;
}

/**
 * A server that follows `d` where it says so and behaves plainly elsewhere: QUIT → 221 and close,
 * RSET / MAIL / RCPT → 250, anything else → 502.
 */
function dialogue(d: Dialogue): HostileScript {
  const received: ReceivedLine[] = [];
  const script: Script = {
    greeting: () => d.greeting ?? [reply(220, `${MX_NAME} ESMTP ready`)],
    command(line, conn) {
      received.push({ conn: conn.id, line, secure: conn.secure });
      if (d.mute) return [];
      switch (verbOf(line)) {
        case 'EHLO':
          return d.ehlo ? d.ehlo(conn) : [reply(250, ...ehloLines(MX_NAME, !conn.secure))];
        case 'HELO':
          return d.helo ?? [reply(250, MX_NAME)];
        case 'STARTTLS':
          return d.starttls ?? [reply(454, '4.7.0 TLS not available')];
        case 'QUIT':
          return [reply(221, '2.0.0 bye'), { type: 'close' }];
        case 'RSET':
        case 'MAIL':
        case 'RCPT':
        case 'NOOP':
          return [reply(250, '2.0.0 OK')];
        default:
          return [reply(502, '5.5.2 command not implemented')];
      }
    },
    ...(d.data ? { data: (chunk: Buffer) => d.data!(chunk) } : {}),
  };
  return { script, received };
}

/** Answers STARTTLS with 220 and then runs a real TLS handshake (needs the server's `tls` option). */
const GO_AHEAD_TLS: ScriptActions = [reply(220, '2.0.0 go ahead'), { type: 'starttls' }];

/** A plain, correct server: 220, EHLO 250 (STARTTLS offered when `tls`), QUIT 221. */
export function wellBehaved(options: { tls?: boolean } = {}): HostileScript {
  return dialogue({
    ehlo: (conn) => [reply(250, ...ehloLines(MX_NAME, Boolean(options.tls) && !conn.secure))],
    ...(options.tls ? { starttls: GO_AHEAD_TLS } : {}),
  });
}

/** Accepts the connection and never says a word, whatever it is sent. */
export function neverGreets(): HostileScript {
  return dialogue({ greeting: [], mute: true });
}

/** Sends its banner one byte every `intervalMs` (a tarpit). */
export function dripsBanner(intervalMs = 1000): HostileScript {
  return dialogue({ greeting: [{ type: 'drip', data: `220 ${MX_NAME} ESMTP slowly\r\n`, intervalMs }] });
}

/**
 * Greets at once, then drips a long multi-line EHLO reply one byte every `intervalMs`: each line
 * is complete well within a command time-out, the whole reply is not. Only a deadline on the
 * whole reply (not one per line or per read) ends it in time.
 */
export function dripsEhloReply(options: { lines?: number; intervalMs?: number } = {}): HostileScript {
  const n = options.lines ?? 40;
  const text = [...Array.from({ length: n - 1 }, (_, i) => `250-X${i % 10}\r\n`), '250 END\r\n'].join('');
  return dialogue({ ehlo: () => [{ type: 'drip', data: text, intervalMs: options.intervalMs ?? 40 }] });
}

/** A banner line of `bytes` bytes (10 MB by default) before its CRLF, written with back-pressure. */
export function hugeBannerLine(bytes = 10 * 1024 * 1024): HostileScript {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  return dialogue({
    greeting: [{ type: 'write', data: '220 ' }, { type: 'flood', chunk, totalBytes: bytes }, { type: 'write', data: '\r\n' }],
  });
}

/** Greets, then answers EHLO with `250-…` lines that never end (each `lineBytes` long with its CRLF). */
export function endlessEhloReply(lineBytes = 16): HostileScript {
  const body = 'E'.repeat(Math.max(1, lineBytes - 6));
  return dialogue({ ehlo: () => [{ type: 'flood', chunk: `250-${body}\r\n` }] });
}

/** Every line it sends ends with a bare LF; otherwise correct, STARTTLS and TLS included. */
export function bareLfServer(options: { tls?: boolean } = {}): HostileScript {
  const lf = (code: number, ...lines: string[]): ScriptAction => ({
    type: 'write',
    data: lines.map((t, i) => `${code}${i < lines.length - 1 ? '-' : ' '}${t}\n`).join(''),
  });
  return dialogue({
    greeting: [lf(220, `${MX_NAME} ESMTP bare LF`)],
    ehlo: (conn) => [lf(250, ...ehloLines(MX_NAME, Boolean(options.tls) && !conn.secure))],
    helo: [lf(250, MX_NAME)],
    starttls: options.tls ? [lf(220, '2.0.0 go ahead'), { type: 'starttls' }] : [lf(454, '4.7.0 TLS not available')],
  });
}

/** Offers STARTTLS, answers it with 220 and closes the connection at once. */
export function closesAfterStarttls(): HostileScript {
  return dialogue({ starttls: [reply(220, '2.0.0 go ahead'), { type: 'close' }] });
}

/** The forged line a STARTTLS injector sends right after its 220. */
export const INJECTED = '250-INJECTED\r\n';

/**
 * STARTTLS response injection: the 220 and a forged `250-INJECTED` line in one write, then a real
 * TLS handshake (needs the server's `tls` option). Inside TLS it answers EHLO correctly.
 */
export function injectsAfterStarttls(): HostileScript {
  return dialogue({ starttls: [{ type: 'write', data: `220 2.0.0 go ahead\r\n${INJECTED}` }, { type: 'starttls' }] });
}

/** Answers the ClientHello with something that is not TLS, then closes. */
export function garbageForClientHello(): HostileScript {
  return dialogue({
    starttls: [reply(220, '2.0.0 go ahead'), { type: 'raw' }],
    data: () => [{ type: 'write', data: 'HTTP/1.0 400 this is not TLS at all\r\n\r\n' }, { type: 'close' }],
  });
}

/** Greets with a non-220 reply (421 busy, 554 no service …), then only answers QUIT. */
export function greetsWith(code: number, text: string): HostileScript {
  return dialogue({ greeting: [reply(code, text)] });
}

/** Answers EHLO with `ehloCode`; HELO with `heloCode` (or 250). */
export function refusesEhlo(ehloCode: number, heloCode = 250): HostileScript {
  return dialogue({
    ehlo: () => [reply(ehloCode, ehloCode === 550 ? '5.7.1 go away' : '5.5.1 command unrecognized')],
    helo: [reply(heloCode, heloCode === 250 ? MX_NAME : 'no')],
  });
}

/** The final banner line, so a test can find it on the wire. */
export const SPLIT_BANNER_LAST = `220 ${MX_NAME} ESMTP at last\r\n`;
/** A banner over three lines with a pause of `gapMs` between them. */
export function splitBanner(gapMs = 400): HostileScript {
  return dialogue({
    greeting: [
      { type: 'write', data: `220-${MX_NAME} ESMTP\r\n` },
      { type: 'delay', ms: gapMs },
      { type: 'write', data: '220-please wait for the last line\r\n' },
      { type: 'delay', ms: gapMs },
      { type: 'write', data: SPLIT_BANNER_LAST },
    ],
  });
}

/** Some other protocol's greeting instead of an SMTP banner. */
export function notSmtpBanner(): HostileScript {
  return dialogue({ greeting: [{ type: 'write', data: 'SSH-2.0-OpenSSH_9.6\r\n' }] });
}

/** A correct banner, then a reply line to EHLO that is not SMTP. */
export function notSmtpReply(): HostileScript {
  return dialogue({ ehlo: () => [{ type: 'write', data: 'HTTP/1.1 400 Bad Request\r\n' }] });
}

// ---------------------------------------------------------------------------------------------

/** One chunk seen by the wire tap: 'up' is client → server, 'down' server → client. */
export interface WireChunk {
  direction: 'up' | 'down';
  data: Buffer;
}

export interface WireTap {
  port: number;
  /** Every chunk, in the order the relay received it. */
  chunks: WireChunk[];
  stop(): Promise<void>;
}

/**
 * A loopback relay in front of `targetPort` that records every chunk in both directions before
 * passing it on. A client can only react to what it has received from the relay, so the order in
 * `chunks` is the order that matters: e.g. "nothing went up before the last banner line came down".
 */
export async function startWireTap(targetPort: number): Promise<WireTap> {
  const chunks: WireChunk[] = [];
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
  };
  const server = net.createServer((client) => {
    track(client);
    client.setNoDelay(true);
    client.pause();
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort, noDelay: true });
    track(upstream);
    upstream.on('connect', () => client.resume());
    client.on('data', (data: Buffer) => {
      chunks.push({ direction: 'up', data: Buffer.from(data) });
      upstream.write(data);
    });
    upstream.on('data', (data: Buffer) => {
      chunks.push({ direction: 'down', data: Buffer.from(data) });
      client.write(data);
    });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as net.AddressInfo).port;
  let stopped: Promise<void> | null = null;
  return {
    port,
    chunks,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      return stopped;
    },
  };
}
