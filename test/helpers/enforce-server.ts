// A loopback SMTP server for `mxray enforce`'s tests, on the scripted server: it refuses at a chosen
// stage in cleartext only (or with TLS too), offers AUTH before TLS, or accepts everything. It
// records every line and every byte after a 354, so a test asserts that no message was ever
// delivered (no final dot), and that no credential was ever sent (nothing after a 334 but "*").
import { reply, startScriptedServer, verbOf, type ScriptActions, type ScriptConnection } from '../../src/demo/scripted-server.js';

export type Stage = 'banner' | 'ehlo' | 'mail' | 'rcpt' | 'data';

/** "530 5.7.0 Must issue a STARTTLS command first" → the reply action. */
function line(text: string): ScriptActions {
  const m = /^(\d{3})[ -]?(.*)$/.exec(text);
  if (!m) throw new Error(`not a reply: ${text}`);
  return [reply(Number(m[1]), m[2]!)];
}

export interface EnforcePlan {
  /** Refused at this stage without TLS only; 'banner' and 'ehlo' come before STARTTLS, so there every session is refused. */
  clear?: { stage: Stage; reply: string };
  /** Refused at this stage in every session, TLS or not (an envelope refusal). */
  always?: { stage: Exclude<Stage, 'banner' | 'ehlo'>; reply: string };
  /** AUTH mechanisms advertised before TLS (e.g. "PLAIN LOGIN"); none by default. */
  authBeforeTls?: string;
  /** The answer to AUTH LOGIN before TLS (default: the 334 challenge for the user name). */
  authClearReply?: string;
  /** Offer STARTTLS (default true). */
  starttls?: boolean;
  /** Loopback address to bind (default 127.0.0.1). */
  address?: '127.0.0.1' | '::1';
  /** Inside TLS, no answer at all to this stage's command (a stalled server, for deadline tests). */
  stallInTls?: 'mail' | 'rcpt';
}

export interface Received {
  conn: number;
  line: string;
  secure: boolean;
}

export interface EnforceServer {
  port: number;
  address: string;
  /** Every command line, in order, across connections. */
  received: Received[];
  /** Bytes received after a 354 (message data), over all connections. */
  dataBytes: number;
  /** Messages that ended with the final dot (delivered): must stay 0. */
  delivered: number;
  /** What came while an AUTH exchange waited for a credential, other than "*": must stay empty. */
  credentials: string[];
  stop(): Promise<void>;
}

export async function startEnforceServer(plan: EnforcePlan, tlsKey: { key: string; cert: string }): Promise<EnforceServer> {
  const offerTls = plan.starttls ?? true;
  const server: Omit<EnforceServer, 'port' | 'address' | 'stop'> = { received: [], dataBytes: 0, delivered: 0, credentials: [] };
  const refusal = (stage: Stage, c: ScriptConnection): ScriptActions | null => {
    if (plan.always?.stage === stage) return line(plan.always.reply);
    if (plan.clear?.stage === stage && (!c.secure || stage === 'banner' || stage === 'ehlo')) return line(plan.clear.reply);
    return null;
  };
  const scripted = await startScriptedServer(
    (conn) => {
      let awaitingCredential = false;
      let data = Buffer.alloc(0);
      return {
        greeting: (c) => refusal('banner', c) ?? [reply(220, 'mx.enforce.test ESMTP')],
        command: (text, c) => {
          server.received.push({ conn: c.id, line: text, secure: c.secure });
          if (awaitingCredential) {
            awaitingCredential = false;
            if (text !== '*') {
              server.credentials.push(text);
              return [reply(535, '5.7.8 Authentication credentials invalid')];
            }
            return [reply(501, '5.7.0 Authentication aborted')];
          }
          switch (verbOf(text)) {
            case 'EHLO': {
              // A refused EHLO only in clear: the one inside TLS is accepted.
              const refused = c.secure ? null : refusal('ehlo', c);
              if (refused) return refused;
              const caps = ['PIPELINING', '8BITMIME', 'ENHANCEDSTATUSCODES'];
              if (!c.secure && offerTls) caps.push('STARTTLS');
              if (!c.secure && plan.authBeforeTls) caps.push(`AUTH ${plan.authBeforeTls}`);
              if (c.secure) caps.push('AUTH PLAIN LOGIN');
              return [reply(250, 'mx.enforce.test', ...caps)];
            }
            case 'STARTTLS':
              return offerTls && !c.secure ? [reply(220, '2.0.0 Ready to start TLS'), { type: 'starttls' }] : [reply(502, '5.5.1 not available')];
            case 'AUTH':
              if (!c.secure && plan.authClearReply) return line(plan.authClearReply);
              awaitingCredential = true;
              return [reply(334, 'VXNlcm5hbWU6')];
            case 'MAIL':
              if (c.secure && plan.stallInTls === 'mail') return [];
              return refusal('mail', c) ?? [reply(250, '2.1.0 Ok')];
            case 'RCPT':
              return refusal('rcpt', c) ?? [reply(250, '2.1.5 Ok')];
            case 'DATA': {
              const refused = refusal('data', c);
              if (refused) return refused;
              data = Buffer.alloc(0);
              return [reply(354, 'End data with <CR><LF>.<CR><LF>'), { type: 'raw' }];
            }
            case 'RSET':
            case 'NOOP':
              return [reply(250, '2.0.0 Ok')];
            case 'QUIT':
              return [reply(221, '2.0.0 Bye'), { type: 'close' }];
            default:
              return [reply(502, '5.5.2 Command not recognized')];
          }
        },
        // After a 354 everything is message data, up to the final dot (which would deliver it).
        data: (chunk) => {
          server.dataBytes += chunk.length;
          data = Buffer.concat([data, chunk]);
          if (data.equals(Buffer.from('.\r\n')) || data.includes(Buffer.from('\r\n.\r\n'))) {
            server.delivered++;
            return [reply(250, '2.0.0 Ok: queued as 1A2B3C')];
          }
          return [];
        },
        error: () => undefined,
      };
      void conn;
    },
    { address: plan.address ?? '127.0.0.1', tls: { key: tlsKey.key, cert: tlsKey.cert } },
  );
  return Object.assign(server, { port: scripted.port, address: scripted.address, stop: () => scripted.stop() });
}
