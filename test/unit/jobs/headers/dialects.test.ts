// The project's own header blocks, one per dialect (test/fixtures/headers/dialects/*.txt, example
// names and documentation addresses, written in each software's format): each parses, through
// readHeaderBlock and parseReceived, into the hops written here by hand, oldest first. Then
// fast-check: the fixtures' Received values, mutated (characters, parentheses, semicolons inserted,
// deleted, duplicated) and random, never make parseReceived fail, and every string stays within
// its cap. No wall-clock assertion anywhere.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fieldsNamed, readHeaderBlock } from '../../../../src/jobs/headers/read-header.js';
import {
  MAX_FIELD_LENGTH, MAX_NOTE_LENGTH, MAX_NOTES, isIpAddress, parseReceived, type ReceivedHop,
} from '../../../../src/jobs/headers/received.js';

const DIR = join(resolve(dirname(fileURLToPath(import.meta.url)), '../../../..'), 'test/fixtures/headers/dialects');

/** helo, reverse, ip, by, with, protocol.tls, tls.version, tls.cipher, date (hh:mm:ss on 21 Sep 2026, UTC), software. */
type Row = [string | null, string | null, string | null, string | null, string | null, boolean | null, string | null, string | null, string | null, string | null];

function row(h: ReceivedHop): Row {
  const iso = h.date?.epochMs == null ? null : new Date(h.date.epochMs).toISOString();
  return [
    h.from?.helo ?? null, h.from?.reverse ?? null, h.from?.ip ?? null, h.by, h.with, h.protocol?.tls ?? null, h.tls?.version ?? null, h.tls?.cipher ?? null,
    iso?.startsWith('2026-09-21T') ? iso.slice(11, 19) : iso, h.software,
  ];
}

function read(name: string): { text: string; hops: ReceivedHop[]; values: string[] } {
  const text = readFileSync(join(DIR, name), 'utf8');
  const values = fieldsNamed(readHeaderBlock(text), 'received').map((f) => f.value).reverse();
  return { text, values, hops: values.map((v) => parseReceived(v)) };
}

const T13 = 'TLS 1.3';
const AES256 = 'TLS_AES_256_GCM_SHA384';

const EXPECTED: Record<string, Row[]> = {
  'gmail-to-exchange-online.txt': [
    [null, null, null, '2002:a05:6000:4012:b0:3a4:f0c5:e8b7', 'SMTP', false, null, null, '10:00:05', null],
    [null, null, null, 'mail-wr1-f54.google.com', 'SMTP', false, null, null, '10:00:06', 'gmail'],
    ['mail-wr1-f54.google.com', null, '198.51.100.54', 'DB1PEPF000509F6.mail.protection.outlook.com', null, true, T13, AES256, '10:00:07', 'exchange'],
    ['DB1PEPF000509F6.eurprd02.prod.outlook.com', null, '2001:db8:10:231:cafe::a1', 'DU2PR04CA0123.outlook.office365.com', null, true, T13, AES256, '10:00:08', 'exchange'],
    ['DU2PR04CA0123.eurprd04.prod.outlook.com', null, '2001:db8:10:231::8', 'AM9PR01MB7345.eurprd01.prod.outlook.com', null, true, 'TLS 1.2', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', '10:00:08', 'exchange'],
    ['AM9PR01MB7345.eurprd01.prod.outlook.com', null, '2001:db8:20b:3c2::18', 'PAXPR01MB8810.eurprd01.prod.outlook.com', 'HTTPS', true, null, null, '10:00:09', 'exchange'],
  ],
  'postfix-relay-content-filter.txt': [
    ['[192.168.1.23]', 'dsl-203-0-113-45.broadband.example', '203.0.113.45', 'smtp.example.org', 'ESMTPSA', true, T13, AES256, '10:00:01', 'postfix'],
    ['smtp.example.org', 'smtp.example.org', '192.0.2.25', 'relay.example.org', 'ESMTPS', true, T13, AES256, '10:00:02', 'postfix'],
    ['relay.example.org', 'relay.example.org', '192.0.2.30', 'mx1.example.net', 'ESMTP', false, null, null, '10:05:03', 'postfix'],
    ['mx1.example.net', null, '127.0.0.1', 'localhost', 'ESMTP', false, null, null, '10:05:04', 'amavis'],
    ['localhost', 'localhost', '127.0.0.1', 'mx1.example.net', 'ESMTP', false, null, null, '10:05:08', 'postfix'],
    ['mx1.example.net', null, '198.51.100.80', 'imap.example.net', 'LMTP', false, null, null, '10:05:09', null],
  ],
  'cleartext-hop.txt': [
    ['[192.0.2.77]', 'client.example.org', '192.0.2.77', 'mail.example.org', 'ESMTPSA', true, T13, 'TLS_AES_128_GCM_SHA256', '10:00:01', 'postfix'],
    ['mail.example.org', 'mail.example.org', '192.0.2.10', 'mx.example.net', 'ESMTP', false, null, null, '10:00:02', 'postfix'],
  ],
  'skewed-clock.txt': [
    ['[198.51.100.200]', null, '203.0.113.9', 'mail.example.com', 'ESMTPSA', true, null, null, '10:00:01', 'postfix'],
    ['mail.example.com', 'mail.example.com', '198.51.100.11', 'relay.example.com', 'ESMTPS', true, null, null, '10:00:05', 'postfix'],
    ['relay.example.com', 'relay.example.com', '198.51.100.12', 'mx.example.net', 'ESMTPS', true, T13, AES256, '09:57:30', 'sendmail'],
  ],
  'exim.txt': [
    [null, null, null, 'mail.example.org', null, null, null, null, '10:00:01', 'exim'],
    ['out.example.org', 'mail.example.org', '192.0.2.41', 'relay.example.org', 'esmtps', true, 'TLS 1.2', 'ECDHE-RSA-AES256-GCM-SHA384', '10:00:02', 'exim'],
    ['relay.example.org', 'relay.example.org', '192.0.2.40', 'mx.example.net', 'esmtps', true, T13, AES256, '10:00:03', 'exim'],
  ],
  'exchange-onprem.txt': [
    ['EXMBX01.corp.example.org', null, 'fe80::a1b2:c3d4:e5f6:1', 'EXMBX01.corp.example.org', 'mapi', null, null, null, '10:00:00', 'exchange'],
    ['EXMBX01.corp.example.org', null, '10.1.2.3', 'EXCAS01.corp.example.org', null, null, null, null, '10:00:01', 'exchange'],
    ['mx.example.org', null, '198.51.100.61', 'EXEDGE01.corp.example.com', null, true, null, null, '10:00:02', 'exchange'],
    ['EXEDGE01.corp.example.com', null, '192.0.2.50', 'EXMBX02.corp.example.com', null, true, 'TLS 1.2', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', '10:00:03', 'exchange'],
  ],
  'sendmail.txt': [
    [null, null, null, 'host.example.org', null, null, null, null, '10:00:01', 'sendmail'],
    ['host.example.org', 'localhost', '127.0.0.1', 'mta.example.org', 'ESMTP', false, null, null, '10:00:02', 'sendmail'],
    ['mta.example.org', 'mta.example.org', '192.0.2.60', 'mx.example.net', 'ESMTPS', true, T13, AES256, '10:00:03', 'sendmail'],
  ],
  'qmail.txt': [
    [null, null, null, null, null, null, null, null, '10:00:01', 'qmail'],
    ['relay.example.org', 'relay.example.org', '192.0.2.11', 'mail.example.org', 'ESMTPS', true, null, 'ECDHE-RSA-AES256-GCM-SHA384', '10:00:02', 'qmail'],
    ['mail.example.org', null, '192.0.2.10', 'mx.example.net', 'SMTP', false, null, null, '10:00:03', 'qmail'],
    [null, null, null, null, null, null, null, null, '10:00:03', 'qmail'],
  ],
  'opensmtpd.txt': [
    ['localhost', null, null, 'mail.example.org', 'ESMTPA', false, null, null, '10:00:01', 'opensmtpd'],
    ['mail.example.org', 'mail.example.org', '192.0.2.70', 'mx.example.net', 'ESMTPS', true, T13, AES256, '10:00:02', 'opensmtpd'],
  ],
  'iis-smtpsvc.txt': [
    ['app01.example.com', null, '192.0.2.90', 'relay.example.com', null, null, null, null, '10:00:01', 'iis'],
    ['relay.example.com', null, '192.0.2.91', 'IIS02.example.com', null, true, null, null, '10:00:02', 'iis'],
  ],
  'domino.txt': [
    ['smtp1.example.org', null, '198.51.100.100', 'relay2.example.com', 'ESMTP', false, null, null, '10:00:01', null],
    ['relay2.example.com', null, '192.0.2.101', 'notes01.example.com', 'ESMTP', false, null, null, '10:00:02', null],
  ],
  'courier.txt': [
    ['[192.0.2.111]', null, '::ffff:203.0.113.111', 'mail.example.org', 'ESMTPSA', true, 'TLS 1.2', 'ECDHE-RSA-AES128-GCM-SHA256', '10:00:01', null],
    ['mail.example.org', 'mail.example.org', '::ffff:192.0.2.110', 'mx.example.net', 'ESMTPS', true, T13, AES256, '10:00:02', null],
    ['localhost', 'localhost', '127.0.0.1', 'mx.example.net', null, null, null, null, '10:00:03', null],
  ],
  'yahoo.txt': [
    ['[198.51.100.121]', null, null, 'smtp101.mail.gq1.y.example.com', null, null, null, null, '10:00:01', null],
    ['[127.0.0.1]', null, null, 'omp1002.mail.gq1.y.example.com', null, null, null, null, '10:00:02', null],
    ['mail.example.org', null, '192.0.2.120', 'mta1001.mail.gq1.y.example.com', 'SMTP', false, null, null, '10:00:03', null],
  ],
  'haraka.txt': [
    [null, null, null, null, null, null, null, null, '10:00:01', 'haraka'],
    ['out.example.org', 'out.example.org', '192.0.2.131', 'mx.example.net', 'ESMTPS', true, T13, AES256, '10:00:02', 'haraka'],
    ['mx.example.net', 'mx.example.net', '198.51.100.130', 'store.example.net', 'ESMTP', false, null, null, '10:00:03', 'haraka'],
  ],
  'ironport.txt': [
    ['inside.example.org', null, '192.0.2.142', 'out.example.org', 'ESMTP', false, null, null, '10:00:01', null],
    ['out.example.org', 'mail.example.org', '192.0.2.140', 'esa1.example.com', 'ESMTP', true, null, 'ECDHE-RSA-AES256-GCM-SHA384', '10:00:02', 'ironport'],
    ['esa1.example.com', 'esa1.example.com', '198.51.100.141', 'mail.example.com', 'ESMTPS', true, null, null, '10:00:03', 'postfix'],
  ],
  'zimbra.txt': [
    ['out.example.org', 'out.example.org', '192.0.2.151', 'mail.example.com', 'ESMTPS', true, 'TLS 1.2', 'ECDHE-RSA-AES256-GCM-SHA384', '10:00:02', 'postfix'],
    ['mail.example.com', null, '127.0.0.1', 'localhost', 'ESMTP', false, null, null, '10:00:03', 'amavis'],
    ['localhost', 'localhost', '127.0.0.1', 'mail.example.com', 'ESMTP', false, null, null, '10:00:04', 'postfix'],
    ['mail.example.com', 'mail.example.com', '198.51.100.150', 'mail.example.com', 'LMTP', false, null, null, '10:00:04', 'zimbra'],
  ],
};

const FILES = readdirSync(DIR).filter((f) => f.endsWith('.txt')).sort();

describe('the dialect fixtures', () => {
  it('there are at least 14, each has an expectation, and each is a complete header block', () => {
    expect(FILES.length).toBeGreaterThanOrEqual(14);
    expect(FILES).toEqual(Object.keys(EXPECTED).sort());
    for (const name of FILES) {
      const block = readHeaderBlock(readFileSync(join(DIR, name), 'utf8'));
      expect(block.notes, name).toEqual([]);
      expect(block.bodyStart, name).not.toBeNull();
      for (const field of ['date', 'from', 'to', 'subject', 'message-id']) expect(fieldsNamed(block, field).length, `${name}: ${field}`).toBe(1);
      expect(fieldsNamed(block, 'received').length, name).toBeGreaterThanOrEqual(2);
    }
  });

  for (const [name, rows] of Object.entries(EXPECTED)) {
    it(`${name}: every hop, oldest first`, () => {
      const { hops, values } = read(name);
      expect(hops.map(row), name).toEqual(rows);
      for (const [i, h] of hops.entries()) expect(h.notes.filter((n) => n.includes('internal error')), values[i]).toEqual([]);
    });
  }
});

describe('what the README and report tests rely on', () => {
  it('gmail-to-exchange-online: Microsoft\'s and Google\'s fields are there, in their shape', () => {
    const block = readHeaderBlock(read('gmail-to-exchange-online.txt').text);
    const names = block.fields.map((f) => f.name);
    for (const n of ['Authentication-Results', 'Received-SPF', 'ARC-Seal', 'ARC-Message-Signature', 'ARC-Authentication-Results', 'X-Forefront-Antispam-Report', 'X-MS-Exchange-Organization-AuthAs', 'X-MS-Exchange-Organization-SCL', 'DKIM-Signature']) expect(names, n).toContain(n);
    const forefront = fieldsNamed(block, 'x-forefront-antispam-report')[0]!.value;
    expect(forefront).toContain('CIP:198.51.100.54;');
    expect(forefront).toContain('DIR:INB;');
    expect(fieldsNamed(block, 'authentication-results')[0]!.value).toContain('dmarc=pass');
    const { hops } = read('gmail-to-exchange-online.txt');
    expect(hops[2]!.via).toBe('Frontend Transport');
    expect(hops[0]!.by?.startsWith('2002:')).toBe(true);
  });

  it('postfix-relay-content-filter: one clear-text hop, between the two organisations; the filter hops are on loopback', () => {
    const { hops } = read('postfix-relay-content-filter.txt');
    const clear = hops.filter((h) => h.protocol?.tls === false && !(h.from?.ip === '127.0.0.1'));
    // The hop into the receiving MX and Dovecot's LMTP delivery inside it; only the first crosses.
    expect(clear.map((h) => [h.from?.helo, h.by])).toEqual([['relay.example.org', 'mx1.example.net'], ['mx1.example.net', 'imap.example.net']]);
    expect(hops.filter((h) => h.from?.ip === '127.0.0.1').map((h) => h.software)).toEqual(['amavis', 'postfix']);
    expect(hops[1]!.tls?.verified).toBe('verified OK');
    expect(hops[0]!.protocol).toEqual({ tls: true, auth: true, lmtp: false, utf8: false });
    expect(hops[5]!.protocol?.lmtp).toBe(true);
  });

  it('cleartext-hop: the second hop says clear text; skewed-clock: the last hop\'s date is before the one before it', () => {
    expect(read('cleartext-hop.txt').hops.map((h) => h.protocol?.tls)).toEqual([true, false]);
    const times = read('skewed-clock.txt').hops.map((h) => h.date!.epochMs!);
    expect(times[1]! > times[0]!).toBe(true);
    expect(times[2]! < times[1]!).toBe(true);
  });
});

// ---------------------------------------------------------------- properties

const SEEDS = FILES.flatMap((f) => read(f).values);

function checkHop(h: ReceivedHop): void {
  const strings = [h.from?.helo, h.from?.reverse, h.from?.ip, h.by, h.via, h.with, h.id, h.for, h.date?.raw, h.date?.note, h.tls?.version, h.tls?.cipher, h.tls?.verified, h.tls?.source];
  for (const s of strings) if (s != null) expect(s.length).toBeLessThanOrEqual(MAX_FIELD_LENGTH);
  if (h.from?.ip != null) expect(isIpAddress(h.from.ip), h.from.ip).toBe(true);
  expect(h.notes.length).toBeLessThanOrEqual(MAX_NOTES);
  for (const n of h.notes) expect(n.length).toBeLessThanOrEqual(MAX_NOTE_LENGTH);
  expect(h.notes).not.toContain('internal error while reading this field');
  if (h.tls?.bits != null) expect(Number.isInteger(h.tls.bits)).toBe(true);
}

const PIECES = ['(', ')', ';', '[', ']', '<', '>', ':', '=', ',', '/', ' ', '\t', '\r\n ', 'by', 'from', 'with', 'id', 'for', 'via', 'tls', 'helo=', 'HELO', 'TLS:', 'encrypted', 'uid', '0', '::', '.', '"'];

/** One edit: insert a piece or a random string, delete a range, or duplicate a range. */
const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 12 })) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 30 }) }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 60 }) }),
);

type Edit = { kind: 'insert'; at: number; text: string } | { kind: 'delete' | 'duplicate'; at: number; length: number };

function apply(seed: string, edits: readonly Edit[]): string {
  let s = seed;
  for (const e of edits) {
    const i = e.at % (s.length + 1);
    if (e.kind === 'insert') s = s.slice(0, i) + e.text + s.slice(i);
    else if (e.kind === 'delete') s = s.slice(0, i) + s.slice(i + e.length);
    else s = s.slice(0, i) + s.slice(i, i + e.length) + s.slice(i);
  }
  return s;
}

describe('properties of parseReceived on the dialects', () => {
  it('has seeds from every fixture', () => {
    expect(SEEDS.length).toBeGreaterThanOrEqual(45);
  });

  it('mutated fixture values never fail, stay within every cap, and give only addresses as from.ip', () => {
    fc.assert(fc.property(fc.constantFrom(...SEEDS), fc.array(edit, { minLength: 1, maxLength: 10 }), (seed, edits) => {
      checkHop(parseReceived(apply(seed, edits)));
    }), { numRuns: 1500 });
  });

  it('whole fixture values glued together, and random text made of their pieces, never fail either', () => {
    fc.assert(fc.property(fc.array(fc.constantFrom(...SEEDS), { minLength: 1, maxLength: 6 }), fc.constantFrom('', ';', ' ', '('), (parts, glue) => {
      checkHop(parseReceived(parts.join(glue)));
    }), { numRuns: 300 });
    fc.assert(fc.property(fc.array(fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 8 })), { maxLength: 200 }), (parts) => {
      checkHop(parseReceived(parts.join('')));
    }), { numRuns: 500 });
  });

  it('every unmutated seed has its date (the seeds are the dialects, not noise)', () => {
    for (const s of SEEDS) expect(parseReceived(s).date?.epochMs, s.slice(0, 60)).not.toBeNull();
  });
});
