// The test CA (test-ca.ts) served over HTTP on 127.0.0.1, port 0, as a CA publishes itself: the
// issuer's certificate (DER, and as a certs-only PKCS#7 .p7c), its CRL, and an OCSP responder
// (POST, and GET with the base64 request in the path, RFC 6960 A.1) answered by running `openssl
// ocsp` on each request received. Each route can be told to misbehave (404, 500, never answer,
// garbage, a body too large, a stale CRL, a badly signed OCSP answer), and every request is counted.
// Loopback only. The test that starts it stops it: close() ends hanging requests, destroys open
// sockets and removes the CA's files.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { CA_PATHS, makeTestCa, type TestCa } from './test-ca.js';

export type CaRoute = 'issuer' | 'issuer-p7c' | 'crl' | 'ocsp';

/**
 * How a route answers: 'normal'; 'not-found' (404) and 'server-error' (500); 'hang' (reads the
 * request, never answers until close()); 'garbage' (200 with bytes that are no DER); 'huge' (200
 * with `hugeBytes` bytes, chunked, no Content-Length); 'stale-crl' (the CRL with its nextUpdate
 * three days past, crl only); 'bad-ocsp-signature' (the responder's answer with its signature
 * changed, ocsp only).
 */
export type RouteMode = 'normal' | 'not-found' | 'server-error' | 'hang' | 'garbage' | 'huge' | 'stale-crl' | 'bad-ocsp-signature';

export interface ReceivedRequest {
  method: string;
  path: string;
  /** null for a path the CA does not serve (answered 404). */
  route: CaRoute | null;
}

export interface LoopbackCa {
  ca: TestCa;
  /** http://127.0.0.1:PORT */
  baseUrl: string;
  port: number;
  urls: TestCa['urls'];
  setMode(route: CaRoute, mode: RouteMode): void;
  /** Requests received on a route, whatever the mode (an OCSP GET and POST both count for 'ocsp'). */
  requestCount(route: CaRoute): number;
  /** Every request received, in order. */
  readonly requests: readonly ReceivedRequest[];
  /** Every route back to 'normal' and the counts to zero. */
  reset(): void;
  close(): Promise<void>;
}

export interface LoopbackCaOptions {
  /** Bytes sent by a route in 'huge' mode; default 21 MiB (over a CRL's 20 MiB limit, and an OCSP response's 1 MiB). */
  hugeBytes?: number;
}

/** The bytes of an OCSPResponse with status malformedRequest (what a responder says to a request it cannot read). */
const MALFORMED_REQUEST = Buffer.from([0x30, 0x03, 0x0a, 0x01, 0x01]);
/** Most bytes of an OCSP request read (real ones are about 100 bytes). */
const MAX_REQUEST_BYTES = 64 * 1024;
const GARBAGE = Buffer.from('<html><body>Not a certificate, a CRL nor an OCSP response</body></html>\n');
const DAY_MS = 86_400_000;

const ROUTE_MODES: Readonly<Record<CaRoute, readonly RouteMode[]>> = {
  issuer: ['normal', 'not-found', 'server-error', 'hang', 'garbage', 'huge'],
  'issuer-p7c': ['normal', 'not-found', 'server-error', 'hang', 'garbage', 'huge'],
  crl: ['normal', 'not-found', 'server-error', 'hang', 'garbage', 'huge', 'stale-crl'],
  ocsp: ['normal', 'not-found', 'server-error', 'hang', 'garbage', 'huge', 'bad-ocsp-signature'],
};

function routeOf(method: string, path: string): CaRoute | null {
  if (method === 'GET' && path === CA_PATHS.caIssuers) return 'issuer';
  if (method === 'GET' && path === CA_PATHS.caIssuersP7c) return 'issuer-p7c';
  if (method === 'GET' && path === CA_PATHS.crl) return 'crl';
  if ((method === 'POST' && path === CA_PATHS.ocsp) || (method === 'GET' && path.startsWith(`${CA_PATHS.ocsp}/`))) return 'ocsp';
  return null;
}

/** Reads a request body up to `max` bytes; null when it is longer. */
function readBody(req: IncomingMessage, max: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= max) chunks.push(chunk);
    });
    req.on('end', () => resolve(size <= max ? Buffer.concat(chunks) : null));
    req.on('error', reject);
  });
}

/** Sends `total` bytes in 64 KiB chunks, waiting for the socket to drain; stops when the client goes away. */
function sendHuge(res: ServerResponse, total: number): void {
  res.writeHead(200, { 'content-type': 'application/octet-stream' });
  const chunk = Buffer.alloc(64 * 1024, 0x30);
  let sent = 0;
  const pump = (): void => {
    while (sent < total && !res.destroyed) {
      const part = chunk.subarray(0, Math.min(chunk.length, total - sent));
      sent += part.length;
      if (!res.write(part)) {
        res.once('drain', pump);
        return;
      }
    }
    if (!res.destroyed) res.end();
  };
  pump();
}

export async function startLoopbackCa(options: LoopbackCaOptions = {}): Promise<LoopbackCa> {
  const hugeBytes = options.hugeBytes ?? 21 * 1024 * 1024;
  const modes = new Map<CaRoute, RouteMode>();
  const requests: ReceivedRequest[] = [];
  const sockets = new Set<Socket>();
  let ca: TestCa | null = null;

  const answer = async (route: CaRoute, req: IncomingMessage, path: string, res: ServerResponse, own: TestCa): Promise<void> => {
    const mode = modes.get(route) ?? 'normal';
    if (mode === 'hang') return; // the socket is destroyed by close()
    if (mode === 'not-found' || mode === 'server-error') {
      res.writeHead(mode === 'not-found' ? 404 : 500, { 'content-type': 'text/plain' }).end(mode === 'not-found' ? 'Not Found\n' : 'Internal Server Error\n');
      return;
    }
    if (mode === 'garbage') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(GARBAGE);
      return;
    }
    if (mode === 'huge') {
      sendHuge(res, hugeBytes);
      return;
    }
    if (route === 'issuer') {
      res.writeHead(200, { 'content-type': 'application/pkix-cert' }).end(own.intermediate.der);
    } else if (route === 'issuer-p7c') {
      res.writeHead(200, { 'content-type': 'application/pkcs7-mime' }).end(own.intermediateP7c());
    } else if (route === 'crl') {
      const stale = mode === 'stale-crl' ? { lastUpdate: new Date(own.madeAt - 10 * DAY_MS), nextUpdate: new Date(own.madeAt - 3 * DAY_MS) } : {};
      res.writeHead(200, { 'content-type': 'application/pkix-crl' }).end(await own.crlAsync(stale));
    } else {
      let request: Buffer | null;
      if (req.method === 'POST') {
        request = await readBody(req, MAX_REQUEST_BYTES);
      } else {
        // RFC 6960 A.1: GET {url}/{url-encoding of base64 of the DER request}
        const encoded = path.slice(CA_PATHS.ocsp.length + 1);
        request = Buffer.from(decodeURIComponent(encoded), 'base64');
      }
      let response: Buffer = MALFORMED_REQUEST;
      if (request && request.length > 0) {
        const bad = mode === 'bad-ocsp-signature';
        response = await own.ocspRespondAsync(request, bad ? { includeCerts: false } : {}).catch(() => MALFORMED_REQUEST);
        if (bad && response !== MALFORMED_REQUEST) {
          response = Buffer.from(response);
          // Without certificates the signature's last byte ends the response.
          response[response.length - 1] = (response[response.length - 1] as number) ^ 0x01;
        }
      }
      res.writeHead(200, { 'content-type': 'application/ocsp-response' }).end(response);
    }
  };

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] as string;
    const method = req.method ?? 'GET';
    const route = routeOf(method, path);
    requests.push({ method, path, route });
    if (!route || !ca) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found\n');
      return;
    }
    answer(route, req, path, res, ca).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`test CA error: ${error instanceof Error ? error.message : String(error)}\n`);
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the loopback CA has no TCP address');
  const baseUrl = `http://127.0.0.1:${address.port}`;
  try {
    ca = makeTestCa({ baseUrl });
  } catch (error) {
    server.close();
    throw error;
  }
  const own = ca;

  return {
    ca: own,
    baseUrl,
    port: address.port,
    urls: own.urls,
    requests,
    setMode(route, mode) {
      if (!ROUTE_MODES[route].includes(mode)) throw new Error(`mode ${mode} does not apply to the ${route} route`);
      modes.set(route, mode);
    },
    requestCount(route) {
      return requests.filter((r) => r.route === route).length;
    },
    reset() {
      modes.clear();
      requests.length = 0;
    },
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
      own.dispose();
    },
  };
}
