// The demo lab's MTA-STS policy host: one HTTPS server on loopback answering for every scenario's
// mta-sts.<domain> (SNI picks the certificate), serving /.well-known/mta-sts.txt as text/plain and
// 404 for anything else. Bound to an OS-chosen port (443 needs root): the lab's host map sends the
// fetches there, as `--connect` does. Requests are bounded; stop() closes every socket.
import { createServer, type Server } from 'node:https';
import type { Socket } from 'node:net';
import { createSecureContext, type SecureContext } from 'node:tls';

export interface PolicySite {
  /** mta-sts.<domain> */
  name: string;
  key: string;
  /** Leaf first, then the chain (PEM). */
  cert: string;
  /** The policy file's text. */
  policy: string;
}

export interface RunningPolicyHost {
  port: number;
  stop(): Promise<void>;
}

export async function startPolicyHost(address: string, sites: readonly PolicySite[]): Promise<RunningPolicyHost> {
  const contexts = new Map<string, SecureContext>(sites.map((s) => [s.name, createSecureContext({ key: s.key, cert: s.cert })]));
  const policies = new Map(sites.map((s) => [s.name, s.policy]));
  const first = sites[0];
  const sockets = new Set<Socket>();
  const server: Server = createServer(
    {
      ...(first ? { key: first.key, cert: first.cert } : {}),
      SNICallback: (name, done) => done(null, contexts.get(name.toLowerCase())),
      maxHeaderSize: 8192,
      requestTimeout: 10_000,
      headersTimeout: 10_000,
    },
    (req, res) => {
      const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
      const policy = policies.get(host);
      if (req.method === 'GET' && req.url === '/.well-known/mta-sts.txt' && policy !== undefined) {
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(policy) });
        res.end(policy);
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found\n');
      }
    },
  );
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, address, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  let stopped: Promise<void> | null = null;
  return {
    port,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      return stopped;
    },
  };
}
