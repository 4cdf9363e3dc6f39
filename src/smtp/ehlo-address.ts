// The client address a server echoes in the first line of its EHLO reply: the address it sees us
// connect from (behind NAT, our public address), which is the one block lists are asked about.
//   Exchange: 250-mx.example.com Hello [203.0.113.5]
//   Exim:     250-mx.example.com Hello host.example [203.0.113.5]
//   Sendmail: 250-mx.example.com Hello host.example [203.0.113.5], pleased to meet you
//   Gmail:    250-mx.google.com at your service, [203.0.113.5]
//   IPv6:     [IPv6:2001:db8::1] (RFC 5321 address literal) or bare [2001:db8::1]
// Postfix echoes nothing. Pure and total: hostile text gives null, never an exception.
import { ipFamily } from '../core/ip.js';

/** Only the start of a line is read: a first line is short, a hostile one is not. */
const MAX_READ = 512;

/** An IPv4-mapped IPv6 address (::ffff:203.0.113.5) is the IPv4 address it carries. */
function unmapped(address: string): string {
  const m = /^(?:0{0,4}:){0,5}:?ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return m && ipFamily(m[1] as string) === 4 ? (m[1] as string) : address;
}

/**
 * The first valid IP address in square brackets after the server's own name (so a server named
 * by an address literal, "250-[192.0.2.1] Hello [203.0.113.5]", gives the client's), with or
 * without the reply code; null when the server echoes none.
 */
export function addressFromEhlo(ehloFirstLine: string): string | null {
  const line = ehloFirstLine.slice(0, MAX_READ).replace(/^[0-9]{3}[- ]?/, '');
  // The first word is the server's own name (RFC 5321 §4.1.1.1: "250" SP Domain [ SP ehlo-greet]).
  const greet = line.replace(/^\s*\S+/, '');
  for (const m of greet.matchAll(/\[([^\][\s]{1,64})\]/g)) {
    const inner = (m[1] as string).replace(/^ipv6:/i, '');
    const tagged = inner.length !== (m[1] as string).length;
    const family = ipFamily(inner);
    if (family === 6 || (family === 4 && !tagged)) return family === 6 ? unmapped(inner.toLowerCase()) : inner;
  }
  return null;
}
