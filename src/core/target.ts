// What the user asked us to test, from the command line or the web form, in one Target.
//   example.com  user@example.com           a mail domain: look up its MX hosts, port 25
//   mx.example.com:2525  192.0.2.1  [2001:db8::1]:25  2001:db8::1   one server directly
//   --host mx.example.com [example.com]     that server directly, the positional names the domain
import { domainToASCII } from 'node:url';
import { UsageError } from './errors.js';
import { ipv6PortReading, isIPv4, isIPv6 } from './ip.js';
import { neutralise } from './transcript.js';
import type { Target } from './schema.js';

export interface TargetOptions {
  /** --host: test this server directly (a name or an IP, optionally with :port). */
  host?: string | null;
  /** --port: overrides port 25 (or the port in the target). */
  port?: number | null;
  /** --tls-on-connect: TLS from the first byte (SMTPS). Default: only on port 465. */
  tlsOnConnect?: boolean;
}

const DEFAULT_PORT = 25;
const MAX_INPUT = 1024;
const MAX_NAME = 253;
const MAX_LABEL = 63;
const LDH_LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

/** One server: a name or an IP, and a port when one was written. */
interface ServerSpec {
  host: string;
  port: number | null;
}

/**
 * Shortens what we echo back so one hostile argument cannot flood the terminal, with control and
 * bidirectional characters made visible (JSON.stringify leaves U+202E and C1 controls as they are).
 */
function quote(text: string): string {
  const shown = text.length > 80 ? `${text.slice(0, 77)}...` : text;
  return neutralise(JSON.stringify(shown));
}

/**
 * Refuses a bare IPv6 address whose last group could be a port ("::1:25"): with brackets it is
 * clear which is meant. `what` says where it was written ("--connect a=::1:25").
 */
export function refuseAmbiguousIPv6(text: string, what = quote(text)): void {
  const other = ipv6PortReading(text);
  if (other) {
    throw new UsageError(`${what} is ambiguous: write [${other.address}]:${other.port} for port ${other.port} of ${other.address}, or [${text}] for the address ${text}`);
  }
}

function parsePortText(text: string, whole: string): number {
  if (!/^[0-9]{1,5}$/.test(text)) throw new UsageError(`${quote(whole)}: the port must be a number from 1 to 65535`);
  return checkPort(Number(text), whole);
}

function checkPort(port: number, whole: string): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UsageError(`${quote(whole)}: the port must be a number from 1 to 65535`);
  }
  return port;
}

/**
 * A DNS name as we will query it: trailing dot removed, lowercase, IDN labels in their ASCII
 * (xn--) form, letters-digits-hyphens labels of 1-63 characters, at most 253 in all.
 * `what` names the thing for the error message ("mail domain", "host name").
 */
export function normalizeDomainName(text: string, what = 'domain name'): string {
  let name = text;
  if (name.endsWith('.') && !name.endsWith('..')) name = name.slice(0, -1);
  if (name === '') throw new UsageError(`${quote(text)} is not a valid ${what}`);
  // eslint-disable-next-line no-control-regex
  if (/[^\x00-\x7f]/.test(name)) {
    // domainToASCII reads a URL host: "/", "?", "#" or "\" would end the host there and drop the rest
    // ("bücher.example/x" → "xn--bcher-kva.example"), so no ASCII character but letters, digits,
    // hyphens and dots may come along.
    // eslint-disable-next-line no-control-regex
    if (/(?![a-z0-9.-])[\x00-\x7f]/i.test(name)) {
      throw new UsageError(`${quote(text)} is not a valid ${what}: labels hold only letters, digits and inner hyphens`);
    }
    const ascii = domainToASCII(name);
    // domainToASCII returns '' for a name it cannot convert.
    if (ascii === '') throw new UsageError(`${quote(text)} is not a valid internationalised ${what}`);
    name = ascii.endsWith('.') ? ascii.slice(0, -1) : ascii;
  }
  name = name.toLowerCase();
  if (name.length > MAX_NAME) throw new UsageError(`${quote(text)} is too long for a ${what} (at most ${MAX_NAME} characters)`);
  const labels = name.split('.');
  for (const label of labels) {
    if (label === '') throw new UsageError(`${quote(text)} is not a valid ${what}: it has an empty label`);
    if (label.length > MAX_LABEL) {
      throw new UsageError(`${quote(text)} is not a valid ${what}: a label is longer than ${MAX_LABEL} characters`);
    }
    if (!LDH_LABEL.test(label)) {
      throw new UsageError(
        `${quote(text)} is not a valid ${what}: labels hold only letters, digits and inner hyphens`,
      );
    }
  }
  // An all-numeric last label is an IP address gone wrong ("192.0.2" or "300.1.1.1"), not a name.
  if (/^[0-9]+$/.test(labels[labels.length - 1] as string)) {
    throw new UsageError(`${quote(text)} is neither a valid IPv4 address nor a ${what}`);
  }
  return name;
}

/** "[2001:db8::1]", "[2001:db8::1]:2525", "[IPv6:2001:db8::1]" (SMTP form), "[192.0.2.1]". */
function parseBracketed(text: string): ServerSpec {
  const m = /^\[([^\]]*)\](?::(.*))?$/.exec(text);
  if (!m) throw new UsageError(`${quote(text)} is not a valid address: write [IPv6] or [IPv6]:port`);
  let inner = m[1] as string; // ([^\]]*) always takes part in the match
  // RFC 5321 §4.1.3: the "IPv6:" tag belongs to an IPv6 address only.
  const tagged = /^ipv6:/i.test(inner);
  if (tagged) inner = inner.slice(5);
  inner = inner.toLowerCase();
  if (!isIPv6(inner) && (tagged || !isIPv4(inner))) throw new UsageError(`${quote(text)}: ${quote(inner)} is not a valid ${tagged ? 'IPv6' : 'IP'} address`);
  const port = m[2] === undefined ? null : parsePortText(m[2], text);
  return { host: inner, port };
}

/** A server as written: name, IPv4, [IPv6], bare IPv6, each with an optional :port. */
function parseServer(text: string): ServerSpec {
  if (text.startsWith('[')) return parseBracketed(text);
  const colons = text.split(':').length - 1;
  if (colons > 1) {
    const lower = text.toLowerCase();
    if (isIPv6(lower)) {
      refuseAmbiguousIPv6(lower, quote(text));
      return { host: lower, port: null };
    }
    throw new UsageError(`${quote(text)} is not a valid IPv6 address (with a port, write [IPv6]:port)`);
  }
  if (colons === 1) {
    const at = text.lastIndexOf(':');
    const hostPart = text.slice(0, at);
    const port = parsePortText(text.slice(at + 1), text);
    if (hostPart === '') throw new UsageError(`${quote(text)}: a server name or address is missing before the port`);
    return { host: isIPv4(hostPart) ? hostPart : normalizeDomainName(hostPart, 'host name'), port };
  }
  if (isIPv4(text)) return { host: text, port: null };
  return { host: normalizeDomainName(text, 'host name'), port: null };
}

/** Whether the text is written as a server (an IP, a port, brackets) rather than a mail domain. */
function looksLikeServer(text: string): boolean {
  return text.startsWith('[') || text.includes(':') || isIPv4(text);
}

/** Checks on a non-empty positional or --host value before it is parsed. */
function rejectObviousMistakes(text: string): void {
  if (text.length > MAX_INPUT) throw new UsageError(`the target is too long (${text.length} characters)`);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    throw new UsageError(`${quote(text)} looks like a URL: give a mail domain, user@domain or host:port`);
  }
  if (/\s/.test(text)) throw new UsageError(`${quote(text)} contains white space: give a single mail domain, user@domain or host:port`);
  // "-a@example.com" is a valid address; "-v" or "-a.com" is more likely a misplaced option.
  if (text.startsWith('-') && !text.includes('@')) {
    throw new UsageError(`${quote(text)} is not a valid target (an option given in the wrong place?)`);
  }
}

/** The positional argument read: a mail domain, or a server written directly. */
interface Positional {
  kind: 'domain' | 'host';
  domain: string | null;
  server: ServerSpec | null;
}

function parsePositional(text: string): Positional {
  rejectObviousMistakes(text);
  const at = text.lastIndexOf('@');
  if (at >= 0) {
    const local = text.slice(0, at);
    const domainPart = text.slice(at + 1);
    if (local === '') throw new UsageError(`${quote(text)}: the part before @ is empty`);
    if (domainPart === '') throw new UsageError(`${quote(text)}: the domain after @ is missing`);
    // user@[192.0.2.1]: an address literal names the server itself (RFC 5321 §4.1.3).
    if (domainPart.startsWith('[')) {
      const spec = parseBracketed(domainPart);
      if (spec.port !== null) throw new UsageError(`${quote(text)}: an e-mail address does not carry a port`);
      return { kind: 'host', domain: null, server: spec };
    }
    return { kind: 'domain', domain: normalizeDomainName(domainPart, 'mail domain'), server: null };
  }
  if (looksLikeServer(text)) return { kind: 'host', domain: null, server: parseServer(text) };
  return { kind: 'domain', domain: normalizeDomainName(text, 'mail domain'), server: null };
}

/**
 * Turns what the user typed into a Target, or throws UsageError with one line saying why not.
 * `input` is the positional argument (may be null when options.host is given).
 */
export function parseTarget(input: string | null, options: TargetOptions = {}): Target {
  const positional = input === null ? '' : input.trim();
  const hostText = options.host === null || options.host === undefined ? '' : options.host.trim();
  const portOption = options.port === null || options.port === undefined ? null : checkPort(options.port, String(options.port));

  let kind: Target['kind'];
  let domain: string | null = null;
  let host: string | null = null;
  let writtenPort: number | null = null;

  if (hostText !== '') {
    rejectObviousMistakes(hostText);
    if (hostText.includes('@')) throw new UsageError(`--host ${quote(hostText)}: give a server name or address, not an e-mail address`);
    const server = parseServer(hostText);
    kind = 'host';
    host = server.host;
    writtenPort = server.port;
    if (positional !== '') {
      const p = parsePositional(positional);
      if (p.kind !== 'domain') {
        throw new UsageError(`with --host, the target must be a mail domain or user@domain, not the server ${quote(positional)}`);
      }
      domain = p.domain;
    }
  } else {
    if (positional === '') throw new UsageError('no target given: give a mail domain, user@domain or host:port');
    const p = parsePositional(positional);
    kind = p.kind;
    domain = p.domain;
    host = p.server?.host ?? null;
    writtenPort = p.server?.port ?? null;
  }

  if (writtenPort !== null && portOption !== null && writtenPort !== portOption) {
    throw new UsageError(`the port is given twice (${writtenPort} in the target, ${portOption} with --port)`);
  }
  const port = portOption ?? writtenPort ?? DEFAULT_PORT;
  return {
    input: input ?? hostText,
    kind,
    domain,
    host,
    port,
    implicitTls: options.tlsOnConnect ?? port === 465,
  };
}
