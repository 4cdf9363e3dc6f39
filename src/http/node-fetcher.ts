// The HTTP(S) fetcher on node:http and node:https. Host names are resolved with the injected
// Resolver and each address is put to the address policy just before we connect to it. The socket
// is opened to that very IP (the Host header and SNI carry the name), so getaddrinfo never runs
// and a name cannot answer one address to the check and another to the connection.
import http from 'node:http';
import https from 'node:https';
import type { HostMapping, Resolver, TrustStore } from '../core/context.js';
import { DnsError, MxrayError } from '../core/errors.js';
import { ipFamily } from '../core/ip.js';
import { VERSION } from '../core/version.js';
import { publicOnlyPolicy } from './address-policy.js';
import {
  DEFAULT_FETCH_LIMITS,
  parseFetchUrl,
  type AddressPolicy,
  type FetchLimits,
  type FetchRequest,
  type FetchResult,
  type FetchTarget,
  type HttpFetcher,
  type HttpMethod,
} from './fetcher.js';

export interface NodeFetcherOptions {
  resolver: Resolver;
  /** The roots HTTPS servers are verified against (nothing else is trusted). */
  trustStore: TrustStore;
  /** Default: publicOnlyPolicy. */
  addressPolicy?: AddressPolicy;
  limits?: Partial<FetchLimits>;
  userAgent?: string;
  /**
   * Host names (lower case, no trailing dot) connected to at this address (and port) instead of
   * their DNS answer — the `--connect` of the SMTP jobs, for the demo lab and tests. The URL, the
   * Host header, SNI and the certificate's name check stay the name's; the address policy still applies.
   */
  hostMap?: ReadonlyMap<string, HostMapping>;
}

/** Where a fetch is: it decides what a failure or a time-out is called. */
export type Phase = 'connect' | 'tls' | 'response';

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  address: string;
  peerChain?: Buffer[];
}

/** At most this many certificates of a chain are handed to the caller (a server may send any number). */
const MAX_PEER_CHAIN = 32;

/** The chain the server sent, leaf first, as Node saw it (its issuer links, without repeats). */
function peerChainOf(socket: import('node:tls').TLSSocket): Buffer[] {
  const out: Buffer[] = [];
  let cert = socket.getPeerCertificate(true);
  while (cert && cert.raw && out.length < MAX_PEER_CHAIN && !out.some((c) => c.equals(cert.raw))) {
    out.push(cert.raw);
    const next = cert.issuerCertificate;
    if (!next || next === cert) break;
    cert = next;
  }
  return out;
}

interface Hop {
  target: FetchTarget;
  method: HttpMethod;
  body: Buffer | null;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** Connection attempts per host name when addresses refuse the connection. */
const MAX_ADDRESSES = 4;

/** Request headers only the fetcher sets. */
const OWN_HEADERS = new Set(['host', 'content-length', 'connection', 'transfer-encoding']);

/** OpenSSL's certificate verification codes, as Node reports them (tls "X509 certificate error codes"). */
const CERT_ERRORS = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_CRL',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECRYPT_CRL_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CRL_SIGNATURE_FAILURE',
  'CRL_NOT_YET_VALID',
  'CRL_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'ERROR_IN_CRL_LAST_UPDATE_FIELD',
  'ERROR_IN_CRL_NEXT_UPDATE_FIELD',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_CHAIN_TOO_LONG',
  'CERT_REVOKED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
]);

function errorCode(err: unknown): string {
  return (err as { code?: unknown }).code?.toString() ?? '';
}

/** What an error from node:http means at this phase. */
export function requestFailure(err: Error, phase: Phase): MxrayError {
  if (err instanceof MxrayError) return err;
  const code = errorCode(err);
  const text = `${err.message}${code ? ` (${code})` : ''}`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || code === 'HOSTNAME_MISMATCH') {
    return new MxrayError('tls-handshake-error', text, 'cert-name-mismatch');
  }
  if (code === 'CERT_HAS_EXPIRED') return new MxrayError('tls-handshake-error', text, 'cert-expired');
  if (code === 'CERT_NOT_YET_VALID') return new MxrayError('tls-handshake-error', text, 'cert-not-yet-valid');
  if (CERT_ERRORS.has(code)) return new MxrayError('tls-handshake-error', text, 'cert-untrusted');
  if (phase === 'connect') {
    if (code === 'ETIMEDOUT') return new MxrayError('connection-timeout', text, code);
    return new MxrayError('connection-refused', text, code || null);
  }
  if (phase === 'tls') return new MxrayError('tls-handshake-error', text, 'handshake-failed');
  if (code === 'HPE_HEADER_OVERFLOW') return new MxrayError('protocol-error', text, 'header-too-large');
  if (code.startsWith('HPE_')) return new MxrayError('protocol-error', text, 'bad-response');
  return new MxrayError('protocol-error', text, 'closed');
}

/** A time-out or an abort: before the TCP connection it is a connection time-out. */
function stopped(signal: AbortSignal, phase: Phase): MxrayError {
  const detail = signal.reason === 'timeout' ? 'timeout' : 'aborted';
  const text = detail === 'timeout' ? 'the fetch ran out of time' : 'the fetch was aborted';
  return new MxrayError(phase === 'connect' ? 'connection-timeout' : 'io-timeout', text, detail);
}

/** `work`, or a rejection as soon as `signal` aborts. */
function unlessStopped<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(stopped(signal, 'connect'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(stopped(signal, 'connect'));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** The absolute URL a redirect points to. */
function redirectLocation(answer: Answer, from: FetchTarget): string {
  const location = answer.headers.location;
  try {
    if (location === undefined) throw new Error('no Location');
    return new URL(location, from.href).href;
  } catch {
    throw new MxrayError('protocol-error', `redirect ${answer.status} without a usable Location`, 'redirect-location');
  }
}

const invalidRequest = (message: string) => new MxrayError('invalid-input', message, 'bad-request');

function checkLimit(value: number, name: string, min: number): number {
  // setTimeout turns anything above 2^31-1 into 1 ms.
  if (!Number.isSafeInteger(value) || value < min || value > 2 ** 31 - 1) throw invalidRequest(`${name} must be an integer ≥ ${min}`);
  return value;
}

/** Builds the fetcher. The adapter uses real time (setTimeout) for its deadline. */
export function createNodeFetcher(options: NodeFetcherOptions): HttpFetcher {
  const limits: FetchLimits = { ...DEFAULT_FETCH_LIMITS, ...options.limits };
  const policy = options.addressPolicy ?? publicOnlyPolicy;
  const userAgent = options.userAgent ?? `mxray/${VERSION}`;
  let caPems: string[] | null = null;
  // Converted on the first HTTPS fetch: the bundled store parses ~145 roots.
  const ca = () => (caPems ??= options.trustStore.pems ? [...options.trustStore.pems()] : options.trustStore.roots().map((cert) => cert.toString()));

  /** The host's addresses, IPv4 first. A failure is the more telling of the two lookups'. */
  async function resolve(target: FetchTarget, signal: AbortSignal): Promise<string[]> {
    if (target.literal) return [target.host];
    const name = target.host;
    const answers = await unlessStopped(Promise.allSettled([options.resolver.a(name), options.resolver.aaaa(name)]), signal);
    const found = answers.flatMap((a) => (a.status === 'fulfilled' ? a.value : [])).filter((ip) => ipFamily(ip) !== 0);
    if (found.length > 0) return [...new Set(found)];
    const failures = answers.flatMap((a) => (a.status === 'rejected' ? [a.reason as unknown] : []));
    const dns = failures.filter((e): e is DnsError => e instanceof DnsError);
    const other = failures.find((e) => !(e instanceof DnsError));
    if (other !== undefined) throw other;
    const worst = dns.find((e) => e.code !== 'NODATA') ?? dns[0];
    if (worst) throw new MxrayError('dns-error', worst.message, worst.code);
    throw new MxrayError('dns-error', `${name} has no usable address`, 'NODATA');
  }

  /** One request to one address. */
  function exchange(hop: Hop, address: string, request: FetchRequest, signal: AbortSignal): Promise<Answer> {
    const { target } = hop;
    const maxBytes = request.maxBytes ?? limits.maxBytes;
    const headers: Record<string, string> = Object.fromEntries(
      Object.entries(request.headers ?? {}).filter(([name]) => !OWN_HEADERS.has(name.toLowerCase())),
    );
    if (!Object.keys(headers).some((name) => name.toLowerCase() === 'user-agent')) headers['user-agent'] = userAgent;
    headers.host = target.authority;
    headers.connection = 'close';
    if (hop.body) headers['content-length'] = String(hop.body.length);
    const requestOptions: https.RequestOptions = {
      host: address,
      port: target.port,
      method: hop.method,
      path: target.path,
      headers,
      agent: false,
      maxHeaderSize: limits.maxHeaderBytes,
      insecureHTTPParser: false,
      // Never reached (the host is an IP address): a guard against getaddrinfo all the same.
      lookup: (hostname, _options, callback) => callback(new MxrayError('internal-error', `lookup of ${hostname} attempted`), '', 4),
    };
    const callerVerifies = target.https && request.tlsVerify === 'caller';
    if (callerVerifies) {
      // No roots into OpenSSL (tens of milliseconds for the bundled store): the caller verifies the chain returned.
      requestOptions.ca = [];
      requestOptions.rejectUnauthorized = false;
      if (!target.literal) requestOptions.servername = target.host;
    } else if (target.https) {
      requestOptions.ca = ca();
      requestOptions.rejectUnauthorized = true;
      // SNI and the name check (Node's checkServerIdentity); an IP address is checked against IP SANs.
      // (Node's agent would take the name from the Host header too; we do not rely on it.)
      if (!target.literal) requestOptions.servername = target.host;
    }
    return new Promise<Answer>((resolve, reject) => {
      if (signal.aborted) {
        reject(stopped(signal, 'connect'));
        return;
      }
      let phase: Phase = 'connect';
      let req: http.ClientRequest;
      // Every source of a second call is ignored after the first.
      let settled = false;
      const finish = (err: MxrayError | null, answer?: Answer) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        req.destroy();
        if (err) reject(err);
        else resolve(answer!);
      };
      const onAbort = () => finish(stopped(signal, phase));
      try {
        req = (target.https ? https : http).request(requestOptions);
      } catch (err) {
        // Node checks header names and values synchronously.
        reject(invalidRequest(`cannot send this request: ${(err as Error).message}`));
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
      req.on('socket', (socket) => {
        socket.once('connect', () => {
          phase = target.https ? 'tls' : 'response';
        });
        socket.once('secureConnect', () => {
          phase = 'response';
        });
      });
      req.on('error', (err) => finish(requestFailure(err, phase)));
      let responded = false;
      // Once a response has come, its own events say how the body ended.
      req.on('close', () => {
        if (!responded) finish(new MxrayError('protocol-error', 'the connection closed before a response', 'closed'));
      });
      req.on('response', (res) => {
        responded = true;
        const status = res.statusCode ?? 0;
        const answerHeaders = Object.fromEntries(
          Object.entries(res.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : (value ?? '')]),
        );
        const peerChain = callerVerifies ? peerChainOf(res.socket as import('node:tls').TLSSocket) : undefined;
        const answer = (body: Buffer): Answer => ({ status, headers: answerHeaders, body, address, ...(peerChain ? { peerChain } : {}) });
        // A redirect we may follow has a body nobody reads.
        if ((request.followRedirects ?? 0) > 0 && REDIRECTS.has(status)) {
          finish(null, answer(Buffer.alloc(0)));
          return;
        }
        const announced = answerHeaders['content-length'];
        if (announced !== undefined && Number(announced) > maxBytes) {
          finish(new MxrayError('protocol-error', `the server announces ${announced} bytes, more than ${maxBytes}`, 'too-large'));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) finish(new MxrayError('protocol-error', `the body is longer than ${maxBytes} bytes`, 'too-large'));
          else chunks.push(chunk);
        });
        res.on('end', () => finish(null, answer(Buffer.concat(chunks, size))));
        // A body cut short ends with 'close' and no 'end'. (A response emits 'error' only when it
        // has a listener, and then only ECONNRESET "aborted" just before that 'close'.) Errors of
        // the connection and of the parser come to the request.
        res.on('close', () => finish(new MxrayError('protocol-error', 'the connection closed before the body was complete', 'closed')));
      });
      req.end(hop.body ?? undefined);
    });
  }

  /** One hop: the host's addresses in turn, each allowed by the policy, until one connects. */
  async function fetchHop(given: Hop, request: FetchRequest, signal: AbortSignal): Promise<Answer> {
    const mapped = given.target.literal ? undefined : options.hostMap?.get(given.target.host.toLowerCase());
    const hop: Hop = mapped ? { ...given, target: { ...given.target, port: mapped.port ?? given.target.port } } : given;
    const addresses = mapped ? [mapped.address] : await resolve(hop.target, signal);
    const refusals: string[] = [];
    let refused: MxrayError | null = null;
    let attempts = 0;
    for (const address of addresses) {
      const verdict = policy(address, hop.target.port);
      if (verdict !== true) {
        refusals.push(`${address}: ${verdict || 'refused'}`);
        continue;
      }
      try {
        return await exchange(hop, address, request, signal);
      } catch (err) {
        // Another address may help when this one cannot be reached at all.
        if (!(err instanceof MxrayError) || err.code !== 'connection-refused' || ++attempts >= MAX_ADDRESSES) throw err;
        refused = err;
      }
    }
    if (refused) throw refused;
    throw new MxrayError('blocked-target', `the address policy refuses ${hop.target.host} (${refusals.join(', ')})`, 'address-policy');
  }

  async function fetchAll(request: FetchRequest, signal: AbortSignal): Promise<FetchResult> {
    const followRedirects = checkLimit(request.followRedirects ?? 0, 'followRedirects', 0);
    const method = request.method ?? 'GET';
    if (method !== 'GET' && method !== 'POST') throw invalidRequest(`method ${String(method)} is not supported`);
    if (request.body && method !== 'POST') throw invalidRequest('a body goes with POST only');
    let hop: Hop = { target: parseFetchUrl(request.url, limits.maxUrlLength), method, body: request.body ?? null };
    const redirects: string[] = [];
    for (;;) {
      const answer = await fetchHop(hop, request, signal);
      if (followRedirects === 0 || !REDIRECTS.has(answer.status)) {
        return { ...answer, url: hop.target.href, redirects };
      }
      if (redirects.length === followRedirects) throw new MxrayError('protocol-error', `more than ${followRedirects} redirects`, 'redirect-limit');
      const target = parseFetchUrl(redirectLocation(answer, hop.target), limits.maxUrlLength);
      if (hop.target.https && !target.https) {
        throw new MxrayError('blocked-target', `redirect from https to ${target.href} refused`, 'redirect-downgrade');
      }
      redirects.push(hop.target.href);
      // Only 307 and 308 repeat a POST; after the others it is a GET without a body (as browsers do).
      const toGet = hop.method === 'POST' && answer.status !== 307 && answer.status !== 308;
      hop = { target, method: toGet ? 'GET' : hop.method, body: toGet ? null : hop.body };
    }
  }

  return {
    async fetch(request: FetchRequest): Promise<FetchResult> {
      if (request.signal?.aborted) throw new MxrayError('connection-timeout', 'the fetch was aborted before it started', 'aborted');
      const timeoutMs = checkLimit(request.timeoutMs ?? limits.timeoutMs, 'timeoutMs', 1);
      checkLimit(request.maxBytes ?? limits.maxBytes, 'maxBytes', 0);
      // One deadline for the whole fetch; an abort from outside ends it the same way.
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort('timeout'), timeoutMs);
      const onAbort = () => controller.abort('aborted');
      request.signal?.addEventListener('abort', onAbort, { once: true });
      try {
        return await fetchAll(request, controller.signal);
      } catch (err) {
        if (err instanceof MxrayError) throw err;
        // An adapter below us (resolver, policy) broke its contract: our bug, not the server's.
        throw new MxrayError('internal-error', `fetch failed unexpectedly: ${err instanceof Error ? err.message : String(err)}`, 'bug');
      } finally {
        clearTimeout(timer);
        request.signal?.removeEventListener('abort', onAbort);
      }
    },
  };
}
