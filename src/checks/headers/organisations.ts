// Which organisation each side of a hop belongs to, and which is the receiving organisation's
// own: the trust boundary of the header analyzer. Pure; names as written in Received lines.
//
// The receiving organisation is what the user names (--domain, --internal), or else the one that
// wrote the topmost Received line naming a host: its registrable domain, or its mail provider
// (kb/mail-providers.ts) when it is hosted there. Private and loopback addresses are always
// internal. Without the public suffix list the registrable domain is read as the last two labels,
// or three under a two-letter country code whose second level is a common public one (co.uk,
// com.au, ne.jp …): close enough to tell two organisations apart.
import { nonPublicReason } from '../../core/address-ranges.js';
import { ipFamily, inNetwork, parseCidr } from '../../core/ip.js';
import { hasSuffix, providerOf } from '../../kb/mail-providers.js';

/** Second levels under which a country's registrations sit (co.uk, com.au, ne.jp …). */
const SECOND_LEVELS = new Set(['co', 'com', 'net', 'org', 'ac', 'gov', 'edu', 'ne', 'or', 'go', 'gob', 'mil', 'nic', 'ltd', 'plc', 'sch', 'gen', 'nom', 'biz', 'info', 'lg', 'ad', 'gr']);

/** Reasons of core/address-ranges.ts that make an address a host of one's own network. */
const INTERNAL_REASONS = new Set(['loopback', 'private', 'link-local', 'shared (CGNAT)', 'unique-local', 'site-local', 'unspecified']);

/** "mx1.mail.example.co.uk" → "example.co.uk"; null for what is not a dotted host name (an address, "[192.0.2.1]", "vss-024"). */
export function registrableDomain(name: string): string | null {
  const n = hostName(name);
  if (n === null) return null;
  const labels = n.split('.');
  const tld = labels[labels.length - 1]!;
  const second = labels[labels.length - 2]!;
  const take = labels.length >= 3 && tld.length === 2 && SECOND_LEVELS.has(second) ? 3 : 2;
  return labels.slice(-take).join('.');
}

/** Whether an address is a private, loopback or link-local one (of the organisation's own network). */
export function isInternalAddress(ip: string): boolean {
  const reason = nonPublicReason(ip);
  // An address that carries an IPv4 address is judged by it: "private (IPv4-mapped)" is private. Only
  // that note comes off: "shared (CGNAT)" is a reason of its own.
  return reason !== null && INTERNAL_REASONS.has(reason.replace(/ \((IPv4-mapped|NAT64|6to4)\)$/, ''));
}

export type OrgKind = 'own' | 'private' | 'provider' | 'outbound' | 'domain' | 'address';

/** One side of a hop: which organisation it was taken for. */
export interface Org {
  kind: OrgKind;
  /** Equal keys: the same organisation. */
  key: string;
  /** For people: "example.org", "Microsoft 365", "private address", "own (--internal)". */
  label: string;
}

export interface OwnOrganisation {
  /** Suffixes taken for the organisation's own names. */
  names: string[];
  /** The provider hosting it, when one hosts it. */
  provider: string | null;
  networks: { bytes: number[]; bits: number }[];
  how: string;
}

/** The user's --internal list split into networks and names (anything that is not an address or CIDR is a name suffix). */
export function splitInternal(internal: readonly string[]): { names: string[]; networks: { bytes: number[]; bits: number }[] } {
  const names: string[] = [];
  const networks: { bytes: number[]; bits: number }[] = [];
  for (const raw of internal) {
    const item = raw.trim().toLowerCase().replace(/^\*?\./, '');
    if (item === '') continue;
    const net = parseCidr(item);
    if (net) networks.push(net);
    else names.push(item.replace(/\.$/, ''));
  }
  return { names, networks };
}

/** The side a name and an address make (the address decides when it is internal; then the name; then the address). */
export function orgOf(name: string | null, ip: string | null, own: OwnOrganisation): Org | null {
  let n = name === null ? null : hostName(name);
  // A name that is an address ("from 192.0.2.7", a HELO "[10.0.0.5]") is the address when none other was written.
  const literal = name === null ? null : addressLiteral(name);
  if (ip === null && literal !== null) ip = literal;
  if (literal !== null) n = null;
  if (ip !== null && own.networks.some((net) => inNetwork(ip, net))) return { kind: 'own', key: 'own', label: 'own (--internal)' };
  if (ip !== null && isInternalAddress(ip)) return { kind: 'private', key: 'private', label: 'private address' };
  if (n !== null) {
    if (own.names.some((s) => hasSuffix(n!, s))) return { kind: 'own', key: 'own', label: `own (${own.names.find((s) => hasSuffix(n!, s))})` };
    const p = providerOf(n);
    if (p && p.outbound) return { kind: 'outbound', key: `outbound:${n}`, label: `${p.provider.name}, another customer’s outbound relay` };
    if (p) return own.provider === p.provider.name ? { kind: 'own', key: 'own', label: `own (${p.provider.name})` } : { kind: 'provider', key: `provider:${p.provider.name}`, label: p.provider.name };
    const d = registrableDomain(n);
    if (d !== null) return { kind: 'domain', key: `domain:${d}`, label: d };
  }
  if (ip !== null) return { kind: 'address', key: `address:${ip.toLowerCase()}`, label: ip };
  return null;
}

/** "[192.0.2.7]", "[IPv6:2001:db8::1]", "192.0.2.7" → the address; null for anything else. */
export function addressLiteral(text: string): string | null {
  let t = text.trim();
  if (t.startsWith('[') && t.endsWith(']')) t = t.slice(1, -1);
  if (t.toLowerCase().startsWith('ipv6:')) t = t.slice(5);
  return ipFamily(t) !== 0 ? t : null;
}

/** A dotted host name as written (lower-case, no final dot), or null for anything that is not one ("vss-024", "?192.0.2.3?", "[…]"). */
export function hostName(text: string): string | null {
  const n = text.trim().toLowerCase().replace(/\.$/, '');
  if (n.length === 0 || n.length > 253 || !n.includes('.') || ipFamily(n) !== 0) return null;
  return /^[a-z0-9_-]+(\.[a-z0-9_-]+)+$/.test(n) ? n : null;
}

/** Whether a side is the receiving organisation's own, or its private network. */
export const isOwnSide = (o: Org | null): boolean => o !== null && (o.kind === 'own' || o.kind === 'private');

/**
 * The receiving organisation: the user's --domain and --internal, or else the topmost named `by`
 * host's organisation (its provider when one hosts it).
 */
export function ownOrganisation(bysNewestFirst: readonly (string | null)[], domains: readonly string[], internal: readonly string[]): OwnOrganisation {
  const { names, networks } = splitInternal(internal);
  const given = domains.map((d) => d.trim().toLowerCase().replace(/^\*?\./, '').replace(/\.$/, '')).filter((d) => d !== '');
  const top = bysNewestFirst.find((b): b is string => b !== null && addressLiteral(b) === null && b.includes('.'));
  // A provider that wrote the topmost line hosts the organisation: its hosts are the organisation's own, --domain or not.
  const p = top === undefined ? null : providerOf(top);
  const provider = p && !p.outbound ? p.provider.name : null;
  if (given.length > 0) return { names: [...given, ...names], provider, networks, how: `--domain ${given.join(', ')}${names.length || networks.length ? ' and --internal' : ''}${provider ? `, hosted by ${provider}` : ''}` };
  if (top === undefined) return { names, provider: null, networks, how: names.length || networks.length ? '--internal only' : 'no Received line names a receiving host' };
  if (provider) return { names, provider, networks, how: `hosted by ${provider}: the topmost Received line is written by ${top}` };
  const d = registrableDomain(top) ?? top.toLowerCase();
  return { names: [d, ...names], provider: null, networks, how: `the topmost Received line is written by ${top}` };
}
