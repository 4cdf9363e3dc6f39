// A loopback SMTP server for `mxray send`'s tests, on the scripted server: it advertises the
// extensions a test chooses (STARTTLS, SIZE, 8BITMIME, PIPELINING, CHUNKING, SMTPUTF8, REQUIRETLS,
// AUTH mechanisms), offers implicit TLS, checks PLAIN / LOGIN / CRAM-MD5 / XOAUTH2 credentials, and
// keeps what it received: every command line, and every message as it came over the wire and as a
// server reads it (DATA: up to CRLF.CRLF, dot-stuffing undone; BDAT: exactly the chunk's bytes).
import { createHmac } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { reply, startScriptedServer, verbOf, type ScriptActions, type ScriptConnection } from '../../src/demo/scripted-server.js';

export interface SendServerPlan {
  /** Offer STARTTLS (default true; ignored with implicit). */
  starttls?: boolean;
  /** TLS from the first byte (port 465 style). */
  implicit?: boolean;
  /** The SIZE to advertise (null: none); a larger SIZE= or message gets 552. */
  size?: number | null;
  eightBitMime?: boolean;
  pipelining?: boolean;
  chunking?: boolean;
  smtputf8?: boolean;
  /** Advertise REQUIRETLS inside TLS. */
  requireTls?: boolean;
  /** AUTH mechanisms advertised (inside TLS only unless authInClear). */
  auth?: string[];
  authInClear?: boolean;
  credentials?: { user: string; password?: string; token?: string };
  /** The reply to a good login's failure instead of 535 5.7.8 (e.g. Exchange Online's 5.7.139). */
  authFailure?: string;
  /** Replies that refuse at a stage ("550 5.7.1 …"). */
  refuse?: { mail?: string; rcpt?: Record<string, string>; data?: string; message?: string };
  /** The reply to a delivered message (default Postfix's). */
  accepted?: string;
  /** Ask the client for a certificate in TLS handshakes. */
  clientCertificate?: 'ask' | 'require';
  clientCa?: string;
  address?: '127.0.0.1' | '::1';
  /** The highest TLS version the server speaks ('TLSv1': a handshake our client refuses). */
  tlsMaxVersion?: 'TLSv1' | 'TLSv1.2';
  /** Answer EHLO with 502 (a server that knows only HELO). */
  heloOnly?: boolean;
  /** Called when a message's data ended, before the reply (a test moves its clock here). */
  onMessage?: () => void;
  /** After this many messages, never answer the end of a message's data (a server that stalls). */
  stallAfter?: number;
}

export interface ReceivedLine {
  conn: number;
  line: string;
  secure: boolean;
}

export interface ReceivedMessage {
  conn: number;
  secure: boolean;
  method: 'DATA' | 'BDAT';
  mailFrom: string;
  rcptTo: string[];
  /** As the server reads it: DATA without the final dot and with dot-stuffing undone; BDAT as sent. */
  content: Buffer;
  /** As it crossed the wire after the 354 (DATA: with the final CRLF.CRLF) or after the BDAT line. */
  wire: Buffer;
}

export interface SendServer {
  port: number;
  address: string;
  received: ReceivedLine[];
  messages: ReceivedMessage[];
  /** Logins: the mechanism and whether the credentials were right. */
  logins: { conn: number; mechanism: string; ok: boolean; secure: boolean }[];
  /** TLS connections made (STARTTLS or implicit). */
  tlsSessions: number;
  stop(): Promise<void>;
}

const CRLF_DOT_CRLF = Buffer.from('\r\n.\r\n');

/** What a receiving server makes of DATA's bytes: up to CRLF.CRLF, leading dots removed. */
export function unstuff(wire: Buffer): Buffer {
  const end = wire.subarray(0, 3).equals(Buffer.from('.\r\n')) ? 0 : wire.indexOf(CRLF_DOT_CRLF) + 2;
  const body = wire.subarray(0, end).toString('latin1');
  return Buffer.from(
    body
      .split('\r\n')
      .map((l) => (l.startsWith('.') ? l.slice(1) : l))
      .join('\r\n'),
    'latin1',
  );
}

export async function startSendServer(plan: SendServerPlan, tlsKey: { key: string; cert: string }): Promise<SendServer> {
  const server: Omit<SendServer, 'port' | 'address' | 'stop'> = { received: [], messages: [], logins: [], tlsSessions: 0 };
  const creds = plan.credentials ?? { user: 'alice', password: 'secret' };
  const line = (text: string): ScriptActions => {
    const m = /^(\d{3})[ -]?(.*)$/.exec(text);
    if (!m) throw new Error(`not a reply: ${text}`);
    return [reply(Number(m[1]), m[2]!)];
  };
  const scripted = await startScriptedServer(
    (conn0) => {
      void conn0;
      let mailFrom = '';
      let rcpts: string[] = [];
      let wire = Buffer.alloc(0);
      let mode: { kind: 'data' } | { kind: 'bdat'; left: number } | null = null;
      let auth: { mechanism: string; step: number; user?: string; challenge?: string } | null = null;
      const caps = (c: ScriptConnection): string[] => {
        const out: string[] = [];
        if (plan.pipelining) out.push('PIPELINING');
        if (plan.size !== undefined && plan.size !== null) out.push(`SIZE ${plan.size}`);
        if (plan.eightBitMime) out.push('8BITMIME');
        if (plan.chunking) out.push('CHUNKING');
        if (plan.smtputf8) out.push('SMTPUTF8');
        out.push('ENHANCEDSTATUSCODES');
        if (!c.secure && !plan.implicit && (plan.starttls ?? true)) out.push('STARTTLS');
        if (c.secure && plan.requireTls) out.push('REQUIRETLS');
        if (plan.auth && (c.secure || plan.authInClear)) out.push(`AUTH ${plan.auth.join(' ')}`);
        return out;
      };
      const login = (c: ScriptConnection, mechanism: string, ok: boolean): ScriptActions => {
        server.logins.push({ conn: c.id, mechanism, ok, secure: c.secure });
        auth = null;
        return ok ? [reply(235, '2.7.0 Authentication successful')] : line(plan.authFailure ?? '535 5.7.8 Error: authentication failed');
      };
      const finish = (c: ScriptConnection, method: 'DATA' | 'BDAT', content: Buffer, rest: Buffer | null): ScriptActions => {
        server.messages.push({ conn: c.id, secure: c.secure, method, mailFrom, rcptTo: rcpts, content, wire });
        plan.onMessage?.();
        mode = null;
        if (plan.stallAfter !== undefined && server.messages.length > plan.stallAfter) return [];
        rcpts = [];
        const back: ScriptActions = method === 'DATA' ? [{ type: 'lines', ...(rest?.length ? { rest } : {}) }] : [];
        if (plan.size && content.length > plan.size) return [...line('552 5.3.4 Error: message file too big'), ...back];
        if (plan.refuse?.message) return [...line(plan.refuse.message), ...back];
        return [...line(plan.accepted ?? `250 2.0.0 Ok: queued as 4X${server.messages.length}QUEUE`), ...back];
      };
      const greet = (): ScriptActions => [reply(220, 'mx.send.test ESMTP mxray fixture')];
      return {
        greeting: () => (plan.implicit ? [{ type: 'starttls' }] : greet()),
        secured: () => {
          server.tlsSessions++;
          return plan.implicit ? greet() : [];
        },
        command: (text, c) => {
          server.received.push({ conn: c.id, line: text, secure: c.secure });
          if (auth) {
            const a = auth as { mechanism: string; step: number; user?: string; challenge?: string };
            if (text === '*') {
              auth = null;
              return [reply(501, '5.7.0 Authentication aborted')];
            }
            const decoded = Buffer.from(text, 'base64').toString('utf8');
            if (a.mechanism === 'LOGIN') {
              if (a.step === 0) {
                a.user = decoded;
                a.step = 1;
                return [reply(334, 'UGFzc3dvcmQ6')];
              }
              return login(c, 'LOGIN', a.user === creds.user && decoded === creds.password);
            }
            if (a.mechanism === 'CRAM-MD5') {
              const [user, digest] = decoded.split(' ');
              const want = createHmac('md5', creds.password ?? '').update(a.challenge ?? '').digest('hex');
              return login(c, 'CRAM-MD5', user === creds.user && digest === want);
            }
            // XOAUTH2 after its error challenge: the client's empty line.
            auth = null;
            return line(plan.authFailure ?? '535 5.7.8 Error: authentication failed');
          }
          if (mode?.kind === 'bdat') return [];
          const verb = verbOf(text);
          switch (verb) {
            case 'EHLO':
              return plan.heloOnly ? [reply(502, '5.5.2 Error: command not recognized')] : [reply(250, 'mx.send.test', ...caps(c))];
            case 'HELO':
              return [reply(250, 'mx.send.test')];
            case 'STARTTLS':
              return !c.secure && (plan.starttls ?? true) ? [reply(220, '2.0.0 Ready to start TLS'), { type: 'starttls' }] : [reply(502, '5.5.1 not available')];
            case 'AUTH': {
              const [, mech, initial] = text.split(' ');
              const m = (mech ?? '').toUpperCase();
              if (!plan.auth?.includes(m) || (!c.secure && !plan.authInClear)) return [reply(504, '5.5.4 Unrecognized authentication type')];
              if (m === 'PLAIN') {
                const [, user, pw] = Buffer.from(initial ?? '', 'base64').toString('utf8').split('\0');
                return login(c, 'PLAIN', user === creds.user && pw === creds.password);
              }
              if (m === 'XOAUTH2') {
                const fields = Buffer.from(initial ?? '', 'base64').toString('utf8').split('\x01');
                const ok = fields[0] === `user=${creds.user}` && fields[1] === `auth=Bearer ${creds.token}`;
                if (ok) return login(c, 'XOAUTH2', true);
                server.logins.push({ conn: c.id, mechanism: 'XOAUTH2', ok: false, secure: c.secure });
                auth = { mechanism: 'XOAUTH2', step: 1 };
                return [reply(334, Buffer.from('{"status":"401","schemes":"bearer"}').toString('base64'))];
              }
              if (m === 'LOGIN') {
                auth = { mechanism: 'LOGIN', step: 0 };
                return [reply(334, 'VXNlcm5hbWU6')];
              }
              const challenge = `<${c.id}.1732868139@mx.send.test>`;
              auth = { mechanism: 'CRAM-MD5', step: 0, challenge };
              return [reply(334, Buffer.from(challenge).toString('base64'))];
            }
            case 'MAIL': {
              if (plan.refuse?.mail) return line(plan.refuse.mail);
              const size = /\bSIZE=(\d+)/i.exec(text);
              if (plan.size && size && Number(size[1]) > plan.size) return line('552 5.3.4 Message size exceeds fixed limit');
              mailFrom = text;
              rcpts = [];
              return [reply(250, '2.1.0 Ok')];
            }
            case 'RCPT': {
              const addr = /<([^>]*)>/.exec(text)?.[1] ?? '';
              const refused = plan.refuse?.rcpt?.[addr];
              if (refused) return line(refused);
              rcpts.push(addr);
              return [reply(250, '2.1.5 Ok')];
            }
            case 'DATA':
              if (plan.refuse?.data) return line(plan.refuse.data);
              if (rcpts.length === 0) return [reply(554, '5.5.1 Error: no valid recipients')];
              mode = { kind: 'data' };
              wire = Buffer.alloc(0);
              return [reply(354, 'End data with <CR><LF>.<CR><LF>'), { type: 'raw' }];
            case 'BDAT': {
              const m = /^BDAT (\d+)( LAST)?$/i.exec(text);
              if (!m || !plan.chunking) return [reply(502, '5.5.2 Error: command not recognized')];
              mode = { kind: 'bdat', left: Number(m[1]) };
              wire = Buffer.alloc(0);
              return [{ type: 'raw' }];
            }
            case 'RSET':
              rcpts = [];
              return [reply(250, '2.0.0 Ok')];
            case 'NOOP':
              return [reply(250, '2.0.0 Ok')];
            case 'QUIT':
              return [reply(221, '2.0.0 Bye'), { type: 'close' }];
            default:
              return [reply(502, '5.5.2 Error: command not recognized')];
          }
        },
        data: (chunk, c) => {
          wire = Buffer.concat([wire, chunk]);
          const m = mode;
          if (m?.kind === 'bdat') {
            if (wire.length < m.left) return [];
            const content = wire.subarray(0, m.left);
            const rest = wire.subarray(m.left);
            wire = content;
            return [...finish(c, 'BDAT', content, null), { type: 'lines', ...(rest.length ? { rest } : {}) }];
          }
          const starts = wire.subarray(0, 3).equals(Buffer.from('.\r\n'));
          const end = starts ? 0 : wire.indexOf(CRLF_DOT_CRLF);
          if (!starts && end === -1) return [];
          const stop = starts ? 3 : end + 5;
          const rest = wire.subarray(stop);
          wire = wire.subarray(0, stop);
          return finish(c, 'DATA', unstuff(wire), rest);
        },
        error: () => undefined,
      };
    },
    {
      address: plan.address ?? '127.0.0.1',
      tls: { key: tlsKey.key, cert: tlsKey.cert, ...(plan.tlsMaxVersion ? { maxVersion: plan.tlsMaxVersion } : {}), ...(plan.clientCertificate ? { clientCertificate: plan.clientCertificate } : {}), ...(plan.clientCa ? { clientCa: plan.clientCa } : {}) },
      maxLineBytes: 100_000,
    },
  );
  return Object.assign(server, { port: scripted.port, address: scripted.address, stop: () => scripted.stop() });
}

/** A server on 127.0.0.1 that greets every connection with `greeting` and closes it; counts the connections. */
export async function startGreeter(greeting: string): Promise<{ port: number; connections: () => number; stop: () => Promise<void> }> {
  let n = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    n++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.end(`${greeting}\r\n`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return { port: (server.address() as { port: number }).port, connections: () => n, stop };
}
