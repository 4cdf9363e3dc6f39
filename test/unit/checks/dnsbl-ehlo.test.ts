// addressFromEhlo (smtp/ehlo-address.ts): the address a server says it sees us connect from, in
// the first line of its EHLO reply, as real servers write it; hostile text gives null.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ipFamily } from '../../../src/core/ip.js';
import { addressFromEhlo } from '../../../src/smtp/ehlo-address.js';

describe('addressFromEhlo', () => {
  it('the replies of real servers', () => {
    // Exchange / Exchange Online
    expect(addressFromEhlo('250-AM0PR01MB1234.eurprd01.prod.exchangelabs.com Hello [203.0.113.5]')).toBe('203.0.113.5');
    // Exim
    expect(addressFromEhlo('250-mx.example.com Hello host.example.net [203.0.113.5]')).toBe('203.0.113.5');
    // Sendmail
    expect(addressFromEhlo('250-mx.example.com Hello host.example.net [203.0.113.5], pleased to meet you')).toBe('203.0.113.5');
    // Gmail
    expect(addressFromEhlo('250-mx.google.com at your service, [203.0.113.5]')).toBe('203.0.113.5');
    // Without the reply code, and the last line of a one-line reply.
    expect(addressFromEhlo('mx.example.com Hello [203.0.113.5]')).toBe('203.0.113.5');
    expect(addressFromEhlo('250 mx.example.com Hello [203.0.113.5]')).toBe('203.0.113.5');
  });

  it('IPv6: the RFC 5321 literal and the bare form; an IPv4-mapped one is its IPv4 address', () => {
    expect(addressFromEhlo('250-mx.example.com Hello [IPv6:2001:DB8::1]')).toBe('2001:db8::1');
    expect(addressFromEhlo('250-mx.example.com Hello host.example [2001:db8::1]')).toBe('2001:db8::1');
    expect(addressFromEhlo('250-mx.example.com Hello [IPv6:::ffff:203.0.113.5]')).toBe('203.0.113.5');
  });

  it('Postfix echoes nothing; the server’s own name as an address literal is not ours; junk in brackets is no address', () => {
    expect(addressFromEhlo('250-mx.example.com')).toBeNull();
    expect(addressFromEhlo('250-[192.0.2.1]')).toBeNull();
    expect(addressFromEhlo('250-[192.0.2.1] Hello [203.0.113.5]')).toBe('203.0.113.5');
    expect(addressFromEhlo('250-mx.example.com Hello [unknown]')).toBeNull();
    expect(addressFromEhlo('250-mx.example.com Hello [IPv6:203.0.113.5]')).toBeNull();
    expect(addressFromEhlo('250-mx.example.com Hello [999.0.113.5] [203.0.113.6]')).toBe('203.0.113.6');
    expect(addressFromEhlo('')).toBeNull();
    // Far past the first 512 characters: not read.
    expect(addressFromEhlo(`250-mx.example.com ${'x'.repeat(600)} [203.0.113.5]`)).toBeNull();
  });

  it('never throws, and returns only a valid IP address', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        const got = addressFromEhlo(text);
        expect(got === null || ipFamily(got) !== 0).toBe(true);
      }),
    );
  });
});
