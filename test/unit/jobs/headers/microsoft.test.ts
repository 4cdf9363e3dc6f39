// readMicrosoftFields / summariseMicrosoft: the project's own Microsoft 365 header (example names,
// documentation addresses) item by item with its meanings, every documented value, the caps and
// hostile values, then the corpus's Microsoft messages read in place (never copied), then
// fast-check: any list of fields never throws and every cap holds.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readMicrosoftFields, summariseMicrosoft, type MicrosoftItem, type MicrosoftSummary } from '../../../../src/jobs/headers/microsoft.js';
import { embeddedMessages, readHeaderBlock } from '../../../../src/jobs/headers/read-header.js';
import { skipWithout } from '../../../helpers/skip.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
const CORPUS = join(process.env.MXRAY_CORPUS ?? resolve(ROOT, '../shared/corpus'), 'headers');

const item = (field: string, key: string | null, value: string, meaning: string | null = null): MicrosoftItem => ({ field, key, value, meaning });
const NOTHING: MicrosoftSummary = { scl: null, sfv: null, cat: null, cip: null, ctry: null, ptr: null, ipv: null, dir: null, authAs: null, directionality: null, bcl: null };

const FF = 'X-Forefront-Antispam-Report';
const CIP = 'the connecting IP address (the server that handed the message to Microsoft)';
const NETWORK_ID = 'Exchange\'s id for the message, the same in every copy inside the organisation (message trace finds it)';
const ANONYMOUS = 'the sending server did not authenticate: mail from outside the organisation, usually the internet';

/** One value of one field, as items. */
const one = (name: string, value: string): MicrosoftItem[] => readMicrosoftFields([{ name, value }]);
/** The meaning of one pair of a split field, or of a whole field. */
const pairMeaning = (name: string, pair: string): string | null => one(name, pair)[0]!.meaning;

describe('readMicrosoftFields: a Microsoft 365 header of our own, item by item', () => {
  it('every field of Microsoft in header order, split fields pair by pair, others ignored', () => {
    const fields = [
      { name: 'Received', value: 'from mail.example.org (192.0.2.10) by mx.example.net' },
      { name: 'Authentication-Results', value: 'spf=pass (sender IP is 192.0.2.10) smtp.mailfrom=example.org' },
      { name: 'X-MS-Exchange-Organization-ExpirationStartTime', value: '21 Sep 2026 10:00:00.0000 (UTC)' },
      { name: 'X-MS-Exchange-Organization-Network-Message-Id', value: '00000000-1111-2222-3333-444444444444' },
      { name: 'X-MS-Exchange-Organization-MessageDirectionality', value: 'Incoming' },
      { name: 'X-MS-PublicTrafficType', value: 'Email' },
      { name: 'X-MS-Exchange-Organization-AuthSource', value: 'AB1PR01MB0001.example.outlook.com' },
      { name: 'X-MS-Exchange-Organization-AuthAs', value: 'Anonymous' },
      { name: 'X-MS-Exchange-Organization-AuthMechanism', value: '04' },
      { name: 'X-MS-Office365-Filtering-Correlation-Id', value: '00000000-1111-2222-3333-444444444444' },
      { name: 'X-MS-Exchange-Organization-SCL', value: '1' },
      { name: 'X-MS-Exchange-Organization-PCL', value: '2' },
      { name: 'X-Forefront-Antispam-Report', value: 'CIP:192.0.2.10;CTRY:NL;LANG:en;SCL:1;SRV:;IPV:NLI;SFV:NSPM;H:mail.example.org;PTR:mail.example.org;CAT:NONE;SFS:(13230031)(36736006);DIR:INB;SFTY:9.25;' },
      { name: 'X-Microsoft-Antispam', value: 'BCL:0;ARA:1444;' },
      { name: 'Subject', value: 'hello' },
      { name: 'X-MS-Exchange-CrossTenant-OriginalArrivalTime', value: '21 Sep 2026 10:00:01.0000 (UTC)' },
      { name: 'X-MS-Exchange-CrossTenant-Network-Message-Id', value: '00000000-1111-2222-3333-444444444444' },
      { name: 'X-MS-Exchange-CrossTenant-Id', value: '55555555-6666-7777-8888-999999999999' },
      { name: 'X-MS-Exchange-CrossTenant-AuthSource', value: 'AB1PR01MB0001.example.outlook.com' },
      { name: 'X-MS-Exchange-CrossTenant-AuthAs', value: 'Anonymous' },
      { name: 'X-MS-Exchange-CrossTenant-FromEntityHeader', value: 'Internet' },
      { name: 'X-MS-Exchange-Transport-CrossTenantHeadersStamped', value: 'CD2PR02MB0002' },
      { name: 'X-MS-Exchange-Transport-EndToEndLatency', value: '00:00:02.5000000' },
      { name: 'X-Microsoft-Antispam-Mailbox-Delivery', value: 'ucf:0;jmr:0;auth:0;dest:I;ENG:(910001)(944506478);' },
      { name: 'X-MS-Has-Attach', value: 'yes' },
      { name: 'X-MS-TNEF-Correlator', value: '' },
      { name: 'X-MS-Exchange-Something-New', value: 'value' },
    ];
    expect(readMicrosoftFields(fields)).toEqual([
      item('X-MS-Exchange-Organization-ExpirationStartTime', null, '21 Sep 2026 10:00:00.0000 (UTC)', 'when Exchange started counting the time the message may wait in its queues before it expires'),
      item('X-MS-Exchange-Organization-Network-Message-Id', null, '00000000-1111-2222-3333-444444444444', NETWORK_ID),
      item('X-MS-Exchange-Organization-MessageDirectionality', null, 'Incoming', 'the message came into the organisation from outside it'),
      item('X-MS-PublicTrafficType', null, 'Email', 'Microsoft counts the message as ordinary email traffic'),
      item('X-MS-Exchange-Organization-AuthSource', null, 'AB1PR01MB0001.example.outlook.com', 'the Exchange server that decided how the sender authenticated'),
      item('X-MS-Exchange-Organization-AuthAs', null, 'Anonymous', ANONYMOUS),
      item('X-MS-Exchange-Organization-AuthMechanism', null, '04'),
      item('X-MS-Office365-Filtering-Correlation-Id', null, '00000000-1111-2222-3333-444444444444', 'an id that ties together Microsoft 365\'s filtering records of this message (for Microsoft support)'),
      item('X-MS-Exchange-Organization-SCL', null, '1', 'not spam'),
      item('X-MS-Exchange-Organization-PCL', null, '2', 'neutral: the content is not likely phishing'),
      item(FF, 'CIP', '192.0.2.10', CIP),
      item(FF, 'CTRY', 'NL', 'the country or region of the connecting IP address'),
      item(FF, 'LANG', 'en', 'the language the message is written in'),
      item(FF, 'SCL', '1', 'not spam'),
      item(FF, 'SRV', ''),
      item(FF, 'IPV', 'NLI', 'the connecting IP address is on no IP reputation list'),
      item(FF, 'SFV', 'NSPM', 'spam filtering found the message not to be spam'),
      item(FF, 'H', 'mail.example.org', 'the HELO or EHLO name the connecting server gave'),
      item(FF, 'PTR', 'mail.example.org', 'the reverse DNS (PTR) name of the connecting IP address'),
      item(FF, 'CAT', 'NONE', 'no threat policy category was applied'),
      item(FF, 'SFS', '(13230031)(36736006)'),
      item(FF, 'DIR', 'INB', 'an inbound message'),
      item(FF, 'SFTY', '9.25', 'first contact safety tip: the recipient rarely or never got mail from this sender'),
      item('X-Microsoft-Antispam', 'BCL', '0', 'not from a bulk sender'),
      item('X-Microsoft-Antispam', 'ARA', '1444'),
      item('X-MS-Exchange-CrossTenant-OriginalArrivalTime', null, '21 Sep 2026 10:00:01.0000 (UTC)', 'when the message first arrived at Microsoft 365'),
      item('X-MS-Exchange-CrossTenant-Network-Message-Id', null, '00000000-1111-2222-3333-444444444444', NETWORK_ID),
      item('X-MS-Exchange-CrossTenant-Id', null, '55555555-6666-7777-8888-999999999999', 'the id of the Microsoft 365 organisation (tenant) the message was attributed to'),
      item('X-MS-Exchange-CrossTenant-AuthSource', null, 'AB1PR01MB0001.example.outlook.com', 'the Exchange server that decided how the sender authenticated'),
      item('X-MS-Exchange-CrossTenant-AuthAs', null, 'Anonymous', ANONYMOUS),
      item('X-MS-Exchange-CrossTenant-FromEntityHeader', null, 'Internet', 'the message came from the internet'),
      item('X-MS-Exchange-Transport-CrossTenantHeadersStamped', null, 'CD2PR02MB0002', 'the server that stamped the cross-tenant headers for the receiving organisation'),
      item('X-MS-Exchange-Transport-EndToEndLatency', null, '00:00:02.5000000', 'how long the message took through Exchange, from arrival to delivery (hours:minutes:seconds)'),
      item('X-Microsoft-Antispam-Mailbox-Delivery', 'ucf', '0'),
      item('X-Microsoft-Antispam-Mailbox-Delivery', 'jmr', '0'),
      item('X-Microsoft-Antispam-Mailbox-Delivery', 'auth', '0'),
      item('X-Microsoft-Antispam-Mailbox-Delivery', 'dest', 'I', 'delivered to the Inbox'),
      item('X-Microsoft-Antispam-Mailbox-Delivery', 'ENG', '(910001)(944506478)'),
      item('X-MS-Has-Attach', null, 'yes', 'the message has attachments'),
      item('X-MS-TNEF-Correlator', null, '', 'no TNEF (winmail.dat) form of the message to match'),
      item('X-MS-Exchange-Something-New', null, 'value'),
    ]);
  });

  it('field names in any case; values trimmed; a pair without ":" kept without a key; an address with colons kept whole', () => {
    expect(readMicrosoftFields([
      { name: 'x-forefront-antispam-report', value: ' CIP:2001:db8::25 ; junk ;SFV: spm ;;; ' },
      { name: 'x-ms-has-attach', value: '' },
    ])).toEqual([
      item('x-forefront-antispam-report', 'CIP', '2001:db8::25', CIP),
      item('x-forefront-antispam-report', null, 'junk'),
      item('x-forefront-antispam-report', 'SFV', 'spm', 'spam filtering marked the message as spam'),
      item('x-ms-has-attach', null, '', 'the message has no attachments'),
    ]);
  });

  it('no Microsoft field, no items; an empty list, no items', () => {
    expect(readMicrosoftFields([{ name: 'Received', value: 'x' }, { name: 'X-Mailer', value: 'y' }, { name: 'X-Spam-Status', value: 'SCL:5' }])).toEqual([]);
    expect(readMicrosoftFields([])).toEqual([]);
  });
});

describe('the documented meanings, value by value', () => {
  it('SCL, in X-Forefront-Antispam-Report and X-MS-Exchange-Organization-SCL alike', () => {
    const table: [string, string | null][] = [
      ['-1', 'skipped spam filtering (a trusted sender or an internal message)'],
      ['0', 'not spam'], ['1', 'not spam'],
      ['2', 'a level spam filtering never sets itself: set by a mail flow rule or another system'],
      ['4', 'a level spam filtering never sets itself: set by a mail flow rule or another system'],
      ['5', 'spam'], ['6', 'spam'],
      ['7', 'high-confidence spam'], ['8', 'high-confidence spam'], ['9', 'high-confidence spam'],
      ['10', null], ['-2', null], ['abc', null], ['', null], ['-', null], ['1.5', null], ['0005', null],
    ];
    for (const [value, meaning] of table) {
      expect(pairMeaning(FF, `SCL:${value}`), `SCL:${value}`).toBe(meaning);
      expect(pairMeaning('X-MS-Exchange-Organization-SCL', value), value).toBe(meaning);
    }
  });

  it('BCL bands and PCL', () => {
    const bcl: [string, string | null][] = [
      ['0', 'not from a bulk sender'],
      ['1', 'from a bulk sender that draws few complaints'], ['3', 'from a bulk sender that draws few complaints'],
      ['4', 'from a bulk sender that draws a mixed number of complaints'], ['7', 'from a bulk sender that draws a mixed number of complaints'],
      ['8', 'from a bulk sender that draws many complaints'], ['9', 'from a bulk sender that draws many complaints'],
      ['10', null], ['-1', null], ['x', null],
    ];
    for (const [value, meaning] of bcl) expect(pairMeaning('X-Microsoft-Antispam', `BCL:${value}`), value).toBe(meaning);
    const pcl: [string, string | null][] = [
      ['0', null], ['1', 'neutral: the content is not likely phishing'], ['3', 'neutral: the content is not likely phishing'],
      ['4', 'suspicious: the content is likely phishing'], ['8', 'suspicious: the content is likely phishing'], ['9', null],
    ];
    for (const [value, meaning] of pcl) {
      expect(pairMeaning('X-Microsoft-Antispam', `PCL:${value}`), value).toBe(meaning);
      expect(pairMeaning(FF, `PCL:${value}`), value).toBe(meaning);
      expect(pairMeaning('X-MS-Exchange-Organization-PCL', value), value).toBe(meaning);
    }
  });

  it('SFV, IPV, CAT, DIR, SRV, SFTY: each documented value has its words, in any case; others null', () => {
    const words = (pairs: string[]): (string | null)[] => pairs.map((pair) => pairMeaning(FF, pair));
    const sfv = ['NSPM', 'SPM', 'SKN', 'SKS', 'SKA', 'SKB', 'SKI', 'SKQ', 'SFE', 'BLK'].map((v) => `SFV:${v}`);
    const cat = ['NONE', 'AMP', 'BIMP', 'BULK', 'DIMP', 'FTBP', 'GIMP', 'HSPM', 'INTOS', 'MALW', 'OSPM', 'PHSH', 'SAP', 'SPM', 'SPOOF', 'UIMP'].map((v) => `CAT:${v}`);
    for (const list of [sfv, cat, ['IPV:CAL', 'IPV:NLI'], ['DIR:INB', 'DIR:OUT', 'DIR:INT'], ['SFTY:9.19', 'SFTY:9.20', 'SFTY:9.25']]) {
      const meanings = words(list);
      expect(meanings.every((m) => typeof m === 'string' && m.length > 0), list.join()).toBe(true);
      expect(new Set(meanings).size, list.join()).toBe(list.length);
    }
    expect(words(['SFV:SKQ', 'sfv:skq', 'CAT:HPHSH', 'CAT:HPHISH', 'CAT:SPOOF', 'IPV:CAL', 'DIR:OUT', 'SRV:BULK', 'SFV:BLK'])).toEqual([
      'released from quarantine to its recipients',
      'released from quarantine to its recipients',
      'high-confidence phishing',
      'high-confidence phishing',
      'spoofing',
      'skipped spam filtering: the connecting IP address is on the connection filter\'s IP Allow List',
      'an outbound message',
      'identified as bulk mail by spam filtering and the bulk complaint level threshold',
      'filtering skipped and the message blocked: the sender is on the recipient\'s Blocked Senders list',
    ]);
    expect(words(['SFV:XYZ', 'CAT:XYZ', 'IPV:XYZ', 'DIR:XYZ', 'SRV:XYZ', 'SFTY:1.0', 'SFS:(1)', 'EFV:NLI', 'SFP:', 'CIP:', 'CTRY:', 'LANG:', 'H:', 'PTR:', 'SFV:constructor', 'CAT:toString'])).toEqual(Array(16).fill(null));
  });

  it('AuthAs, MessageDirectionality, FromEntityHeader, the mailbox\'s dest: documented words in any case; others null', () => {
    const whole = (name: string, values: string[]): (string | null)[] => values.map((v) => pairMeaning(name, v));
    expect(whole('X-MS-Exchange-Organization-AuthAs', ['Anonymous', 'internal', 'PARTNER', 'External', ''])).toEqual([
      ANONYMOUS,
      'the sender authenticated as part of the organisation',
      'the sender authenticated as a partner organisation (a partner connector or domain security)',
      null, null,
    ]);
    expect(whole('X-MS-Exchange-Organization-MessageDirectionality', ['Originating', 'incoming', 'Outgoing'])).toEqual([
      'the message was sent from inside the organisation', 'the message came into the organisation from outside it', null,
    ]);
    expect(whole('X-MS-Exchange-CrossTenant-FromEntityHeader', ['Hosted', 'HybridOnPrem', 'Internet', 'Elsewhere'])).toEqual([
      'the message came from a mailbox in Exchange Online',
      'the message came from the organisation\'s on-premises Exchange over the hybrid connector',
      'the message came from the internet',
      null,
    ]);
    expect(['dest:J', 'dest:I', 'dest:C', 'dest:X', 'ucf:1', 'OFR:CustomRules'].map((v) => pairMeaning('X-Microsoft-Antispam-Mailbox-Delivery', v))).toEqual([
      'delivered to the Junk Email folder', 'delivered to the Inbox', 'delivered to a folder the recipient chose (a custom folder)', null, null, null,
    ]);
    expect(whole('X-MS-TNEF-Correlator', ['<00000000@example.outlook.com>'])).toEqual(['an id that matches the message with its TNEF (winmail.dat) form']);
    expect(whole('X-MS-Has-Attach', ['no'])).toEqual([null]);
    expect(whole('X-MS-PublicTrafficType', ['Other'])).toEqual([null]);
  });

  it('fields whose value is an id or a time: words only when there is a value', () => {
    for (const name of [
      'X-MS-Exchange-Organization-Network-Message-Id', 'X-MS-Exchange-CrossTenant-Network-Message-Id', 'X-MS-Exchange-Organization-AuthSource',
      'X-MS-Exchange-CrossTenant-AuthSource', 'X-MS-Exchange-Organization-ExpirationStartTime', 'X-MS-Exchange-Transport-CrossTenantHeadersStamped',
      'X-MS-Exchange-Transport-EndToEndLatency', 'X-MS-Exchange-CrossTenant-OriginalArrivalTime', 'X-MS-Exchange-CrossTenant-Id',
      'X-MS-Office365-Filtering-Correlation-Id',
    ]) {
      expect(pairMeaning(name, ''), name).toBeNull();
      expect(typeof pairMeaning(name, 'x'), name).toBe('string');
    }
  });
});

describe('caps and hostile values', () => {
  it('100 items at most: 99 and one saying the rest were not listed', () => {
    const fields = Array.from({ length: 150 }, (_, i) => ({ name: `X-MS-Exchange-Field-${i}`, value: `${i}` }));
    const items = readMicrosoftFields(fields);
    expect(items.length).toBe(100);
    expect(items[98]).toEqual(item('X-MS-Exchange-Field-98', null, '98'));
    expect(items[99]).toEqual(item('(mxray)', 'truncated', 'more than 99 Microsoft items: the rest not listed'));
    expect(readMicrosoftFields(fields.slice(0, 99)).length).toBe(99);
    const pairs = readMicrosoftFields([{ name: FF, value: Array.from({ length: 500 }, (_, i) => `K${i}:${i}`).join(';') }]);
    expect([pairs.length, pairs[98]!.key, pairs[99]!.field]).toEqual([100, 'K98', '(mxray)']);
  });

  it('a 1 MB value, 10,000 semicolons, a 1 MB field name: strings within 256 characters', () => {
    const big = readMicrosoftFields([
      { name: 'X-MS-Exchange-Organization-Network-Message-Id', value: 'a'.repeat(1024 * 1024) },
      { name: FF, value: `${';'.repeat(10_000)}CIP:192.0.2.1;H:${'h'.repeat(1024 * 1024)}` },
      { name: `X-MS-${'n'.repeat(1024 * 1024)}`, value: 'v' },
    ]);
    expect(big.map((i) => [i.field.length, i.key, i.value.length])).toEqual([
      [45, null, 256], [27, 'CIP', 9], [27, 'H', 256], [256, null, 1],
    ]);
  });

  it('bidi and control characters are kept as text in values', () => {
    expect(readMicrosoftFields([{ name: FF, value: 'PTR:mail.example.org\u202e\u0007;SFV:NSPM' }])).toEqual([
      item(FF, 'PTR', 'mail.example.org\u202e\u0007', 'the reverse DNS (PTR) name of the connecting IP address'),
      item(FF, 'SFV', 'NSPM', 'spam filtering found the message not to be spam'),
    ]);
  });

  it('fields that are not strings (a caller\'s bug) are skipped, not thrown on', () => {
    const odd = [{ name: undefined, value: 1 }, null, { name: 'X-MS-Has-Attach', value: undefined }] as unknown as { name: string; value: string }[];
    expect(readMicrosoftFields(odd)).toEqual([item('X-MS-Has-Attach', null, '', 'the message has no attachments')]);
  });
});

describe('summariseMicrosoft', () => {
  it('the facts of a verdict line from our own header', () => {
    const items = readMicrosoftFields([
      { name: 'X-MS-Exchange-Organization-AuthAs', value: 'Internal' },
      { name: 'X-MS-Exchange-Organization-MessageDirectionality', value: 'Originating' },
      { name: FF, value: 'CIP:198.51.100.20;CTRY:DE;SCL:6;IPV:nli;SFV:spm;PTR:out.example.com;CAT:HPHSH;DIR:inb' },
      { name: 'X-Microsoft-Antispam', value: 'BCL:8;' },
    ]);
    expect(summariseMicrosoft(items)).toEqual({
      scl: 6, sfv: 'SPM', cat: 'HPHSH', cip: '198.51.100.20', ctry: 'DE', ptr: 'out.example.com', ipv: 'NLI', dir: 'INB',
      authAs: 'Internal', directionality: 'Originating', bcl: 8,
    });
  });

  it('nothing Microsoft: every fact null', () => {
    expect(summariseMicrosoft([])).toEqual(NOTHING);
  });

  it('the first of repeated fields; empty values and out-of-range levels are no facts', () => {
    const items = readMicrosoftFields([
      { name: FF, value: 'SCL:5;SFV:SPM;CIP:;CTRY:;PTR:;CAT:;DIR:' },
      { name: FF, value: 'SCL:1;SFV:NSPM;CIP:192.0.2.1' },
      { name: 'X-Microsoft-Antispam', value: 'BCL:12' },
    ]);
    expect(summariseMicrosoft(items)).toEqual({ ...NOTHING, scl: 5, sfv: 'SPM' });
    expect(summariseMicrosoft(readMicrosoftFields([{ name: FF, value: 'SCL:11' }, { name: 'X-MS-Exchange-Organization-SCL', value: '-1' }])).scl).toBe(-1);
  });

  it('the Untrusted copy (another organisation\'s) is never read; the organisation\'s SCL and the cross-tenant AuthAs stand in', () => {
    const items = readMicrosoftFields([
      { name: 'X-Forefront-Antispam-Report-Untrusted', value: 'CIP:203.0.113.5;SCL:9;SFV:SPM' },
      { name: 'X-Microsoft-Antispam-Untrusted', value: 'BCL:9' },
      { name: 'X-MS-Exchange-Organization-SCL', value: '-1' },
      { name: 'X-MS-Exchange-CrossTenant-AuthAs', value: 'Partner' },
    ]);
    expect(summariseMicrosoft(items)).toEqual({ ...NOTHING, scl: -1, authAs: 'Partner' });
    expect(items.slice(0, 3).map((i) => [i.key, i.meaning])).toEqual([
      ['CIP', CIP], ['SCL', 'high-confidence spam'], ['SFV', 'spam filtering marked the message as spam'],
    ]);
  });

  it('items a caller built by hand: keys and field names in any case', () => {
    expect(summariseMicrosoft([item('x-forefront-antispam-report', 'scl', '0'), item('X-MICROSOFT-ANTISPAM', 'bcl', '3'), item('X-Forefront-Antispam-Report', null, 'SCL:9')])).toEqual({ ...NOTHING, scl: 0, bcl: 3 });
  });
});

// ---------------------------------------------------------------- the corpus, read in place

function corpusFiles(ctx: Parameters<typeof skipWithout>[0]): string[] {
  try {
    return readdirSync(CORPUS).filter((f) => f.endsWith('.eml')).sort();
  } catch {
    return skipWithout(ctx, 'corpus', `no header corpus at ${CORPUS} (set MXRAY_CORPUS to its parent folder)`);
  }
}

describe('the corpus\'s Microsoft messages, read in place', () => {
  it('every message: Microsoft\'s fields read without a cap reached; two verdicts checked by hand', (ctx) => {
    const summaries: Record<string, MicrosoftSummary> = {};
    let items = 0;
    for (const name of corpusFiles(ctx)) {
      const text = readFileSync(join(CORPUS, name), 'latin1');
      for (const [i, message] of [text, ...embeddedMessages(text)].entries()) {
        const read = readMicrosoftFields(readHeaderBlock(message).fields);
        expect(read.filter((x) => x.field === '(mxray)'), name).toEqual([]);
        for (const x of read) expect(x.field.toLowerCase().startsWith('x-'), name).toBe(true);
        items += read.length;
        if (read.length > 0) summaries[`${name}#${i}`] = summariseMicrosoft(read);
      }
    }
    expect(items).toBeGreaterThan(200);
    expect(summaries['parsedmarc-mimecast-o365.eml#0']).toEqual({
      scl: 5, sfv: 'SPM', cat: 'SPM', cip: '103.13.69.22', ctry: 'AU', ptr: 'au-pop.mimecast.com', ipv: 'NLI', dir: 'INB',
      authAs: 'Anonymous', directionality: 'Incoming', bcl: 5,
    });
    expect(summaries['parsedmarc-google-ironport-exchange2010-o365.eml#0']).toEqual({
      scl: -1, sfv: 'SKN', cat: null, cip: '199.230.200.198', ctry: 'US', ptr: null, ipv: 'NLI', dir: 'INB',
      authAs: 'Anonymous', directionality: 'Originating', bcl: 0,
    });
  });
});

// ---------------------------------------------------------------- fast-check

const NAMES = [
  'X-Forefront-Antispam-Report', 'X-Forefront-Antispam-Report-Untrusted', 'X-Microsoft-Antispam', 'X-Microsoft-Antispam-Mailbox-Delivery',
  'X-MS-Exchange-Organization-SCL', 'X-MS-Exchange-Organization-AuthAs', 'X-MS-Has-Attach', 'X-MS-Other', 'Received', 'x-ms-',
];

describe('fast-check: never throws, caps hold', () => {
  it('any list of fields, any values', () => {
    const value = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.array(fc.oneof(fc.constantFrom(';', ':', 'SCL', 'BCL', 'SFV', '-1', '9', ' ', '\u202e', '('), fc.string({ maxLength: 4 })), { maxLength: 100 }).map((a) => a.join('')),
    );
    const field = fc.record({ name: fc.oneof(fc.constantFrom(...NAMES), fc.string({ maxLength: 40 })), value });
    fc.assert(fc.property(fc.array(field, { maxLength: 60 }), (fields) => {
      const items = readMicrosoftFields(fields);
      expect(items.length).toBeLessThanOrEqual(100);
      for (const x of items) {
        for (const s of [x.field, x.key ?? '', x.value, x.meaning ?? '']) expect(s.length).toBeLessThanOrEqual(256);
      }
      const s = summariseMicrosoft(items);
      if (s.scl !== null) expect(s.scl >= -1 && s.scl <= 9).toBe(true);
      if (s.bcl !== null) expect(s.bcl >= 0 && s.bcl <= 9).toBe(true);
    }), { numRuns: 300 });
  });
});
