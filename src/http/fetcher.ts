// The HTTP(S) fetcher port: what AIA, CRL, OCSP and MTA-STS fetches get injected. Their URLs come
// from certificates and DNS, so every one is hostile: scheme, address, size and time are bounded,
// and the URL rules below hold for every adapter and every redirect hop.
import { MxrayError } from '../core/errors.js';
import { ipFamily } from '../core/ip.js';

export type HttpMethod = 'GET' | 'POST';

export interface FetchRequest {
  /** An http: or https: URL without credentials. */
  url: string;
  /** Default GET. */
  method?: HttpMethod;
  /** Request body (POST only). */
  body?: Buffer;
  /** Extra request headers. Host, Content-Length, Connection and Transfer-Encoding are the fetcher's. */
  headers?: Readonly<Record<string, string>>;
  /** Most body bytes accepted; more is 'too-large'. Default: the fetcher's limits. */
  maxBytes?: number;
  /** Time for the whole fetch, redirects included: DNS, connect, TLS, headers and body. */
  timeoutMs?: number;
  /** How many redirects to follow. Default 0: a 3xx is returned as the result. */
  followRedirects?: number;
  /**
   * Who verifies an HTTPS server's certificate. 'fetcher' (default): the fetcher, against its trust
   * store and the URL's host name; a failure rejects with tls-handshake-error. 'caller': the
   * fetcher accepts any certificate and returns the chain as the server sent it (`peerChain`), for
   * the caller to verify with pki/ (the MTA-STS policy fetch: the same verifier and report as the
   * MX certificates, and no trust store loaded into OpenSSL). Only for requests that send nothing secret.
   */
  tlsVerify?: 'fetcher' | 'caller';
  signal?: AbortSignal;
}

export interface FetchResult {
  status: number;
  /** Response headers, names in lower case; a repeated header's values joined with ", ". */
  headers: Readonly<Record<string, string>>;
  /** The body as received: nothing is decoded (no charset, no Content-Encoding). */
  body: Buffer;
  /** The URL that gave this response (the last hop). */
  url: string;
  /** The IP address that answered. */
  address: string;
  /** The URLs that answered with a redirect we followed, in order; empty when there was none. */
  redirects: string[];
  /** With `tlsVerify: 'caller'` over HTTPS: the certificates the server sent (DER, leaf first); else absent. */
  peerChain?: Buffer[];
}

/**
 * Asked before every connection, redirects included: true to allow, false or a reason to refuse
 * (refusal: 'blocked-target'). A host name's addresses are each asked; refused ones are skipped.
 */
export type AddressPolicy = (address: string, port: number) => boolean | string;

/**
 * Fetches one URL. Rejects only with MxrayError; tests and callers read `code` and `detail`:
 *
 * | code | detail |
 * |---|---|
 * | invalid-input | bad-url, bad-scheme, credentials, bad-port, url-too-long, bad-request |
 * | dns-error | the DnsError code (NXDOMAIN, NODATA, SERVFAIL, TIMEOUT …) |
 * | blocked-target | address-policy, redirect-downgrade (https → http) |
 * | connection-refused | the errno (ECONNREFUSED, ENETUNREACH …) |
 * | connection-timeout, io-timeout | timeout, aborted (before / after the TCP connection) |
 * | tls-handshake-error | cert-untrusted, cert-expired, cert-not-yet-valid, cert-name-mismatch, handshake-failed |
 * | protocol-error | too-large, header-too-large, bad-response, closed, redirect-limit, redirect-location |
 */
export interface HttpFetcher {
  fetch(request: FetchRequest): Promise<FetchResult>;
}

export interface FetchLimits {
  /** Body bytes (MTA-STS callers ask for 64 KiB). */
  maxBytes: number;
  timeoutMs: number;
  /** Bytes of the status line and headers together. */
  maxHeaderBytes: number;
  /** Characters of a URL, as given and after normalisation. */
  maxUrlLength: number;
}

export const DEFAULT_FETCH_LIMITS: FetchLimits = {
  maxBytes: 1024 * 1024,
  timeoutMs: 15_000,
  maxHeaderBytes: 16 * 1024,
  maxUrlLength: 2048,
};

/** A URL that passed the rules, split the way a connection needs it. */
export interface FetchTarget {
  /** The normalised URL. */
  href: string;
  https: boolean;
  /** A host name (without a trailing dot) or an IP address (IPv6 without brackets). */
  host: string;
  /** Whether `host` is an IP address (used as is, no DNS). */
  literal: boolean;
  port: number;
  /** The Host header: host and port as in the URL. */
  authority: string;
  /** Path and query; never the fragment. */
  path: string;
}

const invalid = (message: string, detail: string) => new MxrayError('invalid-input', message, detail);

/** Checks a URL against the fetch rules. Throws MxrayError('invalid-input') with the rule broken. */
export function parseFetchUrl(text: string, maxUrlLength: number = DEFAULT_FETCH_LIMITS.maxUrlLength): FetchTarget {
  if (text.length > maxUrlLength) throw invalid(`URL longer than ${maxUrlLength} characters`, 'url-too-long');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid('not a URL', 'bad-url');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid(`scheme ${url.protocol} is not fetched`, 'bad-scheme');
  if (url.username !== '' || url.password !== '') throw invalid('URL carries credentials', 'credentials');
  // Normalising can make a URL longer (IDNA, percent-encoding).
  if (url.href.length > maxUrlLength) throw invalid(`URL longer than ${maxUrlLength} characters`, 'url-too-long');
  const https = url.protocol === 'https:';
  const port = url.port === '' ? (https ? 443 : 80) : Number(url.port);
  if (port === 0) throw invalid('port 0', 'bad-port');
  const bracketed = url.hostname.startsWith('[');
  const host = bracketed ? url.hostname.slice(1, -1) : url.hostname.replace(/\.$/, '');
  // The WHATWG parser has turned every IPv4 spelling (0x7f.1, 2130706433 …) into a dotted quad.
  const literal = ipFamily(host) !== 0;
  if (host === '' || (bracketed && !literal)) throw invalid('URL has no usable host', 'bad-url');
  return { href: url.href, https, host, literal, port, authority: url.host, path: `${url.pathname}${url.search}` };
}
