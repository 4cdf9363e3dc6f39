// A small MTA on the scripted server, for the client's tests: different capabilities in clear and
// in TLS, STARTTLS (or implicit TLS), AUTH PLAIN and LOGIN, MAIL/RCPT, DATA and BDAT read as raw
// bytes, RSET, NOOP, VRFY, QUIT. Any verb's answer can be replaced. It logs every line and every
// byte of message data it receives, so tests assert on what reached the server.
import {
  reply,
  verbOf,
  type Script,
  type ScriptAction,
  type ScriptActions,
  type ScriptConnection,
} from '../../../src/demo/scripted-server.js';

export interface Received {
  line: string;
  /** Received inside TLS. */
  secure: boolean;
}

export interface MtaOptions {
  /** Default: 220 mx.test ESMTP. */
  banner?: ScriptActions;
  /** Capabilities after EHLO in clear. Default: PIPELINING, 8BITMIME, STARTTLS. */
  clearCaps?: string[];
  /** Capabilities after EHLO in TLS. Default: PIPELINING, 8BITMIME, AUTH PLAIN LOGIN, CHUNKING. */
  tlsCaps?: string[];
  /** TLS at once (port 465 style): the banner comes inside TLS. */
  implicitTls?: boolean;
  /** Replaces the answer to a verb (upper case); '.' is the end of DATA's message. */
  on?: Record<string, (line: string, conn: ScriptConnection) => ScriptActions>;
  /** Called with each line before it is answered (e.g. to move a fixed clock). */
  onLine?: (line: string) => void;
  /** Answers raw bytes outside message data (after a replaced answer switched to 'raw'); default: read them as lines. */
  onRaw?: (chunk: Buffer) => ScriptActions;
}

export interface Mta {
  script: Script;
  /** Every command line, in order, across connections. */
  lines: Received[];
  /** Message data as received: each DATA body with its CRLF.CRLF, each BDAT chunk. */
  messages: Buffer[];
  /** The SNI each TLS handshake carried. */
  servernames: (string | null)[];
}

const TERMINATOR = Buffer.from('\r\n.\r\n', 'latin1');
const EMPTY_MESSAGE = Buffer.from('.\r\n', 'latin1');

/** Where DATA's message ends (after its terminator), or -1 while it has not ended. */
function endOfData(buf: Buffer): number {
  if (buf.subarray(0, 3).equals(EMPTY_MESSAGE)) return 3;
  const i = buf.indexOf(TERMINATOR);
  return i < 0 ? -1 : i + TERMINATOR.length;
}

export function scriptedMta(options: MtaOptions = {}): Mta {
  const banner = options.banner ?? [reply(220, 'mx.test ESMTP')];
  const clearCaps = options.clearCaps ?? ['PIPELINING', '8BITMIME', 'STARTTLS'];
  const tlsCaps = options.tlsCaps ?? ['PIPELINING', '8BITMIME', 'AUTH PLAIN LOGIN', 'CHUNKING'];
  const mta: Mta = { script: () => ({}), lines: [], messages: [], servernames: [] };

  mta.script = (conn: ScriptConnection) => {
    /** AUTH LOGIN answers still to come (user name, then password). */
    let login = 0;
    let pending: Buffer = Buffer.alloc(0);
    let expecting: { kind: 'data' } | { kind: 'chunk'; size: number } | null = null;

    const answer = (line: string): ScriptActions => {
      mta.lines.push({ line, secure: conn.secure });
      options.onLine?.(line);
      if (login > 0) {
        login--;
        return [login > 0 ? reply(334, 'UGFzc3dvcmQ6') : reply(235, '2.7.0 Authentication successful')];
      }
      const verb = verbOf(line);
      const custom = options.on?.[verb];
      if (custom) return custom(line, conn);
      switch (verb) {
        case 'EHLO':
          return [reply(250, 'mx.test greets you', ...(conn.secure ? tlsCaps : clearCaps))];
        case 'HELO':
          return [reply(250, 'mx.test')];
        case 'STARTTLS':
          return conn.secure ? [reply(503, '5.5.1 TLS already active')] : [reply(220, '2.0.0 Ready to start TLS'), { type: 'starttls' }];
        case 'AUTH':
          if (/^AUTH LOGIN$/i.test(line)) {
            login = 2;
            return [reply(334, 'VXNlcm5hbWU6')];
          }
          return [reply(235, '2.7.0 Authentication successful')];
        case 'MAIL':
          return [reply(250, '2.1.0 Ok')];
        case 'RCPT':
          return [reply(250, '2.1.5 Ok')];
        case 'DATA':
          expecting = { kind: 'data' };
          return [reply(354, 'End data with <CR><LF>.<CR><LF>'), { type: 'raw' }];
        case 'BDAT': {
          const size = Number(/^BDAT (\d+)/i.exec(line)?.[1] ?? '0');
          if (size === 0) {
            mta.messages.push(Buffer.alloc(0));
            return [reply(250, '2.0.0 Ok: empty chunk')];
          }
          expecting = { kind: 'chunk', size };
          return [{ type: 'raw' }];
        }
        case 'RSET':
        case 'NOOP':
        case 'VRFY':
          return [reply(250, '2.0.0 Ok')];
        case 'QUIT':
          return [reply(221, '2.0.0 Bye'), { type: 'close' }];
        default:
          return [reply(502, '5.5.2 Command not recognized')];
      }
    };

    // After DATA or BDAT everything arrives raw: message data first, then lines again.
    const rawData = (chunk: Buffer): ScriptActions => {
      if (options.onRaw && !expecting) return options.onRaw(chunk);
      pending = Buffer.concat([pending, chunk]);
      const out: ScriptAction[] = [];
      for (;;) {
        if (expecting?.kind === 'data') {
          const end = endOfData(pending);
          if (end < 0) break;
          mta.messages.push(Buffer.from(pending.subarray(0, end)));
          pending = pending.subarray(end);
          expecting = null;
          out.push(...(options.on?.['.']?.('.', conn) ?? [reply(250, '2.0.0 Ok: queued as 1A2B3C')]));
          continue;
        }
        if (expecting?.kind === 'chunk') {
          if (pending.length < expecting.size) break;
          mta.messages.push(Buffer.from(pending.subarray(0, expecting.size)));
          pending = pending.subarray(expecting.size);
          expecting = null;
          out.push(reply(250, '2.0.0 Ok: queued as 4D5E6F'));
          continue;
        }
        const lf = pending.indexOf(0x0a);
        if (lf < 0) break;
        const line = pending.subarray(0, lf).toString('utf8').replace(/\r$/, '');
        pending = pending.subarray(lf + 1);
        out.push(...answer(line));
      }
      return out;
    };

    return {
      greeting: () => (options.implicitTls ? [{ type: 'starttls' }] : banner),
      secured: (c) => {
        mta.servernames.push(c.servername);
        return options.implicitTls ? banner : [];
      },
      command: (line) => answer(line),
      data: (chunk) => rawData(chunk),
    };
  };
  return mta;
}
