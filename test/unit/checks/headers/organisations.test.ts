// The header analyzer's trust boundary, piece by piece: registrable domains, internal addresses,
// the --internal list, which organisation each side of a hop is taken for, the receiving
// organisation, and the mail providers' table (kb/mail-providers.ts). Pure functions, no Received text.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type * as Organisations from '../../../../src/checks/headers/organisations.js';
import type { OwnOrganisation } from '../../../../src/checks/headers/organisations.js';
import type * as Providers from '../../../../src/kb/mail-providers.js';

// The modules and their tables (second levels, internal reasons, the providers) load inside each test,
// so that mutation testing runs the tables' mutants against these tests (docs/TESTING.md).
let O: typeof Organisations;
let P: typeof Providers;
beforeEach(async () => {
  vi.resetModules();
  O = await import('../../../../src/checks/headers/organisations.js');
  P = await import('../../../../src/kb/mail-providers.js');
});
const addressLiteral = (...a: Parameters<typeof Organisations.addressLiteral>) => O.addressLiteral(...a);
const hostName = (...a: Parameters<typeof Organisations.hostName>) => O.hostName(...a);
const isInternalAddress = (...a: Parameters<typeof Organisations.isInternalAddress>) => O.isInternalAddress(...a);
const isOwnSide = (...a: Parameters<typeof Organisations.isOwnSide>) => O.isOwnSide(...a);
const orgOf = (...a: Parameters<typeof Organisations.orgOf>) => O.orgOf(...a);
const ownOrganisation = (...a: Parameters<typeof Organisations.ownOrganisation>) => O.ownOrganisation(...a);
const registrableDomain = (...a: Parameters<typeof Organisations.registrableDomain>) => O.registrableDomain(...a);
const splitInternal = (...a: Parameters<typeof Organisations.splitInternal>) => O.splitInternal(...a);
const hasSuffix = (...a: Parameters<typeof Providers.hasSuffix>) => P.hasSuffix(...a);
const providerOf = (...a: Parameters<typeof Providers.providerOf>) => P.providerOf(...a);

/** The receiving organisation as ownOrganisation makes it; a test names only what it changes. */
const own = (over: Partial<OwnOrganisation> = {}): OwnOrganisation => ({ names: [], provider: null, networks: [], how: 'test', ...over });

describe('registrableDomain', () => {
  it.each([
    ['example.org', 'example.org'],
    ['mx1.mail.example.org', 'example.org'],
    ['MX1.Example.ORG', 'example.org'],
    ['mx.example.org.', 'example.org'],
    ['mx1.mail.example.co.uk', 'example.co.uk'],
    ['example.co.uk', 'example.co.uk'],
    ['mx.example.com.au', 'example.com.au'],
    ['smtp.example.ne.jp', 'example.ne.jp'],
    // Only a two-letter top-level domain has public second levels.
    ['mx.co.example', 'co.example'],
    ['mx.com.example', 'com.example'],
    // A second level that is not a public one.
    ['mx.example.de', 'example.de'],
    ['mx.example.co', 'example.co'],
    // Two labels under a country code stay two, even when the first is a public second level.
    ['co.uk', 'co.uk'],
  ])('%s → %s', (name, expected) => {
    expect(registrableDomain(name)).toBe(expected);
  });

  it.each([
    ['localhost', 'a single label'],
    ['localhost.', 'a single label with its dot'],
    ['', 'nothing'],
    ['192.0.2.1', 'an IPv4 address'],
    ['192.0.2.1.', 'an IPv4 address with a dot'],
    ['::ffff:192.0.2.1', 'an IPv4-mapped IPv6 address'],
    ['2001:db8::1', 'an IPv6 address'],
    ['mx..example.org', 'an empty label inside'],
    ['.example.org', 'an empty first label'],
    ['example.org..', 'an empty last label'],
    ['[192.0.2.1]', 'an address literal'],
    ['[10.0.0.5]', 'a private address literal'],
    ['[ipv6:2001:db8::1]', 'an IPv6 address literal'],
    ['[mx.example.org', 'a name with a "["'],
    ['mx.example.org]', 'a name with a "]"'],
    ['mx.example.org:25', 'a name with a port'],
    ['mx.exa\tmple.org', 'a name with a tab'],
    ['mx.exämple.org', 'a name with a letter outside ASCII'],
    ['mx.example.org/x', 'a name with a slash'],
    ['mx example.org', 'a name with a space'],
    ['user@example.org', 'an address of mail'],
  ])('%s (%s) → null', (name) => {
    expect(registrableDomain(name)).toBeNull();
  });

  it.each(['co', 'com', 'net', 'org', 'ac', 'gov', 'edu', 'ne', 'or', 'go', 'gob', 'mil', 'nic', 'ltd', 'plc', 'sch', 'gen', 'nom', 'biz', 'info', 'lg', 'ad', 'gr'])(
    'takes three labels under the public second level %s of a country code',
    (second) => {
      expect(registrableDomain(`mx.example.${second}.xy`)).toBe(`example.${second}.xy`);
    },
  );

  it('takes two labels under a second level that is not a public one', () => {
    for (const second of ['cox', 'mail', 'example', 'info2', 'co-op']) expect(registrableDomain(`mx.example.${second}.xy`)).toBe(`${second}.xy`);
  });

  it('takes a name of 253 characters, not one of 254', () => {
    const name253 = `${'a'.repeat(61)}.${'b'.repeat(61)}.${'c'.repeat(61)}.${'d'.repeat(63)}.org`;
    expect(name253).toHaveLength(253);
    expect(registrableDomain(name253)).toBe(`${'d'.repeat(63)}.org`);
    // The dot at the end does not count.
    expect(registrableDomain(`${name253}.`)).toBe(`${'d'.repeat(63)}.org`);
    expect(registrableDomain(`e${name253}`)).toBeNull();
  });
});

describe('addressLiteral and hostName', () => {
  it.each([
    ['192.0.2.1', '192.0.2.1'],
    ['[192.0.2.1]', '192.0.2.1'],
    [' [192.0.2.1] ', '192.0.2.1'],
    ['2001:db8::1', '2001:db8::1'],
    ['[IPv6:2001:db8::1]', '2001:db8::1'],
    ['[ipv6:2001:DB8::1]', '2001:DB8::1'],
    ['[2001:db8::1]', '2001:db8::1'],
  ])('addressLiteral(%j) → %s', (text, address) => {
    expect(addressLiteral(text)).toBe(address);
  });

  it.each(['mx.example.org', '[mx.example.org]', '[192.0.2.1', '[2001:db8::1', '192.0.2.1]', '[192.0.2.1]:25', 'x[192.0.2.1]', '[IPv6:192.0.2.1x]', '[]', ''])('addressLiteral(%j) is null', (text) => {
    expect(addressLiteral(text)).toBeNull();
  });

  it.each([
    ['MX.Example.ORG.', 'mx.example.org'],
    [' mx.example.org ', 'mx.example.org'],
    ['mail_relay-2.example.org', 'mail_relay-2.example.org'],
    ['a.mail_relay-2.example.org', 'a.mail_relay-2.example.org'],
    ['192.0.2.1.example.org', '192.0.2.1.example.org'],
  ])('hostName(%j) → %s', (text, name) => {
    expect(hostName(text)).toBe(name);
  });

  it.each(['vss-024', '', '.', '192.0.2.1', '[192.0.2.1]', '?192.0.2.3?', 'mx..example.org', 'mx.exa mple.org', 'user@example.org', `${'a'.repeat(250)}.org`])('hostName(%j) is null', (text) => {
    expect(hostName(text)).toBeNull();
  });
});

describe('isInternalAddress', () => {
  it.each([
    '10.0.0.1',
    '10.255.255.255',
    '172.16.0.1',
    '172.31.255.254',
    '192.168.1.1',
    '127.0.0.1',
    '127.1.2.3',
    '169.254.10.20',
    '100.64.0.1',
    '100.127.255.254',
    '0.0.0.0',
    '::1',
    '::',
    'fc00::1',
    'fd12:3456::1',
    'fe80::1',
    'febf::1',
    'fec0::1',
    '::ffff:10.1.2.3',
    '::ffff:192.168.0.9',
    '::ffff:127.0.0.1',
    '::ffff:100.64.0.1',
    // NAT64 and 6to4 addresses are judged by the IPv4 address they carry.
    '64:ff9b::a00:1',
    '2002:a00:1::1',
  ])('%s is internal', (ip) => {
    expect(isInternalAddress(ip)).toBe(true);
  });

  it.each([
    // Documentation and public addresses, and the edges of the private ranges.
    '192.0.2.1',
    '198.51.100.7',
    '203.0.113.9',
    '2001:db8::1',
    '8.8.8.8',
    '2a00:1450::1',
    '172.15.255.255',
    '172.32.0.1',
    '100.63.255.255',
    '100.128.0.1',
    '11.0.0.1',
    '192.169.0.1',
    'fe00::1',
    '::ffff:192.0.2.1',
    '::ffff:8.8.8.8',
    '64:ff9b::c000:201',
    '2002:c000:201::1',
    // Not internal either: multicast, reserved, benchmarking.
    '224.0.0.1',
    '240.0.0.1',
    '198.18.0.1',
    'ff02::1',
    // Not an address at all.
    'mx.example.org',
    '',
  ])('%s is not internal', (ip) => {
    expect(isInternalAddress(ip)).toBe(false);
  });
});

describe('splitInternal', () => {
  it('splits networks (CIDR or a single address) from name suffixes, and drops blanks', () => {
    expect(
      splitInternal(['10.0.0.0/8', '192.0.2.7', '2001:DB8:1::/48', ' *.Corp.Example.ORG ', '.relay.example.net', 'mail.example.com.', '', '   ', '*.', '.']),
    ).toEqual({
      names: ['corp.example.org', 'relay.example.net', 'mail.example.com'],
      networks: [
        { bytes: [10, 0, 0, 0], bits: 8 },
        { bytes: [192, 0, 2, 7], bits: 32 },
        { bytes: [0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], bits: 48 },
      ],
    });
  });

  it('takes only one leading "*." or "." off a name', () => {
    expect(splitInternal(['*..example.org', '..example.org', '*example.org']).names).toEqual(['.example.org', '.example.org', '*example.org']);
  });

  it('gives nothing for nothing', () => {
    expect(splitInternal([])).toEqual({ names: [], networks: [] });
  });
});

describe('hasSuffix and providerOf (kb/mail-providers.ts)', () => {
  it('matches a suffix at a label boundary only', () => {
    expect(hasSuffix('outlook.com', 'outlook.com')).toBe(true);
    expect(hasSuffix('a.prod.outlook.com', 'outlook.com')).toBe(true);
    expect(hasSuffix('notoutlook.com', 'outlook.com')).toBe(false);
    expect(hasSuffix('outlook.com.example', 'outlook.com')).toBe(false);
    expect(hasSuffix('com', 'outlook.com')).toBe(false);
    expect(hasSuffix('x-outlook.com', 'outlook.com')).toBe(false);
  });

  it.each([
    ['mx.google.com', 'Google', false],
    ['MX.Google.COM.', 'Google', false],
    ['google.com', 'Google', false],
    ['mail-ej1-f54.google.com', 'Google', true],
    ['mail-sor-f41.google.com', 'Google', true],
    ['MAIL-WR1-F50.GOOGLE.COM.', 'Google', true],
    ['mail-wm1-f41.googlemail.com', 'Google', true],
    // "mail-" only in the first label, directly under the provider's suffix.
    ['mail-ej1-f54.eu.google.com', 'Google', false],
    ['x.mail-ej1.google.com', 'Google', false],
    ['mail.google.com', 'Google', false],
    ['smtp.gmail.com', 'Google', false],
    ['am6pr01mb1234.eurprd01.prod.exchangelabs.com', 'Microsoft 365', false],
    ['example-org.mail.protection.outlook.com', 'Microsoft 365', false],
    ['mail-am6eur05on2045.outbound.protection.outlook.com', 'Microsoft 365', true],
    ['outbound.protection.outlook.com', 'Microsoft 365', true],
    ['mail-x.outbound.protection.office365.us', 'Microsoft 365', true],
    ['mail-x.outbound.protection.partner.outlook.cn', 'Microsoft 365', true],
    // No "mail-" prefix rule at Microsoft.
    ['mail-x.protection.outlook.com', 'Microsoft 365', false],
    ['sonic301-21.consmr.mail.ne1.yahoo.com', 'Yahoo', false],
    ['mta4.am0.yahoodns.net', 'Yahoo', false],
    ['mail-x.aol.com', 'Yahoo', false],
  ])('%s → %s (outbound %s)', (name, provider, outbound) => {
    const p = providerOf(name);
    expect(p === null ? null : { provider: p.provider.name, outbound: p.outbound }).toEqual({ provider, outbound });
  });

  it.each(['mx.example.org', 'google.com.example', 'notgoogle.com', 'outlook.community', 'com', ''])('%s is no provider’s', (name) => {
    expect(providerOf(name)).toBeNull();
  });
});

describe('orgOf', () => {
  const withNet = () => own({ networks: splitInternal(['198.51.100.0/24', '10.9.0.0/16']).networks, names: ['example.net'] });

  it('takes an address in an --internal network for the organisation’s own, before a private one', () => {
    expect(orgOf('mx.example.com', '198.51.100.20', withNet())).toEqual({ kind: 'own', key: 'own', label: 'own (--internal)' });
    expect(orgOf(null, '10.9.1.1', withNet())).toEqual({ kind: 'own', key: 'own', label: 'own (--internal)' });
    expect(orgOf('mx.example.com', '10.8.1.1', withNet())).toEqual({ kind: 'private', key: 'private', label: 'private address' });
  });

  it('takes a private address before the name', () => {
    expect(orgOf('mx.example.com', '192.168.1.5', own())).toEqual({ kind: 'private', key: 'private', label: 'private address' });
    expect(orgOf('mx.example.com', 'fe80::5', own())).toEqual({ kind: 'private', key: 'private', label: 'private address' });
  });

  it('takes the organisation’s own names (by suffix, any case, a dot at the end) before the providers', () => {
    expect(orgOf('MX2.Example.NET.', '203.0.113.4', withNet())).toEqual({ kind: 'own', key: 'own', label: 'own (example.net)' });
    const two = own({ names: ['corp.example.org', 'example.net'] });
    expect(orgOf('relay.example.net', null, two)).toEqual({ kind: 'own', key: 'own', label: 'own (example.net)' });
    // An own name that is also a provider's host stays own.
    expect(orgOf('mail-ej1-f54.google.com', null, own({ names: ['google.com'] }))).toEqual({ kind: 'own', key: 'own', label: 'own (google.com)' });
    // Only at a label boundary.
    expect(orgOf('mx.notexample.net', null, withNet())).toEqual({ kind: 'domain', key: 'domain:notexample.net', label: 'notexample.net' });
  });

  it('tells a provider’s outbound relay (another customer) from its other hosts', () => {
    expect(orgOf('mail-ej1-f54.google.com', '209.85.218.54', own())).toEqual({ kind: 'outbound', key: 'outbound:mail-ej1-f54.google.com', label: 'Google, another customer’s outbound relay' });
    expect(orgOf('Mail-EJ1-F54.google.com.', null, own({ provider: 'Google' }))).toEqual({ kind: 'outbound', key: 'outbound:mail-ej1-f54.google.com', label: 'Google, another customer’s outbound relay' });
    expect(orgOf('mx.google.com', '209.85.218.1', own())).toEqual({ kind: 'provider', key: 'provider:Google', label: 'Google' });
    expect(orgOf('mx.google.com', null, own({ provider: 'Microsoft 365' }))).toEqual({ kind: 'provider', key: 'provider:Google', label: 'Google' });
  });

  it('takes the provider that hosts the organisation for the organisation’s own', () => {
    expect(orgOf('am6pr01mb1234.eurprd01.prod.exchangelabs.com', '2603:10a6::5', own({ provider: 'Microsoft 365' }))).toEqual({ kind: 'own', key: 'own', label: 'own (Microsoft 365)' });
    expect(orgOf('mail-am6eur05on2045.outbound.protection.outlook.com', null, own({ provider: 'Microsoft 365' }))).toEqual({
      kind: 'outbound',
      key: 'outbound:mail-am6eur05on2045.outbound.protection.outlook.com',
      label: 'Microsoft 365, another customer’s outbound relay',
    });
  });

  it('takes the registrable domain of any other name', () => {
    expect(orgOf('smtp.mail.example.co.uk', '192.0.2.8', own())).toEqual({ kind: 'domain', key: 'domain:example.co.uk', label: 'example.co.uk' });
    expect(orgOf('SMTP.Example.COM.', null, own())).toEqual({ kind: 'domain', key: 'domain:example.com', label: 'example.com' });
  });

  it('falls back to the address when the name says nothing', () => {
    expect(orgOf(null, '192.0.2.8', own())).toEqual({ kind: 'address', key: 'address:192.0.2.8', label: '192.0.2.8' });
    expect(orgOf('localhost', '2001:DB8::8', own())).toEqual({ kind: 'address', key: 'address:2001:db8::8', label: '2001:DB8::8' });
    expect(orgOf('mx..example.org', '192.0.2.8', own())).toEqual({ kind: 'address', key: 'address:192.0.2.8', label: '192.0.2.8' });
    // A name that is an address stands for the address only when none other was written.
    expect(orgOf('192.0.2.9', '192.0.2.8', own())).toEqual({ kind: 'address', key: 'address:192.0.2.8', label: '192.0.2.8' });
    expect(orgOf('10.1.1.1', '192.0.2.8', own())).toEqual({ kind: 'address', key: 'address:192.0.2.8', label: '192.0.2.8' });
    expect(orgOf('192.0.2.9', null, own())).toEqual({ kind: 'address', key: 'address:192.0.2.9', label: '192.0.2.9' });
    expect(orgOf('[203.0.113.5]', null, own())).toEqual({ kind: 'address', key: 'address:203.0.113.5', label: '203.0.113.5' });
    expect(orgOf('10.1.1.1', null, own())).toEqual({ kind: 'private', key: 'private', label: 'private address' });
    expect(orgOf('[IPv6:fd00::5]', null, own())).toEqual({ kind: 'private', key: 'private', label: 'private address' });
    expect(orgOf('::1', null, own())).toEqual({ kind: 'private', key: 'private', label: 'private address' });
    expect(orgOf('[198.51.100.20]', null, withNet())).toEqual({ kind: 'own', key: 'own', label: 'own (--internal)' });
    // An address literal is never read as a name (the domain "0.5]").
    expect(orgOf('[10.0.0.5]', '192.0.2.8', own())).toEqual({ kind: 'address', key: 'address:192.0.2.8', label: '192.0.2.8' });
  });

  it('gives null when neither a usable name nor an address is known', () => {
    expect(orgOf(null, null, own())).toBeNull();
    expect(orgOf('localhost', null, own())).toBeNull();
    expect(orgOf('mx..example.org', null, own())).toBeNull();
  });

  it('isOwnSide: own and private only', () => {
    expect(isOwnSide(null)).toBe(false);
    expect(isOwnSide({ kind: 'own', key: 'own', label: 'x' })).toBe(true);
    expect(isOwnSide({ kind: 'private', key: 'private', label: 'x' })).toBe(true);
    for (const kind of ['provider', 'outbound', 'domain', 'address'] as const) expect(isOwnSide({ kind, key: kind, label: 'x' })).toBe(false);
  });
});

describe('ownOrganisation', () => {
  it('takes --domain over the Received lines, cleaned, with the --internal names after it', () => {
    expect(ownOrganisation(['mx.example.com'], [' *.Example.NET. ', '', '.example.org', '  '], ['10.0.0.0/8', 'relay.example.com'])).toEqual({
      names: ['example.net', 'example.org', 'relay.example.com'],
      provider: null,
      networks: [{ bytes: [10, 0, 0, 0], bits: 8 }],
      how: '--domain example.net, example.org and --internal',
    });
  });

  it('says --domain alone when no --internal was given', () => {
    expect(ownOrganisation(['mx.example.com'], ['example.net'], []).how).toBe('--domain example.net');
    expect(ownOrganisation(['mx.example.com'], ['example.net'], ['192.0.2.0/24']).how).toBe('--domain example.net and --internal');
  });

  it('keeps the provider that wrote the topmost line with --domain, not its outbound relay', () => {
    expect(ownOrganisation([null, 'mx.google.com'], ['example.net'], [])).toEqual({ names: ['example.net'], provider: 'Google', networks: [], how: '--domain example.net, hosted by Google' });
    expect(ownOrganisation(['mail-ej1-f54.google.com'], ['example.net'], [])).toEqual({ names: ['example.net'], provider: null, networks: [], how: '--domain example.net' });
    expect(ownOrganisation([], ['example.net'], [])).toEqual({ names: ['example.net'], provider: null, networks: [], how: '--domain example.net' });
  });

  it('ignores a --domain list of blanks', () => {
    expect(ownOrganisation(['mx.example.net'], ['', ' ', '*.', '.'], [])).toEqual({
      names: ['example.net'],
      provider: null,
      networks: [],
      how: 'the topmost Received line is written by mx.example.net',
    });
  });

  it('takes the topmost named by host, skipping nulls, addresses and single labels', () => {
    expect(ownOrganisation([null, '192.0.2.1', '2001:db8::1', '[192.0.2.1]', '[IPv6:2001:db8::1]', 'localhost', 'MBX1.Mail.Example.CO.UK', 'mx.example.com'], [], ['corp.example.org'])).toEqual({
      names: ['example.co.uk', 'corp.example.org'],
      provider: null,
      networks: [],
      how: 'the topmost Received line is written by MBX1.Mail.Example.CO.UK',
    });
  });

  it('keeps a named host whose registrable domain cannot be read, in lower case', () => {
    expect(ownOrganisation(['MX..Example.ORG'], [], [])).toEqual({ names: ['mx..example.org'], provider: null, networks: [], how: 'the topmost Received line is written by MX..Example.ORG' });
  });

  it('takes the provider when a provider hosts the topmost line', () => {
    expect(ownOrganisation(['AM6PR01MB1234.eurprd01.prod.exchangelabs.com', 'mx.example.net'], [], ['192.0.2.0/24'])).toEqual({
      names: [],
      provider: 'Microsoft 365',
      networks: [{ bytes: [192, 0, 2, 0], bits: 24 }],
      how: 'hosted by Microsoft 365: the topmost Received line is written by AM6PR01MB1234.eurprd01.prod.exchangelabs.com',
    });
  });

  it('does not take a provider’s outbound relay for the provider', () => {
    expect(ownOrganisation(['mail-ej1-f54.google.com'], [], [])).toEqual({ names: ['google.com'], provider: null, networks: [], how: 'the topmost Received line is written by mail-ej1-f54.google.com' });
  });

  it('says when no Received line names a host', () => {
    expect(ownOrganisation([null, '192.0.2.1', 'localhost'], [], [])).toEqual({ names: [], provider: null, networks: [], how: 'no Received line names a receiving host' });
    expect(ownOrganisation([], [], [])).toEqual({ names: [], provider: null, networks: [], how: 'no Received line names a receiving host' });
    expect(ownOrganisation([null], [], ['relay.example.com'])).toEqual({ names: ['relay.example.com'], provider: null, networks: [], how: '--internal only' });
    expect(ownOrganisation([null], [], ['10.0.0.0/8'])).toEqual({ names: [], provider: null, networks: [{ bytes: [10, 0, 0, 0], bits: 8 }], how: '--internal only' });
  });
});
