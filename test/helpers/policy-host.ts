// A loopback HTTPS server that plays MTA-STS policy hosts (https://mta-sts.<domain>/…) for tests.
// One server serves many names: the certificate is chosen by SNI (SNICallback), the answer by the
// Host header, and each name has its own behaviour (a policy, a redirect, a 404, a body too large,
// an answer that never comes …) and its own certificate (trusted and naming it, naming only other
// names, expired, from a CA nobody trusts). The certificates are made at test time with the openssl
// command line (`openssl req`, `openssl ca`) in a temporary folder removed by stop(); nothing made
// here is ever committed.
//
// The policy URL has no port, so the server listens on port 443 of its own loopback address
// (127.x.y.z, picked at random so parallel runs do not meet), and the test's DNS zone points the
// names there. Where port 443 cannot be bound (no root, and ip_unprivileged_port_start above 443)
// it listens on a free port instead and `reach(fetcher)` sends the fetches there; on port 443
// `reach` returns the fetcher itself.
//
// Loopback only. The test that starts it stops it: stop() ends hanging requests, destroys every
// socket and removes the certificates.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext, type SecureContext, type TLSSocket } from 'node:tls';
import type { HttpFetcher } from '../../src/http/fetcher.js';
import { openssl } from './openssl-cert.js';

/**
 * Which certificate a name's TLS handshake gets:
 * - 'valid': issued by the trusted test CA, naming exactly this name (the default);
 * - 'expired': the same, but its validity ended a day ago;
 * - 'untrusted': naming this name, issued by another CA (not in the trust store);
 * - { names }: issued by the trusted CA, naming only these names (a name mismatch unless one of them matches).
 */
export type CertChoice = 'valid' | 'expired' | 'untrusted' | { names: readonly string[] };

/** How the server answers one name. Every field is optional: the default is 200, text/plain, an empty body. */
export interface PolicyRoute {
  /** HTTP status; default 200. */
  status?: number;
  /** The Content-Type header; default 'text/plain'; null: no Content-Type header at all. */
  contentType?: string | null;
  /** The body, sent byte for byte (a string as UTF-8); default empty. */
  body?: string | Buffer;
  /** More response headers (a redirect's `location` …). */
  headers?: Readonly<Record<string, string>>;
  /** true: sent chunked, without Content-Length (the size known only at the end). Default false: with Content-Length. */
  chunked?: boolean;
  /** true: read the request and never answer (until stop()). */
  hang?: boolean;
  /** The certificate for this name (by SNI); default 'valid'. */
  cert?: CertChoice;
}

/** One request the server received. */
export interface PolicyRequest {
  /** The Host header, lower case, without its port. */
  host: string;
  /** The SNI of the connection (null: none sent). */
  sni: string | null;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
}

export interface PolicyPki {
  /** The trusted test CA (PEM): what the trust store holds (`createTrustStore([pki.caPem], …)`). */
  caPem: string;
  /** The CA nobody trusts, for 'untrusted' certificates. */
  strangerPem: string;
  /** A leaf (certificate and key, PEM) for `name` as `choice` says; made once per choice and name. */
  leaf(name: string, choice: CertChoice): { certPem: string; keyPem: string };
  /** Removes the folder (the host that made it does this in stop()). */
  dispose(): void;
}

export interface PolicyHostOptions {
  /** A loopback address (127.0.0.0/8) to listen on; default: one picked at random. */
  address?: string;
  /** Default 443 (what an MTA-STS URL means); 0 for any free port. */
  port?: number;
  /** The names served and how (keys are host names, any case). */
  routes?: Readonly<Record<string, PolicyRoute>>;
  /** Certificates from an earlier makePolicyPki(), kept when this host stops; default: the host makes its own. */
  pki?: PolicyPki;
}

export interface PolicyHost {
  address: string;
  port: number;
  /** The trusted test CA's certificate (PEM), for the fetcher's trust store. */
  caPem: string;
  pki: PolicyPki;
  /** Adds or replaces a name's behaviour (its certificate is made then, if new). */
  route(name: string, route: PolicyRoute): void;
  /** Requests received for a name (by Host header), whatever the answer. */
  requestCount(name: string): number;
  /** Every request received, in order. */
  readonly requests: readonly PolicyRequest[];
  /** The SNI of each ClientHello that carried one, in order (whether the handshake then succeeded or not). */
  readonly sni: readonly string[];
  /** Forgets the requests and SNIs seen (the routes stay). */
  reset(): void;
  /** `fetcher`, or one that sends https:// fetches on port 443 to this host's port when it could not bind 443. */
  reach(fetcher: HttpFetcher): HttpFetcher;
  stop(): Promise<void>;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** The certificate for a TLS connection without SNI or for a name without a route. */
const DEFAULT_NAME = 'default.policy-host.test';
/** Most bytes of a request body read (a GET has none). */
const MAX_REQUEST_BODY = 16 * 1024;
/** Chunks a chunked body is written in. */
const CHUNK_BYTES = 16 * 1024;

/** YYYYMMDDHHMMSSZ, as `openssl ca -startdate` takes it. */
function generalizedTime(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
}

const lower = (name: string) => name.toLowerCase().replace(/\.$/, '');

/** A trusted CA and a stranger CA in a new temporary folder, and leaves made on demand. Synchronous (openssl). */
export function makePolicyPki(): PolicyPki {
  const dir = mkdtempSync(join(tmpdir(), 'mxray-policy-host-'));
  const madeAt = Date.now();
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  writeFileSync(join(dir, 'req.cnf'), ['[req]', 'distinguished_name = dn', 'prompt = no', '[dn]', '[ca_ext]', 'basicConstraints = critical, CA:TRUE', 'keyUsage = critical, keyCertSign, cRLSign', 'subjectKeyIdentifier = hash', ''].join('\n'));

  const makeCa = (name: string, subject: string) => {
    const caDir = join(dir, name);
    mkdirSync(join(caDir, 'issued'), { recursive: true });
    writeFileSync(join(caDir, 'index.txt'), '');
    writeFileSync(join(caDir, 'serial'), '1000\n');
    const certPath = join(caDir, 'ca.pem');
    const keyPath = join(caDir, 'ca.key');
    openssl(['req', '-x509', ...ecKey, '-subj', subject, '-config', join(dir, 'req.cnf'), '-extensions', 'ca_ext', '-days', '30', '-keyout', keyPath, '-out', certPath], Buffer.alloc(0));
    const config = join(caDir, 'ca.cnf');
    writeFileSync(
      config,
      [
        '[ca]',
        'default_ca = this_ca',
        '[this_ca]',
        `database = ${caDir}/index.txt`,
        `new_certs_dir = ${caDir}/issued`,
        `certificate = ${certPath}`,
        `private_key = ${keyPath}`,
        `serial = ${caDir}/serial`,
        'default_md = sha256',
        'policy = policy_any',
        'unique_subject = no',
        'email_in_dn = no',
        '[policy_any]',
        'commonName = supplied',
        '',
      ].join('\n'),
    );
    return { pem: readFileSync(certPath, 'utf8'), config };
  };
  let trusted: ReturnType<typeof makeCa>;
  let stranger: ReturnType<typeof makeCa>;
  try {
    trusted = makeCa('trusted', '/O=mxray tests/CN=mxray policy host test CA');
    stranger = makeCa('stranger', '/O=elsewhere/CN=Untrusted policy host CA');
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }

  const made = new Map<string, { certPem: string; keyPem: string }>();
  let count = 0;
  const leaf = (name: string, choice: CertChoice): { certPem: string; keyPem: string } => {
    const names = typeof choice === 'object' ? choice.names.map(lower) : [lower(name)];
    const kind = typeof choice === 'object' ? 'names' : choice;
    const key = `${kind} ${names.join(',')}`;
    const known = made.get(key);
    if (known) return known;
    if (names.length === 0) throw new Error('policy host: a certificate needs at least one name');
    const base = join(dir, `leaf-${++count}`);
    openssl(['req', '-new', ...ecKey, '-subj', `/CN=${names[0]}`, '-config', join(dir, 'req.cnf'), '-keyout', `${base}.key`, '-out', `${base}.csr`], Buffer.alloc(0));
    writeFileSync(
      `${base}.ext`,
      [
        '[ext]',
        'basicConstraints = critical, CA:FALSE',
        'keyUsage = critical, digitalSignature',
        'extendedKeyUsage = serverAuth',
        `subjectAltName = ${names.map((n) => `DNS:${n}`).join(', ')}`,
        'subjectKeyIdentifier = hash',
        'authorityKeyIdentifier = keyid',
        '',
      ].join('\n'),
    );
    const from = kind === 'expired' ? madeAt - 30 * DAY_MS : madeAt - HOUR_MS;
    const to = kind === 'expired' ? madeAt - DAY_MS : madeAt + 30 * DAY_MS;
    const ca = kind === 'untrusted' ? stranger : trusted;
    openssl(
      ['ca', '-batch', '-notext', '-rand_serial', '-config', ca.config, '-extfile', `${base}.ext`, '-extensions', 'ext', '-startdate', generalizedTime(from), '-enddate', generalizedTime(to), '-in', `${base}.csr`, '-out', `${base}.pem`],
      Buffer.alloc(0),
    );
    const pair = { certPem: readFileSync(`${base}.pem`, 'utf8'), keyPem: readFileSync(`${base}.key`, 'utf8') };
    made.set(key, pair);
    return pair;
  };
  return {
    caPem: trusted.pem,
    strangerPem: stranger.pem,
    leaf,
    dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function randomLoopback(): string {
  const byte = (min: number) => min + Math.floor(Math.random() * (255 - min));
  return `127.${byte(1)}.${byte(0)}.${byte(1)}`;
}

function listen(server: Server, address: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen({ host: address, port, exclusive: true }, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Writes the body in CHUNK_BYTES pieces, waiting for the socket to drain; stops when the client goes away. */
function writeChunked(res: ServerResponse, body: Buffer): void {
  let sent = 0;
  const pump = (): void => {
    while (sent < body.length && !res.destroyed) {
      const part = body.subarray(sent, sent + CHUNK_BYTES);
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

/** Starts the host on loopback. Certificates are made for every route given (synchronously: openssl). */
export async function startPolicyHost(options: PolicyHostOptions = {}): Promise<PolicyHost> {
  if (options.address !== undefined && !/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(options.address)) {
    throw new Error(`policy host: ${options.address} is not a loopback IPv4 address (127.0.0.0/8)`);
  }
  const ownPki = options.pki === undefined;
  const pki = options.pki ?? makePolicyPki();
  const routes = new Map<string, PolicyRoute>();
  const contexts = new Map<string, SecureContext>();
  const contextFor = (name: string, choice: CertChoice): SecureContext => {
    const { certPem, keyPem } = pki.leaf(name, choice);
    let context = contexts.get(certPem);
    if (!context) {
      context = createSecureContext({ cert: certPem, key: keyPem });
      contexts.set(certPem, context);
    }
    return context;
  };
  const setRoute = (name: string, route: PolicyRoute) => {
    // The certificate is made now, not in the middle of a handshake.
    contextFor(lower(name), route.cert ?? 'valid');
    routes.set(lower(name), route);
  };
  const requests: PolicyRequest[] = [];
  const sni: string[] = [];
  const sockets = new Set<Socket>();

  let defaultLeaf: { certPem: string; keyPem: string };
  try {
    defaultLeaf = pki.leaf(DEFAULT_NAME, 'valid');
    for (const [name, route] of Object.entries(options.routes ?? {})) setRoute(name, route);
  } catch (err) {
    if (ownPki) pki.dispose();
    throw err;
  }
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const host = lower((req.headers.host ?? '').replace(/:\d+$/, ''));
    const servername = (req.socket as TLSSocket).servername;
    requests.push({ host, sni: typeof servername === 'string' ? servername : null, method: req.method ?? '', path: req.url ?? '', headers: req.headers });
    // The request body (none for a GET) is read and dropped, bounded.
    let read = 0;
    req.on('data', (chunk: Buffer) => {
      read += chunk.length;
      if (read > MAX_REQUEST_BODY) req.destroy();
    });
    const route = routes.get(host);
    if (route === undefined) {
      res.writeHead(421, { 'content-type': 'text/plain' }).end(`no route for ${host}\n`);
      return;
    }
    if (route.hang) return; // stop() destroys the socket
    const body = typeof route.body === 'string' ? Buffer.from(route.body, 'utf8') : (route.body ?? Buffer.alloc(0));
    const headers: Record<string, string> = { ...route.headers };
    const contentType = route.contentType === undefined ? 'text/plain' : route.contentType;
    if (contentType !== null) headers['content-type'] = contentType;
    if (route.chunked) {
      headers['transfer-encoding'] = 'chunked';
      res.writeHead(route.status ?? 200, headers);
      writeChunked(res, body);
    } else {
      headers['content-length'] = String(body.length);
      res.writeHead(route.status ?? 200, headers);
      res.end(body);
    }
  };
  const server = createServer(
    {
      cert: defaultLeaf.certPem,
      key: defaultLeaf.keyPem,
      SNICallback: (servername, callback) => {
        sni.push(servername);
        const name = lower(servername);
        const route = routes.get(name);
        try {
          callback(null, route === undefined ? contextFor(DEFAULT_NAME, 'valid') : contextFor(name, route.cert ?? 'valid'));
        } catch (err) {
          callback(err as Error);
        }
      },
    },
    onRequest,
  );
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('secureConnection', (socket: TLSSocket) => socket.on('error', () => undefined));
  // A client that refuses our certificate ends the handshake: expected in these tests.
  server.on('tlsClientError', () => undefined);

  let address = options.address ?? randomLoopback();
  let port: number;
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        port = await listen(server, address, options.port ?? 443);
        break;
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'EACCES' && options.port === undefined) {
          // Port 443 needs privileges here: any free port, and reach() sends the fetches there.
          port = await listen(server, address, 0);
          break;
        }
        if (code !== 'EADDRINUSE' || options.address !== undefined || attempt === 8) throw err;
        address = randomLoopback();
      }
    }
  } catch (err) {
    if (ownPki) pki.dispose();
    throw err;
  }

  let stopped: Promise<void> | null = null;
  return {
    address,
    port,
    caPem: pki.caPem,
    pki,
    requests,
    sni,
    route: setRoute,
    requestCount: (name) => requests.filter((r) => r.host === lower(name)).length,
    reset() {
      requests.length = 0;
      sni.length = 0;
    },
    reach(fetcher) {
      if (port === 443) return fetcher;
      return {
        fetch(request) {
          const url = new URL(request.url);
          if (url.protocol === 'https:' && url.port === '') url.port = String(port);
          return fetcher.fetch({ ...request, url: url.href });
        },
      };
    },
    stop() {
      stopped ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const socket of sockets) socket.destroy();
        await closed;
        if (ownPki) pki.dispose();
      })();
      return stopped;
    },
  };
}
